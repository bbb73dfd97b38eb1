"""Tests of the finite-width propagation harness numeric/propagation.py.

Three kinds of checks:
* exact (up to rounding): input construction, orthogonality, linear orthogonal networks (all
  singular values g^L, norms scaled by g^L, cosines preserved), layer norm, and agreement of the
  harness's Jacobian and backpropagated errors with torch.autograd on the same rebuilt network;
* statistical: q_l, c_l and |delta_l|^2/|delta_{l+1}|^2 of ReLU / tanh networks against the mean-field
  maps, with Student-t CLT tolerances from the network-to-network spread (verify.tolerances.clt_t at the
  suite's per-check budget ALPHA, Bonferroni-split over the comparisons of one test; seeds fixed so
  each test is deterministic);
* invalid input raises DomainError naming the parameter (hypothesis).

The mean-field references here are independent of the Gaussian core (B's numeric/gaussian.py): the
ReLU maps are the arc-cosine closed forms (Cho & Saul 2009), tanh uses numpy's hermegauss inline.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import backend as B
from theorycheck.numeric import propagation as P
from theorycheck.verify.tolerances import clt_t

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _one_thread():
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


# ---------------------------------------------------------------------------------------------
# mean-field references (independent of the package's Gaussian core)
def relu_qmap(q, sw2, sb2):
    return sw2 * q / 2 + sb2


def relu_cmap(c, q, sw2, sb2):
    """ReLU correlation map at equal variances q -> q' (arc-cosine kernel of degree 1)."""
    c = np.clip(c, -1, 1)
    cov = sw2 * q / (2 * math.pi) * (np.sqrt(1 - c * c) + (math.pi - np.arccos(c)) * c) + sb2
    return cov / relu_qmap(q, sw2, sb2)


_Z, _W = np.polynomial.hermite_e.hermegauss(120)
_W = _W / _W.sum()


def tanh_qmap(q, sw2, sb2):
    return sw2 * np.sum(_W * np.tanh(math.sqrt(q) * _Z) ** 2) + sb2


def tanh_chi(q, sw2):
    return sw2 * np.sum(_W * (1 - np.tanh(math.sqrt(q) * _Z) ** 2) ** 2)


# ---------------------------------------------------------------------------------------------
# exact properties
def test_inputs_have_exact_norm_and_cosines():
    c0 = [-0.7, 0.0, 0.3, 0.999, 1.0]
    r = P.propagate("tanh", width=64, depth=1, sw2=1.0, q0=2.5, c0=c0, n_nets=3, seed=4)
    np.testing.assert_allclose(r.q[:, :, 0], 2.5, rtol=1e-13)
    np.testing.assert_allclose(r.c[:, :, 0], np.broadcast_to(c0, (3, 5)), atol=1e-13)


def test_haar_orthogonal_is_orthogonal():
    g = torch.Generator().manual_seed(3)
    q = B.haar_orthogonal(50, g)
    np.testing.assert_allclose((q.T @ q).numpy(), np.eye(50), atol=1e-13)


def _trace_moments_ok(Q):
    """Haar O(n), n >= 2: E tr Q = 0 and E (tr Q)^2 = 1 (Diaconis & Shahshahani 1994).  Each sample mean
    is compared with its CLT band z sigma / sqrt(M), z = 5 (two-sided false-failure rate ~6e-7 per
    check), sigma the sample standard deviation."""
    tr = torch.diagonal(Q, dim1=-2, dim2=-1).sum(-1).numpy()
    m = tr.size
    z = 5.0
    return (abs(tr.mean()) <= z * tr.std() / math.sqrt(m)
            and abs((tr**2).mean() - 1.0) <= z * (tr**2).std() / math.sqrt(m))


