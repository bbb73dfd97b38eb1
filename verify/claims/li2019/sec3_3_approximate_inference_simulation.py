"""Li & Nguyen 2019, Section 3.3 "Approximate inference at infinite depth", by simulation: the reconstruction
error E = |x - xhat|^2 / n_0 of random weight-tied autoencoders.

Theorem 1(c) with sigma_0 = phi_0 = identity gives, at any depth, E = (S_sig - 1)^2 tau0sq + S_var^2 with
S_sig = alpha_1 sw2 gamma_2 and S_var^2 = alpha_1 sw2 rho_2 + sv2 (Section 3.3 states it for the infinite-depth
limit, Interpretation 2: S_sig = beta gamma, S_var = sqrt(beta rho)).  For ReLU phi and sigma the section
states that S_sig, S_var are either 0 or +infinity, so E >= tau^2 (here: >= tau0sq = |x|^2/n_0, the error
of the zero output) and can become unbounded: random weight-tied ReLU models do not explain reversibility.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify.claims.li2019 import _sim_common as C
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, Tolerance, clt_t, t_quantile

CITE = C.CITE
SIZES = {
    "smoke": {"n0": 100, "n_nets": 6},
    "default": {"n0": 500, "n_nets": 8},
    "paper": {"n0": 2000, "n_nets": 8},
}
RELU_SIZES = {
    "smoke": {"n0": 100, "n_nets": 6, "L": 20},
    "default": {"n0": 400, "n_nets": 8, "L": 30},
    "paper": {"n0": 1000, "n_nets": 8, "L": 50},
}
RELU_BETAS = (1.0, 3.0)  # below and above the transition beta = 2 of Section 3.2

CR = claim(
    "li2019/sec3.3-reversibility-simulation",
    "Section 3.3: the reconstruction error E = |x - xhat|^2/n_0 equals (S_sig - 1)^2 tau_0^2 + S_var^2 (Theorem "
    "1(c)); for ReLU phi and sigma, E >= tau^2 (S_sig, S_var are 0 or infinite) and can become unbounded, so "
    "random weight-tied models do not explain reversibility.",
    f"{CITE}, Section 3.3",
)


def _errors(rs):
    return np.array([float(np.sum((r.output[0] - r.x[0]) ** 2)) / r.x.shape[1] for r in rs])


@CR.simulation("error-formula-appb", sizes=SIZES)
def _(ctx):
    """App. B setting (tanh, L = 50) and the 6-layer setting with decoder biases: the mean over networks of E vs
    (alpha sw2 gamma_2 - 1)^2 tau0sq + alpha sw2 rho_2 + sv2 (tau0sq = 1).  Tolerance clt_t on the network
    spread, Bonferroni over the 2 settings."""
    outs = []
    for setting, off in (("appb", 1), ("signal", 3)):
        rs = C.runs(ctx, setting, int(ctx.sizes["n0"]), int(ctx.sizes["n_nets"]), off)
        _, sw2, _, sv2, _ = C.SETTINGS[setting]
        th = C.theory(setting)
        pred = (sw2 * th["gamma"][2] - 1) ** 2 + sw2 * th["rho"][2] + sv2
        e = _errors(rs)
        tol = clt_t(float(e.std(ddof=1)), len(e), ALPHA, tests=2, why=f"{setting}: E over {len(e)} networks")
        outs.append(Outcome.compare(pred, float(e.mean()), tol, detail=f"{setting}: E = {e.mean():.4f} vs {pred:.4f}"))
    out = Outcome.all_of(outs)
    out.sizes = dict(ctx.sizes)
    return out


def _relu_runs(ctx, beta, offset):
    from theorycheck.numeric.backend import generator
    from theorycheck.numeric.wtae_sim import app_b_input, wtae_forward

    n0, nn, L = int(ctx.sizes["n0"]), int(ctx.sizes["n_nets"]), int(ctx.sizes["L"])
    x = app_b_input(n0)[None, :]
    return [wtae_forward(x, (n0,) * (L + 1), beta, 0.0, 0.0, generator([C.MF.seed_for(ctx, offset), k]),
                         enc_act="relu", dec_act="relu") for k in range(nn)]


@CR.simulation("relu-error-at-least-tau0sq", sizes=RELU_SIZES)
def _(ctx):
    """ReLU phi and sigma, alpha = 1, sb2 = sv2 = 0, beta = sw2 = 1 (< 2: S_sig, S_var -> 0) and 3 (> 2: they
    diverge), x = +-1 (tau0sq = 1): E >= tau0sq is not rejected -- the mean of ln(E / tau0sq) over networks plus
    its one-sided t limit (n_nets - 1 dof, Bonferroni over the 2 betas) is >= 0 (ln E: the beta = 3 errors span
    decades) -- and at beta = 3 E is far above tau0sq (mean ln E >= ln 10 + its one-sided t limit below).
    At finite L the beta = 1 error sits below tau0sq by an exponentially small amount: by Theorem 1(c)
    E = (1 - S_sig)^2 tau0sq + S_var^2 >= (1 - 2 S_sig) tau0sq, and for ReLU G(gamma, rho) <= beta gamma E[sigma'] =
    beta gamma / 2 with gamma_{L+1} = 1/2, so S_sig = beta gamma_2 <= (beta/2)^L: the limit for beta < 2 is
    ln(1 - 2 (beta/2)^L) (the paper's E >= tau^2 is the L -> infinity statement)."""
    terms = []
    for i, beta in enumerate(RELU_BETAS):
        le = np.log(_errors(_relu_runs(ctx, beta, 70 + i)))
        n = len(le)
        q = t_quantile(1 - ALPHA / 2, n - 1)
        half = q * float(le.std(ddof=1)) / np.sqrt(n)
        L = int(ctx.sizes["L"])
        floor = float(np.log1p(-2 * (beta / 2) ** L)) if beta < 2 else 0.0
        terms.append((f"beta {beta:g}: mean ln(E/tau0sq) + t se", float(le.mean()) + half, ">=", floor))
        if beta > 2:
            terms.append((f"beta {beta:g}: mean ln(E/tau0sq) - t se", float(le.mean()) - half, ">=", float(np.log(10))))
    tol = Tolerance(0.0, f"clt_t(alpha={ALPHA:g}, one-sided, Bonferroni over 2 betas)",
                    "t quantile (n_nets - 1 dof) times the network spread of ln E / sqrt(n_nets), added (not "
                    "rejected: E >= tau0sq) or subtracted (shown: E >= 10 tau0sq at beta = 3)", relative=False)
    return Outcome.criterion(terms, tol, sizes=dict(ctx.sizes))
