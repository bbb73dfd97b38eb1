"""Claims of Yarotsky's optimization lecture, signal-propagation part (after Poole et al. 2016 and
Schoenholz et al. 2017): the q-map, its fixed points, the correlation map, chi_1, the depth scales.

Exact and precise checks only; the finite-width simulations of the same claims (measured q_l, c_l,
gradient-norm ratios) are in verify/claims/yarotsky_sim.py (helper C).

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; nu = the q-map; q* its stable fixed point; P = the
correlation map C~_{q*}; chi1 = P'(1); a = nu'(q*), b = P'(c*); xi_q = -1/ln a, xi_c = -1/ln b.

Finding (erratum): the proof of the Proposition states z_{k-1,i} ~ N(0, q_{k-1}^2); with
q_k = |z_k|^2/d_k the variance is q_{k-1} (not its square), which is what the Proposition's integral
int sigma^2(sqrt(q_{k-1}) s) Ds uses.  Reading: the lecture's sigma''(sqrt(q^* s)) in the definition
of a is taken as sigma''(sqrt(q*) s) (the only reading consistent with nu'(q*)).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from theorycheck.numeric import fixed_point as FP
from theorycheck.numeric.gaussian import NUMPY
from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic.registry import get
from theorycheck.verify.formulas import evaluate_mpmath, generated_function
from theorycheck.verify.references import rel_err
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import EPS, digits, remainder, ulps

SRC = "Yarotsky, optimization lecture (signal propagation)"
s_, q_, sw2, sb2 = sp.Symbol("s", real=True), SM.q, SM.sw2, SM.sb2
Ds = sp.exp(-s_**2 / 2) / sp.sqrt(2 * sp.pi)


# ----------------------------------------------------------------------------------------------
CQ = claim(
    "yarotsky/qmap-proposition",
    "q_k = nu(q_{k-1}) = alpha_w^2 int sigma^2(sqrt(q_{k-1}) s) Ds + alpha_h^2 (Proposition, Poole et al.); "
    "for ReLU nu(q) = alpha_w^2 q/2 + alpha_h^2 (exercise).",
    f"{SRC}, 'Reduction to 1D dynamics', Proposition and proof; exercise 'Find the map ... ReLU'",
)


@CQ.exact("proof-variance-of-z")
def _(ctx):
    """The proof's 'z_{k-1,i} ~ N(0, q_{k-1}^2)' vs the Proposition's integral, checked with ReLU."""
    z = sp.Symbol("z", real=True)
    q = sp.Symbol("q", positive=True)
    relu2 = lambda v: sp.integrate(z**2 * sp.exp(-z**2 / (2 * v)) / sp.sqrt(2 * sp.pi * v), (z, 0, sp.oo))  # noqa: E731
    proposition = sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo))
    printed = sp.simplify(relu2(q**2) - proposition)
    corrected = sp.simplify(relu2(q) - proposition)
    return erratum(
        Outcome.symbolic(printed, "E[ReLU(z)^2], z ~ N(0, q^2) minus int ReLU^2(sqrt(q) s) Ds (must be 0 for all q)"),
        Outcome.symbolic(corrected, "E[ReLU(z)^2], z ~ N(0, q) minus int ReLU^2(sqrt(q) s) Ds"),
        "In the proof, z_{k-1,i} ~ N(0, q_{k-1}) (variance q_{k-1} = E z^2), not N(0, q_{k-1}^2); the "
        "Proposition itself is right.",
    )


@CQ.exact("relu-qmap-exercise")
def _(ctx):
    q = sp.Symbol("q", positive=True)
    nu = sw2 * sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo)) + sb2
    r1 = sp.simplify(nu - SM.QMAP["relu"].subs(SM.q, q))
    a = SG.a
    nu_l = sw2 * (sp.integrate((a * sp.sqrt(q) * s_) ** 2 * Ds, (s_, -sp.oo, 0))
                  + sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo))) + sb2
    r2 = sp.simplify(nu_l - SM.QMAP["leaky_relu"].subs(SM.q, q))
    return Outcome.symbolic(r1 + r2, "SymPy integral of the q-map for ReLU and leaky ReLU vs the registered closed forms")


@CQ.precise("tanh-erf-qmap-vs-mpmath")
def _(ctx):
    worst = 0.0
    for fid in ("meanfield.qmap.tanh", "meanfield.qmap.erf"):
        f = get(fid)
        for qv, w, b in ((0.01, 1.0, 0.0), (0.7, 1.5, 0.05), (4.0, 3.0, 1.0), (30.0, 0.5, 0.2)):
            vals = {"q": Fraction(qv), "sw2": Fraction(w), "sb2": Fraction(b)}
            ref = evaluate_mpmath(f, vals, 30)
            got = float(generated_function(f, "numpy")(qv, w, b))
            worst = max(worst, float(rel_err(got, ref)))
    return Outcome.bound(worst, digits(12, "issue 3 target 1e-12 relative vs mpmath (tanh-sinh quadrature, 30 digits)"),
                         "nu(q) for tanh (trapezoid rule) and erf (arcsine form) at 4 points each")


# ----------------------------------------------------------------------------------------------
CF = claim(
    "yarotsky/fixed-points",
    "q = 0 is a fixed point of nu iff alpha_h^2 = 0 (sigma(0) = 0); a fixed point is stable iff |nu'(q*)| < 1; "
    "with sigma = tanh, nu has a stable fixed point q* != 0 (for alpha_w^2 > 1, or any alpha_h^2 > 0), and "
    "q = 0 is then unstable.",
    f"{SRC}, 'Fixed points' (exercises)",
)


@CF.exact("zero-fixed-point-iff-no-bias")
def _(ctx):
    res = sp.Integer(0)
    for act in ("relu", "leaky_relu", "erf"):
        res += sp.simplify(SM.QMAP[act].subs(SM.q, 0) - sb2) ** 2  # nu(0) = alpha_w^2 sigma(0)^2 + alpha_h^2
    res += sp.simplify(sp.tanh(0) ** 2)
    # stability of q = 0 for tanh/erf with sb2 = 0: nu'(0) = sw2 sigma'(0)^2
    q = sp.Symbol("q", positive=True)
    d_erf = sp.limit(sp.diff(SM.QMAP["erf"], SM.q).subs(SM.q, q), q, 0)
    res += sp.simplify(d_erf - sw2 * sp.diff(sp.erf(s_), s_).subs(s_, 0) ** 2) ** 2
    return Outcome.symbolic(sp.simplify(res), "nu(0) = alpha_h^2 for odd/ReLU-type sigma; nu'(0) = alpha_w^2 sigma'(0)^2")


@CF.precise("tanh-stable-nonzero-qstar")
def _(ctx):
    sw = np.linspace(1.05, 4.0, 12)[:, None]
    sb = np.linspace(0.0, 1.0, 6)[None, :]
    res = FP.solve_qstar("tanh", sw, sb).raise_if_diverged()
    q, slope = res.value, res.slope
    bad = int(np.sum(~(q > 0)) + np.sum(~(slope < 1)) + np.sum(~(slope >= 0)))
    # q = 0 unstable for sb2 = 0: nu'(0) = sw2 > 1
    slope0 = FP.qmap_slope("tanh", np.zeros_like(sw[:, 0]), sw[:, 0])
    bad += int(np.sum(~(slope0 > 1)))
    # mpmath confirmation at three points
    worst = 0.0
    for w, b in ((1.05, 0.0), (2.0, 0.0), (3.0, 0.5)):
        with mpmath.workdps(30):
            ref = SM.mp_qstar("tanh", w, b)
        got = float(FP.qstar_tanh(w, b))
        sl = float(FP.solve_qstar("tanh", w, b).slope)
        worst = max(worst, float(rel_err(got, ref)) * abs(1 - sl))  # relative error times the conditioning |1 - nu'|
    return Outcome.bound(worst + bad, digits(13, "q* from the float64 solver vs mpmath.findroot at 30 digits, scaled by "
                                                 "the conditioning |1 - nu'(q*)| of the root (numeric/fixed_point.py); "
                                                 "every structural violation on the grid adds 1"),
                         f"{res.report()}; slopes nu'(q*) in [{slope.min():.3f}, {slope.max():.3f}]; q=0 unstable "
                         f"(nu'(0) = sw2 > 1) on all rows; {bad} structural violations")


@CF.precise("ordered-qstar-zero")
def _(ctx):
    sw = np.array([0.2, 0.5, 0.9, 0.999, 1.0])
    q = FP.qstar_tanh(sw, 0.0)
    # from q0 = 1 the iteration decays to 0 (stable): nu(q) < q for q > 0
    qq = np.ones_like(sw)
    for _ in range(50):
        qq = FP.qmap("tanh", qq, sw, 0.0)
    ok = bool(np.all(q == 0)) and bool(np.all(np.diff(qq) >= 0) and np.all(qq < 1))
    return Outcome.bound(0.0 if ok else 1.0, ulps(0, "q* = 0 exactly (a value, not an error)"),
                         f"q* = {q.tolist()} for sw2 = {sw.tolist()}, sb2 = 0; q_50 from q_0 = 1: {qq.round(4).tolist()}")


# ----------------------------------------------------------------------------------------------
CC = claim(
    "yarotsky/cmap-chi1",
    "c* = 1 is a fixed point of the correlation map C~_{q*}; its stability is decided by "
    "chi_1 = dc_k/dc_{k-1}|_{c=1} = alpha_w^2 int sigma'(sqrt(q*) s)^2 Ds (using int f(s) s Ds = int f'(s) Ds); "
    "the explicit ReLU correlation map is c -> (alpha_w^2 q* J(c) + alpha_h^2)/q*, "
    "J(c) = (sqrt(1-c^2) + (pi - arccos c) c)/(2 pi).",
    f"{SRC}, 'Evolution of correlations near a fixed point' (exercises)",
)


@CC.exact("c-one-fixed-and-chi1-closed-forms")
def _(ctx):
    res = sp.Integer(0)
    q = sp.Symbol("q", positive=True)
    # ReLU explicit map: at c = 1, with q* = sb2/(1 - sw2/2), P(1) = 1
    P1 = SM.CMAP_RELU.subs(SM.c, 1).subs(SM.qs, SM.QSTAR["relu"])
    res += sp.simplify(P1 - 1) ** 2
    # erf: C(1; q, q) = E[erf(sqrt(q) s)^2] (the q-map integrand), so P(1) = nu(q*)/q* = 1
    Cerf = SG.COV["erf"].subs({SG.q1: q, SG.q2: q})
    res += sp.simplify(Cerf.subs(SG.rho, 1) - (SM.QMAP["erf"].subs(SM.q, q) - sb2) / sw2) ** 2
    # chi1 = dP/dc at 1 = (sw2/q) dC/drho(1) = sw2 E[erf'(sqrt q s)^2] = sw2 (4/pi)/sqrt(1 + 4q)
    chi_erf = sp.simplify(sw2 / q * sp.diff(Cerf, SG.rho).subs(SG.rho, 1))
    e_d1sq = sp.integrate(sp.diff(sp.erf(sp.sqrt(q) * s_), s_) ** 2 / q * Ds, (s_, -sp.oo, sp.oo))
    res += sp.simplify(chi_erf - sw2 * e_d1sq) ** 2
    # ReLU: dP/dc at 1 = sw2 dJ/dc(1) = sw2/2 = sw2 E[Theta(s)^2]
    res += sp.simplify(sp.limit(sp.diff(SM.CMAP_RELU, SM.c) * SM.qs / SM.qs, SM.c, 1, "-") - sw2 / 2) ** 2
    return Outcome.symbolic(sp.simplify(res), "ReLU explicit map and erf arcsine map: P(1) = 1 at q*, P'(1) = chi1")


@CC.precise("tanh-chi1-is-slope-at-one")
def _(ctx):
    """Independent: one-sided Richardson difference of the mpmath correlation map at c = 1 vs chi1."""
    w, b = 1.8, 0.1
    with mpmath.workdps(20):
        qs = SM.mp_qstar("tanh", w, b)
        chi = w * SM.mp_expect(lambda z: 1 / mpmath.cosh(z) ** 4, qs)

        def P(c):
            return (w * SG.mp_expect2_odd(mpmath.tanh, mpmath.tanh, c, qs, qs) + b) / qs

        h = mpmath.mpf(10) ** -4
        P1 = P(1)
        d1 = (P1 - P(1 - h)) / h
        d2 = (P1 - P(1 - h / 2)) / (h / 2)
        rich = 2 * d2 - d1  # O(h^2)
        # bound of the O(h^2) term: P''' <= P'''(1) = w E[tanh'''^2] q*^2 / q* (power series, Observation 1)
        p3 = w * SM.mp_expect(lambda z: (lambda t: (2 * (1 - t * t) * (1 - 3 * t * t)) ** 2)(mpmath.tanh(z)), qs) * qs**2 / qs
        bound = p3 * h**2 / 6 * 2
        err = abs(rich - chi)
    return Outcome.bound(float(err), remainder(float(bound), why="Richardson extrapolation of one-sided differences: "
                                                                "remaining term <= P'''(1) h^2/3 with P''' non-decreasing"),
                         f"chi1 = {float(chi):.15f}, Richardson slope at c=1 = {float(rich):.15f}, P(1) - 1 = {float(P1 - 1):.2g}")


@CC.precise("stability-decided-by-chi1")
def _(ctx):
    sw = np.array([0.6, 0.9, 1.2, 1.6, 2.5, 4.0])
    sb = np.array([0.05, 0.05, 0.05, 0.05, 0.2, 0.1])
    chi = FP.chi1_tanh(sw, sb)
    c = np.full_like(sw, 1 - 1e-4)
    for _ in range(300):
        c, _s = FP.correlation_map("tanh", c, sw, sb)
    moved_to_one = np.abs(1 - c) < 1e-8
    mismatches = int(np.sum(moved_to_one != (chi < 1)))
    return Outcome.bound(float(mismatches), ulps(0, "sign agreement is exact: every point must agree"),
                         f"chi1 = {np.round(chi, 4).tolist()}; c_300 from 1 - 1e-4 = {np.round(c, 6).tolist()}")


# ----------------------------------------------------------------------------------------------
CD = claim(
    "yarotsky/depth-scales",
    "Delta q_{k+1} = a Delta q_k + O(Delta q_k^2) with a = chi_1 + alpha_w^2 int sigma''(sqrt(q*) s) "
    "sigma(sqrt(q*) s) Ds, so Delta q_k ~ e^{-k/xi_q}, xi_q = -1/ln a; Delta c_{k+1} = b Delta c_k with "
    "b = alpha_w^2 int sigma'(u1) sigma'(u2) Ds1 Ds2 (b = chi_1 when c* = 1), xi_c = -1/ln b.",
    f"{SRC}, 'Depth of information propagation' (exercises; Schoenholz et al. 2017)",
)


@CD.exact("a-is-nu-prime-erf")
def _(ctx):
    q = sp.Symbol("q", positive=True)
    nu = SM.QMAP["erf"].subs(SM.q, q)
    f = sp.erf(sp.sqrt(q) * s_)
    # sigma'(sqrt(q) s) = d/ds f / sqrt(q);  sigma''(sqrt(q) s) = d2/ds2 f / q
    chi = sw2 * sp.integrate((sp.diff(f, s_) / sp.sqrt(q)) ** 2 * Ds, (s_, -sp.oo, sp.oo))
    extra = sw2 * sp.integrate(sp.diff(f, s_, 2) / q * f * Ds, (s_, -sp.oo, sp.oo))
    r = sp.simplify(sp.diff(nu, q) - chi - extra)
    if r != 0:  # the sigma'' sigma integral is left as an integral by SymPy: compare numerically at 40 digits
        vals = [(sp.Rational(3, 10), sp.Rational(7, 5)), (sp.Integer(2), sp.Rational(1, 2))]
        r = sp.Integer(0) if all(abs(sp.N(r.subs({q: qq, sw2: w}), 40)) < 1e-35 for qq, w in vals) else r
    return Outcome.symbolic(r, "nu'(q) - [chi1 + sw2 E[erf'' erf]] for erf (SymPy; if left unevaluated, at two "
                               "points to 40 digits)")


@CD.precise("a-formula-and-xi-q-rate")
def _(ctx):
    det, worst = [], 0.0
    for w, b in ((1.5, 0.05), (3.0, 0.3), (0.8, 0.2)):
        with mpmath.workdps(25):
            qs = SM.mp_qstar("tanh", w, b)
            chi = w * SM.mp_expect(lambda z: 1 / mpmath.cosh(z) ** 4, qs)
            extra = w * SM.mp_expect(lambda z: -2 * mpmath.tanh(z) ** 2 / mpmath.cosh(z) ** 2, qs)
            a_lect = chi + extra
            a_diff = mpmath.diff(lambda qq: w * SM.mp_expect(lambda z: mpmath.tanh(z) ** 2, qq) + b, qs)
        worst = max(worst, float(abs(a_lect - a_diff)))
        # measured rate of Delta q_k in float64 from q* (1 + 1e-3)
        q0 = float(FP.qstar_tanh(w, b))
        qk = q0 * (1 + 1e-3)
        d0 = qk - q0
        qn = float(FP.qmap("tanh", qk, w, b))
        ratio = (qn - q0) / d0
        det.append(f"sw2={w}, sb2={b}: a (lecture) = {float(a_lect):.12f}, nu'(q*) = {float(a_diff):.12f}, "
                   f"measured Delta q ratio {ratio:.8f}, xi_q = {float(FP.xi_q_tanh(w, b)):.6f}")
    return Outcome.bound(worst, digits(20, "lecture formula a = chi1 + sw2 E[phi'' phi] vs mpmath.diff of nu at q*, "
                                           "25-digit quadratures"), "; ".join(det))


@CD.precise("xi-formulas-vs-mpmath")
def _(ctx):
    worst, where = 0.0, ""
    cases = [("meanfield.xi_q.tanh", {"sw2": 1.5, "sb2": 0.05}), ("meanfield.xi_c.tanh", {"sw2": 1.5, "sb2": 0.05}),
             ("meanfield.xi_q.erf", {"sw2": 1.5, "sb2": 0.05}), ("meanfield.xi_c.erf", {"sw2": 3.0, "sb2": 0.1}),
             ("meanfield.chi1.tanh", {"sw2": 2.5, "sb2": 0.2}), ("meanfield.critical_sw2.erf", {"sb2": 0.3}),
             ("meanfield.critical_sw2.tanh", {"sb2": 0.05})]
    for fid, args in cases:
        f = get(fid)
        ref = evaluate_mpmath(f, {k: Fraction(v) for k, v in args.items()}, 16)
        got = float(generated_function(f, "numpy")(*[args[p.name] for p in f.params]))
        e = float(rel_err(got, ref))
        if e > worst:
            worst, where = e, fid
    return Outcome.bound(worst, digits(12, "issue 3 target 1e-12 relative vs the mpmath implementations (findroot on "
                                           "tanh-sinh quadratures)"), f"{len(cases)} formulas; worst at {where}")


@CD.precise("xi-c-chaotic-rate")
def _(ctx):
    """In the chaotic phase c_k -> c* < 1 with ratio b = P'(c*); measured from the iterated map."""
    w, b = 2.5, 0.1
    res = FP.solve_cstar("tanh", w, b).raise_if_diverged()
    cs, bb = float(res.value), float(res.slope)
    c = cs + 1e-4
    cn, _ = FP.correlation_map("tanh", c, w, b)
    ratio = (float(cn) - cs) / 1e-4
    # |ratio - b| <= max|P''| * 1e-4 / 2 <= P''(1) 1e-4 / 2, P''(1) = sw2 q* E[tanh''(sqrt q* s)^2]
    qs = float(FP.qstar_tanh(w, b))
    from theorycheck.numeric.gaussian import expect

    p2 = w * qs * float(expect(lambda z: (lambda t: (2 * t * (1 - t * t)) ** 2)(np.tanh(z)), qs))
    bound = p2 * 1e-4 / 2 + 64 * EPS / 1e-4
    return Outcome.bound(abs(ratio - bb), remainder(bound, why="Taylor remainder P''(1) |dc|/2 (P'' non-decreasing)"),
                         f"c* = {cs:.12f}, b = P'(c*) = {bb:.10f}, measured ratio {ratio:.10f}, xi_c = {-1 / math.log(bb):.6f}")
