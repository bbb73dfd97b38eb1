"""§3.1 Infinite depth simplification: eq. (1), sigma_W,max, and Interpretations 1-2 at the level of the
fixed-point equations (the finite-width simulations of Theorem 1 are in the sec2_* / app_b_* modules).

Eq. (1), tau^2 = T(tau^2) = sigma_W^2 E[sigma(tau z)^2] + sigma_b^2, is the mean-field q-map: the code reuses
``meanfield.qmap.<act>`` / ``meanfield.qstar.<act>``.  Under Interpretation 2 (tau_l = tau for every l, alpha_l
= alpha, sigma_v = 0) Theorem 1's decoder recursion is exactly the iteration (gamma_l, rho_l) = (G, R)(gamma_{l+1},
rho_{l+1}) started at (gamma_{L+1}, rho_{L+1}) = the shallow values of phi_L (Section 3.4's formulas), so gamma_2,
rho_2 -> (gamma, rho) as L -> inf is the convergence of that iteration, and its rate is the spectral radius of
the Jacobian of (G, R) at the fixed point (Fig. 1: "the gaps decrease exponentially with the depth L").
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify.claims.li2019._common import CITE, printed, tau2_eq1
from theorycheck.verify.outcomes import Outcome
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import conditioned, criterion, remainder

C_EQ1 = claim(
    "li2019/eq1-sw2-max",
    "Eq. (1) tau^2 = sigma_W^2 E[sigma(tau z)^2] + sigma_b^2 (the q-map of random feedforward networks) implies "
    "sigma_W^2 <= sigma_W,max^2 = tau^2/E[sigma(tau z)^2]; Fig. 1's setting (tanh, tau^2 = 1.2, sigma_b^2 = 0.211, "
    "sigma_W^2 = 2.312 < sigma_W,max^2 ~ 2.806, tau0^2 ~ 0.4276 = E[sigma(tau z)^2]).",
    f"{CITE}, §3.1, eq. (1) and Fig. 1 caption",
)


@C_EQ1.precise("qmap-at-sw2-max")
def _(ctx):
    """meanfield.qmap.tanh(tau^2, sigma_W,max^2(tau^2), 0) = tau^2 (the bound is attained at sigma_b^2 = 0) at
    tau^2 in {0.0259, 0.2, 1.2, 5}, and wtae.sw2_max.relu = 2, wtae.sw2_max.erf = tau^2/tau0sq.erf; tolerance
    conditioned(cond=2, k=64): a product and a quotient of two 1e-17 quadratures."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.gaussian import qmap_tanh

    outs = []
    for t2 in (0.0259, 0.2, 1.2, 5.0):
        sw = float(W.sw2_max_tanh(t2))
        outs.append(Outcome.compare(t2, float(qmap_tanh(t2, sw, 0.0)), conditioned(2, 64, "quotient and product"),
                                    detail=f"tau2={t2}: sw2_max = {sw:.6g}"))
    return Outcome.all_of(outs)


@C_EQ1.precise("fig1-printed-numbers")
def _(ctx):
    """Fig. 1's caption: tau0^2 = E tanh(tau z)^2 at tau^2 = 1.2 is 0.4276 (4 decimals); eq. (1) with sigma_W^2 = 2.312,
    sigma_b^2 = 0.211 has tau^2 = 1.2 (1 decimal: 1.19926); sigma_W,max^2 at that fixed point is 2.806 (3 decimals:
    2.80563; at tau^2 = 1.2 exactly it is 2.80662, which would print as 2.807); sigma_W^2 = 2.312 < sigma_W,max^2.
    Half a unit in the last printed digit."""
    from theorycheck.numeric import wtae as W

    t2 = tau2_eq1("tanh", 2.312, 0.211)
    return Outcome.all_of([
        printed("0.4276", float(W.tau0sq_tanh(1.2)), "tau0^2 at tau^2 = 1.2"),
        printed("1.2", t2, f"tau^2 of eq. (1) at (2.312, 0.211): {t2:.6g}"),
        printed("2.806", float(W.sw2_max_tanh(t2)), "sigma_W,max^2 at the eq.-(1) tau^2"),
        Outcome.criterion([("sigma_W,max^2 - 2.312", float(W.sw2_max_tanh(t2)) - 2.312, ">", 0.0)],
                          criterion(0, "strict inequality")),
    ])


