"""Remark 3 (Section 2.2): the range of rho_l and gamma_l -- rho >= 0, rho <= C^2 for |phi| <= C, the Stein form of
gamma, gamma >= 0 for non-decreasing activations.  Checked at the level of one step of the recursion, i.e. the maps
G and R of eqs. (2)-(3) (Theorem 1's recursion at constant layers is the iteration of (G, R))."""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify.claims.li2019._common import CITE, PAIRS
from theorycheck.verify.outcomes import Outcome
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import conditioned, criterion

C_R3 = claim(
    "li2019/remark3",
    "rho_l >= 0; rho_l <= C^2 if |phi_{l-1}| <= C; by Stein's lemma gamma_l = alpha sigma_W^2 gamma_{l+1} "
    "E[phi'(theta) sigma'(tau z1)]; gamma_l >= 0 for non-decreasing activations.",
    f"{CITE}, Remark 3",
)


def _direct_G_tanh_tanh(g, r, b, t2, h=0.02, m=480):
    """(1/tau) E[z1 tanh(beta gamma tanh(tau z1) + sqrt(beta rho) z2)] on the uniform grid z = h j, |j| <= m (exactly
    symmetric: a linspace grid's rounding asymmetry leaks the z1-even part at 2e-14), i.e. the printed form of eq.
    (2), not the Stein form the kernels use."""
    z = h * np.arange(-m, m + 1)
    w = np.exp(-z * z / 2) * h / math.sqrt(2 * math.pi)
    th = np.tanh(b * g * np.tanh(math.sqrt(t2) * z)[:, None] + math.sqrt(b * r) * z[None, :])
    terms = ((w * z)[:, None] * w[None, :] * th).ravel()
    total = math.fsum(terms)  # correctly rounded sum: only the terms' own roundings remain
    return total / math.sqrt(t2), float(np.abs(terms).sum()) / abs(total)


@C_R3.precise("stein-form-of-gamma")
def _(ctx):
    """The printed form (1/tau^2) E[tau z1 phi(theta)] on a 961 x 961 uniform grid (h = 0.02, |z| <= 9.6: the trapezoid
    rule converges geometrically for these analytic integrands, error ~ exp(-2 pi d/h) with pole distance d >= 0.3) against wtae.G.tanh_tanh (the Stein form beta gamma E[phi' sigma']) at 4 points; tolerance
    conditioned(cond = 4 sum|t|/|sum t|, k=64) relative: the direct sum is accumulated exactly (math.fsum), so its
    error is the terms' own roundings (<= 4 eps each: exp, tanh, two products) times the cancellation factor
    sum|t|/|sum t| of the z1-odd integrand; the kernel is within 64 eps (its registry bound)."""
    from theorycheck.numeric import wtae as W

    outs = []
    for g, r, b, t2 in ((0.4, 0.6, 3.0, 1.2), (0.1, 0.2, 5.0, 0.3), (1.0, 0.9, 1.5, 2.0), (0.05, 0.5, 2.0, 0.0259)):
        direct, canc = _direct_G_tanh_tanh(g, r, b, t2)
        outs.append(Outcome.compare(direct, float(W.G_tanh_tanh(g, r, b, t2)),
                                    conditioned(4 * canc, 64, "exact sum of rounded terms x cancellation"),
                                    detail=f"{(g, r, b, t2)}: cancellation factor {canc:.3g}"))
    return Outcome.all_of(outs)


@C_R3.precise("ranges-of-g-and-r")
def _(ctx):
    """On a grid gamma in {0, 0.1, 1, 5}, rho in {0, 0.5, 3}, beta in {0.5, 3}, tau^2 = 0.7 for all four pairs: G >= 0
    (non-decreasing activations), R >= 0, and R <= 1 = C^2 for tanh phi.  Signs and bounds, no tolerance."""
    from theorycheck.numeric import wtae as W

    gg, rr, bb = np.meshgrid([0.0, 0.1, 1.0, 5.0], [0.0, 0.5, 3.0], [0.5, 3.0], indexing="ij")
    gg, rr, bb = gg.ravel(), rr.ravel(), bb.ravel()
    terms = []
    for pair in PAIRS:
        G = W.G(pair, gg, rr, bb, np.full(gg.size, 0.7))
        R = W.R(pair, gg, rr, bb, np.full(gg.size, 0.7))
        terms += [(f"{pair}: min G", float(G.min()), ">=", 0.0), (f"{pair}: min R", float(R.min()), ">=", 0.0)]
        if pair.startswith("tanh"):
            terms.append((f"{pair}: max R", float(R.max()), "<=", 1.0))
    return Outcome.criterion(terms, criterion(0, "ranges"))
