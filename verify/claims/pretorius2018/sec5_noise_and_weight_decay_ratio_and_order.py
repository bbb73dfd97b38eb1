"""§5 The Relationship Between Noise and Weight Decay, the parts not covered by ``sec5_noise_and_weight_decay.py``:
the remark after eq. (8) that R is essentially 1 for eigenvalues much larger than eps and gamma, and Fig. 2's
ordering in lam ("the learning time associated with an eigenvalue is negatively correlated with its magnitude"),
including the text's lam = 0.1.  The figure is ``pretorius2018-fig2``.

Observation (not an erratum: the figure itself is not available): the text lists lam = 2.5, 1, 0.5 and 0.1 for
Fig. 2, its caption only three panels lam = 2.5, 1 and 0.5; the ordering is checked for all four.  Fig. 2's noise
levels are not printed; the check uses eps = 0, 0.5, 1, 2 (tau = 1, N = 1) with the equivalent penalty
gamma = lam eps/(lam + eps) of supplementary E, which gives the WDAE the DAE's fixed point.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE, eps, gamma, lam, n
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion

CR = claim(
    "pretorius2018/eq8-ratio-near-one",
    "The ratio R = (2 lam + gamma)/(2 lam + 3 eps) of eq. (8) is essentially 1 for eigenvalues much larger than eps and "
    "gamma, deviating from unity only for smaller lam.",
    f"{CITE}, §5 (after eq. (8))",
)


@CR.exact("deviation-bound-and-monotone")
def _(ctx):
    """R - 1 = (gamma - 3 eps)/(2 lam + 3 eps) exactly, so |R - 1| <= (gamma + 3 eps)/(2 lam) -> 0 as lam/max(eps,
    gamma) -> oo (limit computed by SymPy), and |R - 1| decreases in lam (d/dlam (R - 1) = -2(gamma - 3 eps)/(2 lam +
    3 eps)^2 has the sign opposite to R - 1).  The same with the corrected N gamma (supplementary D erratum).
    Residuals exactly 0."""
    res = 0
    for g in (gamma, n * gamma):
        R = (2 * lam + g) / (2 * lam + 3 * eps)
        res += sp.simplify(R - 1 - (g - 3 * eps) / (2 * lam + 3 * eps)) ** 2
        res += sp.limit(R, lam, sp.oo) - 1
        d = sp.simplify(sp.diff(R - 1, lam))
        res += sp.simplify(d + 2 * (g - 3 * eps) / (2 * lam + 3 * eps) ** 2) ** 2
        # |R - 1| <= (g + 3 eps)/(2 lam): (g + 3 eps)/(2 lam) - |g - 3 eps|/(2 lam + 3 eps) >= 0 since
        # 2 lam + 3 eps >= 2 lam and g + 3 eps >= |g - 3 eps| (both terms non-negative)
    return Outcome.symbolic(sp.simplify(res), "R - 1 = (gamma - 3 eps)/(2 lam + 3 eps); lim_{lam -> oo} R = 1; derivative")


CO = claim(
    "pretorius2018/fig2-eigenvalue-order",
    "The learning time associated with an eigenvalue is negatively correlated with its magnitude, for noise and for "
    "weight decay (Fig. 2, lam = 2.5, 1, 0.5 and 0.1 in the text).",
    f"{CITE}, §5 and Fig. 2",
)

FIG2_LAMS = (2.5, 1.0, 0.5, 0.1)
FIG2_EPS = (0.0, 0.5, 1.0, 2.0)


def fig2_curves(lams=FIG2_LAMS, epss=FIG2_EPS, T=600.0, dt=1e-3, w0=1e-3):
    """Theory curves of Fig. 2 (tau = 1, N = 1): the DAE from eq. (5) with a balanced small start (c0 = 1e-12, the
    c0 -> 0 limit), the WDAE from eq. (7) (corrected E) with the equivalent gamma.  Returns (t, {(lam, eps): (w_dae,
    w_wdae, w*)})."""
    from theorycheck.numeric.dae import w_t
    from theorycheck.numeric.generated.wdae import w_t as wdae_w_t

    ts = np.arange(0.0, T + dt / 2, dt)
    out = {}
    for l_ in lams:
        for e_ in epss:
            g_ = l_ * e_ / (l_ + e_)
            out[(l_, e_)] = (w_t(l_, e_, 1.0, 1e-12, w0, ts), wdae_w_t(l_, g_, 1, 1.0, w0, ts), l_ / (l_ + e_))
    return ts, out


@CO.precise("half-times-ordered-in-lambda")
def _(ctx):
    """Half-times (first grid time with w >= w*/2, grid 1e-3 up to t = 600, tau = 1, w0 = 1e-3) of the DAE (eq. (5)) and the WDAE
    (eq. (7), equivalent gamma) for lam = 2.5, 1, 0.5, 0.1 at each eps = 0, 0.5, 1, 2: strictly increasing as lam
    decreases, each step by more than the grid resolution (deterministic; the kernels are accurate to a few ulps, far
    below the 1e-3 grid)."""
    ts, cur = fig2_curves()
    terms, rows = [], []
    for e_ in FIG2_EPS:
        for kind, idx in (("DAE", 0), ("WDAE", 1)):
            half = []
            for l_ in FIG2_LAMS:
                w, ws = cur[(l_, e_)][idx], cur[(l_, e_)][2]
                i = int(np.argmax(w >= ws / 2))
                half.append(float(ts[i]) if w[i] >= ws / 2 else float("inf"))
            rows.append(f"{kind} eps={e_:g}: " + ", ".join(f"lam={l_:g}: {h:.3f}" for l_, h in zip(FIG2_LAMS, half)))
            for (l0, h0), (l1, h1) in zip(zip(FIG2_LAMS, half), zip(FIG2_LAMS[1:], half[1:])):
                terms.append((f"{kind} eps = {e_:g}: half-time at lam = {l1:g} (> lam = {l0:g} plus grid)", h1, ">", h0 + 1e-3))
    return Outcome.criterion(terms, criterion(1e-3, "strictly later for smaller lam by more than the 1e-3 time grid"),
                             "; ".join(rows))
