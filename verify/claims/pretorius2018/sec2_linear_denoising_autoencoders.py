"""§2 Linear Denoising Autoencoders (and supplementary A): the expected reconstruction loss, eq. (1).

No errata in this section.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import clt

CA = claim(
    "pretorius2018/eq1-expected-loss",
    "Over isotropic zero-mean noise of variance s^2 the expected reconstruction loss equals the clean loss plus "
    "(s^2/2) tr(W2 W1 W1^T W2^T); eps = N sigma^2 for Gaussian and eps = 2 N b^2 for Laplace noise.",
    f"{CITE}, eq. (1), supplementary A, §3.3",
)


@CA.exact("expectation-over-noise-moments")
def _(ctx):
    """The loss of §2 expanded symbolically (D = H = N = 2, symbolic weights and data) and averaged with the
    noise moments E[e] = 0, E[e e^T] = s^2 I, minus the clean loss and (s^2/2) tr(W2 W1 W1^T W2^T) of eq. (1):
    the residual must be exactly 0."""
    D, H, N = 2, 2, 2
    W1 = sp.Matrix(H, D, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))
    W2 = sp.Matrix(D, H, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))
    s2 = sp.Symbol("s2", positive=True)
    xs = [sp.Matrix(D, 1, lambda i, j: sp.Symbol(f"x{m}{i}", real=True)) for m in range(N)]
    es = [sp.Matrix(D, 1, lambda i, j: sp.Symbol(f"e{m}{i}", real=True)) for m in range(N)]
    M = W2 * W1
    L = sum(((x - M * (x + e)).T * (x - M * (x + e)))[0] for x, e in zip(xs, es)) / (2 * N)
    # E[e_i] = 0, E[e_i e_j] = s^2 delta_ij (independent components, all samples independent)
    poly = sp.Poly(sp.expand(L), *[v for e in es for v in e])
    expect = 0
    for monom, coeff in poly.terms():
        degs = [d for d in monom if d]
        if not degs:
            expect += coeff
        elif degs == [2]:
            expect += coeff * s2
        # a single first power has mean 0; products of two different components have mean 0
    clean = sum(((x - M * x).T * (x - M * x))[0] for x in xs) / (2 * N)
    res = sp.simplify(sp.expand(expect - clean - s2 / 2 * (M * M.T).trace()))
    return Outcome.symbolic(res, "D = H = N = 2, symbolic weights and data; noise moments E[e]=0, E[ee^T]=s^2 I")



def _mc_expected_loss(ctx, noise):
    rng = ctx.rng(11 if noise == "gaussian" else 12)
    n_mc = ctx.sizes["samples"]
    D, N = 4, 6
    X = rng.normal(size=(N, D))
    M = rng.normal(size=(D, 2)) @ rng.normal(size=(2, D)) / 2
    if noise == "gaussian":
        sigma = 0.7
        E = sigma * rng.normal(size=(n_mc, N, D))
        s2 = sigma**2
        eps_pred, eps_name = N * sigma**2, "N sigma^2"
    else:
        b = 0.5
        E = rng.laplace(scale=b, size=(n_mc, N, D))
        s2 = 2 * b**2
        eps_pred, eps_name = 2 * N * b**2, "2 N b^2"
    R = X[None] - (X[None] + E) @ M.T
    losses = (R**2).sum(axis=(1, 2)) / (2 * N)
    clean = ((X - X @ M.T) ** 2).sum() / (2 * N)
    pred = clean + s2 / 2 * np.trace(M @ M.T)
    sd = float(losses.std(ddof=1))
    tol = clt(sd, n_mc, why=f"Monte Carlo mean of {n_mc} noisy losses ({noise}); eps = {eps_name} = {eps_pred:g}")
    return Outcome.compare(pred, float(losses.mean()), tol, f"{noise} noise, D=4, N=6, rank-2 M", sizes=dict(ctx.sizes))


_MC = {"smoke": {"samples": 20000}, "default": {"samples": 400000}, "paper": {"samples": 4000000}}


@CA.simulation("monte-carlo-gaussian", sizes=_MC)
def _(ctx):
    """Monte Carlo mean of the noisy loss (Gaussian noise, sigma = 0.7) against eq. (1); tolerance: the CLT
    quantile at the suite's per-check ALPHA times the sample sd / sqrt(samples)."""
    return _mc_expected_loss(ctx, "gaussian")


@CA.simulation("monte-carlo-laplace", sizes=_MC)
def _(ctx):
    """Monte Carlo mean of the noisy loss (Laplace noise, b = 0.5, variance 2 b^2) against eq. (1); tolerance:
    the CLT quantile at the suite's per-check ALPHA times the sample sd / sqrt(samples)."""
    return _mc_expected_loss(ctx, "laplace")
