"""Yarotsky's lecture, "Main example: connecting normal distributions" and the table "Lowest accuracy (%)
of connection for networks with a single hidden layer" (with "Large connected bottom in overparameterized
networks": the straight segment between two minima has a barrier).

For independent X, Y ~ N(0, Sigma_0): the linear connection X(t) = (1 - t) X + t Y has covariance
(t^2 + (1 - t)^2) Sigma_0 != Sigma_0 (it "squeezes" the distribution), the arc connection X(t) = cos(pi t/2)
X + sin(pi t/2) Y keeps X(t) ~ N(0, Sigma_0).  Checked exactly (SymPy, bilinearity of the covariance and the
Gaussian family's closure under linear maps) and by Monte Carlo (sample covariances against both formulas).

The table (MNIST and CIFAR-10, not shipped here) is re-measured on scikit-learn's digits with pairs of
independently trained single-hidden-layer tanh networks, along both paths in parameter space (every
parameter on the same path).  Observation (reported in the detail, not a verdict): the ordering "arc above
linear" of the printed table is not a property of these small networks -- at width 32 the arc's lowest
accuracy is *below* the linear one (in 3 of 3 and 2 of 2 pairs of our runs, train and test), at widths
128 and 256 they agree within about half a percent, either sign.  Exact observation: for ReLU networks without output bias the two paths visit the
same rays of parameter space (arc(t) = rho(t) lin(s(t)), rho = cos + sin, s = sin/(cos + sin)), and a
positively homogeneous network's argmax is scale-invariant, so the two lowest accuracies coincide: the
difference in the printed table needs a non-homogeneous activation or biases outside the scaling.
What is checked as a verdict on digits is the slide's statement that the straight segment between two
minima has a barrier (lowest accuracy below both endpoints' in every pair).
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE, single_thread
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import ALPHA, chi2_mean, criterion

SRC = f"{LECTURE}, 'Main example: connecting normal distributions'"
SRC_TAB = f"{LECTURE}, 'Lowest accuracy (%) of connection for networks with a single hidden layer'"

C = claim(
    "yarotsky/linear-vs-arc-connection",
    "For independent X, Y ~ N(0, Sigma_0): the linear connection (1 - t) X + t Y has covariance (t^2 + (1 - t)^2) "
    "Sigma_0 != Sigma_0 (not N(0, Sigma_0)); the arc connection cos(pi t/2) X + sin(pi t/2) Y preserves N(0, Sigma_0).",
    SRC,
)

t = sp.Symbol("t", real=True)


@C.exact("covariances-of-both-paths")
def _(ctx):
    """With Sigma_0 a symbolic symmetric 2 x 2 matrix and Cov(aX + bY) = a^2 Sigma_0 + b^2 Sigma_0 (independence,
    bilinearity): the linear path's covariance minus (t^2 + (1 - t)^2) Sigma_0, the arc path's minus Sigma_0,
    and t^2 + (1 - t)^2 - 1 + 2 t (1 - t) (so the factor is < 1 on (0, 1), = 1/2 at t = 1/2): all exactly 0.
    Gaussianity: a linear image of the Gaussian vector (X, Y) is Gaussian, so the covariance determines the
    law (mean 0 on both paths)."""
    s11, s12, s22 = sp.symbols("s11 s12 s22", real=True)
    S0 = sp.Matrix([[s11, s12], [s12, s22]])

    def cov(a, b):
        return a**2 * S0 + b**2 * S0  # Cov(aX + bY) for independent X, Y with covariance S0

    lin = cov(1 - t, t) - (t**2 + (1 - t) ** 2) * S0
    arc = cov(sp.cos(sp.pi * t / 2), sp.sin(sp.pi * t / 2)) - S0
    fac = sp.expand(t**2 + (1 - t) ** 2 - 1 + 2 * t * (1 - t))
    res = sum(sp.simplify(e) ** 2 for e in list(lin) + list(arc)) + fac**2
    return Outcome.symbolic(sp.simplify(res), "Sigma_lin(t) = (t^2 + (1-t)^2) Sigma_0, Sigma_arc(t) = Sigma_0")


SIZES_MC = {"smoke": {"samples": 20000}, "default": {"samples": 200000}, "paper": {"samples": 2000000}}


@C.simulation("monte-carlo-covariances", sizes=SIZES_MC)
def _(ctx):
    """Sigma_0 = [[2, 0.6], [0.6, 1]], ``samples`` independent pairs (X, Y), t in {0.25, 0.5, 0.75}: the three
    distinct entries of the sample covariance of X(t) on each path, standardised by their exact standard error
    sqrt((S_ii S_jj + S_ij^2)/n) (Wishart) around the predicted covariance; the mean of the 18 squared scores
    must be below the chi^2_18 quantile / 18 (chi2_mean at ALPHA).  Contrast: the linear path's scores against
    Sigma_0 itself (the printed inequality) must exceed 10 standard errors at t = 1/2 (about 50 at the
    smoke size, 160 at the default)."""
    rng = ctx.rng(31)
    n = int(ctx.sizes["samples"])
    S0 = np.array([[2.0, 0.6], [0.6, 1.0]])
    Lc = np.linalg.cholesky(S0)
    X = rng.standard_normal((n, 2)) @ Lc.T
    Y = rng.standard_normal((n, 2)) @ Lc.T
    z2, contrast = [], 0.0
    for tt in (0.25, 0.5, 0.75):
        for name, a, b in (("linear", 1 - tt, tt), ("arc", math.cos(math.pi * tt / 2), math.sin(math.pi * tt / 2))):
            Z = a * X + b * Y
            S = Z.T @ Z / n
            P = (a * a + b * b) * S0
            for i, j in ((0, 0), (0, 1), (1, 1)):
                se = math.sqrt((P[i, i] * P[j, j] + P[i, j] ** 2) / n)
                z2.append(((S[i, j] - P[i, j]) / se) ** 2)
                if name == "linear" and tt == 0.5:
                    contrast = max(contrast, abs(S[i, j] - S0[i, j]) / math.sqrt((S0[i, i] * S0[j, j] + S0[i, j] ** 2) / n))
    tol = chi2_mean(len(z2), ALPHA, "sample-covariance entries standardised by their exact standard errors")
    return Outcome.criterion([("mean squared score", float(np.mean(z2)), "<=", tol.value),
                              ("linear path at t = 1/2 vs Sigma_0: largest |score|", contrast, ">", 10.0)], tol,
                             detail=f"n = {n}; mean z^2 = {np.mean(z2):.3f}")


CT = claim(
    "yarotsky/lowest-accuracy-along-connections",
    "Table 'Lowest accuracy (%) of connection for networks with a single hidden layer': the lowest accuracy along "
    "the linear connection of two independently trained networks is below the endpoints' (the trivial path has a "
    "barrier) and is printed below the arc connection's (MNIST, CIFAR-10).",
    f"{SRC_TAB}; {LECTURE}, 'Large connected bottom in overparameterized networks'",
)

SIZES_DIGITS = {"smoke": {"widths": [32], "pairs": 1, "steps": 150},
                "default": {"widths": [32, 128], "pairs": 2, "steps": 150},
                "paper": {"widths": [32, 256, 1024], "pairs": 10, "steps": 400}}


def digits_split(seed: int = 0):
    """scikit-learn's digits (1797 8x8 images), standardised, 80/20 split by a fixed permutation."""
    import torch
    from sklearn.datasets import load_digits

    d = load_digits()
    X = torch.tensor(d.data / 16.0, dtype=torch.float64)
    y = torch.tensor(d.target)
    perm = torch.randperm(len(X), generator=torch.Generator().manual_seed(seed))
    tr, te = perm[:1437], perm[1437:]
    X = (X - X[tr].mean(0)) / (X[tr].std(0) + 1e-8)
    return X, y, tr, te


