"""The deep-linear-network harness (numeric/linear_nets.py) and the RK4 integrator (numeric/ode.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from theorycheck.numeric import DomainError
from theorycheck.numeric import linear_nets as ln
from theorycheck.numeric.ode import rk4, rk4_with_error


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def test_one_step_matches_eq1_written_out():
    g = gen(1)
    X = torch.randn(5, 7, generator=g, dtype=torch.float64)  # N1 x P
    Y = torch.randn(3, 7, generator=g, dtype=torch.float64)  # N3 x P
    W1 = torch.randn(1, 4, 5, generator=g, dtype=torch.float64)
    W2 = torch.randn(1, 3, 4, generator=g, dtype=torch.float64)
    lr = 1e-2
    A, B, _, _ = ln.train(W1, W2, lr, 1, Syx=Y @ X.T, Sxx=X @ X.T)
    # eq. (1) summed over patterns one by one
    d21 = sum(W2[0].T @ (Y[:, m:m + 1] @ X[:, m:m + 1].T - W2[0] @ W1[0] @ X[:, m:m + 1] @ X[:, m:m + 1].T) for m in range(7))
    d32 = sum((Y[:, m:m + 1] @ X[:, m:m + 1].T - W2[0] @ W1[0] @ X[:, m:m + 1] @ X[:, m:m + 1].T) @ W1[0].T for m in range(7))
    assert torch.allclose(A[0], W1[0] + lr * d21, rtol=0, atol=1e-13)
    assert torch.allclose(B[0], W2[0] + lr * d32, rtol=0, atol=1e-13)


def test_decoupled_manifold_is_invariant():
    g = gen(2)
    task = ln.task_with_svd([2.0, 1.0, 0.5], 5, 6, g)
    W1, W2 = ln.decoupled_init(task, 4, 0.1, 0.2, g, batch=2)
    _, _, _, rec = ln.train(W1, W2, 0.05, 200, Syx=task.Syx,
                            record=lambda k, A, B: task.U.T @ (B @ A) @ task.V, record_every=50)
    off = rec.clone()
    for i in range(3):
        off[..., i, i] = 0
    assert off.abs().max() < 1e-12  # modes never mix (Saxe et al. 2013, §1.3)


def test_weight_decay_shrinks_and_per_replica_rates():
    g = gen(3)
    W1 = torch.randn(2, 3, 3, generator=g, dtype=torch.float64)
    W2 = torch.randn(2, 3, 3, generator=g, dtype=torch.float64)
    zero = torch.zeros(3, 3, dtype=torch.float64)
    A, B, _, _ = ln.train(W1, W2, torch.tensor([0.1, 0.0]), 10, Syx=zero, Sxx=zero, weight_decay=0.5)
    assert torch.allclose(A[0], W1[0] * 0.95**10) and torch.equal(A[1], W1[1])


def test_bad_parameters_are_named():
    g = gen(4)
    W1, W2 = ln.gaussian_init(3, 3, 3, 0.1, g)
    with pytest.raises(DomainError, match="'lr'"):
        ln.train(W1, W2, -0.1, 1, Syx=torch.zeros(3, 3, dtype=torch.float64))
    with pytest.raises(DomainError, match="'steps'"):
        ln.train(W1, W2, 0.1, -1, Syx=torch.zeros(3, 3, dtype=torch.float64))
    with pytest.raises(DomainError, match="'std'"):
        ln.gaussian_init(3, 3, 3, 0.0, g)
    with pytest.raises(DomainError, match="diverged"):
        ln.train(W1 * 100, W2 * 100, 10.0, 50, Syx=torch.eye(3, dtype=torch.float64))


def test_haar_orthogonal_used_by_the_harness_is_orthogonal():
    Q = ln.haar_orthogonal(50, gen(5))
    assert torch.allclose(Q.T @ Q, torch.eye(50, dtype=torch.float64), atol=1e-13)


def test_half_time_interpolates_and_flags_never():
    t = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    u = torch.tensor([[0.0, 0.0], [0.2, 0.1], [0.6, 0.2], [1.0, 0.3]], dtype=torch.float64)
    h = ln.half_time(t, u, torch.tensor([0.5, 0.5], dtype=torch.float64))
    assert abs(h[0].item() - 1.75) < 1e-15 and math.isnan(h[1].item())


def test_rk4_is_fourth_order_and_error_estimate_is_honest():
    f = lambda t, y: -y  # noqa: E731
    errs = [abs(rk4(f, np.array([1.0]), 2.0, n)[0] - math.exp(-2.0)) for n in (10, 20, 40)]
    orders = [math.log2(errs[i] / errs[i + 1]) for i in range(2)]
    assert all(3.8 < p < 4.2 for p in orders), orders
    y, est = rk4_with_error(f, np.array([1.0]), 2.0, 10)
    true = abs(y[0] - math.exp(-2.0))
    assert 0.5 * true < est[0] < 2 * true
    with pytest.raises(DomainError, match="'n'"):
        rk4(f, np.array([1.0]), 1.0, 0)


# ----------------------------------------------------------------------------------------------
# N_l-layer harness (Saxe et al. 2013, section 2, eq. (13))
def _rand_net(widths, g, batch=2):
    return [torch.randn(batch, widths[l + 1], widths[l], generator=g, dtype=torch.float64) * 0.5
            for l in range(len(widths) - 1)]


@pytest.mark.parametrize("widths", [[3, 4], [5, 4, 3], [4, 6, 2, 5, 3]])
def test_deep_grad_matches_autograd(widths):
    g = gen(10)
    ws = _rand_net(widths, g)
    X = torch.randn(widths[0], 9, generator=g, dtype=torch.float64)
    Y = torch.randn(widths[-1], 9, generator=g, dtype=torch.float64)
    S11, S31 = X @ X.T, Y @ X.T
    leaf = [w.clone().requires_grad_(True) for w in ws]
    P = leaf[0]
    for w in leaf[1:]:
        P = w @ P
    loss = 0.5 * ((Y - P @ X) ** 2).sum()  # the squared error of Saxe et al. 2013 section 1, summed over patterns
    loss.backward()
    grads = ln.deep_linear_grad(ws, S11, S31)
    for w, gr in zip(leaf, grads):
        assert torch.allclose(gr, w.grad, rtol=1e-12, atol=1e-12)
    # the loss helper agrees with the pattern sum (with the constant (1/2) tr Sigma^33)
    L = ln.deep_linear_loss(ws, S11, S31, trace33=float((Y * Y).sum()))
    assert torch.allclose(L.sum(), loss.detach(), rtol=1e-12)


def test_deep_gd_step_is_eq13_written_out():
    g = gen(11)
    widths = [4, 5, 3, 2]
    ws = _rand_net(widths, g, batch=2)
    S31 = torch.randn(2, 4, generator=g, dtype=torch.float64)
    lr = torch.tensor([0.01, 0.03], dtype=torch.float64)
    new, ks, _ = ln.deep_linear_gd(ws, None, S31, lr, 1)
    W1, W2, W3 = ws
    E = S31 - W3 @ W2 @ W1  # Sigma^11 = I
    D = [(W3 @ W2).mT @ E, W3.mT @ E @ W1.mT, E @ (W2 @ W1).mT]  # eq. (13) for l = 1, 2, 3
    for l in range(3):
        assert torch.allclose(new[l], ws[l] + lr.reshape(-1, 1, 1) * D[l], rtol=0, atol=1e-14)
    assert ks.tolist() == []  # nothing recorded without a record callback


def test_three_layer_front_end_is_the_deep_loop():
    g = gen(12)
    task = ln.task_with_svd([2.0, 1.0], 4, 5, g)
    W1, W2 = ln.gaussian_init(4, 3, 5, 0.1, g, batch=2)
    A, B, _, _ = ln.train(W1, W2, 0.05, 30, Syx=task.Syx, weight_decay=0.01)
    (C, D), _, _ = ln.deep_linear_gd([W1, W2], None, task.Syx, 0.05, 30, weight_decay=0.01)
    assert torch.equal(A, C) and torch.equal(B, D)


def test_deep_decoupled_manifold_is_invariant_and_follows_eq14():
    g = gen(13)
    s = [2.0, 1.0, 0.5]
    task = ln.task_with_svd(s, 5, 6, g)
    widths = [5, 7, 4, 6, 6]
    a0 = torch.tensor([[0.3, 0.2, 0.4], [0.5, 0.3, 0.2], [0.4, 0.6, 0.3], [0.2, 0.5, 0.5]], dtype=torch.float64)
    ws = ln.deep_decoupled_init(task, widths, a0, g, batch=2)
    u_init = ln.mode_strengths(task, *ws)
    assert torch.allclose(u_init, a0.prod(dim=0).expand(2, 3), atol=1e-14)
    lr, steps = 0.02, 300
    out, _, rec = ln.deep_linear_gd(ws, None, task.Syx, lr, steps,
                                    record=lambda k, w: task.U.T @ ln.end_to_end(w) @ task.V, record_every=100)
    off = rec.clone()
    for i in range(3):
        off[..., i, i] = 0
    assert off.abs().max() < 1e-12  # modes never mix (section 2)
    # the same gradient descent on the scalar energy (14), mode by mode, by hand
    a = a0.clone()
    sv = torch.tensor(s, dtype=torch.float64)
    for _ in range(steps):
        u = a.prod(dim=0)
        a = a + lr * (sv - u) * u / a
    assert torch.allclose(rec[-1, 0].diagonal()[:3], a.prod(dim=0), rtol=1e-11)


def test_orthogonal_and_gaussian_inits():
    g = gen(14)
    ws = ln.deep_orthogonal_init([6, 6, 4, 8], g, batch=3)
    assert torch.allclose(ws[0].mT @ ws[0], torch.eye(6, dtype=torch.float64), atol=1e-13)
    assert torch.allclose(ws[1] @ ws[1].mT, torch.eye(4, dtype=torch.float64), atol=1e-13)  # wide: orthonormal rows
    assert torch.allclose(ws[2].mT @ ws[2], torch.eye(4, dtype=torch.float64), atol=1e-13)  # tall: orthonormal cols
    P = ln.end_to_end(ln.deep_orthogonal_init([50] * 6, g))
    assert torch.allclose(P[0].T @ P[0], torch.eye(50, dtype=torch.float64), atol=1e-12)  # eq. (19): exact isometry
    G = ln.deep_gaussian_init([400, 300, 200], [0.05, 0.2], g, batch=2)
    assert [tuple(w.shape) for w in G] == [(2, 300, 400), (2, 200, 300)]
    assert abs(G[0].std().item() - 0.05) < 0.05 * 6 / math.sqrt(2 * 2 * 300 * 400)  # 6 standard errors of the sd
    with pytest.raises(DomainError, match="'std'"):
        ln.deep_gaussian_init([3, 3, 3], [0.1], g)
    with pytest.raises(DomainError, match="'widths'"):
        ln.deep_orthogonal_init([3], g)


def test_deep_gd_until_keep_divergence_and_bad_weights():
    g = gen(15)
    ws = _rand_net([3, 3, 3], g, batch=2)
    S31 = torch.eye(3, dtype=torch.float64)
    out, ks, _ = ln.deep_linear_gd(ws, None, S31, torch.tensor([0.05, 50.0]), 40, on_divergence="keep",
                                   record=lambda k, w: ln.deep_linear_loss(w, None, S31), record_every=5)
    assert bool(torch.isfinite(out[0][0]).all()) and not bool(torch.isfinite(out[0][1]).all())
    out, ks, rec = ln.deep_linear_gd(ws, None, S31, 0.05, 10000, record=lambda k, w: ln.deep_linear_loss(w, None, S31),
                                     until=lambda k, w: bool((ln.deep_linear_loss(w, None, S31) < -1.4).all()))
    assert ks[-1] < 10000 and bool((rec[-1] < -1.4).all())  # stopped early, once the loss target was reached
    with pytest.raises(DomainError, match="columns"):
        ln.deep_linear_grad([torch.zeros(3, 2), torch.zeros(2, 4)], None, torch.zeros(2, 2))


def test_pretraining_reaches_pca_fixed_point():
    """Saxe et al. 2013 section 3: a linear autoencoder pretrained from small weights ends at W32 W21 = Q M Q^T
    with M -> I on the top n_hidden principal components, and W21 = R M^1/2 Q^T (balanced)."""
    g = gen(16)
    Q = ln.haar_orthogonal(5, g)
    lam = torch.tensor([3.0, 2.0, 1.5, 0.2, 0.1], dtype=torch.float64)
    S11 = Q @ torch.diag(lam) @ Q.T
    enc, dec = ln.pretrain_autoencoders(S11, [5, 3], 0.05, 3000, g, std=1e-4)
    P = dec[0][0] @ enc[0][0]
    Qk = Q[:, :3]
    assert torch.allclose(P, Qk @ Qk.T, atol=1e-8)  # projection on the top-3 principal subspace
    # balanced (W21 W21^T - W32^T W32 is conserved, O(std^2 n) = 5e-8 at the start): W21 W21^T = R M R^T, M -> I
    # (gradient descent conserves it only up to an O(lr) forward-Euler drift: measured 1e-4 at lr = 0.05)
    ev = torch.linalg.eigvalsh(enc[0][0] @ enc[0][0].T)
    assert torch.allclose(ev, torch.ones(3, dtype=torch.float64), atol=1e-3)
    W_half = ln.pretrain_autoencoders(S11, [5, 3], 0.025, 6000, gen(16), std=1e-4)[0][0][0]
    ev_half = torch.linalg.eigvalsh(W_half @ W_half.T)
    assert (ev_half - 1).abs().max() < 0.75 * (ev - 1).abs().max()  # the imbalance is the O(lr) drift
