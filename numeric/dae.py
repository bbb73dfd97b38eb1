"""Linear denoising autoencoders (Pretorius, Kroon & Kamper 2018): the closed-form DAE mapping kernel and
the AE / DAE / WDAE simulations, built on the shared deep-linear-network harness ``numeric.linear_nets``.

Notation map (code -> paper): ``lam`` lambda_j (eigenvalue of Sigma_xx = sum_i x_i x_i^T), ``eps``
varepsilon = N s^2, ``gamma`` the weight-decay penalty of eq. (6), ``n`` N, ``tau`` = N/alpha, ``c0`` =
|w2^2 - w1^2|, ``w0`` = w2(0) w1(0), ``t`` time in epochs.

``w_t`` / ``w_t_torch`` evaluate eq. (5) through the cancellation-free rewrite registered as
``dae.w_t`` in ``symbolic/dae.py`` (its docstring derives it).  They are written by hand, once, for
any array namespace, instead of being printed by ``theorycheck codegen``.  Printing the registered
expression as written (as a ``stable`` form, without SymPy's rewrite passes) was tried and measured:
SymPy's automatic canonicalization distributes the numeric factors of the sign blends
h = (1 + sign w0)/2 over the sums and cse regroups the result, which reintroduces subtractions of
nearly equal terms -- 4.3e-2 relative error at w0 = 674.5, c0 = 1.4e-12 (17,537 of 20,000
random points differ from this kernel, which stays within 2e-16 of mpmath there).  The hand-written
kernel keeps the branches as ``where`` selections and the sums of non-negative terms intact.

Training: the linear autoencoder y = W2 W1 x is the harness's network with S_yx = S_xx = Sigma_xx.
Gradient descent with rate alpha on the loss (1) of the paper (the 1/(2N) mean plus the noise or
weight-decay term) is the harness's rule with ``lr = alpha/N = 1/tau`` and correlations
* AE:   S_yx = S_xx = Sigma_xx;
* DAE, expected loss (1):  S_yx = Sigma_xx, S_xx = Sigma_xx + eps I  (the term -eps W2^T W2 W1 of §3.1);
* DAE, sampled noise:  S_yx = sum_i x_i x~_i^T, S_xx = sum_i x~_i x~_i^T, fresh x~ = x + noise each epoch;
* WDAE (eq. 6): S_yx = S_xx = Sigma_xx and the harness's weight decay ``wd = N gamma``.
"""
from __future__ import annotations

import numpy as np

from theorycheck.numeric import validate as _v
from theorycheck.numeric.validate import DomainError

__all__ = [
    "w_t",
    "w_t_torch",
    "scalar_gd",
    "train_autoencoder",
    "noise_correlations",
    "train_nonlinear_autoencoder",
]

_FID = "dae.w_t"


def _w_t(xp, lam, eps, tau, c0, w0, t):
    """Eq. (5) in the rewrite of symbolic/dae.py (``xp`` is numpy or torch)."""
    beta = c0 * (eps / lam + 1)
    zeta = xp.sqrt(beta * beta + 4)
    x = -(zeta * lam * t / tau)
    G = xp.exp(x)
    omg = -xp.expm1(x)
    q0 = xp.sqrt(c0 * c0 + 4 * w0 * w0)
    P = q0 + 2 * xp.abs(w0)
    big = (c0 + P) / (c0 + q0)
    small = c0 * big / P
    delta = 2 * w0 / (c0 + q0)
    zmb = 4 / (zeta + beta)
    X = 2 * G * (beta + zeta) + 2 * zmb
    pos = w0 >= 0
    p = xp.where(pos, big, small)
    m = xp.where(pos, small, big)
    # delta >= -1/2: 4 omg + delta X has no cancellation except at a true zero crossing of w(t); for
    # delta -> -1 (w0 << -c0) it would cancel 4 against 4 G-free terms, so use delta = p - 1 there.
    Np = xp.where(delta >= -0.5, 4 * omg + delta * X,
                  2 * beta * (zmb + 2) / (zeta + 2) - 2 * G * (2 + beta + zeta) + p * X)
    Dp = 2 * beta + 2 * beta * beta / (zeta + 2) + 2 * G * (zmb + 2) + 4 * p * omg
    Sp = omg * (2 * beta * m + 4 * p) + 2 * (1 + G) * zeta * p
    Tp = 2 * beta * omg * p + m * (2 * beta * beta / (zeta + 2) + 2 * G * (zeta + 2))
    return c0 * Np * (Dp / (Sp * Tp))


def _check(lam, eps, tau, c0, w0, t):
    _v.check_param(_FID, "lam", lam, 0.0, None, True, True, False)
    _v.check_param(_FID, "eps", eps, 0.0, None, False, True, False)
    _v.check_param(_FID, "tau", tau, 0.0, None, True, True, False)
    _v.check_param(_FID, "c0", c0, 0.0, None, True, True, False)
    _v.check_param(_FID, "w0", w0, None, None, True, True, False)
    _v.check_param(_FID, "t", t, 0.0, None, False, True, False)