def _forward(p, X):
    import torch

    return torch.tanh(X @ p[0] + p[1]) @ p[2] + p[3]


def train_net(width: int, gen, X, y, tr, steps: int):
    """One hidden tanh layer, LeCun-normal init, full-batch Adam (lr 0.01) on the cross-entropy."""
    import torch

    p = [torch.randn(64, width, generator=gen, dtype=torch.float64) / 8,
         torch.randn(width, generator=gen, dtype=torch.float64) * 0.5,
         torch.randn(width, 10, generator=gen, dtype=torch.float64) / math.sqrt(width),
         torch.zeros(10, dtype=torch.float64)]
    p = [q.requires_grad_(True) for q in p]
    opt = torch.optim.Adam(p, lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(_forward(p, X[tr]), y[tr])
        loss.backward()
        opt.step()
    return [q.detach() for q in p]


def connection_table(ctx, sizes=None) -> dict:
    """{width: {"linear"/"arc"/"endpoints": [(train, test) lowest accuracy per pair]}} on a 21-point t grid."""
    sz = sizes or ctx.sizes
    X, y, tr, te = digits_split()

    def acc(p, idx):
        return float((_forward(p, X[idx]).argmax(1) == y[idx]).double().mean())

    out = {}
    with single_thread():
        for w in sz["widths"]:
            rows = {"linear": [], "arc": [], "endpoints": []}
            for pair in range(int(sz["pairs"])):
                A = train_net(int(w), ctx.torch_generator(3000 + 10 * pair + w), X, y, tr, int(sz["steps"]))
                B = train_net(int(w), ctx.torch_generator(5000 + 10 * pair + w), X, y, tr, int(sz["steps"]))
                ts = np.linspace(0, 1, 21)
                for name, path in (("linear", lambda s: [(1 - s) * a + s * b for a, b in zip(A, B)]),
                                   ("arc", lambda s: [math.cos(math.pi * s / 2) * a + math.sin(math.pi * s / 2) * b
                                                      for a, b in zip(A, B)])):
                    ps = [path(s) for s in ts]
                    rows[name].append((min(acc(p, tr) for p in ps), min(acc(p, te) for p in ps)))
                rows["endpoints"].append((min(acc(A, tr), acc(B, tr)), min(acc(A, te), acc(B, te))))
            out[int(w)] = rows
    return out


@CT.simulation("barrier-on-straight-segment-digits", sizes=SIZES_DIGITS)
def _(ctx):
    """Digits, pairs of independently trained single-hidden-layer tanh networks per width: in every pair the
    lowest train accuracy along the linear segment (21 points) is below both endpoints' train accuracy (a
    count: criterion).  The lecture's table is re-measured (lowest accuracy, mean +- sd over pairs, linear vs
    arc, train and test) and reported in the detail beside the printed MNIST/CIFAR-10 values; its ordering is
    an observation here (module docstring)."""
    tab = connection_table(ctx)
    barrier, total, rows = 0, 0, []
    for w, r in tab.items():
        for (lin_tr, _), (end_tr, _) in zip(r["linear"], r["endpoints"]):
            barrier += int(lin_tr < end_tr)
            total += 1
        lin, arc = np.array(r["linear"]) * 100, np.array(r["arc"]) * 100
        sd = (lambda a: a.std(ddof=1) if len(a) > 1 else 0.0)  # noqa: E731
        rows.append(f"width {w}: linear train {lin[:, 0].mean():.2f} +- {sd(lin[:, 0]):.2f}, test {lin[:, 1].mean():.2f} +- "
                    f"{sd(lin[:, 1]):.2f}; arc train {arc[:, 0].mean():.2f} +- {sd(arc[:, 0]):.2f}, test "
                    f"{arc[:, 1].mean():.2f} +- {sd(arc[:, 1]):.2f}")
    rows.append("printed (MNIST): linear 96.54/95.87, arc 97.89/97.03; (CIFAR-10): linear 32.09/39.34, arc 49.97/41.34")
    return Outcome.criterion([("pairs whose linear segment dips below both endpoints (train)", barrier, "==", total)],
                             criterion(0.0, "a count over pairs"), detail="; ".join(rows))


@CT.exact("relu-paths-share-rays")
def _(ctx):
    """For ReLU networks without output bias, f(x; theta) = C relu(L x + b): arc(t) = rho(t) lin(s(t)) with rho =
    cos(pi t/2) + sin(pi t/2), s = sin/(cos + sin) (parameter identity, every coordinate), and f(x; rho theta) =
    rho^2 f(x; theta) for rho > 0 (positive homogeneity), so both paths give the same argmax at matching times
    and the same lowest accuracy.  Residuals (identity per coordinate; homogeneity on symbolic scalars): 0."""
    a, b, rho, xx, l, bb, c = sp.symbols("a b rho x l bb c", real=True)
    co, si = sp.cos(sp.pi * t / 2), sp.sin(sp.pi * t / 2)
    s = si / (co + si)
    r1 = sp.simplify((co * a + si * b) - (co + si) * ((1 - s) * a + s * b))
    rp = sp.Symbol("rp", positive=True)
    f = lambda L_, B_, C_: C_ * ((L_ * xx + B_) + sp.Abs(L_ * xx + B_)) / 2  # noqa: E731  relu(u) = (u + |u|)/2
    r2 = sp.simplify(f(rp * l, rp * bb, rp * c) - rp**2 * f(l, bb, c))
    return Outcome.symbolic(sp.simplify(r1**2 + r2**2), "arc(t) = rho(t) lin(s(t)); f(rho theta) = rho^2 f(theta)")
