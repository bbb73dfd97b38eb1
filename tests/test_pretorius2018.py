"""Pretorius et al. 2018 (linear DAEs): kernels vs mpmath (hypothesis), the c0 -> 0 limit, invalid input,
and the recorded criteria of the §6 nonlinear claim (verify/claims/pretorius2018/).  Every check of the
paper runs at smoke scale in tests/test_claims.py."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric.dae import scalar_gd, w_t, w_t_torch
from theorycheck.symbolic import dae as S
from theorycheck.verify.references import ode_solve

EPS = np.finfo(float).eps


def _ref_and_cond(args):
    """Printed eq. (5) at raised precision, and the condition number of w w.r.t. t and w0."""
    with mpmath.workdps(30):
        a = [mpmath.mpf(v) for v in args]
        ref = S.w_t_mp(*a)
        h = mpmath.mpf(10) ** -12
        terms = []
        if a[5] != 0:
            terms.append(abs((S.w_t_mp(*a[:5], a[5] * (1 + h)) - ref) / h))
        if a[4] != 0:
            terms.append(abs((S.w_t_mp(*a[:4], a[4] * (1 + h), a[5]) - ref) / h))
        cond = float(sum(terms, mpmath.mpf(0)) / abs(ref)) if ref != 0 else math.inf
    return ref, cond


@settings(max_examples=60, deadline=None)
@given(lam=st.floats(-1.5, 1.5), eps=st.one_of(st.just(0.0), st.floats(-3, 1.5)), tau=st.floats(-1, 1.5),
       c0=st.floats(-14, 2), w0=st.floats(-8, 1.5), neg=st.booleans(), t=st.floats(-3, 3))
def test_w_t_vs_printed_eq5_in_mpmath(lam, eps, tau, c0, w0, neg, t):
    """1e-12 relative (times the condition number, which exceeds 1 only near a zero crossing of w(t) for w0 < 0)
    over long times (zeta lam t/tau up to ~1e5: the printed E overflows), c0 down to 1e-14, both signs of w0."""
    L, T = 10**lam, 10**tau
    args = (L, 0.0 if eps == 0.0 else 10**eps, T, 10**c0, (-1 if neg else 1) * 10**w0, 10**t * T / L)
    ref, cond = _ref_and_cond(args)
    got = float(w_t(*args))
    assert math.isfinite(got)
    assert abs(got - float(ref)) <= 1e-12 * abs(float(ref)) * max(1.0, cond), (args, got, ref, cond)
    gt = float(w_t_torch(*[torch.tensor(x, dtype=torch.float64) for x in args]))
    assert abs(gt - got) <= 64 * EPS * abs(got) * max(1.0, cond)


@settings(max_examples=12, deadline=None)
@given(a0=st.floats(-1.5, 1.5), b0=st.floats(0.05, 1.5), e=st.sampled_from([0.0, 1.0, 5.0]))
def test_w_t_vs_mpmath_ode_solve(a0, b0, e):
    """Against a Taylor-series ODE solve of (2)-(3) (no closed form), w1^2 < w2^2 and > , w0 of both signs."""
    if abs(a0 * b0) < 1e-3 or abs(abs(a0) - b0) < 1e-3:
        return

    def f(_t, y):
        a, b = y
        return [b * (1 - a * b) - e * b * b * a, a * (1 - a * b) - e * b * a * a]

    times = [0.7, 3.0]
    ys = ode_solve(f, [a0, b0], times, dps=20)
    for tt, (a, b) in zip(times, ys):
        ref = float(a * b)
        got = float(w_t(1.0, e, 1.0, abs(b0**2 - a0**2), a0 * b0, tt))
        _, cond = _ref_and_cond((1.0, e, 1.0, abs(b0**2 - a0**2), a0 * b0, tt))
        assert abs(got - ref) <= 1e-12 * abs(ref) * max(1.0, cond)


def test_c0_to_zero_tends_to_logistic():
    for e in (0.0, 1.0, 5.0):
        ws = 1 / (1 + e)
        for w0 in (1e-3, 0.5, 3.0):
            for c0 in (1e-6, 1e-10, 1e-300):
                for t in (0.0, 0.5, 4.0, 1e4):
                    G = math.exp(-2 * t)
                    logistic = ws * w0 / (w0 * (1 - G) + ws * G)
                    got = float(w_t(1.0, e, 1.0, c0, w0, t))
                    # w1^2 + w2^2 = sqrt(4w^2 + c0^2) = 2w (1 + O(c0^2/w^2)): the deviation is O((c0/min w)^2)
                    assert abs(got - logistic) <= (8 * EPS + (c0 / min(w0, ws)) ** 2) * logistic, (e, w0, c0, t)


def test_w_t_long_times_and_saddle_approach():
    # long times: no overflow, the fixed point; w1 = -w2 nearly (c0 tiny, w0 < 0): approaches 0 then escapes
    assert float(w_t(1.0, 1.0, 1.0, 0.3, 0.1, 1e6)) == pytest.approx(0.5, rel=1e-15)
    v = w_t(1.0, 0.0, 1.0, 1e-12, -0.5, np.array([0.0, 5.0, 20.0, 60.0]))
    assert v[0] == pytest.approx(-0.5, rel=1e-15) and -1e-3 < v[1] < 0 and v[3] == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("fn", [w_t, w_t_torch])
def test_w_t_invalid_input_names_parameter(fn):
    base = dict(lam=1.0, eps=0.5, tau=1.0, c0=0.2, w0=0.1, t=1.0)
    for name, bad in (("lam", 0.0), ("eps", -1e-3), ("tau", -1.0), ("c0", 0.0), ("t", -0.5), ("w0", float("nan"))):
        with pytest.raises(DomainError, match=rf"'{name}'"):
            fn(**dict(base, **{name: bad}))


def test_wdae_solution_long_times_both_signs_of_xi():
    from theorycheck.numeric.generated.wdae import w_t as wd

    assert float(wd(1.0, 0.2, 1, 1.0, 1e-3, 1e5)) == pytest.approx(0.8, rel=1e-15)
    assert 0 <= float(wd(1.0, 0.6, 2, 1.0, 0.5, 1e3)) < 1e-100  # xi < 0: decays to 0, no overflow
    with pytest.raises(DomainError, match="xi = 0"):
        wd(1.0, 0.5, 2, 1.0, 0.5, 1.0)


def test_scalar_gd_matches_one_euler_step():
    a, b, lam, eps, lr = 0.3, 0.7, 1.3, 0.4, 0.01
    _, A, B = scalar_gd([a], [b], lam, 1, lr, eps=eps, wd=0.2)
    da = b * (lam - a * b * lam) - eps * b * b * a - 0.2 * a
    db = a * (lam - a * b * lam) - eps * b * a * a - 0.2 * b
    assert A[-1, 0] == pytest.approx(a + lr * da, rel=1e-15) and B[-1, 0] == pytest.approx(b + lr * db, rel=1e-15)


def _nonlinear_res(dae_half, wdae_half):
    ae = (np.array([1.0, 0.999, 0.999, 0.999]), np.array([10.0, 110.0, 120.0, 130.0]))
    return {"ae": ae, "dae": (np.array([0.83, 0.66, 0.64, 0.59]), np.array(dae_half, dtype=float)),
            "wdae": (np.array([0.98, 0.71, 0.68, 0.63]), np.array(wdae_half, dtype=float))}


def test_nonlinear_criterion_records_every_quantity_and_can_fail():
    """The §6 nonlinear verdict follows from recorded terms: a DAE half-time later than the AE's by more than
    one record, or a WDAE that is not delayed, fails it; the seed-0 ReLU numbers pass it."""
    from theorycheck.verify.claims.pretorius2018.sec6_experimental_results import _nonlinear_terms
    from theorycheck.verify.registry import Outcome
    from theorycheck.verify.tolerances import criterion

    def verdict(res):
        return Outcome.criterion(_nonlinear_terms(res, 10, range(4)), criterion(10, "test")).passed

    assert verdict(_nonlinear_res([10, 110, 110, 130], [10, 150, 160, 220]))
    assert verdict(_nonlinear_res([10, 120, 130, 140], [10, 150, 160, 220]))  # later by exactly one record: allowed
    assert not verdict(_nonlinear_res([10, 110, 140, 130], [10, 150, 160, 220]))  # DAE delayed by two records
    assert not verdict(_nonlinear_res([10, 110, 110, 130], [10, 110, 130, 130]))  # WDAE not delayed on average
    res = _nonlinear_res([10, 110, 110, 130], [10, 150, 160, 220])
    res["dae"] = (np.array([0.83, 0.66, 1.2, 0.59]), res["dae"][1])  # no shrinkage in direction 3
    assert not verdict(res)


def test_registered_expression_equals_kernel_and_printed_form():
    """The SymPy rewrite registered as dae.w_t (lambdified) agrees with the hand-written kernel (so the two cannot
    drift) and, at 40 digits, with the printed eq. (5) on both branches (w0 < 0, w0 >= 0, delta < -1/2)."""
    import sympy as sp

    syms = [S.lam, S.eps, S.tau, S.c0, S.w0, S.t]
    f_np = sp.lambdify(syms, S.W_T_STABLE, modules="numpy")
    f_mp = sp.lambdify(syms, S.W_T_STABLE, modules="mpmath")
    pts = [(1.0, 0.5, 1.0, 0.3, -0.2, 2.0), (2.0, 0.0, 0.5, 1e-3, -1.0, 0.1), (0.5, 5.0, 2.0, 0.8, 0.4, 30.0),
           (1.0, 1.0, 1.0, 2.0, 0.0, 1.0), (3.0, 0.1, 1.0, 1e-6, 2.0, 0.01)]
    for p in pts:
        assert float(f_np(*p)) == pytest.approx(float(w_t(*p)), rel=1e-14, abs=1e-300)
        with mpmath.workdps(40):
            a = [mpmath.mpf(x) for x in p]
            assert abs(f_mp(*a) - S.w_t_mp(*a)) <= mpmath.mpf(10) ** -30 * abs(S.w_t_mp(*a))
