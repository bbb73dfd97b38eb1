"""ICLR 2022 submission, section 2.2 "Set-up": the network of eq. (2.1), the correlation map P of eqs.
(2.3)-(2.4), Observation 1 (P is a power series with non-negative coefficients: non-decreasing, convex
on [0, 1], a unique attracting fixed point) and the three regimes by P'(1) (ordered, critical,
chaotic), for the map itself and for finite-width layer-normalized erf networks.

P is the layer-normalized correlation map of eq. (2.3) with unit preactivation variances,
P(rho) = (sb2 + sw2 C[phi|rho]) / (sb2 + sw2 ||phi||_N^2).

Simulations: regime points at sigma_w^2 = 1, ordered sigma_b^2 = 4 r_c, critical sigma_b^2 = r_c,
chaotic sigma_b^2 = r_c / 4 (so that 0 < rho_fp < 1), r_c = ||erf'||_N^2 - ||erf||_N^2 the critical
ratio of Appendix B; inputs with cosine rho_0 = 0.5.

Errata: none.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.numeric import fixed_point as FP
from theorycheck.numeric import gaussian as G
from theorycheck.numeric.gaussian import NUMPY
from theorycheck.symbolic import gauss as SG
from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.claims.iclr2022._common import CITE, SRC, pmap
from theorycheck.verify.claims.iclr2022.sec2_1_notation import series_coeffs
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import clt_t, remainder, ulps

# float64 evaluations of P: closed forms within a few ulps; tanh by n-node trapezoid sums (numeric/gaussian.py,
# discretization below 1e-19, rounding <= (2 n + 8) eps worst case)
_P_ULPS = 2 * G.trapezoid_rule(1.0)[0].size + 8

# ----------------------------------------------------------------------------------------------
CO = claim(
    "iclr2022/obs1-convex-unique-fixed-point",
    "P of eq. (2.4) is a power series with non-negative coefficients, hence non-decreasing and convex on "
    "[0, 1], with a unique attracting fixed point (rho_fp = 1 when P'(1) <= 1, else rho_fp < 1 with "
    "P'(rho_fp) < 1) -- for ReLU, leaky ReLU, erf and (numerically) tanh.",
    f"{CITE}, eq. (2.4) and Observation 1",
)


@CO.exact("coefficients-non-negative")
def _(ctx):
    """Taylor coefficients of P's C[phi|rho] (orders < 14) are non-negative (relu, erf: rational multiples of
    powers of pi, decided by SymPy) or squares phi_k^2 (leaky relu, a polynomial in a); the residual is the
    number of violations, exactly 0."""
    n = 14
    bad = []
    for act in ("relu", "erf"):
        cs = series_coeffs(SG.COV[act].subs({SG.q1: 1, SG.q2: 1}), n)
        bad += [(act, kk, c) for kk, c in enumerate(cs) if not (sp.nsimplify(c) >= 0)]
    cs = series_coeffs(SG.COV["leaky_relu"].subs({SG.q1: 1, SG.q2: 1}), n)
    for kk, c in enumerate(cs):
        if sp.simplify(c - SG.hermite_coeff_closed("leaky_relu", kk) ** 2) != 0:
            bad.append(("leaky_relu", kk, c))
    return Outcome.symbolic(sp.Integer(len(bad)), f"negative/non-square Taylor coefficients among orders < {n}: {bad}",
                            what="0 violations")


_OBS1_CASES = [("relu", None, 1.0, 0.3), ("leaky_relu", 0.2, 1.0, 0.2), ("erf", None, 1.0, 0.0),
               ("erf", None, 1.0, 0.5), ("tanh", None, 1.0, 0.0), ("tanh", None, 2.0, 0.4)]
_OBS1_STEPS = 400


@CO.precise("monotone-convex-unique-attracting")
def _(ctx):
    """For six (activation, sigma_w^2, sigma_b^2) points: P on a 201-point grid of [0, 1] has no negative
    first or second difference; P - rho changes sign in [0, 1) once when P'(1) > 1 (rho_fp < 1, with
    P'(rho_fp) < 1) and never when P'(1) <= 1 (rho_fp = 1); 400 iterations from rho_0 = 0.05 and 0.95
    reach rho_fp (rho_fp by Newton when P'(1) > 1).

    Tolerances.  Differences: each P value is within d = ``_P_ULPS`` eps (tanh: two n-node trapezoid
    sums, worst-case rounding (2 n + 8) eps; closed forms far less), so a first or second difference of
    a truly monotone/convex P is >= -4 d (rule ``ulps``).  Convergence, rule ``remainder``: for a convex
    P the distance to rho_fp contracts each step by at most the secant slope s = |P(r0) - rho_fp| /
    |r0 - rho_fp| (r0 > rho_fp; P'(rho_fp) when r0 < rho_fp), so after 400 steps it is at most
    s^400 |r0 - rho_fp|, plus the rounding d eps / (1 - s) carried by the contraction.
    """
    r = np.linspace(0.0, 1.0, 201)
    tol_diff = ulps(4 * _P_ULPS, "first/second differences of P values each within "
                                 f"{_P_ULPS} eps (tanh trapezoid sums; closed forms less)")
    terms, details = [], []
    for act, aa, sw2, sb2 in _OBS1_CASES:
        lab = f"{act}{'' if aa is None else f'(a={aa})'} sw2={sw2} sb2={sb2}"
        P, dP = pmap(act, r, sw2, sb2, aa)
        slope1 = float(dP[-1])
        g = P[:-1] - r[:-1]
        roots = int(np.sum(np.sign(g[1:]) != np.sign(g[:-1])))
        fp = K.rho_fp_newton(act, sw2, sb2) if slope1 > 1 else 1.0
        fp_slope = float(pmap(act, fp, sw2, sb2, aa)[1])
        terms += [(f"{lab}: monotonicity violation", max(0.0, -float(np.diff(P).min())), "<=", tol_diff.value),
                  (f"{lab}: convexity violation", max(0.0, -float(np.diff(P, 2).min())), "<=", tol_diff.value),
                  (f"{lab}: sign changes of P - rho in [0, 1)", roots, "==", 1 if slope1 > 1 else 0)]
        if slope1 > 1:
            terms += [(f"{lab}: P'(rho_fp)", fp_slope, "<", 1.0), (f"{lab}: rho_fp", fp, "<", 1.0)]
        for r0 in (0.05, 0.95):
            c = r0
            for _ in range(_OBS1_STEPS):
                c = float(pmap(act, c, sw2, sb2, aa)[0])
            s = abs(float(pmap(act, r0, sw2, sb2, aa)[0]) - fp) / abs(r0 - fp) if r0 > fp else fp_slope
            bound = remainder(s**_OBS1_STEPS * abs(r0 - fp), scale=1.0 / (1.0 - s), k=_P_ULPS,
                              why=f"{lab}, rho_0 = {r0}: secant slope {s:.4f}")
            terms.append((f"{lab}: |rho_400 - rho_fp| from {r0}", abs(c - fp), "<=", bound.value))
        details.append(f"{lab}: P'(1)={slope1:.4f}, sign changes in [0,1)={roots}, rho_fp={fp:.6g}, "
                       f"P'(rho_fp)={fp_slope:.4f}")
    return Outcome.criterion(terms, tol_diff, "; ".join(details))


# ----------------------------------------------------------------------------------------------
CR = claim(
    "iclr2022/sec2.2-three-regimes",
    "By P'(1): ordered (P'(1) < 1) rho_l -> 1 exponentially with 1 - rho_{l+1} ~ P'(1)(1 - rho_l); critical "
    "(P'(1) = 1) rho_l -> 1 polynomially, 1 - rho_l ~ 2/(P''(1) l); chaotic (P'(1) > 1) rho_l -> rho_fp < 1 "
    "exponentially at rate P'(rho_fp) < 1.",
    f"{CITE}, section 2.2",
)


def _map_regime_sb2(act, which, sw2=1.0):
    """sigma_b^2 of the map checks: ordered r_c + 0.3, critical r_c, chaotic 0 (times sigma_w^2 = 1)."""
    r_star = K.critical_ratio(act)
    return {"ordered": sw2 * (r_star + 0.3), "critical": sw2 * r_star, "chaotic": 0.0}[which]


def _derivs_at_1(act, sw2, sb2):
    """P'(1), P''(1), P'''(1) (P^(j)(1) = sw2 ||phi^(j)||_N^2 / den by Stein's lemma)."""
    den = sb2 + sw2 * float(FP.Activation(act, NUMPY).m2(np.float64(1.0)))
    n2, n3 = K.higher_norms(act)
    return float(pmap(act, 1.0, sw2, sb2)[1]), sw2 * n2 / den, sw2 * n3 / den


@CR.precise("ordered-exponential-rate")
def _(ctx):
    """Iterating P from 1 - rho = 1e-2 to below 1e-3 (ordered: sigma_b^2 = r_c + 0.3), the last per-layer
    ratio (1 - rho_(l+1))/(1 - rho_l) against P'(1) - P''(1)(1 - rho_l)/2 (erf, tanh).

    Tolerance, rule ``remainder``: ratio = P'(1) - P''(1) e/2 + r with 0 <= r <= P'''(1) e^2/6 (the
    derivatives of a power series with non-negative coefficients increase on [0, 1], Observation 1),
    plus the rounding 8 eps/e of 1 - P(1 - e) divided by e (floor k = 8 at scale 1/e)."""
    outs = []
    for act in ("erf", "tanh"):
        sw2, sb2 = 1.0, _map_regime_sb2(act, "ordered")
        p1, p2, p3 = _derivs_at_1(act, sw2, sb2)
        eps, layers = 1e-2, 0
        while eps > 1e-3:
            nxt = 1 - float(pmap(act, 1 - eps, sw2, sb2)[0])
            ratio = nxt / eps
            last_eps, eps = eps, nxt
            layers += 1
        predicted = p1 - p2 * last_eps / 2
        tol = remainder(p3 * last_eps**2 / 6, scale=1.0 / last_eps, k=8, why=f"{act}: P'''(1) e^2/6 at e = {last_eps:.3g}")
        outs.append(Outcome.compare(predicted, ratio, tol,
                                    f"{act}: P'(1)={p1:.6f} < 1; after {layers} layers 1-rho={eps:.2g}: ratio {ratio:.9f} "
                                    f"vs P'(1) - P''(1)(1-rho)/2 = {predicted:.9f} (a constant ratio < 1: exponential)"))
    return Outcome.all_of(outs)


@CR.precise("critical-polynomial-rate")
def _(ctx):
    """Iterating P at the critical point (sigma_b^2 = r_c, P'(1) = 1 up to rounding) from 1 - rho = 0.05 for
    L layers (erf 4000, tanh 1500): the increment 1/e_(l+1) - 1/e_l (e = 1 - rho) against P''(1)/2, i.e.
    1 - rho_l ~ 2/(P''(1) l) (polynomial, not exponential).

    Tolerance, rule ``remainder``: |1/e_(l+1) - 1/e_l - A| <= 2 (A^2 + B) e_l with A = P''(1)/2, B =
    P'''(1)/6 (the next Taylor terms, bounded on [0, 1] by their values at 1), plus |P'(1) - 1|/(e_l e_(l+1))
    from the rounding of the critical ratio, plus 16 eps / e^2 (rounding of 1 - P, floor k = 16 at scale 1/e^2)."""
    outs = []
    for act, L in (("erf", 4000), ("tanh", 1500)):
        sw2, sb2 = 1.0, _map_regime_sb2(act, "critical")
        p1, p2, p3 = _derivs_at_1(act, sw2, sb2)
        A, B = p2 / 2, p3 / 6
        eps = 0.05
        for _ in range(L):
            prev, eps = eps, 1 - float(pmap(act, 1 - eps, sw2, sb2)[0])
        inc = 1 / eps - 1 / prev
        tol = remainder(2 * (A * A + B) * prev + abs(p1 - 1) / (prev * eps), scale=1.0 / eps**2, k=16,
                        why=f"{act}: 2 (A^2 + B) e + |P'(1) - 1|/(e e') at e = {prev:.3g}")
        outs.append(Outcome.compare(A, inc, tol,
                                    f"{act}: P'(1)-1={p1 - 1:.1e}, after {L} layers 1-rho={eps:.3g} (l (1-rho) A = "
                                    f"{L * eps * A:.3f} -> 1), 1/e_(l+1) - 1/e_l = {inc:.6f} vs P''(1)/2 = {A:.6f}"))
    return Outcome.all_of(outs)


@CR.precise("chaotic-fixed-point-rate")
def _(ctx):
    """Chaotic point (sigma_b^2 = 0, P'(1) > 1): rho_fp by Newton (``_common.rho_fp_newton``), P'(rho_fp) < 1,
    and iterating P from 0.9 the last ratio (rho_(l+1) - rho_fp)/(rho_l - rho_fp) before the distance
    falls below 1e-7, against P'(rho_fp) (erf, tanh).

    Tolerance, rule ``remainder``: |ratio - P'(rho_fp)| <= P''(1) |rho_l - rho_fp| / 2 (P'' increases on
    [0, 1]), plus the rounding 8 eps / |rho_(l+1) - rho_fp| (floor k = 8 at that scale)."""
    outs = []
    for act in ("erf", "tanh"):
        sw2, sb2 = 1.0, _map_regime_sb2(act, "chaotic")
        p1, p2, _ = _derivs_at_1(act, sw2, sb2)
        fp = K.rho_fp_newton(act, sw2, sb2)
        slope = float(pmap(act, fp, sw2, sb2)[1])
        r = 0.9
        for _ in range(200):
            nxt = float(pmap(act, r, sw2, sb2)[0])
            if abs(nxt - fp) < 1e-7:
                break
            ratio, dist = (nxt - fp) / (r - fp), abs(r - fp)
            r = nxt
        tol = remainder(p2 * dist / 2, scale=1.0 / abs(r - fp), k=8, why=f"{act}: P''(1) |rho - rho_fp|/2 at {dist:.2g}")
        outs.append(Outcome.criterion([(f"{act}: |ratio - P'(rho_fp)|", abs(ratio - slope), "<=", tol.value),
                                       (f"{act}: P'(1)", p1, ">", 1.0), (f"{act}: rho_fp", fp, "<", 1.0),
                                       (f"{act}: P'(rho_fp)", slope, "<", 1.0)], tol,
                                      f"{act}: P'(1) = {p1:.4f} > 1, rho_fp={fp:.12f}, measured ratio {ratio:.6f} at "
                                      f"distance {dist:.2g} vs P'(rho_fp)={slope:.6f}",
                                      predicted=slope, measured=ratio))
    return Outcome.all_of(outs)


# ----------------------------------------------------------------------------------------------
REG_SIZES = {
    "smoke": {"width": 128, "depth": 12, "n_nets": 16},
    "default": {"width": 1024, "depth": 30, "n_nets": 16},
    "paper": {"width": 4096, "depth": 50, "n_nets": 16},
}

C2 = claim(
    "iclr2022/sim-regimes",
    "Forward propagation of correlations in a wide layer-normalized network has three regimes by P'(1): "
    "ordered (P'(1) < 1): rho_l -> 1 exponentially fast at rate P'(1); critical (P'(1) = 1): rho_l -> 1 "
    "polynomially; chaotic (P'(1) > 1): rho_l -> rho_fp < 1; finite-width networks follow the map.",
    f"{SRC}, section 2.2 (three regimes after Observation 1)",
)

_REGIME_OFFSET = {"ordered": 11, "critical": 12, "chaotic": 13}


def _regime_run(ctx, regime, width=None):
    sb2 = K.sim_regime_sb2(regime)
    return K.simulate(ctx, width or ctx.sizes["width"], int(ctx.sizes["depth"]), sb2, (0.5,),
                      _REGIME_OFFSET[regime]), sb2


def _follows_map(ctx, regime):
    """Per layer, the mean over nets of rho_l (rho_0 = 0.5) against eq. (2.3)'s trajectory.

    Tolerance, rule ``clt_t`` per layer (verify.propagation_checks.profile_outcome): Student t over the
    independent networks, Bonferroni over the layers, plus the delta-method O(1/N) bias bound."""
    r, sb2 = _regime_run(ctx, regime)
    L = int(ctx.sizes["depth"])
    traj = K.theory(0.5, sb2, L)
    c = r.c[:, 0, :]
    p1 = float(pmap(K.ACT, 1.0, K.SW2, sb2)[1])
    return MF.profile_outcome(c, traj, K.delta_bias(traj, c.var(axis=0, ddof=1), sb2),
                              f"{regime} (sigma_b^2 = {sb2:.6f}, sigma_w^2 = 1, P'(1) = {p1:.5f}): rho_l from rho_0 = 0.5",
                              dict(ctx.sizes), extra={"P_prime_1": p1})


for _regime, _name in (("ordered", "ordered-follows-map"), ("critical", "critical-follows-map"),
                       ("chaotic", "chaotic-follows-map")):
    def _check(ctx, _r=_regime):
        return _follows_map(ctx, _r)

    _check.__doc__ = _follows_map.__doc__
    C2.simulation(_name, sizes=REG_SIZES)(_check)


@C2.simulation("ordered-rate-ln-p1", sizes=REG_SIZES)
def _(ctx):
    """Ordered regime: per net, the least-squares slope of ln(1 - rho_l) over the second half of the layers
    (where the map is linear around 1 to a relative O(1 - rho)); their mean against ln P'(1).

    Tolerance, rule ``clt_t``: Student t over the independent nets' slopes, plus the bias |slope of the
    exact map over the same layers - ln P'(1)| (non-linearity of P near 1)."""
    r, sb2 = _regime_run(ctx, "ordered")
    L = int(ctx.sizes["depth"])
    layers = np.arange(L // 2, L + 1)
    one_minus = np.clip(1.0 - r.c[:, 0, layers], 1e-300, None)
    slopes = np.polyfit(layers, np.log(one_minus).T, 1)[0]
    traj = K.theory(0.5, sb2, L)
    th_slope = float(np.polyfit(layers, np.log(1.0 - traj[layers]), 1)[0])
    pred = math.log(float(pmap(K.ACT, 1.0, K.SW2, sb2)[1]))
    n = len(slopes)
    tol = clt_t(float(slopes.std(ddof=1)), n, MF.ALPHA, bias=abs(th_slope - pred),
                why="mean over nets of the fitted slope of ln(1 - rho_l); bias = the slope of the exact map over the "
                    "same layers minus ln P'(1) (non-linearity of P near 1)")
    m = float(slopes.mean())
    return Outcome.compare(pred, m, tol, f"fitted rate {m:.4f} per layer vs ln P'(1) = {pred:.4f} (P'(1) = "
                                         f"{math.exp(pred):.4f}; infinite-width map over the same layers: {th_slope:.4f})",
                           sizes=dict(ctx.sizes))


@C2.simulation("critical-loglog-slope", sizes=REG_SIZES)
def _(ctx):
    """Critical regime: least-squares slope of ln(net-averaged 1 - rho_l) against ln l over layers 2..L,
    against the exact map's slope over the same layers (1 - rho_l ~ 2/(P''(1) l) at P'(1) = 1: the map's
    slope tends to -1, pre-asymptotically it is flatter); an exponential decay at rate ln P'(1) = 0 or a
    different power of l changes it.  Fitting over all layers rather than the second half spans a
    log-range ln(L/2) instead of ln 2 (4.9x at L = 30), so the jackknife spread is ~4x smaller and the
    check rejects an exponent off by ~25 % at default scale.

    Tolerance, rule ``clt_t``: jackknife standard error over nets (sd = se sqrt(n)), Student t with n - 1
    dof, plus the shift the O(1/N) bias of the averaged curve can cause: with delta-method bounds b_l on
    |E mean rho_l - rho_l(map)| (verify.propagation_checks.delta_method_bias), ln(1 - mean) moves by at
    most b_l / (1 - rho_l - b_l), and the slope, a linear combination sum_l w_l y_l, by at most
    sum_l |w_l| b_l / (1 - rho_l - b_l)."""
    r, sb2 = _regime_run(ctx, "critical")
    L = int(ctx.sizes["depth"])
    layers = np.arange(2, L + 1)
    xl = np.log(layers)
    one_minus = 1.0 - r.c[:, 0, layers]
    n = one_minus.shape[0]

    def slope(rows):
        return float(np.polyfit(xl, np.log(np.clip(one_minus[rows].mean(axis=0), 1e-300, None)), 1)[0])

    m = slope(np.arange(n))
    jack = np.array([slope(np.delete(np.arange(n), i)) for i in range(n)])
    se = math.sqrt((n - 1) / n * float(np.sum((jack - jack.mean()) ** 2)))
    traj = K.theory(0.5, sb2, L)
    pred = float(np.polyfit(xl, np.log(1.0 - traj[layers]), 1)[0])
    b = K.delta_bias(traj, r.c[:, 0, :].var(axis=0, ddof=1), sb2)[layers]
    gap = 1.0 - traj[layers] - b
    w = (xl - xl.mean()) / float(np.sum((xl - xl.mean()) ** 2))
    shift = float(np.sum(np.abs(w) * b / gap)) if np.all(gap > 0) else math.inf
    tol = clt_t(se * math.sqrt(n), n, MF.ALPHA, bias=shift,
                why="log-log slope of the net-averaged 1 - rho_l vs the exact map's slope over layers 2..L; "
                    "sd = jackknife standard error over nets times sqrt(n); bias = slope shift from the delta-method "
                    "bias bounds")
    return Outcome.compare(pred, m, tol, f"log-log slope {m:.3f} (jackknife se {se:.3f}, bias shift <= {shift:.3f}) "
                                         f"vs map {pred:.3f} over layers 2..{L}", sizes=dict(ctx.sizes))


@C2.simulation("chaotic-one-layer-error-n-half", sizes=REG_SIZES)
def _(ctx):
    """Chaotic regime: per layer l >= 2, rho_l minus P applied to the measured rho_(l-1) (layer norm: q = 1
    exactly), at widths N/8 and N; the exponent of the RMS deviation in N against -1/2.

    Tolerance, rule ``clt_t`` (verify.propagation_checks.width_scaling_outcome): delta method on the seed
    spread of per-net mean-square deviations at both widths, plus the shift the O(1/N) bias can cause."""
    w = int(ctx.sizes["width"])
    devs = []
    for width in (w // 8, w):
        r, sb2 = _regime_run(ctx, "chaotic", width)
        c = r.c[:, 0, :]
        devs.append(c[:, 2:] - MF.c_step(K.ACT, c[:, 1:-1], 1.0, K.SW2, sb2, layernorm=True))
    return MF.width_scaling_outcome(devs[0], devs[1], w // 8, w, "rho_l - P(rho_(l-1)), chaotic erf", dict(ctx.sizes))
