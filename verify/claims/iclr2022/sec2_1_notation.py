"""ICLR 2022 submission, section 2.1 "Notation": normalized Hermite expansions, the Gaussian covariance
C[phi|rho] = sum_k phi_k^2 rho^k (E[h_k(x) h_j(y)] = delta_kj rho^k), the linearization
phi_bar = phi_0 + phi_1 x, with the closed forms of Appendix B for ReLU, leaky ReLU and erf.

Errata: none.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from theorycheck.numeric import gaussian as G
from theorycheck.symbolic import gauss as SG
from theorycheck.verify.claims.iclr2022._common import CITE
from theorycheck.verify.references import rel_err
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import conditioned, quadrature, remainder

rho, x, a = SG.rho, SG.x, SG.a
_LGAMMA_ULPS = 4  # glibc's lgamma (double) is within 4 ulps (libm-test-ulps); exp, log, products within 1


def series_coeffs(expr, n):
    """Taylor coefficients of expr in rho at 0, orders 0..n-1 (exact)."""
    ser = sp.expand(sp.series(expr, rho, 0, n).removeO())
    return [ser.coeff(rho, kk) for kk in range(n)]


# ----------------------------------------------------------------------------------------------
CH = claim(
    "iclr2022/hermite-coefficients",
    "The normalized Hermite coefficients phi_k = E[phi(Z) h_k(Z)], h_k = He_k/sqrt(k!), of ReLU, leaky ReLU "
    "and erf have the closed forms of symbolic/gauss.py, and phi_bar = phi_0 + phi_1 x is the linear part "
    "(Appendix B: LReLU_bar = (1-a)/sqrt(2 pi) + (1+a)/2 x, erf_bar = 2/sqrt(3 pi) x).",
    f"{CITE}, section 2.1 and Appendix B",
)


@CH.exact("relu-leaky-by-integration")
def _(ctx):
    """SymPy integral of x h_k(x) phi(x) over (0, oo) (ReLU) and its leaky combination a x + (1-a) ReLU(x)
    against the closed forms, k = 0..8, and Appendix B's linear part of LReLU_a; exact residual 0."""
    res = sp.Integer(0)
    for kk in range(0, 9):
        h = SG.hermite_normalized(kk)
        integral = sp.integrate(x * h * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi), (x, 0, sp.oo))
        res += sp.simplify(integral - SG.hermite_coeff_closed("relu", kk)) ** 2
        # leaky ReLU: a x + (1-a) ReLU(x); E[x h_k] = [k == 1]
        lin = sp.integrate(x * h * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi), (x, -sp.oo, sp.oo))
        res += sp.simplify(a * lin + (1 - a) * integral - SG.hermite_coeff_closed("leaky_relu", kk)) ** 2
    lin_res = sp.simplify(SG.hermite_coeff_closed("leaky_relu", 0) + SG.hermite_coeff_closed("leaky_relu", 1) * x
                          - SG.PRINTED_B["linear_leaky_relu"])
    return Outcome.symbolic(sp.simplify(res + lin_res**2),
                            "SymPy integral of x h_k(x) phi(x) over (0, oo) vs closed form, k = 0..8; "
                            "Appendix B's linear part of LReLU_a")


@CH.exact("erf-by-stein")
def _(ctx):
    """Stein's lemma E[f(Z) He_k(Z)] = E[f^(k)(Z)] with the k-th derivative of erf (a polynomial times
    e^(-x^2)) integrated by SymPy, k = 0..9, against the closed form; and erf_bar; exact residual 0."""
    res = sp.Integer(0)
    for kk in range(0, 10):
        if kk == 0:
            val = sp.Integer(0)  # erf is odd
        else:
            d = sp.diff(sp.erf(x), x, kk)
            val = sp.integrate(d * sp.exp(-x**2 / 2) / sp.sqrt(2 * sp.pi), (x, -sp.oo, sp.oo))
        res += sp.simplify(val / sp.sqrt(sp.factorial(kk)) - SG.hermite_coeff_closed("erf", kk)) ** 2
    lin = sp.simplify(SG.hermite_coeff_closed("erf", 1) * x - SG.PRINTED_B["linear_erf"])
    return Outcome.symbolic(sp.simplify(res + lin**2),
                            "E[erf^(k)(Z)]/sqrt(k!) by SymPy integration vs closed form, k = 0..9; erf_bar")


def _log_terms(act, kk):
    """The summands x_i of log|phi_k| in numeric/gaussian.py's closed forms, with the ulps u_i of the call
    producing each (lgamma: 4; m ln 2, m ln 3: 1)."""
    if act == "relu":
        m = kk - 2
        return [(math.lgamma(m + 1), _LGAMMA_ULPS), (m / 2 * math.log(2), 1), (math.lgamma(m / 2 + 1), _LGAMMA_ULPS),
                (0.5 * math.lgamma(kk + 1), _LGAMMA_ULPS)]
    m = (kk - 1) // 2
    return [(math.lgamma(2 * m + 1), _LGAMMA_ULPS), (m * math.log(3), 1), (math.lgamma(m + 1), _LGAMMA_ULPS),
            (0.5 * math.lgamma(kk + 1), _LGAMMA_ULPS)]