def test_haar_orthogonal_has_the_haar_trace_law_and_the_test_can_fail():
    g = torch.Generator().manual_seed(11)
    Q = B.haar_orthogonal(20, g, batch=4000)
    eye = torch.eye(20, dtype=torch.float64)
    assert float(torch.linalg.matrix_norm(Q.transpose(-1, -2) @ Q - eye).max()) <= 1e-13
    assert _trace_moments_ok(Q)
    # QR without the sign correction is not Haar: the same check rejects it (E tr Q ~ -2.7 there).
    q, _ = torch.linalg.qr(torch.randn((4000, 20, 20), generator=g, dtype=torch.float64))
    assert not _trace_moments_ok(q)


def test_haar_orthogonal_draws_on_the_generator_device_and_rejects_bad_input():
    a = B.haar_orthogonal(5, torch.Generator().manual_seed(1), device="cpu")
    b = B.haar_orthogonal(5, torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    with pytest.raises(DomainError, match="'n'"):
        B.haar_orthogonal(0, torch.Generator())
    with pytest.raises(DomainError, match="explicit torch.Generator"):
        B.haar_orthogonal(3, None)


@pytest.mark.parametrize("gain", [0.9, 1.0, 1.1])
def test_linear_orthogonal_network_is_an_exact_scaled_isometry(gain):
    """Saxe et al. 2013 section 3: a product of orthogonal matrices is orthogonal; with gain g every
    singular value of the end-to-end Jacobian is g^L, norms scale by g^(2L), cosines are preserved."""
    L = 12
    r = P.propagate("linear", width=40, depth=L, sw2=gain**2, q0=1.3, c0=[0.2, -0.5], n_nets=2, seed=1,
                    weights="orthogonal", jacobian=True)
    np.testing.assert_allclose(r.jac_sv, gain**L, rtol=1e-12)
    np.testing.assert_allclose(r.q[:, :, -1], 1.3 * gain ** (2 * L), rtol=1e-12)
    np.testing.assert_allclose(r.c[:, :, -1], np.broadcast_to([0.2, -0.5], (2, 2)), atol=1e-12)


def test_layernorm_fixes_q_to_one():
    r = P.propagate("erf", width=30, depth=5, sw2=2.0, sb2=0.3, q0=4.0, c0=[0.1], n_nets=2, seed=0,
                    layernorm=True, linear_first=True)
    np.testing.assert_allclose(r.q[:, :, 1:], 1.0, rtol=1e-13)


def test_batching_and_seed_determinism():
    kw = dict(width=20, depth=4, sw2=1.7, sb2=0.2, q0=1.0, c0=[0.4], seed=11, backward=True)
    a = P.propagate("tanh", n_nets=1, **kw)
    b = P.propagate("tanh", n_nets=3, **kw)
    c = P.propagate("tanh", n_nets=3, **{**kw, "seed": 12})
    np.testing.assert_array_equal(a.q[0], b.q[0])
    np.testing.assert_array_equal(a.grad_ratio[0], b.grad_ratio[0])
    old = P.MAX_BATCH_BYTES, P.MAX_STORE_BYTES
    try:
        P.MAX_BATCH_BYTES = P.MAX_STORE_BYTES = 1  # one net per batch; backward regenerates the weights
        b1 = P.propagate("tanh", n_nets=3, **kw)
    finally:
        P.MAX_BATCH_BYTES, P.MAX_STORE_BYTES = old
    np.testing.assert_array_equal(b.q, b1.q)
    np.testing.assert_array_equal(b.grad_ratio, b1.grad_ratio)
    assert not np.array_equal(b.q, c.q)
    assert not np.array_equal(b.q[0], b.q[1])


def _rebuild(act, a, width, depth, sw2, sb2, q0, c0, seed, net, weights, linear_first=False):
    """The network ``net`` of a propagate() call, as a differentiable function of z_0."""
    phi, _ = P.activation(act, a)
    ws = [P.layer_weights(seed, l, net, width, weights) for l in range(1, depth + 1)]
    bs = [P.layer_bias(seed, l, net, width) for l in range(1, depth + 1)]
    scale = math.sqrt(sw2 / width) if weights == "gaussian" else math.sqrt(sw2)
    z0 = P.input_vectors(seed, net, width, q0, c0)[0]

    def f(z, keep=None):
        for l in range(depth):
            h = z if (linear_first and l == 0) else phi(z)
            z = scale * (ws[l] @ h) + math.sqrt(sb2) * bs[l]
            if keep is not None:
                z.retain_grad()
                keep.append(z)
        return z

    return f, z0


@pytest.mark.parametrize("act,a,weights,linear_first", [
    ("tanh", None, "gaussian", False), ("erf", None, "orthogonal", True),
    ("leaky_relu", 0.3, "gaussian", False), ("relu", None, "orthogonal", False)])
def test_jacobian_and_backprop_match_autograd(act, a, weights, linear_first):
    width, depth, sw2, sb2, q0, c0, seed = 12, 4, 1.8, 0.25, 0.9, [0.5], 5
    r = P.propagate(act, a=a, width=width, depth=depth, sw2=sw2, sb2=sb2, q0=q0, c0=c0, n_nets=2, seed=seed,
                    weights=weights, backward=True, jacobian=True, linear_first=linear_first)
    for net in range(2):
        f, z0 = _rebuild(act, a, width, depth, sw2, sb2, q0, c0, seed, net, weights, linear_first)
        jac = torch.autograd.functional.jacobian(f, z0)
        sv = torch.linalg.svdvals(jac).numpy()
        np.testing.assert_allclose(r.jac_sv[net], sv, rtol=1e-11, atol=1e-13 * sv[0])
        # backpropagated errors: delta_l = d(delta_L . z_L)/dz_l
        zin = z0.clone().requires_grad_(True)
        keep = []
        zl = f(zin, keep)
        dL = P.output_error(seed, depth, net, width)
        (dL @ zl).backward()
        grads = [zin.grad] + [k.grad for k in keep[:-1]] + [dL]
        norms = np.array([float(g @ g) for g in grads])
        np.testing.assert_allclose(r.grad_ratio[net], norms[:-1] / norms[1:], rtol=1e-11)


# ---------------------------------------------------------------------------------------------
# statistical agreement with mean-field theory (CLT tolerances, fixed seeds)
def _clt_check(measured, predicted, what, bias=0.0):
    """measured: (n_nets, ...) per-net values; compare the mean over nets with ``predicted`` (every entry;
    clt_t with the spread estimated from the same nets, ALPHA split over the entries; ``bias``: an
    additive finite-width bias bound)."""
    n = measured.shape[0]
    mean = measured.mean(axis=0)
    sd = measured.std(axis=0, ddof=1)
    for m, p, s in zip(np.ravel(mean), np.ravel(np.broadcast_to(predicted, mean.shape)), np.ravel(sd)):
        tol = clt_t(s, n, bias=bias, tests=mean.size, why=what)
        assert abs(m - p) <= tol.value, f"{what}: mean {m} vs theory {p}, tol {tol.value} ({tol.why})"


def test_relu_q_c_and_gradients_follow_mean_field():
    sw2, sb2, L = 1.6, 0.2, 6
    r = P.propagate("relu", width=300, depth=L, sw2=sw2, sb2=sb2, q0=1.0, c0=[0.2], n_nets=12, seed=2, backward=True)
    q, c = [1.0], [0.2]
    for _ in range(L):
        c.append(relu_cmap(c[-1], q[-1], sw2, sb2))  # equal variances at every layer
        q.append(relu_qmap(q[-1], sw2, sb2))
    _clt_check(r.q[:, 0, 1:], np.array(q[1:]), "relu q_l")
    _clt_check(r.q[:, 1, 1:], np.array(q[1:]), "relu q_l (input 2)")
    _clt_check(r.c[:, 0, 1:], np.array(c[1:]), "relu c_l")
    _clt_check(r.grad_ratio, sw2 / 2, "relu |delta_l|^2/|delta_l+1|^2 = chi_1 = sw2/2")


def test_tanh_gradient_ratio_is_chi1_at_the_fixed_point():
    sw2, sb2 = 2.0, 0.05
    qstar = 1.0
    for _ in range(500):
        qstar = tanh_qmap(qstar, sw2, sb2)
    r = P.propagate("tanh", width=300, depth=5, sw2=sw2, sb2=sb2, q0=qstar, c0=[0.5], n_nets=12, seed=3,
                    backward=True)
    _clt_check(r.q[:, 0, 1:], qstar, "tanh q_l at q*")
    _clt_check(r.grad_ratio, tanh_chi(qstar, sw2), "tanh gradient ratio vs chi_1")


def test_statistical_checks_can_fail():
    """The per-net average of |delta_l|^2/|delta_l+1|^2 over the layers (as the simulation claims use it)
    agrees with chi_1 = sw2/2 and the same comparison against a wrong theory (chi_1 off by 10 %) fails.
    Bias bound: 2 chi_1 CV^2 of a ratio estimator (CV^2 the measured relative variance of one layer's
    ratio, O(1/N)), as in the claims."""
    chi1 = 1.6 / 2
    r = P.propagate("relu", width=300, depth=6, sw2=1.6, sb2=0.2, q0=1.0, c0=[0.2], n_nets=48, seed=2, backward=True)
    per_net = r.grad_ratio.mean(axis=1)
    bias = 2 * chi1 * float(r.grad_ratio.var(ddof=1)) / chi1**2
    _clt_check(per_net, chi1, "chi_1", bias=bias)
    with pytest.raises(AssertionError):
        _clt_check(per_net, 1.1 * chi1, "wrong chi_1", bias=bias)


def test_error_shrinks_with_width():
    """RMS deviation of q_l from the ReLU q-map: ratio between N = 64 and N = 512 near sqrt(8)."""
    sw2, sb2, L = 1.2, 0.3, 5
    q = [1.0]
    for _ in range(L):
        q.append(relu_qmap(q[-1], sw2, sb2))
    rms = {}
    for n in (64, 512):
        r = P.propagate("relu", width=n, depth=L, sw2=sw2, sb2=sb2, q0=1.0, c0=[0.0], n_nets=24, seed=7)
        rms[n] = math.sqrt(np.mean((r.q[:, :, 1:] - np.array(q[1:])) ** 2))
    ratio = rms[64] / rms[512]
    assert 0.5 * math.sqrt(8) < ratio < 2.0 * math.sqrt(8), ratio


# ---------------------------------------------------------------------------------------------
# invalid input
@settings(max_examples=25, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True).filter(lambda x: not (-1 <= x <= 1)))
def test_bad_correlation_is_rejected(c):
    with pytest.raises(DomainError, match="'c0'"):
        P.propagate("tanh", width=4, depth=1, sw2=1.0, c0=[c])


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(["sw2", "sb2", "q0"]), st.floats(max_value=-1e-300) | st.just(float("nan")))
def test_bad_variances_are_rejected(name, v):
    kw = dict(width=4, depth=1, sw2=1.0, sb2=0.0, q0=1.0)
    kw[name] = v
    with pytest.raises(DomainError, match=f"'{name}'"):
        P.propagate("tanh", **kw)


