"""Infinite-width map quantities of Theorem 1 / Theorem 2 (shared by the ICLR 2022 sections; not a section).

Notation (Appendix A.1): identical layers P with ratio r = sigma_b^2/sigma_w^2; p_l = P^l(0), rho_l^min =
min over rho_0 in [-1, 1] of P^l(rho_0) = P^l(-1) (C[phi|.] is non-decreasing on [-1, 1] for the monotone
activations used: d C[phi|rho]/d rho = C[phi'|rho] >= 0 because phi' >= 0), rho_max = max_{1<=l<=L} rho_l^min,
p_max = max_{1<=l<=L} p_l; (P^L)'(1) = P'(1)^L (chain rule at the fixed point 1), the infinite-width squared
Jacobian norm of (A.1) / Remark 4; T = ||phi - bar phi||_N^2 / ||phi'||_N^2 the per-layer term of Theorem 1.
All 1 - rho quantities come from numeric/layernorm.py (no cancellation).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import gaussian as G
from theorycheck.numeric import layernorm as N
from theorycheck.verify.claims.iclr2022 import _common as K

# (label, act, a, regime); r is derived from the regime (critical ratio of Appendix B for erf / tanh; 0 for
# (leaky) ReLU, whose P'(1) = C(1)/(r + C(1)) <= 1: never chaotic under layer normalization)
SETTINGS = (
    ("relu-critical", "relu", None, "critical"),
    ("relu-ordered", "relu", None, "ordered"),
    ("leaky0.2-critical", "leaky_relu", 0.2, "critical"),
    ("leaky0.5-critical", "leaky_relu", 0.5, "critical"),
    ("leaky0.5-ordered", "leaky_relu", 0.5, "ordered"),
    ("erf-critical", "erf", None, "critical"),
    ("erf-ordered", "erf", None, "ordered"),
    ("erf-chaotic", "erf", None, "chaotic"),
    ("tanh-critical", "tanh", None, "critical"),
    ("tanh-ordered", "tanh", None, "ordered"),
    ("tanh-chaotic", "tanh", None, "chaotic"),
)


def r_of(act, regime):
    """r = sigma_b^2/sigma_w^2: critical r_c, ordered 4 r_c (ReLU family: 0.3), chaotic r_c / 4."""
    if act in ("relu", "leaky_relu"):
        if regime == "chaotic":
            raise ValueError("(leaky) ReLU under layer normalization is never chaotic")
        return 0.0 if regime == "critical" else 0.3
    rc = K.critical_ratio(act)
    return {"critical": rc, "ordered": 4 * rc, "chaotic": rc / 4}[regime]


def norms(act, a=None):
    """(||phi||^2, ||phi'||^2, ||phi - bar phi||^2) at unit variance."""
    if act == "relu":
        return 0.5, 0.5, (math.pi - 2) / (4 * math.pi)
    if act == "leaky_relu":
        return 0.5 * (1 + a * a), 0.5 * (1 + a * a), (math.pi - 2) * (1 - a) ** 2 / (4 * math.pi)
    if act == "erf":
        return float(G.norm2_erf()), float(G.dnorm2_erf()), float(G.linerr2_erf())
    return float(G.norm2_tanh()), float(G.dnorm2_tanh()), float(G.linerr2_tanh())


def term(act, a=None):
    """T = ||phi - bar phi||^2 / ||phi'||^2."""
    n2, d2, l2 = norms(act, a)
    return l2 / d2


def slope1(act, r, a=None):
    """P'(1) = ||phi'||^2 / (r + ||phi||^2)."""
    n2, d2, _ = norms(act, a)
    return d2 / (r + n2)


def delta(act, L, rho0, r, a=None):
    args = (L, rho0, r) + (() if a is None else (a,))
    return np.asarray(N.one_minus_rho(act, *args), dtype=float)


class Chain:
    """Map quantities for one setting over depths 1..Lmax (vectorized over depth)."""

    def __init__(self, act, a, r, Lmax):
        self.act, self.a, self.r, self.Lmax = act, a, r, Lmax
        tr = N.trajectory(act, Lmax, np.array([0.0, -1.0]), r, a)
        self.q = tr[:, 0]      # 1 - p_l, l = 0..Lmax
        self.dmin = tr[:, 1]   # 1 - rho_l^min
        self.s1 = slope1(act, r, a)
        self.T = term(act, a)

    def one_minus_rho_max(self, L):
        return float(self.dmin[1:L + 1].min())

    def one_minus_p_max(self, L):
        return float(self.q[1:L + 1].min())

    def log_jac2(self, L):
        """log (P^L)'(1) = L log P'(1)."""
        return L * math.log(self.s1)

    def thm1_rhs(self, L):
        """(1 - rho_max)^2 / 8 * L T (L nonlinear layers)."""
        return self.one_minus_rho_max(L) ** 2 / 8 * L * self.T

    def layer_excess(self, L, tol=1e-15):
        """e(P~_l), l = 1..L: one layer cropped to [p_{l-1}, 1] (eq. (A.2)); P~(1 - t) = t reads
        delta_step((1 - p_{l-1}) t) = (1 - p_l)(1 - t), solved by bisection on t in (0, 1/2] (vectorized)."""
        qprev, qcur = self.q[:L], self.q[1:L + 1]
        lo, hi = np.zeros(L), np.full(L, 0.5)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            f = N.delta_step(self.act, qprev * mid, self.r, self.a) - qcur * (1 - mid)
            lo, hi = np.where(f < 0, mid, lo), np.where(f < 0, hi, mid)
            if np.all(hi - lo <= tol * hi):
                break
        t = 0.5 * (lo + hi)
        return (1 - 2 * t) / t
