"""dae.w_t on 10^6 points: the suite's kernel (numeric.dae.w_t, the registered stable rewrite) beside
sympy.lambdify of the printed eq. (5) and a hand-written NumPy transcription of eq. (5), in the same run.

Run: ``pytest benchmarks/bench_dae.py --benchmark-enable``.  Each benchmark records in ``extra_info`` the
share of inputs returned as NaN/inf and the max relative error against the suite's kernel on the finite
ones; the ratio to the kernel's time is printed by ``test_report_ratios``.  Inputs: lam, tau in
[0.1, 10], eps in [0, 10], c0 in [1e-8, 10], w0 = +-[1e-6, 10], t = [0, 100] tau/lam (seeded).
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from theorycheck.numeric.dae import w_t
from theorycheck.symbolic import dae as S

N = 10**6
TIMES: dict[str, float] = {}


@pytest.fixture(scope="module")
def inputs():
    rng = np.random.default_rng(2018)
    lam = 10 ** rng.uniform(-1, 1, N)
    tau = 10 ** rng.uniform(-1, 1, N)
    eps = np.where(rng.random(N) < 0.2, 0.0, 10 ** rng.uniform(-2, 1, N))
    c0 = 10 ** rng.uniform(-8, 1, N)
    w0 = rng.choice([-1.0, 1.0], N) * 10 ** rng.uniform(-6, 1, N)
    t = rng.uniform(0, 100, N) * tau / lam
    return lam, eps, tau, c0, w0, t


def _printed_numpy(lam, eps, tau, c0, w0, t):
    """Eq. (5) transcribed by hand, as printed."""
    beta = c0 * (1 + eps / lam)
    zeta = np.sqrt(beta**2 + 4)
    delta = np.tanh(np.arcsinh(2 * w0 / c0) / 2)
    E = np.exp(zeta * lam * t / tau)
    x = ((1 - E) * (zeta**2 - beta**2 - 2 * beta * delta) - 2 * (1 + E) * zeta * delta) / (
        (1 - E) * (2 * beta + 4 * delta) - 2 * (1 + E) * zeta)
    return c0 / 2 * np.sinh(2 * np.arctanh(x))


_LAMBDIFIED = sp.lambdify([S.lam, S.eps, S.tau, S.c0, S.w0, S.t], S.W_T_PRINTED, modules="numpy")


def _run(benchmark, name, fn, inputs):
    with np.errstate(all="ignore"):
        out = benchmark(fn, *inputs)
        ref = w_t(*inputs)
    bad = ~np.isfinite(out)
    ok = ~bad
    rel = np.abs(out[ok] - ref[ok]) / np.abs(ref[ok])
    benchmark.extra_info["nonfinite_share"] = float(bad.mean())
    benchmark.extra_info["max_rel_err_vs_kernel"] = float(rel.max()) if rel.size else None
    benchmark.extra_info["median_rel_err_vs_kernel"] = float(np.median(rel)) if rel.size else None
    TIMES[name] = benchmark.stats.stats.mean if benchmark.stats else float("nan")
    assert np.isfinite(ref).all()  # correctness check after timing: the kernel is finite everywhere


def test_kernel(benchmark, inputs):
    _run(benchmark, "kernel", w_t, inputs)


def test_lambdify_printed(benchmark, inputs):
    _run(benchmark, "lambdify", _LAMBDIFIED, inputs)


def test_numpy_printed(benchmark, inputs):
    _run(benchmark, "numpy_printed", _printed_numpy, inputs)


def test_report_ratios():
    if "kernel" in TIMES:
        base = TIMES["kernel"]
        print("\n" + ", ".join(f"{k}: {v * 1e3:.1f} ms ({v / base:.2f} x kernel)" for k, v in TIMES.items()))
