"""Certified checks (tier ``certified``, interval arithmetic, verify/certified.py) for the ICLR 2022
submission: the critical ratios sigma_b^2/sigma_w^2 = ||phi'||_N^2 - ||phi||_N^2 of Appendix B (erf closed
form, tanh by rigorous quadrature), the regime of every (sigma_w^2, sigma_b^2) point the suite simulates or
iterates (P'(1) < 1, = 1 up to the float64 rounding of r_c, > 1), the chaotic fixed point rho_fp of the
layer-normalized erf map with P'(rho_fp) < 1, Observation 1's unique attracting fixed point over a whole
range of sigma_b^2/sigma_w^2 by subdivision, and the closed-form kernels C[phi|rho] of ReLU, leaky ReLU
and erf against an independent rigorous quadrature.

The checks are attached to the existing claims (``iclr2022/appB-closed-forms``,
``iclr2022/sec2.2-three-regimes``, ``iclr2022/obs1-convex-unique-fixed-point``, ``iclr2022/cov-mehler``).
Every recorded quantity is an enclosure [lo, hi]; a relation holds only if the whole interval satisfies it.
Float64 kernels are certified against their documented accuracy: the backward-stability bound of
verify/accuracy.py ``error_bound`` (the bound ``theorycheck accuracy`` and tests/test_formula_registry.py
apply).

P(rho) = (sb2 + sw2 C[phi|rho]) / (sb2 + sw2 ||phi||^2) (eq. (2.3), unit variances); P'(1) =
sw2 ||phi'||^2 / (sb2 + sw2 ||phi||^2) depends on the ratio t = sb2/sw2 only: P'(1) = ||phi'||^2/(t + ||phi||^2).
"""
from __future__ import annotations

from theorycheck.numeric import fixed_point as FP
from theorycheck.symbolic.registry import get
from theorycheck.verify import certified as CT
from theorycheck.verify.accuracy import error_bound
from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.claims.iclr2022.app_b_hermite_expansions import CB
from theorycheck.verify.claims.iclr2022.sec2_1_notation import CM
from theorycheck.verify.claims.iclr2022.sec2_2_set_up import CO, CR, _map_regime_sb2
from theorycheck.verify.formulas import generated_function
from theorycheck.verify.registry import Outcome
from theorycheck.verify.tolerances import EPS, certified


def _float64_term(name, fid, args, value, enclosure):
    """|float64 value - exact| <= documented bound (verify/accuracy.py error_bound at the float64 value)."""
    bound, k = error_bound(get(fid), args, value)
    return (f"{name}: |float64 - exact| (documented bound k={k})", CT.enclosure(CT.abs_diff(value, enclosure)),
            "<=", float(bound))


@CB.certified("critical-ratios-enclosed")
def _(ctx):
    """The critical ratio r_c = ||phi'||^2 - ||phi||^2 (P'(1) = 1 iff sb2/sw2 = r_c): erf from Appendix B's
    printed form (2/pi)(2/sqrt 5 - arctan(2/sqrt 5)) and from the arcsine closed forms
    4/(pi sqrt 5) - (2/pi) asin(2/3) in ball arithmetic, tanh as E[sech^4 Z] - E[tanh^2 Z] by Arb's
    rigorous quadrature (tail bound erfc(T/sqrt 2)).  Certified terms: |printed - closed form| <= 2^-90
    for erf (both enclosures at 104 bits: the printed arctan form and the arcsine form agree far beyond
    float64; the exact identity is the exact check ``erf-forms``), r_c > 0 for erf and tanh (a positive bias variance
    is needed), tanh's r_c differs from erf's (outside), and the float64 kernels layernorm.critical_ratio.erf
    / .tanh are within their documented bounds of the enclosures."""
    with CT.precision():
        from flint import arb

        pi = arb.pi()
        printed = 2 / pi * (2 / arb(5).sqrt() - (2 / arb(5).sqrt()).atan())
        erf_rc = CT.critical_ratio("erf")
        tanh_rc = CT.critical_ratio("tanh")
        e64 = float(generated_function(get("layernorm.critical_ratio.erf"), "numpy")())
        t64 = float(FP.critical_ratio_tanh())
        terms = [("erf: |printed - closed form|", CT.enclosure(abs(printed - erf_rc)), "<=", 2.0 ** -90),
                 ("erf: r_c", CT.enclosure(erf_rc), ">", 0),
                 ("tanh: r_c", CT.enclosure(tanh_rc), ">", 0),
                 ("tanh: r_c vs erf's", CT.enclosure(tanh_rc), "outside", CT.enclosure(erf_rc)),
                 _float64_term("erf: r_c", "layernorm.critical_ratio.erf", {}, e64, erf_rc),
                 _float64_term("tanh: r_c", "layernorm.critical_ratio.tanh", {}, t64, tanh_rc)]
    return Outcome.certified(terms, certified(CT.PREC, "closed forms in ball arithmetic; rigorous quadrature"),
                             f"erf r_c in {CT.enclosure(erf_rc, 20)}; tanh r_c in {CT.enclosure(tanh_rc, 20)}")


