import os

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "1")


@pytest.fixture(scope="module", autouse=True)
def _one_torch_thread():
    """Every benchmark runs Torch on one thread: the GEMM rates they compare against are one-thread rates, and
    a second thread on a 2-core machine that is also running the benchmark's baseline only adds noise."""
    try:
        import torch
    except ImportError:  # the NumPy-only benchmarks
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)
