import os

# Keep Torch from oversubscribing the 2 CI cores (its thread pool stalls when another process holds
# a core); the kernels under test are float64 and deterministic either way.
os.environ.setdefault("OMP_NUM_THREADS", "1")

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("ci")
