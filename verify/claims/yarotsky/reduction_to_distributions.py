"""Yarotsky's lecture, "Reduction to distributions" (under "Connectedness of local minima in an
overparameterized net: a heuristic explanation"): for y_hat(x) = (1/N) sum_i phi(x, w_i) the change of
variables W -> p = (1/N) sum_i delta(w - w_i) makes the prediction y_hat(x) = int phi(x, w) p(w) dw *linear*
in p; a loss convex in y_hat is then convex in p, and L(p) -> min is a convex problem: no spurious local
minima (in p).

Checks: linearity and convexity exactly (SymPy, with phi an undefined function and discrete measures with
symbolic weights); "no spurious minima in p" exactly on a finite dictionary of neurons (p on a fixed grid
of M ReLU neurons: L(p) is a convex quadratic on the simplex, so its KKT point is unique in value: every
local minimum found by projected gradient descent from random starts has the same value, within the
solver's stopping tolerance); and the finite-width contrast: in the parameters W themselves the same
loss has distinct local minima (different final values from different starts).  The mean-field
network uses phi(x, w) = c relu(l x + b), w = (l, b, c), on 1-D inputs x_j on a grid in [-1, 1], target
y = |x| - 1/2 sin(3x) (a fixed smooth function).
"""
from __future__ import annotations

import numpy as np
import sympy as sp
import torch

from theorycheck.verify.claims.yarotsky._common import LECTURE, single_thread
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, criterion

SRC = f"{LECTURE}, 'Reduction to distributions'"

C = claim(
    "yarotsky/meanfield-convexification",
    "With p(w) = (1/N) sum_i delta(w - w_i), the prediction y_hat(x) = int phi(x, w) p(w) dw is linear in p; if the "
    "loss is convex in y_hat it is convex in p, and L(p) -> min_p is a convex problem: no spurious local minima.",
    SRC,
)

phi = sp.Function("phi")
x = sp.Symbol("x", real=True)
t = sp.Symbol("t", nonnegative=True)


def _yhat(ws, ps):
    return sum(pi * phi(x, wi) for wi, pi in zip(ws, ps))


@C.exact("prediction-linear-in-p")
def _(ctx):
    """Discrete measures p = sum_i a_i delta(w_i), q = sum_i b_i delta(w_i) (common support w_1..w_4 after
    padding with zero weights) with symbolic weights: y_hat(t p + (1 - t) q) - t y_hat(p) - (1 - t) y_hat(q)
    simplifies to 0; and the empirical measure (a_i = 1/N) gives the network (1/N) sum_i phi(x, w_i)."""
    ws = sp.symbols("w1:5", real=True)
    a = sp.symbols("a1:5", nonnegative=True)
    b = sp.symbols("b1:5", nonnegative=True)
    mix = [t * ai + (1 - t) * bi for ai, bi in zip(a, b)]
    res = sp.expand(_yhat(ws, mix) - t * _yhat(ws, a) - (1 - t) * _yhat(ws, b))
    res2 = sp.expand(_yhat(ws, [sp.Rational(1, 4)] * 4) - sum(phi(x, w) for w in ws) / 4)
    return Outcome.symbolic(sp.simplify(res**2 + res2**2), "y_hat is linear in p")


@C.exact("loss-convex-in-p")
def _(ctx):
    """Squared loss: L(t p + (1 - t) q) - t L(p) - (1 - t) L(q) = -t (1 - t)(y_hat_p - y_hat_q)^2 (<= 0) at every
    x -- the residual of that identity is exactly 0; cross-entropy: d^2/dy^2 (-y log y_hat - (1 - y) log(1 -
    y_hat)) = y/y_hat^2 + (1 - y)/(1 - y_hat)^2, nonnegative for y in [0, 1] (the residual of the identity is
    0).  Composition with the linear map p -> y_hat keeps convexity."""
    yp, yq, y = sp.symbols("yp yq y", real=True)
    Ls = lambda v: (y - v) ** 2 / 2  # noqa: E731
    r1 = sp.expand(Ls(t * yp + (1 - t) * yq) - t * Ls(yp) - (1 - t) * Ls(yq) + t * (1 - t) * (yp - yq) ** 2 / 2)
    v = sp.Symbol("v", positive=True)
    ce = -y * sp.log(v) - (1 - y) * sp.log(1 - v)
    r2 = sp.simplify(sp.diff(ce, v, 2) - (y / v**2 + (1 - y) / (1 - v) ** 2))
    return Outcome.symbolic(sp.simplify(r1**2 + r2**2), "squared-loss mixing identity and cross-entropy curvature")


def _data(n=41):
    xs = np.linspace(-1, 1, n)
    return xs, np.abs(xs) - 0.5 * np.sin(3 * xs)


