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


@figure("saxe2013-fig2", "Saxe et al. 2013 Fig. 2: vector field of (8), the stable manifold a = -b of the origin, the "
                         "hyperbola of fixed points ab = s and two trajectories (tau = s = 1)")
def _fig2(out, scale, seed):
    from theorycheck.numeric.ode import rk4

    s, tau = 1.0, 1.0
    with canvas(out, figsize=(5.5, 5)) as (fig, ax):
        g = np.linspace(-2, 2, 21)
        A, B = np.meshgrid(g, g)
        ax.quiver(A, B, B * (s - A * B) / tau, A * (s - A * B) / tau, color="tab:blue", angles="xy", width=0.003)
        x = np.linspace(-2, 2, 200)
        ax.plot(x, -x, "r", lw=2, label="stable manifold of the origin (a = -b)")
        for sign in (1, -1):
            xx = np.linspace(0.5, 2, 100) * sign
            ax.plot(xx, s / xx, "k--", lw=1, label="fixed points ab = s" if sign == 1 else None)
        f = lambda t, y: np.stack([y[1] * (s - y[0] * y[1]) / tau, y[0] * (s - y[0] * y[1]) / tau])  # noqa: E731
        for j, y0 in enumerate(([0.05, 0.3], [-1.5, 1.45])):
            tr = rk4(f, np.array(y0, dtype=float).reshape(2, 1), 8.0, 800, record=True)
            ax.plot(tr[:, 0, 0], tr[:, 1, 0], "g", lw=2, label="trajectories (RK4 of (8))" if j == 0 else None)
        ax.set_xlim(-2, 2), ax.set_ylim(-2, 2), ax.set_xlabel("a"), ax.set_ylabel("b"), ax.legend(fontsize=7)
        ax.set_title("Saxe et al. 2013 Fig. 2 (eq. (8), tau = s = 1)")


@figure("saxe2013-fig4", "Saxe et al. 2013 Fig. 4: learning time at the optimal rate and the optimal rate vs depth, "
                         "decoupled initial conditions, synthetic whitened task (reduced width)")
def _fig4(out, scale, seed):
    from theorycheck.verify.claims.saxe2013.supp_c_mnist_depth_experiment import FIG4_SIZES, depth_sweep
    from theorycheck.verify.context import Context

    sz = FIG4_SIZES[scale]
    rows = depth_sweep(Context(scale=scale, seed=seed, sizes=sz), sz, 1500)
    N = [r["N_l"] for r in rows]
    with canvas(out, 1, 2, figsize=(10, 4)) as (fig, (a, b)):
        a.plot(N, [r["opt_time"] for r in rows], "o-")
        a.set_xlabel("N_l"), a.set_ylabel("iterations to threshold (optimal rate)"), a.set_title("learning time")
        b.loglog(N, [r["opt_rate"] for r in rows], "o-", label="empirical optimum")
        b.loglog(N, [rows[1]["opt_rate"] * rows[1]["N_l"] / n for n in N], "k:", label="~ 1/N_l")
        b.set_xlabel("N_l"), b.set_ylabel("optimal learning rate"), b.legend()


@figure("saxe2013-fig6", "Saxe et al. 2013 Fig. 6B/C: singular values and eigenvalues of products of M scaled "
                         "Gaussian matrices (M = 1, 5, 100), and Fig. 6A right: eigenvalues of an orthogonal matrix")
def _fig6(out, scale, seed):
    import torch

    from theorycheck.numeric.backend import haar_orthogonal
    from theorycheck.verify.claims.saxe2013.sec3_finding_good_weight_initializations import FIG6_SIZES, fig6_spectra
    from theorycheck.verify.context import Context

    sz = FIG6_SIZES[scale]
    sp = fig6_spectra(Context(scale=scale, seed=seed, sizes=sz), sz)
    Ms = sz["depths"]
    with canvas(out, 2, len(Ms) + 1, figsize=(4 * (len(Ms) + 1), 7)) as (fig, axes):
        for j, M in enumerate(Ms):
            sv, ev = sp[M]
            axes[0, j].hist(sv.ravel(), bins=100)
            axes[0, j].set_title(f"B: singular values, M = {M}")
            e = ev.ravel()
            keep = ~((np.abs(e.real) <= 0.05) & (np.abs(e.imag) <= 0.05))
            axes[1, j].hist2d(e.real[keep], e.imag[keep], bins=np.arange(-1.5, 1.55, 0.1))
            axes[1, j].set_title(f"C: eigenvalues, M = {M} (origin bin {100 * (1 - keep.mean()):.0f}% removed)")
        Q = haar_orthogonal(100, torch.Generator().manual_seed(seed))
        ev = torch.linalg.eigvals(Q).numpy()
        axes[0, -1].plot(ev.real, ev.imag, ".")
        axes[0, -1].set_aspect("equal"), axes[0, -1].set_title("A right: orthogonal 100 x 100 eigenvalues")
        axes[1, -1].axis("off")
