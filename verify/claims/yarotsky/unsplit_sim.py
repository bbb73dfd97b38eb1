"""Simulation claims of Yarotsky's lecture (mean-field signal propagation): finite-width random tanh
networks against the q-map, the correlation map and chi_1.

Source: D. Yarotsky, optimization lecture, slides "ANN in the large-width limit: independent
weights", "Reduction to 1D dynamics", "Evolution of covariances", "Evolution of correlations near a
fixed point", "Stable ("ordered") vs. unstable ("chaotic") phases", "Error backpropagation",
"Vanishing and exploding gradients" (after Poole et al. 2016 and Schoenholz et al. 2017).

Network (lecture notation -> code): x_k = sigma(z_k), z_k = W_k x_{k-1} + h_k with (W_k)_ij ~
N(0, alpha_w^2/d) and (h_k)_i ~ N(0, alpha_h^2); alpha_w^2 -> ``sw2``, alpha_h^2 -> ``sb2``, d -> N
(``width``), sigma = tanh.  q_k = |z_k|^2/N, c_k the cosine of the preactivations of two inputs,
delta_k the backpropagated error delta_{k,i} = sigma'(z_{k,i}) sum_j (W_{k+1})_{ji} delta_{k+1,j}.
The text's "z ~ N(0, q_{k-1}^2)" in the proof of the Proposition is read as variance q_{k-1}
(a typo: q is already a second moment); the exact/precise checks of the maps are in yarotsky.py.

Three phase points at sb2 = 0.05 (chi_1 = sw2 E[tanh'(sqrt(q*) Z)^2]): ordered sw2 = 1 (chi_1 < 1),
critical sw2 = sw2_c(0.05) (chi_1 = 1, meanfield.critical_sw2.tanh), chaotic sw2 = 2.5 (chi_1 > 1).
Theory: numeric.fixed_point (Gaussian core); simulation: numeric.propagation.  Tolerances: see
verify/propagation_checks.py (Student-t CLT over independent networks plus O(1/N) bias bounds).
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.figures import figure
from theorycheck.verify.registry import claim

LECTURE = "Yarotsky, optimization lecture"
ACT = "tanh"
SB2 = 0.05
C0 = (0.2, 0.99)  # input cosines: one far from 1, one close to 1 (decorrelation in the chaotic phase)

SIZES = {
    "smoke": {"widths": [64, 256], "depth": 10, "n_nets": [32, 32]},
    "default": {"widths": [100, 1000], "depth": 30, "n_nets": [48, 12]},
    "paper": {"widths": [1000, 4000], "depth": 50, "n_nets": [32, 16]},
}


def _critical_sw2(sb2: float) -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.critical_sw2_tanh(np.float64(sb2)))


def _phase_sw2(phase: str) -> float:
    return {"ordered": 1.0, "critical": _critical_sw2(SB2), "chaotic": 2.5}[phase]


def _nets(ctx, width) -> int:
    return int(ctx.sizes["n_nets"][list(ctx.sizes["widths"]).index(width)])


def _run(ctx, phase: str, width: int, offset: int):
    """Networks at q_0 = q* of the phase point, two input pairs, with backpropagation."""
    sw2 = _phase_sw2(phase)
    q0 = MF.qstar(ACT, sw2, SB2)
    return MF.simulate(ACT, int(width), int(ctx.sizes["depth"]), sw2, SB2, q0, C0, _nets(ctx, width),
                       MF.seed_for(ctx, offset), backward=True, device=ctx.device), sw2, q0


_OFFSETS = {"ordered": 10, "critical": 20, "chaotic": 30}


# ----------------------------------------------------------------------------------------------
CQ = claim(
    "yarotsky/sim-qmap",
    "In random tanh networks with i.i.d. Gaussian weights N(0, sw2/N) and biases N(0, sb2), the length "
    "q_l = |z_l|^2/N follows the q-map iterated from q_0, q_l = nu(q_{l-1}), up to fluctuations that "
    "shrink like N^(-1/2).",
    f"{LECTURE}, 'Reduction to 1D dynamics' (Proposition, after Poole et al. 2016)",
)
_Q_SW2, _Q0 = 2.5, 3.0  # chaotic point, started far from q* so that the trajectory moves


def _qmap_runs(ctx):
    depth = int(ctx.sizes["depth"])
    runs = [MF.simulate(ACT, int(w), depth, _Q_SW2, SB2, _Q0, (0.5,), _nets(ctx, w), MF.seed_for(ctx, 1 + i),
                        device=ctx.device) for i, w in enumerate(ctx.sizes["widths"])]
    theory = MF.q_trajectory(ACT, _Q0, _Q_SW2, SB2, depth)
    return runs, theory


def _q_bias(theory, q_meas):
    var = q_meas.var(axis=0, ddof=1)
    return MF.delta_method_bias(lambda x: MF.qmap(ACT, np.maximum(x, 0.0), _Q_SW2, SB2), theory, var, vectorized=True)


@CQ.simulation("q-l-follows-nu-l-q-0-at-the-larger-width", sizes=SIZES)
def _(ctx):
    runs, theory = _qmap_runs(ctx)
    r = runs[-1]
    q = r.q[:, 0, :]  # one input per net, so that the n samples are independent
    bias = _q_bias(theory, q)
    return MF.profile_outcome(q, theory, bias, f"q_l of tanh nets (sw2={_Q_SW2}, sb2={SB2}, q0={_Q0}, "
                              f"N={ctx.sizes['widths'][-1]})", dict(ctx.sizes))


@CQ.simulation("one-layer-error-of-the-q-map-shrinks-like-n-1-2", sizes=SIZES)
def _(ctx):
    """Per layer, q_l minus the map applied to the *measured* q_(l-1): these one-step errors are
    nearly independent across layers (martingale differences), so their RMS is a precise statistic."""
    runs, _ = _qmap_runs(ctx)
    devs = [r.q[:, 0, 1:] - MF.qmap(ACT, r.q[:, 0, :-1], _Q_SW2, SB2) for r in runs]
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "q_l - nu(q_(l-1)), tanh", dict(ctx.sizes))


# ----------------------------------------------------------------------------------------------
CC = claim(
    "yarotsky/sim-cmap-phases",
    "The correlation c_l of two inputs follows the correlation map C~_{q*}: in the ordered phase "
    "(chi_1 < 1) c_l -> 1 exponentially, at criticality (chi_1 = 1) c_l -> 1 slowly, in the chaotic "
    "phase (chi_1 > 1) c = 1 is unstable and c_l -> c* < 1; finite-width networks agree up to "
    "O(N^(-1/2)) fluctuations.",
    f"{LECTURE}, 'Evolution of covariances', 'Evolution of correlations near a fixed point', "
    "'Stable (\"ordered\") vs. unstable (\"chaotic\") phases'",
)


def _c_check(ctx, phase):
    depth = int(ctx.sizes["depth"])
    r, sw2, q0 = _run(ctx, phase, ctx.sizes["widths"][-1], _OFFSETS[phase])
    chi1 = float(MF.chi(ACT, q0, sw2))
    cs = MF.cstar(ACT, sw2, SB2)
    outs = []
    for k, c0 in enumerate(C0):
        theory = MF.c_trajectory(ACT, q0, c0, sw2, SB2, depth)
        c = r.c[:, k, :]
        var_c = c.var(axis=0, ddof=1)
        bias = MF.delta_method_bias(lambda x: MF.c_step(ACT, x, q0, sw2, SB2), theory, var_c, vectorized=True)
        # ratio-estimator term of a cosine c = q12 / sqrt(q11 q22) with fluctuating lengths: |c| CV(q)^2, O(1/N)
        cv2 = (r.q.var(axis=0, ddof=1) / np.maximum(r.q.mean(axis=0), 1e-300) ** 2).max(axis=0)
        bias = bias + np.abs(theory) * cv2
        outs.append(MF.profile_outcome(
            c, theory, bias, f"{phase} phase (sw2={sw2:.6g}, sb2={SB2}, chi_1={chi1:.4f}, c*={cs:.6f}): c_l from "
            f"c_0={c0}", dict(ctx.sizes), extra={"chi1": chi1, "cstar": cs, "qstar": q0}))
    worst = max(outs, key=lambda o: (not o.passed, o.error / o.tolerance.value))
    if all(o.passed for o in outs):
        worst.detail += " | both input pairs pass"
    return worst


for _phase, _name in (("ordered", "ordered-c-l-follows-the-correlation-map"),
                      ("critical", "critical-c-l-follows-the-correlation-map"),
                      ("chaotic", "chaotic-c-l-follows-the-correlation-map")):
    CC.simulation(_name, sizes=SIZES)(lambda ctx, _p=_phase: _c_check(ctx, _p))


@CC.simulation("chaotic-one-layer-error-of-the-covariance-map-shrinks-like-n-1-2", sizes=SIZES)
def _(ctx):
    """Per layer, c_l minus the covariance map applied to the measured (c, q11, q22) of layer l-1."""
    devs = []
    for w in ctx.sizes["widths"]:
        r, sw2, q0 = _run(ctx, "chaotic", w, _OFFSETS["chaotic"])
        d = [r.c[:, k, 1:] - MF.one_step_c(ACT, r.c[:, k, :-1], r.q[:, 0, :-1], r.q[:, k + 1, :-1], sw2, SB2)
             for k in range(len(C0))]
        devs.append(np.concatenate(d, axis=1))  # both input pairs of each net
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "c_l - C(c_(l-1), q_(l-1)), chaotic tanh",
                                    dict(ctx.sizes))


# ----------------------------------------------------------------------------------------------
CG = claim(
    "yarotsky/sim-gradient-chi1",
    "The backpropagated error obeys |delta_k|^2 ~ chi_1 |delta_{k+1}|^2 (d_k = d_{k+1}, q_k at q*): "
    "gradients vanish for chi_1 < 1, are preserved at chi_1 = 1 and explode for chi_1 > 1.",
    f"{LECTURE}, 'Error backpropagation', 'Vanishing and exploding gradients'",
)


def _grad_check(ctx, phase):
    r, sw2, q0 = _run(ctx, phase, ctx.sizes["widths"][-1], _OFFSETS[phase])
    chi1 = float(MF.chi(ACT, q0, sw2))
    ratios = r.grad_ratio  # (n_nets, L)
    per_net = ratios.mean(axis=1)
    n = len(per_net)
    cv2 = float(ratios.var(ddof=1) / chi1**2)
    bias = 2 * chi1 * cv2
    from theorycheck.verify.tolerances import clt_t

    tol = clt_t(float(per_net.std(ddof=1)), n, MF.ALPHA, bias=bias,
                why=f"mean over {n} nets of the per-net average of |delta_k|^2/|delta_(k+1)|^2 over "
                    f"{ratios.shape[1]} layers; bias bound 2 chi_1 CV^2 of a ratio estimator, CV^2 = {cv2:.3g} the "
                    "measured relative variance of one layer's ratio (O(1/N))")
    from theorycheck.verify.registry import Outcome

    m = float(per_net.mean())
    total = np.log(ratios).sum(axis=1)  # ln |delta_0|^2/|delta_L|^2
    return Outcome(predicted=chi1, measured=m, error=abs(m - chi1), tolerance=tol, passed=abs(m - chi1) <= tol.value,
                   detail=f"{phase} (sw2={sw2:.6g}, sb2={SB2}, q*={q0:.6g}): mean per-layer ratio {m:.5f} vs "
                          f"chi_1 = {chi1:.5f}; over {ratios.shape[1]} layers ln(|delta_0|^2/|delta_L|^2) = "
                          f"{total.mean():.3f} (L ln chi_1 = {ratios.shape[1] * np.log(chi1):.3f})",
                   sizes=dict(ctx.sizes), extra={"per_layer_mean": ratios.mean(axis=0).tolist(),
                                                 "log_total": total.tolist()})


for _phase, _name in (("ordered", "ordered-gradient-ratio-equals-chi1"),
                      ("critical", "critical-gradient-ratio-equals-chi1"),
                      ("chaotic", "chaotic-gradient-ratio-equals-chi1")):
    CG.simulation(_name, sizes=SIZES)(lambda ctx, _p=_phase: _grad_check(ctx, _p))


@CG.simulation("chaotic-deviation-of-the-ratio-shrinks-like-n-1-2", sizes=SIZES)
def _(ctx):
    devs = []
    for w in ctx.sizes["widths"]:
        r, sw2, q0 = _run(ctx, "chaotic", w, _OFFSETS["chaotic"])
        chi1 = float(MF.chi(ACT, q0, sw2))
        devs.append(r.grad_ratio - chi1)
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "|delta_k|^2/|delta_k+1|^2 - chi_1",
                                    dict(ctx.sizes))


# ----------------------------------------------------------------------------------------------
@figure("yarotsky-qmap", "Yarotsky's lecture, 'Fixed points': the tanh q-map nu(q) at sigma_b^2 = 0.05 for three "
                         "sigma_w^2 (ordered, critical, chaotic) with the identity and the stable fixed points q*; "
                         "dots: one step of finite-width networks (N = 1000) from each q")
def _fig_qmap(out_path, scale, seed):
    import matplotlib.pyplot as plt

    from theorycheck.verify.context import Context

    ctx = Context(scale=scale, seed=seed, sizes=SIZES[scale])
    width = int(SIZES[scale]["widths"][-1])
    qs = np.linspace(0.0, 4.0, 200)
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    ax.plot(qs, qs, "k:", label="q_k = q_(k-1)")
    for i, (phase, col) in enumerate((("ordered", "b"), ("critical", "g"), ("chaotic", "r"))):
        sw2 = _phase_sw2(phase)
        ax.plot(qs, MF.qmap(ACT, qs, sw2, SB2), col, label=f"{phase}: sigma_w^2 = {sw2:.3g}")
        qst = MF.qstar(ACT, sw2, SB2)
        ax.plot([qst], [qst], col + "o", ms=7)
        pts = np.array([0.25, 1.0, 2.0, 3.5])
        meas = [MF.simulate(ACT, width, 1, sw2, SB2, float(q0), (0.0,), 1, MF.seed_for(ctx, 500 + 10 * i + j)).q[0, 0, 1]
                for j, q0 in enumerate(pts)]
        ax.plot(pts, meas, col + "x", ms=6)
    ax.set_xlabel("q_(k-1)"), ax.set_ylabel("q_k = nu(q_(k-1))")
    ax.set_title(f"tanh q-map, sigma_b^2 = {SB2}; o: stable q*, x: one layer, N = {width}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_path, dpi=120)
    plt.close(fig)


_LINE_SB2 = (0.01, 0.1, 0.3)


@CG.simulation("critical-line-gradients-preserved-ratio-1-at-sw2-sw2-c-sb2-sb2-0.01-0.1-0.3",
               sizes=SIZES)
def _(ctx):
    """Along the critical line chi_1(sw2, sb2) = 1 (meanfield.critical_sw2.tanh) the per-layer ratio
    |delta_k|^2/|delta_(k+1)|^2 must average to 1 at every bias variance (networks started at q*)."""
    from theorycheck.verify.registry import Outcome
    from theorycheck.verify.tolerances import clt_t

    width = int(ctx.sizes["widths"][-1])
    outs = []
    for i, sb2 in enumerate(_LINE_SB2):
        sw2 = _critical_sw2(sb2)
        q0 = MF.qstar(ACT, sw2, sb2)
        r = MF.simulate(ACT, width, int(ctx.sizes["depth"]), sw2, sb2, q0, (0.5,), _nets(ctx, width),
                        MF.seed_for(ctx, 40 + i), backward=True, device=ctx.device)
        per_net = r.grad_ratio.mean(axis=1)
        n = len(per_net)
        cv2 = float(r.grad_ratio.var(ddof=1))
        tol = clt_t(float(per_net.std(ddof=1)), n, MF.ALPHA, bias=2 * cv2, tests=len(_LINE_SB2),
                    why=f"sb2={sb2}: mean over {n} nets of the per-net average ratio; ratio-estimator bias bound "
                        f"2 chi_1 CV^2 = {2 * cv2:.2g}")
        m = float(per_net.mean())
        outs.append(Outcome(predicted=1.0, measured=m, error=abs(m - 1.0), tolerance=tol,
                            passed=abs(m - 1.0) <= tol.value,
                            detail=f"sb2={sb2}, sw2_c={sw2:.5f}, q*={q0:.4f}: ratio {m:.4f}", sizes=dict(ctx.sizes)))
    worst = max(outs, key=lambda o: o.error / o.tolerance.value)
    worst.detail = " | ".join(o.detail + (" ok" if o.passed else " FAIL") for o in outs)
    worst.passed = all(o.passed for o in outs)
    return worst
