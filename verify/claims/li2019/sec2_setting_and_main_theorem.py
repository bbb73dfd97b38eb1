"""Li & Nguyen 2019, Section 2 "Setting and main theorem": Theorem 1 (a), (b), (c) and Lemma 9 by simulation
of random weight-tied autoencoders (App. B), and Remark 2 (non-Gaussian weights, Figs. 8-9) -- including where
the conjecture stops holding at the widths simulated.

Theorem 1's sequences are OCR-damaged in the source; the reading used (and why) is documented in
symbolic/wtae_thm1.py and numeric/wtae_sim.thm1_sequences_tanh.  The simulations (numeric/wtae_sim.py) draw each
W_l once and use it in the encoder and, transposed, in the decoder; App. B's estimators of the signal and
variation strengths are ``WTAEResult.gamma_hat``, ``rho_hat``.  Settings: :data:`_sim_common.SETTINGS`
(App. B's, L = 50; a 6-layer one with decoder biases whose signal coefficient gamma_2 = 0.10 is not ~0; and one
with width ratio alpha = 1.5).  Input: App. B's x (+1 on the first half of the entries, -1 on the rest), so
tau0sq = |x|^2 / n_0 = 1.

Observation (recorded, not an erratum): in App. B's setting (Table 1 scheme 9) the recursion gives gamma_l -> 0
towards the outer layers (gamma_2 = 4.9e-5 at L = 50) and the simulated gamma_hat_l agree (within their n^-1/2
noise), so App. B's xhat carries almost no signal.  This is what Section 3.2 predicts for tanh: beta = 2.312 lies
between 1 and the gamma transition beta_0(tau^2 = 1.2) = 3.391 (computed here: the root of
beta E[tanh'(sqrt(beta rho_0) z)] E[tanh'(tau z)] = 1, rho_0 the gamma = 0 fixed point of R), where gamma = 0 and
rho = 0.362.  Since beta_0 > sigma_W,max^2 = 2.806, at alpha = 1 every tanh scheme with tau^2 = 1.2 has gamma = 0.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify.claims.li2019 import _sim_common as C
from theorycheck.verify.registry import Outcome, claim

CITE = C.CITE
PROFILE_SIZES = {
    "smoke": {"n0": 100, "n_nets": 6},
    "default": {"n0": 500, "n_nets": 8},
    "paper": {"n0": 2000, "n_nets": 8},
}
ALPHA15_SIZES = {
    "smoke": {"n0": 64, "n_nets": 6},
    "default": {"n0": 256, "n_nets": 8},
    "paper": {"n0": 1024, "n_nets": 8},
}
WIDTH_SIZES = {
    "smoke": {"widths": [32, 64, 128], "n_nets": 16},
    "default": {"widths": [64, 128, 256], "n_nets": 16},
    "paper": {"widths": [250, 500, 1000, 2000], "n_nets": 8},
}


def _sizes(ctx):
    return int(ctx.sizes["n0"]), int(ctx.sizes["n_nets"])


# ------------------------------------------------------------------------------------------ Theorem 1(a)
CA = claim(
    "li2019/thm1a-encoder",
    "Theorem 1(a): the encoder outputs satisfy x_l = tau_l z, z ~ N(0, I_{n_l}), l = 1..L, with tau_l from the "
    "sequences of Section 2.2 (the same as for random feedforward networks).",
    f"{CITE}, Theorem 1(a)",
)


@CA.simulation("encoder-q-profile-appb", sizes=PROFILE_SIZES)
def _(ctx):
    """App. B setting (tanh, L = 50, sw2 = 2.312, sb2 = 0.211): for l = 1..L the mean over networks of
    |x_l|^2 / n_l vs tau_l^2.  Tolerance clt_t per layer (t quantile with n_nets - 1 dof on the network spread,
    Bonferroni over the L layers); no bias term (O(1/n), _sim_common docstring)."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "appb", n0, nn, 1)
    th = C.theory("appb")["tau2"][1:]
    return C.profile(C.stack(rs, "enc_q"), th, "|x_l|^2/n_l vs tau_l^2", ctx.sizes, tests=len(th))


@CA.simulation("encoder-q-profile-alpha1.5", sizes=ALPHA15_SIZES)
def _(ctx):
    """Width ratio alpha = 1.5 (n_l = 1.5^l n_0, L = 4, sw2 = 2, sb2 = 0.1): |x_l|^2 / n_l vs tau_l^2 per
    layer; tolerance clt_t as in encoder-q-profile-appb (Bonferroni over 4 layers)."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "alpha1.5", n0, nn, 2)
    th = C.theory("alpha1.5")["tau2"][1:]
    return C.profile(C.stack(rs, "enc_q"), th, "|x_l|^2/n_l vs tau_l^2 (alpha = 1.5)", ctx.sizes, tests=len(th))


@CA.simulation("encoder-last-layer-normality-appb", sizes=PROFILE_SIZES)
def _(ctx):
    """App. B setting: the entries of x_L / tau_L of each network against N(0, 1) (Kolmogorov-Smirnov, nothing
    fitted).  Tolerance ks: exact Kolmogorov quantile of D_{n_L} at 1 - ALPHA / n_nets (Bonferroni over
    networks)."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "appb", n0, nn, 1)
    tau_L = float(np.sqrt(C.theory("appb")["tau2"][-1]))
    return C.ks_outcome([r.enc_last[0] / tau_L for r in rs], "x_L / tau_L vs N(0,1)", ctx.sizes)