@pytest.mark.parametrize("kw,name", [
    (dict(width=0), "width"), (dict(depth=0), "depth"), (dict(n_nets=0), "n_nets"), (dict(width=2.5), "width"),
    (dict(weights="uniform"), "weights"), (dict(sw2=0.0), "sw2")])
def test_bad_sizes_are_rejected(kw, name):
    base = dict(width=4, depth=1, sw2=1.0)
    with pytest.raises(DomainError, match=f"'{name}'"):
        P.propagate("tanh", **{**base, **kw})


def test_bad_activation_and_slope():
    with pytest.raises(DomainError, match="activation"):
        P.propagate("softplus", width=4, depth=1, sw2=1.0)
    with pytest.raises(DomainError, match="'a'"):
        P.propagate("leaky_relu", width=4, depth=1, sw2=1.0)
    with pytest.raises(DomainError, match="'a'"):
        P.propagate("tanh", width=4, depth=1, sw2=1.0, a=0.1)
    with pytest.raises(DomainError, match="layernorm"):
        P.propagate("tanh", width=4, depth=1, sw2=1.0, layernorm=True, backward=True)


# ---------------------------------------------------------------------------------------------
# the statistics used by the simulation claims (verify/propagation_checks.py, tolerances.clt_t)
def test_t_quantile_reference_values():
    from theorycheck.verify.tolerances import t_quantile, z_quantile

    assert t_quantile(0.975, 10) == pytest.approx(2.228138851986274, rel=1e-12)  # standard t table
    assert t_quantile(0.995, 1) == pytest.approx(63.65674116287399, rel=1e-10)  # tan(pi (0.995 - 1/2))
    assert t_quantile(1 - 5e-5, 10**7) == pytest.approx(z_quantile(1e-4), rel=1e-6)


