"""Finite-width deep linear networks trained by full-batch gradient descent (Torch, float64).

One harness for every linear-network simulation of the suite (Saxe et al. 2013 Figs. 3-6; the linear
autoencoders of Pretorius et al. 2018 and Yarotsky's deep linear networks build on it).

Public API for N_l layers, y = W_{N_l-1} ... W_1 x (weights = [W_1, ..., W_{N_l-1}], input side first):
``deep_linear_gd`` (the one training loop: full-batch gradient descent, eq. (13) of Saxe et al. 2013,
batched over replicas / learning rates, optional weight decay, recording callback, early stop),
``deep_linear_grad`` (the exact gradient, = -(13)), ``deep_linear_loss``, ``end_to_end`` (eq. (19)), and the
initializations ``deep_gaussian_init``, ``deep_orthogonal_init``, ``deep_decoupled_init`` (section 2),
``pretrain_autoencoders`` (section 3).  The three-layer functions below (``train``, ``gaussian_init``,
``decoupled_init``) are thin front ends of these.

Three layers: the network is ``y = W2 W1 x`` (Saxe's ``W^32 W^21``); the batch gradient-descent rule is
Saxe et al. 2013 eq. (1),

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
    "end_to_end",
    "deep_linear_grad",
    "deep_linear_loss",
    "deep_linear_gd",
    "deep_gaussian_init",
    "deep_orthogonal_init",
    "deep_decoupled_init",
    "pretrain_autoencoders",
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
    min(len(s), N2) start at zero.  The three-layer case of :func:`deep_decoupled_init`.
    """
    t = torch()
    n_out, n_in = task.Syx.shape
    r = min(task.s.numel(), n_hidden, n_in, n_out)
    a = t.broadcast_to(t.as_tensor(a0, dtype=t.float64), (r,))
    b = t.broadcast_to(t.as_tensor(b0, dtype=t.float64), (r,))
    W1, W2 = deep_decoupled_init(task, [n_in, n_hidden, n_out], t.stack([a, b]), generator, batch=batch)
    return W1, W2


def gaussian_init(n_in: int, n_hidden: int, n_out: int, std: float, generator, batch: int = 1, device="cpu"):
    """i.i.d. N(0, std^2) weights (the "small random initial conditions" of Saxe et al. 2013, Fig. 3); the
    three-layer case of :func:`deep_gaussian_init`."""
    W1, W2 = deep_gaussian_init([n_in, n_hidden, n_out], std, generator, batch=batch, device=device)
    return W1, W2


def mode_strengths(task: LinearTask, *weights):
    """diag(U^T W_tot V): the strength of each input-output mode (Saxe et al. 2013, Fig. 3 caption; for N_l
    layers the u = prod_l a_l of eq. (15)).  ``weights`` = W1, W2 (three layers) or W_1, ..., W_{N_l-1}."""
    t = torch()
    r = task.s.numel()
    M = task.U.T @ end_to_end(list(weights)) @ task.V
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
    """Full-batch gradient descent, Saxe et al. 2013 eq. (1), optionally with weight decay (three layers).

    The three-layer front end of :func:`deep_linear_gd` (the same loop; bitwise the same arithmetic).
    ``lr`` and ``weight_decay`` may be scalars or tensors of shape (batch,) (one value per replica).
    Either fixed correlations (``Syx``, ``Sxx``; ``Sxx=None`` means the identity) or a callable
    ``correlations(step) -> (Syx, Sxx)`` for re-sampled (noisy) data.  ``record(step, W1, W2)`` is
    called at step 0 and every ``record_every`` steps (and at the end); its tensors are stacked.

    Returns ``(W1, W2, steps_recorded, records)`` with ``records`` a stacked tensor (or None).
    """
    rec = None if record is None else (lambda k, ws: record(k, ws[0], ws[1]))
    (A, B), ks, records = deep_linear_gd([W1, W2], Sxx, Syx, lr, steps, correlations=correlations,
                                         weight_decay=weight_decay, record=rec, record_every=record_every,
                                         _caller="train")
    return A, B, ks, records


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


# ----------------------------------------------------------------------------------------------
# N_l-layer networks: y = W_{N_l-1} ... W_2 W_1 x (Saxe et al. 2013, section 2)
#
# ``weights`` is always a list [W_1, ..., W_{N_l-1}] ordered from the input: W_l has shape
# (..., n_{l+1}, n_l) (any leading replica dimensions, broadcast against each other); Saxe's
# W^{21} = W_1, W^{32} = W_2 and, for three layers, (W1, W2) of :func:`train`.  ``widths`` is
# [n_1, ..., n_{N_l}] (input first).  Correlations: ``sigma11`` (n_1 x n_1, None = identity),
# ``sigma31`` (n_{N_l} x n_1), broadcast over replicas.


