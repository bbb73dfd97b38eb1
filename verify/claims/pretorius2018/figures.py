"""Figures of Pretorius, Kroon & Kamper 2018: Fig. 1 (§4, gradient descent vs eq. (5)) and Fig. 5 (§6, digits)."""
from __future__ import annotations

from theorycheck.verify.claims.pretorius2018._common import F1_SIZES, F5_SIZES, fig1_errors, fig5_run
from theorycheck.verify.context import Context
from theorycheck.verify.figures import canvas, figure


@figure("pretorius2018-fig1", "Pretorius et al. 2018 Fig. 1 top: GD trajectories vs eq. (5) for eps = 0, 1, 5")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed, sizes=F1_SIZES[scale])
    res = fig1_errors(ctx, ctx.sizes["lr"])
    with canvas(out_path, 1, 3, figsize=(12, 3.2), sharey=True) as (fig, axes):
        for ax, (e_, (err, sim, th, tt)) in zip(axes, res.items()):
            ax.plot(tt, th, color="tab:green", lw=1.5)
            ax.plot(tt, sim, "--", color="tab:orange", lw=1)
            ax.axhline(1 / (1 + e_), color="red", lw=1)
            ax.set_title(f"eps = {e_:g}, w* = {1 / (1 + e_):.3g}")
            ax.set_xlabel("t (epochs)")
        axes[0].set_ylabel("w = w2 w1")


@figure("pretorius2018-fig5", "Pretorius et al. 2018 Fig. 5 (digits): AE/DAE/WDAE mappings per eigenvalue, theory vs GD")
def _(out_path, scale, seed):
    ctx = Context(scale=scale, seed=seed, sizes=F5_SIZES[scale])
    r = fig5_run("digits", ctx)
    cols = {"ae": "tab:blue", "dae": "tab:green", "wdae": "tab:orange"}
    with canvas(out_path, 2, 1, figsize=(7, 6), sharex=True) as (fig, axes):
        for ax, kinds in zip(axes, (("ae", "dae"), ("ae", "wdae"))):
            for kind in kinds:
                d = r[kind]
                for j in range(d["M"].shape[1]):
                    ax.plot(d["epochs"], d["theory"][:, j], color=cols[kind], lw=1)
                    ax.plot(d["epochs"][::4], d["M"][::4, j], "x", color=cols[kind], ms=3)
            ax.set_ylabel("mapping w_j")
        axes[1].set_xlabel("epoch")
        axes[0].set_title("digits: AE (blue) vs DAE (green, top), WDAE (orange, bottom)")


# ----------------------------------------------------------------------------------------------
# Figures added with the loss-surface, Fig. 2-4 and Fig. 6-7 claims (their modules hold the computations)
def _gd_paths(lam_, eps_, gamma_, starts, steps=4000, lr=0.01):
    """Gradient-descent paths on the scalar loss (numeric.dae.scalar_gd: the harness's 1 x 1 network)."""
    import numpy as np

    from theorycheck.numeric.dae import scalar_gd

    a0 = np.array([s[0] for s in starts])
    b0 = np.array([s[1] for s in starts])
    _, A, B = scalar_gd(a0, b0, lam_, steps, lr, eps=eps_, wd=gamma_, record_every=10)
    return A, B


def _surface(ax, lam_, eps_, gamma_, lim=2.0):
    import numpy as np

    g = np.linspace(-lim, lim, 301)
    W1, W2 = np.meshgrid(g, g)
    L = lam_ / 2 * (1 - W2 * W1) ** 2 + eps_ / 2 * (W2 * W1) ** 2 + gamma_ / 2 * (W1**2 + W2**2)
    ax.contourf(W1, W2, np.log1p(L), levels=30, cmap="viridis")
    ax.plot([0], [0], "r*", ms=12)
    if gamma_ == 0:  # the minimum-loss manifold w2 w1 = w* (both branches)
        ws = lam_ / (lam_ + eps_)
        u = np.linspace(ws / lim, lim, 200)
        for s in (1, -1):
            ax.plot(s * u, s * ws / u, color="cyan", lw=2)
    else:  # isolated minima w1 = w2 = +-sqrt((lam - gamma)/(lam + eps))
        m = np.sqrt((lam_ - gamma_) / (lam_ + eps_))
        ax.plot([m, -m], [m, -m], "o", color="cyan", ms=8)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_xlabel("w1")
    ax.set_ylabel("w2")