@CH.precise("float64-vs-mpmath")
def _(ctx):
    """numeric/gaussian.py's float64 phi_k against mpmath at 30 digits: relu and erf for k <= 40 (closed
    forms), tanh at odd k = 1, 3, 9, 21, 39 (quadrature); the worst relative error per activation.

    Tolerances, rule ``conditioned`` at the worst k.  Closed forms: phi_k = exp(sum_i x_i) / const, the x_i
    being lgamma values and m ln 2 (m ln 3); an absolute error u_i eps |x_i| in x_i is a relative error
    of exp, so cond = sum_i u_i |x_i| (u_i = 4 ulps for lgamma, glibc's bound, 1 otherwise) and k = 16
    (exp, the final product/division and the sign, within 1 ulp each, doubled).  tanh: the trapezoid sum
    sum_j w_j h_k(z_j) tanh(z_j); its condition number is sum_j |w_j h_k tanh| / |phi_k| <=
    ||tanh||_N / |phi_k| (Cauchy-Schwarz, E h_k^2 = 1), plus 1 for the documented discretization and
    tail error of numeric/gaussian.py's rule at 20 digits for this kernel (1e-22 of the integrand's
    scale, below one unit of eps); k = 3 kmax (three roundings per step of the Hermite recurrence) +
    n (worst-case rounding of the n-node sum) + 4.
    """
    ks = np.arange(0, 41)
    outs = []
    for act in ("relu", "erf"):
        got = getattr(G, f"hermite_coeff_{act}")(ks)
        worst, cond, at = 0.0, 0.0, 0
        for kk in range(0, 41):
            with mpmath.workdps(30):
                ref = SG.mp_hermite_coeff(act, kk)
            if ref == 0:
                e = abs(float(got[kk]))  # exact zero: a nonzero value has infinite relative error
                e = math.inf if e else 0.0
            else:
                e = float(rel_err(got[kk], ref))
                if (act == "relu" and kk >= 2) or (act == "erf"):
                    cond = max(cond, sum(u * abs(v) for v, u in _log_terms(act, kk)))
            if e > worst:
                worst, at = e, kk
        outs.append(Outcome.bound(worst, conditioned(cond, 16, f"{act} phi_k = exp(sum of lgamma terms), k <= 40"),
                                  f"{act}: worst relative error {worst:.2g} at k = {at}", name=f"{act} max rel. error"))
    tk = [1, 3, 9, 21, 39]
    got = G.hermite_coeff_tanh(np.arange(0, 40))
    with mpmath.workdps(30):
        norm = float(mpmath.sqrt(SG.mp_expect(lambda z: mpmath.tanh(z) ** 2, 1)))
    z, _ = G.trapezoid_rule(1.0, digits=G.DEFAULT_DIGITS + 3)
    h = float(z[1] - z[0])
    n_nodes = int(math.ceil(max(float(z[-1]), 2 * math.sqrt(max(tk) + 1.0) + 9.0) / h)) + 1
    worst, cond, at = 0.0, 0.0, 0
    for kk in tk:
        with mpmath.workdps(30):
            ref = SG.mp_hermite_coeff("tanh", kk)
        e = float(rel_err(got[kk], ref))
        cond = max(cond, norm / abs(float(ref)) + 1)
        if e > worst:
            worst, at = e, kk
    outs.append(Outcome.bound(worst, conditioned(cond, 3 * max(tk) + n_nodes + 4,
                                                 f"tanh phi_k by the {n_nodes}-node trapezoid sum, odd k <= 39"),
                              f"tanh: worst relative error {worst:.2g} at k = {at}", name="tanh max rel. error"))
    return Outcome.all_of(outs)


# ----------------------------------------------------------------------------------------------
CM = claim(
    "iclr2022/cov-mehler",
    "C[phi|rho] = sum_k phi_k^2 rho^k (E[h_k(x) h_j(y)] = delta_kj rho^k): the closed forms of C[ReLU|rho] "
    "(arc-cosine), C[LReLU_a|rho] and C[erf|rho] (arcsine) have exactly the Taylor coefficients phi_k^2, "
    "and the general-variance forms reduce to them.",
    f"{CITE}, section 2.1, eq. (2.4) and Appendix B",
)


@CM.exact("taylor-coefficients-are-phi-k-squared")
def _(ctx):
    """Taylor coefficients of the closed-form C[phi|rho] (unit variances) of orders 0..13 against phi_k^2
    from the Hermite closed forms (relu, leaky relu, erf); exact residual 0."""
    n = 14
    res = sp.Integer(0)
    unit = {SG.q1: 1, SG.q2: 1}
    for act in ("relu", "leaky_relu", "erf"):
        cs = series_coeffs(SG.COV[act].subs(unit), n)
        for kk in range(n):
            res += sp.simplify(cs[kk] - SG.hermite_coeff_closed(act, kk) ** 2) ** 2
    return Outcome.symbolic(sp.simplify(res), f"Taylor coefficients of C[phi|rho], orders 0..{n - 1}, vs phi_k^2")


