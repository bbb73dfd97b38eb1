"""Yarotsky's lecture, "Linearization and spectral analysis": near a stationary point W*,
W^(n+1) - W* = (1 - alpha D^2L(W*)) (W^(n) - W*) + o(|W^(n) - W*|), and "convergence is determined by
eigenvalues of D^2L(W*): positive: convergence, negative: divergence".

Erratum (printed sign condition): an eigenvalue lambda > 0 gives convergence only when alpha lambda < 2; the
linear map multiplies that component by 1 - alpha lambda, whose modulus exceeds 1 for alpha lambda > 2
(oscillating divergence; alpha lambda = 2 exactly is the neutral boundary).  The corrected statement --
local convergence iff 0 < alpha lambda < 2 for every eigenvalue (strict inequalities; a negative eigenvalue
gives divergence of the generic component) -- is checked on a quadratic and on the lecture's own example
L = (w2 - w1^2)^2 + eps w1^2 (minimum W* = 0, D^2L = diag(2 eps, 2)).  The upper limit is needed.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import criterion, remainder

SRC = f"{LECTURE}, 'Linearization and spectral analysis'"
EPS_EX = 0.1  # eps of the example L = (w2 - w1^2)^2 + eps w1^2


def banana(w, eps=EPS_EX):
    return (w[1] - w[0] ** 2) ** 2 + eps * w[0] ** 2


def banana_grad(w, eps=EPS_EX):
    r = w[1] - w[0] ** 2
    return np.array([-4.0 * w[0] * r + 2.0 * eps * w[0], 2.0 * r])


CL = claim(
    "yarotsky/linearization-near-stationary-point",
    "Near a stationary point W*, W^(n+1) - W* = (1 - alpha D^2L(W*))(W^(n) - W*) + o(|W^(n) - W*|); convergence "
    "is determined by the eigenvalues of D^2L(W*): positive -> convergence, negative -> divergence.",
    SRC,
)


@CL.exact("linear-map-exact-for-quadratics")
def _(ctx):
    """For L = (W - W*)^T H (W - W*)/2 with a symbolic symmetric 2 x 2 H, one GD step minus W* minus (1 - alpha
    H)(W - W*) simplifies to exactly 0 (the o(.) term vanishes)."""
    a, b, c, al = sp.symbols("a b c alpha", real=True)
    w = sp.Matrix(sp.symbols("w1 w2", real=True))
    ws = sp.Matrix(sp.symbols("s1 s2", real=True))
    H = sp.Matrix([[a, b], [b, c]])
    L = ((w - ws).T * H * (w - ws))[0] / 2
    g = sp.Matrix([sp.diff(L, v) for v in w])
    res = sp.simplify((w - al * g) - ws - (sp.eye(2) - al * H) * (w - ws))
    return Outcome.symbolic(sum(e**2 for e in res), "GD step of a quadratic is exactly the linear map")


@CL.precise("remainder-is-second-order")
def _(ctx):
    """The lecture's example L = (w2 - w1^2)^2 + eps w1^2 (eps = 0.1), W* = 0, D^2L = diag(2 eps, 2), alpha =
    0.3: the remainder ratio |F(W) - (1 - alpha H) W| / |W| at 24 directions and radii r = 10^-1 .. 10^-6 is
    below its explicit bound alpha r (2 sqrt 2 + 4 r) (grad L - H W = (-4 w1 w2 + 4 w1^3, -2 w1^2) with |w1
    w2| <= r^2/2), plus a rounding floor 8 eps/r relative to |W| (the step's absolute rounding ~ 4 eps r,
    divided by r, doubled): the tolerance rule is ``remainder``.  So the remainder is o(|W - W*|): the worst
    ratio at r = 1e-6 is reported (-> 0 linearly in r)."""
    al = 0.3
    H = np.diag([2 * EPS_EX, 2.0])
    th = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    outs, worst_small = [], 0.0
    for r in (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6):
        worst = 0.0
        for t in th:
            w = r * np.array([math.cos(t), math.sin(t)])
            F = w - al * banana_grad(w)
            worst = max(worst, float(np.linalg.norm(F - (np.eye(2) - al * H) @ w)) / r)
        tol = remainder(al * r * (2 * math.sqrt(2) + 4 * r), scale=1.0 / r, k=8.0,
                        why=f"r = {r:g}: second-order terms of grad L times alpha")
        outs.append(Outcome.bound(worst, tol, name=f"max remainder / |W - W*| at r = {r:g}"))
        worst_small = worst
    return Outcome.all_of(outs, detail=f"worst ratio at r = 1e-6: {worst_small:.3g}")


def converges(grad, w0, alpha, steps=4000, tol=1e-10, blow=1e6):
    """True if GD from w0 reaches |W| < tol (W* = 0), False if it leaves |W| < blow or stalls."""
    w = np.array(w0, dtype=np.float64)
    for _ in range(steps):
        w = w - alpha * grad(w)
        n = float(np.linalg.norm(w))
        if n < tol:
            return True
        if not n < blow:
            return False
    return False


@CL.precise("convergence-iff-0-lt-alpha-lambda-lt-2")
def _(ctx):
    """Printed: every Hessian eigenvalue positive => GD started near W* converges.  Tested on (a) the
    quadratic L = (W^T diag(1, 3) W)/2 and (b) the example L = (w2 - w1^2)^2 + 0.1 w1^2 (eigenvalues 0.2, 2),
    from W^(1) = 1e-3 (1, 1) (in the linear regime), for alpha lambda_max on a grid of 25 values in [0.1, 3.3]
    (23 of a 0.1-spaced grid plus 2.5 and 3.0; >= 0.05 away from the neutral boundary alpha lambda_max = 2) -- every eigenvalue is positive in every
    case, so the printed rule predicts convergence everywhere: it fails for alpha lambda_max > 2.  Corrected:
    converges iff max |1 - alpha lambda| < 1 (0 < alpha lambda < 2 for every eigenvalue) -- must agree on all
    50 cases.  Convergence means |W| < 1e-10 within 4000 steps; divergence |W| > 1e6.  Booleans: no
    tolerance (criterion)."""
    cases = [("quadratic", lambda w: np.array([1.0, 3.0]) * w, np.array([1.0, 3.0])),
             ("example", banana_grad, np.array([2 * EPS_EX, 2.0]))]
    grid = [x for x in np.round(np.linspace(0.1, 3.3, 33), 4) if abs(x - 2.0) >= 0.05][:23] + [2.1, 2.5, 3.0]
    grid = sorted(set(grid))
    printed_ok, corrected_ok, n_cases, above = 0, 0, 0, 0
    for name, g, lam in cases:
        for x in grid:
            alpha = x / lam.max()
            conv = converges(g, 1e-3 * np.ones(2), alpha)
            pred_corr = bool(np.max(np.abs(1 - alpha * lam)) < 1)
            printed_ok += int(conv == bool(np.all(lam > 0)))
            corrected_ok += int(conv == pred_corr)
            above += int(x > 2)
            n_cases += 1
    crit = criterion(0.0, "agreement of booleans (converged or not) with the rule")
    printed = Outcome.criterion([("cases where 'positive eigenvalues => convergence' is right", printed_ok, "==", n_cases)], crit)
    corrected = Outcome.criterion([("cases where 'converges iff 0 < alpha lambda < 2' is right", corrected_ok, "==", n_cases)], crit,
                                  detail=f"{n_cases} cases, {above} with alpha lambda_max > 2")
    return erratum(printed, corrected,
                   "Positive eigenvalues give convergence only for alpha lambda < 2 (|1 - alpha lambda| < 1); for "
                   "alpha lambda > 2 the component oscillates with growing amplitude.  The upper limit is needed.")


@CL.precise("negative-eigenvalue-diverges")
def _(ctx):
    """'Negative: divergence': L = (w1^2 - w2^2)/2 + w2^4/4 at the stationary point 0 (eigenvalues 1, -1),
    alpha = 0.1, from 20 starts at radius 1e-6 with w2 != 0: |W| leaves 1e-3 in every case, and the number of
    steps agrees with ln(1e-3 / |w2(1)|)/ln(1 + alpha) to within 2 (one ceiling each way, plus the cubic
    correction, < 1 step here: w2^2 <= 1e-6 over the phase).  Tolerance rule: remainder(2)."""
    rng = ctx.rng(5)
    al = 0.1
    worst = 0.0
    for _ in range(20):
        w = 1e-6 * rng.standard_normal(2)
        w2 = abs(w[1])
        n = 0
        while np.linalg.norm(w) < 1e-3 and n < 10**5:
            w = w - al * np.array([w[0], -w[1] + w[1] ** 3])
            n += 1
        pred = math.log(1e-3 / w2) / math.log(1 + al)
        worst = max(worst, abs(n - pred))
    return Outcome.bound(worst, remainder(2.0, scale=1.0, k=1.0, why="two ceilings plus the cubic term"),
                         name="max |escape steps - ln(r/|w2|)/ln(1 + alpha)|")
