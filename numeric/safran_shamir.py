"""Safran-Shamir student/teacher two-layer ReLU networks on Gaussian inputs, batched over many runs.

Objective (Yarotsky's lecture, "Many spurious minima in underparameterized networks", Theorem; Safran &
Shamir 2018, eq. (1)):

    L(w_1..w_n) = E_{x ~ N(0, I_k)} ( sum_i (w_i.x)_+ - sum_j (v_j.x)_+ )^2 ,   v_1..v_k orthonormal.

The lecture prints the objective without a factor 1/2; every function here computes it *as printed*
(``half=False``, the default) or Safran-Shamir's ``(1/2) E[...]`` (``half=True``); the verify layer
reports which reading matches the printed table of objective values.

Closed form through the arc-cosine kernel (the Gaussian core, formula ``gauss.cov.relu``):
E[(w.x)_+ (v.x)_+] = |w||v| J(theta), J = (sin theta + (pi - theta) cos theta)/(2 pi), theta the angle
of w and v, so L = sum_{i,i'} f(w_i, w_i') - 2 sum_{i,j} f(w_i, v_j) + sum_{j,j'} f(v_j, v_j').  The loss
calls the generated kernel ``cov_relu_torch(rho, |w|^2, |v|^2)`` itself.  Derivatives (hand-derived,
checked against autograd of the closed form and against sampled-data autograd in
tests/test_yarotsky_opt.py), with wb = w/|w|, c = cos theta, d = vb - c wb (|d| = s = sin theta):

    g(w, v) = grad_w f = (|v| s wb + (pi - theta) v) / (2 pi)           (g(w, w) = w/2)
    A(w, v) = d g/dw   = |v| / (2 pi |w|) [ s (I - wb wb^T) + d d^T / s ]
    C(w, v) = d g/dv   = [ c s wb wb^T - c d d^T / s + s (wb d^T + d wb^T) + (pi - theta) I ] / (2 pi)

    grad_{w_i} L = 2 sum_{i'} g(w_i, w_i') - 2 sum_j g(w_i, v_j)
    H_{ii}       = I + 2 sum_{i' != i} A(w_i, w_i') - 2 sum_j A(w_i, v_j),   H_{ii'} = 2 C(w_i, w_i')

(A and C written with d and s = |d| stay finite as w and v become parallel: both tend to 0 there; theta
= atan2(s, c) is accurate at every angle.)  f is C^2 away from w = 0; the kernels refuse w_i = 0.

Everything is batched: ``W`` has shape (runs, n, k); the teacher defaults to V = I_k (rotation
invariance of N(0, I): any orthonormal v_1..v_k give the same landscape up to a rotation).  float64,
any device; NumPy entry points convert and return NumPy arrays.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric.backend import require_generator, torch
from theorycheck.numeric.validate import DomainError

__all__ = ["loss_torch", "grad_torch", "hessian_torch", "loss", "grad", "hessian", "xavier_init",
           "train", "TrainResult", "sampled_loss_torch", "min_eigenvalues"]


def _t():
    return torch()


def _prep(W, V, k_check=True):
    t = _t()
    W = W if isinstance(W, t.Tensor) else t.as_tensor(np.asarray(W, dtype=np.float64))
    W = W.to(t.float64)
    if W.ndim == 2:
        W = W.unsqueeze(0)
    if W.ndim != 3:
        raise DomainError(f"safran_shamir: parameter 'W' must have shape (runs, n, k) or (n, k), got {tuple(W.shape)}")
    k = W.shape[-1]
    if V is None:
        V = t.eye(k, dtype=t.float64, device=W.device)
    else:
        V = (V if isinstance(V, t.Tensor) else t.as_tensor(np.asarray(V, dtype=np.float64))).to(t.float64).to(W.device)
        if V.ndim != 2 or V.shape[1] != k:
            raise DomainError(f"safran_shamir: parameter 'V' must have shape (k_teacher, {k}), got {tuple(V.shape)}")
    nrm = t.linalg.vector_norm(W, dim=-1)
    if not bool(t.isfinite(W).all()):
        raise DomainError("safran_shamir: parameter 'W' has a non-finite entry; valid domain: finite reals")
    if bool((nrm == 0).any()):
        idx = tuple(int(i) for i in (nrm == 0).nonzero()[0])
        raise DomainError(f"safran_shamir: parameter 'W' has a zero row w_i at (run, i) = {idx}; valid domain: "
                          "w_i != 0 (the objective is not differentiable at w_i = 0)")
    return W, V


def _angles(Wb, Ub, nu):
    """Pairwise geometry of unit rows Wb (B, n, k) and Ub (B or 1, m, k) with norms nu (.., m):
    c (B, n, m), d (B, n, m, k) = ub - c wb, s = |d|, theta = atan2(s, c)."""
    t = _t()
    c = (Wb @ Ub.transpose(-1, -2)).clamp(-1.0, 1.0)
    d = Ub.unsqueeze(-3) - c.unsqueeze(-1) * Wb.unsqueeze(-2)
    s = t.linalg.vector_norm(d, dim=-1)
    th = t.atan2(s, c)
    return c, d, s, th


def loss_torch(W, V=None, half: bool = False):
    """L(W) for every run (shape (runs,)), from the generated arc-cosine kernel ``gauss.cov.relu``."""
    from theorycheck.numeric.generated.gauss import cov_relu_torch

    t = _t()
    W, V = _prep(W, V)
    Vb = V.expand(W.shape[0], *V.shape)

    def pair(A, B):
        qa = (A * A).sum(-1)
        qb = (B * B).sum(-1)
        rho = (A @ B.transpose(-1, -2)) / t.sqrt(qa.unsqueeze(-1) * qb.unsqueeze(-2))
        return cov_relu_torch(rho.clamp(-1.0, 1.0), qa.unsqueeze(-1), qb.unsqueeze(-2)).sum((-1, -2))

    val = pair(W, W) - 2.0 * pair(W, Vb) + pair(Vb[:1], Vb[:1])
    return 0.5 * val if half else val


def grad_torch(W, V=None, half: bool = False, accurate: bool = True):
    """grad_W L for every run, shape (runs, n, k) (see the module docstring).  ``accurate=False`` takes
    s = sqrt(1 - c^2) and theta = arccos c from the Gram matrix (no (runs, n, m, k) difference tensor:
    about 10x faster, absolute error ~ eps/s in s, so only the training loop uses it, never a reported
    gradient norm)."""
    t = _t()
    W, V = _prep(W, V)
    if not accurate:
        nw = t.linalg.vector_norm(W, dim=-1)
        Wb = W / nw.unsqueeze(-1)
        G = t.zeros_like(W)
        for U, sign in ((W, 1.0), (V.unsqueeze(0).expand(W.shape[0], *V.shape), -1.0)):
            nu = t.linalg.vector_norm(U, dim=-1)
            c = ((Wb @ U.transpose(-1, -2)) / nu.unsqueeze(-2)).clamp(-1.0, 1.0)
            s = t.sqrt(t.clamp(1.0 - c * c, min=0.0))
            G = G + sign * ((s @ nu.unsqueeze(-1)) * Wb + t.acos(c).neg_().add_(math.pi) @ U) / math.pi
        return 0.5 * G if half else G
    nw = t.linalg.vector_norm(W, dim=-1)
    Wb = W / nw.unsqueeze(-1)
    nv = t.linalg.vector_norm(V, dim=-1)
    Vb = (V / nv.unsqueeze(-1)).unsqueeze(0)
    G = t.zeros_like(W)
    for U, Ub, nu, sign in ((W, Wb, nw, 1.0), (V.unsqueeze(0), Vb, nv.unsqueeze(0), -1.0)):
        c, d, s, th = _angles(Wb, Ub, nu)
        coef = (nu.unsqueeze(-2) * s).sum(-1)  # sum_m |u_m| s_im
        G = G + sign * (coef.unsqueeze(-1) * Wb + (math.pi - th) @ U) / math.pi
    return 0.5 * G if half else G


def hessian_torch(W, V=None, half: bool = False, chunk: int = 64):
    """The exact Hessian of L for every run, shape (runs, n k, n k), row-major over (i, a) (w_i's a-th
    coordinate); computed in chunks of ``chunk`` runs to bound memory (runs x n^2 k^2 doubles)."""
    t = _t()
    W, V = _prep(W, V)
    B, n, k = W.shape
    out = t.empty((B, n * k, n * k), dtype=t.float64, device=W.device)
    eye = t.eye(k, dtype=t.float64, device=W.device)
    nv = t.linalg.vector_norm(V, dim=-1)
    Vb = (V / nv.unsqueeze(-1)).unsqueeze(0)
    for lo in range(0, B, chunk):
        w = W[lo:lo + chunk]
        b = w.shape[0]
        nw = t.linalg.vector_norm(w, dim=-1)
        wb = w / nw.unsqueeze(-1)
        H = t.zeros((b, n, n, k, k), dtype=t.float64, device=W.device)
        diag = eye.expand(b, n, k, k).clone()
        P = eye - wb.unsqueeze(-1) * wb.unsqueeze(-2)  # (b, n, k, k)
        for Ub, nu, sign in ((wb, nw, 1.0), (Vb, nv.unsqueeze(0), -1.0)):
            c, d, s, th = _angles(wb, Ub, nu)
            safe = t.where(s > 0, s, t.ones_like(s))
            dds = t.where((s > 0)[..., None, None], d.unsqueeze(-1) * d.unsqueeze(-2) / safe[..., None, None],
                          t.zeros((), dtype=t.float64, device=W.device))  # (b, n, m, k, k)
            A = (nu.unsqueeze(-2) / nw.unsqueeze(-1))[..., None, None] * (s[..., None, None] * P.unsqueeze(2) + dds)
            diag = diag + sign * A.sum(2) / math.pi  # 2 * A/(2 pi)
            if sign > 0:  # the cross blocks 2 C(w_i, w_i') for i != i'
                wwT = (wb.unsqueeze(-1) * wb.unsqueeze(-2)).unsqueeze(2)  # (b, n, 1, k, k)
                wd = wb.unsqueeze(2).unsqueeze(-1) * d.unsqueeze(-2)  # wb_i d_ii'^T
                C = ((c * s)[..., None, None] * wwT - c[..., None, None] * dds + s[..., None, None] * (wd + wd.transpose(-1, -2))
                     + (math.pi - th)[..., None, None] * eye) / math.pi
                H = H + C
        idx = t.arange(n, device=W.device)
        H[:, idx, idx] = diag
        out[lo:lo + b] = H.permute(0, 1, 3, 2, 4).reshape(b, n * k, n * k)
    return 0.5 * out if half else out


def min_eigenvalues(H):
    """Smallest eigenvalue of each symmetric matrix of a batch (symmetrised first: rounding only)."""
    t = _t()
    H = 0.5 * (H + H.transpose(-1, -2))
    return t.linalg.eigvalsh(H)[..., 0]


def _np(f):
    def wrapper(W, V=None, half: bool = False):
        return f(W, V, half).cpu().numpy()
    wrapper.__name__ = f.__name__.removesuffix("_torch")
    wrapper.__doc__ = f"NumPy entry of :func:`{f.__name__}` (float64 arrays in and out)."
    return wrapper


loss, grad, hessian = _np(loss_torch), _np(grad_torch), _np(hessian_torch)


def xavier_init(runs: int, n: int, k: int, gen, bound: float | None = None):
    """Xavier (Glorot & Bengio 2010, uniform) initialisation of the n x k first-layer matrix, as named by
    Safran & Shamir: every coordinate of every w_i i.i.d. uniform on [-b, b], b = sqrt(6/(n + k)) unless
    ``bound`` is given."""
    t = _t()
    gen = require_generator(gen)
    for name, v in (("runs", runs), ("n", n), ("k", k)):
        if not (isinstance(v, int) and v >= 1):
            raise DomainError(f"xavier_init: parameter '{name}' = {v!r} must be a positive integer")
    u = t.rand((runs, n, k), generator=gen, dtype=t.float64, device=gen.device)
    return (2.0 * u - 1.0) * (math.sqrt(6.0 / (n + k)) if bound is None else float(bound))


class TrainResult:
    """Final weights ``W`` (runs, n, k), ``loss`` and gradient norm ``gnorm`` per run, and the number of
    gradient steps and Newton steps taken."""

    def __init__(self, W, loss, gnorm, steps, newton_steps):
        self.W, self.loss, self.gnorm, self.steps, self.newton_steps = W, loss, gnorm, steps, newton_steps


def train(W0, V=None, *, lr: float = 0.1, max_steps: int = 20000, gtol: float = 1e-10, ltol: float = 1e-6,
          newton_after: int = 500, newton_every: int = 200, newton_gtol: float = 1e-2, half: bool = False,
          chunk: int = 64, threads: int | None = 1):
    """Gradient descent W <- W - lr grad L(W), batched over runs, until every run has |grad L| < gtol
    (accurate gradient) or L < ltol (gradient descent with lr < 2/M never increases L, so such a run
    ends at a point with L < ltol: a global minimum, L = 0, for every ltol below the lowest spurious
    value), or ``max_steps``.  From step ``newton_after`` on, every ``newton_every`` steps, a Newton step
    W <- W - H^{-1} grad L is tried on each unfinished run with |grad L| < ``newton_gtol`` whose exact
    Hessian is positive definite; it is
    kept only where it lowers L (a damped local polish that does not move the run to another basin: it
    only accelerates the slow directions, |1 - lr lambda_min| ~ 1, of gradient descent inside the basin
    of a positive-definite minimum).  ``threads``: Torch intra-op threads during the loop (restored after);
    1 by default -- the tensors are small, and on a loaded machine two threads made the loop 14x slower
    (measured, 2 shared cores).  Returns :class:`TrainResult`."""
    t = _t()
    old = t.get_num_threads()
    if threads is not None:
        t.set_num_threads(int(threads))
    try:
        return _train(W0, V, lr, max_steps, gtol, ltol, newton_after, newton_every, newton_gtol, half, chunk)
    finally:
        t.set_num_threads(old)


def _train(W0, V, lr, max_steps, gtol, ltol, newton_after, newton_every, newton_gtol, half, chunk):
    t = _t()
    W, V = _prep(W0, V)
    W = W.clone()
    if not (lr > 0 and max_steps >= 1 and gtol > 0):
        raise DomainError(f"train: need lr > 0, max_steps >= 1, gtol > 0; got lr={lr}, max_steps={max_steps}, gtol={gtol}")
    B, n, k = W.shape
    active = t.ones(B, dtype=t.bool, device=W.device)
    steps, newton = 0, 0
    for step in range(max_steps):
        idx = active.nonzero().squeeze(-1)
        if idx.numel() == 0:
            break
        w = W[idx]
        newton_now = step >= newton_after and (step - newton_after) % newton_every == 0
        G = grad_torch(w, V, half, accurate=newton_now)
        gn = t.linalg.vector_norm(G.reshape(len(idx), -1), dim=-1)
        done = gn < gtol if newton_now else t.zeros_like(gn, dtype=t.bool)
        if newton_now:
            done = done | (loss_torch(w, V, half) < ltol)
        if bool(done.any()):
            active[idx[done]] = False
        keep = ~done
        near = keep & (gn < newton_gtol)
        if newton_now and bool(near.any()):
            wi, Gi = w[near], G[near]
            H = hessian_torch(wi, V, half, chunk)
            H = 0.5 * (H + H.transpose(-1, -2))
            L_, info = t.linalg.cholesky_ex(H)
            pd = info == 0
            if bool(pd.any()):
                step_vec = t.cholesky_solve(Gi[pd].reshape(int(pd.sum()), -1, 1), L_[pd]).reshape(-1, n, k)
                cand = wi[pd] - step_vec
                ok = t.isfinite(cand).all((-1, -2)) & (t.linalg.vector_norm(cand, dim=-1) > 0).all(-1)
                better = t.zeros_like(ok)
                if bool(ok.any()):
                    better[ok] = loss_torch(cand[ok], V, half) <= loss_torch(wi[pd][ok], V, half)
                sub = idx[near][pd][better]
                W[sub] = cand[better]
                newton += 1
                keep = keep & ~near  # the runs that tried a Newton step skip this gradient step
        W[idx[keep]] = w[keep] - lr * G[keep]
        steps += 1
    Gf = grad_torch(W, V, half)
    return TrainResult(W, loss_torch(W, V, half), t.linalg.vector_norm(Gf.reshape(B, -1), dim=-1), steps, newton)


def sampled_loss_torch(W, X, V=None, half: bool = False):
    """The same objective on sampled inputs X (m, k): mean over the rows of (sum_i (w_i.x)_+ -
    sum_j (v_j.x)_+)^2 for every run -- the baseline a user would otherwise write (its autograd gives
    the sampled gradient).  Unbiased for L; differentiable through W."""
    t = _t()
    k = W.shape[-1]
    V = t.eye(k, dtype=t.float64, device=W.device) if V is None else V
    student = t.relu(t.einsum("bnk,mk->bmn", W, X)).sum(-1)
    teacher = t.relu(X @ V.T).sum(-1)
    val = ((student - teacher) ** 2).mean(-1)
    return 0.5 * val if half else val
