"""Li & Nguyen 2019, Section 3.1 "Infinite depth simplification", Fig. 1: the gaps |gamma_2 - gamma| and
|rho_2 - rho| between Theorem 1's finite-depth values and the infinite-depth fixed point decay exponentially in
the depth L; here the rate is measured and compared with the linearisation of the recursion at the fixed point.

Setting of Fig. 1: all activations tanh, sw2 = 2.312, sb2 = 0.211, sv2 = 0, Interpretation 2 (the input
normalised so that tau_l = tau at every layer: tau0sq = (tau*^2 - sb2) / sw2 with tau*^2 = 1.19926 the fixed
point of eq. (1), the paper's "tau^2 = 1.2, tau_0^2 ~ 0.4276"), alpha = 0.9, 1, 1.5.  With tau_l constant,
Theorem 1's backward recursion is L - 1 applications of the map (gamma, rho) -> (G, R) of eqs. (2)-(3)
(numeric.wtae_sim.gr_map_tanh) to the start (gamma_{L+1}, rho_{L+1}) = (E tanh'(tau z), E tanh(tau z)^2), so
gamma_2(L) is the (L-1)-th iterate.  The fixed point (gamma, rho) is computed by Newton's method on the same
map (the brief's "iterate to convergence", made fast); the linearisation is its Jacobian J by central
differences.

Measured (float64, this module's check): alpha = 0.9 and 1: gamma = 0 (G(0, rho) = 0, and dG/dgamma < 1), the
gamma gap decays at the rate dG/dgamma = 0.8054 (alpha = 0.9), 0.8441 (alpha = 1) per layer, and the rho gap at
(dG/dgamma)^2 (0.6487, 0.7126: it is driven by gamma^2, since R is even in gamma), not at dR/drho
(0.536, 0.494).  alpha = 1.5: gamma = 0.0906, rho = 0.498, both gaps at the spectral radius 0.980 of J: a
decay length of ~50 layers, so at alpha = 1.5 "a few tens" of layers do not reach the limit: gamma_2 exceeds
gamma by 76 % at L = 20, 50 % at L = 30, 26 % at L = 50 and 8 % at L = 100 (rho_2 is within 3 % from L = 20 on).
Observation on Section 3.1's "Fig. 1 shows that our asymptotic simplification is quite accurate already for L on
the order of a few tens": true for alpha = 0.9 and 1 (where gamma = 0 and the gaps fall below 1e-2 by L ~ 20),
not for the signal strength at alpha = 1.5, the only one of the three with gamma > 0.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from theorycheck.verify.claims.li2019._sim_common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, remainder

SW2, SB2 = 2.312, 0.211
ALPHAS = (0.9, 1.0, 1.5)
FD_STEP = 1e-5


def tau_star() -> float:
    """The fixed point tau*^2 of eq. (1), q = sw2 E tanh(sqrt(q) z)^2 + sb2, by iteration (contraction)."""
    from theorycheck.numeric.wtae_sim import tanh_moments

    q = 1.2
    for _ in range(200):
        q = SW2 * tanh_moments(math.sqrt(q))[1] + SB2
    return q


def _map(alpha, tau):
    from theorycheck.numeric.wtae_sim import gr_map_tanh

    return lambda v: np.array(gr_map_tanh(v[0], max(v[1], 0.0), alpha * SW2, tau))


def _jac(F, v, h=FD_STEP):
    J = np.zeros((2, 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = h
        J[:, j] = (F(v + e) - F(v - e)) / (2 * h)
    return J


@lru_cache(maxsize=8)
def series(alpha: float, n_iter: int = 400) -> dict:
    """Iterates (gamma_2(L), rho_2(L)) for L = 1..n_iter+1, the fixed point, its Jacobian and eigenvalues."""
    from theorycheck.numeric.wtae_sim import tanh_moments

    tau = math.sqrt(tau_star())
    F = _map(alpha, tau)
    v = np.array(tanh_moments(tau), dtype=float)
    it = [v]
    for _ in range(n_iter):
        v = F(v)
        it.append(v)
    it = np.array(it)
    # fixed point: gamma = 0 exactly when the iterates decay to it (G(0, rho) = 0), else Newton from the last iterate
    fp = it[-1].copy()
    if fp[0] < 1e-12:
        fp[0] = 0.0
        for _ in range(60):
            r = F(fp)[1]
            if r == fp[1]:
                break
            fp[1] = r
    else:
        for _ in range(30):
            step = np.linalg.solve(_jac(F, fp) - np.eye(2), -(F(fp) - fp))
            fp = fp + step
            if np.max(np.abs(step)) <= 4 * EPS * np.max(np.abs(fp)):
                break
    J = _jac(F, fp)
    ev = np.sort(np.abs(np.linalg.eigvals(J)))[::-1]
    return {"tau2": tau * tau, "iterates": it, "fixed": fp, "J": J, "eigs": ev}


def predicted_rates(s: dict) -> tuple[float, float]:
    """Linearised decay rates of the (gamma, rho) gaps: at gamma = 0, J is diagonal (R even in gamma, G(0, .) = 0)
    and the rho gap is driven by gamma^2: (J_gg, max(J_rr, J_gg^2)); otherwise both at the spectral radius."""
    J = s["J"]
    if s["fixed"][0] == 0.0:
        return abs(J[0, 0]), max(abs(J[1, 1]), J[0, 0] ** 2)
    return s["eigs"][0], s["eigs"][0]


C1 = claim(
    "li2019/fig1-gap-decay",
    "Fig. 1 / Interpretation 2: for all-tanh networks with tau^2 = 1.2, sb2 = 0.211, sw2 = 2.312 and alpha = 0.9, "
    "1, 1.5, the gaps |gamma_2 - gamma| and |rho_2 - rho| between Theorem 1's values at depth L and the fixed "
    "point of eqs. (2)-(3) decrease exponentially with L.",
    f"{CITE}, Section 3.1, Interpretation 2 and Fig. 1",
)


@C1.precise("gap-rates-vs-linearisation")
def _(ctx):
    """For each alpha and for gamma and rho: the measured per-layer ratio gap(L + 1) / gap(L) at the largest L
    whose gap exceeds 1e-9 (at most 300) vs the linearised rate (predicted_rates: J by central differences).
    Tolerance (remainder rule): the distance of the measured ratio from its limit is bounded by its change
    over the last k layers, |ratio(L) - ratio(L - k)|, with k chosen so that r^k <= 1/4 for the slowest
    correction ratio r = max(|lambda_2 / lambda_1|, lambda_1) (a geometric error term C r^L then changes by
    C r^(L-k) (1 - r^k) >= 3 C r^L over the last k layers, three times the remaining error); plus the central-difference error of J (h^2 times the third derivative, bounded by 1e-8 at
    h = 1e-5, and eps/h rounding) and the float64 rounding of the gaps (64 eps / gap)."""
    outs, rows = [], {}
    for alpha in ALPHAS:
        s = series(alpha)
        it, fp = s["iterates"], s["fixed"]
        pred = predicted_rates(s)
        lam1, lam2 = s["eigs"]
        r = max(lam2 / lam1 if lam1 > 0 else 0.0, lam1)
        k = max(1, math.ceil(math.log(4) / -math.log(r)))
        for j, name in ((0, "gamma"), (1, "rho")):
            gap = np.abs(it[:, j] - fp[j])
            good = np.nonzero(gap[: 301] > 1e-9)[0]
            L = int(good[-1]) - 1
            if L - k < 1:
                raise RuntimeError(f"alpha = {alpha}, {name}: gap falls below 1e-9 before {k + 1} layers")
            ratio = gap[L + 1] / gap[L]
            prev = gap[L + 1 - k] / gap[L - k]
            bound = abs(ratio - prev) + 1e-8 + EPS / FD_STEP + 64 * EPS * max(abs(fp[j]), 1.0) / gap[L + 1]
            tol = remainder(bound, why=f"alpha = {alpha}, {name} gap: |ratio(L) - ratio(L - {k})| at L = {L + 1} "
                                       "+ finite-difference error of J + gap rounding")
            o = Outcome.compare(pred[j], ratio, tol, detail=f"alpha {alpha} {name} rate")
            outs.append(o)
            rows[f"alpha={alpha} {name}"] = {"measured": float(ratio), "linearised": float(pred[j]), "L": L + 1,
                                             "fixed": float(fp[j])}
    out = Outcome.all_of(outs)
    out.detail = "; ".join(f"{k}: {v['measured']:.5f} vs {v['linearised']:.5f} (L={v['L']})" for k, v in rows.items())
    out.extra = {"rates": rows}
    return out


@C1.precise("gaps-decrease-exponentially")
def _(ctx):
    """The printed statement itself: for each alpha both gaps are strictly decreasing in L from L = 5 up to the
    depth where they fall below 1e-9, and their log is linear at the end (the last ten ratios agree to 1 %).
    Criterion rule: "exponential decay" stated by the paper, tested as monotone decay with a settled ratio."""
    terms = []
    for alpha in ALPHAS:
        s = series(alpha)
        it, fp = s["iterates"], s["fixed"]
        for j, name in ((0, "gamma"), (1, "rho")):
            gap = np.abs(it[:, j] - fp[j])
            good = np.nonzero(gap[:301] > 1e-9)[0]
            end = int(good[-1])
            d = gap[5:end + 1]
            terms.append((f"alpha {alpha} {name}: max gap(L+1)/gap(L), L = 6..{end}", float(np.max(d[1:] / d[:-1])),
                          "<", 1.0))
            rr = d[-10:] / d[-11:-1]
            terms.append((f"alpha {alpha} {name}: spread of the last ten ratios", float(np.ptp(rr) / rr.mean()),
                          "<=", 0.01))
    from theorycheck.verify.tolerances import criterion

    return Outcome.criterion(terms, criterion(0.01, "monotone decay, last ten per-layer ratios within 1 % "
                                                    "(a geometric sequence has equal ratios)"))
