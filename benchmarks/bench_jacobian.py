"""Benchmark: the end-to-end Jacobian of a layer-normalized network (ICLR 2022 checks) and the map compositions.

1. Spectral norm of dz^(L)/dz^(0) at width N, depth L (issue size N = 1000, L = 100; ``THEORYCHECK_BENCH_JAC``
   = "N,L" to change), three ways in the same run:
   * ``explicit``: the product of the layer Jacobians (numeric.layernorm.LNNet.jacobian_product), then its
     2-norm;
   * ``power``: power iteration on J^T J with Jacobian-vector products through the layer factors
     (LNNet.opnorm_power; N^2 per layer and iteration instead of N^3);
   * baseline ``autograd``: torch.autograd.functional.jacobian of the forward map (what a user would write),
     then its 2-norm.
   The values must agree to 1e-10 relative; the speed ratios baseline/kernel are stored in extra_info.
2. 1 - rho_L at L = 512 over a grid of rho_0 (erf, critical ratio; the Fig. 2/3 curves): points per second of
   the vectorized delta iteration (numeric.layernorm.one_minus_rho) and of a per-point Python loop over the
   same kernel (the baseline).

Run:  pytest benchmarks/bench_jacobian.py --benchmark-enable   (one thread, set below)
"""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from theorycheck.numeric import layernorm as NL  # noqa: E402

N, L = (int(v) for v in os.environ.get("THEORYCHECK_BENCH_JAC", "1000,100").split(","))
R_ERF = 0.10485098033620174  # critical ratio of erf (Appendix B)



def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def test_bench_jacobian_norm(benchmark):
    g = torch.Generator().manual_seed(0)
    net = NL.LNNet("erf", N, L, 1.0, R_ERF, g)
    x = torch.randn(N, generator=g, dtype=torch.float64)
    x = x / x.norm() * N ** 0.5
    s_exp, t_exp = _timed(lambda: float(torch.linalg.matrix_norm(net.jacobian_product(x), ord=2)))
    (s_pow, iters), t_pow = _timed(lambda: net.opnorm_power(x, torch.Generator().manual_seed(1)))
    s_ag, t_ag = _timed(lambda: float(torch.linalg.matrix_norm(torch.autograd.functional.jacobian(net.forward, x), ord=2)))
    benchmark.extra_info.update({"N": N, "L": L, "explicit_s": t_exp, "power_s": t_pow, "power_iterations": iters,
                                 "autograd_s": t_ag, "ratio_autograd_over_explicit": t_ag / t_exp,
                                 "ratio_autograd_over_power": t_ag / t_pow,
                                 "rel_diff_explicit": abs(s_exp / s_ag - 1), "rel_diff_power": abs(s_pow / s_ag - 1)})
    print(f"\nN={N} L={L}: explicit {t_exp:.3g}s, power {t_pow:.3g}s ({iters} it), autograd {t_ag:.3g}s; "
          f"ratios {t_ag / t_exp:.3g}x, {t_ag / t_pow:.3g}x; rel diffs {abs(s_exp / s_ag - 1):.2g}, {abs(s_pow / s_ag - 1):.2g}")
    assert abs(s_exp / s_ag - 1) <= 1e-10
    assert abs(s_pow / s_ag - 1) <= 1e-10
    benchmark.pedantic(lambda: net.opnorm_power(x, torch.Generator().manual_seed(1)), rounds=1, iterations=1)


def test_bench_map_composition(benchmark):
    rho0 = np.linspace(-1, 1, 2001)
    _, t_vec = _timed(lambda: NL.one_minus_rho("erf", 512, rho0, R_ERF))
    sub = rho0[::100]
    _, t_loop = _timed(lambda: [NL.one_minus_rho("erf", 512, float(r), R_ERF) for r in sub])
    pps_vec, pps_loop = rho0.size / t_vec, sub.size / t_loop
    benchmark.extra_info.update({"points_per_s_vectorized": pps_vec, "points_per_s_loop": pps_loop,
                                 "ratio": pps_vec / pps_loop})
    print(f"\nL=512 over rho0 grid: {pps_vec:.3g} points/s vectorized, {pps_loop:.3g} points/s per-point loop "
          f"({pps_vec / pps_loop:.3g}x)")
    benchmark.pedantic(lambda: NL.one_minus_rho("erf", 512, rho0, R_ERF), rounds=1, iterations=1)
