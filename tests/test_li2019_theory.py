"""Li & Nguyen 2019 theory: eqs. (2)-(3) kernels, fixed points, thresholds (numeric/wtae.py, symbolic/wtae.py).

References are independent of the kernels under test: direct quadratures of the printed (non-Stein) forms, the
closed-form ReLU inner expectations of App. C.1 with mpmath tanh-sinh, finite differences, plain iteration.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric import wtae as W
from theorycheck.numeric.backend import NUMPY
from theorycheck.numeric.generated import wtae as GW
from theorycheck.symbolic import wtae as S
from theorycheck.verify.claims.li2019.app_c_fixed_point_equations import mp_G_direct_relu_phi, mp_R_direct_relu_phi

EPS = np.finfo(float).eps


def _direct(pair, g, r, b, t2, h=0.02, m=480):
    """Printed forms G = E[z1 phi(theta)]/tau, R = E[phi(theta)^2] on a symmetric uniform 2-D grid (geometric
    convergence for the analytic tanh/tanh integrands)."""
    phi = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0)}[pair.split("_")[0]]
    sig = {"tanh": np.tanh, "relu": lambda x: np.maximum(x, 0)}[pair.split("_")[1]]
    z = h * np.arange(-m, m + 1)
    w = np.exp(-z * z / 2) * h / math.sqrt(2 * math.pi)
    th = phi(b * g * sig(math.sqrt(t2) * z)[:, None] + math.sqrt(b * r) * z[None, :])
    W2 = w[:, None] * w[None, :]
    return float((W2 * z[:, None] * th).sum() / math.sqrt(t2)), float((W2 * th * th).sum())


POINTS = [(0.7, 0.3, 2.7, 1.0), (0.2, 0.9, 5.0, 0.3), (1.5, 0.05, 1.2, 2.0), (0.0, 0.5, 3.0, 0.7)]


@pytest.mark.parametrize("g,r,b,t2", POINTS)
def test_tanh_tanh_G_R_vs_printed_form(g, r, b, t2):
    dG, dR = _direct("tanh_tanh", g, r, b, t2)
    assert abs(float(W.G_tanh_tanh(g, r, b, t2)) - dG) <= 1e-13 * max(abs(dG), 1e-3)
    assert abs(float(W.R_tanh_tanh(g, r, b, t2)) - dR) <= 1e-13 * dR


def _direct_tanh_relu(g, r, b, t2):
    """Printed forms for sigma = ReLU without the parity reduction of the kernels: z1 > 0 by Gauss-Legendre on
    [0, 10] (the integrand is smooth there), z2 by the symmetric trapezoid rule; z1 < 0 (theta = b z2) exactly:
    E[z1 1(z1<0)] E tanh(b z2) = 0 for G and E tanh^2(b z2)/2 for R."""
    x, wx = np.polynomial.legendre.leggauss(300)
    z1, w1 = 5 * (x + 1), 5 * wx * np.exp(-25 * (x + 1) ** 2 / 2) / math.sqrt(2 * math.pi)
    h, m = 0.02, 480
    z2 = h * np.arange(-m, m + 1)
    w2 = np.exp(-z2 * z2 / 2) * h / math.sqrt(2 * math.pi)
    th = np.tanh(b * g * math.sqrt(t2) * z1[:, None] + math.sqrt(b * r) * z2[None, :])
    G = float(((w1 * z1)[:, None] * w2[None, :] * th).sum() / math.sqrt(t2))
    R = float((w1[:, None] * w2[None, :] * th * th).sum() + (w2 * np.tanh(math.sqrt(b * r) * z2) ** 2).sum() / 2)
    return G, R


@pytest.mark.parametrize("g,r,b,t2", POINTS)
def test_tanh_relu_G_R_vs_printed_form(g, r, b, t2):
    dG, dR = _direct_tanh_relu(g, r, b, t2)
    assert abs(float(W.G_tanh_relu(g, r, b, t2)) - dG) <= 1e-13 * max(abs(dG), 1e-3)
    assert abs(float(W.R_tanh_relu(g, r, b, t2)) - dR) <= 1e-13 * dR


@pytest.mark.parametrize("sigma", ["relu", "tanh"])
@pytest.mark.parametrize("g,r,b,t2", POINTS)
def test_relu_phi_vs_c1_reduction(sigma, g, r, b, t2):
    """App. C.1's 1-D form with the closed-form inner expectations (mpmath tanh-sinh, 20 digits)."""
    Gk = GW.G_relu_relu if sigma == "relu" else W.G_relu_tanh
    Rk = GW.R_relu_relu if sigma == "relu" else W.R_relu_tanh
    with mpmath.workdps(20):
        a = [mpmath.mpf(x) for x in (g, r, b, t2)]
        Gm, Rm = float(mp_G_direct_relu_phi(sigma, *a)), float(mp_R_direct_relu_phi(sigma, *a))
    assert abs(float(Rk(g, r, b, t2)) - Rm) <= 64 * EPS * Rm
    assert abs(float(Gk(g, r, b, t2)) - Gm) <= 64 * EPS * max(abs(Gm), 1e-300)