@CR.certified("regime-points-certified")
def _(ctx):
    """The regime of every point the suite iterates or simulates, proven: P'(1) = ||phi'||^2/(t + ||phi||^2)
    with t = sb2/sw2 the exact doubles the checks use.  Map checks (sw2 = 1, erf and tanh): ordered
    t = r_c + 0.3 -> P'(1) < 1, chaotic t = 0 -> P'(1) > 1, critical t = float64 r_c -> |P'(1) - 1| <= the
    documented bound of r_c's float64 kernel times |dP'(1)/dt| = ||phi'||^2/(t + ||phi||^2)^2 (enclosed over
    t's enclosure; the rounding of r_c is the only distance from criticality).  Simulations (erf, sw2 = 1):
    4 r_c ordered, r_c/4 chaotic.  No tolerance besides that stated rounding allowance."""
    terms, notes = [], []
    with CT.precision():
        for act in ("erf", "tanh"):
            fid = f"layernorm.critical_ratio.{act}"
            rc64 = K.critical_ratio(act)
            rc_bound, _ = error_bound(get(fid), {}, rc64)
            D, M = CT.d1sq(act, 1), CT.m2(act, 1)
            for which, op in (("ordered", "<"), ("chaotic", ">")):
                t = _map_regime_sb2(act, which)
                s = CT.layernorm_slope1(act, 1.0, t)
                terms.append((f"{act} map {which} (t={t:.6g}): P'(1)", CT.enclosure(s), op, 1))
                notes.append(f"{act} {which}: P'(1) in {CT.enclosure(s, 8)}")
            t = _map_regime_sb2(act, "critical")
            s = CT.layernorm_slope1(act, 1.0, t)
            sens = D / (CT.num(t) + M) ** 2
            allow = sens * CT.num(rc_bound)
            terms.append((f"{act} map critical (t = float64 r_c): |P'(1) - 1| - documented rounding allowance",
                          CT.enclosure(abs(s - 1) - allow), "<=", 0))
            notes.append(f"{act} critical: P'(1) - 1 in {CT.enclosure(s - 1, 4)}")
        for regime, op in (("ordered", "<"), ("chaotic", ">")):
            t = K.sim_regime_sb2(regime)
            s = CT.layernorm_slope1("erf", K.SW2, t)
            terms.append((f"erf simulation {regime} (sb2={t:.6g}): P'(1)", CT.enclosure(s), op, 1))
            notes.append(f"erf simulation {regime}: P'(1) in {CT.enclosure(s, 8)}")
    return Outcome.certified(terms, certified(CT.PREC, "P'(1) in ball arithmetic (tanh: rigorous quadrature)"),
                             "; ".join(notes))


# rho_fp points: (sw2, sb2) of the chaotic simulation (r_c/4) and of the chaotic map check (sb2 = 0)
def _rho_points():
    return (("simulation chaotic", K.SW2, K.sim_regime_sb2("chaotic")), ("map chaotic", 1.0, 0.0))


@CO.certified("erf-rho-fp-enclosed-attracting")
def _(ctx):
    """erf, chaotic points (sw2 = 1, sb2 = r_c/4 of the simulations; sb2 = 0 of the map check): interval Newton
    on P(rho) - rho (closed form P(rho) = (sb2 + sw2 (2/pi) asin(2 rho/3))/(sb2 + sw2 (2/pi) asin(2/3)))
    proves a unique fixed point in a ball around the float64 Newton value and encloses it.  Certified terms:
    rho_fp < 1, P'(rho_fp) < 1 (attracting), and |float64 rho_fp - rho_fp| <= 64 eps / (1 - P'(rho_fp)):
    the safeguarded Newton solver stops at a residual of at most 8 eps (numeric/fixed_point.py), amplified
    by 1/(1 - P') into the root, plus the rounding of P (a few ulps), counted as k = 64 (K_HAND, the hand-written kernels' budget of
    verify/accuracy.py)."""
    terms, notes = [], []
    with CT.precision():
        for lab, sw2, sb2 in _rho_points():
            r64 = K.rho_fp_newton("erf", sw2, sb2)
            root = CT.rho_fp_erf(sw2, sb2, r64)
            _, slope = CT.layernorm_pmap(sw2, sb2, root.x)
            allow = 64 * EPS / (1 - slope)
            terms += [(f"{lab}: rho_fp", CT.enclosure(root.x), "<", 1),
                      (f"{lab}: P'(rho_fp)", CT.enclosure(slope), "<", 1),
                      (f"{lab}: |float64 rho_fp - rho_fp| - 64 eps/(1 - P')",
                       CT.enclosure(CT.abs_diff(r64, root.x) - allow), "<=", 0)]
            notes.append(f"{lab} (sb2={sb2:.6g}): rho_fp in {CT.enclosure(root.x, 17)}, "
                         f"P'(rho_fp) in {CT.enclosure(slope, 8)}")
    return Outcome.certified(terms, certified(CT.PREC, "interval Newton on the closed-form map"), "; ".join(notes))