def _dictionary(M=60, seed=0):
    """M fixed ReLU features relu(l x + b) with (l, b) on a deterministic grid (angles on the circle)."""
    ang = np.linspace(0, 2 * np.pi, M, endpoint=False) + 0.1
    return np.cos(ang), 0.7 * np.sin(ang)


def _project_simplex(V):
    """Euclidean projection of each row of V onto {p >= 0, sum p = 1} (the sort algorithm of Held, Wolfe &
    Crowder 1974 / Duchi et al. 2008), batched over rows."""
    U = -np.sort(-V, axis=1)
    css = np.cumsum(U, axis=1) - 1
    ind = np.arange(1, V.shape[1] + 1)
    rho = np.sum(U - css / ind > 0, axis=1)
    theta = css[np.arange(len(V)), rho - 1] / rho
    return np.maximum(V - theta[:, None], 0)


@C.precise("no-spurious-minima-in-p")
def _(ctx):
    """Dictionary of M = 60 neurons phi_j(x) = C relu(l_j x + b_j) (C = 3 fixed output weight, so y_hat =
    sum_j p_j phi_j with p on the simplex): L(p) = mean_x (y_hat - y)^2/2 is a convex quadratic.  Projected
    gradient descent (step 1/M_L, M_L = the largest eigenvalue of the quadratic form, 5000 steps) from 30
    random points of the simplex: the spread of the final values is at most the worst certified optimality
    gap: for p+ = P(p - grad/M_L) and the gradient mapping G = M_L (p - p+), f(p+) - min f <= |G| |p - p*| <=
    sqrt(2) |G| (Beck, First-Order Methods in Optimization, Lemma 10.4, with the simplex's diameter sqrt 2),
    plus a 64 eps relative rounding floor.  Contrast (finite width, parameters W): N = 3 neurons with trainable (l, b,
    c), GD (lr 0.1, 1500 steps) from 30 random starts: the final values spread over more than 10 times that tolerance (spurious
    local minima or plateaus exist in W)."""
    xs, y = _data()
    l, b = _dictionary()
    Phi = 3.0 * np.maximum(np.outer(xs, l) + b, 0)  # (n_x, M)
    Q = Phi.T @ Phi / len(xs)
    r = Phi.T @ y / len(xs)
    ML = float(np.linalg.eigvalsh(Q)[-1])
    rng = ctx.rng(12)
    P = _project_simplex(rng.exponential(size=(30, len(l))))
    for _ in range(5000):
        P = _project_simplex(P - (P @ Q - r) / ML)
    G = P @ Q - r
    P_plus = _project_simplex(P - G / ML)
    gaps = np.linalg.norm(P - P_plus, axis=1) * ML * np.sqrt(2)  # sqrt(2) |G(p)| bounds f(p+) - min f
    finals = 0.5 * np.mean((P_plus @ Phi.T - y) ** 2, axis=1)
    spread = float(finals.max() - finals.min())
    tol_val = float(gaps.max()) + 64 * EPS * float(finals.max())
    # finite-width contrast in W: 30 independent networks of N = 3 neurons trained together (batched)
    g = torch.Generator().manual_seed(int(rng.integers(2**31)))
    X = torch.tensor(xs)[None, :, None]
    Y = torch.tensor(y)
    lw = torch.randn(30, 1, 3, dtype=torch.float64, generator=g).requires_grad_(True)
    bw = torch.randn(30, 1, 3, dtype=torch.float64, generator=g).mul(0.5).requires_grad_(True)
    cw = torch.randn(30, 3, 1, dtype=torch.float64, generator=g).requires_grad_(True)
    opt = torch.optim.SGD([lw, bw, cw], lr=0.1)
    with single_thread():
        for _ in range(1500):
            opt.zero_grad()
            per = 0.5 * ((torch.relu(X * lw + bw) @ cw / 3).squeeze(-1) - Y).pow(2).mean(-1)
            per.sum().backward()
            opt.step()
    fin_w = per.detach().numpy()
    spread_w = float(fin_w.max() - fin_w.min())
    tol = criterion(
        tol_val, "projected-gradient optimality bound: the spread of values of minima of a convex problem is <= "
                 "the largest certified gap (sqrt 2 x the projected-gradient residual x M_L) plus 64 eps rounding")
    return Outcome.criterion([("spread of minima values over p (convex)", spread, "<=", tol_val),
                              ("spread of final values over W (N = 3) / tolerance", spread_w / max(tol_val, 1e-300), ">", 10.0)],
                             tol, detail=f"p: min {finals.min():.6g}, spread {spread:.3g}, gap bound {gaps.max():.3g}; "
                                         f"W: final values in [{min(fin_w):.4g}, {max(fin_w):.4g}]")
