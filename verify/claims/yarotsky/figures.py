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
