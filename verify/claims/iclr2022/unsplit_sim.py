"""Simulation claims of the ICLR 2022 submission ("gradient explosion / representation shrinkage"),
section 2.2 and Fig. 1: finite-width layer-normalized networks against the correlation map P.

Network, eq. (2.1) (reconstructed from the garbled text): y^(l)_i = (1/sqrt(N)) sum_j W^(l)_ij
phi_l(z^(l-1)_j) + b^(l)_i with Var W = sigma_w^2, Var b = sigma_b^2; z^(l) = sqrt(N) y^(l)/|y^(l)|
(layer normalization without centering, footnote 3); phi_1(x) = x (the "embedding" layer).  In the
harness (numeric/propagation.py): sw2 = sigma_w^2, sb2 = sigma_b^2, layernorm=True,
linear_first=True; inputs with |z^(0)|^2/N = 1 and cosine rho_0.  rho_l, eq. (2.2), is the cosine of
the preactivations (= of the y's).  Infinite width, eq. (2.3): rho_l = P(rho_{l-1}) with
P(rho) = (sigma_b^2 + sigma_w^2 C[phi|rho]) / (sigma_b^2 + sigma_w^2 C[phi|1]) and, at the linear first
layer, C[id|rho] = rho.  erf is the standard error function (C[erf|rho] = (2/pi) arcsin(2 rho/3), the
arctan form printed in Appendix B; checked by helper B's exact claims).

Regimes (section 2.2): ordered P'(1) < 1, critical P'(1) = 1, chaotic P'(1) > 1, with
P'(1) = sigma_w^2 ||phi'||_N^2 / (sigma_b^2 + sigma_w^2 ||phi||_N^2).  The critical ratio
sigma_b^2/sigma_w^2 = ||phi'||^2 - ||phi||^2 is layernorm.critical_ratio.erf (Appendix B).

Fig. 1 does not state sigma_w, sigma_b; we take the critical initialization (the setting of Theorem
1's discussion and of Fig. 3), sigma_w^2 = 1.  Regime points (sigma_w^2 = 1): ordered sigma_b^2 = 4 r_c,
critical sigma_b^2 = r_c, chaotic sigma_b^2 = r_c / 4 (so that 0 < rho_fp < 1), r_c the critical ratio.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.figures import figure
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import clt_t

SRC = "ICLR 2022 submission (gradient explosion and representation shrinkage)"
ACT = "erf"
SW2 = 1.0
RHO0_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)

FIG1_SIZES = {
    "smoke": {"width": 128, "depth": 8, "n_nets": 16},
    "default": {"width": 1024, "depth": 8, "n_nets": 24},
    "paper": {"width": 1024, "depth": 8, "n_nets": 64},
}
REG_SIZES = {
    "smoke": {"width": 128, "depth": 12, "n_nets": 16},
    "default": {"width": 1024, "depth": 30, "n_nets": 16},
    "paper": {"width": 4096, "depth": 50, "n_nets": 16},
}


def _critical_sb2() -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.critical_ratio_erf()) * SW2


def _regime_sb2(regime: str) -> float:
    """sigma_b^2 at sigma_w^2 = 1: P'(1) decreases with sigma_b^2, so more bias is more ordered."""
    crit = _critical_sb2()
    return {"ordered": 4 * crit, "critical": crit, "chaotic": crit / 4}[regime]


def _p_prime_1(sb2: float) -> float:
    _, slope = _pmap(1.0, sb2)
    return slope


def _pmap(rho: float, sb2: float):
    """P(rho) and P'(rho) of eq. (2.3) at unit variance."""
    from theorycheck.numeric import fixed_point as F

    c, d = F.correlation_map(ACT, np.float64(rho), SW2, sb2, q=np.float64(1.0))
    qn = float(MF.qmap(ACT, 1.0, SW2, sb2))
    return float(c) / qn, float(d) / qn


def _theory(rho0: float, sb2: float, depth: int) -> np.ndarray:
    return MF.c_trajectory(ACT, 1.0, rho0, SW2, sb2, depth, layernorm=True, linear_first=True)


def _bias(theory: np.ndarray, var: np.ndarray, sb2: float) -> np.ndarray:
    """Delta-method O(1/N) bias bound along the trajectory (curvature of P), see verify/propagation_checks.py."""
    return MF.delta_method_bias(lambda x: MF.c_step(ACT, x, 1.0, SW2, sb2, layernorm=True), theory, var,
                                vectorized=True)


