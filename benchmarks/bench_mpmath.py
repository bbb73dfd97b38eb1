"""Benchmarks of the high-precision (mpmath) tier, each beside the baseline a user would otherwise pick.

1. A 2-D tanh expectation E[tanh(u1) tanh(u2)], (u1, u2) ~ N(0, [[1, 1/2], [1/2, 1]]), at dps
   20/40/60 by symbolic.mpquad.expect2_products (strip-aware trapezoid in the original variables,
   fixed-point accumulation), beside nested tanh-sinh ``mpmath.quad`` (the generic choice) in the
   same run; seconds per point and the ratio are printed and stored in ``extra_info``.
2. ``meanfield.xi_c.tanh`` at sw2 = 4, sb2 = 1/20 (chaotic phase: q* by Newton on 1-D expectations,
   then c* < 1 by Newton on 2-D expectations, then b = P'(c*)), through
   verify.formulas.evaluate_mpmath (the value at two precisions, dps + 15 and dps + 35), at dps
   20/40/60.

Run:  OMP_NUM_THREADS=1 pytest benchmarks/bench_mpmath.py --benchmark-enable
A correctness check follows every timing (never a timed assertion): the 2-D value agrees with the
nested quadrature to 10^-(dps-3); xi_c at dps d agrees with the dps-60 value in its first d - 2 digits.
"""
from __future__ import annotations

import time
from fractions import Fraction

import mpmath
import pytest

from theorycheck.symbolic import mpquad
from theorycheck.symbolic.registry import get, load_all
from theorycheck.verify.formulas import evaluate_mpmath

load_all()
DPS = (20, 40, 60)
RHO, Q = Fraction(1, 2), Fraction(1)


def _mpf(x: Fraction):
    return mpmath.mpf(x.numerator) / x.denominator


def _rule():
    return mpquad.expect2_products([(mpmath.tanh, mpmath.tanh)], _mpf(Q), _mpf(Q), _mpf(RHO),
                                   mpmath.pi / 2, mpmath.pi / 2)[0]


def _nested():
    s = mpmath.sqrt(_mpf(Q))
    r = _mpf(RHO)
    c = mpmath.sqrt(1 - r * r)
    pts = [-mpmath.inf, -2, 0, 2, mpmath.inf]

    def inner(x):
        return mpmath.quad(lambda y: mpmath.tanh(s * (r * x + c * y)) * mpmath.exp(-y * y / 2), pts)

    return mpmath.quad(lambda x: mpmath.tanh(s * x) * inner(x) * mpmath.exp(-x * x / 2), pts) / (2 * mpmath.pi)


@pytest.mark.parametrize("dps", DPS)
def test_bench_expect2_tanh(benchmark, dps):
    def run():
        with mpmath.workdps(dps):
            return _rule()

    val = benchmark.pedantic(run, rounds=3, iterations=1)
    with mpmath.workdps(dps):
        t0 = time.perf_counter()
        ref = _nested()
        t_nested = time.perf_counter() - t0
        assert abs(val - ref) <= mpmath.mpf(10) ** (3 - dps)
    t_rule = benchmark.stats.stats.min
    benchmark.extra_info.update({"dps": dps, "s_per_point_rule": t_rule, "s_per_point_nested_quad": t_nested,
                                 "ratio": t_nested / t_rule})
    print(f"\n2-D tanh expectation at dps {dps}: rule {t_rule:.4f} s, nested mpmath.quad {t_nested:.3f} s, "
          f"ratio {t_nested / t_rule:.1f}")


@pytest.mark.parametrize("dps", DPS)
def test_bench_xi_c_tanh(benchmark, dps):
    f = get("meanfield.xi_c.tanh")
    vals = {"sw2": Fraction(4), "sb2": Fraction(1, 20)}
    val = benchmark.pedantic(lambda: evaluate_mpmath(f, vals, dps), rounds=1, iterations=1)
    ref = evaluate_mpmath(f, vals, 60) if dps != 60 else val
    with mpmath.workdps(dps):
        assert abs(val - ref) <= mpmath.mpf(10) ** (2 - dps) * abs(ref)
    benchmark.extra_info.update({"dps": dps, "s_per_point": benchmark.stats.stats.min})
    print(f"\nmeanfield.xi_c.tanh at dps {dps}: {benchmark.stats.stats.min:.2f} s")
