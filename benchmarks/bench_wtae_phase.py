"""A 200 x 200 (beta, tau^2) phase diagram of the (gamma, rho) fixed point of Li & Nguyen 2019 eqs. (2)-(3)
(phi = sigma = tanh): the suite's solver (numeric.wtae.solve: gamma = 0 decided by the slope at (0, rho0), Newton
with the analytic Jacobian elsewhere) beside plain iteration of (G, R) (App. C.1's procedure, the baseline a user
would otherwise write), in the same run.

Run: ``pytest benchmarks/bench_wtae_phase.py --benchmark-enable -s``.  Recorded in ``extra_info``: points per
second, iterations (median, max), unconverged points.  Plain iteration converges at rate = spectral radius of the
Jacobian, which tends to 1 at the phase transitions (beta = 1 and beta0(tau)): it is run on a 10 x 10 sub-grid
(cap 2000 iterations; points not converged by then are counted) and compared per point.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from theorycheck.numeric import wtae as W

PAIR = "tanh_tanh"
N = 200
RESULTS: dict[str, dict] = {}


def _grid(n):
    b, t = np.meshgrid(np.linspace(0.2, 6.0, n), np.geomspace(0.01, 5.0, n), indexing="ij")
    return b.ravel(), t.ravel()


def test_solver_200x200(benchmark):
    beta, tau2 = _grid(N)
    t0 = time.perf_counter()
    r = benchmark.pedantic(W.solve, args=(PAIR, beta, tau2), rounds=1, iterations=1)
    dt = time.perf_counter() - t0
    it = r.iterations
    info = dict(points=beta.size, seconds=dt, points_per_s=beta.size / dt, median_iter=float(np.median(it)),
                max_iter=int(it.max()), unconverged=int((~r.converged).sum()), gamma_positive=int((r.gamma > 0).sum()),
                max_radius=float(np.max(r.radius)))
    benchmark.extra_info.update(info)
    RESULTS["solver"] = info
    assert info["unconverged"] == 0


def test_plain_iteration_10x10(benchmark):
    beta, tau2 = _grid(10)
    t0 = time.perf_counter()
    r = benchmark.pedantic(W.iterate_plain, args=(PAIR, beta, tau2), kwargs=dict(max_iter=2000), rounds=1,
                           iterations=1)
    dt = time.perf_counter() - t0
    ref = W.solve(PAIR, beta, tau2)
    ok = r.converged
    err = np.max(np.abs(np.r_[r.gamma[ok] - ref.gamma[ok], r.rho[ok] - ref.rho[ok]])) if ok.any() else np.nan
    info = dict(points=beta.size, seconds=dt, points_per_s=beta.size / dt, median_iter=float(np.median(r.iterations)),
                max_iter=int(r.iterations.max()), unconverged=int((~ok).sum()), max_abs_diff_vs_solver=float(err))
    benchmark.extra_info.update(info)
    RESULTS["plain"] = info


def test_report_ratio():
    if "solver" in RESULTS and "plain" in RESULTS:
        s, p = RESULTS["solver"], RESULTS["plain"]
        print(f"\nsolver: {s['points_per_s']:.1f} points/s, median {s['median_iter']:g} / max {s['max_iter']} "
              f"iterations, {s['unconverged']} unconverged of {s['points']}\n"
              f"plain : {p['points_per_s']:.2f} points/s, median {p['median_iter']:g} / max {p['max_iter']} iterations, "
              f"{p['unconverged']} unconverged of {p['points']} (cap 2000); max |diff| vs solver on converged "
              f"{p['max_abs_diff_vs_solver']:.2e}\nspeed-up (points/s): {s['points_per_s'] / p['points_per_s']:.1f} x")
