"""Figures of the ICLR 2022 submission (``theorycheck figure ID``), at reduced width by default."""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import layernorm as NL
from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.claims.iclr2022 import _maps as M
from theorycheck.verify.claims.iclr2022.sec3_main_result import FIG1_SIZES, remark2_bound
from theorycheck.verify.claims.iclr2022.sec4_1_applications_of_theorem_1 import B41, B42, B43
from theorycheck.verify.figures import canvas, figure


@figure("iclr2022-fig1", "ICLR 2022 Fig. 1: rho_L against rho_0 for a layer-normalized erf network at critical "
                         "initialization, L = 8: infinite width (black), N_l = 1024 (red), Remark 2's piecewise-linear "
                         "upper bound (blue)")
def _fig1(out_path, scale, seed):
    from theorycheck.verify.context import Context

    sz = FIG1_SIZES[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    sb2 = K.critical_sb2()
    L = int(sz["depth"])
    grid = np.linspace(0, 1, 101)
    pts = tuple(np.round(np.linspace(0, 1, 21), 6))
    r = K.simulate(ctx, sz["width"], L, sb2, pts, 2)
    blue, E = remark2_bound(grid, "erf", sb2, L)
    with canvas(out_path, figsize=(5, 4)) as (fig, ax):
        ax.plot(grid, [K.theory(p, sb2, L)[-1] for p in grid], "k", label="infinite width, P_L o ... o P_1")
        ax.plot(pts, r.c[0, :, -1], "r.", label=f"one network, N_l = {sz['width']}")
        ax.plot(grid, blue, "b", label=f"Remark 2 upper bound (E = {E:.3g})")
        ax.set_xlabel("rho_0")
        ax.set_ylabel(f"rho_L (L = {L})")
        ax.legend()


FIG2 = {"smoke": {"width": 32, "depths": (1, 4, 16), "n_nets": 1, "gd_steps": 5, "L_b": 16},
        "default": {"width": 64, "depths": (1, 2, 4, 8, 16, 32, 64), "n_nets": 2, "gd_steps": 30, "L_b": 64},
        "paper": {"width": 1024, "depths": (1, 2, 4, 8, 16, 32, 64, 128, 256, 512), "n_nets": 4, "gd_steps": 200,
                  "L_b": 256}}


def _net(act, a, width, depth, gen, sb2=0.0):
    """Weights of one layer-normalized network (embedding layer linear), and its forward map (torch)."""
    import torch
    Ws = [torch.randn(width, width, generator=gen, dtype=torch.float64) for _ in range(depth)]
    bs = [torch.randn(width, generator=gen, dtype=torch.float64) * math.sqrt(sb2) for _ in range(depth)]
    phi, _ = NL._act_fns(act, a)

    def fwd(x):
        z = x
        for l, (W, b) in enumerate(zip(Ws, bs)):
            h = z if l == 0 else phi(z)
            y = h @ W.T / math.sqrt(width) + b
            z = math.sqrt(width) * y / y.norm(dim=-1, keepdim=True)
        return z
    return fwd


def gd_min_correlation(act, a, width, depth, gen, steps, sb2=0.0):
    """The most shrunk pair's 1 - rho_L for one fixed network: gradient ascent of 1 - cos(z_L(x_a), z_L(x_b))
    over the inputs (Adam on the pair, inputs renormalized to |x|^2 = N), started from an antipodal pair."""
    import torch
    fwd = _net(act, a, width, depth, gen, sb2)
    x = torch.randn(2, width, generator=gen, dtype=torch.float64)
    x[1] = -x[0]
    x.requires_grad_(True)
    opt = torch.optim.Adam([x], lr=0.05)
    best = 0.0
    for _ in range(int(steps)):
        z = fwd(math.sqrt(width) * x / x.norm(dim=-1, keepdim=True))
        d = 1 - (z[0] * z[1]).sum() / width
        best = max(best, float(d))
        opt.zero_grad()
        (-d).backward()
        opt.step()
    return best


@figure("iclr2022-fig2", "ICLR 2022 Fig. 2: 1 - rho_L of layer-normalized (leaky) ReLU networks, sigma_b = 0: (a) vs depth "
                         "(a = 0), (b) vs negative slope a at fixed depth; empirical antipodal pairs (red), infinite width "
                         "(black), gradient-searched most-shrunk pair (green), bound (4.1) (blue)")
def _fig2(out_path, scale, seed):
    import torch

    sz = FIG2[scale]
    gen = torch.Generator().manual_seed(int(seed))
    Ls = np.arange(1, 513)
    inf_a = NL.trajectory("relu", 511, np.array(-1.0), 0.0)  # embedding layer (identity at r = 0) + L-1 ReLU layers
    emp, gd = [], []
    for L in sz["depths"]:
        out = NL.ln_network("relu", sz["width"], L, 1.0, 0.0, -1.0, sz["n_nets"], gen, linear_first=True, jacobian=False)
        emp.append(1 - out["rho"][:, L])
        gd.append(gd_min_correlation("relu", None, sz["width"], L, gen, sz["gd_steps"]))
    avals = np.linspace(0, 0.98, 50)
    Lb = int(sz["L_b"])
    inf_b = [float(NL.one_minus_rho("leaky_relu", Lb - 1, -1.0, 0.0, a)) for a in avals]
    a_pts = (0.0, 0.25, 0.5, 0.75, 0.9)
    emp_b = [1 - NL.ln_network("leaky_relu", sz["width"], Lb, 1.0, 0.0, -1.0, 1, gen, a=a, linear_first=True,
                               jacobian=False)["rho"][0, Lb] for a in a_pts]
    with canvas(out_path, 1, 2, figsize=(10, 4)) as (fig, (ax1, ax2)):
        ax1.loglog(Ls, inf_a[Ls - 1], "k", label="infinite width")
        ax1.loglog(Ls, np.minimum(B41(Ls, 0.0), 2), "b", label="bound (4.1)")
        for L, e in zip(sz["depths"], emp):
            ax1.loglog([L] * len(e), e, "r.")
        ax1.loglog(sz["depths"], gd, "g^", label="gradient-searched pair")
        ax1.set_xlabel("depth L")
        ax1.set_ylabel("1 - rho_L")
        ax1.set_title(f"(a) a = 0, width {sz['width']}")
        ax1.legend()
        ax2.semilogy(avals, inf_b, "k", label="infinite width")
        ax2.semilogy(avals, np.minimum(B41(Lb, avals), 2), "b", label="bound (4.1)")
        ax2.semilogy(a_pts, emp_b, "r.", label="empirical")
        ax2.set_xlabel("negative slope a")
        ax2.set_title(f"(b) L = {Lb}")
        ax2.legend()


FIG3 = {"smoke": {"width": 32, "depth": 16, "n_nets": 2},
        "default": {"width": 96, "depth": 64, "n_nets": 3},
        "paper": {"width": 1024, "depth": 512, "n_nets": 8}}


@figure("iclr2022-fig3", "ICLR 2022 Fig. 3: deep erf networks at critical and chaotic initialization: 1 - rho_l "
                         "(largest/smallest over input pairs) with bound (4.2), Jacobian squared norms vs depth (explicit "
                         "products), per-layer backpropagated gradient norms with bound (4.3)")
def _fig3(out_path, scale, seed):
    import torch

    sz = FIG3[scale]
    gen = torch.Generator().manual_seed(int(seed))
    L = int(sz["depth"])
    ls = np.arange(0, L + 1)
    with canvas(out_path, 3, 2, figsize=(10, 11)) as (fig, axes):
        for j, regime in enumerate(("critical", "chaotic")):
            r = M.r_of("erf", regime)
            outs = {rho0: NL.ln_network("erf", sz["width"], L, 1.0, r, rho0, sz["n_nets"], gen, jacobian=(rho0 == -1.0))
                    for rho0 in (-1.0, 0.9)}
            ax = axes[0, j]
            for rho0, col in ((-1.0, "r"), (0.9, "m")):
                ax.semilogy(ls, np.maximum(1 - outs[rho0]["rho"].T, 1e-16), col, alpha=0.5)
                ax.semilogy(ls, M.delta("erf", ls, rho0, r), "k--")
            if regime == "critical":
                ax.semilogy(ls[1:], np.minimum(B42(ls[1:]), 2), "b", label="bound (4.2)")
                ax.legend()
            ax.set_title(f"({'ab'[j]}) 1 - rho_l, {regime} (red: rho_0 = -1, magenta: 0.9)")
            ax = axes[1, j]
            jn = outs[-1.0]["jac_norm2"]
            ax.semilogy(ls, jn.T, "r", alpha=0.6)
            ax.semilogy(ls, M.slope1("erf", r) ** ls, "k--", label="P'(1)^l")
            ax.set_title(f"({'cd'[j]}) ||dz_l/dz_0||^2, {regime}")
            ax.legend()
            ax = axes[2, j]
            ax.semilogy(ls, outs[-1.0]["grad_norm2"].T, "r", alpha=0.6)
            if regime == "chaotic":
                rfp = K.rho_fp_newton("erf", 1.0, r)
                ax.semilogy(ls[:-1], B43(L - ls[:-1], rfp) ** 2, "b", label="(4.3)^2 over the top L - l layers")
                ax.legend()
            ax.set_title(f"({'ef'[j]}) gradient norm^2 per layer, {regime}")
            ax.set_xlabel("layer l")


FIG4 = {"smoke": {"width": 32, "depth": 12, "block": (5, 8), "steps": 40, "n_train": 400},
        "default": {"width": 64, "depth": 24, "block": (9, 16), "steps": 150, "n_train": 1500},
        "paper": {"width": 784, "depth": 82, "block": (34, 49), "steps": 3000, "n_train": 60000}}


@figure("iclr2022-fig4", "ICLR 2022 Fig. 4 at reduced scale (scikit-learn digits): full vs skimmed (middle block "
                         "linearized) layer-normalized ReLU/erf MLP: correlations of the block's inputs before/after "
                         "training, Pearson correlation of per-layer parameter displacements, training curves")
def _fig4(out_path, scale, seed):
    from theorycheck.verify.claims.iclr2022 import sec4_2_removing_redundant_layers as S

    sz = FIG4[scale]
    m = S.run(sz, seed)
    with canvas(out_path, 1, 3, figsize=(13, 4)) as (fig, (a1, a2, a3)):
        a1.bar(["init", "after training"], [m["min_corr0"], m["runs"]["full"]["min_corr_T"]], color=["k", "r"])
        a1.set_title(f"(a) min correlation into layers {m['block'][0]}-{m['block'][1]}")
        ks = sorted(m["pearson"])
        a2.bar(ks, [m["pearson"][k] for k in ks])
        a2.axvspan(m["block"][0] - 0.5, m["block"][1] + 0.5, color="0.9")
        a2.set_title("(b) Pearson corr. of displacements (full vs skimmed)")
        a2.set_xlabel("layer")
        a3.plot(m["runs"]["full"]["losses"], "k", label="full")
        a3.plot(m["runs"]["skimmed"]["losses"], "r", label="skimmed")
        a3.set_title(f"(c) training loss, depth {sz['depth']}, width {sz['width']}")
        a3.set_xlabel("Adam step")
        a3.legend()
