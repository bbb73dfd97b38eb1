"""Yarotsky's lecture, "Evolution of correlations near a fixed point q^*" (exercises: c* = 1 is a fixed
point of C~_{q*}, its stability is decided by chi_1, the explicit ReLU map), with "Evolution of
covariances" (the covariance map C) and "Stable ("ordered") vs. unstable ("chaotic") phases" that
the finite-width simulations of the same maps check.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; q* the stable fixed point of the q-map; P = the
correlation map C~_{q*}; chi1 = P'(1).  No errata.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from theorycheck.numeric import fixed_point as FP
from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic import meanfield as SM
from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.yarotsky._common import ACT, C0, LECTURE, SB2, SIZES, SRC, run_phase
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion, remainder

s_, sw2, sb2 = sp.Symbol("s", real=True), SM.sw2, SM.sb2
Ds = sp.exp(-s_**2 / 2) / sp.sqrt(2 * sp.pi)

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
    """ReLU explicit map and erf arcsine map (SymPy): P(1) = 1 at q*, P'(1) = chi1 = sw2 E[sigma'^2];
    the sum of squared residuals must simplify to exactly 0."""
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
    """Independent: one-sided Richardson difference of the mpmath correlation map at c = 1 (20 digits)
    vs chi1 = sw2 E[tanh'(sqrt(q*) Z)^2].  Tolerance: the Richardson remainder P'''(1) h^2/3 (P is a power
    series with non-negative coefficients, so P''' is non-decreasing on [0, 1]) plus a rounding floor."""
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
                         f"chi1 = {float(chi):.15f}, Richardson slope at c=1 = {float(rich):.15f}, P(1) - 1 = {float(P1 - 1):.2g}",
                         name="|Richardson slope - chi1|")


_MOVED = 1e-8  # |1 - c_300| below this counts as "converged to c* = 1"


@CC.precise("stability-decided-by-chi1")
def _(ctx):
    """Six (sw2, sb2) points: the correlation map iterated 300 times from c = 1 - 1e-4.  Where chi1 < 1
    c_300 must be within 1e-8 of 1 (the deviation shrinks like chi1^300 <= 1e-4 chi1^300); where chi1 > 1
    it must stay >= 1e-8 away (c = 1 unstable).  Every point's chi1 must differ from 1 by > 1e-3, so
    that the classification is not decided by rounding.  A criterion on the recorded quantities."""
    sw = np.array([0.6, 0.9, 1.2, 1.6, 2.5, 4.0])
    sb = np.array([0.05, 0.05, 0.05, 0.05, 0.2, 0.1])
    chi = FP.chi1_tanh(sw, sb)
    c = np.full_like(sw, 1 - 1e-4)
    for _ in range(300):
        c, _s = FP.correlation_map("tanh", c, sw, sb)
    moved = [(f"|1 - c_300| at sw2={w}, sb2={b} (chi1 = {x:.4f} {'<' if x < 1 else '>'} 1)", float(abs(1 - cc)),
              "<" if x < 1 else ">=", _MOVED) for w, b, x, cc in zip(sw, sb, chi, c)]
    away = [(f"|chi1 - 1| at sw2={w}, sb2={b}", float(abs(x - 1)), ">", 1e-3) for w, b, x in zip(sw, sb, chi)]
    return Outcome.criterion(moved + away, criterion(_MOVED, "convergence of c_300 to 1 (|1 - c_300| < 1e-8) iff chi1 < 1"),
                             detail=f"chi1 = {np.round(chi, 4).tolist()}; c_300 from 1 - 1e-4 = {np.round(c, 6).tolist()}")


# ----------------------------------------------------------------------------------------------
CP = claim(
    "yarotsky/sim-cmap-phases",
    "The correlation c_l of two inputs follows the correlation map C~_{q*}: in the ordered phase "
    "(chi_1 < 1) c_l -> 1 exponentially, at criticality (chi_1 = 1) c_l -> 1 slowly, in the chaotic "
    "phase (chi_1 > 1) c = 1 is unstable and c_l -> c* < 1; finite-width networks agree up to "
    "O(N^(-1/2)) fluctuations.",
    f"{LECTURE}, 'Evolution of covariances', 'Evolution of correlations near a fixed point', "
    "'Stable (\"ordered\") vs. unstable (\"chaotic\") phases'",
)


def _c_check(ctx, phase):
    """both input pairs C0 of the phase point's networks (larger width): every layer's mean c_l vs the
    correlation map iterated from c_0 (ALPHA split over all layers of both pairs)."""
    depth = int(ctx.sizes["depth"])
    r, sw2, q0 = run_phase(ctx, phase, ctx.sizes["widths"][-1])
    chi1 = float(MF.chi(ACT, q0, sw2))
    cs = MF.cstar(ACT, sw2, SB2)
    outs = []
    for k, c0 in enumerate(C0):
        theory = MF.c_trajectory(ACT, q0, c0, sw2, SB2, depth)
        c = r.c[:, k, :]
        var_c = c.var(axis=0, ddof=1)
        bias = MF.delta_method_bias(lambda x: MF.c_step(ACT, x, q0, sw2, SB2), theory, var_c, vectorized=True)
        # ratio-estimator term of a cosine c = q12 / sqrt(q11 q22) with fluctuating lengths: |c| CV(q)^2, O(1/N)
        cv2 = (r.q.var(axis=0, ddof=1) / np.maximum(r.q.mean(axis=0), 1e-300) ** 2).max(axis=0)
        bias = bias + np.abs(theory) * cv2
        outs.append(MF.profile_outcome(
            c, theory, bias, f"{phase} phase (sw2={sw2:.6g}, sb2={SB2}, chi_1={chi1:.4f}, c*={cs:.6f}): c_l from "
            f"c_0={c0}", dict(ctx.sizes), extra={"chi1": chi1, "cstar": cs, "qstar": q0}, tests=len(C0) * depth))
    return Outcome.all_of(outs)


# (phase, check name): one registration per phase point, names written literally
_PHASE_CHECKS = (("ordered", "ordered-c-profile"),
                 ("critical", "critical-c-profile"),
                 ("chaotic", "chaotic-c-profile"))
for _phase, _name in _PHASE_CHECKS:
    _fn = (lambda ctx, _p=_phase: _c_check(ctx, _p))
    _fn.__doc__ = (f"{_phase.capitalize()} phase: " + _c_check.__doc__ + " Tolerance per layer: clt_t on the "
                   "network-to-network spread plus the delta-method bias of the correlation map and the "
                   "ratio-estimator bias |c| CV(q)^2 of a cosine (propagation_checks.profile_outcome).")
    CP.simulation(_name, sizes=SIZES)(_fn)


@CP.simulation("chaotic-one-step-c-width-scaling", sizes=SIZES)
def _(ctx):
    """Per layer, c_l minus the covariance map C applied to the measured (c, q11, q22) of layer l-1
    ('Evolution of covariances'), chaotic point, both widths: the fitted exponent of the RMS one-step
    error vs -1/2 (t quantile at ALPHA times the delta-method se plus the O(1/N)-bias shift,
    propagation_checks.width_scaling_outcome)."""
    devs = []
    for w in ctx.sizes["widths"]:
        r, sw2, q0 = run_phase(ctx, "chaotic", w)
        d = [r.c[:, k, 1:] - MF.one_step_c(ACT, r.c[:, k, :-1], r.q[:, 0, :-1], r.q[:, k + 1, :-1], sw2, SB2)
             for k in range(len(C0))]
        devs.append(np.concatenate(d, axis=1))  # both input pairs of each net
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "c_l - C(c_(l-1), q_(l-1)), chaotic tanh",
                                    dict(ctx.sizes))
