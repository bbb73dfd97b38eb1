"""Saxe, McClelland & Ganguli 2013, section 1.1 "Learning dynamics with orthogonal inputs": with whitened
inputs the SVD change of variables (3) turns (2) into (4), whose connectivity modes obey (5), gradient
descent on the energy (6).  No errata."""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.saxe2013._common import CITE
from theorycheck.verify.registry import Outcome, claim

# ----------------------------------------------------------------------------------------------
# eq. (4)-(6)
C4 = claim(
    "saxe2013/eq4-6-mode-dynamics",
    "With whitened inputs the change of variables W21 = W21bar V^T, W32 = U W32bar turns (2) into (4); in "
    "connectivity modes (4) reads (5), which is gradient descent on the energy (6).",
    f"{CITE}, eqs. (3)-(6)",
)


def _rotation(phi):
    return sp.Matrix([[sp.cos(phi), -sp.sin(phi)], [sp.sin(phi), sp.cos(phi)]])


@C4.exact("eq2-to-eq4-rotation")
def _(ctx):
    """(2) with Sigma11 = I, Sigma31 = U S V^T, mapped through W21 = W21bar V^T, W32 = U W32bar, vs (4) (2x2 rotations
    U(phi), V(psi), symbolic weights and singular values).  Exact: SymPy residual 0."""
    p, q = sp.symbols("phi psi", real=True)
    U, V = _rotation(p), _rotation(q)
    s1, s2 = sp.symbols("s1 s2", positive=True)
    Sm = sp.diag(s1, s2)
    Wb21 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    Wb32 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"b_{i}{j}", real=True))
    W21, W32 = Wb21 * V.T, U * Wb32
    S31 = U * Sm * V.T
    # tau dW21/dt from (2) mapped back: tau dW21bar/dt = (tau dW21/dt) V
    lhs21 = (W32.T * (S31 - W32 * W21)) * V
    lhs32 = U.T * ((S31 - W32 * W21) * W21.T)
    rhs21 = Wb32.T * (Sm - Wb32 * Wb21)
    rhs32 = (Sm - Wb32 * Wb21) * Wb21.T
    res = sum(sp.simplify(sp.trigsimp(sp.expand(v))) for v in list(lhs21 - rhs21) + list(lhs32 - rhs32))
    return Outcome.symbolic(sp.simplify(res), "2x2 rotations U(phi), V(psi), symbolic weights and s1, s2")


def _modes(n_modes: int, n_hidden: int = 2):
    a = [sp.Matrix(n_hidden, 1, lambda i, j: sp.Symbol(f"a{al}_{i}", real=True)) for al in range(n_modes)]
    b = [sp.Matrix(n_hidden, 1, lambda i, j: sp.Symbol(f"b{al}_{i}", real=True)) for al in range(n_modes)]
    s = [sp.Symbol(f"s{al}", positive=True) for al in range(n_modes)]
    return a, b, s


def _eq5(a, b, s):
    n = len(a)
    dot = lambda x, y: (x.T * y)[0]  # noqa: E731
    da = [(s[al] - dot(a[al], b[al])) * b[al] - sum((b[g] * dot(a[al], b[g]) for g in range(n) if g != al),
                                                     sp.zeros(*b[al].shape)) for al in range(n)]
    db = [(s[al] - dot(a[al], b[al])) * a[al] - sum((a[g] * dot(b[al], a[g]) for g in range(n) if g != al),
                                                     sp.zeros(*a[al].shape)) for al in range(n)]
    return da, db


@C4.exact("eq4-columns-are-eq5")
def _(ctx):
    """The columns a^alpha of W21bar and rows b^alpha of W32bar under (4) vs the mode equations (5), for 2 and 3 modes
    in a hidden layer of two units.  Exact: SymPy residual 0."""
    total = 0
    for n in (2, 3):
        a, b, s = _modes(n)
        Wb21 = sp.Matrix.hstack(*a)  # column alpha = a^alpha
        Wb32 = sp.Matrix.vstack(*[x.T for x in b])  # row alpha = b^alpha^T
        Sm = sp.diag(*s)
        d21 = Wb32.T * (Sm - Wb32 * Wb21)
        d32 = (Sm - Wb32 * Wb21) * Wb21.T
        da, db = _eq5(a, b, s)
        for al in range(n):
            total += sum(abs(sp.expand(v)) for v in list(d21[:, al] - da[al]) + list(d32[al, :].T - db[al]))
    return Outcome.symbolic(sp.simplify(total), "2 and 3 modes in a hidden layer of two units, symbolic vectors")


@C4.exact("eq5-is-gradient-of-eq6")
def _(ctx):
    """tau d(a, b)/dt of (5) vs -tau grad E of the energy (6), 2 and 3 modes.  Exact: SymPy residual 0."""
    tau = sp.Symbol("tau", positive=True)
    total = 0
    for n in (2, 3):
        a, b, s = _modes(n)
        dot = lambda x, y: (x.T * y)[0]  # noqa: E731
        E = sum((s[al] - dot(a[al], b[al])) ** 2 for al in range(n)) / (2 * tau) + sum(
            dot(a[al], b[be]) ** 2 for al in range(n) for be in range(n) if al != be) / (2 * tau)
        da, db = _eq5(a, b, s)
        for al in range(n):
            for i in range(2):
                # tau d/dt a = -tau dE/da  <=>  d/dt a = -grad E
                total += abs(sp.expand(-tau * sp.diff(E, a[al][i]) - da[al][i]))
                total += abs(sp.expand(-tau * sp.diff(E, b[al][i]) - db[al][i]))
    return Outcome.symbolic(sp.simplify(total), "tau d(a,b)/dt from (5) equals -tau grad E of (6), 2 and 3 modes")


