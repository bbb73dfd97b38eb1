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
