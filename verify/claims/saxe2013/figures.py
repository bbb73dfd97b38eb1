"""Figures of Saxe, McClelland & Ganguli 2013 reproduced by ``theorycheck figure``: Fig. 3 (left) from
section 1.3 and Fig. 8 from supplementary G."""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.saxe2013._common import q_inf
from theorycheck.verify.claims.saxe2013.sec1_3_time_course_of_learning import F3_SIZES_RANDOM, simulate_random
from theorycheck.verify.claims.saxe2013.supp_g_nonlinear_orthogonal_networks import QINF_SIZES, simulate_last5
from theorycheck.verify.figures import canvas, figure


@figure("saxe2013-fig3", "Saxe et al. 2013 Fig. 3 left: mode strengths u(t), eq. (12) vs simulation")
def _fig3(out, scale, seed):
    from theorycheck.numeric.generated.saxe import u_sigmoid
    from theorycheck.verify.context import Context

    sz = F3_SIZES_RANDOM[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    tt, u, s, _ = simulate_random(dict(sz, seeds=1), ctx.torch_generator(40))
    tfine = np.linspace(0, tt[-1], 600)
    with canvas(out, figsize=(7, 4.5)) as (fig, ax):
        for j, sj in enumerate(s):
            ax.plot(tfine, u_sigmoid(sj, 1.0, sz["u0"], tfine), color="tab:red", lw=1.5,
                    label="eq. (12)" if j == 0 else None)
            step = max(1, len(tt) // 60)
            ax.plot(tt[::step], u[::step, 0, j], "o", ms=3, color="tab:blue",
                    label="simulation, random init" if j == 0 else None)
        ax.set_xlabel("t / tau (iterations x learning rate)")
        ax.set_ylabel("mode strength u = diag(U^T W32 W21 V)")
        ax.set_title(f"Saxe et al. 2013 Fig. 3 (left): N2 = {sz['n_hidden']}, u0 = {sz['u0']:g}, lr = {sz['lr']}")
        ax.legend()


@figure("saxe2013-fig8", "Saxe et al. 2013 Fig. 8: the tanh variance map (48) at g = 1 (left) and q_inf(g) "
                         "of eq. (49) against random orthogonal networks, depth 30, last 5 layers (right)")
def _fig8(out_path, scale, seed):
    from theorycheck.verify.context import Context

    sz = QINF_SIZES[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    with canvas(out_path, 1, 2, figsize=(10, 4)) as (fig, (a, b)):
        qin = np.linspace(0, 10, 200)
        a.plot(qin, MF.qmap("tanh", qin, 1.0, 0.0), "r", label="eq. (48), g = 1")
        a.plot(qin, qin, "k:", label="q_out = q_in")
        a.set_xlabel("q_in"), a.set_ylabel("q_out"), a.legend()
        gs = np.linspace(0.5, 3.0, 60)
        b.plot(gs, [q_inf(g) for g in gs], "r", label="q_inf(g), eq. (49)")
        for i, g in enumerate(sz["gains"]):
            last5 = simulate_last5(ctx, sz, i, g)
            b.plot([g] * len(last5), last5, "bo", ms=4,
                   label=f"simulation N={sz['width']}, depth {sz['depth']}" if i == 0 else None)
        b.set_xlabel("g"), b.set_ylabel("q_inf"), b.legend()