# ------------------------------------------------------------------------------------------ Lemma 9
C9 = claim(
    "li2019/lemma9-hidden-norms",
    "Lemma 9: tau_{l+1} and bar tau_{l+1} are finite and strictly positive, n_l^-1 |sigma_l(x_l)|^2 -> "
    "bar tau_{l+1}^2 / sigma_{W,l+1}^2 and x_{l+1} = tau_{l+1} z.",
    f"{CITE}, Lemma 9 (Appendix A.5)",
)


@C9.simulation("hidden-norm-profile-appb", sizes=PROFILE_SIZES)
def _(ctx):
    """App. B setting: for l = 1..L-1 the mean over networks of |tanh(x_l)|^2 / n_l vs
    bar tau_{l+1}^2 / sw2 = (tau_{l+1}^2 - sb2) / sw2 = E[tanh(tau_l z)^2] (all strictly positive and finite).
    Tolerance clt_t per layer, Bonferroni over the L - 1 layers (as in the Theorem 1(a) profile)."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "appb", n0, nn, 1)
    _, sw2, sb2, _, L = C.SETTINGS["appb"]
    tau2 = C.theory("appb")["tau2"]
    th = (tau2[2:] - sb2) / sw2  # l = 1..L-1
    meas = C.stack(rs, "h_sq")[:, 1:]  # h_sq[:, l] = |sigma_l(x_l)|^2 / n_l
    out = C.profile(meas, th, "|tanh(x_l)|^2/n_l vs bar tau_{l+1}^2/sw2", ctx.sizes, tests=len(th))
    pos = Outcome.criterion([("min_l tau_l^2", float(np.min(tau2[1:])), ">", 0.0),
                             ("max_l tau_l^2", float(np.max(tau2[1:])), "<", float("inf"))],
                            _positivity_tol())
    return Outcome.all_of([out, pos])


def _positivity_tol():
    from theorycheck.verify.tolerances import criterion

    return criterion(0.0, "Lemma 9's statement itself: tau_l^2 strictly positive and finite at every layer")


# ------------------------------------------------------------------------------------------ Theorem 1(b)
CB = claim(
    "li2019/thm1b-decoder",
    "Theorem 1(b): the decoder outputs are xhat_l = alpha sw2 gamma_{l+1} sigma_{l-1}(x_{l-1}) + "
    "sqrt(alpha sw2 rho_{l+1} + sv2) z, z independent of x_{l-1}; App. B's estimators gamma_hat_l, rho_hat_l "
    "converge to gamma_l, rho_l (Fig. 6), with errors shrinking like n^(-1/2).",
    f"{CITE}, Theorem 1(b), Appendix B and Fig. 6",
)


def _gr_profile(ctx, setting, offset, what):
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, setting, n0, nn, offset)
    th = C.theory(setting)
    L = C.SETTINGS[setting][4]
    meas = np.concatenate([C.stack(rs, "gamma_hat"), C.stack(rs, "rho_hat")], axis=1)
    theo = np.concatenate([th["gamma"][2:], th["rho"][2:]])
    out = C.profile(meas, theo, what, ctx.sizes, tests=2 * L, label="statistic")
    out.extra["layout"] = f"statistics 1..{L}: gamma_2..gamma_{L + 1}; {L + 1}..{2 * L}: rho_2..rho_{L + 1}"
    return out


@CB.simulation("gamma-rho-profile-appb", sizes=PROFILE_SIZES)
def _(ctx):
    """App. B setting (Fig. 6): for l = 2..L+1 the mean over networks of gamma_hat_l and of rho_hat_l vs
    gamma_l, rho_l of the recursion.  Tolerance clt_t per statistic (network spread, Bonferroni over the 2L
    statistics); no bias term (O(1/n))."""
    return _gr_profile(ctx, "appb", 1, "App. B estimators vs gamma_l, rho_l")


@CB.simulation("gamma-rho-profile-signal", sizes=PROFILE_SIZES)
def _(ctx):
    """6-layer setting with decoder biases (sw2 = 3, sb2 = 0.1, sv2 = 0.05; gamma_2 = 0.10): gamma_hat_l,
    rho_hat_l vs gamma_l, rho_l, l = 2..7.  Tolerance clt_t, Bonferroni over the 12 statistics."""
    return _gr_profile(ctx, "signal", 3, "App. B estimators vs gamma_l, rho_l (sv2 = 0.05)")


@CB.simulation("gamma-rho-profile-alpha1.5", sizes=ALPHA15_SIZES)
def _(ctx):
    """alpha = 1.5 (n_l = 1.5^l n_0, L = 4): gamma_hat_l, rho_hat_l vs gamma_l, rho_l, l = 2..5 (the estimators
    divide by alpha_l sw2).  Tolerance clt_t, Bonferroni over the 8 statistics."""
    return _gr_profile(ctx, "alpha1.5", 2, "App. B estimators vs gamma_l, rho_l (alpha = 1.5)")


@CB.simulation("width-exponent-appb", sizes=WIDTH_SIZES)
def _(ctx):
    """App. B setting at several widths n_0: the RMS over layers l = 2..L+1 and over (gamma, rho) of the
    deviation of gamma_hat_l, rho_hat_l from gamma_l, rho_l; its fitted exponent in n must be -1/2.
    Tolerance: t quantile times the standard error of the weighted least-squares exponent plus the O(1/n) bias
    shift (_sim_common.width_exponent)."""
    nn = int(ctx.sizes["n_nets"])
    th = C.theory("appb")
    theo = np.concatenate([th["gamma"][2:], th["rho"][2:]])
    devs = {}
    for i, n in enumerate(ctx.sizes["widths"]):
        rs = C.runs(ctx, "appb", int(n), nn, 10 + i)
        devs[int(n)] = np.concatenate([C.stack(rs, "gamma_hat"), C.stack(rs, "rho_hat")], axis=1) - theo
    return C.width_exponent(devs, "gamma_hat, rho_hat deviation", ctx.sizes)


# ------------------------------------------------------------------------------------------ Theorem 1(c)
CC = claim(
    "li2019/thm1c-output",
    "Theorem 1(c): the autoencoder's output is xhat = phi_0(alpha_1 sw2 gamma_2 sigma_0(x) + "
    "sqrt(alpha_1 sw2 rho_2 + sv2) z), z ~ N(0, I_{n_0}) independent of x: the variation component "
    "zhat = (xhat - alpha_1 sw2 gamma_2 x) / sqrt(alpha_1 sw2 rho_2 + sv2) is standard Gaussian (Fig. 7).",
    f"{CITE}, Theorem 1(c), Appendix B and Fig. 7",
)


def _zhat(r, setting):
    alpha, sw2, _, sv2, _ = C.SETTINGS[setting]
    th = C.theory(setting)
    a1 = r.widths[1] / r.widths[0]
    return (r.output[0] - a1 * sw2 * th["gamma"][2] * r.x[0]) / np.sqrt(a1 * sw2 * th["rho"][2] + sv2)


@CC.simulation("variation-normality-appb", sizes=PROFILE_SIZES)
def _(ctx):
    """App. B setting (Fig. 7): each network's n_0 entries of zhat (theory constants gamma_2, rho_2, nothing
    fitted) against N(0, 1) by the Kolmogorov-Smirnov statistic.  Tolerance ks (exact Kolmogorov quantile at
    1 - ALPHA / n_nets).  The O(n^-1/2) per-network error of the signal coefficient shifts the +1 and -1 halves
    of x in opposite directions, which moves the CDF only at second order."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "appb", n0, nn, 1)
    return C.ks_outcome([_zhat(r, "appb") for r in rs], "zhat vs N(0,1)", ctx.sizes)


