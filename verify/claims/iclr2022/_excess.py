"""Excess convexity of Appendix A.3 for plain callables, random test functions, and the statements of Properties
1-8 as predicates (shared by app_a3_excess_convexity.py, app_a2 and tests/test_iclr2022_excess.py; not a section).

Test functions g: [0, 1] -> [0, 1], non-decreasing, convex, g(0) = 0, g(1) = 1:
* cropped power series (Property 6): h(x) = sum_k c_k x^k with c_k >= 0, g(s) = (h(a + (b-a)s) - h(a))/(h(b) - h(a));
* cropped Gaussian covariances (Property 7): g(t) = (C[f|r + (1-r)t] - C[f|r])/(C[f|1] - C[f|r]).
e(g) = 1/t - 2, g(1 - t) = t, by bisection in float64 to 1e-15 relative (numeric.layernorm.excess_convexity_of).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import layernorm as N


def excess(g):
    return N.excess_convexity_of(g, 1e-15)


class PowerSeries:
    """h(x) = sum c_k x^k (c_k >= 0) cropped to [a, b] (0 <= a < b <= 1)."""

    def __init__(self, coeffs, a=0.0, b=1.0):
        self.c = np.asarray(coeffs, float)
        self.a, self.b = float(a), float(b)
        self.ha, self.hb = self.h(self.a), self.h(self.b)

    def h(self, x):
        return np.polynomial.polynomial.polyval(x, self.c)

    def dh(self, x):
        return np.polynomial.polynomial.polyval(x, np.polynomial.polynomial.polyder(self.c))

    def __call__(self, s):
        return (self.h(self.a + (self.b - self.a) * s) - self.ha) / (self.hb - self.ha)

    def d1(self):
        """g'(1)."""
        return (self.b - self.a) * self.dh(self.b) / (self.hb - self.ha)

    def prop6_rhs(self):
        """(b-a)^2/(h(b)-h(a)) sum_{k>=2} c_k b^(k-2)."""
        k = np.arange(self.c.size)
        s = float(np.sum(self.c[2:] * self.b ** (k[2:] - 2)))
        return (self.b - self.a) ** 2 / (self.hb - self.ha) * s

    def nonlinear(self):
        return bool(np.any(self.c[2:] > 0)) and self.hb > self.ha


def random_series(rng, max_degree=8):
    """A random non-negative power series (degree 2..max_degree, some zero coefficients) on a random [a, b]."""
    deg = int(rng.integers(2, max_degree + 1))
    c = rng.exponential(1.0, deg + 1) * (rng.random(deg + 1) < 0.7)
    c[int(rng.integers(2, deg + 1))] += rng.exponential(1.0) + 1e-3  # at least one nonlinear term
    a = float(rng.uniform(0, 0.9)) if rng.random() < 0.7 else 0.0
    b = float(rng.uniform(a + 0.05, 1.0)) if rng.random() < 0.5 else 1.0
    return PowerSeries(c, a, b)


def pl_bound(x, C):
    """Property 1's piecewise-linear majorant for e(g) >= C: x/(1+C) below 1 - 1/(2+C), (1+C)x - C above."""
    x = np.asarray(x, float)
    knee = 1 - 1 / (2 + C)
    return np.where(x <= knee, x / (1 + C), (1 + C) * x - C)


def compose(g2, g1):
    return lambda s: g2(g1(s))


def mix(p, g):
    return lambda s: p * s + (1 - p) * g(s)


# Hermite-based Gaussian covariance crops: C[f|rho] = sum_k f_k^2 rho^k (Mehler), truncated where the tail is
# below 1e-17 of ||f||^2 (erf's coefficients decay geometrically; relu's as k^-3/2 -- the closed form is used)
def gauss_crop(act, r):
    from theorycheck.numeric import layernorm as NL
    if act in ("relu", "erf"):
        c1 = NL.c_one(act)

        def C(rho):
            rho = np.asarray(rho, float)
            return c1 - np.asarray(NL._gap(act, NL._NP, 1.0 - rho))

        cr = C(r)
        return (lambda t: (C(r + (1 - r) * np.asarray(t, float)) - cr) / (c1 - cr)), c1 - cr
    raise ValueError(act)
