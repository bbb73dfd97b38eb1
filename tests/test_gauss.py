"""numeric/gaussian.py and the gauss.* / hermite.* formulas against mpmath (30+ digits).

Accuracy measure: relative error |x - ref| / |ref|; for the covariance, whose value passes through 0
as rho changes sign, the error is taken relative to max(|ref|, 1e-4 sqrt(E f(u1)^2 E f(u2)^2))
(Cauchy-Schwarz scale of the bilinear form), stated in each test.  Each comparison uses the derived
float64 bound of tests/_formula_domains.error_bound (k eps (|f| + sum_i |x_i df/dx_i| + S), S the
Cauchy-Schwarz scale of the summed terms for quadrature kernels), never a fixed target.
References: mpmath.quad (tanh-sinh) in one dimension; in two, the precision-derived trapezoid
symbolic.gauss.mp_expect2_odd, itself checked against nested mpmath.quad below.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import gaussian as G
from theorycheck.symbolic import gauss as SG
from theorycheck.symbolic.registry import get
from theorycheck.verify.formulas import generated_function

import _formula_domains as fd  # noqa: E402  (tests/ is on sys.path: rootdir-relative test imports)

DPS = 30


def within_bound(fid: str, values: dict, got, ref) -> bool:
    """|got - ref| within the float64 error bound of the registered formula ``fid`` at ``values``."""
    bound, _ = fd.error_bound(get(fid), dict(values), float(ref))
    return abs(float(got) - float(ref)) <= bound


def rel(x, ref):
    ref = mpmath.mpf(ref)
    return float(abs(mpmath.mpf(float(x)) - ref) / abs(ref)) if ref != 0 else abs(float(x))


# ----------------------------------------------------------------------------------- quadrature
def test_trapezoid_rule_integrates_known_expectations():
    # E[cos(s Z)] = exp(-s^2/2), E[Z^2 f] moments, E[tanh(sZ)^2] small-s series 1 - ... (entire/strip)
    z, w = G.trapezoid_rule(1.0)
    assert abs(w.sum() - 1) < 1e-15
    assert abs((z**2) @ w - 1) < 1e-14
    assert abs((z**4) @ w - 3) < 1e-13
    for q in (0.01, 1.0, 4.0):
        got = G.expect(lambda x: np.cos(x), q)
        assert abs(got - math.exp(-q / 2)) < 1e-15


def test_trapezoid_rule_rejects_bad_scale():
    with pytest.raises(DomainError, match="scale"):
        G.trapezoid_rule(0.0)
    with pytest.raises(DomainError, match="q"):
        G.expect(np.tanh, [-1.0])


@settings(max_examples=25, deadline=None)
@given(lq=st.floats(-4, 1.5), sw2=st.floats(0.1, 5), sb2=st.floats(0, 2))
def test_qmap_tanh_vs_mpmath(lq, sw2, sb2):
    q = 10**lq
    got = G.qmap_tanh(q, sw2, sb2)
    with mpmath.workdps(DPS):
        ref = sw2 * SG.mp_expect(lambda z: mpmath.tanh(z) ** 2, q) + sb2
    assert within_bound("meanfield.qmap.tanh", {"q": q, "sw2": sw2, "sb2": sb2}, got, ref), (got, ref)


@settings(max_examples=8, deadline=None)
@given(rho=st.floats(-1, 1), lq1=st.floats(-2, 1), lq2=st.floats(-2, 1))
def test_cov_tanh_vs_mpmath(rho, lq1, lq2):
    q1, q2 = 10**lq1, 10**lq2
    got = G.cov_tanh(rho, q1, q2)
    with mpmath.workdps(DPS):
        ref = SG.mp_expect2_odd(mpmath.tanh, mpmath.tanh, rho, q1, q2)
        n1 = SG.mp_expect(lambda z: mpmath.tanh(z) ** 2, q1)
        n2 = SG.mp_expect(lambda z: mpmath.tanh(z) ** 2, q2)
    assert n1 > 0 and n2 > 0
    assert within_bound("gauss.cov.tanh", {"rho": rho, "q1": q1, "q2": q2}, got, ref), (got, ref)


@pytest.mark.slow
def test_mp_trapezoid_agrees_with_nested_tanh_sinh():
    """The 2-D mpmath reference (trapezoid) against plain nested mpmath.quad, at 20 digits (~30 s)."""
    r, v1, v2 = mpmath.mpf("0.6"), mpmath.mpf("1.3"), mpmath.mpf("0.7")
    with mpmath.workdps(20):
        trap = SG.mp_expect2_odd(mpmath.tanh, mpmath.tanh, r, v1, v2)
        c = mpmath.sqrt(1 - r * r)

        def inner(x):
            return mpmath.quad(lambda y: mpmath.tanh(mpmath.sqrt(v2) * (r * x + c * y)) * mpmath.exp(-y * y / 2),
                               [-mpmath.inf, 0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)

        nested = mpmath.quad(lambda x: mpmath.tanh(mpmath.sqrt(v1) * x) * inner(x) * mpmath.exp(-x * x / 2),
                             [-mpmath.inf, 0, mpmath.inf]) / mpmath.sqrt(2 * mpmath.pi)
        assert abs(trap - nested) < mpmath.mpf(10) ** -17 * abs(nested)


def test_cov_tanh_at_rho_one_is_the_qmap_and_at_zero_vanishes():
    q = np.array([0.1, 1.0, 3.0])
    np.testing.assert_allclose(G.cov_tanh(1.0, q, q), G.qmap_tanh(q, 1.0, 0.0), rtol=1e-14)
    assert np.all(np.abs(G.cov_tanh(0.0, q, q)) < 1e-17)


# ------------------------------------------------------------------------------ Hermite / Mehler
@pytest.mark.parametrize("act", ["relu", "erf"])
def test_closed_form_hermite_coefficients_vs_mpmath(act):
    k = np.arange(0, 80)
    got = getattr(G, f"hermite_coeff_{act}")(k)
    with mpmath.workdps(DPS):
        for kk in k:
            ref = SG.mp_hermite_coeff(act, int(kk))
            assert (ref == 0 and got[kk] == 0) or within_bound(f"hermite.coeff.{act}", {"k": float(kk)}, got[kk], ref), \
                (kk, got[kk], ref)


def test_leaky_relu_coefficients_combine_relu_and_identity():
    k = np.arange(0, 10)
    for a in (0.0, 0.3, 1.0):
        got = G.hermite_coeff_leaky_relu(k, a)
        exp = (1 - a) * G.hermite_coeff_relu(k) + np.where(k == 1, a, 0.0)
        np.testing.assert_array_equal(got, exp)
    assert G.hermite_coeff_leaky_relu(1, 1.0) == 1.0 and G.hermite_coeff_leaky_relu(0, 1.0) == 0.0


@pytest.mark.parametrize("k", [1, 3, 7, 15, 25, 39, 40])
def test_tanh_hermite_coefficients_vs_mpmath(k):
    got = G.hermite_coeff_tanh(k)
    with mpmath.workdps(DPS):
        ref = SG.mp_hermite_coeff("tanh", k)
    assert (ref == 0 and got == 0) or within_bound("hermite.coeff.tanh", {"k": float(k)}, got, ref), (got, ref)


@pytest.mark.parametrize("rho", [-0.6, -0.2, 0.1, 0.35, 0.6])
def test_mehler_series_reproduces_the_covariance(rho):
    """C[phi|rho] = sum_k phi_k^2 rho^k (E[h_k(x) h_j(y)] = delta_kj rho^k), truncated at k = 40:
    the tail is below |rho|^41 sum phi_k^2 < 1e-9 at |rho| = 0.6, bounded explicitly here."""
    k = np.arange(0, 41)
    tail = abs(rho) ** 41
    for act in ("relu", "erf", "tanh"):
        c = getattr(G, f"hermite_coeff_{act}")(k)
        series = np.sum(c**2 * rho**k)
        if act == "tanh":
            exact = G.cov_tanh(rho)
        else:
            exact = generated_function(get(f"gauss.cov.{act}"), "numpy")(rho, 1.0, 1.0)
        assert abs(series - exact) <= tail + 1e-15, (act, series, exact)


def test_norms_from_coefficients():
    # ||phi||^2 = sum phi_k^2 ; ||phi - phi_bar||^2 = sum_{k>=2} phi_k^2  (erf, tanh: fast decay)
    k = np.arange(0, 41)
    for act in ("erf", "tanh"):
        c = getattr(G, f"hermite_coeff_{act}")(k)
        n2 = float(getattr(G, f"norm2_{act}")())
        le = float(getattr(G, f"linerr2_{act}")())
        # the omitted tail sum_{k>40} phi_k^2 is positive and (empirically, for these geometric-like
        # decays) below 10 phi_39^2; a wrong coefficient or norm would break either bound
        assert 0 <= n2 - np.sum(c**2) <= 10 * c[39] ** 2 + 1e-16
        assert 0 <= le - np.sum(c[2:] ** 2) <= 10 * c[39] ** 2 + 1e-16
        assert abs(c[0] ** 2 + c[1] ** 2 + le - n2) < 1e-15


@pytest.mark.parametrize("fid", ["gauss.norm2.tanh", "gauss.linerr2.tanh", "gauss.dnorm2.tanh",
                                 "gauss.norm2.erf", "gauss.linerr2.erf", "gauss.dnorm2.erf",
                                 "gauss.norm2.relu", "gauss.linerr2.relu", "gauss.dnorm2.relu"])
def test_parameterless_norms_vs_mpmath(fid):
    from theorycheck.verify.formulas import evaluate_mpmath

    f = get(fid)
    ref = evaluate_mpmath(f, {}, DPS)
    got = generated_function(f, "numpy")()
    got_t = generated_function(f, "torch")()
    assert within_bound(fid, {}, got, ref), (got, ref)
    assert float(got_t) == pytest.approx(float(got), rel=1e-15)


def test_erf_and_relu_closed_norms_by_quadrature():
    """Independent check of the closed forms by direct 1-D quadrature in mpmath."""
    with mpmath.workdps(DPS):
        n_erf = SG.mp_expect(lambda z: mpmath.erf(z) ** 2, 1)
        d_erf = SG.mp_expect(lambda z: (2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-z * z)) ** 2, 1)
    assert within_bound("gauss.norm2.erf", {}, G.norm2_erf(), n_erf)
    assert within_bound("gauss.dnorm2.erf", {}, G.dnorm2_erf(), d_erf)


# ------------------------------------------------------------------------------------ torch twins
def test_torch_twins_agree_with_numpy():
    k = np.arange(0, 41)
    for act in ("relu", "erf", "tanh"):
        a = getattr(G, f"hermite_coeff_{act}")(k)
        b = getattr(G, f"hermite_coeff_{act}_torch")(torch.tensor(k, dtype=torch.float64)).numpy()
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-300)
    r = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(G.cov_tanh_torch(torch.tensor(r), 2.0, 0.5).numpy(), G.cov_tanh(r, 2.0, 0.5), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(G.qmap_tanh_torch(torch.tensor(r**2), 1.5, 0.1).numpy(), G.qmap_tanh(r**2, 1.5, 0.1),
                               rtol=1e-14)
    assert G.cov_tanh_torch(torch.tensor([0.5])).dtype == torch.float64


# ------------------------------------------------------------------------------------ bad input
@given(rho=st.one_of(st.floats(1.0000001, 1e6), st.floats(-1e6, -1.0000001)))
def test_rho_outside_unit_interval_is_a_domain_error(rho):
    with pytest.raises(DomainError, match="'rho'.*\\[-1.0, 1.0\\]"):
        G.cov_tanh(rho)


@pytest.mark.parametrize("call, name", [
    (lambda: G.cov_tanh(0.5, -1.0, 1.0), "q1"),
    (lambda: G.cov_tanh(0.5, 1.0, float("nan")), "q2"),
    (lambda: G.qmap_tanh(-0.1, 1.0, 0.0), "q"),
    (lambda: G.qmap_tanh(0.1, 0.0, 0.0), "sw2"),
    (lambda: G.qmap_tanh(0.1, 1.0, -1e-9), "sb2"),
    (lambda: G.hermite_coeff_relu(-1), "k"),
    (lambda: G.hermite_coeff_erf(2.5), "k"),
    (lambda: G.hermite_coeff_tanh(41), "k"),
    (lambda: G.hermite_coeff_leaky_relu(2, 1.5), "a"),
    (lambda: G.cov_tanh_torch(torch.tensor([2.0])), "rho"),
])
def test_invalid_input_names_the_parameter(call, name):
    with pytest.raises(DomainError, match=f"'{name}'"):
        call()


# ---------------------------------------------------------------------------------------------
# Regression tests at extreme arguments (references computed here with mpmath)
EPS = 2.0**-52


def _mp_relu_coeff(k):
    """phi_k of ReLU from E[relu(Z) He_k(Z)] = phi(0) (-1)^(k/2+1) He_{k-2}(0)... in closed form with
    factorials at 60 digits: (-1)^(k/2+1) (k-3)!! / sqrt(2 pi k!) for even k >= 2."""
    with mpmath.workdps(60):
        n = k // 2
        df = mpmath.fac2(k - 3)
        return (-1) ** (n + 1) * df / mpmath.sqrt(2 * mpmath.pi * mpmath.factorial(k))


@pytest.mark.parametrize("k", [2, 4, 78, 80, 82, 1000, 10**6, 10**9, 2 * 10**12])
def test_hermite_relu_coefficient_at_large_k(k):
    """Before: NumPy and Torch disagreed up to 5.7e-6 at large k (lgamma differences).  The recurrence
    table (k < 80: <= 80 roundings) and the asymptotic series (truncation < 1e-17 for k >= 80) give
    <= 64 eps relative in both backends."""
    ref = _mp_relu_coeff(k)
    for fn in (G.hermite_coeff_relu, G.hermite_coeff_relu_torch):
        got = float(fn(torch.tensor(float(k), dtype=torch.float64)) if fn is G.hermite_coeff_relu_torch else fn(k))
        assert abs(got - float(ref)) <= 64 * EPS * abs(float(ref))


@pytest.mark.parametrize("k", [1, 3, 41, 101, 1001])
def test_hermite_erf_coefficient_at_large_k(k):
    """(2/3)^m = exp(m ln(2/3)) carries eps m ln(3/2) relative error (module docstring): bound
    (64 + 2 m) eps."""
    m = (k - 1) // 2
    with mpmath.workdps(60):
        ref = 2 / mpmath.sqrt(3 * mpmath.pi) * (-1) ** m * mpmath.factorial(2 * m) / (
            3**m * mpmath.factorial(m) * mpmath.sqrt(mpmath.factorial(k)))
    for got in (G.hermite_coeff_erf(k), G.hermite_coeff_erf_torch(torch.tensor(float(k), dtype=torch.float64))):
        assert abs(float(got) - float(ref)) <= (64 + 2 * m) * EPS * abs(float(ref))


def test_tanh_minus_x_has_relative_accuracy_everywhere():
    """Series below |x| = 1/2, direct difference above (<= 13 ulps lost there): bound 16 eps."""
    x = np.array([1e-100, -1e-8, 1e-3, 0.1, -0.3, 0.49, 0.4999999, 0.5, 0.51, 1.0, 3.0, -30.0, 1e10])
    for got in (G.tanh_minus_x(G.NUMPY, x), G.tanh_minus_x(G.torch_backend(), torch.tensor(x)).numpy()):
        with mpmath.workdps(400):
            for xi, gi in zip(x, got):
                ref = mpmath.tanh(mpmath.mpf(xi)) - mpmath.mpf(xi)
                assert abs(gi - float(ref)) <= 16 * EPS * abs(float(ref))


@pytest.mark.parametrize("fn", [G.cov_tanh, G.cov_tanh_torch, G.dcov_tanh])
def test_cov_tanh_refuses_huge_variances_before_allocating(fn):
    """Before: 23.7 GiB requested at rho = 0.5, q = 1e6.  The per-point work bound MAX_NODES_2D is checked
    first; points inside it still work."""
    with pytest.raises(G.QuadratureTooLarge, match="bounded-work budget"):
        fn(0.5, 1e6, 1e6)
    assert abs(float(fn(0.5, 10.0, 10.0))) <= 1.0


def test_expect_refuses_huge_variances():
    with pytest.raises(G.QuadratureTooLarge, match="q = 1e\\+38"):
        G.expect(np.tanh, 1e38)
    with pytest.raises(G.QuadratureTooLarge):
        G.qmap_tanh(1e20, 1.0, 0.0)