@pytest.mark.parametrize("pair", ["tanh_tanh", "tanh_relu", "relu_tanh"])
def test_jacobian_vs_central_differences(pair):
    g, r, b, t2 = 0.6, 0.4, 3.0, 0.8
    a = [np.array([x]) for x in (g, r, b, t2)]
    o = W.core(pair, NUMPY, *a, jac=True)
    h = 1e-5  # central difference: error h^2 |f'''|/6 + eps |f|/h ~ 1e-10
    for k, dv in (("g", (h, 0)), ("r", (0, h))):
        p = W.core(pair, NUMPY, np.array([g + dv[0]]), np.array([r + dv[1]]), a[2], a[3])
        m = W.core(pair, NUMPY, np.array([g - dv[0]]), np.array([r - dv[1]]), a[2], a[3])
        assert abs(o["g_" + k][0] - (p["g"][0] - m["g"][0]) / (2 * h)) <= 1e-8
        assert abs(o["R_" + k][0] - (p["R"][0] - m["R"][0]) / (2 * h)) <= 1e-8


@pytest.mark.parametrize("pair", ["tanh_tanh", "tanh_relu"])
def test_fixed_points_are_stable_roots_and_limits_of_iteration(pair):
    beta = np.array([0.5, 1.5, 3.0, 6.0])
    t2 = np.full(4, 0.5)
    fp = W.solve(pair, beta, t2)
    assert fp.converged.all()
    G = W.G(pair, fp.gamma, fp.rho, beta, t2)
    R = W.R(pair, fp.gamma, fp.rho, beta, t2)
    assert np.all(np.abs(G - fp.gamma) <= 1e-14) and np.all(np.abs(R - fp.rho) <= 1e-14)
    assert np.all(fp.radius < 1)
    plain = W.iterate_plain(pair, beta, t2, max_iter=20000)
    ok = plain.converged
    assert ok.sum() >= 3
    # the plain iteration stops at a change of 1e-13: its distance to the fixed point is <= 1e-13/(1 - r)
    bound = 1e-13 / (1 - fp.radius[ok]) + 1e-15
    assert np.all(np.abs(plain.gamma[ok] - fp.gamma[ok]) <= bound)
    assert np.all(np.abs(plain.rho[ok] - fp.rho[ok]) <= bound)


def test_numpy_and_torch_fixed_points_agree():
    torch = pytest.importorskip("torch")
    beta, t2 = np.array([1.5, 4.0]), np.array([0.3, 1.2])
    for pair in ("tanh_tanh", "tanh_relu"):
        a = getattr(W, f"gamma_{pair}")(beta, t2)
        b = getattr(W, f"gamma_{pair}_torch")(torch.tensor(beta), torch.tensor(t2)).numpy()
        assert np.all(np.abs(a - b) <= 1e-13 * np.maximum(np.abs(a), 1e-300) + 1e-300)


