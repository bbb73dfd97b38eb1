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
