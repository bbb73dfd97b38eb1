"""Yarotsky's lecture, "NP-hardness of general non-convex optimization": 3-SAT reduces to non-convex
quadratic programming -- a CNF C_1 AND C_2 AND ... with 3-literal clauses is satisfiable iff

    min_{x_1..x_n} sum_k (x_k - x_k^2) = 0   subject to 0 <= x_k <= 1 and, per clause such as
    x_i OR (NOT x_j) OR x_k, the constraint x_i + (1 - x_j) + x_k >= 1.

Checks: the lecture's own clause template exactly (all 8 Boolean assignments); random small instances
(n = 5, 6 variables, m ~ 6 n clauses: near the small-n satisfiability threshold, so both outcomes occur), with
satisfiability by enumerating the 2^n assignments and the continuous problem solved globally by spatial
branch and bound: on a box [l, u] the concave x(1 - x) is bounded below by its secant
l(1 - l) + (x - l)(1 - l - u), the LP over the polytope with the secants (scipy's HiGHS) gives a lower bound,
its solution an upper bound; boxes are split at the LP point in the coordinate with the largest secant gap.
A satisfiable instance has min = 0 (certified by a 0/1 vertex); an unsatisfiable one has a certified
lower bound > 0.  Objective and constraints are sums of a few terms of size <= n, so the LP's feasibility
tolerance (1e-9) and the bound's rounding (n eps) are far below the margin reported.
"""
from __future__ import annotations

import heapq
import itertools

import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion

SRC = f"{LECTURE}, 'NP-hardness of general non-convex optimization'"

C = claim(
    "yarotsky/3sat-reduction",
    "A 3-CNF formula is satisfiable iff min sum_k (x_k - x_k^2) = 0 over 0 <= x_k <= 1 with one linear constraint "
    "per clause (x_i OR NOT x_j OR x_k -> x_i + (1 - x_j) + x_k >= 1).",
    f"{SRC}, Reduction",
)


@C.exact("clause-template-and-integrality")
def _(ctx):
    """The lecture's clause x_i OR (NOT x_j) OR x_k: over the 8 Boolean assignments, the clause is true iff
    x_i + (1 - x_j) + x_k >= 1 (count of disagreements must be 0); and x - x^2 = x(1 - x) >= 0 on [0, 1]
    with zeros exactly {0, 1} (SymPy solveset).  Residual: disagreements + a set difference, exactly 0."""
    bad = sum(int((xi or (not xj) or xk) != (xi + (1 - xj) + xk >= 1))
              for xi, xj, xk in itertools.product((0, 1), repeat=3))
    x = sp.Symbol("x", real=True)
    zeros = sp.solveset(x - x**2, x, sp.Interval(0, 1))
    nonneg = sp.solveset(x - x**2 < 0, x, sp.Interval(0, 1))
    res = sp.Integer(bad) + (0 if zeros == sp.FiniteSet(0, 1) else 1) + (0 if nonneg == sp.EmptySet else 1)
    return Outcome.symbolic(res, f"zeros of x - x^2 on [0, 1]: {zeros}; negative set: {nonneg}")


def random_3sat(rng, n: int, m: int):
    """m clauses of 3 distinct variables with random signs: a list of (vars, signs), sign +1 = positive."""
    out = []
    for _ in range(m):
        v = rng.choice(n, size=3, replace=False)
        s = rng.choice((-1, 1), size=3)
        out.append((tuple(int(a) for a in v), tuple(int(b) for b in s)))
    return out


def satisfiable(clauses, n: int) -> bool:
    X = np.array(list(itertools.product((0, 1), repeat=n)), dtype=bool)
    ok = np.ones(len(X), dtype=bool)
    for v, s in clauses:
        ok &= np.any(np.stack([X[:, a] if b > 0 else ~X[:, a] for a, b in zip(v, s)], 1), axis=1)
    return bool(ok.any())


def constraints(clauses, n: int):
    """A_ub x <= b_ub for the clause constraints: sum_pos x + sum_neg (1 - x) >= 1."""
    A = np.zeros((len(clauses), n))
    b = np.zeros(len(clauses))
    for r, (v, s) in enumerate(clauses):
        neg = 0
        for a, sg in zip(v, s):
            A[r, a] += -1.0 if sg > 0 else 1.0
            neg += sg < 0
        b[r] = neg - 1.0
    return A, b