_STARTS = [(1.8, 0.2), (-1.5, -0.4), (0.1, 1.9), (-0.3, -1.7), (1.2, -1.0), (0.05, 0.06)]


@figure("pretorius2018-fig1-bottom", "Pretorius et al. 2018 Fig. 1 bottom: loss surfaces for eps = 0, 1, 5 (lam = 1) "
                                     "with the saddle (red star), the minimum-loss manifold (cyan) and GD paths")
def _(out_path, scale, seed):
    with canvas(out_path, 1, 3, figsize=(13, 4.2)) as (fig, axes):
        for ax, e_ in zip(axes, (0.0, 1.0, 5.0)):
            _surface(ax, 1.0, e_, 0.0)
            A, B = _gd_paths(1.0, e_, 0.0, _STARTS)
            for j in range(A.shape[1]):
                ax.plot(A[:, j], B[:, j], "--", color="tab:orange", lw=1.2)
            ax.set_title(f"eps = {e_:g}: w2 w1 = {1 / (1 + e_):.3g} (distance sqrt(2w*) = {(2 / (1 + e_)) ** 0.5:.3g})",
                         fontsize=9)


@figure("pretorius2018-fig2", "Pretorius et al. 2018 Fig. 2: theory curves of the DAE (top, eq. (5)) and the WDAE "
                              "(bottom, eq. (7), equivalent gamma) for lam = 2.5, 1, 0.5 and the text's 0.1")
def _(out_path, scale, seed):
    import numpy as np

    from theorycheck.verify.claims.pretorius2018.sec5_noise_and_weight_decay_ratio_and_order import (
        FIG2_EPS, FIG2_LAMS, fig2_curves)

    ts, cur = fig2_curves(T=120.0, dt=0.01)
    with canvas(out_path, 2, len(FIG2_LAMS), figsize=(14, 6), sharex=True, sharey=True) as (fig, axes):
        for c, l_ in enumerate(FIG2_LAMS):
            for i, e_ in enumerate(FIG2_EPS):
                shade = 0.35 + 0.65 * i / (len(FIG2_EPS) - 1)
                wd, ww, _ = cur[(l_, e_)]
                axes[0, c].plot(ts, wd, color=(0.1, shade * 0.7, 0.1), label=f"eps = {e_:g}")
                axes[1, c].plot(ts, ww, color=(shade, shade * 0.5, 0.0), label=f"gamma = {l_ * e_ / (l_ + e_):.3g}")
            axes[0, c].set_title(f"lam = {l_:g}")
            axes[1, c].set_xlabel("t (epochs, tau = 1)")
            axes[1, c].legend(fontsize=6)
        axes[0, 0].set_ylabel("DAE w(t)")
        axes[1, 0].set_ylabel("WDAE w(t)")
        axes[0, 0].legend(fontsize=6)
        axes[0, 0].set_xscale("log")
        _ = np


@figure("pretorius2018-fig3", "Pretorius et al. 2018 Fig. 3: balanced GD at the optimal rates of supplementary D "
                              "(DAE alpha = tau/(2 lam + 3 eps), WDAE alpha = tau/(2 lam + gamma), equivalent gamma): "
                              "trajectories, rates vs eps, and their difference (identically 0)")
def _(out_path, scale, seed):
    import math

    import numpy as np

    from theorycheck.numeric.dae import scalar_gd

    l_, w0 = 1.0, 1e-6
    epss = (0.1, 0.5, 1.0, 2.0)
    with canvas(out_path, 1, 3, figsize=(14, 4)) as (fig, axes):
        for i, e_ in enumerate(epss):
            g_ = l_ * e_ / (l_ + e_)
            a_e, a_g = 1 / (2 * l_ + 3 * e_), 1 / (2 * l_ + g_)
            t1, A1, B1 = scalar_gd([math.sqrt(w0)], [math.sqrt(w0)], l_, 300, a_e, eps=e_)
            t2, A2, B2 = scalar_gd([math.sqrt(w0)], [math.sqrt(w0)], l_, 300, a_g, wd=g_)
            shade = 0.35 + 0.65 * i / (len(epss) - 1)
            axes[0].plot(t1, A1[:, 0] * B1[:, 0], color=(0.1, shade * 0.7, 0.1))
            axes[0].plot(t2, A2[:, 0] * B2[:, 0], "--", color=(shade, shade * 0.5, 0.0))
            axes[2].plot(t1, A1[:, 0] * B1[:, 0] - A2[:, 0] * B2[:, 0], color=(shade, 0.2, 0.6), label=f"eps = {e_:g}")
        es = np.linspace(0, 3, 200)
        axes[1].plot(es, 1 / (2 * l_ + 3 * es), color="tab:green", label="DAE tau/(2 lam + 3 eps)")
        axes[1].plot(es, 1 / (2 * l_ + l_ * es / (l_ + es)), color="tab:orange", label="WDAE tau/(2 lam + gamma)")
        axes[0].set_xlabel("GD step")
        axes[0].set_ylabel("w")
        axes[1].set_xlabel("eps")
        axes[1].set_ylabel("optimal rate (tau = 1)")
        axes[1].legend(fontsize=7)
        axes[2].set_xlabel("GD step")
        axes[2].set_ylabel("w_DAE - w_WDAE (identically 0: same map)")
        axes[2].legend(fontsize=7)