def w_t(lam, eps, tau, c0, w0, t):
    """Mapping w(t) = (c0/2) sinh(theta_t) of a linear DAE, eq. (5), vectorized float64 NumPy.

    Source: Pretorius et al. 2018, eq. (5) and supplementary B.  Formula id: dae.w_t.
    Domain: lam > 0, eps >= 0, tau > 0, c0 > 0, w0 real, t >= 0.  Accurate to a few ulps wherever
    w(t) is well conditioned (every input except near a zero crossing of w(t), which happens only for
    w0 < 0); no overflow at any t; tends to the logistic solution as c0 -> 0.
    """
    lam, eps, tau, c0, w0, t = _v.as_numpy(lam, eps, tau, c0, w0, t)
    _check(lam, eps, tau, c0, w0, t)
    out = _w_t(np, lam, eps, tau, c0, w0, t)
    return _v.finite(_FID, out, {"lam": lam, "eps": eps, "tau": tau, "c0": c0, "w0": w0, "t": t})


def w_t_torch(lam, eps, tau, c0, w0, t):
    """Torch twin of :func:`w_t` (float64, on the device of the first tensor argument)."""
    torch = _v.torch()
    lam, eps, tau, c0, w0, t = _v.as_torch(lam, eps, tau, c0, w0, t)
    _check(lam, eps, tau, c0, w0, t)
    out = _w_t(torch, lam, eps, tau, c0, w0, t)
    return _v.finite(_FID, out, {"lam": lam, "eps": eps, "tau": tau, "c0": c0, "w0": w0, "t": t})