def _rho_box(box, hulls):
    """Over t = sb2/sw2 in the box: P'(1) > 1 and, by parametric interval Newton, a unique rho_fp(t) in X with
    X < 1 and P'(X) < 1 (P depends on t only: P(rho) = (t + C(rho))/(t + ||erf||^2))."""
    t0, t1 = (float(x) for x in box.sides["t"])
    r0, r1 = K.rho_fp_newton("erf", 1.0, t0), K.rho_fp_newton("erf", 1.0, t1)
    rc = K.rho_fp_newton("erf", 1.0, (t0 + t1) / 2)
    T = box.balls()["t"]
    root = CT.interval_newton(
        lambda r: CT.layernorm_pmap(1, T, r)[0] - r, lambda X: CT.layernorm_pmap(1, T, X)[1] - 1, rc,
        1.5 * max(abs(r0 - rc), abs(r1 - rc)) + 1e-12, tighten=False)
    slope = CT.layernorm_pmap(1, T, root.x)[1]
    s1 = CT.layernorm_slope1("erf", 1, T)
    if not (root.x < 1 and slope < 1 and s1 > 1):
        return False
    hulls.append((root.x, slope, s1))
    return True


@CO.certified("erf-unique-attracting-fixed-point-range")
def _(ctx):
    """Observation 1 for erf over a whole chaotic range, not at sample points: for every t = sb2/sw2 in
    [0, 0.9 r_c] (r_c = erf's critical ratio, the 0.9 keeping P'(rho_fp) away from 1 at the end point), the
    range is bisected until on every sub-box P'(1) > 1 and parametric interval Newton proves a unique
    fixed point rho_fp(t) in an enclosure X with X < 1 and P'(X) < 1.  Certified terms: hulls over all
    sub-boxes of rho_fp (< 1), of P'(rho_fp) (< 1) and of P'(1) (> 1), and 0 sub-boxes left unproven
    (an exact count).  No tolerance: enclosures at 64 bits."""
    hulls = []
    t_max = 0.9 * K.critical_ratio("erf")
    with CT.precision(64):
        proven, left = CT.certify_box(lambda b: _rho_box(b, hulls), CT.Box({"t": (0.0, t_max)}), max_boxes=256)
        if not hulls:
            return Outcome.certified([("sub-boxes left unproven", [str(len(left))] * 2, "==", 0)],
                                     certified(64, "parametric interval Newton"), "no sub-box proven")
        x, s, s1 = hulls[0]
        for a, b, c in hulls[1:]:
            x, s, s1 = x.union(a), s.union(b), s1.union(c)
    return Outcome.certified(
        [("max over the range of rho_fp (hull)", CT.enclosure(x), "<", 1),
         ("max over the range of P'(rho_fp) (hull)", CT.enclosure(s), "<", 1),
         ("min over the range of P'(1) (hull)", CT.enclosure(s1), ">", 1),
         ("sub-boxes left unproven", [str(len(left))] * 2, "==", 0)],
        certified(64, "parametric interval Newton on every sub-box of t"),
        f"t = sb2/sw2 in [0, {t_max:.6g}]: {proven} sub-boxes proven, {len(left)} unproven; rho_fp in "
        f"{CT.enclosure(x, 6)}, P'(rho_fp) in {CT.enclosure(s, 6)}, P'(1) in {CT.enclosure(s1, 6)}",
        extra={"proven_boxes": proven})