def test_width_scaling_statistic_passes_clt_and_fails_constant_error():
    from theorycheck.verify.propagation_checks import width_scaling_outcome

    rng = np.random.default_rng(0)
    n, k = 24, 30
    d1 = rng.standard_normal((n, k)) / math.sqrt(100)
    d2 = rng.standard_normal((n, k)) / math.sqrt(1000)
    ok = width_scaling_outcome(d1, d2, 100, 1000, "synthetic N^-1/2", {})
    assert ok.passed, ok.detail
    flat = width_scaling_outcome(d1, rng.standard_normal((n, k)) / math.sqrt(100), 100, 1000, "synthetic flat", {})
    assert not flat.passed, flat.detail


def test_profile_statistic_detects_a_shifted_theory():
    from theorycheck.verify.propagation_checks import profile_outcome

    rng = np.random.default_rng(1)
    theory = np.linspace(1.0, 2.0, 11)
    meas = theory + 0.05 * rng.standard_normal((16, 11))
    assert profile_outcome(meas, theory, np.zeros(11), "synthetic", {}).passed
    assert not profile_outcome(meas, theory + 0.2, np.zeros(11), "synthetic shifted", {}).passed


def test_profile_outcome_records_one_comparison_per_layer():
    """The verdict of a profile follows from its recorded per-layer terms (|mean - theory| <= tol_l),
    the headline is the worst layer, and a shift of one layer alone is enough to fail it."""
    from theorycheck.verify.propagation_checks import profile_outcome

    rng = np.random.default_rng(2)
    theory = np.linspace(0.5, 1.5, 9)
    meas = theory + 0.05 * rng.standard_normal((20, 9))
    out = profile_outcome(meas, theory, np.zeros(9), "synthetic", {}, start=1)
    terms = out.comparison.terms
    assert len(terms) == 8 and all(t.op == "<=" for t in terms)
    assert out.passed == all(t.holds() for t in terms)
    worst = max(terms, key=lambda t: t.value / t.limit)
    assert out.error == pytest.approx(worst.value) and out.tolerance.value == pytest.approx(worst.limit)
    shifted = theory.copy()
    shifted[4] += 0.5
    bad = profile_outcome(meas, shifted, np.zeros(9), "synthetic, layer 4 shifted", {})
    assert not bad.passed and bad.extra["worst"] == 4
    assert [t.holds() for t in bad.comparison.terms].count(False) == 1


def test_width_scaling_outcome_is_two_sided():
    from theorycheck.verify.propagation_checks import width_scaling_outcome

    rng = np.random.default_rng(3)
    d1 = rng.standard_normal((24, 30)) / math.sqrt(100)
    d2 = rng.standard_normal((24, 30)) / math.sqrt(100 * 10**4)  # exponent -1, not -1/2
    out = width_scaling_outcome(d1, d2, 100, 1000, "too steep", {})
    assert out.comparison.kind == "two-sided" and not out.passed and out.measured < -0.5
