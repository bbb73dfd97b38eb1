"""Figures of Yarotsky's lecture ("Fixed points": the tanh q-map with its fixed points)."""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.yarotsky._common import ACT, SB2, SIZES, phase_sw2
from theorycheck.verify.figures import canvas, figure


@figure("yarotsky-qmap", "Yarotsky's lecture, 'Fixed points': the tanh q-map nu(q) at sigma_b^2 = 0.05 for three "
                         "sigma_w^2 (ordered, critical, chaotic) with the identity and the stable fixed points q*; "
                         "dots: one step of finite-width networks (N = 1000) from each q")
def _fig_qmap(out_path, scale, seed):
    from theorycheck.verify.context import Context

    ctx = Context(scale=scale, seed=seed, sizes=SIZES[scale])
    width = int(SIZES[scale]["widths"][-1])
    qs = np.linspace(0.0, 4.0, 200)
    with canvas(out_path) as (fig, ax):
        ax.plot(qs, qs, "k:", label="q_k = q_(k-1)")
        for i, (phase, col) in enumerate((("ordered", "b"), ("critical", "g"), ("chaotic", "r"))):
            sw2 = phase_sw2(phase)
            ax.plot(qs, MF.qmap(ACT, qs, sw2, SB2), col, label=f"{phase}: sigma_w^2 = {sw2:.3g}")
            qst = MF.qstar(ACT, sw2, SB2)
            ax.plot([qst], [qst], col + "o", ms=7)
            pts = np.array([0.25, 1.0, 2.0, 3.5])
            meas = [MF.simulate(ACT, width, 1, sw2, SB2, float(q0), (0.0,), 1, MF.seed_for(ctx, 500 + 10 * i + j)).q[0, 0, 1]
                    for j, q0 in enumerate(pts)]
            ax.plot(pts, meas, col + "x", ms=6)
        ax.set_xlabel("q_(k-1)")
        ax.set_ylabel("q_k = nu(q_(k-1))")
        ax.set_title(f"tanh q-map, sigma_b^2 = {SB2}; o: stable q*, x: one layer, N = {width}", fontsize=9)
        ax.legend(fontsize=8)


@figure("yarotsky-safran-shamir", "Yarotsky's lecture, 'Dependence on n, k': fraction of gradient-descent runs ending "
                                  "at certified spurious minima of the Safran-Shamir population objective vs k (n = k "
                                  "and n = k + 1), with Clopper-Pearson intervals, against the printed tables")
def _fig_safran_shamir(out_path, scale, seed):
    from theorycheck.verify.claims.yarotsky import many_spurious_minima_in_underparameterized_networks as SS
    from theorycheck.verify.context import Context
    from theorycheck.verify.tolerances import ALPHA, binomial_interval

    ctx = Context(scale=scale, seed=seed, sizes=SS.SIZES[scale])
    res = SS.simulate(ctx)
    with canvas(out_path, figsize=(7, 4.5)) as (fig, ax):
        ks = sorted(SS.TABLE_EQ)
        ax.plot(ks, [SS.TABLE_EQ[k][0][0] for k in ks], "k--", label="printed, n = k")
        kn = sorted(SS.TABLE_NEQ)
        ax.plot([k for k, _ in kn], [SS.TABLE_NEQ[x][0][0] for x in kn], "k:", label="printed, n = k + 1")
        for over, col in ((0, "tab:red"), (1, "tab:blue")):
            pts = sorted((k, d) for (k, n), d in res.items() if n == k + over)
            if not pts:
                continue
            fr = np.array([d["spur"] / d["runs"] for _, d in pts])
            lo = np.array([binomial_interval(d["spur"], d["runs"], ALPHA)[0] for _, d in pts])
            hi = np.array([binomial_interval(d["spur"] + d["unresolved"], d["runs"], ALPHA)[1] for _, d in pts])
            ax.errorbar([k for k, _ in pts], fr, yerr=[fr - lo, hi - fr], fmt="o", color=col, capsize=3,
                        label=f"measured, n = k{' + 1' if over else ''} ({pts[0][1]['runs']} runs each)")
        ax.set_xlabel("k (teacher neurons)")
        ax.set_ylabel("fraction of runs at spurious minima")
        ax.set_title(f"Safran-Shamir objective, closed form; intervals at level {ALPHA:g}", fontsize=9)
        ax.legend(fontsize=8)


@figure("yarotsky-connections", "Yarotsky's lecture, 'Main example: connecting normal distributions': samples X, Y ~ "
                                "N(0, 1_2x2), the linear midpoint 0.5 X + 0.5 Y (squeezed) and the arc midpoint "
                                "cos(pi/4) X + sin(pi/4) Y (preserved), with the 2-sigma circles")
def _fig_connections(out_path, scale, seed):
    rng = np.random.default_rng([seed, 77])
    n = {"smoke": 500, "default": 2000, "paper": 5000}[scale]
    X, Y = rng.standard_normal((n, 2)), rng.standard_normal((n, 2))
    th = np.linspace(0, 2 * np.pi, 200)
    with canvas(out_path, 1, 3, figsize=(12, 4)) as (fig, axes):
        panels = (("X, Y", [(X, "tab:blue"), (Y, "tab:orange")]), ("0.5 X + 0.5 Y (linear)", [(0.5 * X + 0.5 * Y, "tab:red")]),
                  ("cos(pi/4) X + sin(pi/4) Y (arc)", [(np.cos(np.pi / 4) * X + np.sin(np.pi / 4) * Y, "tab:green")]))
        for ax, (title, sets) in zip(axes, panels):
            for Z, col in sets:
                ax.plot(Z[:, 0], Z[:, 1], ".", ms=2, color=col)
            ax.plot(2 * np.cos(th), 2 * np.sin(th), "k--", lw=1)
            ax.set_xlim(-4, 4), ax.set_ylim(-4, 4), ax.set_aspect("equal")
            ax.set_title(title + f"; sample var {np.mean([np.var(Z) for Z, _ in sets]):.2f}", fontsize=9)


@figure("yarotsky-gd-bound", "Yarotsky's lecture, 'A basic convergence result': min_{n<=N} |grad L(W^n)| of gradient "
                             "descent against the Proposition's bound ((L(W^1) - min L)/(c N))^(1/2) on the quadratic, "
                             "log-cosh and non-convex families (alpha M = 1)")
def _fig_gd_bound(out_path, scale, seed):
    from theorycheck.verify.claims.yarotsky import a_basic_convergence_result as GD

    rng = np.random.default_rng([seed, 2])
    Ns = np.arange(1, GD.N_STEPS + 1)
    with canvas(out_path, figsize=(7, 4.5)) as (fig, ax):
        for fam, col in zip(GD.families(rng), ("tab:blue", "tab:orange", "tab:green")):
            w1 = 2.0 * rng.standard_normal(GD.D)
            a = 1.0 / fam.M
            c = a * (1 - fam.M * a / 2)
            _, Ls, Gs = GD.run_gd(fam, a, w1)
            g = np.linalg.norm(Gs[:-1], axis=1)
            ax.loglog(Ns, np.minimum.accumulate(g), color=col, label=f"{fam.name}: min |grad|")
            ax.loglog(Ns, np.sqrt((Ls[0] - fam.inf) / (c * Ns)), "--", color=col, lw=1, label=f"{fam.name}: bound")
        ax.set_xlabel("N")
        ax.set_ylabel("min_{n<=N} |grad L(W^n)|")
        ax.set_ylim(1e-12, 30)
        ax.set_title("GD convergence: measured vs the Proposition's bound", fontsize=9)
        ax.legend(fontsize=7)