# (act, a, rho, q1, q2): general variances, a negative correlation and one near 1
_KERNEL_POINTS = [("relu", None, 0.3, 2.0, 0.5), ("relu", None, -0.7, 1.0, 1.0), ("relu", None, 0.95, 0.1, 3.0),
                  ("leaky_relu", 0.2, 0.3, 2.0, 0.5), ("leaky_relu", 0.2, -0.7, 1.0, 1.0),
                  ("leaky_relu", 0.5, 0.95, 0.1, 3.0),
                  ("erf", None, 0.3, 2.0, 0.5), ("erf", None, -0.7, 1.0, 1.0), ("erf", None, 0.95, 0.1, 3.0)]
_KERNEL_AGREE = 1e-20


@CM.certified("closed-form-kernels-vs-rigorous-quadrature")
def _(ctx):
    """C[phi|rho] for general variances, E[phi(u) phi(v)] with Var u = q1, Var v = q2, corr rho: the closed forms
    (arc-cosine kernel of ReLU, a rho + (1 - a)^2 J for leaky ReLU, arcsine kernel of erf) in ball
    arithmetic against an independent rigorous 1-D quadrature (conditioning on u, the inner expectation in
    closed form: E[ReLU(m + s W)] = m Phi(m/s) + s phi(m/s), E[erf(m + s W)] = erf(m/sqrt(1 + 2 s^2));
    Arb's acb.integral on each side of the kink plus Gaussian-moment tail bounds, verify/certified.py
    ``cov_quad``), at 9 points.  Certified terms: |closed - quadrature| <= 1e-20 (both are enclosures at 104
    bits ~ 1e-31; 1e-20 is the stated agreement, far below float64 and far above the enclosures' widths, so
    a wrong closed form fails and a right one cannot), and the float64 generated kernels gauss.cov.<act> are
    within their documented bounds of the enclosure."""
    terms, notes = [], []
    with CT.precision():
        for act, a, rho, q1, q2 in _KERNEL_POINTS:
            lab = f"{act}{'' if a is None else f'(a={a})'} rho={rho}, q1={q1}, q2={q2}"
            closed = CT.cov_closed(act, rho, q1, q2, a)
            quad = CT.cov_quad(act, rho, q1, q2, a)
            args = {"rho": rho, "q1": q1, "q2": q2, **({} if a is None else {"a": a})}
            f = get(f"gauss.cov.{act}")
            v64 = float(generated_function(f, "numpy")(*[args[p.name] for p in f.params]))
            terms += [(f"{lab}: |closed form - quadrature|", CT.enclosure(abs(closed - quad)), "<=", _KERNEL_AGREE),
                      _float64_term(lab, f"gauss.cov.{act}", args, v64, closed)]
            notes.append(f"{lab}: {CT.enclosure(closed, 17)}")
    return Outcome.certified(terms, certified(CT.PREC, "closed forms and rigorous quadrature in ball arithmetic"),
                             "; ".join(notes))


@CO.certified("tanh-rho-fp-zero-attracting")
def _(ctx):
    """tanh at the chaotic map point of section 2.2's checks (sw2 = 1, sb2 = 0): P(0) = sb2/den = 0 (tanh is
    odd, so C[tanh|0] = E[tanh]^2 = 0) and P'(0) = sw2 C'(0)/den = sw2 E[tanh'(Z)]^2 / (sb2 + sw2 E[tanh(Z)^2])
    (the rho^1 Hermite coefficient phi_1^2 = E[tanh']^2), both 1-D expectations by rigorous quadrature:
    rho_fp = 0 is a fixed point, attracting iff P'(0) < 1, while P'(1) = E[tanh'^2]/E[tanh^2] > 1 makes
    rho = 1 repelling (chaotic).  Certified terms: P'(0) < 1, P'(0) > 0, P'(1) > 1.  Enclosures at 104
    bits."""
    with CT.precision():
        m2 = CT.m2("tanh", 1)
        phi1 = CT.gauss_expect(CT._sech2, 1, 1)  # E[sech^2 Z] = E[tanh'(Z)]
        p0 = phi1 * phi1 / m2
        p1 = CT.layernorm_slope1("tanh", 1.0, 0.0)
        terms = [("P'(0)", CT.enclosure(p0), "<", 1), ("P'(0) (positive)", CT.enclosure(p0), ">", 0),
                 ("P'(1)", CT.enclosure(p1), ">", 1)]
    return Outcome.certified(terms, certified(CT.PREC, "rigorous quadrature"),
                             f"tanh, sw2 = 1, sb2 = 0: P'(0) in {CT.enclosure(p0, 10)}, P'(1) in {CT.enclosure(p1, 10)}")
