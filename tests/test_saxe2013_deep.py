"""Saxe et al. 2013 deep-network formulas (saxe.deep_time, deep_time_approx, lambda1_max, delay) and the deep
claims of verify/claims/saxe2013/, against independent references (mpmath quadrature of eq. (15), the
three-layer eq. (11), brute-force maxima, autograd)."""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from theorycheck.numeric import DomainError
from theorycheck.numeric.generated.saxe import delay, deep_time_approx, t_learn
from theorycheck.numeric.saxe_deep import deep_time, deep_time_torch, lambda1_max


def quad15(N, s, tau, u0, uf, dps=30):
    """eq. (15) integrated by mpmath quadrature in x = ln u (independent of both closed forms)."""
    with mpmath.workdps(dps):
        m = N - 1
        s, tau, u0, uf = (mpmath.mpf(v) for v in (s, tau, u0, uf))

        def f(x):
            u = mpmath.exp(x)
            return tau * u ** (mpmath.mpf(2) / m - 1) / (m * (s - u))

        a, b = mpmath.log(u0), mpmath.log(uf)
        pts = [a + (b - a) * k / 8 for k in range(9)]
        return mpmath.quad(f, pts)


@pytest.mark.parametrize("N,s,tau,u0,uf", [(3, 2.0, 1.0, 1e-3, 1.5), (4, 1.0, 2.0, 1e-4, 0.9), (10, 3.0, 1.0, 0.01, 2.9),
                                           (30, 1.0, 1.0, 1e-6, 0.99), (100, 2.0, 0.5, 1e-3, 1.0),
                                           (7, 1.0, 1.0, 5.0, 1.01), (1000, 1.0, 1.0, 1e-5, 0.5)])
def test_deep_time_vs_quadrature_of_eq15(N, s, tau, u0, uf):
    ref = quad15(N, s, tau, u0, uf)
    got = deep_time(N, s, tau, u0, uf)
    assert abs(got - float(ref)) <= 1e-13 * abs(float(ref))
    assert abs(float(deep_time_torch(N, s, tau, u0, uf)) - got) <= 1e-13 * abs(got)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 10), st.floats(1e-8, 0.99), st.floats(0.01, 0.99), st.booleans())
def test_deep_time_at_three_layers_is_eq11(s, x0, xf, above):
    u0, uf = (s * x0, s * xf) if not above else (s / x0, s / xf)
    a, b = deep_time(3, s, 1.0, u0, uf), t_learn(s, 1.0, u0, uf)
    assert abs(a - b) <= 1e-12 * max(abs(b), 1e-300) + 1e-15 * (abs(math.log(x0)) + abs(math.log(xf))) / s


def test_eq17_is_the_large_depth_limit_of_deep_time():
    # rate (15)/(16) = ((N-1)/N) u^(-2/(N-1)) -> 1, so t_(17)/t_exact -> 1 like 1/N
    # (at N = 10 it is still 3.2 times too long at u0 = 1e-3: the correction is ~ 2 ln(1/u0) / N)
    dev = [abs(deep_time_approx(N, 1.0, 1.0, 1e-3, 0.9) / deep_time(N, 1.0, 1.0, 1e-3, 0.9) - 1)
           for N in (10, 100, 1000)]
    assert dev[0] > dev[1] > dev[2] and 9 < dev[1] / dev[2] < 11.5


def test_lambda1_max_is_the_grid_maximum_of_eq37():
    for N in (3, 4, 7, 20):
        for s in (0.5, 2.0):
            a = np.linspace(0, s ** (1 / (N - 1)), 20001)
            lam = np.abs((2 * N - 3) * a ** (2 * N - 4) - (N - 2) * s * a ** (N - 3))
            assert abs(lam.max() / lambda1_max(N, s, 1.0) - 1) < 1e-12


def test_delay_is_eq44_minus_eq43():
    c, s, u0, uf = 0.7, 2.0, 1e-3, 1.9
    L = math.log(uf * (s - u0) / (u0 * (s - uf)))
    t3, tinf = c * L, c * (L + s / u0 - s / uf)
    assert abs(delay(c, s, u0, uf) - (tinf - t3)) < 1e-12 * (tinf - t3)


def test_bad_inputs_are_named():
    with pytest.raises(DomainError, match="'N_l'"):
        deep_time(2, 1.0, 1.0, 0.1, 0.5)
    with pytest.raises(DomainError, match="same side"):
        deep_time(5, 1.0, 1.0, 0.1, 1.5)
    with pytest.raises(DomainError, match="'s'"):
        lambda1_max(4, -1.0, 1.0)


def test_origin_bin_theory_matches_closed_forms():
    """The N -> oo origin-bin fraction of Fig. 6C: M = 1 is the uniform disk (area (2h)^2/pi); general M vs a
    direct 2-D quadrature of the density r^(2/M - 2)/(pi M) over the square (independent of the 1-D reduction)."""
    from theorycheck.verify.claims.saxe2013.sec3_finding_good_weight_initializations import origin_bin_fraction_theory

    assert abs(origin_bin_fraction_theory(1, 0.05) - 0.01 / math.pi) < 1e-15
    M, h = 5, 0.05
    with mpmath.workdps(20):
        # polar form over the quarter square: integrate r from 0 to the square's edge in each direction
        direct = 4 * mpmath.quad(lambda t: mpmath.quad(lambda r: r ** (mpmath.mpf(2) / M - 1) / (mpmath.pi * M),
                                                       [0, h / max(mpmath.cos(t), mpmath.sin(t))]), [0, mpmath.pi / 4,
                                                                                                     mpmath.pi / 2])
    assert abs(origin_bin_fraction_theory(M, h) - float(direct)) < 1e-10
    assert abs(origin_bin_fraction_theory(5, 0.05) - 0.3155) < 5e-4 and abs(origin_bin_fraction_theory(100, 0.05) - 0.9439) < 5e-4


def test_balanced_simulation_matches_deep_time_at_small_rate():
    """The deep-network simulation helper of the claims vs saxe.deep_time (independent: the harness's matrix GD)."""
    from theorycheck.verify.claims.saxe2013.sec2_deeper_multilayer_dynamics import _crossing_times, simulate_balanced

    sz = {"s": [1.0, 0.6], "width": 3, "u0": 0.1, "levels": [0.5]}
    tt, u = simulate_balanced(6, sz, 2e-3, torch.Generator().manual_seed(0))
    got = _crossing_times(tt, u, [(0, 0.5), (1, 0.3)])
    want = [deep_time(6, 1.0, 1.0, 0.1, 0.5), deep_time(6, 0.6, 1.0, 0.1, 0.3)]
    assert np.allclose(got, want, rtol=2e-2)  # forward Euler at lambda = 2e-3: O(lambda L) = O(1e-2)
