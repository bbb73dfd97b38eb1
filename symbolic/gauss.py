"""Gaussian expectations of activations: normalized Hermite expansions and covariance maps.

Source: ICLR 2022 submission ("gradient explosion / representation shrinkage"), section 2.1
(C[phi|rho], ||phi||_N, the linearization phi_bar = phi_0 + phi_1 x) and Appendix B (leaky ReLU and
erf closed forms).  Notation map (code name -> paper symbol):

    rho          -> rho, the correlation of the two standard Gaussians in C[f|rho]
    q1, q2       -> variances of the two arguments (lecture: q_{k-1,11}, q_{k-1,22}); C[f|rho] is
                    the case q1 = q2 = 1
    a            -> negative slope a of LReLU_a(x) = a x + (1 - a) ReLU(x)
    k            -> index of the normalized Hermite polynomial h_k = He_k / sqrt(k!)
    norm2        -> ||phi||_N^2 = C[phi|1];  linerr2 -> ||phi - phi_bar||_N^2;  dnorm2 -> ||phi'||_N^2

Reconstruction of the garbled PDF text of Appendix B (checked by the claims of
verify/claims/iclr2022/):

* C[LReLU_a|rho] = a rho + (1 - a)^2 (sqrt(1 - rho^2) + (pi - arccos rho) rho) / (2 pi);
  LReLU_a_bar(x) = (1 - a)/sqrt(2 pi) + (1 + a)/2 x; ||LReLU_a - bar||_N^2 = (pi - 2)/(4 pi) (1 - a)^2;
  ||LReLU_a||_N^2 = (1 + a^2)/2 ("1+a^2" with the "/2" lost); critical (layer-norm) iff sigma_b = 0.
* erf is the standard erf(x) = (2/sqrt(pi)) int_0^x e^{-y^2} dy (the appendix prints
  "2/sqrt(2 pi)"-like garbage; only the standard normalization reproduces the printed
  C[erf|rho] = (2/pi) arctan(2 rho / sqrt(9 - 4 rho^2)) = (2/pi) arcsin(2 rho / 3));
  erf_bar(x) = 2/sqrt(3 pi) x; ||erf - erf_bar||_N^2 = (2/pi)(arctan(2/sqrt 5) - 2/3);
  ||erf'||_N^2 = 4/(pi sqrt 5); critical ratio sigma_b^2/sigma_w^2 = (2/pi)(2/sqrt 5 - arctan(2/sqrt 5)).

Closed forms are SymPy expressions (generated into numeric/generated/gauss.py when they have
parameters); formulas without a closed form (tanh) and the integer-indexed Hermite coefficients are
registered with ``expr=None``, an mpmath implementation (``mp_*`` below: tanh-sinh ``mpmath.quad``
for general integrands, the strip-derived trapezoid rules of symbolic/mpquad.py for tanh-type ones in
one and two dimensions) and a hand-written NumPy/Torch
kernel in numeric/gaussian.py.

This module imports SymPy and mpmath (which SymPy depends on), never numeric or verify.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theorycheck.symbolic import mpquad
from theorycheck.symbolic.registry import Param, register

# ----------------------------------------------------------------------------------------------
# Symbols and parameters
rho = sp.Symbol("rho", real=True)
q1 = sp.Symbol("q1", nonnegative=True)
q2 = sp.Symbol("q2", nonnegative=True)
a = sp.Symbol("a", nonnegative=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
x, y = sp.symbols("x y", real=True)

P_rho = Param("rho", rho, "correlation rho of the two Gaussian arguments (ICLR 2022 C[f|rho])",
              lower=-1, upper=1, lower_open=False, upper_open=False)
P_q1 = Param("q1", q1, "variance of the first argument (lecture q_{k-1,11})", lower=0, lower_open=False, default=1)
P_q2 = Param("q2", q2, "variance of the second argument (lecture q_{k-1,22})", lower=0, lower_open=False, default=1)
P_a = Param("a", a, "negative slope a of LReLU_a(x) = a x + (1-a) ReLU(x) (ICLR 2022 App. B)",
            lower=0, upper=1, lower_open=False, upper_open=False)
P_k = Param("k", k, "index k of the normalized Hermite polynomial h_k = He_k/sqrt(k!)",
            lower=0, lower_open=False, integer=True)
P_k_tanh = Param("k", k, "index k of the normalized Hermite polynomial h_k = He_k/sqrt(k!) (float64 kernel: k <= 40)",
                 lower=0, upper=40, lower_open=False, upper_open=False, integer=True)

ACTS = ("relu", "leaky_relu", "erf", "tanh")
SRC_B = "ICLR 2022 submission, Appendix B"
SRC_21 = "ICLR 2022 submission, section 2.1"

# ----------------------------------------------------------------------------------------------
# The activations as SymPy functions of x (for the exact checks)
PHI = {
    "relu": sp.Max(0, x),
    "leaky_relu": a * x + (1 - a) * sp.Max(0, x),
    "erf": sp.erf(x),
    "tanh": sp.tanh(x),
}


def hermite_normalized(kk: int, z=x) -> sp.Expr:
    """h_k(z) = He_k(z)/sqrt(k!) (probabilists' Hermite, normalized under N(0, 1))."""
    return sp.hermite_prob(kk, z) / sp.sqrt(sp.factorial(kk))


def hermite_coeff_closed(act: str, kk: int) -> sp.Expr:
    """Closed-form phi_k (exact SymPy number, or in ``a`` for leaky_relu).

    ReLU: phi_0 = 1/sqrt(2 pi), phi_1 = 1/2, phi_k = 0 for odd k >= 3 and
    phi_k = (-1)^(k/2+1) (k-3)!! / sqrt(2 pi k!) for even k >= 2.  Derivation: x He_k = He_{k+1} +
    k He_{k-1} and int_0^inf He_n(x) e^{-x^2/2} dx = He_{n-1}(0) (n >= 1), with He_m(0) = 0 (m odd),
    (-1)^(m/2) (m-1)!! (m even).  leaky_relu: (1 - a) ReLU_k + a [k = 1].  erf: phi_k = 0 for even k;
    for odd k, by Stein's lemma E[erf He_k] = E[erf^(k)] = (2/sqrt(3 pi)) (k-1)! (-1/3)^((k-1)/2) /
    ((k-1)/2)! (the generating function of E[He_m(Z) e^{-Z^2}] is e^{-t^2/3}/sqrt 3).
    Verified against direct SymPy integration in verify/claims/iclr2022/.
    """
    kk = int(kk)
    if act == "relu":
        if kk == 0:
            return 1 / sp.sqrt(2 * sp.pi)
        if kk == 1:
            return sp.Rational(1, 2)
        if kk % 2:
            return sp.Integer(0)
        return (-1) ** (kk // 2 + 1) * sp.factorial2(kk - 3) / sp.sqrt(2 * sp.pi * sp.factorial(kk))
    if act == "leaky_relu":
        return (1 - a) * hermite_coeff_closed("relu", kk) + (a if kk == 1 else 0)
    if act == "erf":
        if kk % 2 == 0:
            return sp.Integer(0)
        m = (kk - 1) // 2
        return (2 / sp.sqrt(3 * sp.pi)) * sp.factorial(kk - 1) * sp.Rational(-1, 3) ** m / (
            sp.factorial(m) * sp.sqrt(sp.factorial(kk)))
    raise ValueError(f"no closed-form Hermite coefficients for {act!r}")


# Closed forms (unit variances unless q1, q2 appear)
_J = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi)  # C[ReLU|rho]
COV = {
    "relu": sp.sqrt(q1 * q2) * _J,
    "leaky_relu": sp.sqrt(q1 * q2) * (a * rho + (1 - a) ** 2 * _J),
    "erf": 2 / sp.pi * sp.asin(2 * rho * sp.sqrt(q1 * q2) / sp.sqrt((1 + 2 * q1) * (1 + 2 * q2))),
}
NORM2 = {
    "relu": sp.Rational(1, 2),
    "leaky_relu": (1 + a**2) / 2,
    "erf": 2 / sp.pi * sp.asin(sp.Rational(2, 3)),
}
PHI0 = {"relu": 1 / sp.sqrt(2 * sp.pi), "leaky_relu": (1 - a) / sp.sqrt(2 * sp.pi), "erf": sp.Integer(0)}
PHI1 = {"relu": sp.Rational(1, 2), "leaky_relu": (1 + a) / 2, "erf": 2 / sp.sqrt(3 * sp.pi)}
LINERR2 = {
    "relu": sp.Rational(1, 4) - 1 / (2 * sp.pi),
    "leaky_relu": (sp.pi - 2) / (4 * sp.pi) * (1 - a) ** 2,
    "erf": 2 / sp.pi * (sp.asin(sp.Rational(2, 3)) - sp.Rational(2, 3)),
}
DNORM2 = {
    "relu": sp.Rational(1, 2),
    "leaky_relu": (1 + a**2) / 2,
    "erf": 4 / (sp.pi * sp.sqrt(5)),
}

# The statements of Appendix B as printed (reconstructed, see the module docstring).
PRINTED_B = {
    "cov_leaky_relu": a * rho + (1 - a) ** 2 * (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi),
    "linear_leaky_relu": (1 - a) / sp.sqrt(2 * sp.pi) + (1 + a) / 2 * x,
    "linerr2_leaky_relu": (sp.pi - 2) / (4 * sp.pi) * (1 - a) ** 2,
    "norm2_leaky_relu": (1 + a**2) / 2,
    "cov_erf": 2 / sp.pi * sp.atan(2 * rho / sp.sqrt(9 - 4 * rho**2)),
    "linear_erf": 2 / sp.sqrt(3 * sp.pi) * x,
    "linerr2_erf": 2 / sp.pi * (sp.atan(2 / sp.sqrt(5)) - sp.Rational(2, 3)),
    "dnorm2_erf": 4 / (sp.pi * sp.sqrt(5)),
    "critical_ratio_erf": 2 / sp.pi * (2 / sp.sqrt(5) - sp.atan(2 / sp.sqrt(5))),
}


# ----------------------------------------------------------------------------------------------
# mpmath implementations (evaluated under the caller's mp.workdps)
def mp_expect(F, q, strip=None):
    """E[F(sqrt(q) Z)], Z ~ N(0, 1).

    ``strip=None``: tanh-sinh quadrature (mpmath.quad) split at 0, +-1, +-4 (any F, including
    polynomially growing ones such as tanh * He_k).  ``strip=d``: F bounded and analytic in
    |Im u| < d (d = pi/2 for polynomials in tanh and sech^2): the trapezoid rule of
    symbolic.mpquad.expect1 (its docstring has the error rule), ~5x faster at 40 digits.
    """
    q = mpmath.mpf(q)
    if strip is not None:
        return mpquad.expect1(F, q, strip)
    if q == 0:
        return F(mpmath.mpf(0))
    s = mpmath.sqrt(q)
    pts = [-mpmath.inf, -4, -1, 0, 1, 4, mpmath.inf]
    return mpmath.quad(lambda z: F(s * z) * mpmath.exp(-z * z / 2), pts) / mpmath.sqrt(2 * mpmath.pi)


def tanh_strip():
    """Half-width pi/2 of the strip where tanh, sech^2 (poles at +-i pi/2) are analytic."""
    return mpmath.pi / 2


def mp_expect2_odd(F, G, r, v1, v2, strip=None):
    """E[F(u1) G(u2)], (u1, u2) ~ N(0, [[v1, r sqrt(v1 v2)], [r sqrt(v1 v2), v2]]).

    F, G bounded and analytic in |Im u| < strip (default pi/2: tanh-type).  Trapezoid rule in
    (u1, u2) with the step from the strip and the conditional variances, fixed-point accumulation
    (symbolic.mpquad.expect2_products, which documents the error rule).  The name is historical: no
    parity is needed.
    """
    d = tanh_strip() if strip is None else strip
    return mpquad.expect2_products([(F, G)], v1, v2, r, d, d)[0]


def _tanh(z):
    return mpmath.tanh(z)


def _sech2(z):
    return 1 / mpmath.cosh(z) ** 2


def mp_hermite_coeff(act, kk, aa=None):
    """phi_k in mpmath: exact closed forms for relu/leaky_relu/erf, quadrature for tanh."""
    kk = int(kk)
    if act in ("relu", "leaky_relu", "erf"):
        if act == "relu" or act == "leaky_relu":
            if kk == 0:
                v = 1 / mpmath.sqrt(2 * mpmath.pi)
            elif kk == 1:
                v = mpmath.mpf(1) / 2
            elif kk % 2:
                v = mpmath.mpf(0)
            else:
                v = (-1) ** (kk // 2 + 1) * mpmath.fac2(kk - 3) / mpmath.sqrt(2 * mpmath.pi * mpmath.factorial(kk))
            if act == "leaky_relu":
                v = (1 - aa) * v + (aa if kk == 1 else 0)
            return v
        if kk % 2 == 0:
            return mpmath.mpf(0)
        m = (kk - 1) // 2
        return (2 / mpmath.sqrt(3 * mpmath.pi)) * mpmath.factorial(kk - 1) * (mpmath.mpf(-1) / 3) ** m / (
            mpmath.factorial(m) * mpmath.sqrt(mpmath.factorial(kk)))
    if kk % 2 == 0:
        return mpmath.mpf(0)  # tanh is odd

    def integrand(z):
        return mpmath.tanh(z) * mpmath.hermite(kk, z / mpmath.sqrt(2)) * mpmath.mpf(2) ** (-mpmath.mpf(kk) / 2)

    return mp_expect(integrand, 1) / mpmath.sqrt(mpmath.factorial(kk))


# ----------------------------------------------------------------------------------------------
# Registration
for _act in ("relu", "leaky_relu", "erf", "tanh"):
    _params = (P_k, P_a) if _act == "leaky_relu" else ((P_k_tanh,) if _act == "tanh" else (P_k,))
    if _act == "leaky_relu":
        _mp = (lambda k, a: mp_hermite_coeff("leaky_relu", k, a))
    else:
        _mp = (lambda k, _a=_act: mp_hermite_coeff(_a, k))
    register(
        f"hermite.coeff.{_act}",
        None,
        _params,
        source=f"{SRC_21} (normalized Hermite expansion) and Appendix B" if _act != "tanh" else SRC_21,
        summary=f"Normalized Hermite coefficient phi_k = E[{_act}(Z) He_k(Z)]/sqrt(k!), Z ~ N(0,1)",
        mp_impl=_mp,
        numeric_impl=f"theorycheck.numeric.gaussian:hermite_coeff_{_act}",
        notes=("closed form (hermite_coeff_closed in symbolic/gauss.py)" if _act != "tanh"
               else "no closed form: trapezoid rule (float64, k <= 40) / tanh-sinh quadrature (mpmath)"),
    )

for _act in ("relu", "erf"):
    register(f"gauss.norm2.{_act}", NORM2[_act], (), source=SRC_B,
             summary=f"||{_act}||_N^2 = C[{_act}|1] = E[{_act}(Z)^2]")
    register(f"gauss.linerr2.{_act}", LINERR2[_act], (), source=SRC_B,
             summary=f"||{_act} - {_act}_bar||_N^2, the error of the linear part phi_0 + phi_1 x")
    register(f"gauss.dnorm2.{_act}", DNORM2[_act], (), source=SRC_B,
             summary=f"||{_act}'||_N^2 = E[{_act}'(Z)^2] = dC[{_act}|rho]/drho at rho = 1")

register("gauss.norm2.leaky_relu", NORM2["leaky_relu"], (P_a,), source=SRC_B,
         summary="||LReLU_a||_N^2 = (1 + a^2)/2")
register("gauss.linerr2.leaky_relu", LINERR2["leaky_relu"], (P_a,), source=SRC_B,
         summary="||LReLU_a - LReLU_a_bar||_N^2 = (pi - 2)(1 - a)^2/(4 pi)")
register("gauss.dnorm2.leaky_relu", DNORM2["leaky_relu"], (P_a,), source=SRC_B,
         summary="||LReLU_a'||_N^2 = (1 + a^2)/2")


def _mp_norm2_tanh():
    return mp_expect(lambda z: mpmath.tanh(z) ** 2, 1, tanh_strip())


def _mp_dnorm2_tanh():
    return mp_expect(lambda z: _sech2(z) ** 2, 1, tanh_strip())


def _mp_linerr2_tanh():
    phi1 = mp_expect(_sech2, 1, tanh_strip())  # E[Z tanh Z] = E[tanh'(Z)] (Stein)
    return _mp_norm2_tanh() - phi1**2


register("gauss.norm2.tanh", None, (), source=SRC_21, summary="||tanh||_N^2 = E[tanh(Z)^2] (quadrature)",
         mp_impl=_mp_norm2_tanh, numeric_impl="theorycheck.numeric.gaussian:norm2_tanh")
register("gauss.linerr2.tanh", None, (), source=SRC_21,
         summary="||tanh - tanh_bar||_N^2 = E[tanh^2] - E[tanh']^2 (quadrature)",
         mp_impl=_mp_linerr2_tanh, numeric_impl="theorycheck.numeric.gaussian:linerr2_tanh")
register("gauss.dnorm2.tanh", None, (), source=SRC_21, summary="||tanh'||_N^2 = E[sech(Z)^4] (quadrature)",
         mp_impl=_mp_dnorm2_tanh, numeric_impl="theorycheck.numeric.gaussian:dnorm2_tanh")

_COV_SRC = ("ICLR 2022 eq. (2.3) C[phi|rho] and Appendix B; Yarotsky's lecture, evolution of covariances "
            "(u1 = sqrt(q1) s1, u2 = sqrt(q2)(c s1 + sqrt(1-c^2) s2))")
register("gauss.cov.relu", COV["relu"], (P_rho, P_q1, P_q2), source=_COV_SRC,
         summary="E[ReLU(u1) ReLU(u2)] = sqrt(q1 q2)(sqrt(1-rho^2) + (pi - arccos rho) rho)/(2 pi) (arc-cosine kernel)")
register("gauss.cov.leaky_relu", COV["leaky_relu"], (P_rho, P_q1, P_q2, P_a), source=_COV_SRC,
         summary="E[LReLU_a(u1) LReLU_a(u2)] = sqrt(q1 q2)(a rho + (1-a)^2 C[ReLU|rho])")
register("gauss.cov.erf", COV["erf"], (P_rho, P_q1, P_q2), source=_COV_SRC,
         summary="E[erf(u1) erf(u2)] = (2/pi) arcsin(2 rho sqrt(q1 q2)/sqrt((1+2q1)(1+2q2))) (arcsine kernel)")


def _mp_cov_tanh(rho, q1, q2):
    return mp_expect2_odd(mpmath.tanh, mpmath.tanh, rho, q1, q2)


register("gauss.cov.tanh", None, (P_rho, P_q1, P_q2), source=_COV_SRC,
         summary="E[tanh(u1) tanh(u2)] (no closed form: trapezoid rule in the conditioned variables)",
         mp_impl=_mp_cov_tanh, numeric_impl="theorycheck.numeric.gaussian:cov_tanh")