def _check_weights(weights, caller):
    t = torch()
    if not isinstance(weights, (list, tuple)) or len(weights) < 1:
        raise DomainError(f"{caller}: parameter 'weights' must be a non-empty list [W_1, ..., W_(N_l-1)]")
    for i, W in enumerate(weights):
        if not (t.is_tensor(W) and W.ndim >= 2):
            raise DomainError(f"{caller}: weights[{i}] must be a tensor with at least 2 dimensions")
        if i and W.shape[-1] != weights[i - 1].shape[-2]:
            raise DomainError(f"{caller}: weights[{i}] has {W.shape[-1]} columns but weights[{i - 1}] has "
                              f"{weights[i - 1].shape[-2]} rows (W_l is n_(l+1) x n_l)")


def end_to_end(weights):
    """The end-to-end map W_tot = W_{N_l-1} ... W_1 (Saxe et al. 2013, eq. (19)), batched."""
    _check_weights(weights, "end_to_end")
    P = weights[0]
    for W in weights[1:]:
        P = W @ P
    return P


def _directions(weights, sigma11, sigma31):
    """Yield ``(l, D_l)`` for l = L-1, ..., 0 (top layer first): the descent direction of eq. (13),

        D_l = (W_L ... W_{l+1})^T [Sigma^31 - W_L ... W_1 Sigma^11] (W_{l-1} ... W_1)^T  (= -dLoss/dW_l),

    by one forward pass of prefix products B_l = W_l ... W_1 and one backward pass T_{l-1} = W_l^T T_l,
    T_L = the error E.  Every product uses the weights as they were on entry, and T_{l-1} is formed before
    D_l is yielded, so the caller may update W_l in place as soon as it receives D_l (one descent step
    needs 3 (N_l - 1) - 2 matrix products and keeps the prefix products only)."""
    L = len(weights)
    prefix = [None]
    B = None
    for W in weights[:-1]:
        B = W if B is None else W @ B
        prefix.append(B)
    P = weights[-1] if B is None else weights[-1] @ B
    E = sigma31 - (P if sigma11 is None else P @ sigma11)
    T = E
    for l in range(L - 1, -1, -1):
        Bp = prefix[l]
        D = T if Bp is None else T @ Bp.transpose(-1, -2)
        if l > 0:
            T = weights[l].transpose(-1, -2) @ T
        prefix[l] = None
        yield l, D


def deep_linear_grad(weights, sigma11, sigma31):
    """Exact gradient of the loss L = (1/2) sum_mu |y^mu - W_tot x^mu|^2 (up to the constant (1/2) tr Sigma^33)
    with respect to every W_l: dL/dW_l = -D_l with D_l the right-hand side of Saxe et al. 2013 eq. (13)
    (tau dW_l/dt = D_l).  Returns the list [dL/dW_1, ..., dL/dW_{N_l-1}]."""
    _check_weights(weights, "deep_linear_grad")
    out = [None] * len(weights)
    for l, D in _directions(weights, sigma11, sigma31):
        out[l] = -D
    return out


def deep_linear_loss(weights, sigma11, sigma31, trace33=0.0):
    """L = (1/2) sum_mu |y^mu - W_tot x^mu|^2 = (1/2) tr Sigma^33 - tr(W_tot^T Sigma^31) + (1/2) tr(W_tot Sigma^11 W_tot^T),
    per replica (``trace33`` = tr Sigma^33 = sum_mu |y^mu|^2; 0 gives the loss up to that constant)."""
    P = end_to_end(weights)
    PS = P if sigma11 is None else P @ sigma11
    return 0.5 * trace33 - (P * sigma31).sum(dim=(-2, -1)) + 0.5 * (PS * P).sum(dim=(-2, -1))


