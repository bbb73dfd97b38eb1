"""Yarotsky's lecture, "Reduction to 1D dynamics" (after Poole et al. 2016): the q-map
nu(q) = alpha_w^2 int sigma^2(sqrt(q) s) Ds + alpha_h^2 (Proposition), its closed form for ReLU
(the exercise "Find the map ... ReLU" that opens "Fixed points"), and finite-width tanh networks
whose lengths q_l follow it.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; nu = the q-map.

Erratum: the proof of the Proposition states z_{k-1,i} ~ N(0, q_{k-1}^2); with q_k = |z_k|^2/d_k the
variance is q_{k-1} (not its square), which is what the Proposition's integral
int sigma^2(sqrt(q_{k-1}) s) Ds uses (check ``proof-variance-of-z``).
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic.registry import get
from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.yarotsky._common import (ACT, K_QUAD, LECTURE, SB2, SIZES, SRC, log_condition, nets,
                                                      rel_error_outcome)
from theorycheck.verify.formulas import evaluate_mpmath, generated_function
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import conditioned

s_, sw2, sb2 = sp.Symbol("s", real=True), SM.sw2, SM.sb2
Ds = sp.exp(-s_**2 / 2) / sp.sqrt(2 * sp.pi)

# ----------------------------------------------------------------------------------------------
CQ = claim(
    "yarotsky/qmap-proposition",
    "q_k = nu(q_{k-1}) = alpha_w^2 int sigma^2(sqrt(q_{k-1}) s) Ds + alpha_h^2 (Proposition, Poole et al.); "
    "for ReLU nu(q) = alpha_w^2 q/2 + alpha_h^2 (exercise).",
    f"{SRC}, 'Reduction to 1D dynamics', Proposition and proof; exercise 'Find the map ... ReLU'",
)


@CQ.exact("proof-variance-of-z")
def _(ctx):
    """The proof's 'z_{k-1,i} ~ N(0, q_{k-1}^2)' vs the Proposition's integral, checked with ReLU: SymPy
    integrals E[ReLU(z)^2] for z ~ N(0, q^2) (printed) and z ~ N(0, q) (corrected) minus
    int ReLU^2(sqrt(q) s) Ds; exact (residual must simplify to 0 for all q > 0)."""
    z = sp.Symbol("z", real=True)
    q = sp.Symbol("q", positive=True)
    relu2 = lambda v: sp.integrate(z**2 * sp.exp(-z**2 / (2 * v)) / sp.sqrt(2 * sp.pi * v), (z, 0, sp.oo))  # noqa: E731
    proposition = sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo))
    printed = sp.simplify(relu2(q**2) - proposition)
    corrected = sp.simplify(relu2(q) - proposition)
    return erratum(
        Outcome.symbolic(printed, "E[ReLU(z)^2], z ~ N(0, q^2) minus int ReLU^2(sqrt(q) s) Ds (must be 0 for all q)"),
        Outcome.symbolic(corrected, "E[ReLU(z)^2], z ~ N(0, q) minus int ReLU^2(sqrt(q) s) Ds"),
        "In the proof, z_{k-1,i} ~ N(0, q_{k-1}) (variance q_{k-1} = E z^2), not N(0, q_{k-1}^2); the "
        "Proposition itself is right.",
    )


@CQ.exact("relu-qmap-exercise")
def _(ctx):
    """SymPy integral of the Proposition's q-map for ReLU and leaky ReLU minus the registered closed
    forms (meanfield.qmap.relu / leaky_relu); exact."""
    q = sp.Symbol("q", positive=True)
    nu = sw2 * sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo)) + sb2
    r1 = sp.simplify(nu - SM.QMAP["relu"].subs(SM.q, q))
    a = SG.a
    nu_l = sw2 * (sp.integrate((a * sp.sqrt(q) * s_) ** 2 * Ds, (s_, -sp.oo, 0))
                  + sp.integrate((sp.sqrt(q) * s_) ** 2 * Ds, (s_, 0, sp.oo))) + sb2
    r2 = sp.simplify(nu_l - SM.QMAP["leaky_relu"].subs(SM.q, q))
    return Outcome.symbolic(r1 + r2, "SymPy integral of the q-map for ReLU and leaky ReLU vs the registered closed forms")


# rounded operations of the float64 kernels: tanh = a trapezoid-rule expectation (K_QUAD) and
# sw2 * E + sb2 (2 more, doubled); erf = the arcsine closed form sw2 (2/pi) asin(2q/(1+2q)) + sb2
# (8 operations incl. asin <= 1 ulp, doubled)
_QMAP_K = {"meanfield.qmap.tanh": K_QUAD + 4, "meanfield.qmap.erf": 16}


@CQ.precise("tanh-erf-qmap-vs-mpmath")
def _(ctx):
    """nu(q) from the float64 kernels (tanh: trapezoid rule; erf: arcsine form) vs the mpmath reference
    (30 digits) at 4 points each.  Tolerance per point: conditioned(cond, k), cond = max over
    (q, sw2, sb2) of |x d ln nu / d x| at that point (central differences of the kernel), k the
    kernel's rounded operations (_QMAP_K); every point must hold."""
    outs = []
    for fid in ("meanfield.qmap.tanh", "meanfield.qmap.erf"):
        f = get(fid)
        kern = generated_function(f, "numpy")
        for qv, w, b in ((0.01, 1.0, 0.0), (0.7, 1.5, 0.05), (4.0, 3.0, 1.0), (30.0, 0.5, 0.2)):
            ref = float(evaluate_mpmath(f, {"q": Fraction(qv), "sw2": Fraction(w), "sb2": Fraction(b)}, 30))
            got = float(kern(qv, w, b))
            cond = log_condition(lambda q, sw2, sb2: kern(q, sw2, sb2), {"q": qv, "sw2": w, "sb2": b})
            outs.append(rel_error_outcome(ref, got, conditioned(cond, _QMAP_K[fid], f"{fid} at q={qv}, sw2={w}, sb2={b}"),
                                          f"{fid}(q={qv}, sw2={w}, sb2={b})"))
    return Outcome.all_of(outs, "nu(q) for tanh (trapezoid rule) and erf (arcsine form) at 4 points each")


