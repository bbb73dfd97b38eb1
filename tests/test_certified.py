"""verify/certified.py: every enclosure contains an independent high-precision reference (mpmath at 40
digits: quadrature, closed forms, the mp_* fixed-point solvers of symbolic/), end points are rounded
outwards, interval Newton refuses what it cannot prove, subdivision reports unproven boxes, and the
certified checks of the registry pass and record re-derivable enclosures.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest

from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic import meanfield as SM
from theorycheck.verify import certified as CT
from theorycheck.verify.outcomes import as_interval
from theorycheck.verify.registry import all_claims, derive_status
from theorycheck.verify.runner import run_check

DPS = 40


def _contains(enc, mp_value) -> bool:
    """The recorded [lo, hi] contains the mpmath value (exact rational comparison of its decimal digits,
    widened by the reference's own 10^-(DPS-5) relative accuracy)."""
    lo, hi = as_interval(enc)
    v = Fraction(mpmath.nstr(mp_value, DPS, strip_zeros=False))
    slack = abs(v) * Fraction(1, 10 ** (DPS - 5)) + Fraction(1, 10 ** 60)
    return lo - slack <= v <= hi + slack


def _width(enc) -> float:
    lo, hi = as_interval(enc)
    return float(hi - lo)


def test_enclosure_rounds_outwards():
    with CT.precision():
        x = CT.num(1) / 3
        lo, hi = as_interval(CT.enclosure(x, 10))
        assert lo < Fraction(1, 3) < hi and hi - lo <= Fraction(2, 10**10)
        # a double is converted exactly (not through its shortest decimal "0.1")
        lo, hi = as_interval(CT.enclosure(CT.num(0.1), 30))
        assert lo <= Fraction(0.1) <= hi and not (lo <= Fraction("0.1") <= hi)


def test_printed_interval_is_half_a_unit_of_the_last_digit():
    assert CT.printed_interval("0.0373") == ["0.03725", "0.03735"]
    assert CT.printed_interval("2") == ["1.5", "2.5"]
    assert CT.printed_interval("1.760") == ["1.7595", "1.7605"]


@pytest.mark.parametrize("q", ["0.05", "7.5", "300"])
def test_tanh_expectations_contain_mpmath_quadrature(q):
    with CT.precision():
        got = {"m2": CT.m2("tanh", q), "d1sq": CT.d1sq("tanh", q), "dm2": CT.dm2("tanh", q),
               "dd1sq": CT.dd1sq("tanh", q)}
        enc = {k: CT.enclosure(v) for k, v in got.items()}
    with mpmath.workdps(DPS):
        Q = mpmath.mpf(q)
        t2 = lambda z: mpmath.tanh(z) ** 2  # noqa: E731
        ref = {"m2": SG.mp_expect(t2, Q),
               "d1sq": SG.mp_expect(lambda z: mpmath.sech(z) ** 4, Q),
               # derivatives in q by mpmath's numerical differentiation of the expectations
               "dm2": mpmath.diff(lambda s: SG.mp_expect(t2, s), Q),
               "dd1sq": mpmath.diff(lambda s: SG.mp_expect(lambda z: mpmath.sech(z) ** 4, s), Q)}
    for k in got:
        assert _contains(enc[k], ref[k]), (k, enc[k], mpmath.nstr(ref[k], 25))
        assert _width(enc[k]) < 1e-20, (k, enc[k])


@pytest.mark.parametrize("act,a", [("relu", None), ("leaky_relu", "0.3"), ("erf", None)])
@pytest.mark.parametrize("rho,q1,q2", [("0.3", "2", "0.5"), ("-0.9", "1", "4"), ("0.999", "0.01", "1")])
def test_kernels_closed_and_quadrature_contain_mpmath(act, a, rho, q1, q2):
    import sympy as sp

    with CT.precision():
        closed = CT.enclosure(CT.cov_closed(act, rho, q1, q2, a))
        quad = CT.enclosure(CT.cov_quad(act, rho, q1, q2, a))
    subs = {SG.rho: sp.Rational(rho), SG.q1: sp.Rational(q1), SG.q2: sp.Rational(q2)}
    if a is not None:
        subs[SG.a] = sp.Rational(a)
    with mpmath.workdps(DPS):
        exact = sp.N(SG.COV[act].subs(subs), DPS)
        ref = mpmath.mpf(str(exact))
    assert _contains(closed, ref) and _contains(quad, ref), (closed, quad, mpmath.nstr(ref, 25))
    assert _width(quad) < 1e-20


@pytest.mark.parametrize("act", ["tanh", "erf"])
@pytest.mark.parametrize("sw2,sb2", [("2", "0"), ("3", "0.5"), ("1.2", "0.05")])
def test_qstar_and_chi1_contain_mpmath(act, sw2, sb2):
    with mpmath.workdps(DPS):
        ref_q = SM.mp_qstar(act, mpmath.mpf(sw2), mpmath.mpf(sb2))
        ref_chi = SM.mp_chi1(act, mpmath.mpf(sw2), mpmath.mpf(sb2))
    with CT.precision():
        root = CT.qstar(act, sw2, sb2, float(ref_q) * (1 + 1e-7))  # a guess, not the answer
        enc_q, enc_chi = CT.enclosure(root.x), CT.enclosure(CT.chi1(act, sw2, root.x))
    assert _contains(enc_q, ref_q) and _contains(enc_chi, ref_chi), (enc_q, mpmath.nstr(ref_q, 25))
    assert _width(enc_q) < 1e-20


@pytest.mark.parametrize("sb2", ["0.01", "0.05", "0.3"])
def test_critical_sw2_contains_mpmath(sb2):
    with mpmath.workdps(DPS):
        ref = SM.mp_critical_sw2("tanh", mpmath.mpf(sb2))
        qc = SM.mp_qstar("tanh", ref, mpmath.mpf(sb2))
    with CT.precision():
        swc, root = CT.critical_sw2("tanh", sb2, float(qc) * (1 - 1e-6))
        enc = CT.enclosure(swc)
    assert _contains(enc, ref), (enc, mpmath.nstr(ref, 25))
    with CT.precision():  # chi_1 = 1 at the enclosed critical point (an interval containing 1)
        lo, hi = as_interval(CT.enclosure(CT.chi1("tanh", swc, root.x)))
    assert lo <= 1 <= hi and hi - lo < Fraction(1, 10**18)


def test_interval_newton_refuses_what_it_cannot_prove():
    from flint import arb

    with CT.precision():
        with pytest.raises(CT.CertificationError):
            CT.interval_newton(lambda x: x * x + 1, lambda X: 2 * X, 0.5, 0.1)  # no real root
        with pytest.raises(CT.CertificationError):  # a double root: F' contains 0 on every ball around it
            CT.interval_newton(lambda x: x * x, lambda X: 2 * X, 0.0, 1e-3)
        r = CT.interval_newton(lambda x: x * x - 2, lambda X: 2 * X, 1.4, 0.1)
        assert r.x.contains(arb(2).sqrt()) and r.region.contains(r.x)


def test_certify_box_reports_unproven_boxes():
    def prove_positive(box):  # x - 0.3 > 0 on the box
        lo, hi = box.sides["x"]
        return Fraction(lo) > Fraction(3, 10)

    proven, left = CT.certify_box(prove_positive, CT.Box({"x": (0.0, 1.0)}), max_boxes=32)
    assert left and proven > 0  # the boxes touching [0, 0.3] can never be proven
    proven, left = CT.certify_box(prove_positive, CT.Box({"x": (0.5, 1.0)}))
    assert proven == 1 and not left


def _certified_checks():
    return [(c, k) for c in all_claims() for k in c.checks if k.tier == "certified"]


# the two heaviest (bisection of a box, nested 2-D quadrature) also run in tests/test_claims.py's default
# pass; here they are repeated only under -m slow
_HEAVY = {"tanh-stable-qstar-on-whole-box", "chaotic-cstar-enclosed-stable"}


def _check_params():
    return [pytest.param(c, k, id=f"{c.id}:{k.name}", marks=[pytest.mark.slow] if k.name in _HEAVY else [])
            for c, k in _certified_checks()]


def test_certified_checks_exist_for_the_required_claims():
    have = {(c.id, k.name) for c, k in _certified_checks()}
    claims = {c for c, _ in have}
    assert {"yarotsky/fixed-points", "yarotsky/sim-gradient-chi1", "yarotsky/depth-scales", "yarotsky/sim-cmap-phases",
            "iclr2022/appB-closed-forms", "iclr2022/cov-mehler", "iclr2022/sec2.2-three-regimes",
            "iclr2022/obs1-convex-unique-fixed-point", "saxe2013/supG-qinf-sim"} <= claims, claims


@pytest.mark.parametrize("c,k", _check_params())
def test_certified_check_passes_with_recorded_enclosures(c, k):
    r = run_check(c, k, scale="smoke", device="cpu", seed=0)
    rec = r.as_dict()
    assert r.status == "passed", (r.detail, [t for t in (rec["comparison"] or {}).get("terms", []) if not t["holds"]])
    assert rec["comparison"]["kind"] == "certified" and rec["tolerance_rule"].startswith("certified(")
    for t in rec["comparison"]["terms"]:
        assert as_interval(t["value"]) is not None, t
    assert derive_status(rec) == "passed"


def test_nested_quadrature_contains_mpmath_and_price_theorem():
    """E[tanh(u) tanh(v)] and E[sech^2(u) sech^2(v)] (u, v with variance q, correlation c) against symbolic/'s
    mpmath 2-D reference (MP['tanh']['CD'] returns (C, D) with D = E[phi'(u) phi'(v)])."""
    q, c = "0.8", "0.6"
    with CT.precision(64):
        C = CT.enclosure(CT.gauss_expect2(CT._tanh, CT._STRIP_BOUND["tanh"], q, c))
        D = CT.enclosure(CT.gauss_expect2(CT._sech2, CT._STRIP_BOUND["sech2"], q, c))
    with mpmath.workdps(25):
        refC, refD = SM.MP["tanh"]["CD"](mpmath.mpf(c), mpmath.mpf(q))
    for enc, ref in ((C, refC), (D, refD)):
        lo, hi = as_interval(enc)
        v = Fraction(mpmath.nstr(ref, 22))
        assert lo - Fraction(1, 10**18) <= v <= hi + Fraction(1, 10**18), (enc, ref)
        assert hi - lo < Fraction(1, 10**14)
