"""Yarotsky's lecture, "Evasion of saddle points": saddles (Hessian with eigenvalues of both signs) are
typically evaded by gradient descent; "the manifold of converging W^(n) has Lebesgue measure 0".

Test function with strict saddles and known stable manifolds: L(w) = sum_{i<m} (w_i^4/4 - w_i^2/2) +
sum_{i>=m} w_i^2/2 in d dimensions.  Stationary points: w_i in {0, +-1} for i < m, w_i = 0 for i >= m;
the minima have every w_i = +-1 (i < m); every other stationary point is a strict saddle (or the maximum-
like point 0, Hessian -1 on the first m coordinates).  The set of initialisations that converge to a
saddle is the union of coordinate hyperplanes {w_i = 0} (i < m): measure zero.  Monte Carlo: the number of
uniform random initialisations ending at a saddle must be 0; the Clopper-Pearson bound on the fraction is
reported.  The converse (the set is not empty) is checked by starting on it.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, binomial_interval, clopper_pearson

SRC = f"{LECTURE}, 'Evasion of saddle points'"

SIZES = {"smoke": {"runs": 2000, "d": 6, "m": 3}, "default": {"runs": 10000, "d": 8, "m": 4},
         "paper": {"runs": 200000, "d": 10, "m": 5}}


def grad(W, m):
    G = W.copy()
    G[:, :m] = W[:, :m] ** 3 - W[:, :m]
    return G


def run(W, m, alpha=0.2, steps=400):
    """Batched GD; returns the final points."""
    for _ in range(steps):
        W = W - alpha * grad(W, m)
    return W


C = claim(
    "yarotsky/saddle-evasion",
    "Saddle points are typically evaded by gradient descent: the set of initialisations whose iterates converge "
    "to a strict saddle has Lebesgue measure 0.",
    SRC,
)


@C.simulation("random-starts-avoid-saddles", sizes=SIZES)
def _(ctx):
    """``runs`` initialisations uniform in [-2, 2]^d, GD with alpha = 0.2 for 400 steps (contraction |1 -
    2 alpha| = 0.6 per step at the minima: from any start not on the stable manifolds the distance to a
    minimum is < 1e-6 long before).  Counted: runs ending within 1e-6 of a saddle (some w_i, i < m, with
    |w_i| < 1e-3 while |grad| < 1e-6) -- must be 0 -- and runs ending at a minimum (all |w_i| within 1e-6
    of 1) -- must be all.  The Clopper-Pearson upper limit of the saddle fraction at level ALPHA is the
    tolerance's interval (the measured fraction 0 lies in it by construction; what is checked is the
    count, the interval states what 0 out of ``runs`` bounds)."""
    sz = ctx.sizes
    rng = ctx.rng(7)
    W0 = rng.uniform(-2, 2, size=(sz["runs"], sz["d"]))
    W = run(W0, sz["m"])
    g = np.linalg.norm(grad(W, sz["m"]), axis=1)
    at_min = np.all(np.abs(np.abs(W[:, :sz["m"]]) - 1) < 1e-6, axis=1) & np.all(np.abs(W[:, sz["m"]:]) < 1e-6, axis=1)
    at_saddle = (g < 1e-6) & np.any(np.abs(W[:, :sz["m"]]) < 1e-3, axis=1)
    n = int(sz["runs"])
    tol = clopper_pearson(int(at_saddle.sum()), n, ALPHA, "fraction of starts converging to a saddle")
    lo, hi = binomial_interval(int(at_saddle.sum()), n, ALPHA)
    return Outcome.criterion([("runs ending at a saddle", int(at_saddle.sum()), "==", 0),
                              ("runs ending at a minimum", int(at_min.sum()), "==", n)], tol,
                             detail=f"{n} runs, d = {sz['d']}, m = {sz['m']}: fraction at saddles 0, "
                                    f"Clopper-Pearson upper limit {hi:.3g} at level {ALPHA:g}")


@C.precise("stable-manifold-is-not-empty")
def _(ctx):
    """Starts exactly on the stable manifold of the saddle (w_1 = 0, other w_i ~ U[-2, 2]; d = 4, m = 2):
    w_1 stays exactly 0 in floating point (its gradient is w_1^3 - w_1 = 0), so 200 such runs converge to the
    saddle w = (0, +-1, 0, 0) (|grad| < 1e-12, Hessian eigenvalue -1 along w_1): the measure-zero set is
    non-empty, and the detection used above recognises it.  Counts: exact."""
    rng = ctx.rng(8)
    W0 = rng.uniform(-2, 2, size=(200, 4))
    W0[:, 0] = 0.0
    W = run(W0, 2)
    g = np.linalg.norm(grad(W, 2), axis=1)
    at_saddle = (g < 1e-12) & (np.abs(W[:, 0]) < 1e-3)
    return Outcome.criterion([("runs from w_1 = 0 ending at the saddle", int(at_saddle.sum()), "==", 200)],
                             clopper_pearson(int(at_saddle.sum()), 200, ALPHA, "fraction"))