C_INT = claim(
    "li2019/interpretations-1-2",
    "Interpretations 1-2: as L -> inf, (gamma_l, rho_l) at small l converge to a jointly stable fixed point (gamma, "
    "rho) of eqs. (2)-(3), so that the output is x_hat = S_sig x + S_var z with S_sig = beta gamma, S_var = "
    "sqrt(beta rho); the gaps decrease exponentially with L (Fig. 1: all tanh, tau^2 = 1.2, sigma_b^2 = 0.211, "
    "sigma_W^2 = 2.312, alpha = 0.9, 1, 1.5).",
    f"{CITE}, §3.1 Interpretations 1-2 and Fig. 1",
)


def recursion(pair, beta, tau2, depth):
    """(gamma_2, rho_2) of Theorem 1 under Interpretation 2 for depths 1..depth: the iteration of (G, R) from the
    shallow values of phi_L = phi (float64)."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    phi = pair.split("_")[0]
    if phi == "tanh":
        g, r = W.m1(NUMPY, np.array([tau2])), W.m2(NUMPY, np.array([tau2]))
    else:
        g, r = np.array([0.5]), np.array([tau2 / 2])
    out = [(float(g[0]), float(r[0]))]
    bb, tt = np.array([beta]), np.array([tau2])
    for _ in range(depth - 1):
        g, r = W.G(pair, g, r, bb, tt), W.R(pair, g, r, bb, tt)
        out.append((float(g[0]), float(r[0])))
    return out


@C_INT.precise("fig1-gaps-decay-at-linearised-rate")
def _(ctx):
    """Fig. 1's setting (tau^2 = 1.19926 from eq. (1)), beta = alpha 2.312 for alpha = 0.9, 1, 1.5: the recursion's
    (gamma_2, rho_2) at depth L against the Newton fixed point (numeric/wtae.py).  (i) At L = 2000 both gaps are
    within conditioned(cond = 1/(1 - r), k = 64) of 0 relative to max(gamma, rho) (r = spectral radius of the
    Jacobian: the iteration's float64 fixed point differs from the exact one by the rounding of one step amplified
    by 1/(1 - r)).  (ii) The measured decay rate of the rho gap (geometric mean over the window of L where the gap lies in
    [1e-12, 1e-6]) against the predicted rate: the largest
    eigenvalue of the Jacobian that the gap excites (rho's own rate R_rho, or gamma's s^2 since R is even in gamma,
    when gamma = 0; r when gamma > 0); tolerance remainder(4 x (window-start gap/scale + (r2/r1)^L0) + 8 eps rate/(end gap x window
    length)): the neglected second-order Taylor term, the subdominant eigenvalue and the float64 rounding of the
    gaps (a few eps of the scale) spread over the window."""
    from theorycheck.numeric import wtae as W

    t2 = tau2_eq1("tanh", 2.312, 0.211)
    outs = []
    for alpha in (0.9, 1.0, 1.5):
        beta = alpha * 2.312
        fp = W.solve("tanh_tanh", np.array([beta]), np.array([t2]))
        g, r = float(fp.gamma[0]), float(fp.rho[0])
        o = W.core("tanh_tanh", __import__("theorycheck.numeric.backend", fromlist=["NUMPY"]).NUMPY,
                   np.array([g]), np.array([r]), np.array([beta]), np.array([t2]), jac=True)
        a, b_, c, d = (float(x[0]) for x in W._jacobian(o, np.array([g])))
        tr, det = a + d, a * d - b_ * c
        disc = math.sqrt(max(tr * tr / 4 - det, 0.0))
        l1, l2 = abs(tr / 2) + disc, abs(abs(tr / 2) - disc)
        if g == 0:
            rate, other = max(d, a * a), min(d, a * a)
        else:
            rate, other = l1, l2
        seq = recursion("tanh_tanh", beta, t2, 2000)
        scale = max(g, r)
        gaps = np.array([abs(x[1] - r) for x in seq]) / scale
        ggap = np.array([abs(x[0] - g) for x in seq]) / scale
        outs.append(Outcome.bound(max(gaps[-1], ggap[-1]), conditioned(1 / (1 - l1), 64, "rounding of the iteration"),
                                  name=f"alpha={alpha}: gap at L = 2000"))
        win = np.nonzero((gaps > 1e-12) & (gaps < 1e-6))[0]
        i0, i1 = int(win[0]), int(win[-1])
        meas = (gaps[i1] / gaps[i0]) ** (1 / (i1 - i0))
        eps = float(np.finfo(float).eps)
        tol = remainder(4 * (gaps[i0] + (other / rate) ** i0) + 8 * eps / (gaps[i1] * (i1 - i0)) * rate, scale=rate,
                        why="second-order term, subdominant mode, rounding of the end gaps")
        outs.append(Outcome.compare(rate, meas, tol, detail=f"alpha={alpha}: gamma={g:.4g}, rho={r:.4g}, "
                                                            f"window L in [{i0}, {i1}]"))
    return Outcome.all_of(outs)
