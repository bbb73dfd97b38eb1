"""The optimization part of Yarotsky's lecture: numeric/safran_shamir.py (closed-form population loss,
gradient, exact Hessian, batched training) against independent references (a per-pair arccos closed
form with autograd, sampled-data autograd, mpmath quadrature), and the small exact helpers of the
verify sections."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from theorycheck.numeric import safran_shamir as S
from theorycheck.numeric.backend import generator
from theorycheck.numeric.validate import DomainError


def _grad(f, w):
    w = w.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(w), w)
    return g


def _hess(f, w):
    return torch.autograd.functional.hessian(f, w)


def _loss_ref(W):
    """Independent closed form, pair by pair: |w||v|(sin t + (pi - t) cos t)/(2 pi), t = arccos of the
    cosine; the self-pairs |w|^2/2 written separately (autograd of arccos at cos = 1 is infinite)."""
    k = W.shape[-1]
    V = torch.eye(k, dtype=torch.float64)

    def f(a, b):
        na, nb = a.norm(), b.norm()
        th = torch.acos(torch.clamp(a @ b / (na * nb), -1, 1))
        return na * nb * (torch.sin(th) + (math.pi - th) * torch.cos(th)) / (2 * math.pi)

    n = W.shape[0]
    tot = (W * W).sum() / 2
    for i in range(n):
        for j in range(n):
            if i != j:
                tot = tot + f(W[i], W[j])
        for j in range(k):
            tot = tot - 2 * f(W[i], V[j])
    tot = tot + k / 2 + k * (k - 1) / (2 * math.pi)  # sum_{j, j'} f(v_j, v_j'): orthonormal teacher
    return tot


@pytest.fixture(scope="module")
def Wsmall():
    g = torch.Generator().manual_seed(3)
    return torch.randn(3, 4, 5, dtype=torch.float64, generator=g)


def test_loss_matches_pairwise_closed_form(Wsmall):
    got = S.loss_torch(Wsmall)
    ref = torch.stack([_loss_ref(w) for w in Wsmall])
    assert torch.allclose(got, ref, rtol=1e-13, atol=1e-13)
    assert np.allclose(S.loss(Wsmall.numpy(), half=True), 0.5 * ref.numpy(), rtol=1e-13)


def test_loss_matches_mpmath_quadrature_in_two_dimensions():
    """k = 2, n = 1: E[((w.x)_+ - (e1.x)_+ - (e2.x)_+)^2] by mpmath quadrature over the polar angle
    (the radial integral of r^2 against the 2-D Gaussian is 1: E[r^2] = 2 over 2 pi)."""
    import mpmath

    w = [0.7, -0.4]

    def integrand(phi):
        x = (mpmath.cos(phi), mpmath.sin(phi))
        val = max(w[0] * x[0] + w[1] * x[1], 0) - max(x[0], 0) - max(x[1], 0)
        return val**2

    with mpmath.workdps(30):
        pts = sorted({0, mpmath.pi / 2, mpmath.pi, 3 * mpmath.pi / 2, 2 * mpmath.pi,
                      mpmath.atan2(w[0], -w[1]) % (2 * mpmath.pi), (mpmath.atan2(w[0], -w[1]) + mpmath.pi) % (2 * mpmath.pi)})
        ref = float(mpmath.quad(integrand, pts) * 2 / (2 * mpmath.pi))
    assert S.loss(np.array([[w]]))[0] == pytest.approx(ref, rel=1e-13)


def test_gradient_and_hessian_match_autograd_of_the_closed_form(Wsmall):
    g_ref = torch.stack([_grad(_loss_ref, w) for w in Wsmall])
    h_ref = torch.stack([_hess(_loss_ref, w).reshape(20, 20) for w in Wsmall])
    assert torch.allclose(S.grad_torch(Wsmall), g_ref, atol=1e-13)
    assert torch.allclose(S.grad_torch(Wsmall, accurate=False), g_ref, atol=1e-12)
    assert torch.allclose(S.hessian_torch(Wsmall, chunk=2), h_ref, atol=1e-13)
    assert torch.allclose(S.hessian_torch(Wsmall, half=True), 0.5 * h_ref, atol=1e-13)


def test_nearly_parallel_student_and_teacher_stay_finite():
    """w_1 within 1e-12 of e_1: the accurate path keeps theta = atan2(s, c) and finite A, C (both -> 0)."""
    W = torch.tensor([[[1.0, 1e-12, 0.0], [0.2, 1.0, 0.1], [0.3, 0.2, 1.0]]], dtype=torch.float64)
    H = S.hessian_torch(W)
    G = S.grad_torch(W)
    assert torch.isfinite(H).all() and torch.isfinite(G).all()
    href = _hess(_loss_ref, W[0] + torch.tensor([[0, 1e-3, 1e-3], [0, 0, 0], [0, 0, 0]], dtype=torch.float64))
    assert torch.allclose(H[0], href.reshape(9, 9), atol=1e-2)  # continuity at the parallel point (f is C^2)


def test_sampled_autograd_agrees_with_closed_form_within_clt(Wsmall):
    """Sampled-data loss and autograd gradient vs the closed form: |error| <= 6 sample sds/sqrt(m)."""
    g = torch.Generator().manual_seed(11)
    m = 200_000
    X = torch.randn(m, 5, dtype=torch.float64, generator=g)
    W = Wsmall.clone().requires_grad_(True)
    per = S.sampled_loss_torch(W, X)
    per.sum().backward()
    with torch.no_grad():
        student = torch.relu(torch.einsum("bnk,mk->bmn", Wsmall, X)).sum(-1)
        r2 = (student - torch.relu(X).sum(-1)) ** 2
        sd = r2.std(-1)
    assert ((per.detach() - S.loss_torch(Wsmall)).abs() <= 6 * sd / math.sqrt(m)).all()
    err = (W.grad - S.grad_torch(Wsmall)).abs().max()
    assert err < 0.05  # gradient sds are O(|w|) ~ 3 here: 6 * 3 / sqrt(2e5) = 0.04


def test_domain_errors():
    with pytest.raises(DomainError, match="zero row"):
        S.loss(np.zeros((1, 2, 3)))
    with pytest.raises(DomainError, match="shape"):
        S.grad(np.ones(3))
    with pytest.raises(DomainError, match="non-finite"):
        S.hessian(np.full((1, 2, 2), np.nan))
    with pytest.raises(DomainError, match="explicit torch.Generator"):
        S.xavier_init(2, 2, 2, None)
    with pytest.raises(DomainError, match="'n'"):
        S.xavier_init(2, 0, 2, generator((1,)))


def test_training_reaches_global_minimum_or_certified_spurious_minimum():
    """k = n = 8, 24 runs: every run ends with L < 1e-6 (global: train stops there) or |grad| < 1e-10 with a
    positive definite exact Hessian and L > 0.01 (spurious); the global minima are permutations of the
    teacher (|w_i - e_j| ~ sqrt(L) < 1e-2)."""
    W0 = S.xavier_init(24, 8, 8, generator((5, 8)))
    r = S.train(W0, max_steps=8000)
    glob = r.loss < 1e-6
    spur = (~glob) & (r.gnorm < 1e-10)
    assert bool((glob | spur).all())
    if spur.any():
        ev = S.min_eigenvalues(S.hessian_torch(r.W[spur]))
        assert (ev > 0).all() and (r.loss[spur] > 0.01).all()
    Wg = r.W[glob]
    if len(Wg):
        # each w_i is (close to) a distinct teacher vector e_j
        assert torch.allclose(Wg.abs().max(-1).values, torch.ones(Wg.shape[:2], dtype=torch.float64), atol=1e-2)


# ------------------------------------------------------------------------------------------------
# helpers of the verify sections, against independent references


def test_clopper_pearson_matches_scipy_beta_quantiles():
    from scipy.stats import beta

    from theorycheck.verify.tolerances import binomial_interval

    for x, n, a in ((0, 50, 0.05), (7, 40, 1e-3), (40, 40, 0.01), (13, 100, 2.5e-6)):
        lo, hi = binomial_interval(x, n, a)
        ref_lo = 0.0 if x == 0 else beta.ppf(a / 2, x, n - x + 1)
        ref_hi = 1.0 if x == n else beta.ppf(1 - a / 2, x + 1, n - x)
        assert lo == pytest.approx(ref_lo, abs=1e-12) and hi == pytest.approx(ref_hi, abs=1e-12)
    with pytest.raises(ValueError):
        binomial_interval(5, 3)


def test_fisher_one_sided_matches_scipy():
    from scipy.stats import fisher_exact

    from theorycheck.verify.claims.yarotsky.many_spurious_minima_in_underparameterized_networks import _fisher_one_sided

    for a, n1, b, n2 in ((10, 60, 2, 60), (3, 20, 3, 20), (30, 100, 0, 100)):
        ref = fisher_exact([[a, n1 - a], [b, n2 - b]], alternative="greater").pvalue
        assert _fisher_one_sided(a, n1, b, n2) == pytest.approx(ref, rel=1e-9)


def test_printed_values_carry_their_precision():
    from theorycheck.verify.claims.yarotsky import many_spurious_minima_in_underparameterized_networks as SS

    assert SS._pv("12.6%") == pytest.approx((0.126, 0.001))
    assert SS._pv("94%") == pytest.approx((0.94, 0.01))
    assert SS._pv("0.0047") == pytest.approx((0.0047, 0.0001))
    assert len(SS.TABLE_EQ) == 15 and len(SS.TABLE_NEQ) == 11
    assert SS.printed(19, 20)[0] == pytest.approx((0.491, 0.001))
    lo, hi = SS.printed_interval(SS._pv("0.021"))
    assert lo == pytest.approx(0.0205) and hi == pytest.approx(0.022)


def test_3sat_branch_and_bound_against_brute_force_grid():
    """Tiny instances (n = 3, 4 to 48 clauses): satisfiable iff the certified continuous minimum is 0; for the unsatisfiable
    ones the certified lower bound is <= a dense-grid minimum over the polytope (the grid only overestimates)."""
    import itertools

    from theorycheck.verify.claims.yarotsky import np_hardness_of_nonconvex_optimization as SAT

    rng = np.random.default_rng(4)
    grid = np.array(list(itertools.product(np.linspace(0, 1, 21), repeat=3)))
    seen = set()
    for m in (4, 6, 20, 24, 28, 32, 40, 48):  # n = 3: unsatisfiable iff all 8 sign patterns occur
        cl = SAT.random_3sat(rng, 3, m)
        sat = SAT.satisfiable(cl, 3)
        lo, up, _ = SAT.global_min(cl, 3)
        A, b = SAT.constraints(cl, 3)
        feas = np.all(grid @ A.T <= b + 1e-12, axis=1)
        gmin = float(np.min(np.sum(grid[feas] * (1 - grid[feas]), axis=1))) if feas.any() else np.inf
        assert (up == 0.0) == sat
        assert lo <= gmin + 1e-9
        seen.add(sat)
    assert seen == {True, False}


def test_simplex_projection_is_the_euclidean_projection():
    from theorycheck.verify.claims.yarotsky.reduction_to_distributions import _project_simplex

    rng = np.random.default_rng(5)
    V = rng.standard_normal((20, 6))
    P = _project_simplex(V)
    assert np.allclose(P.sum(1), 1) and (P >= 0).all()
    # optimality: <v - p, q - p> <= 0 for every vertex q of the simplex
    for v, p in zip(V, P):
        assert np.all((np.eye(6) - p) @ (v - p) <= 1e-12)


def test_gd_tightness_closed_form_is_the_supremum():
    from theorycheck.verify.claims.yarotsky.a_basic_convergence_result import tightness_exact, tightness_ratio

    for am, N in ((1.0, 50), (1.9, 200)):
        ref, x = tightness_exact(am, N)
        grid = [tightness_ratio(am, N, xx) for xx in np.linspace(0.01, 4, 400)]
        assert max(grid) <= ref * (1 + 1e-12) and max(grid) >= ref * (1 - 1e-3)
    assert tightness_exact(1.0, 10**6)[0] == pytest.approx(math.exp(-0.5) * math.sqrt(0.5), rel=1e-5)


def test_manual_backprop_matches_autograd():
    from theorycheck.verify.claims.yarotsky.backpropagation_key_property import manual_backprop

    g = torch.Generator().manual_seed(0)
    Ws = [torch.randn(5, 5, dtype=torch.float64, generator=g) for _ in range(3)]
    X, Y = torch.randn(5, 7, dtype=torch.float64, generator=g), torch.randn(5, 7, dtype=torch.float64, generator=g)
    Wr = [W.clone().requires_grad_(True) for W in Ws]
    z = X
    for W in Wr[:-1]:
        z = torch.tanh(W @ z)
    loss = 0.5 * ((Wr[-1] @ z - Y) ** 2).sum() / 7
    for a, b in zip(torch.autograd.grad(loss, Wr), manual_backprop(Ws, X, Y)):
        assert torch.allclose(a, b, atol=1e-13)


def test_relu_connection_paths_give_identical_predictions():
    """The exact observation of the connections section, numerically: along the arc and the linear path of two
    bias-free-output ReLU networks, argmax predictions agree at matching times s(t) = sin/(cos + sin)."""
    g = torch.Generator().manual_seed(1)
    A = [torch.randn(4, 8, dtype=torch.float64, generator=g), torch.randn(8, dtype=torch.float64, generator=g),
         torch.randn(8, 3, dtype=torch.float64, generator=g)]
    B = [torch.randn_like(a) for a in A]
    X = torch.randn(50, 4, dtype=torch.float64, generator=g)

    def f(p):
        return torch.relu(X @ p[0] + p[1]) @ p[2]

    for t in np.linspace(0.05, 0.95, 7):
        co, si = math.cos(math.pi * t / 2), math.sin(math.pi * t / 2)
        s = si / (co + si)
        arc = f([co * a + si * b for a, b in zip(A, B)])
        lin = f([(1 - s) * a + s * b for a, b in zip(A, B)])
        assert torch.allclose(arc, (co + si) ** 2 * lin, rtol=1e-12, atol=1e-12)
