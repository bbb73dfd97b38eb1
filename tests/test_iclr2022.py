"""Helpers of the ICLR 2022 claim package (verify/claims/iclr2022/_common.py)."""
from __future__ import annotations

import math

import pytest

from theorycheck.verify.claims.iclr2022 import _common as K


@pytest.mark.parametrize("act,sb2", [("erf", 0.05), ("tanh", 0.02), ("tanh", 0.0)])
def test_rho_fp_newton_is_an_attracting_fixed_point_below_1(act, sb2):
    P1 = float(K.pmap(act, 1.0, 1.0, sb2)[1])
    assert P1 > 1  # chaotic points
    fp = K.rho_fp_newton(act, 1.0, sb2)
    P, dP = (float(v) for v in K.pmap(act, fp, 1.0, sb2))
    assert 0 <= fp < 1 and dP < 1
    assert abs(P - fp) <= 8 * 2.0**-52  # a fixed point up to a few roundings of P
    # the smallest root: P(rho) > rho just below it (P(0) >= 0, convex)
    if fp > 1e-3:
        assert float(K.pmap(act, fp - 1e-3, 1.0, sb2)[0]) > fp - 1e-3


def test_rho_fp_newton_refuses_the_ordered_regime():
    sb2 = 4 * K.critical_ratio("erf")  # P'(1) < 1: the only fixed point in [0, 1] is 1
    with pytest.raises(ArithmeticError, match="rho_fp_newton"):
        K.rho_fp_newton("erf", 1.0, sb2)


def test_mp_condition_of_products_and_cancelling_differences():
    assert K.mp_condition(lambda x, y: x * y, [2.0, 3.0]) == pytest.approx(1.0, rel=1e-12)
    # f = x - y at (1, 1 - 1e-3): |x f_x / f| = 1/1e-3
    assert K.mp_condition(lambda x, y: x - y, [1.0, 1.0 - 1e-3]) == pytest.approx(1.0 / (1e-3), rel=1e-9)
    assert K.mp_condition(lambda: 1, []) == 0.0
    assert math.isclose(K.mp_condition(lambda x: x**3, [0.7]), 3.0, rel_tol=1e-12)
