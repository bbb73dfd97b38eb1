"""numeric/fixed_point.py and the meanfield.* / layernorm.* / saxe.q_infinity formulas.

Accuracy against mpmath: the float64 bound of tests/_formula_domains (K_HAND = 64 roundings of a
hand-written kernel, derived there) times (1 + condition number); for a fixed point q* the condition
number is 1/|1 - nu'(q*)| (q* is the root of nu(q) - q: an error e of nu moves it by e/|1 - nu'|),
as documented in numeric/fixed_point.py; for the registered solver kernels it is the sensitivity
sum_i |x_i df/dx_i / f| (tests/_formula_domains.error_bound).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import fixed_point as F
from theorycheck.numeric import gaussian as G
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic.registry import get
from theorycheck.verify.formulas import evaluate_mpmath, generated_function, resolve_params

import _formula_domains as fd  # noqa: E402  (tests/ is on sys.path: rootdir-relative test imports)

DPS = 30


def rel(x, ref):
    ref = mpmath.mpf(ref)
    return float(abs(mpmath.mpf(float(x)) - ref) / abs(ref)) if ref != 0 else abs(float(x))


def cond_tol(slope):
    return fd.K_HAND * fd.EPS * (1.0 + 1.0 / abs(1.0 - float(slope)))


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
    # sw2 = 1, sb2 = 0 is critical *and* has q* = 0: the registry's constraint (sb2 > 0) | (sw2 > 1) refuses it
    with pytest.raises(DomainError, match=r"constraint \(sb2 > 0\) \| \(sw2 > 1\) violated at sw2=1.0, sb2=0.0"):
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
    bound, _ = fd.error_bound(f, {k: float(v) for k, v in vals.items()}, float(ref))
    assert abs(float(got) - float(ref)) <= bound, (float(got), ref, bound)
    assert abs(float(got_t) - float(got)) <= 2 * bound


@pytest.mark.slow
def test_xi_c_tanh_chaotic_vs_mpmath():
    f = get("meanfield.xi_c.tanh")
    ref = evaluate_mpmath(f, {"sw2": Fraction(3), "sb2": Fraction(1, 10)}, 15)
    bound, _ = fd.error_bound(f, {"sw2": 3.0, "sb2": 0.1}, float(ref))
    assert abs(float(F.xi_c_tanh(3.0, 0.1)) - float(ref)) <= bound


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


# ---------------------------------------------------------------------------------------------
# Regression tests: right values or a clear refusal at extreme inputs (references computed here with
# mpmath, independently of the kernels and of symbolic.meanfield's mpmath implementations).
EPS = 2.0**-52


@pytest.mark.parametrize("sw2", [1e-300, 1e-20, 1e-3, 0.5, 0.99, 1.0, 1.5, 1.999999])
@pytest.mark.parametrize("act", ["relu", "leaky_relu"])
def test_xi_relu_family_keeps_relative_accuracy_at_small_sw2(act, sw2):
    """xi = -1/ln(x), x = sw2 (1+a^2)/2.  ln(x) (x <= 1/2) and log1p(x - 1) (1/2 < x < 1, x - 1 exact) each
    round once (eps relative) and xi = -1/that rounds once more; x itself rounds once when a != 0: its
    relative error eps enters xi amplified by 1/|ln x| (the condition number).  Bound: 4 eps (1 + 1/|ln x|)."""
    a = 0.3 if act == "leaky_relu" else None
    if a is not None:
        sw2 = sw2 / (1 + a * a)  # the same rates x = sw2 (1+a^2)/2 (up to rounding) inside the domain
    args = (sw2, 1.0) + ((a,) if a is not None else ())
    with mpmath.workdps(50):
        x = mpmath.mpf(sw2) * (1 + mpmath.mpf(a) ** 2 if a is not None else 1) / 2
        ref = -1 / mpmath.log(x)
    tol = 4 * EPS * (1 + float(abs(1 / mpmath.log(x))))
    for fid in (f"meanfield.xi_q.{act}", f"meanfield.xi_c.{act}"):
        f = get(fid)
        for backend in ("numpy", "torch"):
            assert rel(generated_function(f, backend)(*args), ref) <= tol, (fid, backend)


@pytest.mark.parametrize("sw2,sb2", [(1.1e-263, 3.09e108), (1e-300, 1e300), (1e-300, 1.0), (1e-30, 1e-5)])
def test_xi_erf_at_rates_below_the_float64_range(sw2, sb2):
    """At tiny sw2 the rates chi1 = sw2 (4/pi)/sqrt(1+4q*) and nu'(q*) = sw2 (4/pi)/((1+2q*) sqrt(1+4q*))
    are subnormal or underflow to 0 (sw2 = 1.1e-263, q* = 3.09e108: chi1 = 4e-318, nu' ~ 1e-426), and
    -1/ln(rate) printed 0.0 (exact: 1.37e-3, 1.02e-3).  Reference: the erf closed forms in mpmath at 50
    digits, q* by fixed-point iteration of q = sb2 + sw2 (2/pi) atan(2q/sqrt(1+4q)) (slope <= sw2 4/pi,
    so each step gains >= 250 digits).  Bound 8 eps relative: the kernel's ln(rate) is a sum of three
    same-signed logarithms (ln(4/pi) = 0.24 aside), each within 1 ulp of a term no larger than |ln rate|,
    plus two additions; q*'s relative error eps moves ln rate by <= 1.5 eps absolute (negligible against
    |ln rate| >= 69); -1/ln rounds once more: 6 eps, rounded up."""
    with mpmath.workdps(50):
        s, b = mpmath.mpf(sw2), mpmath.mpf(sb2)
        q = b
        for _ in range(4):
            q = b + s * 2 / mpmath.pi * mpmath.atan(2 * q / mpmath.sqrt(1 + 4 * q))
        chi1 = s * 4 / mpmath.pi / mpmath.sqrt(1 + 4 * q)
        slope = chi1 / (1 + 2 * q)
        refs = {"meanfield.xi_c.erf": -1 / mpmath.log(chi1), "meanfield.xi_q.erf": -1 / mpmath.log(slope)}
    for fid, ref in refs.items():
        for backend in ("numpy", "torch"):
            got = generated_function(get(fid), backend)(*((sw2, sb2) if backend == "numpy" else
                                                          (torch.tensor(sw2, dtype=torch.float64),
                                                           torch.tensor(sb2, dtype=torch.float64))))
            assert rel(float(got), ref) <= 8 * EPS, (fid, backend, float(got), mpmath.nstr(ref, 17))


def _tanh_small_q_ref(sw2, sb2):
    """q* and nu'(q*) for tanh at tiny q* from the series E[tanh(sqrt(q) Z)^2] = q - 2 q^2 + (17/3) q^3
    - (62/3) q^4 + O(q^5) (tanh^2 x = x^2 - 2x^4/3 + 17x^6/45 - 62x^8/315 + ..., E Z^(2k) = (2k-1)!!): for
    q* <= 1e-7 the truncation (~92 q^5 against the root's scale q^2) is below 1e-19 relative."""
    with mpmath.workdps(60):
        s, b = mpmath.mpf(sw2), mpmath.mpf(sb2)
        g = lambda q: s * (q - 2 * q**2 + mpmath.mpf(17) / 3 * q**3 - mpmath.mpf(62) / 3 * q**4) + b - q  # noqa: E731
        lo, hi = mpmath.mpf(0), s + b
        for _ in range(2000):  # bisection in log scale down to 60 digits
            mid = mpmath.sqrt(lo * hi) if lo > 0 else hi / 2**20
            if g(mid) > 0:
                lo = mid
            else:
                hi = mid
            if lo > 0 and hi - lo < mpmath.mpf(10) ** -55 * hi:
                break
        q = (lo + hi) / 2
        slope_m1 = (s - 1) + s * (-4 * q + 17 * q**2 - mpmath.mpf(248) / 3 * q**3)  # nu'(q*) - 1
    return q, slope_m1


@pytest.mark.parametrize("sw2,sb2", [(1.0, 1e-40), (0.9822150332399193, 3.469756e-126), (1.0, 1e-300),
                                     (1.0000001, 0.0), (0.5, 1e-200)])
def test_qstar_tanh_at_tiny_qstar_vs_series_reference(sw2, sb2):
    """Before: q* = 3.2e-16 at (1, 1e-40) (true 7.07e-21) and no convergence at (0.982..., 3.47e-126).
    Tolerance: the root of g(q) = sw2 (m2(q) - q) + (sw2 - 1) q + sb2 inherits g's rounding error
    8 eps (|sw2 h| + |sw2 - 1| q + sb2) divided by |g'(q*)| (condition number), plus the 4 eps stopping
    rule; the kernel's xi_q = -1/log1p(nu' - 1) likewise with |ln nu'| in the denominator."""
    q_ref, slope_m1 = _tanh_small_q_ref(sw2, sb2)
    qf = float(q_ref)
    with mpmath.workdps(30):
        h = 2 * q_ref**2
        dg = float(abs(slope_m1))
        tol_q = float(16 * EPS * (sw2 * h + abs(sw2 - 1) * q_ref + sb2) / (abs(slope_m1) * q_ref)) + 8 * EPS
    for backend in ("numpy", "torch"):
        got = generated_function(get("meanfield.qstar.tanh"), backend)(sw2, sb2)
        assert rel(got, q_ref) <= tol_q, backend
        xi = generated_function(get("meanfield.xi_q.tanh"), backend)(sw2, sb2)
        with mpmath.workdps(60):
            xi_ref = -1 / mpmath.log1p(slope_m1)
        # slope - 1 = sw2 (m2' - 1) + (sw2 - 1): each term carries 8 eps; xi's relative error is that
        # absolute error over |ln slope| ~ |slope - 1|.
        tol_xi = 16 * EPS * (4 * sw2 * qf + abs(sw2 - 1)) / dg + 8 * EPS + tol_q
        assert rel(xi, xi_ref) <= tol_xi, backend


def test_a_points_value_does_not_depend_on_the_batch():
    """The same point alone and inside batches with very different points gives bit-identical values
    (each point's quadrature rule and Newton iterates depend only on its own parameters)."""
    sw2 = np.array([0.9822150332399193, 2.0, 1.0, 1.5, 3.0])
    sb2 = np.array([3.469756e-126, 0.3, 1e-40, 50.0, 0.1])
    for kern in (F.qstar_tanh, F.xi_q_tanh, F.chi1_tanh):
        batch = kern(sw2, sb2)
        for i in range(sw2.size):
            assert float(kern(sw2[i], sb2[i])) == float(batch[i]), (kern.__name__, i)
    ch_sw2, ch_sb2 = np.array([3.0, 2.5, 1.8]), np.array([0.1, 0.0, 0.4])
    batch = F.xi_c_tanh(ch_sw2, ch_sb2)
    for i in range(3):
        assert float(F.xi_c_tanh(ch_sw2[i], ch_sb2[i])) == float(batch[i])


def _mp_critical_sw2_erf(sb2):
    """Independent reference: sw2 = 1/d1sq(q) at the root of q = sb2 + m2(q)/d1sq(q), with
    m2 = (2/pi) asin(2q/(1+2q)) and d1sq = (4/pi)/sqrt(1+4q), by the fixed-point iteration of that equation
    (a contraction with factor ~ (pi/4)/sqrt(q) <= 1e-5 for sb2 >= 1e10) at 2 log10(sb2) + 60 digits."""
    with mpmath.workdps(int(2 * math.log10(sb2)) + 60):
        b = mpmath.mpf(sb2)
        m2 = lambda q: 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))  # noqa: E731
        d1 = lambda q: 4 / (mpmath.pi * mpmath.sqrt(1 + 4 * q))  # noqa: E731
        q = b
        for _ in range(40):
            q = b + m2(q) / d1(q)
        return 1 / d1(q)


