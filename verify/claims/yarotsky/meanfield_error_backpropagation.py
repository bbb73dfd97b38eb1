"""Yarotsky's lecture, "Error backpropagation" and "Vanishing and exploding gradients": with
d_k = d_{k+1} and q_k at q*, the backpropagated error obeys |delta_k|^2 ~ chi_1 |delta_{k+1}|^2
(vanishing for chi_1 < 1, exploding for chi_1 > 1), checked on finite-width tanh networks.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; chi_1 = sw2 E[tanh'(sqrt(q*) Z)^2].  No errata.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.yarotsky._common import ACT, LECTURE, SIZES, critical_sw2, nets, run_phase
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, clt_t

CG = claim(
    "yarotsky/sim-gradient-chi1",
    "The backpropagated error obeys |delta_k|^2 ~ chi_1 |delta_{k+1}|^2 (d_k = d_{k+1}, q_k at q*): "
    "gradients vanish for chi_1 < 1, are preserved at chi_1 = 1 and explode for chi_1 > 1.",
    f"{LECTURE}, 'Error backpropagation', 'Vanishing and exploding gradients'",
)


def _ratio_outcome(ratios: np.ndarray, chi1: float, tests: int, what: str, sizes: dict) -> Outcome:
    """Two-sided: mean over nets of the per-net average of |delta_k|^2/|delta_(k+1)|^2 vs chi_1.

    Tolerance: clt_t on the spread of the per-net averages (ALPHA split over ``tests`` comparisons) plus
    the bias bound 2 chi_1 CV^2 of a ratio estimator, CV^2 the measured relative variance of one
    layer's ratio (O(1/N))."""
    per_net = ratios.mean(axis=1)
    n = len(per_net)
    cv2 = float(ratios.var(ddof=1) / chi1**2)
    tol = clt_t(float(per_net.std(ddof=1)), n, ALPHA, bias=2 * chi1 * cv2, tests=tests,
                why=f"{what}: mean over {n} nets of the per-net average of |delta_k|^2/|delta_(k+1)|^2 over "
                    f"{ratios.shape[1]} layers; bias bound 2 chi_1 CV^2 of a ratio estimator, CV^2 = {cv2:.3g} the "
                    "measured relative variance of one layer's ratio (O(1/N))")
    m = float(per_net.mean())
    total = np.log(ratios).sum(axis=1)  # ln |delta_0|^2/|delta_L|^2
    return Outcome.compare(chi1, m, tol,
                           detail=f"{what}: mean per-layer ratio {m:.5f} vs chi_1 = {chi1:.5f}; over {ratios.shape[1]} "
                                  f"layers ln(|delta_0|^2/|delta_L|^2) = {total.mean():.3f} (L ln chi_1 = "
                                  f"{ratios.shape[1] * np.log(chi1):.3f})",
                           sizes=dict(sizes), extra={"per_layer_mean": ratios.mean(axis=0).tolist(),
                                                     "log_total": total.tolist()})


def _grad_check(ctx, phase):
    r, sw2, q0 = run_phase(ctx, phase, ctx.sizes["widths"][-1])
    chi1 = float(MF.chi(ACT, q0, sw2))
    return _ratio_outcome(r.grad_ratio, chi1, 1, f"{phase} (sw2={sw2:.6g}, q*={q0:.6g})", ctx.sizes)


# (phase, check name): one registration per phase point, names written literally
_PHASE_CHECKS = (("ordered", "ordered-gradient-ratio-equals-chi1"),
                 ("critical", "critical-gradient-ratio-equals-chi1"),
                 ("chaotic", "chaotic-gradient-ratio-equals-chi1"))
for _phase, _name in _PHASE_CHECKS:
    _fn = (lambda ctx, _p=_phase: _grad_check(ctx, _p))
    _fn.__doc__ = (f"{_phase.capitalize()} phase point, networks at q*, larger width: " + _ratio_outcome.__doc__)
    CG.simulation(_name, sizes=SIZES)(_fn)


@CG.simulation("chaotic-ratio-width-scaling", sizes=SIZES)
def _(ctx):
    """Chaotic point: the per-layer deviations |delta_k|^2/|delta_(k+1)|^2 - chi_1 at both widths; the
    fitted exponent of their RMS vs -1/2 (t quantile at ALPHA times the delta-method se plus the
    O(1/N)-bias shift, propagation_checks.width_scaling_outcome)."""
    devs = []
    for w in ctx.sizes["widths"]:
        r, sw2, q0 = run_phase(ctx, "chaotic", w)
        devs.append(r.grad_ratio - float(MF.chi(ACT, q0, sw2)))
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "|delta_k|^2/|delta_k+1|^2 - chi_1",
                                    dict(ctx.sizes))


_LINE_SB2 = (0.01, 0.1, 0.3)


@CG.simulation("critical-line-ratio-one", sizes=SIZES)
def _(ctx):
    """Along the critical line chi_1(sw2, sb2) = 1 (meanfield.critical_sw2.tanh) at sb2 = 0.01, 0.1, 0.3,
    networks started at q*: the mean per-layer ratio |delta_k|^2/|delta_(k+1)|^2 vs 1 at every bias
    variance (all must hold).  Tolerance as for the phase points, ALPHA split over the three."""
    width = int(ctx.sizes["widths"][-1])
    outs = []
    for i, sb2 in enumerate(_LINE_SB2):
        sw2 = critical_sw2(sb2)
        q0 = MF.qstar(ACT, sw2, sb2)
        r = MF.simulate(ACT, width, int(ctx.sizes["depth"]), sw2, sb2, q0, (0.5,), nets(ctx, width),
                        MF.seed_for(ctx, 40 + i), backward=True, device=ctx.device)
        outs.append(_ratio_outcome(r.grad_ratio, 1.0, len(_LINE_SB2), f"sb2={sb2}, sw2_c={sw2:.5f}, q*={q0:.4f}",
                                   ctx.sizes))
    return Outcome.all_of(outs)
