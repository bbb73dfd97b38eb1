"""Yarotsky's lecture, "Fixed points" (exercises): when q = 0 is a fixed point of the q-map nu, when a
fixed point is stable (|nu'(q*)| < 1), and that for sigma = tanh nu has a stable fixed point q* != 0.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; nu = the q-map; q* its stable fixed point.  No errata.
"""
from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from theorycheck.numeric import fixed_point as FP
from theorycheck.symbolic import meanfield as SM
from theorycheck.verify.claims.yarotsky._common import K_QUAD, SRC, rel_error_outcome
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import conditioned, criterion

s_, sb2 = sp.Symbol("s", real=True), SM.sb2

CF = claim(
    "yarotsky/fixed-points",
    "q = 0 is a fixed point of nu iff alpha_h^2 = 0 (sigma(0) = 0); a fixed point is stable iff |nu'(q*)| < 1; "
    "with sigma = tanh, nu has a stable fixed point q* != 0 (for alpha_w^2 > 1, or any alpha_h^2 > 0), and "
    "q = 0 is then unstable.",
    f"{SRC}, 'Fixed points' (exercises)",
)


@CF.exact("zero-fixed-point-iff-no-bias")
def _(ctx):
    """nu(0) - alpha_h^2 for ReLU, leaky ReLU, erf (closed forms) and tanh(0)^2, and nu'(0) =
    alpha_w^2 sigma'(0)^2 for erf (SymPy limit): the sum of squares must simplify to exactly 0."""
    res = sp.Integer(0)
    for act in ("relu", "leaky_relu", "erf"):
        res += sp.simplify(SM.QMAP[act].subs(SM.q, 0) - sb2) ** 2  # nu(0) = alpha_w^2 sigma(0)^2 + alpha_h^2
    res += sp.simplify(sp.tanh(0) ** 2)
    # stability of q = 0 for tanh/erf with sb2 = 0: nu'(0) = sw2 sigma'(0)^2
    q = sp.Symbol("q", positive=True)
    d_erf = sp.limit(sp.diff(SM.QMAP["erf"], SM.q).subs(SM.q, q), q, 0)
    res += sp.simplify(d_erf - SM.sw2 * sp.diff(sp.erf(s_), s_).subs(s_, 0) ** 2) ** 2
    return Outcome.symbolic(sp.simplify(res), "nu(0) = alpha_h^2 for odd/ReLU-type sigma; nu'(0) = alpha_w^2 sigma'(0)^2")


@CF.precise("tanh-stable-nonzero-qstar")
def _(ctx):
    """Structure on a 12 x 6 grid of (sw2 in [1.05, 4], sb2 in [0, 1]): q* > 0, 0 <= nu'(q*) < 1, and
    nu'(0) = sw2 > 1 at sb2 = 0 (all must hold); plus q* from the float64 solver vs mpmath.findroot
    (30 digits) at three points.  Tolerance of q*: conditioned(cond, k) with cond = max(sw2 dq*/dsw2,
    sb2 dq*/dsb2)/q* = max(q* - sb2, sb2)/(q* |1 - nu'(q*)|) (implicit function theorem on
    q = sw2 E[tanh^2] + sb2); k = (K_QUAD + 8)(1 + 2 cond): the quadrature's relative error in
    E[tanh^2] is a relative perturbation of sw2, moved to q* by at most cond, and the solver's
    stopping residual (4 eps) is amplified by 1/|1 - nu'(q*)| <= 2 cond (numeric/fixed_point.py)."""
    sw = np.linspace(1.05, 4.0, 12)[:, None]
    sb = np.linspace(0.0, 1.0, 6)[None, :]
    res = FP.solve_qstar("tanh", sw, sb).raise_if_diverged()
    q, slope = res.value, res.slope
    slope0 = FP.qmap_slope("tanh", np.zeros_like(sw[:, 0]), sw[:, 0])  # nu'(0) at sb2 = 0
    structure = Outcome.criterion(
        [("min q* on the grid", float(q.min()), ">", 0.0), ("max nu'(q*) on the grid", float(slope.max()), "<", 1.0),
         ("min nu'(q*) on the grid", float(slope.min()), ">=", 0.0),
         ("min nu'(0) at sb2 = 0", float(slope0.min()), ">", 1.0)],
        criterion(0.0, "the exercise's statement: a nonzero, stable fixed point, and q = 0 unstable"),
        detail=f"{res.report()}; slopes nu'(q*) in [{slope.min():.3f}, {slope.max():.3f}]")
    outs = [structure]
    for w, b in ((1.05, 0.0), (2.0, 0.0), (3.0, 0.5)):
        with mpmath.workdps(30):
            ref = float(SM.mp_qstar("tanh", w, b))
        r = FP.solve_qstar("tanh", w, b)
        got, sl = float(r.value), float(r.slope)
        cond = max(got - b, b) / (got * abs(1 - sl))
        outs.append(rel_error_outcome(ref, got, conditioned(cond, (K_QUAD + 8) * (1 + 2 * cond),
                                                            f"q* at sw2={w}, sb2={b}, nu'(q*)={sl:.4f}"),
                                      f"q*(sw2={w}, sb2={b})"))
    return Outcome.all_of(outs)


@CF.precise("ordered-qstar-zero")
def _(ctx):
    """Ordered phase, sb2 = 0, sw2 in {0.2, 0.5, 0.9, 0.999, 1}: the solver's q* must be exactly 0 (the
    only fixed point: nu(q) < sw2 q <= q for q > 0), and the iteration from q_0 = 1 must decrease at
    every step (largest step q_(t+1) - q_t < 0) and stay ordered in sw2 after 50 steps.  A criterion on
    the recorded quantities; no rounding enters (q* = 0 is returned as a value)."""
    sw = np.array([0.2, 0.5, 0.9, 0.999, 1.0])
    q = FP.qstar_tanh(sw, 0.0)
    qq = np.ones_like(sw)
    steps = []
    for _ in range(50):
        qn = FP.qmap("tanh", qq, sw, 0.0)
        steps.append(qn - qq)
        qq = qn
    return Outcome.criterion(
        [("max |q*|", float(np.max(np.abs(q))), "==", 0.0),
         ("largest step q_(t+1) - q_t, t < 50", float(np.max(steps)), "<", 0.0),
         ("min increase of q_50 with sw2", float(np.min(np.diff(qq))), ">=", 0.0)],
        criterion(0.0, "q* = 0 exactly (a value, not an error); the iteration decreases monotonically"),
        detail=f"q* = {q.tolist()} for sw2 = {sw.tolist()}, sb2 = 0; q_50 from q_0 = 1: {qq.round(4).tolist()}")