def _mp_critical_sw2_erf_bisect(sb2):
    """Independent reference for any sb2 > 0: bisection (geometric while the bracket spans decades) on
    F(q) = q - m2(q)/d1sq(q) - sb2, increasing in q, at 2 |log10 sb2| + 80 digits (F = O(q^2) at small q
    cancels about |log10 q| digits of the working precision)."""
    with mpmath.workdps(int(2 * abs(math.log10(sb2))) + 80):
        b = mpmath.mpf(sb2)
        m2 = lambda q: 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q))  # noqa: E731
        d1 = lambda q: 4 / (mpmath.pi * mpmath.sqrt(1 + 4 * q))  # noqa: E731
        lo, hi = b * 0 + mpmath.mpf(10) ** -400, 2 * b + 10
        for _ in range(3000):
            mid = mpmath.sqrt(lo * hi) if hi > 4 * lo else (lo + hi) / 2
            if mid - m2(mid) / d1(mid) - b > 0:
                hi = mid
            else:
                lo = mid
            if hi - lo < mpmath.mpf(10) ** -30 * hi:
                break
        return 1 / d1((lo + hi) / 2)


@pytest.mark.parametrize("sb2", [1.6e-30, 1e-10, 1e-3, 0.7])
def test_critical_sw2_erf_at_tiny_sb2(sb2):
    """Before: 4.3e-8 relative error at sb2 = 1.6e-30 (q - m2/d1 = O(q^2) cancelled).  Now formed as
    sqrt(1+4q)(y - atan y)/2 without cancellation: the root q has the 4 eps stopping rule and ~8 eps of
    F's rounding over |q F'(q)/F(q)| ~ 2, and sw2 = pi sqrt(1+4q)/4 halves that: bound 16 eps."""
    ref = _mp_critical_sw2_erf_bisect(sb2)
    for b in ("numpy", "torch"):
        assert rel(generated_function(get("meanfield.critical_sw2.erf"), b)(sb2), ref) <= 16 * EPS, b


