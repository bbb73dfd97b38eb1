"""Finite-width deep linear networks trained by full-batch gradient descent (Torch, float64).

One harness for every linear-network simulation of the suite (Saxe et al. 2013 Fig. 3; the linear
autoencoders of Pretorius et al. 2018 build on it).  The network is ``y = W2 W1 x`` (Saxe's
``W^32 W^21``); the batch gradient-descent rule is Saxe et al. 2013 eq. (1),

    dW1 = lr * W2^T (S_yx - W2 W1 S_xx) - lr * wd * W1
    dW2 = lr * (S_yx - W2 W1 S_xx) W1^T - lr * wd * W2,

with ``S_xx = sum_mu x x^T`` (Sigma^11) and ``S_yx = sum_mu y x^T`` (Sigma^31).  Because the network is
linear the full-batch update depends on the data only through these correlations (Saxe et al. 2013,
supplementary C).  For sampled input noise (denoising autoencoders) the correlations are re-sampled at
every step by a ``correlations(step)`` callable.  ``wd`` is an L2 weight-decay rate (the gradient of
``(wd/2)(|W1|^2 + |W2|^2)``).

Everything is batched over a leading "replica" dimension (independent seeds or learning rates), runs
on any Torch device, and uses float64.  Notation map: W1 = W^21 (N2 x N1), W2 = W^32 (N3 x N2),
lr = lambda, tau = 1/lambda, one step = one unit of t (Saxe et al. 2013, eq. (2)).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from theorycheck.numeric.backend import haar_orthogonal, require_generator, torch
from theorycheck.numeric.validate import DomainError

__all__ = [
    "LinearTask",
    "task_with_svd",
    "decoupled_init",
    "gaussian_init",
    "train",
    "mode_strengths",
    "half_time",
]


@dataclass
class LinearTask:
    """Input-output correlations with a known SVD: S_yx = U diag(s) V^T, S_xx = I (whitened)."""

    U: "torch.Tensor"  # N3 x N3 orthogonal (output-analyzing singular vectors u_alpha)
    V: "torch.Tensor"  # N1 x N1 orthogonal (input-analyzing singular vectors v_alpha)
    s: "torch.Tensor"  # singular values s_alpha (length r <= min(N1, N3))
    Syx: "torch.Tensor"  # N3 x N1
    Sxx: "torch.Tensor"  # N1 x N1


def task_with_svd(s, n_in: int, n_out: int, generator, device="cpu") -> LinearTask:
    """A whitened task (S_xx = I) whose S_yx has the prescribed singular values ``s`` (Saxe eq. (3))."""
    t = torch()
    s = t.as_tensor(s, dtype=t.float64)
    r = s.numel()
    if r > min(n_in, n_out):
        raise DomainError(f"task_with_svd: len(s) = {r} exceeds min(n_in, n_out) = {min(n_in, n_out)}")
    if not bool((s > 0).all()):
        raise DomainError(f"task_with_svd: singular values must be positive, got {s.tolist()}")
    U = haar_orthogonal(n_out, generator)
    V = haar_orthogonal(n_in, generator)
    Syx = U[:, :r] @ t.diag(s) @ V[:, :r].T
    return LinearTask(U.to(device), V.to(device), s.to(device), Syx.to(device),
                      t.eye(n_in, dtype=t.float64, device=device))


def decoupled_init(task: LinearTask, n_hidden: int, a0, b0, generator, batch: int = 1):
    """Decoupled initial condition W2 = U D_a R^T, W1 = R D_b V^T (Saxe et al. 2013, §1.3).

    ``a0``/``b0`` are the initial mode projections (scalars or one value per mode; the paper's a and
    b of eq. (8)); ``R`` is a random orthogonal N2 x N2 matrix per replica.  Modes beyond
    min(len(s), N2) start at zero.
    """
    t = torch()
    dev = task.Syx.device
    n_out, n_in = task.Syx.shape
    r = min(task.s.numel(), n_hidden)
    a = t.broadcast_to(t.as_tensor(a0, dtype=t.float64), (r,)).to(dev)
    b = t.broadcast_to(t.as_tensor(b0, dtype=t.float64), (r,)).to(dev)
    R = haar_orthogonal(n_hidden, generator, batch=batch, device=dev)
    Da = t.zeros(n_out, n_hidden, dtype=t.float64, device=dev)
    Db = t.zeros(n_hidden, n_in, dtype=t.float64, device=dev)
    Da[:r, :r] = t.diag(b)  # row alpha of W2-bar is b^alpha (output side)
    Db[:r, :r] = t.diag(a)  # column alpha of W1-bar is a^alpha (input side)
    W2 = task.U @ Da @ R.transpose(-1, -2)
    W1 = R @ Db @ task.V.T
    return W1, W2


def gaussian_init(n_in: int, n_hidden: int, n_out: int, std: float, generator, batch: int = 1, device="cpu"):
    """i.i.d. N(0, std^2) weights (the "small random initial conditions" of Saxe et al. 2013, Fig. 3)."""
    t = torch()
    if not std > 0:
        raise DomainError(f"gaussian_init: parameter 'std' = {std} must be > 0")
    g = require_generator(generator)  # drawn on the generator's device, then moved (numeric.backend policy)
    W1 = std * t.randn((batch, n_hidden, n_in), generator=g, dtype=t.float64, device=g.device)
    W2 = std * t.randn((batch, n_out, n_hidden), generator=g, dtype=t.float64, device=g.device)
    return W1.to(device), W2.to(device)


def mode_strengths(task: LinearTask, W1, W2):
    """diag(U^T W2 W1 V): the strength of each input-output mode (Saxe et al. 2013, Fig. 3 caption)."""
    t = torch()
    r = task.s.numel()
    M = task.U.T @ (W2 @ W1) @ task.V
    return t.diagonal(M, dim1=-2, dim2=-1)[..., :r]


def train(
    W1,
    W2,
    lr,
    steps: int,
    *,
    Syx=None,
    Sxx=None,
    correlations: Callable[[int], tuple] | None = None,
    weight_decay=0.0,
    record: Callable | None = None,
    record_every: int = 1,
):
    """Full-batch gradient descent, Saxe et al. 2013 eq. (1), optionally with weight decay.

    ``lr`` and ``weight_decay`` may be scalars or tensors of shape (batch,) (one value per replica).
    Either fixed correlations (``Syx``, ``Sxx``; ``Sxx=None`` means the identity) or a callable
    ``correlations(step) -> (Syx, Sxx)`` for re-sampled (noisy) data.  ``record(step, W1, W2)`` is
    called at step 0 and every ``record_every`` steps (and at the end); its tensors are stacked.

    Returns ``(W1, W2, steps_recorded, records)`` with ``records`` a stacked tensor (or None).
    """
    t = torch()
    if steps < 0:
        raise DomainError(f"train: parameter 'steps' = {steps} must be >= 0")
    if record_every < 1:
        raise DomainError(f"train: parameter 'record_every' = {record_every} must be >= 1")
    if correlations is None and Syx is None:
        raise DomainError("train: give either Syx (and optionally Sxx) or correlations")
    W1 = W1.clone()
    W2 = W2.clone()
    dev = W1.device

    def per_replica(x, name):
        x = t.as_tensor(x, dtype=t.float64, device=dev)
        if bool((x < 0).any()) or not bool(t.isfinite(x).all()):
            raise DomainError(f"train: parameter {name!r} = {x.tolist()} must be finite and >= 0")
        return x.reshape(-1, 1, 1) if x.ndim == 1 else x

    lr_t = per_replica(lr, "lr")
    wd_t = per_replica(weight_decay, "weight_decay")
    use_wd = bool((wd_t != 0).any())
    recs, rec_steps = [], []

    def do_record(k):
        if record is not None:
            recs.append(record(k, W1, W2))
            rec_steps.append(k)

    do_record(0)
    for k in range(1, steps + 1):
        if correlations is not None:
            S_yx, S_xx = correlations(k)
        else:
            S_yx, S_xx = Syx, Sxx
        P = W2 @ W1
        E = S_yx - (P if S_xx is None else P @ S_xx)
        dW1 = W2.transpose(-1, -2) @ E
        dW2 = E @ W1.transpose(-1, -2)
        if use_wd:
            dW1 = dW1 - wd_t * W1
            dW2 = dW2 - wd_t * W2
        W1 = W1 + lr_t * dW1
        W2 = W2 + lr_t * dW2
        if k % record_every == 0 or k == steps:
            do_record(k)
    if not (bool(t.isfinite(W1).all()) and bool(t.isfinite(W2).all())):
        raise DomainError("train: weights diverged (non-finite); the learning rate is too large for this task")
    records = t.stack(recs) if recs else None
    return W1, W2, t.as_tensor(rec_steps), records


def half_time(times, u, target):
    """First time at which each trajectory ``u[:, ...]`` (time along dim 0) reaches ``target``.

    Linear interpolation between records; NaN where the target is never reached.
    """
    t = torch()
    times = t.as_tensor(times, dtype=t.float64, device=u.device)
    target = t.as_tensor(target, dtype=t.float64, device=u.device)
    above = u >= target
    reached = above.any(dim=0)
    idx = t.argmax(above.to(t.int64), dim=0)
    idx0 = (idx - 1).clamp(min=0)
    u1 = t.gather(u, 0, idx.unsqueeze(0)).squeeze(0)
    u0 = t.gather(u, 0, idx0.unsqueeze(0)).squeeze(0)
    t1, t0 = times[idx], times[idx0]
    frac = t.where(u1 != u0, (target - u0) / (u1 - u0), t.zeros_like(u1))
    out = t0 + frac * (t1 - t0)
    return t.where(reached, out, t.full_like(out, float("nan")))
