"""Wall-clock helper shared by the benchmarks that time a baseline beside the measured kernel."""
import time


def best_time(fn, repeat: int = 3) -> float:
    """The fastest of ``repeat`` calls of ``fn`` in seconds (the minimum is the least noisy estimate)."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best
