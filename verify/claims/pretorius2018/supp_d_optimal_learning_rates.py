"""Supplementary D, Optimal learning rates (and eq. (8) of §5.1): the Hessian of the scalar DAE loss, the
optimal rates alpha_eps and alpha_gamma, and the ratio R of eq. (8).

Errata reported here, with the corrected statement checked instead:

* supplementary D: alpha_gamma = tau/(2 lam + N gamma) (largest Hessian eigenvalue of the supplementary-C loss
  at w1 = w2 = 1), and R = (2 lam + N gamma)/(2 lam + 3 eps) in eq. (8); the printed tau/(2 lam + gamma) reads
  gamma for N gamma (exact for N = 1).
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE, PR, eps, gamma, lam, n, tau, w1, w2
from theorycheck.verify.registry import Outcome, claim, erratum

CD = claim(
    "pretorius2018/supD-optimal-rates",
    "The Hessian of the scalar DAE loss has the printed entries; at w1 = w2 = 1 its largest eigenvalue is "
    "(2 lam + 3 eps)/tau, so alpha_eps = tau/(2 lam + 3 eps), alpha_gamma = tau/(2 lam + gamma), and "
    "R = (2 lam + gamma)/(2 lam + 3 eps) (8) decreases monotonically in the noise level under gamma = lam eps/(lam+eps).",
    f"{CITE}, supplementary D, eq. (8), §5",
)


@CD.exact("dae-hessian")
def _(ctx):
    """The Hessian of the printed loss (4) minus the printed entries, and its largest eigenvalue at
    w1 = w2 = 1 minus the printed (2 lam + 3 eps)/tau: exactly 0."""
    ell = PR["loss4"]
    H = sp.hessian(ell, (w1, w2))
    r = sp.simplify(H[0, 0] - PR["hess_11"]) ** 2 + sp.simplify(H[1, 1] - PR["hess_22"]) ** 2
    r += sp.simplify(H[0, 1] - PR["hess_12"]) ** 2 + sp.simplify(H[1, 0] - PR["hess_12"]) ** 2
    ev = H.subs({w1: 1, w2: 1}).eigenvals()
    r += sp.simplify(max(ev, key=lambda e: e.subs({lam: 1, eps: 1, tau: 1})) - PR["lambda_H"]) ** 2
    return Outcome.symbolic(sp.simplify(r), "entries of H and its largest eigenvalue at w1 = w2 = 1")


@CD.exact("wdae-rate-n-factor")
def _(ctx):
    """1 over the largest Hessian eigenvalue of the supplementary-C loss at w1 = w2 = 1, minus the printed
    alpha_gamma = tau/(2 lam + gamma) (does not vanish for N != 1) and minus tau/(2 lam + N gamma) (exactly 0)."""
    H = sp.hessian(PR["wdae_loss"], (w1, w2)).subs({w1: 1, w2: 1})
    lam_max = max(H.eigenvals(), key=lambda e: e.subs({lam: 1, gamma: 1, tau: 1, n: 1}))
    printed = sp.simplify(1 / lam_max - PR["alpha_gamma"])
    corrected = sp.simplify(1 / lam_max - tau / (2 * lam + n * gamma))
    return erratum(
        Outcome.symbolic(printed, "1/lambda_H(max) of the supplementary-C loss at w1 = w2 = 1 minus printed alpha_gamma"),
        Outcome.symbolic(corrected, "minus tau/(2 lam + N gamma)"),
        "alpha_gamma = tau/(2 lam + N gamma) and R = (2 lam + N gamma)/(2 lam + 3 eps): the printed forms read gamma "
        "for N gamma (exact for N = 1, as in the scalar simulations of Figs. 3-4).",
    )


@CD.exact("eq8-ratio-decreasing-in-eps")
def _(ctx):
    """R of eq. (8) under gamma = lam eps/(lam + eps) equals lam/(lam + eps), and dR/deps + lam/(lam+eps)^2 = 0
    with dR/deps proven negative by sympy.ask for lam > 0, eps >= 0."""
    R = PR["gamma_equiv"]
    Rr = sp.simplify(((2 * lam + gamma) / (2 * lam + 3 * eps)).subs(gamma, R))
    dR = sp.simplify(sp.diff(Rr, eps))
    # proof: R = lam/(lam + eps), dR/deps = -lam/(lam + eps)^2 < 0 for lam > 0, eps >= 0
    res = sp.simplify(Rr - lam / (lam + eps)) + sp.simplify(dR + lam / (lam + eps) ** 2)
    neg = sp.ask(sp.Q.negative(dR), sp.Q.positive(lam) & sp.Q.nonnegative(eps))
    return Outcome.symbolic(res if neg else sp.Symbol("not_proven_negative"),
                            f"R = {Rr}, dR/deps = {dR} < 0 (sympy.ask: {neg})")


