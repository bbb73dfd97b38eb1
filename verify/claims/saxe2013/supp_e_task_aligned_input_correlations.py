"""Saxe, McClelland & Ganguli 2013, supplementary E "Learning dynamics with task-aligned input correlations": with
Sigma^11 = V^11 D V^11T the change of variables (4) gives (46), which stays decoupled from diagonal initial
conditions, and the fixed point is the best rank-N2 approximation of Sigma^31 (Sigma^11)^-1.  No errata."""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.saxe2013._common import CITE
from theorycheck.verify.registry import Outcome, claim

CE = claim(
    "saxe2013/supE-eq46-task-aligned",
    "With Sigma^11 = V D V^T and Sigma^31 = U S V^T, W21 = W21bar V^T, W32 = U W32bar turns (2) into (46), which is "
    "decoupled when W21bar and W32bar start diagonal: each mode obeys tau da/dt = b (s - a b d), tau db/dt = "
    "a (s - a b d), with fixed point a b = s/d (the mode of Sigma^31 (Sigma^11)^-1).",
    f"{CITE}, supplementary E, eq. (46)",
)


@CE.exact("eq2-becomes-eq46")
def _(ctx):
    """(2) with Sigma^11 = V D V^T, Sigma^31 = U S V^T and W21 = W21bar V^T, W32 = U W32bar (2 x 2, U and V rational
    rotations [[1-t^2, -2t], [2t, 1-t^2]]/(1+t^2), general W-bar, D and S): V^T (RHS for W21) ... equals (46), i.e.
    RHS_21 V = W32bar^T (S - W32bar W21bar D) and U^T RHS_32 = (S - W32bar W21bar D) W21bar^T.  Exact: residual 0."""
    t, r = sp.symbols("t r", real=True)
    rot = lambda x: sp.Matrix([[1 - x**2, -2 * x], [2 * x, 1 - x**2]]) / (1 + x**2)  # noqa: E731
    U, V = rot(t), rot(r)
    A = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))  # W21bar
    B = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))  # W32bar
    D = sp.diag(*sp.symbols("d1 d2", positive=True))
    S = sp.diag(*sp.symbols("s1 s2", positive=True))
    W21, W32 = A * V.T, U * B
    S11, S31 = V * D * V.T, U * S * V.T
    E = S31 - W32 * W21 * S11
    r21, r32 = W32.T * E, E * W21.T
    res = list(r21 * V - B.T * (S - B * A * D)) + list(U.T * r32 - (S - B * A * D) * A.T)
    return Outcome.symbolic(sp.simplify(sum(abs(sp.cancel(sp.together(v))) for v in res)), "(2) in the new variables minus (46)")


@CE.exact("eq46-decoupled-from-diagonal")
def _(ctx):
    """(46) with diagonal W21bar = diag(a_i), W32bar = diag(b_i) (3 modes): the right-hand sides are diagonal with
    entries b_i (s_i - a_i b_i d_i) and a_i (s_i - a_i b_i d_i), whose fixed point a_i b_i = s_i/d_i is the mode of
    Sigma^31 (Sigma^11)^-1 = U S D^-1 V^T.  Exact: residual 0."""
    a = sp.symbols("a1:4", real=True)
    b = sp.symbols("b1:4", real=True)
    d = sp.symbols("d1:4", positive=True)
    s = sp.symbols("s1:4", positive=True)
    A, B, D, S = sp.diag(*a), sp.diag(*b), sp.diag(*d), sp.diag(*s)
    r21 = B.T * (S - B * A * D)
    r32 = (S - B * A * D) * A.T
    res = 0
    for i in range(3):
        for j in range(3):
            if i != j:
                res += abs(r21[i, j]) + abs(r32[i, j])
        res += abs(sp.expand(r21[i, i] - b[i] * (s[i] - a[i] * b[i] * d[i])))
        res += abs(sp.expand(r32[i, i] - a[i] * (s[i] - a[i] * b[i] * d[i])))
        res += abs(sp.simplify((s[i] - a[i] * b[i] * d[i]).subs(b[i], s[i] / (d[i] * a[i]))))
    return Outcome.symbolic(sp.simplify(res), "off-diagonal RHS, diagonal RHS minus the scalar form, and the fixed point")
