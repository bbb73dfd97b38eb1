"""Shared pieces of the yarotsky package (not a section): the finite-width simulation set-up used by
the sections "Reduction to 1D dynamics", "Evolution of correlations near a fixed point", "Error
backpropagation" and by the figures, and the float64-kernel-vs-mpmath comparison of the precise checks.

Network (lecture notation -> code): x_k = sigma(z_k), z_k = W_k x_{k-1} + h_k with (W_k)_ij ~
N(0, alpha_w^2/d) and (h_k)_i ~ N(0, alpha_h^2); alpha_w^2 -> ``sw2``, alpha_h^2 -> ``sb2``, d -> N
(``width``), sigma = tanh.  q_k = |z_k|^2/N, c_k the cosine of the preactivations of two inputs,
delta_k the backpropagated error delta_{k,i} = sigma'(z_{k,i}) sum_j (W_{k+1})_{ji} delta_{k+1,j}.

Three phase points at sb2 = 0.05 (chi_1 = sw2 E[tanh'(sqrt(q*) Z)^2]): ordered sw2 = 1 (chi_1 < 1),
critical sw2 = sw2_c(0.05) (chi_1 = 1, meanfield.critical_sw2.tanh), chaotic sw2 = 2.5 (chi_1 > 1).
Theory: numeric.fixed_point (Gaussian core); simulation: numeric.propagation.  Tolerances: see
verify/propagation_checks.py (Student-t CLT over independent networks plus O(1/N) bias bounds).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify import propagation_checks as MF

SRC = "Yarotsky, optimization lecture (signal propagation)"
LECTURE = "Yarotsky, optimization lecture"
ACT = "tanh"
SB2 = 0.05
C0 = (0.2, 0.99)  # input cosines: one far from 1, one close to 1 (decorrelation in the chaotic phase)

SIZES = {
    "smoke": {"widths": [64, 256], "depth": 10, "n_nets": [32, 32]},
    "default": {"widths": [100, 1000], "depth": 30, "n_nets": [48, 12]},
    "paper": {"widths": [1000, 4000], "depth": 50, "n_nets": [32, 16]},
}

# the simulation seed offsets of the three phase points (one run per phase, shared by several checks)
OFFSETS = {"ordered": 10, "critical": 20, "chaotic": 30}

# Rounded operations of a float64 Gaussian expectation by the trapezoid rule (numeric/gaussian.py):
# per node about 4 (weight, scaling of the node, the activation, the product/square), each <= eps/2,
# plus <= 20 levels of numpy's pairwise summation (up to 2^20 nodes) of positive terms, each <= eps/2:
# relative error <= (4 + 20) eps/2 ... doubled for safety as in tolerances.conditioned: k = 48.
K_QUAD = 48


def critical_sw2(sb2: float) -> float:
    from theorycheck.numeric import fixed_point as F

    return float(F.critical_sw2_tanh(np.float64(sb2)))


def phase_sw2(phase: str) -> float:
    return {"ordered": 1.0, "critical": critical_sw2(SB2), "chaotic": 2.5}[phase]


def nets(ctx, width) -> int:
    return int(ctx.sizes["n_nets"][list(ctx.sizes["widths"]).index(width)])


def run_phase(ctx, phase: str, width: int):
    """Networks at q_0 = q* of the phase point, the two input pairs C0, with backpropagation.

    Each width gets its own seed (the width-scaling checks treat the two widths as independent
    samples: with one seed the smaller width's weights would be a prefix of the larger's stream)."""
    sw2 = phase_sw2(phase)
    q0 = MF.qstar(ACT, sw2, SB2)
    widths = list(ctx.sizes["widths"])
    offset = OFFSETS[phase] + 1000 * (len(widths) - 1 - widths.index(width))  # largest width: OFFSETS[phase]
    return MF.simulate(ACT, int(width), int(ctx.sizes["depth"]), sw2, SB2, q0, C0, nets(ctx, width),
                       MF.seed_for(ctx, offset), backward=True, device=ctx.device), sw2, q0


def log_condition(f, x: dict, h: float = 1e-5) -> float:
    """Condition number max_i |x_i df/dx_i / f| of a smooth function of keyword arguments ``x``, by
    central differences in ln x_i with relative step ``h`` (error O(h^2) ~ 1e-10 from truncation and
    ~ eps/h ~ 1e-11 from rounding: ample for a tolerance factor); parameters equal to 0 contribute 0."""
    f0 = float(f(**x))
    worst = 0.0
    for k, v in x.items():
        if v == 0:
            continue
        up, dn = float(f(**{**x, k: v * (1 + h)})), float(f(**{**x, k: v * (1 - h)}))
        worst = max(worst, abs((up - dn) / (2 * h) / f0) if f0 != 0 else math.inf)
    return worst


def rel_error_outcome(reference: float, value: float, tol, name: str):
    """Upper comparison of the relative error |value - reference| / |reference| (absolute at 0) with
    ``tol``, the term named after the compared quantity (``name``) so that an all_of of several stays
    readable; predicted/measured are the reference and the value."""
    from theorycheck.verify.registry import Outcome

    err = abs(value - reference) / abs(reference) if reference != 0 else abs(value - reference)
    return Outcome.bound(err, tol, predicted=reference, measured=value, name=f"{name}: relative error",
                         detail=f"{name} = {value:.17g} (reference {reference:.17g})")


class single_thread:
    """``with single_thread():`` runs Torch with one intra-op thread and restores the previous count: the
    small batched tensors of the optimisation sections gain nothing from threads, and on the shared 2-core
    machine two threads made them an order of magnitude slower (measured)."""

    def __enter__(self):
        import torch

        self.old = torch.get_num_threads()
        torch.set_num_threads(1)
        return self

    def __exit__(self, *exc):
        import torch

        torch.set_num_threads(self.old)
        return False
