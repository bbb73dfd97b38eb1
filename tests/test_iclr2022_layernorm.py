"""Layer-norm correlation maps of the ICLR 2022 submission (numeric/layernorm.py, symbolic/layernorm.py).

References are independent of the float64 algorithm: the mpmath evaluation of the *source* expression
1 - P(1 - delta) = (C(1) - C(1 - delta))/(r + C(1)) at 40+ digits (raised by log10(1/delta) so the cancellation
is resolved), and for the excess convexity a plain bisection on the mpmath composition.
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
from theorycheck.numeric import layernorm as N
from theorycheck.symbolic import layernorm as S


def _mp_delta(act, L, rho0, r, a=None, dps=40):
    with mpmath.workdps(dps):
        return S.mp_one_minus_rho_L(act, L, mpmath.mpf(rho0), mpmath.mpf(r), None if a is None else mpmath.mpf(a))


POINTS = [(L, rho0, r) for L in (1, 64, 512) for rho0 in (-1.0, 0.0, 0.9, 1 - 2.0**-30) for r in (0.0, 0.05, 1.0)]


@pytest.mark.parametrize("act,a", [("relu", None), ("leaky_relu", 0.3), ("erf", None)])
def test_one_minus_rho_relative_accuracy(act, a):
    """1e-12 relative at every point, including 1 - rho_L ~ 1e-4 (ReLU, L = 512, critical) and ~1e-100 or
    below (ordered); NumPy and Torch identical."""
    worst = 0.0
    for L, rho0, r in POINTS:
        ref = _mp_delta(act, L, rho0, r, a)
        args = (L, rho0, r) + (() if a is None else (a,))
        v = float(N.one_minus_rho(act, *args))
        vt = float(N.one_minus_rho(act, *args, backend="torch"))
        assert v == pytest.approx(vt, rel=1e-15, abs=0)
        if ref == 0:
            assert v == 0
            continue
        if abs(ref) < 1e-290:  # gradual underflow: absolute accuracy only
            assert abs(v - float(ref)) < 1e-300
            continue
        worst = max(worst, float(abs(v - ref) / ref))
    assert worst <= 1e-12, worst


def test_relu_critical_depth_512_is_small_and_accurate():
    v = float(N.one_minus_rho("relu", 512, 0.0, 0.0))
    ref = _mp_delta("relu", 512, 0, 0)
    assert 1e-4 < v < 2e-4  # ~ 9 pi^2/(2 L^2) asymptotically
    assert abs(v - ref) / ref < 1e-13


def test_tanh_against_mpmath_small_depth():
    for L, rho0, r in [(1, 0.3, 0.0), (3, 0.999, 0.07), (2, -1.0, 0.5)]:
        ref = _mp_delta("tanh", L, rho0, r, dps=30)
        v = float(N.one_minus_rho("tanh", L, rho0, r))
        assert abs(v - ref) / ref < 1e-12, (L, rho0, r, v, ref)


@pytest.mark.parametrize("act,L,r", [("relu", 1, 0.0), ("relu", 30, 0.3), ("erf", 8, 0.0757), ("erf", 64, 0.0),
                                     ("leaky_relu", 10, 0.0), ("tanh", 1, 0.1)])
def test_excess_convexity_against_bisection(act, L, r):
    """e(g) against plain bisection on g(1 - t) - t with g built from the mpmath composition (50 digits)."""
    a = 0.2 if act == "leaky_relu" else None
    dps = 30 if act == "tanh" else 50
    with mpmath.workdps(dps):
        q = S.mp_one_minus_rho_L(act, L, 0, mpmath.mpf(r), a)

        def h(t):
            return 1 - S.mp_one_minus_rho_L(act, L, 1 - t, mpmath.mpf(r), a) / q - t

        lo, hi = mpmath.mpf(0), mpmath.mpf(1) / 2
        for _ in range(60 if act == "tanh" else 120):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if h(mid) > 0 else (lo, mid)
        ref = 1 / lo - 2
    args = (L, r) + (() if a is None else (a,))
    v = float(N.excess_convexity_map(act, *args))
    assert abs(v - ref) / ref < (1e-9 if act == "tanh" else 1e-12), (v, ref)
    assert float(N.excess_convexity_map(act, *args, backend="torch")) == pytest.approx(v, rel=1e-14)


@pytest.mark.slow
def test_excess_convexity_chaotic_large_value():
    """erf, r = 0 (chaotic), L = 300: e ~ 1e8 or more (t is resolved through eps_l = rho_l - p_l)."""
    with mpmath.workdps(40):
        ref = S.mp_excess_convexity("erf", 300, 0)
    v = float(N.excess_convexity_map("erf", 300, 0.0))
    assert v > 1e6
    assert abs(v - float(ref)) / float(ref) < 1e-12


@pytest.mark.parametrize("kwargs,name", [({"L": -1, "rho0": 0.0, "r": 0.0}, "L"), ({"L": 2.5, "rho0": 0.0, "r": 0.0}, "L"),
                                         ({"L": 3, "rho0": 1.5, "r": 0.0}, "rho0"), ({"L": 3, "rho0": 0.0, "r": -1.0}, "r"),
                                         ({"L": 3, "rho0": float("nan"), "r": 0.0}, "rho0")])
def test_bad_input_names_parameter(kwargs, name):
    with pytest.raises(DomainError, match=f"'{name}'"):
        N.one_minus_rho_L_relu(**kwargs)
    with pytest.raises(DomainError, match=f"'{name}'"):
        N.one_minus_rho_L_erf_torch(**kwargs)


def test_excess_convexity_refuses_depth_zero():
    with pytest.raises(DomainError, match="'L'"):
        N.excess_convexity_relu(0, 0.0)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.sampled_from(["relu", "erf"]), st.integers(1, 40), st.floats(-1, 1), st.floats(-1, 1), st.floats(0, 2))
def test_one_minus_rho_monotone_and_bounded(act, L, x, y, r):
    """rho_L is non-decreasing in rho_0 (C[phi|.] non-decreasing for monotone phi) and 1 - rho_L in [0, 2]."""
    lo, hi = min(x, y), max(x, y)
    dlo, dhi = (float(N.one_minus_rho(act, L, v, r)) for v in (lo, hi))
    assert 0 <= dhi <= dlo * (1 + 1e-13) + 1e-300 and dlo <= 2


def test_vectorized_depths_match_scalar():
    Ls = np.array([1, 5, 17, 64])
    v = N.one_minus_rho("erf", Ls, 0.2, 0.1)
    for i, L in enumerate(Ls):
        assert v[i] == float(N.one_minus_rho("erf", int(L), 0.2, 0.1))
    t = N.one_minus_rho("erf", torch.tensor(Ls, dtype=torch.float64), 0.2, 0.1, backend="torch")
    assert np.allclose(t.numpy(), v, rtol=1e-15, atol=0)


def test_bound_constants_printed_equal_derived():
    """Printed readings of (4.1)-(4.3) equal the bounds assembled from Theorem 1 + Appendix B (40 digits at
    several points; arctan(2/sqrt5) = arcsin(2/3))."""
    import sympy as sp
    for k in ("41", "42", "43"):
        p, d = getattr(S, f"BOUND{k}_PRINTED"), getattr(S, f"BOUND{k}_DERIVED")
        syms = sorted(p.free_symbols | d.free_symbols, key=str)
        fp, fd = sp.lambdify(syms, p, "mpmath"), sp.lambdify(syms, d, "mpmath")
        with mpmath.workdps(40):
            for vals in ([1, mpmath.mpf("0.3")], [512, mpmath.mpf("0.7")], [7, 0]):
                args = vals[:len(syms)] if syms[0] == S.L else vals[::-1][:len(syms)]
                x, y = fp(*args), fd(*args)
                assert abs(x - y) <= mpmath.mpf(10) ** -35 * abs(x), (k, args, x, y)
    assert math.isclose(float(S.BOUND42_PRINTED.subs(S.L, 1)), 10.652, rel_tol=1e-3)
