"""The mpmath reference tier: strip-aware quadrature (symbolic.mpquad) and the significance check of
verify.formulas.evaluate_mpmath.

Independent comparisons: tanh-sinh ``mpmath.quad`` (nested in 2-D), the conditioned-variables
trapezoid rule (``mpquad.expect2``: other coordinates, other grid, other step rule), closed forms
(erf), reference values computed by the previous implementation (tanh-sinh 1-D quadrature, the
conditioned-variables trapezoid and Illinois bracketing; its outputs at dps 40, confirmed by that
implementation at 55 and 75 digits) and the float64 kernels' stable rewrites.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic import mpquad
from theorycheck.symbolic.registry import get, load_all
from theorycheck.verify.formulas import ParameterError, evaluate, evaluate_mpmath

load_all()
HALF_PI = mpmath.pi / 2


def _sech2(z):
    return 1 / mpmath.cosh(z) ** 2


def _nested_quad(F, G, rho, q1, q2):
    s1, s2 = mpmath.sqrt(q1), mpmath.sqrt(q2)
    c = mpmath.sqrt(1 - rho * rho)
    pts = [-mpmath.inf, -2, 0, 2, mpmath.inf]

    def inner(x):
        return mpmath.quad(lambda y: G(s2 * (rho * x + c * y)) * mpmath.exp(-y * y / 2), pts)

    return mpmath.quad(lambda x: F(s1 * x) * inner(x) * mpmath.exp(-x * x / 2), pts) / (2 * mpmath.pi)


@pytest.mark.parametrize("rho,q1,q2,pair", [(0.3, 1.0, 2.0, "tanh"), (-0.8, 0.2, 3.0, "sech2")])
def test_product_rule_matches_nested_tanh_sinh(rho, q1, q2, pair):
    # both sides target 10^-dps (tanh-sinh's own error estimate at dps 12 is ~1e-12); 10^-(dps-3)
    # leaves three digits for the accumulated rounding of either method.  dps 12 keeps the nested
    # quadrature (the expensive side) to seconds.
    F = mpmath.tanh if pair == "tanh" else _sech2
    with mpmath.workdps(12):
        r, a, b = mpmath.mpf(rho), mpmath.mpf(q1), mpmath.mpf(q2)
        got = mpquad.expect2_products([(F, F)], a, b, r, HALF_PI, HALF_PI)[0]
        ref = _nested_quad(F, F, r, a, b)
        assert abs(got - ref) <= mpmath.mpf(10) ** -9 * abs(ref)


@pytest.mark.parametrize("rho,q", [(0.5, 0.5), (-0.3, 2.2), (0.9, 0.05), (0.999, 1.0), (0.02, 1.0), (1.0, 0.7)])
def test_product_rule_matches_conditioned_rule_at_30_digits(rho, q):
    # Two discretizations in different coordinates, each with error target 10^-(dps+GUARD) of the
    # integrand scale (|tanh tanh| <= 1); agreement to 10^-(dps-2) absolute.
    with mpmath.workdps(30):
        r, qq = mpmath.mpf(rho), mpmath.mpf(q)
        got = SG.mp_expect2_odd(mpmath.tanh, mpmath.tanh, r, qq, 2 * qq)
        ref = mpquad.expect2(lambda u1, u2: mpmath.tanh(u1) * mpmath.tanh(u2), qq, 2 * qq, r, HALF_PI, HALF_PI)
        assert abs(got - ref) <= mpmath.mpf(10) ** -28


def test_product_rule_reproduces_the_arcsine_kernel_of_erf():
    # erf is entire: any strip; a strip of 4 makes the rule choose the step from the Gaussian widths.
    with mpmath.workdps(30):
        for rho, q1, q2 in [(0.6, 1.0, 0.5), (-0.95, 2.0, 2.0)]:
            r = mpmath.mpf(rho)
            got = mpquad.expect2_products([(mpmath.erf, mpmath.erf)], q1, q2, r, 4, 4)[0]
            exact = 2 / mpmath.pi * mpmath.asin(2 * r * mpmath.sqrt(q1 * q2) / mpmath.sqrt((1 + 2 * q1) * (1 + 2 * q2)))
            assert abs(got - exact) <= mpmath.mpf(10) ** -28


@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 7.0, 400.0])
def test_strip_rule_1d_matches_tanh_sinh(q):
    with mpmath.workdps(30):
        for F in (lambda z: mpmath.tanh(z) ** 2, _sech2):
            got = SG.mp_expect(F, q, SG.tanh_strip())
            ref = SG.mp_expect(F, q)
            assert abs(got - ref) <= mpmath.mpf(10) ** -28 * max(abs(ref), 1)


# Values of the previous implementation at dps 40 (see the module docstring), at the points of
# benchmarks/time_mpmath_formulas.py.
PREVIOUS_40 = [
    ("gauss.cov.tanh", {"rho": "1/2", "q1": "1/2", "q2": "1/2"}, "0.1330146306443483862530981492729147595903"),
    ("gauss.norm2.tanh", {}, "0.3942944903978411744164597724441195605738"),
    ("gauss.dnorm2.tanh", {}, "0.4644029024482682419720214611156540832067"),
    ("gauss.linerr2.tanh", {}, "0.02741532603543025715602361010855036469112"),
    ("meanfield.qmap.tanh", {"q": "1/2", "sw2": "4", "sb2": "1/20"}, "1.144705231746955636073123471211956676634"),
    ("meanfield.qstar.tanh", {"sw2": "4", "sb2": "1/20"}, "2.195493928034487761825352118760009475816"),
    ("meanfield.chi1.tanh", {"sw2": "4", "sb2": "1/20"}, "1.342402414445191695864581134093843675202"),
    ("meanfield.critical_sw2.tanh", {"sb2": "1/20"}, "1.760954639606739131631552024328476775303"),
    ("meanfield.qstar.erf", {"sw2": "4", "sb2": "1/20"}, "2.578178107594037162242689570355173921250"),
    ("meanfield.xi_c.erf", {"sw2": "4", "sb2": "1/20"}, "5.401897648327580173634314597996128026679"),
    ("meanfield.xi_q.tanh", {"sw2": "4", "sb2": "1/20"}, "0.8732933719602890018822308868439915726315"),
    ("saxe.q_infinity", {"g": "3/2"}, "0.7933540426067777101275598794091240686120"),
    ("meanfield.xi_c.tanh", {"sw2": "4", "sb2": "1/20"}, "6.980273532976975387054655205828050208870"),
]


@pytest.mark.parametrize("fid,point,digits", PREVIOUS_40, ids=[r[0] for r in PREVIOUS_40])
def test_same_digits_as_the_previous_implementation(fid, point, digits):
    assert evaluate(fid, point, backend="mpmath", dps=40).value == digits


def test_xi_c_tanh_chaotic_against_previous_implementation_and_fixed_point():
    # c* < 1 here (chaotic phase): the 2-D correlation map is solved.  Independent check: the
    # returned depth scale gives b = exp(-1/xi_c); c* solves P(c) = c with the conditioned rule.
    val = evaluate("meanfield.xi_c.tanh", {"sw2": "4", "sb2": "1/20"}, backend="mpmath", dps=20).value
    with mpmath.workdps(30):
        cs, b = SM.mp_cstar("tanh", 4, mpmath.mpf(1) / 20)
        q = SM.mp_qstar("tanh", 4, mpmath.mpf(1) / 20)
        C = mpquad.expect2(lambda u1, u2: mpmath.tanh(u1) * mpmath.tanh(u2), q, q, cs, HALF_PI, HALF_PI)
        assert abs((4 * C + mpmath.mpf(1) / 20) / q - cs) <= mpmath.mpf(10) ** -26
        assert mpmath.nstr(-1 / mpmath.log(b), 20, strip_zeros=False) == val


# ---- significance: the reference is never silently wrong ------------------------------------
@pytest.mark.parametrize("fid,point", [
    ("saxe.t_learn", {"s": "1e-80", "tau": "1", "u0": "0.5", "uf": "0.25"}),
    ("saxe.theta_time", {"s": "1", "tau": "1", "c0": "1", "theta0": "1e-80", "theta": "2e-80"}),
    ("saxe.u_hyperbolic", {"s": "1", "tau": "1", "a0": "-1e-80", "b0": "1", "t": "1"}),
])
def test_cancellation_raises_the_precision_instead_of_returning_zero(fid, point):
    # At 45 and 65 digits these inputs cancel to exactly 0; the float64 kernels use stable rewrites
    # (expm1/log1p forms) accurate to a few ulps, hence 1e-13 relative.
    mp = float(evaluate(fid, point, backend="mpmath", dps=30).value)
    fl = float(evaluate(fid, point, backend="numpy").value)
    assert mp != 0
    assert abs(mp - fl) <= 1e-13 * abs(fl)


def test_exact_constants_from_lambdify_are_values():
    assert evaluate("layernorm.critical_ratio.relu", {}, backend="mpmath").value.startswith("0.0")
    assert mpmath.mpf(evaluate("meanfield.critical_sw2.relu", {"sb2": "1"}, backend="mpmath").value) == 2
    assert evaluate("hermite.coeff.relu", {"k": "3"}, backend="mpmath").value.startswith("0.0")


def test_qstar_erf_at_huge_weight_variance():
    # Independent check: the fixed-point residual of the printed q-map at 120 digits.
    v = evaluate("meanfield.qstar.erf", {"sw2": "3.4e46", "sb2": "1"}, backend="mpmath", dps=30).value
    with mpmath.workdps(120):
        q = mpmath.mpf(v)
        nu = mpmath.mpf("3.4e46") * 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q)) + 1
        # q* ~ 3.4e46 and nu'(q*) ~ 1e-24: a 30-digit q* leaves a residual <= ~1e-29 q*.
        assert abs(nu - q) <= mpmath.mpf(10) ** -28 * q


class _formula_like:
    """The two attributes of a registered Formula that evaluate_mpmath reads for an mp_impl."""

    def __init__(self, fid, impl):
        self.id, self.mp_impl, self.params = fid, impl, ()


def test_noise_that_never_settles_is_refused():
    calls = []

    def impl():  # noise of 1e-20 that alternates between calls: never 30 significant digits
        calls.append(mpmath.mp.dps)
        return mpmath.mpf(1) + mpmath.mpf(10) ** -20 * (len(calls) % 2)

    with pytest.raises(ParameterError, match="did not settle"):
        evaluate_mpmath(_formula_like("fake.noise", impl), {}, 30)


def test_zero_is_confirmed_far_away():
    def impl():  # 0 below 120 digits, 1e-150 above: the zero at 45/65 digits is not confirmed at 140
        return mpmath.mpf(0) if mpmath.mp.dps < 120 else mpmath.mpf(10) ** -150

    got = evaluate_mpmath(_formula_like("fake.hidden", impl), {}, 30)
    assert got == mpmath.mpf(10) ** -150 or abs(got / mpmath.mpf(10) ** -150 - 1) < mpmath.mpf(10) ** -29


def test_rounding_residue_of_an_exact_cancellation_is_zero():
    # u = (sigma - c^2/sigma)/4 at t = 0 is exactly 0 (sigma = a0^2, c^2 = a0^4) but leaves a residue of
    # ~10^-P at P working digits; 50 more digits shrink it by far more than 10^40, so the value is 0.
    got = evaluate_mpmath(get("saxe.u_hyperbolic"), {"s": Fraction(7120816245988179, 2**51),
                                                      "tau": Fraction(3628605449883815, 2**58),
                                                      "a0": Fraction(1), "b0": Fraction(0), "t": Fraction(0)}, 30)
    assert got == 0


def test_a_residue_that_does_not_shrink_is_a_value():
    def impl():  # 0 below 120 digits, then 1e-150 at every higher precision: a true value, not a residue
        return mpmath.mpf(0) if mpmath.mp.dps < 120 else mpmath.mpf(10) ** -150 * (1 + mpmath.mpf(10) ** -mpmath.mp.dps)

    got = evaluate_mpmath(_formula_like("fake.tiny", impl), {}, 30)
    assert abs(got / mpmath.mpf(10) ** -150 - 1) < mpmath.mpf(10) ** -29