def deep_linear_gd(
    weights,
    sigma11,
    sigma31,
    lr,
    steps: int,
    *,
    correlations: Callable[[int], tuple] | None = None,
    weight_decay=0.0,
    record: Callable | None = None,
    record_every: int = 1,
    until: Callable | None = None,
    on_divergence: str = "raise",
    _caller: str = "deep_linear_gd",
):
    """Full-batch gradient descent of an N_l-layer linear network, Saxe et al. 2013 eq. (13) in discrete time:

        W_l <- W_l + lr * (D_l - weight_decay * W_l)   for every l simultaneously,

    D_l of eq. (13) (:func:`deep_linear_grad` is -D_l).  The single training loop of the suite (:func:`train`
    is its three-layer front end).

    * ``weights``: [W_1, ..., W_{N_l-1}], input side first, W_l of shape (batch, n_{l+1}, n_l) (or any
      leading dimensions); not modified (the loop works on clones, updated in place).
    * ``sigma11`` (None = identity), ``sigma31``: fixed correlations; or ``correlations(step) ->
      (sigma31, sigma11)`` (re-sampled data; note the order, as in :func:`train`).
    * ``lr``, ``weight_decay``: scalars or tensors of shape (batch,), >= 0 (one step = lr units of t/tau).
    * ``record(step, weights) -> tensor`` at step 0, every ``record_every`` steps and at the end; stacked.
    * ``until(step, weights) -> bool`` (checked when recording): stop early once it returns True.
    * ``on_divergence``: "raise" (a DomainError if any weight is non-finite at the end) or "keep" (diverged
      replicas stay non-finite, e.g. for learning-rate sweeps).

    Returns ``(weights, steps_recorded, records)``; ``records`` is None without ``record``.
    """
    t = torch()
    _check_weights(weights, _caller)
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise DomainError(f"{_caller}: parameter 'steps' = {steps} must be an integer >= 0")
    steps = int(steps)
    if record_every < 1:
        raise DomainError(f"{_caller}: parameter 'record_every' = {record_every} must be >= 1")
    if on_divergence not in ("raise", "keep"):
        raise DomainError(f"{_caller}: parameter 'on_divergence' = {on_divergence!r} must be 'raise' or 'keep'")
    if correlations is None and sigma31 is None:
        raise DomainError(f"{_caller}: give either Syx/sigma31 (and optionally Sxx/sigma11) or correlations")
    ws = [W.clone() for W in weights]
    dev = ws[0].device

    def per_replica(x, name):
        x = t.as_tensor(x, dtype=t.float64, device=dev)
        if bool((x < 0).any()) or not bool(t.isfinite(x).all()):
            raise DomainError(f"{_caller}: parameter {name!r} = {x.tolist()} must be finite and >= 0")
        return x.reshape(-1, 1, 1) if x.ndim == 1 else x

    lr_t = per_replica(lr, "lr")
    wd_t = per_replica(weight_decay, "weight_decay")
    use_wd = bool((wd_t != 0).any())
    recs, rec_steps = [], []

    def do_record(k):
        if record is not None:
            recs.append(record(k, ws))
            rec_steps.append(k)
        return until is not None and bool(until(k, ws))

    stop = do_record(0)
    k = 0
    while not stop and k < steps:
        k += 1
        if correlations is not None:
            S31, S11 = correlations(k)
        else:
            S31, S11 = sigma31, sigma11
        for l, D in _directions(ws, S11, S31):
            if use_wd:
                D = D - wd_t * ws[l]
            ws[l] = ws[l] + lr_t * D
        if k % record_every == 0 or k == steps:
            stop = do_record(k)
    if on_divergence == "raise" and not all(bool(t.isfinite(W).all()) for W in ws):
        raise DomainError(f"{_caller}: weights diverged (non-finite); the learning rate is too large for this task")
    records = t.stack(recs) if recs else None
    return ws, t.as_tensor(rec_steps), records


def _std_list(std, n, caller):
    vals = list(std) if isinstance(std, (list, tuple)) else [std] * n
    if len(vals) != n:
        raise DomainError(f"{caller}: parameter 'std' has {len(vals)} entries, expected {n} (one per layer)")
    for v in vals:
        if not float(v) > 0:
            raise DomainError(f"{caller}: parameter 'std' = {v} must be > 0")
    return [float(v) for v in vals]


def _check_widths(widths, caller):
    if not (isinstance(widths, (list, tuple)) and len(widths) >= 2
            and all(isinstance(n, int) and n >= 1 for n in widths)):
        raise DomainError(f"{caller}: parameter 'widths' = {widths!r} must be a list of >= 2 positive integers "
                          "[n_1, ..., n_(N_l)]")


def deep_gaussian_init(widths, std, generator, batch: int = 1, device="cpu"):
    """i.i.d. N(0, std_l^2) weights for every layer (``std`` a scalar or one value per layer): the "small random"
    initial conditions (Saxe et al. 2013 Fig. 3, 5) and, with std_l = 1/sqrt(n_l), the norm-preserving scaled
    Gaussian initialization of section 3 (<v^T W^T W v> = v^T v)."""
    t = torch()
    _check_widths(widths, "deep_gaussian_init")
    stds = _std_list(std, len(widths) - 1, "deep_gaussian_init")
    g = require_generator(generator)
    return [(sd * t.randn((batch, widths[l + 1], widths[l]), generator=g, dtype=t.float64, device=g.device)).to(device)
            for l, sd in enumerate(stds)]