@figure("pretorius2018-fig4", "Pretorius et al. 2018 Fig. 4: loss surfaces with GD paths (noise lam = 1, eps = 0.1; "
                              "weight decay gamma = 0.091), the mapping and the weight norm over time")
def _(out_path, scale, seed):
    import math

    import numpy as np

    starts = [(0.3, 1.6), (math.sqrt(5e-4), math.sqrt(5e-4))]  # large imbalanced (orange), small (magenta)
    with canvas(out_path, 2, 3, figsize=(13, 8)) as (fig, axes):
        for row, (e_, g_, name) in enumerate(((0.1, 0.0, "noise"), (0.0, 0.1 / 1.1, "weight decay"))):
            _surface(axes[row, 0], 1.0, e_, g_)
            A, B = _gd_paths(1.0, e_, g_, starts, steps=20000, lr=0.01)
            tt = np.arange(A.shape[0]) * 10 * 0.01
            for j, col in enumerate(("tab:orange", "magenta")):
                axes[row, 0].plot(A[:, j], B[:, j], "--", color=col)
                axes[row, 1].plot(tt, A[:, j] * B[:, j], color=col)
                axes[row, 2].plot(tt, A[:, j] ** 2 + B[:, j] ** 2, color=col)
            axes[row, 0].set_title(f"{name}: eps = {e_:g}, gamma = {g_:.3g}")
            axes[row, 1].set_ylabel("w = w2 w1")
            axes[row, 2].set_ylabel("w1^2 + w2^2")
            axes[row, 1].set_xlabel("t")
            axes[row, 2].set_xlabel("t")


def _nonlinear_figure(out_path, scale, seed, act):
    from theorycheck.verify.claims.pretorius2018.supp_f_estimated_dynamics import F6_SIZES, PAPER_SETTINGS, paper_runs

    sz = F6_SIZES[scale]
    runs, lam, N = paper_runs(int(seed), int(sz["epochs"]), int(sz["record"]), act)
    s2, g = PAPER_SETTINGS[act]
    cols = {"ae": "tab:blue", "dae": "tab:green", "wdae": "tab:orange"}
    with canvas(out_path, 1, 1, figsize=(7, 4.5)) as (fig, ax):
        for kind, (ep, R) in runs.items():
            for j in range(4):
                ax.plot(ep, R[:, j], color=cols[kind], lw=1, label=kind.upper() if j == 0 else None)
        ax.set_xlabel("epoch")
        ax.set_ylabel("estimated mapping lam^_j / lam_j (supp. F), j = 1..4")
        ax.set_title(f"{act} autoencoders on digits: DAE sigma^2 = {s2:g}, WDAE gamma = {g:g}", fontsize=9)
        ax.legend(fontsize=8)


@figure("pretorius2018-fig6", "Pretorius et al. 2018 Fig. 6: ReLU AE / DAE (sigma^2 = 3) / WDAE (gamma = 0.0045) on "
                              "the digits, supplementary-F estimator of the first four eigen-directions")
def _(out_path, scale, seed):
    _nonlinear_figure(out_path, scale, seed, "relu")


@figure("pretorius2018-fig7", "Pretorius et al. 2018 Fig. 7 (supplementary G): tanh AE / DAE (sigma^2 = 2) / WDAE "
                              "(gamma = 0.0045) on the digits, supplementary-F estimator of the first four eigen-directions")
def _(out_path, scale, seed):
    _nonlinear_figure(out_path, scale, seed, "tanh")
