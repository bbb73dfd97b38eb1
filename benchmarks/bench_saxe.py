"""Benchmarks for Saxe et al. 2013 kernels (pytest-benchmark; run `pytest benchmarks --benchmark-enable`).

Each group times the project's kernel beside the baseline a user would otherwise write, in the same
run; pytest-benchmark prints each row's time relative to the fastest of its group (the ratio).
Correctness is checked after timing, outside the timed region.
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
import torch

from theorycheck.numeric.generated.saxe import u_sigmoid
from theorycheck.symbolic import saxe as S

N = 10**6


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    # t in [0, 300]: half the points are beyond exp overflow of the printed form (2st/tau > 709 for s = 2)
    return dict(s=2.0, tau=1.0, u0=1e-3, t=rng.uniform(0, 300, N))


@pytest.fixture(scope="module")
def reference(points):
    p = points
    return p["s"] * p["u0"] / (p["u0"] + (p["s"] - p["u0"]) * np.exp(-2 * p["s"] * p["t"] / p["tau"]))


@pytest.mark.benchmark(group="saxe.u_sigmoid 1e6 points")
def test_generated_numpy_kernel(benchmark, points, reference):
    out = benchmark(u_sigmoid, points["s"], points["tau"], points["u0"], points["t"])
    assert np.allclose(out, reference, rtol=1e-14, atol=0)


@pytest.mark.benchmark(group="saxe.u_sigmoid 1e6 points")
def test_handwritten_numpy_stable(benchmark, points, reference):
    def hand(s, tau, u0, t):
        return s * u0 / (u0 + (s - u0) * np.exp(-2 * s * t / tau))

    out = benchmark(hand, points["s"], points["tau"], points["u0"], points["t"])
    assert np.array_equal(out, reference)


@pytest.mark.benchmark(group="saxe.u_sigmoid 1e6 points")
def test_handwritten_numpy_as_printed(benchmark, points):
    def printed(s, tau, u0, t):
        e = np.exp(2 * s * t / tau)
        return s * e / (e - 1 + s / u0)

    with np.errstate(over="ignore", invalid="ignore"):
        out = benchmark(printed, points["s"], points["tau"], points["u0"], points["t"])
    benchmark.extra_info["nan_or_inf_fraction"] = float(np.mean(~np.isfinite(out)))
    assert np.mean(~np.isfinite(out)) > 0.3  # the printed form fails at large t


@pytest.mark.benchmark(group="saxe.u_sigmoid 1e6 points")
def test_sympy_lambdify_raw(benchmark, points):
    fn = sp.lambdify((S.s, S.tau, S.u0, S.t), S.U_SIGMOID_PRINTED, "numpy")
    with np.errstate(over="ignore", invalid="ignore"):
        out = benchmark(fn, points["s"], points["tau"], points["u0"], points["t"])
    benchmark.extra_info["nan_or_inf_fraction"] = float(np.mean(~np.isfinite(out)))


# ------------------------------------------------------------------------------ one training step
def _setup_step():
    from theorycheck.numeric import linear_nets as ln

    g = torch.Generator().manual_seed(0)
    s = torch.tensor([4.0, 3.0, 2.2, 1.6, 1.2, 0.9, 0.7, 0.5], dtype=torch.float64)
    task = ln.task_with_svd(s, 32, 64, g)  # default-scale sizes of saxe2013/fig3-learning-curves
    W1, W2 = ln.gaussian_init(32, 32, 64, 1e-3, g, batch=24)
    return ln, task, W1, W2


@pytest.mark.benchmark(group="saxe2013 fig3 one full-batch GD step (24 seeds, 32-32-64)")
def test_harness_step(benchmark):
    ln, task, W1, W2 = _setup_step()
    A, B, _, _ = benchmark(ln.train, W1, W2, 0.01, 1, Syx=task.Syx)
    assert torch.isfinite(A).all()


@pytest.mark.benchmark(group="saxe2013 fig3 one full-batch GD step (24 seeds, 32-32-64)")
def test_autograd_sgd_step(benchmark):
    """The baseline a user would write: autograd on 1/2 sum ||Y - W2 W1 X||^2 over the 32 whitened patterns."""
    ln, task, W1, W2 = _setup_step()
    X = torch.eye(32, dtype=torch.float64)
    Y = task.Syx  # with X = I, Sigma31 = Y X^T = Y
    A = W1.clone().requires_grad_(True)
    B = W2.clone().requires_grad_(True)
    opt = torch.optim.SGD([A, B], lr=0.01)

    def step():
        opt.zero_grad()
        loss = 0.5 * ((Y - B @ A @ X) ** 2).sum()
        loss.backward()
        opt.step()

    benchmark(step)
