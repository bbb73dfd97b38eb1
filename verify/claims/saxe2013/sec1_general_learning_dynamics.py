"""Saxe, McClelland & Ganguli 2013, section 1 "General learning dynamics of gradient descent": the batch
learning rule (1) of a three-layer linear network and its continuous-time limit (2).

Erratum this module reports, with the corrected statement it checks instead:

* eq. (1): the printed batch rule is gradient descent on (1/2) sum ||y - W32 W21 x||^2 (or on the
  printed error with rate lambda/2); on the printed error sum ||.||^2 with rate lambda it has an
  extra factor 2.
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.saxe2013._common import CITE
from theorycheck.verify.registry import Outcome, claim, erratum


# eq. (1)-(2)
C1 = claim(
    "saxe2013/eq1-2-batch-rule",
    "Batch gradient descent on the squared error gives the learning rule (1), and (1) is one forward-Euler "
    "step (t -> t+1, tau = 1/lambda) of the continuous dynamics (2).",
    f"{CITE}, eqs. (1)-(2)",
)


def _two_layer_symbols(n1=2, n2=2, n3=2, P=2):
    W21 = sp.Matrix(n2, n1, lambda i, j: sp.Symbol(f"w21_{i}{j}", real=True))
    W32 = sp.Matrix(n3, n2, lambda i, j: sp.Symbol(f"w32_{i}{j}", real=True))
    xs = [sp.Matrix(n1, 1, lambda i, j: sp.Symbol(f"x{m}_{i}", real=True)) for m in range(P)]
    ys = [sp.Matrix(n3, 1, lambda i, j: sp.Symbol(f"y{m}_{i}", real=True)) for m in range(P)]
    return W21, W32, xs, ys


@C1.exact("eq1-is-gradient-descent")
def _(ctx):
    """Erratum check: -lambda times the gradient of the printed error sum_mu ||y - W32 W21 x||^2 vs rule (1)
    (printed), and of half that error (corrected), symbolically for N1 = N2 = N3 = P = 2.  Exact: SymPy residual 0."""
    W21, W32, xs, ys = _two_layer_symbols()
    lam = sp.Symbol("lambda", positive=True)
    E_printed = sum(((y - W32 * W21 * x).T * (y - W32 * W21 * x))[0] for x, y in zip(xs, ys))
    rule21 = lam * sum((W32.T * (y * x.T - W32 * W21 * x * x.T) for x, y in zip(xs, ys)), sp.zeros(*W21.shape))
    rule32 = lam * sum(((y * x.T - W32 * W21 * x * x.T) * W21.T for x, y in zip(xs, ys)), sp.zeros(*W32.shape))

    def gd(E):
        g21 = sp.Matrix(W21.shape[0], W21.shape[1], lambda i, j: -lam * sp.diff(E, W21[i, j]))
        g32 = sp.Matrix(W32.shape[0], W32.shape[1], lambda i, j: -lam * sp.diff(E, W32[i, j]))
        return sp.expand(g21 - rule21), sp.expand(g32 - rule32)

    r21, r32 = gd(E_printed)
    printed_res = sp.simplify(sum(abs(v) for v in list(r21) + list(r32)))
    c21, c32 = gd(E_printed / 2)
    corrected_res = sp.simplify(sum(abs(v) for v in list(c21) + list(c32)))
    return erratum(
        Outcome.symbolic(printed_res, "-lambda grad of sum||y - W32 W21 x||^2 minus rule (1), N1=N2=N3=P=2"),
        Outcome.symbolic(corrected_res, "-lambda grad of (1/2) sum||y - W32 W21 x||^2 minus rule (1)"),
        "Rule (1) is gradient descent with rate lambda on E = (1/2) sum_mu ||y^mu - W32 W21 x^mu||^2 "
        "(equivalently rate lambda/2 on the printed error); on the printed error it is off by a factor 2.",
    )


@C1.exact("eq2-euler-step-is-eq1")
def _(ctx):
    """One forward-Euler step dt = 1 of (2) with tau = 1/lambda, Sigma11 = sum x x^T, Sigma31 = sum y x^T, vs rule (1)
    (symbolic, N1 = N2 = N3 = P = 2).  Exact: SymPy residual 0."""
    W21, W32, xs, ys = _two_layer_symbols()
    lam = sp.Symbol("lambda", positive=True)
    tau = 1 / lam
    S11 = sum((x * x.T for x in xs), sp.zeros(2, 2))
    S31 = sum((y * x.T for x, y in zip(xs, ys)), sp.zeros(2, 2))
    euler21 = (1 / tau) * W32.T * (S31 - W32 * W21 * S11)  # one step dt = 1 of eq. (2)
    euler32 = (1 / tau) * (S31 - W32 * W21 * S11) * W21.T
    rule21 = lam * sum((W32.T * (y * x.T - W32 * W21 * x * x.T) for x, y in zip(xs, ys)), sp.zeros(2, 2))
    rule32 = lam * sum(((y * x.T - W32 * W21 * x * x.T) * W21.T for x, y in zip(xs, ys)), sp.zeros(2, 2))
    res = sp.simplify(sum(abs(v) for v in list(sp.expand(euler21 - rule21)) + list(sp.expand(euler32 - rule32))))
    return Outcome.symbolic(res, "Euler step of (2) with Sigma11 = sum x x^T, Sigma31 = sum y x^T equals (1)")