def deep_orthogonal_init(widths, generator, gain=1.0, batch: int = 1, device="cpu"):
    """Random orthogonal weights (Saxe et al. 2013, section 3): W_l = gain * the leading n_{l+1} x n_l block of a
    Haar orthogonal max(n_l, n_{l+1}) matrix (orthogonal when square, orthonormal rows or columns otherwise)."""
    _check_widths(widths, "deep_orthogonal_init")
    if not float(gain) > 0:
        raise DomainError(f"deep_orthogonal_init: parameter 'gain' = {gain} must be > 0")
    out = []
    for l in range(len(widths) - 1):
        n = max(widths[l], widths[l + 1])
        Q = haar_orthogonal(n, generator, batch=batch, device=device)
        out.append(float(gain) * Q[..., : widths[l + 1], : widths[l]])
    return out


def deep_decoupled_init(task: LinearTask, widths, a0, generator, batch: int = 1):
    """Decoupled initial conditions of Saxe et al. 2013 section 2: W_l = R_{l+1} D_l R_l^T with R_1 = V (input
    singular vectors), R_{N_l} = U (output), Haar orthogonal hidden R_l (one per replica, drawn in layer
    order), and D_l diagonal with the mode strengths a_l (eq. (14)'s a_1, ..., a_{N_l-1}).

    ``a0``: a scalar (balanced, every layer and mode), one value per mode (balanced, length r), or an
    (N_l - 1) x r table (layer l, mode alpha).  r = min(len(s), min(widths)); modes beyond r start at zero.
    The product mode strength is u_alpha = prod_l a_{l,alpha} (eq. (15)'s u)."""
    t = torch()
    _check_widths(widths, "deep_decoupled_init")
    dev = task.Syx.device
    L = len(widths) - 1
    if widths[0] != task.V.shape[0] or widths[-1] != task.U.shape[0]:
        raise DomainError(f"deep_decoupled_init: widths {widths} must start with n_in = {task.V.shape[0]} and end "
                          f"with n_out = {task.U.shape[0]}")
    r = min(task.s.numel(), min(widths))
    A = t.as_tensor(a0, dtype=t.float64)
    if A.ndim <= 1:
        A = t.broadcast_to(A, (r,)).unsqueeze(0).expand(L, r)
    if tuple(A.shape) != (L, r):
        raise DomainError(f"deep_decoupled_init: parameter 'a0' has shape {tuple(A.shape)}, expected a scalar, "
                          f"({r},) or ({L}, {r})")
    A = A.to(dev)
    Rs = [task.V] + [haar_orthogonal(n, generator, batch=batch, device=dev) for n in widths[1:-1]] + [task.U]
    ws = []
    for l in range(L):
        D = t.zeros(widths[l + 1], widths[l], dtype=t.float64, device=dev)
        D[:r, :r] = t.diag(A[l])
        ws.append(Rs[l + 1] @ D @ Rs[l].transpose(-1, -2))
    return ws


def pretrain_autoencoders(sigma11, widths, lr, steps: int, generator, std: float = 0.01, batch: int = 1,
                          device="cpu"):
    """Greedy layer-wise linear-autoencoder pretraining (Saxe et al. 2013 section 3 and supplementary F).

    Layer l (input correlation C_1 = Sigma^11, C_{l+1} = W_l C_l W_l^T) is trained as the autoencoder
    n_l -> n_{l+1} -> n_l on y = x (Sigma^31_pre = Sigma^11_pre = C_l) from i.i.d. N(0, std^2) weights by
    :func:`deep_linear_gd` (``steps`` steps at rate ``lr``); its encoder becomes W_l.  Returns
    (weights, decoders), each a list over layers."""
    _check_widths(widths, "pretrain_autoencoders")
    t = torch()
    C = sigma11.to(device=device, dtype=t.float64)
    enc, dec = [], []
    for l in range(len(widths) - 1):
        n, h = widths[l], widths[l + 1]
        W_e, W_d = deep_gaussian_init([n, h, n], std, generator, batch=batch, device=device)
        (W_e, W_d), _, _ = deep_linear_gd([W_e, W_d], C, C, lr, steps, _caller="pretrain_autoencoders")
        enc.append(W_e)
        dec.append(W_d)
        C = W_e @ C @ W_e.transpose(-1, -2)
    return enc, dec