def global_min(clauses, n: int, max_nodes: int = 20000, certify_above: float | None = None):
    """Spatial branch and bound for min sum x(1 - x) over the clause polytope: (lower, upper, nodes).
    With ``certify_above`` it stops as soon as the global lower bound exceeds that level (enough to certify
    min > 0)."""
    from scipy.optimize import linprog

    A, b = constraints(clauses, n)

    def f(x):
        return float(np.sum(x * (1 - x)))

    def relax(lo, hi):
        c = 1.0 - lo - hi  # secant slopes
        const = float(np.sum(lo * (1 - lo) - lo * c))
        r = linprog(c, A_ub=A, b_ub=b, bounds=list(zip(lo, hi)), method="highs")
        if r.status == 2:
            return None
        return r.fun + const, r.x

    best, heap, nodes = np.inf, [], 0
    root = relax(np.zeros(n), np.ones(n))
    if root is None:
        return np.inf, np.inf, 1  # empty polytope: no feasible point, unsatisfiable (min over empty set)
    heapq.heappush(heap, (root[0], 0, np.zeros(n), np.ones(n), root[1]))
    tie = 1
    lower = root[0]
    while heap and nodes < max_nodes:
        lb, _, lo, hi, x = heapq.heappop(heap)
        lower = lb
        best = min(best, f(x))
        if lb >= best - 1e-12 or best <= 0.0 or (certify_above is not None and lb > certify_above):
            break
        nodes += 1
        gap = x * (1 - x) - (lo * (1 - lo) + (x - lo) * (1 - lo - hi))
        k = int(np.argmax(gap))
        cut = x[k] if lo[k] + 1e-9 < x[k] < hi[k] - 1e-9 else 0.5 * (lo[k] + hi[k])
        for a, bb in ((lo[k], cut), (cut, hi[k])):
            l2, h2 = lo.copy(), hi.copy()
            l2[k], h2[k] = a, bb
            r = relax(l2, h2)
            if r is not None and r[0] < best - 1e-12:
                heapq.heappush(heap, (r[0], tie, l2, h2, r[1]))
                tie += 1
    if not heap:
        lower = best
    return lower, best, nodes


@C.precise("random-instances-enumeration-vs-global-solve")
def _(ctx):
    """16 random instances (8 with n = 5, m = 30 and 8 with n = 6, m = 35; at these small n about 40 % are
    satisfiable, so both kinds occur): satisfiable by enumeration
    iff the continuous minimum is 0 -- satisfiable ones must reach an upper bound of exactly 0 (a 0/1 point
    is found), unsatisfiable ones a certified lower bound > 1e-6 (far above the LP tolerance 1e-9 times
    the objective's n-term sum).  Both kinds must occur.  Counts: exact (criterion)."""
    rng = ctx.rng(11)
    agree, n_sat, n_unsat, lbs = 0, 0, 0, []
    total = 0
    for n, m in [(5, 30)] * 8 + [(6, 35)] * 8:
        cl = random_3sat(rng, n, m)
        sat = satisfiable(cl, n)
        lo, up, _ = global_min(cl, n, certify_above=1e-6)
        cont_zero = up == 0.0
        cont_pos = lo > 1e-6
        agree += int((sat and cont_zero) or ((not sat) and cont_pos))
        n_sat += int(sat)
        n_unsat += int(not sat)
        if not sat:
            lbs.append(lo)
        total += 1
    return Outcome.criterion([("instances where SAT <=> min = 0 is confirmed", agree, "==", total),
                              ("satisfiable instances", n_sat, ">=", 1), ("unsatisfiable instances", n_unsat, ">=", 1)],
                             criterion(0.0, "exact counts; certified bounds"),
                             detail=f"{n_sat} satisfiable, {n_unsat} unsatisfiable; smallest certified lower bound "
                                    f"of an unsatisfiable instance {min(lbs) if lbs else float('nan'):.4g}")