def test_relu_phi_divergence_is_a_clear_error():
    with pytest.raises(DomainError, match="diverges to \\+infinity"):
        W.gamma_relu_relu(2.5, 1.0)
    with pytest.raises(DomainError, match="beta"):
        W.rho_relu_tanh(2.0, 1.0)
    assert float(W.gamma_relu_tanh(1.9, 1.0)) == 0.0


def test_bad_inputs_name_the_parameter():
    with pytest.raises(DomainError, match="gamma"):
        W.G_tanh_tanh(-1.0, 0.5, 1.0, 1.0)
    with pytest.raises(DomainError, match="tau2"):
        W.gamma_tanh_tanh(2.0, 0.0)
    with pytest.raises(DomainError, match="beta"):
        W.beta0_tanh_tanh(float("nan"))


def test_beta0_is_where_the_slope_crosses_one():
    t2 = np.array([0.0259, 1.2])
    for pair in ("tanh_tanh", "tanh_relu"):
        b0 = W.beta0(pair, NUMPY, t2)
        lo = W.gamma_slope(pair, NUMPY, b0 * (1 - 1e-6), t2)
        hi = W.gamma_slope(pair, NUMPY, b0 * (1 + 1e-6), t2)
        assert np.all(lo < 1) and np.all(hi > 1)
        # and the fixed point's gamma switches on there
        assert np.all(W.solve(pair, b0 * 0.999, t2).gamma == 0)
        assert np.all(W.solve(pair, b0 * 1.001, t2).gamma > 0)


def test_mpmath_fixed_point_agrees_with_float64_at_two_precisions():
    """tanh/ReLU (1-D reduction) at 20 and 30 digits: the two agree to 1e-19, float64 to 1e-13."""
    vals = []
    for dps in (20, 30):
        with mpmath.workdps(dps):
            vals.append(S.mp_fixed_point("tanh_relu", mpmath.mpf(5), mpmath.mpf("1.2")))
    assert abs(vals[0][0] - vals[1][0]) <= 1e-19 and abs(vals[0][1] - vals[1][1]) <= 1e-19
    g = float(W.gamma_tanh_relu(5.0, 1.2))
    assert abs(g - float(vals[1][0])) <= 1e-13 * g


@pytest.mark.slow
def test_mpmath_tanh_tanh_fixed_point_30_digits_under_a_minute():
    import time

    t = time.time()
    with mpmath.workdps(45):
        g45, r45 = S.mp_fixed_point("tanh_tanh", mpmath.mpf(4), mpmath.mpf("0.7"))
    with mpmath.workdps(65):
        g65, r65 = S.mp_fixed_point("tanh_tanh", mpmath.mpf(4), mpmath.mpf("0.7"))
    assert time.time() - t < 60
    assert abs(g45 - g65) <= mpmath.mpf(10) ** -40 and abs(r45 - r65) <= mpmath.mpf(10) ** -40
    assert abs(float(g65) - float(W.gamma_tanh_tanh(4.0, 0.7))) <= 1e-13 * float(g65)


@settings(max_examples=25, deadline=None)
@given(g=st.floats(0, 5), r=st.floats(0, 3), b=st.floats(0.05, 8), t2=st.floats(0.01, 5))
def test_ranges_hypothesis(g, r, b, t2):
    """Remark 3: G >= 0 (non-decreasing activations), 0 <= R <= 1 for tanh phi; ReLU/ReLU homogeneity
    G(l g, l^2 r) = l G(g, r), R(l g, l^2 r) = l^2 R (l = 3)."""
    for pair in ("tanh_tanh", "tanh_relu"):
        G = float(W.G(pair, g, r, b, t2))
        R = float(W.R(pair, g, r, b, t2))
        assert G >= 0 and 0 <= R <= 1
    G1, R1 = float(GW.G_relu_relu(g, r, b, t2)), float(GW.R_relu_relu(g, r, b, t2))
    G3, R3 = float(GW.G_relu_relu(3 * g, 9 * r, b, t2)), float(GW.R_relu_relu(3 * g, 9 * r, b, t2))
    assert abs(G3 - 3 * G1) <= 64 * EPS * max(G3, 1e-300) and abs(R3 - 9 * R1) <= 64 * EPS * max(R3, 1e-300)