@pytest.mark.parametrize("sb2", [1e10, 1e20, 3.7e45, 1e100, 1e300])
def test_critical_sw2_erf_at_huge_sb2(sb2):
    """Before: 6746518852.26 for every sb2 >= ~1e20 (the bracket stopped at 2^64); 2e-8 NumPy/Torch
    disagreement from the arcsine near 1.  sw2 = pi sqrt(1+4q)/4 has condition number 1/2 in q, and q
    (~sb2) is found to the 4 eps stopping rule with F's terms rounding at eps: bound 16 eps."""
    ref = _mp_critical_sw2_erf(sb2)
    vals = [float(generated_function(get("meanfield.critical_sw2.erf"), b)(sb2)) for b in ("numpy", "torch")]
    for v in vals:
        assert rel(v, ref) <= 16 * EPS


@pytest.mark.parametrize("fid,params", [
    ("meanfield.critical_sw2.tanh", {"sb2": 1e38}),
    ("meanfield.chi1.tanh", {"sw2": 1.0, "sb2": 1e12}),
    ("meanfield.qstar.tanh", {"sw2": 1.0, "sb2": 1e12}),
    ("saxe.q_infinity", {"g": 1e6}),
])
def test_huge_variances_are_refused_not_allocated(fid, params):
    """Before: 83 s then MemoryError, or "Maximum allowed size exceeded".  Now a DomainError naming the
    formula and the bounded-work budget, raised before any large allocation."""
    for backend in ("numpy", "torch"):
        with pytest.raises(G.QuadratureTooLarge, match=f"{fid}.*bounded-work budget"):
            generated_function(get(fid), backend)(**params)


