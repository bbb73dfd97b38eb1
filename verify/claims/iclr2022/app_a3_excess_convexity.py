"""ICLR 2022 submission, Appendix A.3 "Excess convexity": the definition e(g) = 1/t - 2 with g(1 - t) = t and
Properties 1-8, exactly where SymPy can and otherwise over random instances: cropped power series with
non-negative coefficients (random degree, coefficients, crop interval) and cropped Gaussian covariance maps of
ReLU, leaky ReLU, erf and tanh.  (tests/test_iclr2022_excess.py runs the same predicates under hypothesis.)

Readings of the OCR-damaged statements:
* Property 1: if e(g) >= C then g(x) <= x/(1+C) for x <= 1 - 1/(2+C) and g(x) <= (1+C)x - C above (the segments
  from 0 and from 1 to the point (1 - 1/(2+C), 1/(2+C))).
* Property 3 (coerciveness): ||g - id||_inf <= e(g)/(1 + e(g)) (the proof's (1 - 2t)/(1 - t) with t = 1/(2 + e)).
* Property 5's weights (A.15): w1 = (1 - 2t1) t2 (1 - t2) / ((1 - t1 - t2)(t1 + t2 - 2 t1 t2)),
  w2 = t1 (1 - t1)(1 - 2t2) / ((1 - t1 - t2)(t1 + t2 - 2 t1 t2)), combining (A.13) g2 o g1(1 - t1) <= t1 t2/(1 - t2)
  and (A.14) g2 o g1(1 - t1 t2/(1 - t1)) <= t2 into g2 o g1(1 - T) <= T, T = t1 t2/(t1 + t2 - 2 t1 t2).
* Property 6: e(g)(2 + e(g))/(1 + e(g)) >= (b - a)^2/(g(b) - g(a)) sum_{k>=2} c_k b^(k-2).
* Property 7: e(g) >= (1-r)^2 ||f - bar f||^2 / (2(||f||^2 - C[f|r])) >= (1-r) ||f - bar f||^2/(2 ||f'||^2); Stein:
  d/drho C[f|rho] = C[f'|rho].
* Property 8: e(p id + q g) >= q e(g)/(1 + p e(g)).

Errata: none in A.3 itself (Property 8 is used in a stronger form in A.2: see app_a2_proof_of_resnet_variant.py).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.verify.claims.iclr2022 import _excess as X
from theorycheck.verify.claims.iclr2022._common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import exact, ulps

N_RANDOM = 300  # random power-series instances per property (a fixed, seeded set: not a statistical check)
GRID = np.linspace(0, 1, 201)
# float64 margin: g evaluated by Horner (<= 2 degree roundings, degree <= 8, divided by h(b) - h(a) whose
# cancellation is bounded by h(b)/(h(b) - h(a)) <= 1e6 for the drawn intervals) and e by bisection to 1e-15:
# 1e6 * 20 eps + 1e-15 < 1e-8 is generous; violations by a real counterexample are O(1) of the margin scale
MARGIN = ulps(5e7, "Horner evaluation of the cropped series (<= 20 roundings) times the cropping cancellation "
                   "h(b)/(h(b)-h(a)) <= 1e6 of the drawn instances, plus the 1e-15 bisection of e")

C = claim(
    "iclr2022/appA3-excess-convexity-properties",
    "Appendix A.3: excess convexity e(g) = 1/t - 2 (g(1 - t) = t) of non-decreasing convex g on [0, 1] with g(0) = 0, "
    "g(1) = 1 satisfies Properties 1-8 (piecewise-linear majorant, non-negativity, coerciveness, steepness "
    "g'(1) >= 1 + e, superadditivity under composition, cropping of power series and of Gaussian covariances, "
    "combination with the identity).",
    f"{CITE}, Appendix A.3, Properties 1-8 and eqs. (A.13)-(A.17)",
)


def _series(ctx, n=N_RANDOM, offset=0):
    rng = ctx.rng(offset)
    return [X.random_series(rng) for _ in range(n)]


def _worst(rows):
    """rows: (instance, lhs, rhs) of lhs >= rhs; min relative margin."""
    return min(((lhs - rhs) / max(abs(rhs), 1e-300), i) for i, lhs, rhs in rows)


def _margin(rows, what, extra=None):
    m, i = _worst(rows)
    return Outcome.criterion([(f"min relative margin of {what}", m, ">=", -MARGIN.value)], MARGIN,
                             f"{len(rows)} instances; tightest instance {i}", extra={"tightest": i, **(extra or {})})


@C.exact("prop5-weights-a15")
def _(ctx):
    """The printed weights (A.15) are a convex combination of (A.13) and (A.14) landing on the line x + y = 1 at
    T = t1 t2/(t1 + t2 - 2 t1 t2): residuals of w1 + w2 - 1, the abscissa and the ordinate, and of
    1/T - 2 - (1/t1 - 2) - (1/t2 - 2); SymPy, exactly 0."""
    t1, t2 = sp.symbols("t1 t2", positive=True)
    D = (1 - t1 - t2) * (t1 + t2 - 2 * t1 * t2)
    w1 = (1 - 2 * t1) * t2 * (1 - t2) / D
    w2 = t1 * (1 - t1) * (1 - 2 * t2) / D
    T = t1 * t2 / (t1 + t2 - 2 * t1 * t2)
    x13, y13 = 1 - t1, t1 * t2 / (1 - t2)
    x14, y14 = 1 - t1 * t2 / (1 - t1), t2
    res = [w1 + w2 - 1, w1 * x13 + w2 * x14 - (1 - T), w1 * y13 + w2 * y14 - T, (1 / T - 2) - (1 / t1 - 2) - (1 / t2 - 2)]
    return Outcome.symbolic(sp.simplify(sum(sp.simplify(r) ** 2 for r in res)), "(A.15) weights, SymPy")


@C.exact("prop7-stein-derivative")
def _(ctx):
    """d/drho C[f|rho] = C[f'|rho] for f = erf (C = (2/pi) asin(2 rho/3), C[erf'|rho] = (4/pi)/sqrt(9 - 4 rho^2))
    and f = ReLU (C' = (pi - arccos rho)/(2 pi) = P(x > 0, y > 0) = 1/4 + asin(rho)/(2 pi)); SymPy, exactly 0."""
    rho = sp.Symbol("rho", real=True)
    erf_c = 2 / sp.pi * sp.asin(2 * rho / 3)
    r1 = sp.simplify(sp.diff(erf_c, rho) - 4 / (sp.pi * sp.sqrt(9 - 4 * rho**2)))
    relu_c = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho).rewrite(sp.asin)) * rho) / (2 * sp.pi)
    r2 = sp.simplify(sp.diff(relu_c, rho) - (sp.Rational(1, 4) + sp.asin(rho) / (2 * sp.pi)))
    return Outcome.symbolic(sp.simplify(r1**2 + r2**2), "Stein's lemma for erf and ReLU")


