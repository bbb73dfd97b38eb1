"""Supplementary E, Equivalent scalar solutions (and §5): the WDAE fixed point and the weight-decay penalty
equivalent to a noise level.

Errata reported here, with the corrected statement checked instead:

* supplementary E: the scalar WDAE loss, derived from (6) as in supplementary C, is
  (lam/2tau)(1-w)^2 + (N gamma/tau) w, so the fixed point is 1 - N gamma/lam (as in xi of eq. (7)), not the
  printed 1 - gamma/lam; the equivalent penalty is N gamma = lam eps/(lam + eps).
"""
from __future__ import annotations

import sympy as sp

from theorycheck.symbolic import dae as S
from theorycheck.verify.claims.pretorius2018._common import CITE, PR, eps, gamma, lam, n, w1, w2
from theorycheck.verify.registry import Outcome, claim, erratum

CE = claim(
    "pretorius2018/supE-equivalent-fixed-points",
    "The WDAE fixed point is w* = 1 - gamma/lam, and gamma = lam eps/(lam + eps) equalizes it with the DAE's "
    "lam/(lam + eps) (0.0909... for lam = 1, eps = 0.1).",
    f"{CITE}, supplementary E, §5",
)


@CE.exact("fixed-point-n-factor")
def _(ctx):
    """The supplementary-C scalar dynamics at the printed w* = 1 - gamma/lam (does not vanish for N != 1)
    and at the corrected 1 - N gamma/lam (exactly 0)."""
    u = sp.Symbol("u", positive=True)
    rhs = 2 * u * (lam - n * gamma - lam * u)  # supplementary C at w1 = w2 (u = w)
    printed = sp.simplify(rhs.subs(u, PR["wdae_w_star_E"]))
    corrected = sp.simplify(rhs.subs(u, S.WDAE_W_STAR))
    # the supplementary-E loss is the supplementary-C loss at w1 = w2 only with N = 1
    wv = sp.Symbol("w", real=True)
    lossC = PR["wdae_loss"].subs({w1: sp.sqrt(wv), w2: sp.sqrt(wv)})
    diff_loss = sp.simplify(lossC - PR["wdae_loss_E"])
    return erratum(
        Outcome.symbolic(printed, "supplementary C dynamics at the printed w* = 1 - gamma/lam"),
        Outcome.symbolic(corrected, "same at w* = 1 - N gamma/lam"),
        f"Supplementary E drops the N of supplementary C (its loss differs from C's at w1 = w2 by {diff_loss}); "
        "under the paper's definitions (Sigma_xx an unnormalised sum, tau = N/alpha) the fixed point is "
        "1 - N gamma/lam, consistent with xi of eq. (7), and the equivalent penalty is N gamma = lam eps/(lam + eps).",
    )


@CE.exact("equivalent-penalty")
def _(ctx):
    """1 - (N gamma)/lam at N gamma = lam eps/(lam + eps) minus lam/(lam + eps), and its value at lam = 1,
    eps = 0.1 minus 1/11 (Fig. 4: 0.091): exactly 0."""
    g = PR["gamma_equiv"]
    r = sp.simplify((1 - g / lam) - S.W_STAR)  # with gamma read as N gamma
    v = sp.nsimplify(g.subs({lam: 1, eps: sp.Rational(1, 10)}))
    return Outcome.symbolic(r + (v - sp.Rational(1, 11)), f"1 - (N gamma)/lam = lam/(lam+eps) at N gamma = lam eps/(lam+eps); "
                            f"lam = 1, eps = 0.1: {v} = {float(v):.6f} (Fig. 4: 0.091)")


