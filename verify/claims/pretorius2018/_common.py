"""Shared by several sections of Pretorius, Kroon & Kamper 2018 (not a section): the citation prefix, the
symbols and printed expressions of symbolic/dae.py, the Fig. 1 gradient-descent runs (§4 check and figure)
and the Fig. 5 full-autoencoder runs (§6 checks and figure)."""
from __future__ import annotations

import numpy as np

from theorycheck.symbolic import dae as S

CITE = "Pretorius et al. 2018"
lam, eps, tau, c0, w0, t = S.lam, S.eps, S.tau, S.c0, S.w0, S.t
w1, w2, theta, gamma, n = S.w1, S.w2, S.theta, S.gamma, S.n
PR = S.PRINTED

# ----------------------------------------------------------------------------------------------
# §4, Fig. 1: scalar gradient descent from random starts against eq. (5)
F1_SIZES = {"smoke": {"n_init": 8, "lr": 0.02, "T": 8.0}, "default": {"n_init": 32, "lr": 0.01, "T": 12.0},
            "paper": {"n_init": 128, "lr": 0.002, "T": 12.0}}


def fig1_errors(ctx, lr):
    """Gradient descent on (2)-(3) (lam = tau = 1) from ``n_init`` random starts for eps = 0, 1, 5; returns
    {eps: (max |w_gd - w_eq5|, w_gd, w_eq5, times)}."""
    from theorycheck.numeric.dae import scalar_gd, w_t

    rng = ctx.rng(1)
    n_init = ctx.sizes["n_init"]
    a0 = rng.uniform(-1, 1, n_init)
    b0 = rng.uniform(0.05, 1, n_init)
    out = {}
    for e_ in (0.0, 1.0, 5.0):
        steps = int(round(ctx.sizes["T"] / lr))
        times, A, B = scalar_gd(a0, b0, 1.0, steps, lr, eps=e_, record_every=max(1, steps // 200))
        theory = w_t(1.0, e_, 1.0, np.abs(b0**2 - a0**2)[None], (a0 * b0)[None], times[:, None] * lr)
        out[e_] = (float(np.max(np.abs(A * B - theory))), A * B, theory, times * lr)
    return out


# ----------------------------------------------------------------------------------------------
# §6, Fig. 5: full linear AE / DAE / WDAE on real and synthetic data
F5_SIZES = {"smoke": {"top": 4, "T_mult": 2.0, "record": 100}, "default": {"top": 8, "T_mult": 3.0, "record": 200},
            "paper": {"top": 16, "T_mult": 4.0, "record": 400}}


def _dataset(name, ctx):
    import torch

    if name == "digits":
        from sklearn.datasets import load_digits

        X = torch.tensor(load_digits().data / 16.0, dtype=torch.float64)
    else:  # synthetic: X^T X = V diag(lam) V^T exactly (N = 1000, D = 16), well-separated eigenvalues
        rng = ctx.rng(55)
        N, D = 1000, 16
        lam_ = N * np.concatenate([[4.0], 1.5 * 0.7 ** np.arange(D - 1)])  # one dominant, then geometric (ratio 0.7)
        Q, _ = np.linalg.qr(rng.normal(size=(N, D)))
        Vs, _ = np.linalg.qr(rng.normal(size=(D, D)))
        X = torch.tensor(Q @ np.diag(np.sqrt(lam_)) @ Vs.T, dtype=torch.float64)
    return X


def fig5_run(name, ctx):
    """Train AE/DAE/WDAE on one dataset; return per-direction measured and theoretical mappings."""
    import torch

    from theorycheck.numeric.dae import train_autoencoder, w_t
    from theorycheck.numeric.generated.wdae import w_t as wdae_w_t

    X = _dataset(name, ctx)
    N, D = X.shape
    lam_, V = torch.linalg.eigh(X.T @ X)
    lam_, V = lam_.flip(0), V.flip(-1)
    top = ctx.sizes["top"]
    L = lam_.numpy()
    alpha = 0.2 * N / L[0]  # alpha/N * lam_1 = 0.2: Euler error of the top mode ~ 0.2 x its O(1) scale / 10
    tau_ = N / alpha
    eps_ = float(L[3])  # eps = N sigma^2 comparable to the 4th eigenvalue
    ng = float(L[top - 1]) / 2  # N gamma: every shown direction keeps xi >= 1/2
    T = int(ctx.sizes["T_mult"] * 10 * tau_ / (2 * L[top - 1] * 0.5))
    rec = max(1, T // ctx.sizes["record"])
    out = {"lam": L[:top], "tau": tau_, "alpha": alpha, "eps": eps_, "n_gamma": ng, "epochs": T, "N": N, "D": D,
           "record_every": rec}
    for kind in ("ae", "dae", "wdae"):
        # one generator seed for the three: identical initial weights (its first draws), the DAE's noise after
        # them -- common random numbers for the comparison of the three (see sec6_experimental_results.py)
        ep, M = train_autoencoder(X, min(32, D), alpha, T, kind=kind, sigma2=eps_ / N, gamma=ng / N, init_std=1e-3,
                                  generator=ctx.torch_generator(100), record_every=rec, V=V)
        M = M[:, :top]
        theo = np.full_like(M, np.nan)
        half = []
        for j in range(top):
            l_ = float(L[j])
            ws = {"ae": 1.0, "dae": l_ / (l_ + eps_), "wdae": 1 - ng / l_}[kind]
            r = int(np.argmax(M[:, j] >= 0.1 * ws))  # align: start the theory where the mode has escaped
            m0, t0 = float(M[r, j]), float(ep[r])
            dt = ep[r:] - t0
            if kind == "wdae":
                theo[r:, j] = wdae_w_t(l_, ng / N, N, tau_, m0, dt)
            else:
                theo[r:, j] = w_t(l_, eps_ if kind == "dae" else 0.0, tau_, 1e-12, m0, dt)
            k = int(np.argmax(M[:, j] >= 0.5 * ws))
            half.append(float(ep[k]) if M[k, j] >= 0.5 * ws else float("inf"))
        out[kind] = {"epochs": ep, "M": M, "theory": theo, "half": np.array(half),
                     "w_star": np.array([{"ae": 1.0, "dae": l_ / (l_ + eps_), "wdae": 1 - ng / l_}[kind] for l_ in L[:top]])}
    return out
