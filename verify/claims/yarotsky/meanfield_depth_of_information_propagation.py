"""Yarotsky's lecture, "Depth of information propagation" (exercises, after Schoenholz et al. 2017):
Delta q_{k+1} = a Delta q_k with a = chi_1 + alpha_w^2 int sigma''(sqrt(q*) s) sigma(sqrt(q*) s) Ds,
xi_q = -1/ln a; Delta c_{k+1} = b Delta c_k with b = P'(c*) (b = chi_1 when c* = 1), xi_c = -1/ln b.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; nu = the q-map; q* its stable fixed point; P = the
correlation map C~_{q*}; a = nu'(q*), b = P'(c*).

Reading (no erratum): the lecture's sigma''(sqrt(q^* s)) in the definition of a is taken as
sigma''(sqrt(q*) s), the only reading consistent with a = nu'(q*) (check ``a-is-nu-prime-erf``).
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp

from theorycheck.numeric import fixed_point as FP
from theorycheck.numeric.gaussian import expect
from theorycheck.symbolic import meanfield as SM
from theorycheck.symbolic.registry import get
from theorycheck.verify.claims.yarotsky._common import K_QUAD, SRC, log_condition, rel_error_outcome
from theorycheck.verify.formulas import evaluate_mpmath, generated_function
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, conditioned, digits, remainder

s_, sw2 = sp.Symbol("s", real=True), SM.sw2
Ds = sp.exp(-s_**2 / 2) / sp.sqrt(2 * sp.pi)

CD = claim(
    "yarotsky/depth-scales",
    "Delta q_{k+1} = a Delta q_k + O(Delta q_k^2) with a = chi_1 + alpha_w^2 int sigma''(sqrt(q*) s) "
    "sigma(sqrt(q*) s) Ds, so Delta q_k ~ e^{-k/xi_q}, xi_q = -1/ln a; Delta c_{k+1} = b Delta c_k with "
    "b = alpha_w^2 int sigma'(u1) sigma'(u2) Ds1 Ds2 (b = chi_1 when c* = 1), xi_c = -1/ln b.",
    f"{SRC}, 'Depth of information propagation' (exercises; Schoenholz et al. 2017)",
)


@CD.exact("a-is-nu-prime-erf")
def _(ctx):
    """nu'(q) - [chi1 + sw2 E[erf''(sqrt(q) s) erf(sqrt(q) s)]] for erf, all three by SymPy (closed-form
    q-map differentiated, the two Gaussian integrals evaluated symbolically): must simplify to 0."""
    q = sp.Symbol("q", positive=True)
    nu = SM.QMAP["erf"].subs(SM.q, q)
    f = sp.erf(sp.sqrt(q) * s_)
    # sigma'(sqrt(q) s) = d/ds f / sqrt(q);  sigma''(sqrt(q) s) = d2/ds2 f / q
    chi = sw2 * sp.integrate((sp.diff(f, s_) / sp.sqrt(q)) ** 2 * Ds, (s_, -sp.oo, sp.oo))
    extra = sw2 * sp.integrate(sp.diff(f, s_, 2) / q * f * Ds, (s_, -sp.oo, sp.oo))
    return Outcome.symbolic(sp.simplify(sp.diff(nu, q) - chi - extra), "nu'(q) - [chi1 + sw2 E[erf'' erf]] for erf")


_A_DPS, _A_CONFIRM = 20, 25


def _a_pair(w, b, dps):
    """(a from the lecture's formula, nu'(q*) by mpmath.diff) at ``dps`` digits, tanh."""
    with mpmath.workdps(dps):
        qs = SM.mp_qstar("tanh", w, b)
        chi = w * SM.mp_expect(lambda z: 1 / mpmath.cosh(z) ** 4, qs)
        extra = w * SM.mp_expect(lambda z: -2 * mpmath.tanh(z) ** 2 / mpmath.cosh(z) ** 2, qs)
        a_diff = mpmath.diff(lambda qq: w * SM.mp_expect(lambda z: mpmath.tanh(z) ** 2, qq) + b, qs)
        return chi + extra, a_diff


@CD.precise("a-formula-and-xi-q-rate")
def _(ctx):
    """The lecture's a = chi1 + sw2 E[tanh''(sqrt(q*) s) tanh(sqrt(q*) s)] vs nu'(q*) by mpmath.diff,
    tanh, three (sw2, sb2) points, both at 20 digits and each confirmed at 25 digits: digits(16, 20, 25)
    for the agreement and for each confirmation (all must hold).  The detail also reports the measured
    one-step ratio of Delta q in float64 (not compared)."""
    tol = digits(16, _A_DPS, _A_CONFIRM, "lecture formula a vs mpmath.diff of nu at q* (tanh-sinh quadratures)")
    outs, det = [], []
    for w, b in ((1.5, 0.05), (3.0, 0.3), (0.8, 0.2)):
        a_lect, a_diff = _a_pair(w, b, _A_DPS)
        c_lect, c_diff = _a_pair(w, b, _A_CONFIRM)
        outs += [Outcome.bound(float(abs(a_lect - a_diff)), tol, name=f"|a - nu'(q*)| at sw2={w}, sb2={b}"),
                 Outcome.bound(float(abs(a_lect - c_lect)), tol, name=f"|a(20) - a(25 digits)| at sw2={w}, sb2={b}"),
                 Outcome.bound(float(abs(a_diff - c_diff)), tol, name=f"|nu'(20) - nu'(25 digits)| at sw2={w}, sb2={b}")]
        q0 = float(FP.qstar_tanh(w, b))
        qk = q0 * (1 + 1e-3)
        ratio = (float(FP.qmap("tanh", qk, w, b)) - q0) / (qk - q0)
        det.append(f"sw2={w}, sb2={b}: a (lecture) = {float(a_lect):.12f}, nu'(q*) = {float(a_diff):.12f}, "
                   f"measured Delta q ratio {ratio:.8f}, xi_q = {float(FP.xi_q_tanh(w, b)):.6f}")
    return Outcome.all_of(outs, "; ".join(det))


# (formula id, arguments, number of quadrature-evaluated quantities the kernel combines)
_XI_CASES = (("meanfield.xi_q.tanh", {"sw2": 1.5, "sb2": 0.05}, 2), ("meanfield.xi_c.tanh", {"sw2": 1.5, "sb2": 0.05}, 3),
             ("meanfield.xi_q.erf", {"sw2": 1.5, "sb2": 0.05}, 2), ("meanfield.xi_c.erf", {"sw2": 3.0, "sb2": 0.1}, 3),
             ("meanfield.chi1.tanh", {"sw2": 2.5, "sb2": 0.2}, 2), ("meanfield.critical_sw2.erf", {"sb2": 0.3}, 3),
             ("meanfield.critical_sw2.tanh", {"sb2": 0.05}, 3))


@CD.precise("xi-formulas-vs-mpmath")
def _(ctx):
    """Seven float64 kernels (xi_q, xi_c, chi1, critical sw2; tanh by quadrature, erf by closed forms)
    vs their mpmath implementations (findroot on tanh-sinh quadratures, 16 digits confirmed at higher
    precision by evaluate_mpmath).  Tolerance per formula: conditioned(cond, k), cond = max over the
    inputs of |x d ln f / d x| (central differences of the kernel).  Every quantity the kernel obtains by
    quadrature (or closed form) enters multiplied by sw2 (nu = sw2 E + sb2, chi1 = sw2 E', P = (sw2 C +
    sb2)/q*), so its relative error (<= K_QUAD eps) acts as a relative perturbation of sw2 in one place
    and moves f by at most (1 + cond) times that; with n such quantities k = n K_QUAD (1 + cond) + 16
    (the final log/reciprocal and the root solver's 4-eps stopping test)."""
    outs = []
    for fid, args, n_quad in _XI_CASES:
        f = get(fid)
        kern = generated_function(f, "numpy")
        names = [p.name for p in f.params]
        ref = float(evaluate_mpmath(f, {k: Fraction(v) for k, v in args.items()}, 16))
        got = float(kern(*[args[n] for n in names]))
        cond = log_condition(lambda **kw: kern(*[kw[n] for n in names]), {n: args[n] for n in names})
        outs.append(rel_error_outcome(ref, got, conditioned(cond, n_quad * K_QUAD * (1 + cond) + 16, f"{fid} at {args}"),
                                      f"{fid}{args}"))
    return Outcome.all_of(outs, f"{len(outs)} formulas")


@CD.precise("xi-c-chaotic-rate")
def _(ctx):
    """In the chaotic phase c_k -> c* < 1 with ratio b = P'(c*); measured from one step of the map at
    c* + 1e-4 vs the solver's slope b.  Tolerance: Taylor remainder |ratio - b| <= P''(1) |dc|/2
    (P'' non-decreasing, P a power series with non-negative coefficients) plus the rounding of the
    difference quotient, 64 eps / 1e-4."""
    w, b = 2.5, 0.1
    res = FP.solve_cstar("tanh", w, b).raise_if_diverged()
    cs, bb = float(res.value), float(res.slope)
    c = cs + 1e-4
    cn, _ = FP.correlation_map("tanh", c, w, b)
    ratio = (float(cn) - cs) / 1e-4
    # |ratio - b| <= max|P''| * 1e-4 / 2 <= P''(1) 1e-4 / 2, P''(1) = sw2 q* E[tanh''(sqrt q* s)^2]
    qs = float(FP.qstar_tanh(w, b))
    p2 = w * qs * float(expect(lambda z: (lambda t: (2 * t * (1 - t * t)) ** 2)(np.tanh(z)), qs))
    bound = p2 * 1e-4 / 2 + 64 * EPS / 1e-4
    return Outcome.bound(abs(ratio - bb), remainder(bound, why="Taylor remainder P''(1) |dc|/2 (P'' non-decreasing)"),
                         f"c* = {cs:.12f}, b = P'(c*) = {bb:.10f}, measured ratio {ratio:.10f}, xi_c = {-1 / math.log(bb):.6f}",
                         name="|one-step ratio - b|")


@CD.precise("xi-c-undefined-ordered-sb2-zero")
def _(ctx):
    """Where the lecture's Delta c_{k+1} = b Delta c_k does not apply: at alpha_h^2 = 0 in the ordered phase
    q_k -> q* = 0, and c_k does not relax geometrically, so no depth scale xi_c exists and the suite refuses
    ``meanfield.xi_c`` there (numpy, torch and mpmath).  Shown on the joint (q, c) iteration
    (numeric.fixed_point.correlation_trajectory, q_k not held at q*):

    * ReLU, sigma_w^2 = 1.5 (chi_1 = 0.75): the correlation map is c -> (sqrt(1 - c^2) + (pi - arccos c) c)/pi
      at every q, whose expansion at c = 1 is 1 - c' = (1 - c) - (2 sqrt 2/(3 pi)) (1 - c)^{3/2} + ..., so
      1 - c_k ~ (9 pi^2/2)/k^2: a power law.  Criterion: (1 - c_2000)/(1 - c_1000) lies between 1/8 and 1/2
      (a power law k^-p with 1 < p < 3; p = 2 gives 1/4), whereas a geometric rate chi_1 would give
      0.75^1000 ~ 1e-125;
    * tanh, sigma_w^2 = 0.5: c_k freezes at a start-dependent value (q_k -> 0 linearizes the network):
      from c_0 = 0.2 and 0.6 the values at k = 400 and 800 agree to rounding (16 eps) but the two limits
      differ by more than 0.3, so there is no common fixed point approached at a rate.
    """
    from theorycheck.numeric import DomainError
    from theorycheck.verify.formulas import evaluate
    from theorycheck.verify.tolerances import criterion

    refused = 0
    for backend in ("numpy", "torch", "mpmath"):
        for act in ("relu", "tanh"):
            try:
                evaluate(f"meanfield.xi_c.{act}", {"sw2": "1.5" if act == "relu" else "0.5", "sb2": "0"},
                         backend=backend, dps=20)
            except DomainError:
                refused += 1
    _, c = FP.correlation_trajectory("relu", 1.5, 0.0, 0.5, 2000)
    ratio = float((1 - c[2000]) / (1 - c[1000]))
    _, ct = FP.correlation_trajectory("tanh", 0.5, 0.0, np.array([0.2, 0.6]), 800)
    frozen = float(np.max(np.abs(ct[800] - ct[400])))
    spread = float(ct[800][1] - ct[800][0])
    return Outcome.criterion(
        [("xi_c refusals (2 activations x 3 backends)", refused, "==", 6),
         ("relu (1 - c_2000)/(1 - c_1000)", ratio, ">=", 0.125),
         ("relu (1 - c_2000)/(1 - c_1000) ", ratio, "<=", 0.5),
         ("tanh max |c_800 - c_400|", frozen, "<=", 16 * EPS),
         ("tanh c_800(c0=0.6) - c_800(c0=0.2)", spread, ">=", 0.3)],
        criterion(0.5, "a power law of exponent 1 < p < 3 brackets (1-c_2000)/(1-c_1000) in [1/8, 1/2]; a geometric "
                       "rate chi_1 = 0.75 would give 1e-125; frozen tanh correlations agree to 16 eps"),
        detail=f"relu: (1-c_2000)/(1-c_1000) = {ratio:.4f} (power law k^-2: 0.25), 2000^2 (1 - c_2000) = "
               f"{2000**2 * (1 - c[2000]):.3f} (9 pi^2/2 = {9 * math.pi**2 / 2:.3f}); tanh: c_800 = {ct[800].tolist()}, "
               f"|c_800 - c_400| <= {frozen:.1e}; xi_c refused by {refused}/6 backend-activation pairs",
    )
