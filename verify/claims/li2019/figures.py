"""Figures of Li & Nguyen 2019 that are pure theory (the simulation figures are in figures_simulations.py):
Fig. 2 (gamma -> G(gamma, rho)), Fig. 3 (gamma and rho versus beta) and Table 1 (rendered with the computed
values next to the printed ones)."""
from __future__ import annotations

import numpy as np

from theorycheck.verify.figures import canvas, figure

TITLES = {"relu_relu": "phi, sigma = ReLU", "relu_tanh": "phi = ReLU, sigma = tanh",
          "tanh_tanh": "phi, sigma = tanh", "tanh_relu": "phi = tanh, sigma = ReLU"}


@figure("li2019-fig2", "Li & Nguyen 2019 Fig. 2: gamma -> G(gamma, rho) at tau^2 = 1, beta = 5, 2.7, 0.8, rho in [0.1, 1]")
def _fig2(out, scale, seed):
    from theorycheck.numeric import wtae as W

    g = np.linspace(0, 1, 121)
    with canvas(out, 1, 4, figsize=(16, 4)) as (fig, axes):
        for ax, pair in zip(axes, ("relu_relu", "relu_tanh", "tanh_tanh", "tanh_relu")):
            for beta, col in ((5.0, "Blues"), (2.7, "Reds"), (0.8, "Greens")):
                import matplotlib

                cmap = matplotlib.colormaps[col]
                for k, rho in enumerate(np.linspace(0.1, 1, 10)):
                    G = W.G(pair, g, np.full(g.size, rho), np.full(g.size, beta), np.ones(g.size))
                    ax.plot(g, G, color=cmap(0.95 - 0.6 * k / 9), lw=1,
                            label=f"beta = {beta}" if k == 0 else None)
            ax.plot(g, g, "k--", lw=1)
            ax.set_title(TITLES[pair])
            ax.set_xlabel("gamma")
            ax.set_ylim(0, 1.2)
        axes[0].set_ylabel("G(gamma, rho)")
        axes[0].legend()


@figure("li2019-fig3", "Li & Nguyen 2019 Fig. 3: gamma and rho versus beta (eqs. (2)-(3)); dotted: beta = sigma_W,max^2")
def _fig3(out, scale, seed):
    from theorycheck.numeric import wtae as W

    cases = (("tanh_tanh", 0.0259), ("tanh_tanh", 1.2), ("tanh_relu", 0.2))
    beta = np.linspace(0.2, 10, 200 if scale != "smoke" else 80)
    with canvas(out, 1, 3, figsize=(15, 4)) as (fig, axes):
        for ax, (pair, t2) in zip(axes, cases):
            fp = W.solve(pair, beta, np.full(beta.size, t2))
            ax.plot(beta, fp.gamma, "b", label="gamma")
            ax.plot(beta, fp.rho, "r", label="rho")
            swmax = float(W.sw2_max_tanh(t2)) if pair.endswith("tanh") else 2.0
            ax.axvline(swmax, color="k", ls=":", label="sigma_W,max^2")
            ax.set_title(f"{TITLES[pair]}, tau^2 = {t2}")
            ax.set_xlabel("beta")
            ax.legend()


@figure("li2019-table1", "Li & Nguyen 2019 Table 1 with the computed tau^2, chi_1, (gamma, rho) and predicted column")
def _table1(out, scale, seed):
    from theorycheck.verify.claims.li2019._common import chi1, fixed_point, tau2_eq1
    from theorycheck.verify.claims.li2019.sec3_5_implications_to_training_initialization import TABLE1, predicted_column

    rows = []
    for no, phi, sig, sw, sb, t2p, eoc, col in TABLE1:
        t2 = tau2_eq1(sig, float(sw), float(sb))
        c = float(sw) / 2 if sig == "relu" else chi1(sig, float(sw), float(sb))
        g, r, _ = fixed_point(f"{phi}_{sig}", float(sw), t2 if np.isfinite(t2) and t2 > 0 else 1.0)
        pred, _ = predicted_column(phi, sig, float(sw), float(sb))
        rows.append([str(no), phi, sig, sw, sb, t2p, f"{t2:.4g}", "x" if eoc else "", f"{c:.5f}", col, pred,
                     f"{g:.3g}", f"{r:.3g}"])
    head = ["No.", "phi", "sigma", "sw2", "sb2", "tau2 (printed)", "tau2 (eq. 1)", "EOC", "chi1", "printed", "predicted",
            "gamma", "rho"]
    with canvas(out, figsize=(15, 5)) as (fig, ax):
        ax.axis("off")
        tb = ax.table(cellText=rows, colLabels=head, loc="center")
        tb.auto_set_font_size(False)
        tb.set_fontsize(8)
        tb.scale(1, 1.3)
        ax.set_title("Li & Nguyen 2019, Table 1 (alpha = 1): printed vs computed")