@pytest.mark.parametrize("act,sw2", [("relu", 1.5), ("leaky_relu", 1.5), ("erf", 0.5), ("tanh", 0.5)])
def test_xi_c_is_refused_at_zero_bias_in_the_ordered_phase(act, sw2):
    """q* = 0: no correlation depth scale (test_correlation_trajectory_... below).  Before: relu 3.476."""
    f = get(f"meanfield.xi_c.{act}")
    args = {"sw2": sw2, "sb2": 0.0} | ({"a": 0.2} if act == "leaky_relu" else {})
    for backend in ("numpy", "torch"):
        with pytest.raises(DomainError, match="ordered phase"):
            generated_function(f, backend)(**args)
    with pytest.raises(ValueError, match="ordered phase"):  # the mpmath path validates through the registry
        evaluate_mpmath(f, resolve_params(f, {k: repr(v) for k, v in args.items()}), dps=20)


def test_correlation_trajectory_in_the_ordered_phase_is_not_geometric():
    """ReLU, sw2 = 1.5, sb2 = 0 (chi1 = 0.75): the map is u -> u - k u^(3/2) + O(u^2) for u = 1 - c,
    k = 2 sqrt(2)/(3 pi), so u_l = (4/k^2) / l^2 (1 + O(ln l / l)) = (9 pi^2/2) / l^2: the ratio
    u_2l / u_l -> 1/4, where a geometric approach at rate chi1 would give 0.75^l (1e-125 at l = 1000).
    tanh, sw2 = 0.5, sb2 = 0: q_l -> 0 geometrically and c_l freezes at a c0-dependent value < 1."""
    _, c = F.correlation_trajectory("relu", 1.5, 0.0, 0.5, 2000)
    u = 1 - c
    assert abs(u[2000] / u[1000] - 0.25) <= 0.25 * 10 * math.log(1000) / 1000
    assert abs(u[2000] * 2000**2 / (9 * math.pi**2 / 2) - 1) <= 10 * math.log(2000) / 2000
    _, c = F.correlation_trajectory("tanh", 0.5, 0.0, np.array([0.2, 0.6]), 100)
    assert np.all(np.abs(c[100] - c[50]) <= 1e-13)  # frozen
    assert c[100][0] < 0.2 and c[100][1] < 0.6 and abs(c[100][1] - c[100][0]) > 0.3  # start-dependent, not 1


