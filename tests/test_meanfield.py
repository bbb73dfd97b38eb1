"""numeric/fixed_point.py and the meanfield.* / layernorm.* / saxe.q_infinity formulas.

Accuracy target 1e-12 relative against mpmath (30 digits); for fixed points the error of any method
is amplified by the condition number 1/|1 - nu'(q*)| (the root of nu(q) - q), so the bound used is
1e-14 * max(1, 1/|1 - nu'(q*)|) + 1e-13, documented in numeric/fixed_point.py.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import fixed_point as F
from theorycheck.numeric import gaussian as G
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic.registry import get
from theorycheck.verify.formulas import evaluate_mpmath, generated_function

DPS = 30


def rel(x, ref):
    ref = mpmath.mpf(ref)
    return float(abs(mpmath.mpf(float(x)) - ref) / abs(ref)) if ref != 0 else abs(float(x))


def cond_tol(slope):
    return 1e-14 * max(1.0, 1.0 / abs(1.0 - float(slope))) + 1e-13


@settings(max_examples=12, deadline=None)
@given(sw2=st.floats(0.2, 5.0), sb2=st.one_of(st.just(0.0), st.floats(1e-8, 2.0)), act=st.sampled_from(["erf", "tanh"]))
def test_qstar_vs_mpmath(sw2, sb2, act):
    """sb2 is 0 or >= 1e-8: at sw2 = 1 with sb2 ~ 1e-69 the root q* ~ sqrt(sb2) sits where
    nu(q) - q = O(q^2) cancels below 30-digit resolution (condition number 1/|1 - nu'| ~ 1e34): the
    mpmath reference itself cannot settle there (it raises), and the float64 solver's error is
    bounded by the same condition number (test_newton_converges_at_the_transition...)."""
    res = F.solve_qstar(act, sw2, sb2)
    assert bool(res.converged)
    with mpmath.workdps(DPS):
        ref = SM.mp_qstar(act, sw2, sb2)
    if ref == 0:
        assert float(res.value) == 0.0
    else:
        assert rel(res.value, ref) <= cond_tol(res.slope), (float(res.value), ref, float(res.slope))


def test_ordered_phase_qstar_is_zero_value_not_error():
    assert float(F.qstar_tanh(0.7, 0.0)) == 0.0
    assert float(F.qstar_tanh(1.0, 0.0)) == 0.0  # criticality: q* = 0 is still the stable point
    assert float(F.qstar_erf(math.pi / 4 * 0.99, 0.0)) == 0.0
    assert float(F.q_infinity(0.9)) == 0.0 and float(F.q_infinity(1.0)) == 0.0
    assert float(F.q_infinity(1.01)) > 0
    relu = generated_function(get("meanfield.qstar.relu"), "numpy")
    assert float(relu(1.5, 0.0)) == 0.0


def test_relu_qstar_beyond_criticality_is_a_clear_error():
    relu = generated_function(get("meanfield.qstar.relu"), "numpy")
    with pytest.raises(DomainError, match="finite fixed point"):
        relu(2.5, 0.1)
    with pytest.raises(DomainError, match="no finite fixed point"):
        F.solve_qstar("relu", 2.0, 0.1)


def test_fixed_points_are_fixed_and_stable_on_a_grid():
    sw2 = np.linspace(0.3, 4.0, 40)[:, None]
    sb2 = np.linspace(0.0, 1.0, 30)[None, :]
    for act in ("erf", "tanh"):
        res = F.solve_qstar(act, sw2, sb2).raise_if_diverged()
        q = res.value
        nu = F.qmap(act, q, sw2, sb2)
        assert np.all(np.abs(nu - q) <= 1e-14 * np.maximum(q, 1e-300) + 1e-300 + 4e-16 * q)
        assert np.all(res.slope <= 1.0)
        assert np.all(res.iterations <= 30), res.report()


def test_newton_converges_at_the_transition_where_plain_iteration_stalls():
    # tanh, sb2 = 0: transition at sw2 = 1.  Plain iteration's rate -ln nu'(q*) -> 0 there.
    sw2 = 1.0 + np.array([-1e-6, 1e-8, 1e-6, 1e-4, 1e-2])
    res = F.solve_qstar("tanh", sw2, 0.0).raise_if_diverged()
    assert res.iterations.max() <= 60, res.report()
    # q* ~ 3 (sw2 - 1)/... > 0 just above, = 0 below
    assert res.value[0] == 0 and np.all(res.value[1:] > 0)
    q = np.full_like(sw2, 1.0)
    for _ in range(2000):
        q = F.qmap("tanh", q, sw2, 0.0)
    assert np.abs(q[2] - res.value[2]) > 1e3 * np.abs(res.value[2] - F.qmap("tanh", res.value[2], sw2[2], 0.0))


def test_divergence_is_reported_clearly():
    res = F.solve_qstar("tanh", np.array([1.5, 2.0, 3.0]), np.array([0.0, 0.1, 0.2]), max_iter=1)
    assert not res.converged.all()
    assert "did NOT converge" in res.report()
    with pytest.raises(F.FixedPointError, match="did NOT converge"):
        res.raise_if_diverged("meanfield.qstar.tanh")


def test_correlation_map_fixed_point_one_and_chi1():
    # The lecture's exercises: c* = 1 is a fixed point of C~_{q*}; its slope there is chi1.
    for act in ("relu", "erf", "tanh"):
        sw2, sb2 = (1.5, 0.1) if act == "relu" else (2.0, 0.05)
        c1, s1 = F.correlation_map(act, 1.0, sw2, sb2)
        assert abs(c1 - 1) < 1e-14
        q = F.solve_qstar(act, sw2, sb2).value
        chi1 = sw2 * F.Activation(act, G.NUMPY).d1sq(q)
        assert abs(s1 - chi1) < 1e-14


def test_chaotic_correlation_fixed_point():
    res = F.solve_cstar("tanh", np.array([2.5, 4.0, 1.5]), np.array([0.1, 0.0, 0.3])).raise_if_diverged()
    c, b = res.value, res.slope
    cn, _ = F.correlation_map("tanh", c, np.array([2.5, 4.0, 1.5]), np.array([0.1, 0.0, 0.3]))
    assert np.all(np.abs(cn - c) < 1e-13)
    assert np.all(b < 1)
    assert abs(c[1]) < 1e-15  # odd activation without bias: c* = 0 (up to the quadrature rounding)
    with pytest.raises(F.FixedPointError, match="criticality"):
        F.xi_c_tanh(1.0, 0.0)


def test_critical_line_gives_chi1_one():
    sb2 = np.array([0.0, 1e-3, 0.05, 0.3, 1.0])
    for act in ("erf", "tanh"):
        sw2 = getattr(F, f"critical_sw2_{act}")(sb2)
        chi = getattr(F, f"chi1_{act}")(sw2, sb2)
        np.testing.assert_allclose(chi, 1.0, rtol=1e-12)
    assert float(F.critical_sw2_tanh(0.0)) == 1.0
    assert float(F.critical_sw2_erf(0.0)) == pytest.approx(math.pi / 4, rel=1e-15)


def test_critical_equation_is_increasing():
    """F(q) = q - E[phi^2]/E[phi'^2] increases from 0 (used for the bracket in _critical_sw2)."""
    q = np.geomspace(1e-3, 100, 200)
    for act in ("erf", "tanh"):
        A = F.Activation(act, G.NUMPY)
        Fq = q - A.m2(q) / A.d1sq(q)
        assert np.all(Fq > 0) and np.all(np.diff(Fq) > 0)


def test_layernorm_critical_ratio_makes_P_prime_one():
    # P'(1) = sw2 ||phi'||^2 / (sb2 + sw2 ||phi||^2) = 1 at sb2/sw2 = ratio (ICLR 2022 eq. 2.3)
    for act in ("relu", "erf", "tanh"):
        r = float(getattr(F, f"critical_ratio_{act}")())
        n2 = float(getattr(G, f"norm2_{act}")())
        d2 = float(getattr(G, f"dnorm2_{act}")())
        assert abs(d2 / (r + n2) - 1) < 1e-15


@pytest.mark.parametrize("fid, args", [
    ("meanfield.chi1.tanh", {"sw2": "2.5", "sb2": "0.2"}),
    ("meanfield.xi_q.tanh", {"sw2": "0.8", "sb2": "0.1"}),
    ("meanfield.xi_c.erf", {"sw2": "3", "sb2": "0.1"}),
    ("meanfield.xi_q.erf", {"sw2": "1.2", "sb2": "0.02"}),
    ("meanfield.chi1.erf", {"sw2": "0.5", "sb2": "0.5"}),
    ("meanfield.critical_sw2.erf", {"sb2": "0.7"}),
    ("meanfield.critical_sw2.tanh", {"sb2": "0.01"}),
    ("saxe.q_infinity", {"g": "2"}),
    ("layernorm.critical_ratio.tanh", {}),
])
def test_solver_kernels_vs_mpmath(fid, args):
    f = get(fid)
    vals = {k: Fraction(v) for k, v in args.items()}
    ref = evaluate_mpmath(f, vals, 16)
    got = generated_function(f, "numpy")(*[float(vals[p.name]) for p in f.params])
    got_t = generated_function(f, "torch")(*[torch.tensor(float(vals[p.name]), dtype=torch.float64) for p in f.params])
    assert rel(got, ref) <= 1e-12
    assert float(got_t) == pytest.approx(float(got), rel=1e-14)


@pytest.mark.slow
def test_xi_c_tanh_chaotic_vs_mpmath():
    f = get("meanfield.xi_c.tanh")
    ref = evaluate_mpmath(f, {"sw2": Fraction(3), "sb2": Fraction(1, 10)}, 15)
    assert rel(F.xi_c_tanh(3.0, 0.1), ref) <= 1e-12


@given(sw2=st.floats(-10, 0), sb2=st.floats(-10, -1e-12))
def test_invalid_variances_are_domain_errors(sw2, sb2):
    with pytest.raises(DomainError, match="'sw2'"):
        F.qstar_tanh(sw2, 0.1)
    with pytest.raises(DomainError, match="'sb2'"):
        F.chi1_erf(1.0, sb2)
    with pytest.raises(DomainError, match="'g'"):
        F.q_infinity(sw2)


def test_solver_torch_matches_numpy():
    sw2 = np.linspace(0.5, 3, 9)
    sb2 = np.linspace(0, 0.5, 9)
    a = F.solve_qstar("tanh", sw2, sb2)
    b = F.solve_qstar("tanh", torch.tensor(sw2), torch.tensor(sb2), backend="torch")
    np.testing.assert_allclose(b.value.numpy(), a.value, rtol=1e-14, atol=1e-300)
    np.testing.assert_array_equal(b.iterations.numpy(), a.iterations)
