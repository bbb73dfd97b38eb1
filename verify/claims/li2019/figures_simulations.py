"""Figures of Li & Nguyen 2019 drawn from the simulation claims: Fig. 1 (gaps vs depth), Fig. 6 (App. B's
estimators vs Theorem 1's sequences), Fig. 7 (Q-Q plot of the variation component), Figs. 8 and 9 (the same
for Bernoulli, uniform and Laplace weights) -- each re-using the functions of its claim module."""
from __future__ import annotations

import numpy as np

from theorycheck.verify.claims.li2019 import _sim_common as C
from theorycheck.verify.claims.li2019 import sec3_1_infinite_depth_simplification_fig1 as F1
from theorycheck.verify.context import Context
from theorycheck.verify.figures import canvas, figure

# one network per width, as in the paper ("We take a single run"); widths per scale
FIG_WIDTHS = {"smoke": [100], "default": [500], "paper": [500, 2000]}
FIG8_WIDTH = {"smoke": 100, "default": 500, "paper": 2000}
LAWS = ("bernoulli", "uniform", "laplace")


def _fixed_point_appb():
    s = F1.series(1.0)
    return s["fixed"]


@figure("li2019-fig1", "Li & Nguyen 2019 Fig. 1: |gamma_2 - gamma| and |rho_2 - rho| vs depth L (tanh, tau^2 = 1.2, "
                       "alpha = 0.9, 1, 1.5), with the linearised rates")
def _(out_path, scale, seed):
    with canvas(out_path, 1, 3, figsize=(13, 3.6)) as (fig, axes):
        for ax, alpha in zip(axes, F1.ALPHAS):
            s = F1.series(alpha)
            it, fp = s["iterates"], s["fixed"]
            pg, pr = F1.predicted_rates(s)
            L = np.arange(1, 101)
            for j, (lab, rate, col) in enumerate((("|gamma_2 - gamma|", pg, "tab:blue"),
                                                  ("|rho_2 - rho|", pr, "tab:red"))):
                gap = np.abs(it[:100, j] - fp[j])
                ax.semilogy(L, gap, color=col, label=lab)
                ax.semilogy(L, gap[39] * rate ** (L - 40.0), ":", color=col, lw=1,
                            label=f"linearised rate {rate:.4f}")
            ax.set_title(f"alpha = {alpha}")
            ax.set_xlabel("L")
            ax.set_ylim(1e-14, 1)
            ax.legend(fontsize=7)


@figure("li2019-fig6", "Li & Nguyen 2019 Fig. 6: gamma_hat_l, gamma_l, gamma and rho_hat_l, rho_l, rho for l = 2..51 "
                       "(App. B setting, Gaussian weights, one network per width)")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed)
    widths = FIG_WIDTHS[scale]
    th = C.theory("appb")
    fp = _fixed_point_appb()
    L = C.SETTINGS["appb"][4]
    ell = np.arange(2, L + 2)
    with canvas(out_path, len(widths), 2, figsize=(11, 3.6 * len(widths)), squeeze=False) as (fig, axes):
        for row, n0 in enumerate(widths):
            r = C.runs(ctx, "appb", n0, 1, 900 + row)[0]
            for col, (name, hat, seq, lim) in enumerate((("gamma", r.gamma_hat[0], th["gamma"][2:], fp[0]),
                                                         ("rho", r.rho_hat[0], th["rho"][2:], fp[1]))):
                ax = axes[row][col]
                ax.plot(ell, hat, "o", ms=3, color="tab:orange", label=f"{name}_hat_l (simulation)")
                ax.plot(ell, seq, "-", color="tab:blue", label=f"{name}_l (Theorem 1)")
                ax.axhline(lim, color="k", ls="--", lw=1, label=f"{name} (fixed point)")
                ax.set_title(f"n_0 = {n0}")
                ax.set_xlabel("l")
                ax.legend(fontsize=7)


def _qq(ax, z, title):
    from scipy.stats import norm

    z = np.sort(z)
    p = (np.arange(1, len(z) + 1) - 0.5) / len(z)
    q = norm.ppf(p)
    ax.plot(q, z, ".", ms=2)
    ax.plot([-4, 4], [-4, 4], "k--", lw=1)
    ax.set_xlim(-4.5, 4.5)
    ax.set_ylim(-4.5, 4.5)
    ax.set_xlabel("standard Gaussian quantiles")
    ax.set_ylabel("quantiles of zhat")
    ax.set_title(title)


def _zhat(r):
    _, sw2, _, sv2, _ = C.SETTINGS["appb"]
    th = C.theory("appb")
    return (r.output[0] - sw2 * th["gamma"][2] * r.x[0]) / np.sqrt(sw2 * th["rho"][2] + sv2)


@figure("li2019-fig7", "Li & Nguyen 2019 Fig. 7: Q-Q plot of the variation component zhat vs N(0, 1) (App. B setting)")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed)
    widths = FIG_WIDTHS[scale]
    with canvas(out_path, 1, len(widths), figsize=(4.5 * len(widths), 4.2), squeeze=False) as (fig, axes):
        for i, n0 in enumerate(widths):
            r = C.runs(ctx, "appb", n0, 1, 900 + i)[0]
            _qq(axes[0][i], _zhat(r), f"n_0 = {n0}")


@figure("li2019-fig8", "Li & Nguyen 2019 Fig. 8: App. B estimators vs Theorem 1 for Bernoulli, uniform and Laplace "
                       "weights (one network)")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed)
    n0 = FIG8_WIDTH[scale]
    th = C.theory("appb")
    L = C.SETTINGS["appb"][4]
    ell = np.arange(2, L + 2)
    with canvas(out_path, 2, 3, figsize=(13, 6.5)) as (fig, axes):
        for j, law in enumerate(LAWS):
            r = C.runs(ctx, "appb", n0, 1, 950 + j, law=law)[0]
            for i, (name, hat, seq) in enumerate((("gamma", r.gamma_hat[0], th["gamma"][2:]),
                                                   ("rho", r.rho_hat[0], th["rho"][2:]))):
                ax = axes[i][j]
                ax.plot(ell, hat, "o", ms=3, color="tab:orange", label=f"{name}_hat_l")
                ax.plot(ell, seq, "-", color="tab:blue", label=f"{name}_l")
                ax.set_title(f"{law}, n_0 = {n0}")
                ax.legend(fontsize=7)


@figure("li2019-fig9", "Li & Nguyen 2019 Fig. 9: Q-Q plots of zhat for Bernoulli, uniform and Laplace weights, plus "
                       "Student t (nu = 2.5) weights beyond the paper")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed)
    n0 = FIG8_WIDTH[scale]
    laws = LAWS + ("student_t2.5",)
    with canvas(out_path, 1, len(laws), figsize=(4.2 * len(laws), 4.2)) as (fig, axes):
        for j, law in enumerate(laws):
            r = C.runs(ctx, "appb", n0, 1, 950 + j, law=law)[0]
            _qq(axes[j], _zhat(r), f"{law}, n_0 = {n0}")
