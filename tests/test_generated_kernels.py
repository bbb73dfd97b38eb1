"""Generated NumPy/Torch kernels against mpmath (40 digits): targeted strategies for the Saxe formulas.

The registry-wide properties (NumPy vs Torch, float64 vs mpmath, invalid input named) are in
tests/test_formula_registry.py; here the Saxe formulas get strategies that reach the numerically hard
regions (large t where exp overflows naively, tiny u0, u0 > s, uf -> u0), plus a few specific checks.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.symbolic.registry import get
from theorycheck.verify.formulas import constraint_holds, evaluate_mpmath, generated_function

import _formula_domains as fd  # noqa: E402  (tests/ is on sys.path: rootdir-relative test imports)

EPS = np.finfo(float).eps


def _rel(got: float, ref) -> float:
    ref = mpmath.mpf(ref)
    return float(abs(mpmath.mpf(got) - ref) / abs(ref)) if ref != 0 else abs(got)


def _ref(f, args: dict) -> mpmath.mpf:
    # exact doubles in, so only the kernel's own rounding is measured
    return evaluate_mpmath(f, {k: Fraction(float(v)) for k, v in args.items()}, 40)


# Targeted accuracy properties: float64 kernel vs mpmath (40 digits) within the backward-stability bound
# of tests/_formula_domains.error_bound, k eps (|f| + sum_i |x_i df/dx_i|), k = the kernel's operation
# count + 1 (the derivation is in that module).  These strategies reach the numerically hard regions
# (exp overflow at large t, tiny u0, u0 > s, uf -> u0) that the registry-wide sweep draws rarely.


def _within_bound(f, args: dict, got: float) -> bool:
    ref = _ref(f, args)
    bound, _ = fd.error_bound(f, dict(args), float(ref))
    return float(abs(mpmath.mpf(got) - ref)) <= bound

logu = st.floats(-12, 3)


@settings(max_examples=300)
@given(s=st.floats(-3, 3), tau=st.floats(-3, 3), u0=logu, t=st.floats(0, 6))
def test_u_sigmoid_vs_mpmath_including_overflow_region(s, tau, u0, t):
    f = get("saxe.u_sigmoid")
    args = dict(s=10**s, tau=10**tau, u0=10**u0, t=10**t - 1)  # t up to 1e6: 2st/tau up to ~1e12
    got = float(generated_function(f, "numpy")(**args))
    assert math.isfinite(got)
    assert _within_bound(f, args, got)


@settings(max_examples=300)
@given(s=st.floats(-2, 2), tau=st.floats(-2, 2), x0=st.floats(1e-9, 1 - 1e-9), x1=st.floats(1e-9, 1 - 1e-9),
       above=st.booleans())
@example(s=0.0, tau=0.0, x0=0.999999999, x1=1e-09, above=False)  # log1p(R - 1) with R -> 0 (found in CI)
@example(s=0.0, tau=0.0, x0=0.5, x1=1e-09, above=False)
@example(s=0.0, tau=0.0, x0=0.5, x1=0.5000001, above=True)  # uf -> u0 above the fixed point
def test_t_learn_vs_mpmath(s, tau, x0, x1, above):
    f = get("saxe.t_learn")
    S = 10**s
    u0, uf = (S * x0, S * x1) if not above else (S / x0, S / x1)
    assume(u0 != uf and u0 != S and uf != S)
    args = dict(s=S, tau=10**tau, u0=u0, uf=uf)
    got = float(generated_function(f, "numpy")(**args))
    assert _within_bound(f, args, got)


@settings(max_examples=300)
@given(s=st.floats(-1, 1), la=st.floats(-4, 1), lb=st.floats(-4, 1), t=st.floats(0, 4))
def test_u_hyperbolic_vs_mpmath_positive_quadrant(s, la, lb, t):
    f = get("saxe.u_hyperbolic")
    args = dict(s=10**s, tau=1.0, a0=10**la, b0=10**lb, t=10**t - 1)
    got = float(generated_function(f, "numpy")(**args))
    assert math.isfinite(got)
    # u stays positive here (no zero crossing), so u is well conditioned and the bound is a few ulps
    assert _within_bound(f, args, got)


def test_u_hyperbolic_tends_to_sigmoid_as_c0_to_zero():
    fh, fs = get("saxe.u_hyperbolic"), get("saxe.u_sigmoid")
    u0 = 1e-3
    for d in (1e-4, 1e-8, 1e-12, 0.0):
        a0, b0 = math.sqrt(u0) * (1 + d), math.sqrt(u0) * (1 - d)
        for t in (0.0, 1.0, 3.0, 50.0):
            h = float(generated_function(fh, "numpy")(2.0, 1.0, a0, b0, t))
            sg = float(generated_function(fs, "numpy")(2.0, 1.0, a0 * b0, t))
            assert abs(h - sg) <= 1e-13 * sg + 4 * d * d * 2.0, (d, t, h, sg)


@settings(max_examples=300)
@given(s=st.floats(-1, 1), c0=st.floats(-3, 1), th0=st.floats(-3, 3), frac=st.floats(1e-9, 0.95))
@example(s=0.0, c0=0.0, th0=2.0, frac=0.5)  # both beyond the fixed point: logs of negatives (found in CI)
@example(s=0.0, c0=0.0, th0=-1.0, frac=1e-9)  # short time: ratio -> 1
def test_theta_time_vs_mpmath(s, c0, th0, frac):
    f = get("saxe.theta_time")
    S, C = 10**s, 10**c0
    th_star = math.asinh(2 * S / C)
    assume(abs(th0 - th_star) > 0.05)
    th1 = th0 + frac * (th_star - th0)  # between the start and the fixed point: a positive time
    args = dict(s=S, tau=1.0, c0=C, theta0=th0, theta=th1)
    got = float(generated_function(f, "numpy")(**args))
    assert got > 0
    # near the fixed point the log argument is a difference D - c0 - 2s tanh(theta/2) that loses
    # digits in proportion to 1/|tanh(theta/2) - tanh(theta*/2)|: bound by that condition number
    T, Ts = math.tanh(th1 / 2), math.tanh(th_star / 2)
    cond = 1 + 2 / max(abs(T - Ts), 1e-300) / max(abs(got) * math.sqrt(C * C + 4 * S * S), 1e-300)
    assert _rel(got, _ref(f, args)) <= 64 * EPS * cond


# ------------------------------------------------------------------------------------ bad input
def _outside(p):
    if p.lower is not None:
        return float(p.lower) - (0 if p.lower_open else 1e-3)
    if p.upper is not None:
        return float(p.upper) + (0 if p.upper_open else 1e-3)
    return None


def _inside(f):
    """A valid point: the smallest hypothesis example is not guaranteed, so search deterministically."""
    rng = np.random.default_rng(0)
    for _ in range(2000):
        vals = {}
        for p in f.params:
            lo = -2.0 if p.lower is None else float(p.lower)
            hi = (lo + 4.0) if p.upper is None else float(p.upper)
            x = rng.uniform(lo, hi)
            vals[p.name] = float(round(x)) if p.integer else x
        ok = all(p.contains(Fraction(vals[p.name])) for p in f.params)
        if ok and all(constraint_holds(f, c, {k: Fraction(v) for k, v in vals.items()}) for c in f.constraints):
            return vals
    pytest.skip(f"no valid point found for {f.id}")


def test_constraint_violation_is_named():
    f = get("saxe.t_learn")
    with pytest.raises(DomainError, match="same side of the fixed point"):
        generated_function(f, "numpy")(1.0, 1.0, 0.5, 2.0)
    with pytest.raises(DomainError, match="u0=0.5"):
        generated_function(f, "torch")(1.0, 1.0, np.array([0.5, 0.5]), np.array([0.7, 2.0]))


def test_numpy_kernel_is_vectorized_and_float64():
    f = get("saxe.u_sigmoid")
    t = np.linspace(0, 100, 1001)
    out = generated_function(f, "numpy")(2.0, 1.0, 1e-3, t)
    assert out.shape == t.shape and out.dtype == np.float64
    assert np.all(np.diff(out) >= 0) and out[-1] == 2.0


@pytest.mark.parametrize("s,tau,u0,t", [(1e-170, 1.0, 1e-170, 1.0), (1e-300, 1.0, 1e-150, 3.0),
                                        (1e150, 1e152, 1e-150, 2.0), (1e-170, 1.0, 1e170, 0.5),
                                        (2.0, 1.0, 1e-3, 3.0), (1e300, 1.0, 1e-300, 0.0)])
def test_u_sigmoid_without_underflow_of_s_u0(s, tau, u0, t):
    """Before: 0.0 at s = u0 = 1e-170 (s u0 underflowed).  Reference: printed eq. (12) at 60 digits, its
    e^x - 1 evaluated as expm1 (E - 1 itself would vanish at 60 digits when x = 1e-170).  The
    kernel rounds x = 2st/tau, e^{-x}, expm1, the ratio min/max and three operations: the printed form's
    condition number in x is |x (1 - u/s)| <= |x|, so the bound is 16 eps (1 + x)."""
    f = get("saxe.u_sigmoid")
    with mpmath.workdps(60):
        S, T, U0, TT = (mpmath.mpf(v) for v in (s, tau, u0, t))
        E = mpmath.exp(2 * S * TT / T)
        ref = S * E / (mpmath.expm1(2 * S * TT / T) + S / U0)  # E - 1 as expm1: exact at x = 1e-170 too
    x = 2 * s * t / tau
    for backend in ("numpy", "torch"):
        got = float(generated_function(f, backend)(s, tau, u0, t))
        assert abs(got - float(ref)) <= 16 * 2.0**-52 * (1 + x) * abs(float(ref)), backend
