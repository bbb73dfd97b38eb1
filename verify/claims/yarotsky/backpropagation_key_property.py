"""Yarotsky's lecture, "Computation of grad_W L: 'Error backpropagation'" and "Backpropagation: key
property": for f~(x, W) = g_K(g_(K-1)(... g_1(x, w_1) ..., w_(K-1)), w_K) with z_k = g_k(z_(k-1), w_k),

    grad_{w_k} f~ = dg_K/dz_(K-1)(z_(K-1), w_K) ... dg_(k+1)/dz_k(z_k, w_(k+1)) . dg_k/dw_k(z_(k-1), w_k),

and the exercise: with W weights and N elementary operations, backpropagation computes grad_W L in O(N)
operations, finite differences in O(W N).

Checks: the chain-rule product exactly against SymPy's derivative of the composed expression (a small
symbolic network); the lecture's layer form (delta_k = F'_k W_(k+1)^T delta_(k+1), grad_(W_k) = delta_k
F_(k-1)^T, "Gradient of nonlinear networks") in float64 against Torch autograd on random deep networks,
with a forward-error bound; and the operation counts, measured with Torch's FLOP counter (matrix products;
the elementwise operations are O(depth x width), lower order), fitted as exponents in N over network sizes.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp
import torch

from theorycheck.verify.claims.yarotsky._common import LECTURE, single_thread
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import remainder, ulps

SRC = f"{LECTURE}, 'Computation of grad_W L: Error backpropagation'"

C = claim(
    "yarotsky/backpropagation-chain-rule",
    "grad_{w_k} f~(x, W) = dg_K/dz_(K-1) ... dg_(k+1)/dz_k . dg_k/dw_k (the error-backpropagation product of "
    "layer Jacobians); for the quadratic loss, (grad_(W_k) L)_ij = E[(F_(k-1))_j (F'_k W_(k+1)^* ... F'_(K-1) W_K^* "
    "(f~ - f))_i].",
    f"{SRC}; {LECTURE}, 'Gradient of nonlinear networks'",
)


@C.exact("jacobian-product-equals-derivative")
def _(ctx):
    """Network with K = 3 layers on x in R^2: z_1 = tanh(W_1 x) (W_1 2 x 2), z_2 = tanh(W_2 z_1) (W_2 2 x 2),
    f~ = w_3 . z_2 (w_3 in R^2), all 10 weights symbolic.  For k = 1, 2, 3 the chain-rule product of the
    layer Jacobians minus the SymPy gradient of the composed expression, expanded: every entry exactly 0."""
    x = sp.Matrix(sp.symbols("x1 x2", real=True))
    W1 = sp.Matrix(2, 2, sp.symbols("a1:5", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("b1:5", real=True))
    w3 = sp.Matrix(sp.symbols("c1:3", real=True))
    Z0 = sp.Matrix(sp.symbols("u1 u2", real=True))
    Z1 = sp.Matrix(sp.symbols("v1 v2", real=True))
    g1 = (W1 * x).applyfunc(sp.tanh)
    g2 = lambda z: (W2 * z).applyfunc(sp.tanh)  # noqa: E731
    g3 = lambda z: (w3.T * z)[0]  # noqa: E731
    z1 = g1
    z2 = g2(z1)
    f = g3(z2)
    sub1 = dict(zip(Z0, z1))
    sub2 = dict(zip(Z1, z2))
    dg3_dz2 = sp.Matrix([[sp.diff(g3(Z1), v) for v in Z1]]).subs(sub2)
    dg2_dz1 = g2(Z0).jacobian(Z0).subs(sub1)
    res = sp.Integer(0)
    for k, (wk, dgk) in enumerate(((list(W1), g1.jacobian(list(W1))), (list(W2), g2(Z0).jacobian(list(W2)).subs(sub1)),
                                   (list(w3), sp.Matrix([[sp.diff(g3(Z1), v) for v in w3]]).subs(sub2))), start=1):
        if k == 1:
            chain = dg3_dz2 * dg2_dz1 * dgk
        elif k == 2:
            chain = dg3_dz2 * dgk
        else:
            chain = dgk
        direct = sp.Matrix([[sp.diff(f, v) for v in wk]])
        diff = (chain - direct).applyfunc(sp.expand)
        res += sum(e**2 for e in diff)
    return Outcome.symbolic(sp.simplify(res), "chain-rule products for k = 1, 2, 3 vs d f~/d w_k")


def _net(depth, width, gen):
    Ws = [torch.randn(width, width, dtype=torch.float64, generator=gen) / math.sqrt(width) * 1.5 for _ in range(depth)]
    return Ws


def manual_backprop(Ws, X, Y, absolute=False):
    """The lecture's layer recursion for L = mean |f~ - f|^2 / 2, f~ = W_K tanh(W_(K-1) ... tanh(W_1 x)):
    delta_K = (f~ - f)/m, delta_k = F'_k . W_(k+1)^T delta_(k+1), grad_(W_k) L = delta_k F_(k-1)^T.  With
    ``absolute`` every factor is replaced by its absolute value (the magnitude that bounds the rounding)."""
    ab = (lambda a: a.abs()) if absolute else (lambda a: a)
    F, Fp = [X], []
    z = X
    for W in Ws[:-1]:
        y = W @ z
        z = torch.tanh(y)
        F.append(z)
        Fp.append(1 - z * z)
    out = Ws[-1] @ z
    delta = ab(out - Y) / X.shape[1]
    grads = [None] * len(Ws)
    grads[-1] = ab(delta) @ ab(F[-1]).T
    for k in range(len(Ws) - 2, -1, -1):
        delta = ab(Fp[k]) * (ab(Ws[k + 1]).T @ delta)
        grads[k] = delta @ ab(F[k]).T
    return grads


@C.precise("layer-recursion-vs-autograd")
def _(ctx):
    """Random tanh networks (depth 8, width 32, weights N(0, 2.25/width), 64 inputs, square loss against random
    targets): the manual recursion vs Torch autograd, float64.  Statistic: max over entries of |manual -
    autograd| / (the same recursion with every factor in absolute value), i.e. relative to the forward-error
    scale of the products.  Tolerance ulps(4 (width + 4) depth): each entry passes through <= depth
    matrix-vector products of length width (rounding <= width eps/2 relative to the absolute-value product,
    Higham's gamma_n) plus <= 4 elementwise operations per layer, in both implementations, doubled."""
    with single_thread():
        return _recursion_vs_autograd(ctx)


def _recursion_vs_autograd(ctx):
    g = ctx.torch_generator(21)
    depth, width, m = 8, 32, 64
    worst = 0.0
    for _ in range(3):
        Ws = _net(depth, width, g)
        X = torch.randn(width, m, dtype=torch.float64, generator=g)
        Y = torch.randn(width, m, dtype=torch.float64, generator=g)
        Wr = [W.clone().requires_grad_(True) for W in Ws]
        z = X
        for W in Wr[:-1]:
            z = torch.tanh(W @ z)
        loss = 0.5 * ((Wr[-1] @ z - Y) ** 2).sum() / m
        auto = torch.autograd.grad(loss, Wr)
        man = manual_backprop(Ws, X, Y)
        mag = manual_backprop(Ws, X, Y, absolute=True)
        for a, b, s in zip(auto, man, mag):
            worst = max(worst, float(((a - b).abs() / s.clamp_min(1e-300)).max()))
    tol = ulps(4 * (width + 4) * depth, "Higham's gamma_width per matrix product over depth layers, both sides, doubled")
    return Outcome.bound(worst, tol, name="max |manual - autograd| / absolute-value scale")


CK = claim(
    "yarotsky/backpropagation-cost",
    "If the network has W weights and performs N elementary operations, backpropagation computes grad_W L in O(N) "
    "operations; finite differences need O(W N).",
    f"{LECTURE}, 'Backpropagation: key property' (exercise)",
)

WIDTHS = (16, 32, 64, 128)


def flop_counts(width: int, depth: int = 4, batch: int = 8):
    """(forward flops N, backprop flops, finite-difference flops, W) for a tanh MLP of the given width, by
    torch.utils.flop_counter (matrix products); finite differences = (W + 1) forward passes (forward
    differences: one perturbed pass per weight)."""
    from torch.utils.flop_counter import FlopCounterMode

    g = torch.Generator().manual_seed(width)
    Ws = [torch.randn(width, width, dtype=torch.float64, generator=g).requires_grad_(True) for _ in range(depth)]
    X = torch.randn(width, batch, dtype=torch.float64, generator=g)

    def forward():
        z = X
        for W in Ws:
            z = torch.tanh(W @ z)
        return 0.5 * (z**2).sum()

    with FlopCounterMode(display=False) as fc:
        forward()
    n_fwd = fc.get_total_flops()
    with FlopCounterMode(display=False) as fc:
        loss = forward()
        torch.autograd.grad(loss, Ws)
    n_bp = fc.get_total_flops()
    nW = sum(W.numel() for W in Ws)
    return n_fwd, n_bp, (nW + 1) * n_fwd, nW


@CK.precise("operation-count-exponents")
def _(ctx):
    """Tanh MLPs of depth 4, widths 16..128 (N ~ 2 depth width^2 batch, W = depth width^2): least-squares
    exponents of the backpropagation count and of the finite-difference count against N.  Predicted 1 and 2
    (W proportional to N here).  Counts are exact integers (the FLOP counter); the only deviation from the
    exponents is the '+1' of the W + 1 passes, which changes the fitted slope by at most 1/W_min: tolerance
    remainder(1/W_min).  Also reported: backprop / forward ratio (a constant, 3 for matrix products)."""
    with single_thread():
        rows = [flop_counts(w) for w in WIDTHS]
    N = np.array([r[0] for r in rows], dtype=float)
    bp = np.array([r[1] for r in rows], dtype=float)
    fd = np.array([r[2] for r in rows], dtype=float)
    Wmin = min(r[3] for r in rows)
    s_bp = float(np.polyfit(np.log(N), np.log(bp), 1)[0])
    s_fd = float(np.polyfit(np.log(N), np.log(fd), 1)[0])
    tol = remainder(1.0 / Wmin, why="the +1 forward pass of finite differences")
    return Outcome.all_of([Outcome.compare(1.0, s_bp, tol), Outcome.compare(2.0, s_fd, tol)],
                          detail=f"exponents: backprop {s_bp:.6f}, finite differences {s_fd:.6f}; backprop/forward "
                                 f"ratios {np.round(bp / N, 3).tolist()}; N = {N.astype(int).tolist()}")