# ----------------------------------------------------------------------------------------------
CS = claim(
    "yarotsky/sim-qmap",
    "In random tanh networks with i.i.d. Gaussian weights N(0, sw2/N) and biases N(0, sb2), the length "
    "q_l = |z_l|^2/N follows the q-map iterated from q_0, q_l = nu(q_{l-1}), up to fluctuations that "
    "shrink like N^(-1/2).",
    f"{LECTURE}, 'Reduction to 1D dynamics' (Proposition, after Poole et al. 2016)",
)
_Q_SW2, _Q0 = 2.5, 3.0  # chaotic point, started far from q* so that the trajectory moves


def _qmap_runs(ctx):
    depth = int(ctx.sizes["depth"])
    runs = [MF.simulate(ACT, int(w), depth, _Q_SW2, SB2, _Q0, (0.5,), nets(ctx, w), MF.seed_for(ctx, 1 + i),
                        device=ctx.device) for i, w in enumerate(ctx.sizes["widths"])]
    theory = MF.q_trajectory(ACT, _Q0, _Q_SW2, SB2, depth)
    return runs, theory


@CS.simulation("q-profile-vs-qmap", sizes=SIZES)
def _(ctx):
    """Mean over independent networks (larger width) of q_l vs nu^l(q_0), every layer l = 1..L.
    Tolerance per layer: clt_t on the network-to-network spread (ALPHA split over the layers) plus the
    delta-method bias bound of the noisy iteration (curvature of nu times the measured Var q_(l-1),
    carried by nu'), see propagation_checks.profile_outcome."""
    runs, theory = _qmap_runs(ctx)
    q = runs[-1].q[:, 0, :]  # one input per net, so that the n samples are independent
    bias = MF.delta_method_bias(lambda x: MF.qmap(ACT, np.maximum(x, 0.0), _Q_SW2, SB2), theory,
                                q.var(axis=0, ddof=1), vectorized=True)
    return MF.profile_outcome(q, theory, bias, f"q_l of tanh nets (sw2={_Q_SW2}, sb2={SB2}, q0={_Q0}, "
                              f"N={ctx.sizes['widths'][-1]})", dict(ctx.sizes))


@CS.simulation("one-step-error-width-scaling", sizes=SIZES)
def _(ctx):
    """Per layer, q_l minus the map applied to the *measured* q_(l-1): these one-step errors are
    nearly independent across layers (martingale differences), so their RMS is a precise statistic.
    Its fitted exponent between the two widths vs -1/2: t quantile (ALPHA) times the delta-method
    standard error plus the shift an O(1/N) bias can cause (propagation_checks.width_scaling_outcome)."""
    runs, _ = _qmap_runs(ctx)
    devs = [r.q[:, 0, 1:] - MF.qmap(ACT, r.q[:, 0, :-1], _Q_SW2, SB2) for r in runs]
    w = ctx.sizes["widths"]
    return MF.width_scaling_outcome(devs[0], devs[1], w[0], w[1], "q_l - nu(q_(l-1)), tanh", dict(ctx.sizes))
