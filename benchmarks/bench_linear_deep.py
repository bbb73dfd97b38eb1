"""One full-batch gradient-descent step of a deep linear network, N_l = 100 layers of width 1000 (Saxe et al. 2013,
supplementary C: eq. (13) on the correlations), by the harness (numeric.linear_nets.deep_linear_gd) beside the
torch.autograd + SGD step a user would otherwise write.  Reported as GFLOP/s and as a fraction of this machine's
float64 GEMM rate measured in the same run (extra_info): one step is 3 (N_l - 2) products of n x n matrices
(forward prefix products, backward chain, and the outer products of eq. (13)), 2 n^3 flops each.

Environment knobs: BENCH_DEEP_N (width, default 1000), BENCH_DEEP_LAYERS (N_l, default 100).  Memory: weights plus
prefix products, 2 (N_l - 1) n^2 doubles (1.6 GB at the defaults).
"""
from __future__ import annotations

import os
import time

import pytest
import torch

N = int(os.environ.get("BENCH_DEEP_N", "1000"))
LAYERS = int(os.environ.get("BENCH_DEEP_LAYERS", "100"))
FLOPS = 3 * (LAYERS - 2) * 2 * N**3


def _gemm_rate(reps: int = 5) -> float:
    """float64 GFLOP/s of an n x n matrix product on this machine, best of ``reps``."""
    a = torch.randn(N, N, dtype=torch.float64)
    b = torch.randn(N, N, dtype=torch.float64)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t0)
    return 2 * N**3 / best / 1e9


@pytest.fixture(scope="module")
def net():
    from theorycheck.numeric import linear_nets as ln

    g = torch.Generator().manual_seed(0)
    ws = ln.deep_orthogonal_init([N] * LAYERS, g)
    S31 = torch.eye(N, dtype=torch.float64)
    return ws, S31


def _best_time(fn, reps=2):
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _report(benchmark, gemm, fn):
    # pytest-benchmark's own statistics are None under --benchmark-disable: time the step here as well
    t = benchmark.stats.stats.min if benchmark.stats else _best_time(fn)
    rate = FLOPS / t / 1e9
    benchmark.extra_info.update({"gflops": rate, "gemm_gflops": gemm, "fraction_of_gemm": rate / gemm,
                                 "width": N, "layers": LAYERS})
    print(f"\n{benchmark.name}: {rate:.2f} GFLOP/s, GEMM {gemm:.2f} GFLOP/s, fraction {rate / gemm:.3f}")


@pytest.mark.benchmark(group=f"deep linear GD step, N_l={LAYERS}, width {N}")
def test_harness_step(benchmark, net):
    from theorycheck.numeric import linear_nets as ln

    ws, S31 = net
    gemm = _gemm_rate()
    out, _, _ = benchmark.pedantic(ln.deep_linear_gd, args=(ws, None, S31, 1e-3, 1), rounds=3, iterations=1)
    assert all(torch.isfinite(w).all() for w in out)
    _report(benchmark, gemm, lambda: ln.deep_linear_gd(ws, None, S31, 1e-3, 1))


@pytest.mark.benchmark(group=f"deep linear GD step, N_l={LAYERS}, width {N}")
def test_autograd_sgd_step(benchmark, net):
    """The baseline: autograd on -tr(P^T Sigma31) + 1/2 ||P||^2 (Sigma11 = I), then torch.optim.SGD."""
    ws, S31 = net
    leaf = [w[0].clone().requires_grad_(True) for w in ws]
    opt = torch.optim.SGD(leaf, lr=1e-3)

    def step():
        opt.zero_grad()
        P = leaf[0]
        for w in leaf[1:]:
            P = w @ P
        loss = -(P * S31).sum() + 0.5 * (P * P).sum()
        loss.backward()
        opt.step()

    gemm = _gemm_rate()
    benchmark.pedantic(step, rounds=3, iterations=1)
    _report(benchmark, gemm, step)