@CC.simulation("variation-normality-signal", sizes=PROFILE_SIZES)
def _(ctx):
    """6-layer setting with decoder biases (gamma_2 = 0.10, so the subtracted signal term matters): zhat of each
    network against N(0, 1), KS with the exact Kolmogorov quantile at 1 - ALPHA / n_nets."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "signal", n0, nn, 3)
    return C.ks_outcome([_zhat(r, "signal") for r in rs], "zhat vs N(0,1) (sv2 = 0.05)", ctx.sizes)


@CC.simulation("output-moments-signal", sizes=PROFILE_SIZES)
def _(ctx):
    """6-layer setting with decoder biases: the mean over networks of <xhat, x>/n_0 vs alpha_1 sw2 gamma_2 tau0sq
    and of |xhat|^2/n_0 vs (alpha_1 sw2 gamma_2)^2 tau0sq + alpha_1 sw2 rho_2 + sv2 (Theorem 1(c) with x = +-1,
    tau0sq = 1).  Tolerance clt_t on the network spread, Bonferroni over the 2 statistics."""
    n0, nn = _sizes(ctx)
    rs = C.runs(ctx, "signal", n0, nn, 3)
    _, sw2, _, sv2, _ = C.SETTINGS["signal"]
    th = C.theory("signal")
    s = sw2 * th["gamma"][2]
    meas = np.array([[float(r.output[0] @ r.x[0]) / n0, float(r.output[0] @ r.output[0]) / n0] for r in rs])
    theo = np.array([s, s * s + sw2 * th["rho"][2] + sv2])
    return C.profile(meas, theo, "<xhat,x>/n_0 and |xhat|^2/n_0", ctx.sizes, tests=2, label="statistic")