@C.exact("prop8-square-instance")
def _(ctx):
    """Property 8 on g(x) = x^2, p = q = 1/2 exactly: e(g) = (sqrt5 - 1)/2, e(g/2 + id/2) = (sqrt17 - 3)/4 and
    (sqrt17 - 3)/4 >= q e/(1 + p e) = (sqrt5 - 1)/(2 (sqrt5 + 3)/2 ... ); the residual is 0 when the inequality holds
    (SymPy decides the sign of the difference of algebraic numbers)."""
    x = sp.Symbol("x")
    t = sp.Symbol("t", positive=True)
    tg = [s for s in sp.solve(sp.Eq((1 - t) ** 2, t), t) if s.is_positive and s < 1][0]
    th = [s for s in sp.solve(sp.Eq(((1 - t) + (1 - t) ** 2) / 2, t), t) if s.is_positive and s < 1][0]
    eg, eh = sp.nsimplify(1 / tg - 2), sp.nsimplify(1 / th - 2)
    bound = sp.Rational(1, 2) * eg / (1 + sp.Rational(1, 2) * eg)
    holds = bool(sp.simplify(eh - bound) >= 0)
    del x
    return Outcome.symbolic(sp.Integer(0) if holds else sp.simplify(eh - bound),
                            f"e(x^2) = {sp.simplify(eg)}, e((x + x^2)/2) = {sp.simplify(eh)}, bound {sp.simplify(bound)}")