# ----------------------------------------------------------------------------------------------
# Simulations (all through numeric.linear_nets.train: no training loop of its own)
def scalar_gd(w1_0, w2_0, lam, steps: int, lr, *, eps=0.0, wd=0.0, record_every: int = 1):
    """Gradient descent on the scalar loss of one eigen-direction, batched over initial conditions.

    Loss (x tau): (lam/2)(1 - w2 w1)^2 + (eps/2)(w2 w1)^2 + (wd/2)(w1^2 + w2^2) (eq. (4) and the scalar
    WDAE loss of supplementary C with wd = N gamma); one step with rate ``lr`` is one forward-Euler step
    of (2)-(3) with dt = lr tau, i.e. ``lr = 1/tau`` for t in epochs.  Implemented as the harness's
    1 x 1 network with S_yx = lam, S_xx = lam + eps.  Returns (times, w1, w2) as float64 NumPy arrays
    of shape (records, batch).
    """
    from theorycheck.numeric.linear_nets import train

    torch = _v.torch()
    a = torch.as_tensor(np.asarray(w1_0, dtype=np.float64)).reshape(-1, 1, 1)
    b = torch.as_tensor(np.asarray(w2_0, dtype=np.float64)).reshape(-1, 1, 1)
    if a.shape != b.shape:
        raise DomainError(f"scalar_gd: w1_0 and w2_0 must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    if not lam > 0 or not eps >= 0:
        raise DomainError(f"scalar_gd: need lam > 0 and eps >= 0, got lam={lam!r}, eps={eps!r}")
    Syx = torch.tensor([[float(lam)]], dtype=torch.float64)
    Sxx = torch.tensor([[float(lam) + float(eps)]], dtype=torch.float64)
    _, _, steps_rec, rec = train(a, b, lr, steps, Syx=Syx, Sxx=Sxx, weight_decay=wd,
                                 record=lambda k, W1, W2: torch.stack([W1[:, 0, 0], W2[:, 0, 0]]),
                                 record_every=record_every)
    times = steps_rec.numpy().astype(np.float64)
    rec = rec.numpy()
    return times, rec[:, 0, :], rec[:, 1, :]


def noise_correlations(X, noise: str, scale: float, generator):
    """``correlations(step)`` for the harness: fresh corrupted inputs x~ = x + noise at every epoch.

    ``X`` is the (N, D) data tensor; ``noise`` is "gaussian" (std ``scale``) or "laplace" (scale b =
    ``scale``, variance 2 b^2).  Returns S_yx = sum_i x_i x~_i^T and S_xx = sum_i x~_i x~_i^T.
    """
    torch = _v.torch()
    if noise not in ("gaussian", "laplace"):
        raise DomainError(f"noise_correlations: parameter 'noise' = {noise!r} is not 'gaussian' or 'laplace'")
    if not scale > 0:
        raise DomainError(f"noise_correlations: parameter 'scale' = {scale!r} must be > 0")

    def corr(step):
        if noise == "gaussian":
            e = scale * torch.randn(X.shape, generator=generator, dtype=torch.float64)
        else:
            u = torch.rand(X.shape, generator=generator, dtype=torch.float64) - 0.5
            e = -scale * torch.sign(u) * torch.log1p(-2 * u.abs())
        Xt = X + e.to(X.device)
        return X.T @ Xt, Xt.T @ Xt

    return corr


def train_autoencoder(X, hidden: int, alpha: float, epochs: int, *, kind: str = "ae", sigma2: float = 0.0,
                      gamma: float = 0.0, init_std: float = 1e-3, generator=None, record_every: int = 10,
                      V=None):
    """Linear AE / DAE (sampled Gaussian noise of variance ``sigma2``) / WDAE (penalty ``gamma``) trained
    by full-batch gradient descent with rate ``alpha`` on the paper's loss (1) / (6), from small i.i.d.
    Gaussian weights.  Records diag(V^T W2 W1 V) (the mapping per eigen-direction of Sigma_xx, §3.2)
    every ``record_every`` epochs.  Returns (epochs_recorded, mappings (records, D)).
    """
    from theorycheck.numeric.linear_nets import gaussian_init, train

    torch = _v.torch()
    if kind not in ("ae", "dae", "wdae"):
        raise DomainError(f"train_autoencoder: parameter 'kind' = {kind!r} is not one of ae, dae, wdae")
    N, D = X.shape
    S = X.T @ X
    if V is None:
        _, V = torch.linalg.eigh(S)
        V = V.flip(-1)
    W1, W2 = gaussian_init(D, hidden, D, init_std, generator, batch=1, device=X.device)
    lr = alpha / N
    rec = lambda k, A, B: torch.diagonal(V.T @ (B[0] @ A[0]) @ V)  # noqa: E731
    if kind == "dae":
        corr = noise_correlations(X, "gaussian", float(np.sqrt(sigma2)), generator)
        _, _, steps, recs = train(W1, W2, lr, epochs, correlations=corr, record=rec, record_every=record_every)
    else:
        _, _, steps, recs = train(W1, W2, lr, epochs, Syx=S, Sxx=S, weight_decay=N * gamma if kind == "wdae" else 0.0,
                                  record=rec, record_every=record_every)
    return steps.numpy().astype(np.float64), recs.numpy()


def train_nonlinear_autoencoder(X, hidden: int, alpha: float, epochs: int, *, activation: str = "relu",
                                sigma2: float = 0.0, gamma: float = 0.0, init_std: float = 1e-2, generator=None,
                                record_every: int = 10):
    """One-hidden-layer AE x^ = W2 phi(W1 x~) (no biases, §2), phi = ReLU or tanh, trained by full-batch gradient
    descent (rate ``alpha``) on (1/2N) sum ||x - x^||^2 + (gamma/2)(|W1|^2 + |W2|^2), with fresh Gaussian input
    noise of variance ``sigma2`` per epoch (DAE) when ``sigma2 > 0``.  The nonlinear network is not a
    linear_nets model, so this is its own (autograd) loop.  Records the estimator of supplementary F,
    diag(V^T (sum_i x_i x^_i(t)^T) V) / lam_j, computed on the clean inputs (NaN where lam_j = 0, e.g. the
    always-blank pixels of the digits).  Returns (epochs, ratios).
    """
    torch = _v.torch()
    if activation not in ("relu", "tanh"):
        raise DomainError(f"train_nonlinear_autoencoder: parameter 'activation' = {activation!r} is not relu or tanh")
    if generator is None:
        raise DomainError("train_nonlinear_autoencoder: an explicit torch.Generator is required")
    phi = torch.relu if activation == "relu" else torch.tanh
    N, D = X.shape
    lam, V = torch.linalg.eigh(X.T @ X)
    lam, V = lam.flip(0), V.flip(-1)
    W1 = (init_std * torch.randn((hidden, D), generator=generator, dtype=torch.float64)).requires_grad_()
    W2 = (init_std * torch.randn((D, hidden), generator=generator, dtype=torch.float64)).requires_grad_()
    eps_, recs = [], []

    def record(k):
        with torch.no_grad():
            Xh = phi(X @ W1.T) @ W2.T
            d = torch.diagonal(V.T @ (X.T @ Xh) @ V)
            recs.append(torch.where(lam > 1e-12 * lam[0], d / lam, torch.full_like(d, float("nan"))).numpy().copy())
            eps_.append(k)

    record(0)
    for k in range(1, epochs + 1):
        Xt = X + (np.sqrt(sigma2) * torch.randn(X.shape, generator=generator, dtype=torch.float64) if sigma2 > 0 else 0.0)
        loss = ((X - phi(Xt @ W1.T) @ W2.T) ** 2).sum() / (2 * N) + gamma / 2 * ((W1**2).sum() + (W2**2).sum())
        g1, g2 = torch.autograd.grad(loss, (W1, W2))
        with torch.no_grad():
            W1 -= alpha * g1
            W2 -= alpha * g2
        if k % record_every == 0 or k == epochs:
            record(k)
    if not (bool(torch.isfinite(W1).all()) and bool(torch.isfinite(W2).all())):
        raise DomainError("train_nonlinear_autoencoder: training diverged; lower alpha")
    return np.asarray(eps_, dtype=np.float64), np.stack(recs)