@CM.exact("relu-arccosine-by-price-ode")
def _(ctx):
    """Price's theorem: d^2/drho^2 C[ReLU|rho] = density of (x, y) at (0, 0) = 1/(2 pi sqrt(1-rho^2)), with
    C(0) = phi_0^2 = 1/(2 pi) and C'(0) = phi_1^2 = 1/4 (ODE uniqueness proves the closed form); exact."""
    J = SG.COV["relu"].subs({SG.q1: 1, SG.q2: 1})
    r1 = sp.simplify(sp.diff(J, rho, 2) - 1 / (2 * sp.pi * sp.sqrt(1 - rho**2)))
    r2 = sp.simplify(J.subs(rho, 0) - SG.hermite_coeff_closed("relu", 0) ** 2)
    r3 = sp.simplify(sp.diff(J, rho).subs(rho, 0) - SG.hermite_coeff_closed("relu", 1) ** 2)
    return Outcome.symbolic(r1 + r2 + r3, "J'' = 1/(2 pi sqrt(1-rho^2)), J(0) = phi_0^2, J'(0) = phi_1^2")


@CM.exact("erf-arcsine-general-variance")
def _(ctx):
    """Price: d/drho E[erf(u1) erf(u2)] = sqrt(q1 q2) (4/pi) det(I + 2 Sigma)^(-1/2), and the value at
    rho = 0 is E[erf(u1)] E[erf(u2)] = 0; the general-variance arcsine form satisfies both; exact."""
    q1, q2 = SG.q1, SG.q2
    Cg = SG.COV["erf"]
    det = (1 + 2 * q1) * (1 + 2 * q2) - 4 * rho**2 * q1 * q2
    r1 = sp.simplify(sp.diff(Cg, rho) - sp.sqrt(q1 * q2) * 4 / (sp.pi * sp.sqrt(det)))
    r2 = Cg.subs(rho, 0)
    return Outcome.symbolic(sp.simplify(r1) + r2, "dC/drho = sqrt(q1 q2) (4/pi) det(I + 2 Sigma)^(-1/2), C(0) = 0")


@CM.precise("tanh-mehler-and-mpmath")
def _(ctx):
    """(a) The Mehler series sum_(k<=40) phi_k^2 rho^k (float64 phi_k) against cov_tanh at rho = -0.5, 0.2,
    0.5; (b) cov_tanh at three general-variance points against the mpmath trapezoid reference at 20 digits.

    Tolerances.  (a) rule ``remainder``: the neglected tail |rho|^41 sum_(k>40) phi_k^2 <= |rho|^41
    ||tanh||_N^2, plus a rounding floor k eps ||tanh||_N^2 with k = 2 x 41 (series terms and powers) +
    2 n + 8 (cov_tanh's nested n-node sums, worst case).  (b) rule ``quadrature``: the documented accuracy
    of numeric/gaussian.py's trapezoid rule, 1e-(D+2) of the integrand scale sqrt(E tanh(u1)^2 E tanh(u2)^2)
    at D = 17 digits, plus the rounding floor (2 n + 8) eps x scale, n the node count at the larger
    variance; the float64 inputs are passed exactly to mpmath, so no input conditioning enters.
    """
    ks = np.arange(0, 41)
    c = G.hermite_coeff_tanh(ks)
    norm2 = float(G.norm2_tanh())
    n1 = G.trapezoid_rule(1.0)[0].size
    outs = []
    for r in (-0.5, 0.2, 0.5):
        diff = abs(float(np.sum(c**2 * r**ks) - G.cov_tanh(r)))
        outs.append(Outcome.bound(diff, remainder(abs(r) ** 41 * norm2, scale=norm2, k=2 * 41 + 2 * n1 + 8,
                                                  why=f"Mehler tail at rho = {r}"),
                                  f"|series - C[tanh|{r}]| = {diff:.2g}", name=f"series vs cov_tanh at rho={r}"))
    for r, v1, v2 in ((0.3, 1.5, 0.5), (0.95, 2.0, 2.0), (-0.7, 0.2, 3.0)):
        with mpmath.workdps(20):
            ref = SG.mp_expect2_odd(mpmath.tanh, mpmath.tanh, r, v1, v2)
        got = float(G.cov_tanh(r, v1, v2))
        scale = math.sqrt(float(G.cov_tanh(1.0, v1, v1)) * float(G.cov_tanh(1.0, v2, v2)))
        n = G.trapezoid_rule(math.sqrt(max(v1, v2)))[0].size
        err = abs(got - float(ref))
        outs.append(Outcome.bound(err, quadrature(10.0 ** -(G.DEFAULT_DIGITS + 2) * scale, scale, k=2 * n + 8,
                                                  why=f"cov_tanh({r}, {v1}, {v2}), {n}-node rule"),
                                  f"|cov_tanh - mpmath| = {err:.2g} at ({r}, {v1}, {v2})",
                                  name=f"cov_tanh vs mpmath at ({r}, {v1}, {v2})"))
    return Outcome.all_of(outs)