@C.precise("props-1-4-random-series")
def _(ctx):
    """Over N_RANDOM seeded random cropped power series: P1 g <= piecewise-linear majorant with C = e(g) on a
    201-point grid; P2 e >= 0; P3 max_grid |g - id| <= e/(1 + e); P4 g'(1) >= 1 + e.  Tolerance, rule ``ulps``:
    MARGIN (float64 evaluation of the instances)."""
    rows = []
    for i, g in enumerate(_series(ctx, offset=1)):
        e = X.excess(g)
        gv = g(GRID)
        pl = X.pl_bound(GRID, e)
        rows.append((f"P1 #{i}", float(np.min(pl - gv)) + 1.0, 1.0))
        rows.append((f"P2 #{i}", e + 1.0, 1.0))
        rows.append((f"P3 #{i}", e / (1 + e) + 1.0, float(np.max(np.abs(gv - GRID))) + 1.0))
        rows.append((f"P4 #{i}", g.d1(), 1 + e))
    return _margin(rows, "Properties 1-4")


@C.precise("prop5-superadditivity-random")
def _(ctx):
    """e(g2 o g1) >= e(g1) + e(g2) over N_RANDOM seeded pairs of random cropped power series.  Tolerance, rule
    ``ulps``: MARGIN."""
    a, b = _series(ctx, offset=2), _series(ctx, offset=3)
    rows = [(i, X.excess(X.compose(g2, g1)), X.excess(g1) + X.excess(g2)) for i, (g1, g2) in enumerate(zip(a, b))]
    return _margin(rows, "e(g2 o g1) - e(g1) - e(g2)")


@C.precise("prop6-cropping-power-series")
def _(ctx):
    """e(2 + e)/(1 + e) >= (b - a)^2/(h(b) - h(a)) sum_{k>=2} c_k b^(k-2) over N_RANDOM seeded random series and
    crops.  Tolerance, rule ``ulps``: MARGIN."""
    rows = []
    for i, g in enumerate(_series(ctx, offset=4)):
        e = X.excess(g)
        rows.append((i, e * (2 + e) / (1 + e), g.prop6_rhs()))
    return _margin(rows, "Property 6")


@C.precise("prop7-cropping-gaussian-covariance")
def _(ctx):
    """For f in {ReLU, erf} (closed-form covariances, numeric/layernorm.py) and crop points r in {0, 0.3, 0.6, 0.9,
    0.99} (Property 6's crop interval lies in [0, 1]; the proof's Jensen step needs a/b >= 0; for r < 0 an odd f's
    covariance is concave on [r, 0] and the crop is not convex: the relative margins at r = -0.9, -0.5 are recorded
    in extra, erf at r = -0.9 violates the inequality, outside the stated conditions): e(g) >= (1-r)^2 ||f - bar f||^2/(2(||f||^2 - C[f|r])) >= (1-r) ||f - bar f||^2/(2 ||f'||^2).
    Tolerance, rule ``ulps``: MARGIN."""
    from theorycheck.verify.claims.iclr2022 import _maps as M
    rows = []
    outside = {}
    for act in ("relu", "erf"):
        n2, d2, l2 = M.norms(act)
        for r in (-0.9, -0.5):  # outside the property's domain: recorded, not judged
            g, den = X.gauss_crop(act, r)
            outside[f"{act} r={r}"] = X.excess(g) / ((1 - r) ** 2 * l2 / (2 * den)) - 1
        for r in (0.0, 0.3, 0.6, 0.9, 0.99):
            g, den = X.gauss_crop(act, r)
            e = X.excess(g)
            mid = (1 - r) ** 2 * l2 / (2 * den)
            rows.append((f"{act} r={r} first", e, mid))
            rows.append((f"{act} r={r} second", mid, (1 - r) * l2 / (2 * d2)))
    return _margin(rows, "Property 7", {"outside_domain_r_negative_relative_margin": outside})


@C.precise("prop8-combination-random")
def _(ctx):
    """e(p id + q g) >= q e(g)/(1 + p e(g)) over N_RANDOM seeded random series and p uniform in (0, 1).  Tolerance,
    rule ``ulps``: MARGIN."""
    rng = ctx.rng(5)
    rows = []
    for i, g in enumerate(_series(ctx, offset=6)):
        p = float(rng.uniform(0.01, 0.99))
        e = X.excess(g)
        rows.append((i, X.excess(X.mix(p, g)), (1 - p) * e / (1 + p * e)))
    return _margin(rows, "Property 8")