def _sim(ctx, width, depth, sb2, rho0s, offset):
    return MF.simulate(ACT, int(width), int(depth), SW2, sb2, 1.0, tuple(rho0s), int(ctx.sizes["n_nets"]),
                       MF.seed_for(ctx, offset), layernorm=True, linear_first=True, device=ctx.device)


# ----------------------------------------------------------------------------------------------
C1 = claim(
    "iclr2022/sim-fig1-rho-map",
    "For a wide layer-normalized erf network the output correlation rho_L as a function of the input "
    "correlation rho_0 is the composition P_L o ... o P_1 of eq. (2.3); a network of width N_l = 1024 "
    "follows it (Fig. 1, red vs black).",
    f"{SRC}, eqs. (2.1)-(2.3) and Fig. 1",
)


@C1.simulation("rho-l-rho-0-at-finite-width-p-l-o-o-p-1-rho-0", sizes=FIG1_SIZES)
def _(ctx):
    sz = ctx.sizes
    sb2 = _critical_sb2()
    L = int(sz["depth"])
    r = _sim(ctx, sz["width"], L, sb2, RHO0_GRID, 1)
    theories = [_theory(p, sb2, L) for p in RHO0_GRID]
    meas = r.c[:, :, -1]  # (n, K): rho_L per net and rho_0
    theory = np.array([t[-1] for t in theories])
    bias = np.array([_bias(t, r.c[:, k, :].var(axis=0, ddof=1), sb2)[-1] for k, t in enumerate(theories)])
    out = MF.profile_outcome(meas, theory, bias, f"rho_L, L={L}, N={sz['width']}, critical init "
                             f"(sigma_b^2/sigma_w^2 = {sb2:.6f}), over rho_0 = {list(RHO0_GRID)}", dict(sz),
                             start=0, label="rho_0 index")
    return out


# ----------------------------------------------------------------------------------------------
C2 = claim(
    "iclr2022/sim-regimes",
    "Forward propagation of correlations in a wide layer-normalized network has three regimes by P'(1): "
    "ordered (P'(1) < 1): rho_l -> 1 exponentially fast at rate P'(1); critical (P'(1) = 1): rho_l -> 1 "
    "polynomially; chaotic (P'(1) > 1): rho_l -> rho_fp < 1; finite-width networks follow the map.",
    f"{SRC}, section 2.2 (three regimes after Observation 1)",
)


def _regime_run(ctx, regime, width=None):
    sz = ctx.sizes
    sb2 = _regime_sb2(regime)
    off = {"ordered": 11, "critical": 12, "chaotic": 13}[regime]
    return _sim(ctx, width or sz["width"], int(sz["depth"]), sb2, (0.5,), off), sb2


for _regime, _name in (("ordered", "ordered-rho-l-follows-p"), ("critical", "critical-rho-l-follows-p"),
                       ("chaotic", "chaotic-rho-l-follows-p")):
    def _check(ctx, _r=_regime):
        r, sb2 = _regime_run(ctx, _r)
        L = int(ctx.sizes["depth"])
        theory = _theory(0.5, sb2, L)
        c = r.c[:, 0, :]
        bias = _bias(theory, c.var(axis=0, ddof=1), sb2)
        p1 = _p_prime_1(sb2)
        return MF.profile_outcome(c, theory, bias, f"{_r} (sigma_b^2 = {sb2:.6f}, sigma_w^2 = 1, P'(1) = {p1:.5f}): "
                                  f"rho_l from rho_0 = 0.5", dict(ctx.sizes), extra={"P_prime_1": p1})

    C2.simulation(_name, sizes=REG_SIZES)(_check)


