"""§4 The Effects of Noise: a Simulation Study (Fig. 1): the DAE fixed point lam/(lam + eps), gradient descent
following eq. (5), and faster convergence to a smaller fixed point with more noise.

No errata in this section.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.symbolic import dae as S
from theorycheck.verify.claims.pretorius2018._common import CITE, F1_SIZES, eps, fig1_errors, lam, tau
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion, first_order

C4 = claim(
    "pretorius2018/sec4-fixed-point",
    "The DAE fixed point is w* = lam/(lam + eps) (Fig. 1: 1, 0.5, 1/6 for eps = 0, 1, 5 at lam = 1); gradient-"
    "descent trajectories follow eq. (5); more noise converges faster to a smaller fixed point.",
    f"{CITE}, §4 and Fig. 1",
)


@C4.exact("fixed-point")
def _(ctx):
    """The stationary point of the scalar loss (lam/2tau)(1 - w)^2 + (eps/2tau) w^2 minus lam/(lam + eps), and
    the Fig. 1 values at lam = 1, eps = 0, 1, 5 minus 1, 1/2, 1/6: exactly 0."""
    w = sp.Symbol("w", real=True)
    ell = lam / (2 * tau) * (1 - w) ** 2 + eps / (2 * tau) * w**2
    sol = sp.solve(sp.diff(ell, w), w)
    vals = [S.W_STAR.subs({lam: 1, eps: e}) for e in (0, 1, 5)]
    res = sp.simplify(sol[0] - S.W_STAR) + sum(abs(v - p) for v, p in zip(vals, (1, sp.Rational(1, 2), sp.Rational(1, 6))))
    return Outcome.symbolic(res, "d ell/dw = 0 at lam/(lam+eps); Fig. 1 values 1, 1/2, 1/6")


@C4.simulation("gd-follows-eq5-first-order", sizes=F1_SIZES)
def _(ctx):
    """Gradient descent on (2)-(3) from random starts is forward Euler for the flow whose solution is eq. (5):
    the max deviation from eq. (5) at rates lr and lr/2 must halve (observed order 1).  Tolerance
    first_order: |order - 1| <= 2 h L with L = (2 lam + 3 eps)/tau the largest Hessian eigenvalue
    (supplementary D) at eps = 5."""
    lr = ctx.sizes["lr"]
    e1 = fig1_errors(ctx, lr)
    e2 = fig1_errors(ctx, lr / 2)
    orders = [math.log2(e1[k][0] / e2[k][0]) for k in e1]
    worst = max(abs(p - 1) for p in orders)
    L = 2 * 1.0 + 3 * 5.0  # largest Hessian eigenvalue (2 lam + 3 eps)/tau at w1 = w2 = 1 (supplementary D)
    tol = first_order(lr, L, why="GD = forward Euler of (2)-(3); error ratio at lr and lr/2 must be 2")
    return Outcome.bound(worst, tol, f"convergence orders {[round(p, 3) for p in orders]} for eps = 0, 1, 5; max |w_gd - "
                         f"w_eq5| = {[f'{e1[k][0]:.2e}' for k in e1]} at lr {lr}", predicted=1.0, measured=orders,
                         name="max |convergence order - 1|", sizes=dict(ctx.sizes))


@C4.simulation("more-noise-converges-faster", sizes=F1_SIZES)
def _(ctx):
    """Time to come within 1% of w* from a small balanced start (w0 = 1e-3, c0 = 1e-4 in eq. (5); w1 = w2 =
    sqrt(1e-3) for gradient descent), for eps = 0, 1, 5: each must be smaller than the previous one by more
    than the time resolution of its grid (1e-3 for eq. (5) on its grid, one step lr for gradient descent), a
    strict decrease that rounding to the grid cannot produce.  Deterministic (no sampling)."""
    from theorycheck.numeric.dae import scalar_gd, w_t

    grid = 1e-3
    ts = np.arange(0, 30001) * grid
    conv = []
    for e_ in (0.0, 1.0, 5.0):
        ws = 1 / (1 + e_)
        w = w_t(1.0, e_, 1.0, 1e-4, 1e-3, ts)
        conv.append(float(ts[np.argmax(np.abs(w - ws) <= 0.01 * ws)]))
    lr = ctx.sizes["lr"]
    sim = []
    for e_ in (0.0, 1.0, 5.0):
        ws = 1 / (1 + e_)
        steps = int(30 / lr)
        tt, A, B = scalar_gd([math.sqrt(1e-3)], [math.sqrt(1e-3)], 1.0, steps, lr, eps=e_)
        sim.append(float(tt[np.argmax(np.abs(A[:, 0] * B[:, 0] - ws) <= 0.01 * ws)] * lr))
    names = (("eq. (5) time to 1% of w*, eps = 1 (< eps = 0 minus grid)", "eq. (5) time to 1% of w*, eps = 5 (< eps = 1 minus grid)"),
             ("GD time to 1% of w*, eps = 1 (< eps = 0 minus lr)", "GD time to 1% of w*, eps = 5 (< eps = 1 minus lr)"))
    terms = [(names[0][i], conv[i + 1], "<", conv[i] - grid) for i in range(2)]
    terms += [(names[1][i], sim[i + 1], "<", sim[i] - lr) for i in range(2)]
    return Outcome.criterion(terms, criterion(0.0, "convergence time strictly decreasing in eps (each term: time at "
                                              "the larger eps < time at the smaller eps minus one grid step)"),
                             f"time to within 1% of w*: eq. (5) {conv}, GD {sim} (eps = 0, 1, 5; lr = {lr})",
                             predicted="decreasing in eps", measured=sim, sizes=dict(ctx.sizes))
