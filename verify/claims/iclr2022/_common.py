"""Helpers shared by the sections of the ICLR 2022 package (not a section: imported within the package only).

* the layer-normalized correlation map P of eq. (2.3) at unit variances and its derivatives at 1;
* the fixed point rho_fp of P in the chaotic regime (numeric.fixed_point's safeguarded Newton, :func:`rho_fp_newton`);
* condition numbers of mpmath references (for the ``conditioned`` tolerance rule);
* the finite-width simulation harness of section 2.2 / Fig. 1 (a layer-normalized erf network).

Network, eq. (2.1) (reconstructed from the garbled text): y^(l)_i = (1/sqrt(N)) sum_j W^(l)_ij
phi_l(z^(l-1)_j) + b^(l)_i with Var W = sigma_w^2, Var b = sigma_b^2; z^(l) = sqrt(N) y^(l)/|y^(l)|
(layer normalization without centering, footnote 3); phi_1(x) = x (the "embedding" layer).  In the
harness (numeric/propagation.py): sw2 = sigma_w^2, sb2 = sigma_b^2, layernorm=True,
linear_first=True; inputs with |z^(0)|^2/N = 1 and cosine rho_0.  rho_l, eq. (2.2), is the cosine of
the preactivations (= of the y's).  Infinite width, eq. (2.3): rho_l = P(rho_{l-1}) with
P(rho) = (sigma_b^2 + sigma_w^2 C[phi|rho]) / (sigma_b^2 + sigma_w^2 C[phi|1]) and, at the linear first
layer, C[id|rho] = rho.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np

from theorycheck.numeric import fixed_point as FP
from theorycheck.numeric import gaussian as G
from theorycheck.numeric.gaussian import NUMPY
from theorycheck.verify import propagation_checks as MF

CITE = "ICLR 2022 submission"  # how the claims cite the paper
SRC = "ICLR 2022 submission (gradient explosion and representation shrinkage)"


# ----------------------------------------------------------------------------------------------
# The correlation map of eq. (2.3) / (2.4)
def pmap(act, r, sw2, sb2, a=None):
    """P(r) and P'(r) of eq. (2.3) with unit variances (layer normalization), vectorized over r."""
    A = FP.Activation(act, NUMPY, a)
    one = np.float64(1.0)
    den = sb2 + sw2 * A.m2(one)
    rr = np.asarray(r, dtype=float)
    return (sb2 + sw2 * A.C(rr, one)) / den, sw2 * A.D(rr, one) / den


def higher_norms(act):
    """||phi''||_N^2 and ||phi'''||_N^2 (so P''(1) = sw2 ||phi''||^2 / den, P'''(1) likewise).

    erf: erf^(k)(x) = (2/sqrt(pi)) d^(k-1) e^(-x^2), Gaussian integrals in closed form; tanh: by the
    trapezoid rule of numeric/gaussian.py (tanh'' = -2 t (1 - t^2), tanh''' = -2 (1 - t^2)(1 - 3 t^2))."""
    if act == "erf":
        return 16 / (5 * math.sqrt(5) * math.pi), 16 * 17 / (25 * math.sqrt(5) * math.pi)
    d2 = float(G.expect(lambda z: (lambda t: (2 * t * (1 - t * t)) ** 2)(np.tanh(z)), 1.0))
    d3 = float(G.expect(lambda z: (lambda t: (2 * (1 - t * t) * (1 - 3 * t * t)) ** 2)(np.tanh(z)), 1.0))
    return d2, d3


def critical_ratio(act):
    """sigma_b^2 / sigma_w^2 = ||phi'||_N^2 - ||phi||_N^2 at which P'(1) = 1 (Appendix B for erf)."""
    return float(FP.critical_ratio_erf() if act == "erf" else FP.critical_ratio_tanh())


def rho_fp_newton(act, sw2, sb2):
    """The fixed point rho_fp < 1 of P in the chaotic regime (P'(1) > 1), by the safeguarded Newton solver
    of numeric.fixed_point (``bracketed_fixed_point``) on [0, 1] from 0.

    P is convex with P(0) >= 0 and P'(1) > 1 (Observation 1), so P(rho) > rho on [0, rho_fp) and
    P(rho) < rho on (rho_fp, 1): the bracket holds the wanted root and Newton from 0 increases to it.
    """
    slope1 = float(pmap(act, 1.0, sw2, sb2)[1])
    if not slope1 > 1:
        raise ArithmeticError(f"rho_fp_newton({act}, sw2={sw2}, sb2={sb2}): P'(1) = {slope1!r} is not > 1 "
                              "(not chaotic): the attracting fixed point is rho = 1")
    res = FP.bracketed_fixed_point(lambda c: pmap(act, c, sw2, sb2), 0.0, 1.0, 0.0).raise_if_diverged(
        f"rho_fp({act}, sw2={sw2}, sb2={sb2})")
    return float(res.value)


# ----------------------------------------------------------------------------------------------
# Condition numbers of mpmath references
def mp_condition(fn, args, dps=40):
    """cond = max_i |x_i d f/d x_i / f| at ``args`` (mpmath derivatives at ``dps`` digits); 0 without args."""
    if not args:
        return 0.0
    with mpmath.workdps(dps):
        xs = [mpmath.mpf(x) for x in args]
        f0 = fn(*xs)
        worst = mpmath.mpf(0)
        for i, xi in enumerate(xs):
            if xi == 0:
                continue

            def part(t, i=i):
                ys = list(xs)
                ys[i] = t
                return fn(*ys)

            worst = max(worst, abs(xi * mpmath.diff(part, xi) / f0))
        return float(worst)


# ----------------------------------------------------------------------------------------------
# Finite-width simulation harness (erf, sigma_w^2 = 1)
ACT = "erf"
SW2 = 1.0


def critical_sb2() -> float:
    """sigma_b^2 at sigma_w^2 = 1 for P'(1) = 1 (Appendix B's critical ratio of erf)."""
    return critical_ratio(ACT) * SW2


def sim_regime_sb2(regime: str) -> float:
    """sigma_b^2 at sigma_w^2 = 1: P'(1) decreases with sigma_b^2, so more bias is more ordered.
    Ordered 4 r_c, critical r_c, chaotic r_c / 4 (so that 0 < rho_fp < 1)."""
    crit = critical_sb2()
    return {"ordered": 4 * crit, "critical": crit, "chaotic": crit / 4}[regime]


def theory(rho0: float, sb2: float, depth: int) -> np.ndarray:
    """rho_0, ..., rho_L of eq. (2.3) (linear first layer, then erf)."""
    return MF.c_trajectory(ACT, 1.0, rho0, SW2, sb2, depth, layernorm=True, linear_first=True)


def delta_bias(traj: np.ndarray, var: np.ndarray, sb2: float) -> np.ndarray:
    """Delta-method O(1/N) bias bound along the trajectory (curvature of P), see verify/propagation_checks.py."""
    return MF.delta_method_bias(lambda x: MF.c_step(ACT, x, 1.0, SW2, sb2, layernorm=True), traj, var,
                                vectorized=True)


def simulate(ctx, width, depth, sb2, rho0s, offset, n_nets=None):
    """n_nets (default ctx.sizes['n_nets']) layer-normalized erf networks, seeds from (ctx.seed, offset)."""
    n = int(ctx.sizes["n_nets"] if n_nets is None else n_nets)
    return MF.simulate(ACT, int(width), int(depth), SW2, sb2, 1.0, tuple(rho0s), n,
                       MF.seed_for(ctx, offset), layernorm=True, linear_first=True, device=ctx.device)
