"""Kernels of numeric/linear_algebra_nets.py (Yarotsky's 'Linear networks' and 'Pyramidal networks' parts) against
independent references: torch autograd, exact rational arithmetic, closed forms; and their refusals of bad input.
Every check of verify/claims/yarotsky/linear_networks.py and pyramidal_networks.py runs at smoke scale in
tests/test_claims.py."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import linear_algebra_nets as L

EPS = np.finfo(float).eps


@settings(max_examples=25, deadline=None)
@given(K=st.integers(1, 5), seed=st.integers(0, 2**31 - 1))
def test_deep_linear_grad_matches_autograd(K, seed):
    g = torch.Generator().manual_seed(seed)
    dims = [int(v) for v in torch.randint(1, 6, (K + 1,), generator=g)]
    Ws = [torch.randn(dims[k + 1], dims[k], generator=g, dtype=torch.float64) for k in range(K)]
    R = torch.randn(dims[-1], dims[0], generator=g, dtype=torch.float64)
    A = torch.randn(dims[0], dims[0], generator=g, dtype=torch.float64)
    S = A @ A.T
    Wr = [w.clone().requires_grad_() for w in Ws]
    auto = torch.autograd.grad(L.deep_linear_loss(Wr, R, S), Wr)
    for a, b in zip(auto, L.deep_linear_grad(Ws, R, S)):
        scale = 1 + float(a.abs().max())
        assert float((a - b).abs().max()) <= 1e-11 * scale * 10 ** (K / 2)


def test_chain_shape_mismatch_is_refused():
    with pytest.raises(DomainError, match="columns"):
        L.deep_linear_loss([np.eye(2), np.eye(3)], np.eye(3, 2), np.eye(2))


@settings(max_examples=20, deadline=None)
@given(d=st.integers(2, 6), K=st.sampled_from([2, 3, 8, 33, 200]), seed=st.integers(0, 2**31 - 1))
def test_hardt_ma_product_and_norm_closed_form(d, K, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(d, d))
    if np.linalg.det(A) < 0:
        A[0] *= -1
    if np.linalg.cond(A) > 1e6:
        return
    Vs = L.hardt_ma_factors(A, K)
    assert len(Vs) == K
    P = np.eye(d)
    for V in Vs:
        P = (np.eye(d) + V) @ P
    assert np.linalg.norm(P - A) <= 1e-10 * np.linalg.norm(A) * K
    m = max(np.linalg.norm(V, 2) for V in Vs)
    pred, C = L.hardt_ma_prediction(A, K)
    assert abs(m - pred) <= 1e-9 * (1 + pred)
    # the O(1/K) statement with its constant (Taylor remainder bound; odd K splits K into (K-1)/2 and (K+1)/2
    # factors, so K/m_O = 2 + 2/(K - 1): an extra C/(K - 1))
    parity = C / (K - 1) if K % 2 else 0.0
    assert abs(K * m - C) <= C**2 * math.exp(2 * C / K) / K + C**3 / (12 * K**2) + parity + 1e-9 * K


def test_hardt_ma_refusals():
    A = np.diag([1.0, -2.0, 3.0])
    with pytest.raises(DomainError, match="det A"):
        L.hardt_ma_factors(A, 4)
    with pytest.raises(DomainError, match="'K'"):
        L.hardt_ma_factors(np.eye(2), 1)
    with pytest.raises(DomainError, match="singular"):
        L.polar(np.zeros((2, 2)))


def test_polar_factors():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(4, 4))
    B, O = L.polar(A)
    assert np.allclose(B, B.T, atol=1e-14)
    assert np.linalg.eigvalsh(B).min() > 0
    assert np.allclose(O @ O.T, np.eye(4), atol=1e-13)
    assert np.allclose(B @ O, A, atol=1e-13)


def test_relu_interpolation_exact_rationals():
    rng = np.random.default_rng(5)
    n, d = 9, 3
    X = [[Fraction(int(v), 5) for v in rng.integers(-10, 11, d)] for _ in range(n)]
    y = [Fraction(int(v), 7) for v in rng.integers(-7, 8, n)]
    a = [Fraction(int(v)) for v in (3, 17, 101)]
    b, w = L.relu_interpolation(X, y, a)
    for xi, yi in zip(X, y):
        z = sum(ai * xv for ai, xv in zip(a, xi))
        assert sum(wj * max(z - bj, 0) for wj, bj in zip(w, b)) == yi
    assert len(a) + len(b) + len(w) == 2 * n + d


def test_relu_interpolation_refuses_equal_projections():
    with pytest.raises(DomainError, match="distinct"):
        L.relu_interpolation([[1, 0], [0, 1]], [1, 2], [1, 1])


@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus", "identity"])
def test_nonlinear_grad_formula_matches_autograd(act):
    g = torch.Generator().manual_seed(11)
    dims = [3, 5, 4, 2]
    Ws = [torch.randn(dims[k + 1], dims[k], generator=g, dtype=torch.float64) for k in range(3)]
    X = torch.randn(3, 7, generator=g, dtype=torch.float64)
    Y = torch.randn(2, 7, generator=g, dtype=torch.float64)
    Wr = [w.clone().requires_grad_() for w in Ws]
    f, _, _ = L.nonlinear_forward(Wr, X, act)
    auto = torch.autograd.grad(((f - Y) ** 2).sum() / 14, Wr)
    for a, b in zip(auto, L.nonlinear_grad_formula(Ws, X, Y, act)):
        assert float((a - b).abs().max()) <= 1e-13 * (1 + float(a.abs().max()))


def test_unknown_activation_refused():
    with pytest.raises(DomainError, match="activation"):
        L.nonlinear_forward([torch.eye(2, dtype=torch.float64)] * 2, torch.ones(2, 1, dtype=torch.float64), "relu6")


def test_critical_point_search_finds_saddle_and_minimum():
    # f(x, y) = (x^2 - 1)^2 + y^2 - x y: critical points are roots of the gradient, checked by sympy-free algebra
    def f(z):
        return (z[0] ** 2 - 1) ** 2 + z[1] ** 2 - z[0] * z[1]

    x, gn, ev, val = L.critical_point_search(f, torch.tensor([0.05, -0.02], dtype=torch.float64))
    assert gn <= 1e-12
    assert float(ev.min()) < 0  # the origin is a saddle: Hessian [[-4, -1], [-1, 2]]
    assert float(x.abs().max()) <= 1e-12
    x, gn, ev, _ = L.critical_point_search(f, torch.tensor([1.1, 0.6], dtype=torch.float64))
    # at a critical point y = x/2 and 4x(x^2 - 1) - x/2 = 0 -> x^2 = 9/8
    assert gn <= 1e-12 and abs(float(x[0]) ** 2 - 9 / 8) <= 1e-12 and float(ev.min()) > 0
