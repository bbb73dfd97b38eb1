"""Yarotsky's lecture, "Conceptual pictures of the loss surface (conjectured)", alternative 2: "the loss
function is highly nonlinear, but has few local minima, and the minima are connected", with the example
L(w1, w2) = (w2 - w1^2)^2 + eps w1^2.

Reading: for eps > 0 the only stationary point is the global minimum (0, 0) (so every sublevel set of this
coercive function is connected: a second component would hold a second local minimum); for eps = 0 the
minima form the connected parabola w2 = w1^2.  "Highly nonlinear": the minimum's Hessian diag(2 eps, 2) has
condition number 1/eps and the valley is curved.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion

SRC = f"{LECTURE}, 'Conceptual pictures of the loss surface (conjectured)'"

w1, w2 = sp.symbols("w1 w2", real=True)
eps = sp.Symbol("epsilon", positive=True)
L = (w2 - w1**2) ** 2 + eps * w1**2

C = claim(
    "yarotsky/few-connected-minima-example",
    "L(w1, w2) = (w2 - w1^2)^2 + eps w1^2 is highly nonlinear but has few local minima, and its minima are "
    "connected: for eps > 0 a single stationary point, the global minimum (0, 0); for eps = 0 the minima form "
    "the connected curve w2 = w1^2.",
    f"{SRC}, alternative 2",
)


@C.exact("unique-stationary-point-and-minimum-curve")
def _(ctx):
    """SymPy: the real solutions of grad L = 0 for symbolic eps > 0 are exactly {(0, 0)}; the Hessian there is
    diag(2 eps, 2) (positive definite, condition number 1/eps) and L(0, 0) = 0 <= L; at eps = 0 grad L and L
    vanish identically on w2 = w1^2 (parametrised by w1).  Residual: exactly 0."""
    sols = sp.solve([sp.diff(L, v) for v in (w1, w2)], [w1, w2], dict=True)
    real = [s for s in sols if all(v.is_real is not False for v in s.values())]
    res = sp.Integer(len(real) - 1) ** 2 + sum(v**2 for v in real[0].values())
    H = sp.hessian(L, (w1, w2)).subs({w1: 0, w2: 0})
    res += sum((H - sp.diag(2 * eps, 2)).applyfunc(lambda e: e**2))
    L0 = L.subs(eps, 0)
    on_curve = [sp.simplify(e.subs(w2, w1**2)) for e in (L0, sp.diff(L0, w1), sp.diff(L0, w2))]
    res += sum(e**2 for e in on_curve)
    return Outcome.symbolic(sp.simplify(res), f"real stationary points for eps > 0: {real}")


@C.precise("sublevel-sets-connected-and-gd-finds-the-minimum")
def _(ctx):
    """eps = 0.1: the sublevel sets {L <= delta}, delta in {0.01, 0.1, 1, 4}, on a 801 x 801 grid of [-3, 3]^2
    have one connected component each (4-neighbour flood fill; the grid spacing 0.0075 resolves the valley,
    whose width at level delta is >= 2 sqrt(delta/(1 + eps)) ... >= 0.19); and 200 GD runs (alpha = 0.01 < 2/56, the largest curvature on the start box, from
    U[-2, 2]^2, 20000 steps) all end within 1e-6 of (0, 0).  Counts: exact (criterion)."""
    from scipy import ndimage

    Lf = sp.lambdify((w1, w2), L.subs(eps, sp.Rational(1, 10)), "numpy")
    x = np.linspace(-3, 3, 801)
    X, Y = np.meshgrid(x, x, indexing="ij")
    Z = Lf(X, Y)
    comps = [int(ndimage.label(Z <= d)[1]) for d in (0.01, 0.1, 1.0, 4.0)]
    rng = ctx.rng(9)
    W = rng.uniform(-2, 2, size=(200, 2))
    for _ in range(20000):
        r = W[:, 1] - W[:, 0] ** 2
        W = W - 0.01 * np.stack([-4 * W[:, 0] * r + 0.2 * W[:, 0], 2 * r], axis=1)
    at0 = int(np.sum(np.linalg.norm(W, axis=1) < 1e-6))
    return Outcome.criterion([("max components of a sublevel set", max(comps), "==", 1),
                              ("GD runs ending at (0, 0)", at0, "==", 200)],
                             criterion(0.0, "counts (connected components, runs at the minimum)"),
                             detail=f"components {comps} for delta = 0.01, 0.1, 1, 4")