@C2.simulation("ordered-1-rho-l-decays-at-the-rate-p-1", sizes=REG_SIZES)
def _(ctx):
    """Per net, the least-squares slope of ln(1 - rho_l) over the second half of the layers (where
    the map is linear around 1 to a relative O(1 - rho)) estimates ln P'(1)."""
    r, sb2 = _regime_run(ctx, "ordered")
    L = int(ctx.sizes["depth"])
    layers = np.arange(L // 2, L + 1)
    one_minus = np.clip(1.0 - r.c[:, 0, layers], 1e-300, None)
    slopes = np.polyfit(layers, np.log(one_minus).T, 1)[0]
    theory = _theory(0.5, sb2, L)
    th_slope = float(np.polyfit(layers, np.log(1.0 - theory[layers]), 1)[0])
    pred = math.log(_p_prime_1(sb2))
    n = len(slopes)
    tol = clt_t(float(slopes.std(ddof=1)), n, MF.ALPHA, bias=abs(th_slope - pred),
                why="mean over nets of the fitted slope of ln(1 - rho_l); bias = the slope of the exact map over the "
                    "same layers minus ln P'(1) (non-linearity of P near 1)")
    m = float(slopes.mean())
    return Outcome(predicted=pred, measured=m, error=abs(m - pred), tolerance=tol, passed=abs(m - pred) <= tol.value,
                   detail=f"fitted rate {m:.4f} per layer vs ln P'(1) = {pred:.4f} (P'(1) = {math.exp(pred):.4f}; "
                          f"infinite-width map over the same layers: {th_slope:.4f})", sizes=dict(ctx.sizes))


@C2.simulation("critical-1-rho-l-decays-polynomially-like-the-map-no-exponential-rate", sizes=REG_SIZES)
def _(ctx):
    """log-log slope of 1 - rho_l over the second half of the layers, simulation vs the exact map
    (which tends to -1: 1 - rho_l ~ 2 / (P''(1) l) at P'(1) = 1, P''(1) > 0)."""
    r, sb2 = _regime_run(ctx, "critical")
    L = int(ctx.sizes["depth"])
    layers = np.arange(L // 2, L + 1)
    one_minus = 1.0 - r.c[:, 0, layers]  # (n, k)
    n = one_minus.shape[0]

    def slope(rows):  # log-log slope of the mean curve over the given nets
        return float(np.polyfit(np.log(layers), np.log(np.clip(one_minus[rows].mean(axis=0), 1e-300, None)), 1)[0])

    m = slope(np.arange(n))
    jack = np.array([slope(np.delete(np.arange(n), i)) for i in range(n)])
    se = math.sqrt((n - 1) / n * float(np.sum((jack - jack.mean()) ** 2)))
    theory = _theory(0.5, sb2, L)
    pred = float(np.polyfit(np.log(layers), np.log(1.0 - theory[layers]), 1)[0])
    tol = clt_t(se * math.sqrt(n), n, MF.ALPHA,
                why="log-log slope of the net-averaged 1 - rho_l vs the exact map's slope over the same layers; "
                    "sd = jackknife standard error over nets times sqrt(n); the O(1/N) bias of the averaged curve is "
                    "covered by the profile check 'critical: rho_l follows P'")
    return Outcome(predicted=pred, measured=m, error=abs(m - pred), tolerance=tol, passed=abs(m - pred) <= tol.value,
                   detail=f"log-log slope {m:.3f} (jackknife se {se:.3f}) vs map {pred:.3f} (asymptotically -1) over "
                          f"layers {layers[0]}..{L}; an exponential decay at rate ln P'(1) = 0 would be flat in l",
                   sizes=dict(ctx.sizes))


@C2.simulation("chaotic-one-layer-error-of-p-shrinks-like-n-1-2", sizes=REG_SIZES)
def _(ctx):
    """Per layer l >= 2, rho_l minus P applied to the measured rho_(l-1) (layer norm: q = 1 exactly)."""
    w = int(ctx.sizes["width"])
    devs = []
    for width in (w // 8, w):
        r, sb2 = _regime_run(ctx, "chaotic", width)
        c = r.c[:, 0, :]
        devs.append(c[:, 2:] - MF.c_step(ACT, c[:, 1:-1], 1.0, SW2, sb2, layernorm=True))
    return MF.width_scaling_outcome(devs[0], devs[1], w // 8, w, "rho_l - P(rho_(l-1)), chaotic erf", dict(ctx.sizes))


# ----------------------------------------------------------------------------------------------
@figure("iclr2022-fig1", "ICLR 2022 Fig. 1: rho_L against rho_0 for a layer-normalized erf network at critical "
                         "initialization, L = 8: infinite width (black) and N_l = 1024 (red)")
def _fig1(out_path, scale, seed):
    import matplotlib.pyplot as plt

    from theorycheck.verify.context import Context

    sz = FIG1_SIZES[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    sb2 = _critical_sb2()
    L = int(sz["depth"])
    grid = np.linspace(0, 1, 101)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(grid, [_theory(p, sb2, L)[-1] for p in grid], "k", label="infinite width, P_L o ... o P_1")
    pts = tuple(np.round(np.linspace(0, 1, 21), 6))
    r = _sim(ctx, sz["width"], L, sb2, pts, 2)
    ax.plot(pts, r.c[0, :, -1], "r.", label=f"one network, N_l = {sz['width']}")
    ax.set_xlabel("rho_0"), ax.set_ylabel(f"rho_L (L = {L})"), ax.legend()
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    plt.close(fig)
