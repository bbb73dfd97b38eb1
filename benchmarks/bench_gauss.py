"""Benchmarks of the Gaussian core (numeric/gaussian.py, numeric/fixed_point.py), each beside the baseline a user would otherwise pick.

1. The 2-D Gaussian expectation kernel for tanh, E[tanh(u1) tanh(u2)] (numeric.gaussian.cov_tanh at
   digits=13, i.e. ~1e-15 relative), on a 200 x 200 (rho, q) grid
   (rho in [-1, 1], q1 = q2 = q in [0.1, 4]), beside scipy.integrate.dblquad per point at
   epsabs = epsrel = 1e-12 (measured on a few grid points and reported per point), in the same run.
   Reported: points per second, the ratio to the baseline, and the achieved tanh evaluations
   per second as a fraction of this machine's single-core np.tanh rate (measured here).
2. The fixed-point solve of the tanh q-map on a 500 x 500 (sw2, sb2) grid (numeric.fixed_point.
   solve_qstar: bracketed Newton), beside per-point scipy.optimize.brentq on scipy.integrate.quad
   (measured on a sample of points, reported per point), and plain vectorized fixed-point iteration
   (capped at 2000 steps) on a 50 x 50 sub-grid: its steps and its non-converged points.

Run:  OMP_NUM_THREADS=1 pytest benchmarks/bench_gauss.py --benchmark-enable
Threads: one (NumPy single-threaded by OMP_NUM_THREADS; Torch set to 1 below).  The ratios are printed
and stored in ``extra_info``.  A correctness check follows every timing (never a timed assertion).
"""
from __future__ import annotations

import math
import time

import numpy as np
import pytest

scipy_integrate = pytest.importorskip("scipy.integrate")
scipy_optimize = pytest.importorskip("scipy.optimize")

from theorycheck.numeric import fixed_point as FP  # noqa: E402
from theorycheck.numeric import gaussian as G  # noqa: E402

N_GRID = 200
DIGITS = 13


def _tanh_rate_ns() -> float:
    x = np.random.default_rng(0).normal(size=2_000_000)
    best = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        np.tanh(x)
        best = min(best, time.perf_counter() - t0)
    return best / x.size * 1e9


def _dblquad_point(rho, q, eps=1e-12):
    s = math.sqrt(q)
    c = math.sqrt(max(1 - rho * rho, 0.0))

    def f(y, x):
        return math.tanh(s * x) * math.tanh(s * (rho * x + c * y)) * math.exp(-(x * x + y * y) / 2) / (2 * math.pi)

    return scipy_integrate.dblquad(f, -12, 12, -12, 12, epsabs=eps, epsrel=eps)[0]


def test_bench_cov_tanh_grid_vs_dblquad(benchmark):
    rho = np.linspace(-1, 1, N_GRID)[None, :]
    q = np.linspace(0.1, 4.0, N_GRID)[:, None]
    rr, qq = np.broadcast_arrays(rho, q)
    ns_tanh = _tanh_rate_ns()
    result = benchmark.pedantic(G.cov_tanh, args=(rr, qq, qq), kwargs={"digits": DIGITS}, rounds=2, iterations=1)
    t_kernel = benchmark.stats.stats.min
    n_points = rr.size
    evals = G.expect2_cost(rr, qq, qq, digits=DIGITS)
    # baseline: dblquad per point on a few points of the same grid, same accuracy request
    sample = [(0.5, 2.0), (-0.9, 0.3), (0.99, 4.0), (0.1, 1.0)]
    t0 = time.perf_counter()
    base = [_dblquad_point(r, qv) for r, qv in sample]
    t_dbl = (time.perf_counter() - t0) / len(sample)
    per_point = t_kernel / n_points
    info = {
        "points_per_second": n_points / t_kernel,
        "seconds_per_point_kernel": per_point,
        "seconds_per_point_dblquad_1e-12": t_dbl,
        "ratio_dblquad_over_kernel": t_dbl / per_point,
        "tanh_evaluations_per_point": evals / n_points,
        "tanh_ns_per_value_single_core_numpy": ns_tanh,
        "achieved_ns_per_tanh_evaluation": t_kernel / evals * 1e9,
        "fraction_of_single_core_tanh_rate": ns_tanh / (t_kernel / evals * 1e9),
    }
    benchmark.extra_info.update(info)
    print("\n" + "\n".join(f"  {k}: {v:.4g}" for k, v in info.items()))
    # correctness after timing: the kernel agrees with dblquad at the sampled points
    ours = G.cov_tanh(np.array([s[0] for s in sample]), np.array([s[1] for s in sample]),
                      np.array([s[1] for s in sample]))
    assert np.all(np.abs(ours - np.array(base)) <= 1e-10), (ours, base)
    assert result.shape == rr.shape and np.all(np.isfinite(result))