def test_finite_width_relu_correlation_in_the_ordered_phase_is_not_geometric():
    """8 ReLU nets of width 512, depth 40, sw2 = 1.5, sb2 = 0, c0 = 0.5: the mean of 1 - c_40 is compared
    with the geometric prediction 0.5 * 0.75^40 = 5e-6: it exceeds it by orders of magnitude and lies
    within a CLT band (z = 5) plus the O(1/N) finite-width bias bound 5/N of the mean-field u_40."""
    from theorycheck.numeric import propagation as P

    r = P.propagate("relu", width=512, depth=40, sw2=1.5, sb2=0.0, c0=[0.5], n_nets=8, seed=7)
    u = 1 - r.c[:, 0, 40]
    _, c = F.correlation_trajectory("relu", 1.5, 0.0, 0.5, 40)
    assert u.mean() > 100 * 0.5 * 0.75**40
    assert abs(u.mean() - (1 - c[40])) <= 5 * u.std(ddof=1) / math.sqrt(u.size) + 5 / 512


def test_bracketed_fixed_point_solves_a_convex_map():
    """P(x) = 1/2 + x^2/4 on [0, 1]: x* = 2 - sqrt(2), P'(x*) = x*/2 (exact); Newton from 0 increases
    monotonically; the 4 eps stopping rule plus rounding of P bound the error by 8 eps."""
    res = F.bracketed_fixed_point(lambda x: (0.5 + x * x / 4, x / 2), 0.0, 1.0, 0.0).raise_if_diverged()
    assert abs(float(res.value) - (2 - math.sqrt(2))) <= 8 * EPS
    assert abs(float(res.slope) - (2 - math.sqrt(2)) / 2) <= 8 * EPS


def test_tanh_critical_series_coefficients_match_sympy():
    """The Taylor coefficients of q - m2(q)/d1sq(q) hard-coded in numeric.fixed_point, recomputed with
    sympy from the series of tanh^2 and sech^4 (E Z^(2k) = (2k-1)!!)."""
    import sympy as sp

    x, qq = sp.symbols("x q")

    def gauss_series(f, n=9):
        p = sp.Poly(sp.series(f, x, 0, 2 * n + 2).removeO(), x)
        return sum(c * sp.factorial2(k - 1) * qq ** (k // 2) for (k,), c in p.terms() if k % 2 == 0)

    Fs = sp.Poly(sp.series(qq - gauss_series(sp.tanh(x) ** 2) / gauss_series(sp.sech(x) ** 4), qq, 0, 10).removeO(), qq)
    coeffs = [float(Fs.coeff_monomial(qq**k)) for k in range(3, 10)]
    assert Fs.coeff_monomial(qq) == 0 and Fs.coeff_monomial(qq**2) == 0
    assert np.allclose(coeffs, F._TANH_CRIT_SERIES, rtol=1e-15, atol=0)


@pytest.mark.parametrize("sb2", [1e-12, 1e-8, 1e-6])
def test_critical_sw2_tanh_at_tiny_sb2(sb2):
    """Before: sw2 4.6e-8 off at sb2 = 1e-40 (q - m2/d1 = O(q^3) cancelled).  Reference: mpmath
    quadratures of E[tanh^2] and E[sech^4] at 50 digits and findroot near (3 sb2/4)^(1/3).  Bound:
    16 eps in the series region q < 5e-4; above, F's rounding ~8 eps q (quadrature sums and a division)
    over F'(q) ~ 4 q^2 moves q by 2 eps/q absolute and sw2 ~ 1 + 2q by 4 eps/q: 16 eps + 4 eps/q."""
    with mpmath.workdps(50):
        b = mpmath.mpf(sb2)

        def E(fun, q):
            return mpmath.quad(lambda z: fun(mpmath.sqrt(q) * z) * mpmath.exp(-z * z / 2), [-mpmath.inf, 0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)

        def Fq(q):
            return q - E(lambda u: mpmath.tanh(u) ** 2, q) / E(lambda u: mpmath.sech(u) ** 4, q) - b

        q = mpmath.findroot(Fq, (3 * b / 4) ** (mpmath.mpf(1) / 3), tol=mpmath.mpf(10) ** -45 * b)
        ref = 1 / E(lambda u: mpmath.sech(u) ** 4, q)
    for backend in ("numpy", "torch"):
        qq = float(q)
        tol = 16 * EPS + (4 * EPS / qq if qq >= 5e-4 else 0.0)
        assert rel(generated_function(get("meanfield.critical_sw2.tanh"), backend)(sb2), ref) <= tol, backend
