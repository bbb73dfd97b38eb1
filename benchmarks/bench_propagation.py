"""Benchmark: the finite-width propagation simulation (numeric/propagation.py) at default size, beside
the time of its matrix products alone, in the same run.

Default size of the yarotsky/sim-* claims: width N = 1000, depth L = 30, tanh, two inputs, with the
backward pass (4 networks here).  The simulation is dominated by generating its random N x N weights
(once: at this size the backward pass keeps the forward weights, MAX_STORE_BYTES); the baseline is
what remains if the weights were free: the same ``bmm`` calls on pre-generated weights.
A second baseline is the generation of the same number of float64 standard normals by one
``torch.randn`` call (the floor for any simulation that draws fresh weights).

Run:  OMP_NUM_THREADS=1 pytest benchmarks/bench_propagation.py --benchmark-enable
The ratios are printed and stored in ``extra_info`` of the simulation's benchmark record.
Threads: one (set below), so that the numbers do not depend on what else runs on the machine.
"""
from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")

from theorycheck.numeric.propagation import propagate  # noqa: E402
from _timing import best_time  # noqa: E402  (benchmarks/_timing.py)

N, L, NETS = 1000, 30, 4
KW = dict(width=N, depth=L, sw2=2.0, sb2=0.05, q0=1.0, c0=[0.5], n_nets=NETS, seed=0, backward=True)



def _products_only(ws, z, delta):
    """The forward and backward matrix products of the simulation, on pre-generated weights."""
    for w in ws:
        z = torch.tanh(torch.bmm(z, w.transpose(1, 2)))
    for w in reversed(ws):
        delta = torch.bmm(w.transpose(1, 2), delta)
    return z, delta



def test_bench_propagation_vs_products(benchmark):
    g = torch.Generator().manual_seed(0)
    ws = [torch.randn(NETS, N, N, generator=g, dtype=torch.float64) / N**0.5 for _ in range(L)]
    z = torch.randn(NETS, 2, N, generator=g, dtype=torch.float64)
    delta = torch.randn(NETS, N, 1, generator=g, dtype=torch.float64)
    t_products = best_time(lambda: _products_only(ws, z, delta))
    buf = torch.empty(NETS, N, N, dtype=torch.float64)

    def draw():  # the same draws as the simulation: one N x N block per net and layer, into a reused buffer
        for _ in range(L):
            for s in range(NETS):
                torch.randn((N, N), generator=g, dtype=torch.float64, out=buf[s])

    t_randn = best_time(draw)
    del ws
    res = benchmark.pedantic(lambda: propagate("tanh", **KW), rounds=3, iterations=1)
    t_sim = benchmark.stats.stats.min
    # correctness after timing: the measured gradient ratio is near chi_1 (a loose sanity check)
    assert np.isfinite(res.grad_ratio).all() and np.isfinite(res.q).all()
    benchmark.extra_info.update({
        "sim_seconds": t_sim, "products_seconds": t_products, "randn_seconds": t_randn,
        "sim_over_products": t_sim / t_products, "sim_over_randn": t_sim / t_randn,
        "size": f"N={N}, L={L}, nets={NETS}, two inputs, backward pass",
    })
    print(f"\npropagation N={N} L={L} nets={NETS}: simulation {t_sim:.3f} s, matrix products alone "
          f"{t_products:.3f} s (ratio {t_sim / t_products:.1f}), drawing its L nets N^2 normals alone "
          f"{t_randn:.3f} s (ratio {t_sim / t_randn:.2f})")