def test_bench_cov_tanh_grid_torch(benchmark):
    torch = pytest.importorskip("torch")
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        rho = torch.linspace(-1, 1, N_GRID, dtype=torch.float64)[None, :].expand(N_GRID, N_GRID)
        q = torch.linspace(0.1, 4.0, N_GRID, dtype=torch.float64)[:, None].expand(N_GRID, N_GRID)
        res = benchmark.pedantic(G.cov_tanh_torch, args=(rho, q, q), kwargs={"digits": DIGITS}, rounds=1, iterations=1)
        benchmark.extra_info["points_per_second"] = rho.numel() / benchmark.stats.stats.min
        ref = G.cov_tanh(rho[::50, ::50].numpy(), q[::50, ::50].numpy(), q[::50, ::50].numpy(), digits=DIGITS)
        assert np.allclose(res[::50, ::50].numpy(), ref, rtol=1e-13, atol=1e-16)
    finally:
        torch.set_num_threads(old)


def _brentq_point(sw2, sb2):
    def nu(qv):
        s = math.sqrt(qv)
        return sw2 * scipy_integrate.quad(lambda z: math.tanh(s * z) ** 2 * math.exp(-z * z / 2) / math.sqrt(2 * math.pi),
                                          -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)[0] + sb2

    if sb2 == 0 and sw2 <= 1:
        return 0.0
    lo = sb2 if sb2 > 0 else 1e-3 * (sw2 - 1)
    while nu(lo) - lo <= 0:
        lo /= 4
    return scipy_optimize.brentq(lambda qv: nu(qv) - qv, lo, sb2 + sw2, xtol=1e-15, rtol=1e-15)


def test_bench_qstar_500x500_vs_brentq_and_iteration(benchmark):
    sw2 = np.linspace(0.5, 4.0, 500)[:, None]
    sb2 = np.linspace(0.0, 1.0, 500)[None, :]
    S, B = np.broadcast_arrays(sw2, sb2)
    res = benchmark.pedantic(FP.solve_qstar, args=("tanh", S, B), rounds=1, iterations=1)
    t_solver = benchmark.stats.stats.min
    sample = [(1.5, 0.0), (2.0, 0.05), (3.0, 0.5), (1.02, 0.0), (0.8, 0.2)]
    t0 = time.perf_counter()
    base = [_brentq_point(w, b) for w, b in sample]
    t_brent = (time.perf_counter() - t0) / len(sample)
    # plain iteration on a 50 x 50 sub-grid (every 10th point), capped at 2000 steps
    Ssub, Bsub = S[::10, ::10], B[::10, ::10]
    ref = FP.solve_qstar("tanh", Ssub, Bsub).value
    qv = Ssub + Bsub
    steps = np.full(Ssub.shape, 2000)
    done = np.zeros(Ssub.shape, dtype=bool)
    t0 = time.perf_counter()
    for k in range(2000):
        qv = FP.qmap("tanh", qv, Ssub, Bsub)
        newly = ~done & (np.abs(qv - ref) <= 1e-12 * np.maximum(ref, 1e-300))
        steps[newly] = k + 1
        done |= newly
        if done.all():
            break
    t_iter = time.perf_counter() - t0
    info = {
        "points": S.size,
        "points_per_second": S.size / t_solver,
        "newton_iterations_median": float(np.median(res.iterations)),
        "newton_iterations_max": float(res.iterations.max()),
        "not_converged": int((~res.converged).sum()),
        "seconds_per_point_brentq_quad": t_brent,
        "ratio_brentq_over_solver": t_brent / (t_solver / S.size),
        "plain_iteration_median_steps_50x50": float(np.median(steps)),
        "plain_iteration_not_converged_in_2000_50x50": int((~done).sum()),
        "plain_iteration_seconds_50x50": t_iter,
    }
    benchmark.extra_info.update(info)
    print("\n" + "\n".join(f"  {k}: {v:.4g}" for k, v in info.items()))
    ours = FP.solve_qstar("tanh", np.array([s[0] for s in sample]), np.array([s[1] for s in sample])).value
    assert np.allclose(ours, base, rtol=1e-9, atol=1e-300), (ours, base)
    assert res.converged.all()
