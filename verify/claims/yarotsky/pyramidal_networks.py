"""Yarotsky, optimization lecture, nonlinear networks and 'Pyramidal networks' (slides 'Wide nonlinear networks:
finite sample expressiveness', 'Getting rid of bias terms', 'Gradient of nonlinear networks', 'Pyramidal
networks' with its Theorem (Gori-Tesi) and 'Proof').

Network (lecture -> code): z_k = sigma(W_k z_{k-1}) for the hidden layers, output f~(x) = W_K z_{K-1} (the
gradient slide's chain W_K F'_{K-1} W_{K-1} ... has no F'_K: the output layer is linear), biases as a constant
input neuron x~ = (x, 1).  Kernels: numeric/linear_algebra_nets.py (nonlinear_forward, nonlinear_grad_formula,
relu_interpolation, critical_point_search).

Reading of the exercise 'a ReLU neural network with two hidden layers and 2n + d weights': Zhang et al.'s
construction c(x) = sum_j w_j ReLU(<a, x> - b_j) has d + n + n parameters; its scalar projection <a, x> is a
first (linear, one-unit) hidden layer and the n ReLU units the second, which is how it has "two hidden layers"
(Zhang et al. call it a two-layer network).  No errata in this part.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, criterion, ulps

CZ = claim(
    "yarotsky/relu-interpolation-2n-plus-d",
    "There is a ReLU network with two hidden layers and 2n + d weights that represents any function on a sample of "
    "n points in d dimensions.",
    f"{LECTURE}, 'Wide nonlinear networks: finite sample expressiveness' (exercise; Zhang et al. 2016, Theorem 1)",
)


@CZ.exact("construction-interpolates-exactly")
def _(ctx):
    """Zhang et al.'s construction in exact rational arithmetic for (n, d) = (5, 2), (8, 3), (12, 4): random rational
    inputs and targets, an integer projection a with distinct <a, x_i>, interleaved biases and the lower-triangular
    solve (numeric.linear_algebra_nets.relu_interpolation on Fractions).  Residuals c(x_i) - y_i and the parameter
    count minus 2n + d: exactly 0."""
    from theorycheck.numeric.linear_algebra_nets import relu_interpolation

    rng = ctx.rng(61)
    res = 0
    rows = []
    for n, d in ((5, 2), (8, 3), (12, 4)):
        X = [[Fraction(int(v), 7) for v in rng.integers(-20, 21, d)] for _ in range(n)]
        y = [Fraction(int(v), 3) for v in rng.integers(-9, 10, n)]
        a = [Fraction(int(v)) for v in rng.integers(1, 50, d)]
        b, w = relu_interpolation(X, y, a)
        for xi, yi in zip(X, y):
            z = sum(ai * xv for ai, xv in zip(a, xi))
            c = sum(wj * max(z - bj, 0) for wj, bj in zip(w, b))
            res += abs(c - yi)
        res += abs(len(a) + len(b) + len(w) - (2 * n + d))
        rows.append(f"n={n}, d={d}: {len(a) + len(b) + len(w)} parameters")
    return Outcome.symbolic(sp.nsimplify(res), "; ".join(rows))


CB = claim(
    "yarotsky/bias-as-constant-neuron",
    "Bias terms can be removed by adding an extra neuron with output 1: z~_{k-1} = (z_{k-1}, 1), z_k = sigma(W~_k z~_{k-1}) "
    "with W~_k = (W_k, h_k) reproduces z_k = sigma(W_k z_{k-1} + h_k); the extended network input is x~ = (x, 1).",
    f"{LECTURE}, 'Getting rid of bias terms'",
)


@CB.exact("extended-weights-reproduce-biases")
def _(ctx):
    """Two hidden layers (widths 2, 2, input d = 2, generic activation sigma as an undefined SymPy function), symbolic
    weights and biases: the biased network minus the bias-free network on extended vectors (the 1 appended after every
    layer), for every output: exactly 0.  And when only the input is extended (a bias-free network cannot emit an
    exact 1 after sigma), a hidden unit with weight c on the constant outputs sigma(c), and weights h/sigma(c) in the
    next layer restore the bias: that residual is exactly 0 too, for any sigma with sigma(c) != 0."""
    sig = sp.Function("sigma")
    x = sp.Matrix(sp.symbols("x0:2", real=True))
    W1 = sp.Matrix(2, 2, sp.symbols("a0:4", real=True))
    W2 = sp.Matrix(2, 2, sp.symbols("b0:4", real=True))
    h1 = sp.Matrix(sp.symbols("h0:2", real=True))
    h2 = sp.Matrix(sp.symbols("g0:2", real=True))
    c = sp.Symbol("c", positive=True)
    biased = (W2 * (W1 * x + h1).applyfunc(sig) + h2).applyfunc(sig)
    ext = lambda v: v.col_join(sp.Matrix([1]))  # noqa: E731
    z1 = (W1.row_join(h1) * ext(x)).applyfunc(sig)
    free = (W2.row_join(h2) * ext(z1)).applyfunc(sig)
    res = sum(sp.simplify(u - v) ** 2 for u, v in zip(biased, free))
    # only x~ = (x, 1): layer 1 gets an extra unit sigma(c * 1); layer 2 weights h2 / sigma(c) on it
    W1e = W1.row_join(h1).col_join(sp.Matrix([[0, 0, c]]))
    z1e = (W1e * ext(x)).applyfunc(sig)  # (z1, sigma(c))
    W2e = W2.row_join(h2 / sig(c))
    free2 = (W2e * z1e).applyfunc(sig)
    res += sum(sp.simplify(u - v) ** 2 for u, v in zip(biased, free2))
    return Outcome.symbolic(sp.simplify(res), "2 hidden layers, generic sigma; both constructions")


CN = claim(
    "yarotsky/nonlinear-gradient-formula",
    "(grad_{W_k} L)_ij = int dmu (F_{k-1})_j (F'_k W*_{k+1} ... F'_{K-1} W*_K (f~ - f))_i for the quadratic loss; for "
    "sigma(x) = x it agrees with the linear-network formula.",
    f"{LECTURE}, 'Gradient of nonlinear networks' (and its exercise)",
)


@CN.precise("formula-vs-autograd")
def _(ctx):
    """The formula (as the backward recursion delta_k = F'_k W_{k+1}^T delta_{k+1}) against torch autograd of
    L = 1/(2N) sum |f~(x_n) - y_n|^2, for tanh, sigmoid and softplus, K = 2..5, widths 2..7, N = 9.  Error per entry
    divided by the |.|-version of the same sums (|W|, |F'|, |F|, |f~ - y| + |f~| + |y|): both evaluations accumulate
    <= (K + 1) n_max + N rounded operations per entry, each <= eps (sums of products, Higham's gamma bound), so
    ulps(2 ((K + 1) n_max + N)) (factor 2: two evaluations; the activations' own rounding, a few ulps relative,
    is inside the |.|-scale)."""
    import torch

    from theorycheck.numeric.linear_algebra_nets import nonlinear_forward, nonlinear_grad_formula

    g = ctx.torch_generator(71)
    worst, kmax = 0.0, 0.0
    for act in ("tanh", "sigmoid", "softplus"):
        for K in range(2, 6):
            dims = [int(v) for v in torch.randint(2, 8, (K + 1,), generator=g)]
            N = 9
            Ws = [torch.randn(dims[k + 1], dims[k], generator=g, dtype=torch.float64) for k in range(K)]
            X = torch.randn(dims[0], N, generator=g, dtype=torch.float64)
            Y = torch.randn(dims[-1], N, generator=g, dtype=torch.float64)
            Wr = [w.clone().requires_grad_() for w in Ws]
            f, _, _ = nonlinear_forward(Wr, X, act)
            auto = torch.autograd.grad(((f - Y) ** 2).sum() / (2 * N), Wr)
            form = nonlinear_grad_formula(Ws, X, Y, act)
            # |.|-scale: the same recursion with absolute values (a bound on the sum of |terms|)
            _, ds = _dact(act)
            fv, ys, F = nonlinear_forward(Ws, X, act)
            delta = ((fv - Y).abs() + fv.abs() + Y.abs()) / N
            scale = [None] * K
            scale[K - 1] = delta @ F[K - 1].abs().T
            for k in range(K - 2, -1, -1):
                delta = ds(ys[k]).abs() * (Ws[k + 1].abs().T @ delta)
                scale[k] = delta @ F[k].abs().T
            for a, b, s in zip(auto, form, scale):
                worst = max(worst, float(((a - b).abs() / s.clamp_min(1e-300)).max()))
            kmax = max(kmax, 2 * ((K + 1) * max(dims) + N))
    return Outcome.bound(worst, ulps(kmax, "sums of products accumulated twice, <= (K + 1) n + N terms per entry"),
                         "max over activations, K = 2..5, layers, entries", name="max scaled entry error")


def _dact(act):
    from theorycheck.numeric.linear_algebra_nets import _act

    return _act(act)


@CN.exact("identity-activation-is-linear-formula")
def _(ctx):
    """The exercise: with sigma(x) = x (F'_k = 1, F_k = y_k) the formula, for K = 3, d = 2, two symbolic samples x_n
    with linear targets f(x) = R x, minus the linear formula W*_{k+1}..W*_K Delta Sigma W*_1..W*_{k-1} with
    Sigma = 1/N sum x_n x_n^T: exactly 0 for every layer and entry."""
    d, K, N = 2, 3, 2
    Ws = [sp.Matrix(d, d, lambda i, j, k=k: sp.Symbol(f"w{k}_{i}{j}", real=True)) for k in range(K)]
    R = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"r{i}{j}", real=True))
    xs = [sp.Matrix(d, 1, lambda i, j, n=n: sp.Symbol(f"x{n}_{i}", real=True)) for n in range(N)]
    res = 0
    S = sum((x * x.T for x in xs), sp.zeros(d, d)) / N
    P = Ws[2] * Ws[1] * Ws[0]
    for k in range(K):
        g = sp.zeros(d, d)
        for x in xs:
            F = [x]
            for W in Ws[:-1]:
                F.append(W * F[-1])
            delta = P * x - R * x
            for m in range(K - 1, k, -1):  # F'_m W_{m+1}^T ... with F' = 1
                delta = Ws[m].T * delta
            g += delta * F[k].T / N
        left = sp.eye(d)
        for m in range(K - 1, k, -1):  # (W_K ... W_{k+1})^T = W_{k+1}^T ... W_K^T
            left = Ws[m].T * left
        right = sp.eye(d)
        for m in range(k):  # (W_{k-1} ... W_1)^T = W_1^T W_2^T ... W_{k-1}^T
            right = right * Ws[m].T
        lin = left * (P - R) * S * right
        res += sum(sp.Abs(e) for e in (sp.expand(v) for v in g - lin) if e != 0)
    return Outcome.symbolic(res, "K = 3, d = 2, N = 2 symbolic samples, sigma = identity (sum of |nonzero residual entries|)")


# ----------------------------------------------------------------------------------------------
CGT = claim(
    "yarotsky/gori-tesi-pyramidal",
    "For a pyramidal network (d_{k+1} <= d_k) with sigma' > 0, quadratic loss on a finite training set, a stationary "
    "point W is a global minimum (L(W) = 0) if (1) the extended inputs (x_n, 1) are linearly independent and (2) every "
    "W_k has full rank d_k.",
    f"{LECTURE}, 'Pyramidal networks' (Theorem, Gori-Tesi, and its proof)",
)

_GT_SIZES = {"smoke": {"starts": 4}, "default": {"starts": 10}, "paper": {"starts": 60}}


def _gt_points(ctx, dims, N, starts, offset, descend_all=False):
    """Critical points of L = 1/(2N) sum |W_K tanh(... tanh(W_1 x~_n)) - y_n|^2 (x~ = (x, 1), dims[0] = d_0 + 1) by
    L-BFGS descent then Levenberg-Marquardt polish (even starts) or LM alone from small weights (odd starts)."""
    import torch

    from theorycheck.numeric.linear_algebra_nets import critical_point_search, lbfgs_descend, nonlinear_forward

    g = ctx.torch_generator(offset)
    X = torch.randn(dims[0] - 1, N, generator=g, dtype=torch.float64)
    Xe = torch.cat([X, torch.ones(1, N, dtype=torch.float64)])
    Y = torch.randn(dims[-1], N, generator=g, dtype=torch.float64)
    shapes = [(dims[k + 1], dims[k]) for k in range(len(dims) - 1)]
    sizes = [a * b for a, b in shapes]

    def unpack(x):
        out, i = [], 0
        for (a, b), s in zip(shapes, sizes):
            out.append(x[i:i + s].reshape(a, b))
            i += s
        return out

    def loss(x):
        f, _, _ = nonlinear_forward(unpack(x), Xe, "tanh")
        return ((f - Y) ** 2).sum() / (2 * N)

    pts = []
    for i in range(starts):
        x0 = torch.randn(sum(sizes), generator=g, dtype=torch.float64) * (1.0 if i % 2 == 0 else 0.3)
        if i % 2 == 0 or descend_all:
            x0 = lbfgs_descend(loss, x0, max_iter=400, tolerance_grad=1e-11)
        x, gn, ev, val = critical_point_search(loss, x0, iters=80)
        W = unpack(x)
        pts.append({"gnorm": gn, "loss": val, "hess_min": float(ev.min()), "W": W,
                    "rank_margin": min(float(torch.linalg.svdvals(w)[-1]) for w in W)})
    return pts, Xe, Y


@CGT.simulation("stationary-points-classified", sizes=_GT_SIZES, slow=True)
def _(ctx):
    """Three random instances: (a) meeting the conditions: d_0 = 4 (+1 constant), N = 5 affinely independent points,
    widths 5 -> 4 -> 3 -> 2, tanh; (b) violating (1): d_0 = 1 (+1), N = 10 points, widths 2 -> 2 -> 1 (6 weights: no zero-loss fit; every start
    descends first, so the points found are minima); (c) violating (2):
    W = 0 (tanh(0) = 0, so every gradient vanishes) with y != 0.  (a): at every converged stationary point (||grad L||
    <= 1e-8; the bound below scales with it, so the threshold only selects points) with full-rank W_k (sigma_min >= 1e-3), the residual max_n |f~(x_n) - y_n| must be within the proof's
    a-posteriori bound N ||grad_{W_1} L|| / (sigma_min(Xe) prod_k min F'_k sigma_min(W_{k+1})) plus rounding (64 eps);
    (b): on one of two data sets, a full-rank point reached by descent with ||grad L|| <=
    1e-8 and L > 1e-6 exists (the descent has converged to a minimum with positive loss; its Hessian has a null
    direction, so the distance to the exact critical point is not bounded by ||grad L||/lambda_min -- a recorded
    limitation of this part of the check); (b') the same with K = 1 (f = W_1 x~): the least-squares fit, exactly
    stationary (gradient within rounding), full rank, L > 0; (c): L(0) > 0 with gradient exactly 0."""
    import torch

    from theorycheck.numeric.linear_algebra_nets import nonlinear_forward, nonlinear_grad_formula

    pa, Xe, Y = _gt_points(ctx, [5, 4, 3, 2], 5, ctx.sizes["starts"], 81)
    N = Xe.shape[1]
    sx = float(torch.linalg.svdvals(Xe)[-1])
    worst, nfull = 0.0, 0
    for p in pa:
        if p["gnorm"] > 1e-8 or p["rank_margin"] < 1e-3:
            continue
        W = p["W"]
        f, ys, _ = nonlinear_forward(W, Xe, "tanh")
        g1 = nonlinear_grad_formula(W, Xe, Y, "tanh")[0]
        den = sx
        for k in range(len(W) - 1):
            dmin = float((1 - torch.tanh(ys[k]) ** 2).min())
            den *= dmin * float(torch.linalg.svdvals(W[k + 1])[-1])
        bound = N * float(g1.norm()) / den + 64 * EPS * (1 + float(Y.abs().max()))
        worst = max(worst, float((f - Y).abs().max()) / bound)
        nfull += 1
    spurious = []
    for off in (82, 83):  # two data sets: on some, every minimum found has a nearly singular W_1
        pb, _, _ = _gt_points(ctx, [2, 2, 1], 10, max(8, 2 * ctx.sizes["starts"]), off, descend_all=True)
        spurious += [p for p in pb if p["gnorm"] <= 1e-8 and p["rank_margin"] >= 1e-3 and p["loss"] > 1e-6]
    # (b') K = 1 (f = W_1 x~, a pyramidal net without hidden layer): the least-squares fit of the same 10 points is
    # stationary, W_1 != 0 has full rank 1, and L > 0 since 10 points are not affinely fitted by a line
    g = ctx.torch_generator(84)
    Xb = torch.cat([torch.randn(1, 10, generator=g, dtype=torch.float64), torch.ones(1, 10, dtype=torch.float64)])
    Yb = torch.randn(1, 10, generator=g, dtype=torch.float64)
    W1b = torch.linalg.lstsq(Xb.T, Yb.T).solution.T
    gb = float(nonlinear_grad_formula([W1b], Xb, Yb, "tanh")[0].abs().max())
    Lb = float(((W1b @ Xb - Yb) ** 2).sum() / 20)
    # (c) W = 0
    Ws0 = [torch.zeros(4, 5, dtype=torch.float64), torch.zeros(3, 4, dtype=torch.float64), torch.zeros(2, 3, dtype=torch.float64)]
    g0 = nonlinear_grad_formula(Ws0, Xe, Y, "tanh")
    g0n = max(float(g.abs().max()) for g in g0)
    L0 = float((Y**2).sum() / (2 * N))
    terms = [("(a) max residual / a-posteriori bound at full-rank stationary points", worst, "<=", 1.0),
             ("(a) full-rank stationary points found", nfull, ">=", 1),
             ("(b) full-rank stationary points with L > 1e-6 (N = 10 > d_0 + 1), two data sets", len(spurious), ">=", 1),
             ("(b') K = 1 least-squares fit: max |grad L| (<= 64 eps (1 + max|y|) N)", gb, "<=", 64 * EPS * 10 * (1 + float(Yb.abs().max()))),
             ("(b') K = 1 least-squares fit: L", Lb, ">", 1e-6),
             ("(b') K = 1 least-squares fit: sigma_min(W_1)", float(W1b.abs().max()), ">", 0.0),
             ("(c) max |grad L| at W = 0", g0n, "==", 0.0),
             ("(c) L(0)", L0, ">", 0.0)]
    la = sorted({round(p["loss"], 8) for p in pa if p["gnorm"] <= 1e-8})
    lb = sorted({round(p["loss"], 5) for p in spurious}) + [f"K = 1: {Lb:.4g}"]
    detail = (f"(a) {len(pa)} starts, {nfull} full-rank stationary points, losses {la}; (b) losses of full-rank "
              f"stationary points {lb}; (c) L(0) = {L0:.3g}")
    return Outcome.criterion(terms, criterion(1.0, "residual within the proof's a-posteriori bound at every full-rank "
                                              "stationary point of (a); counterexamples exist when a condition fails"),
                             detail, sizes=dict(ctx.sizes))
