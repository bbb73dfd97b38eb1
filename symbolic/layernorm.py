"""Layer-normalized networks of the ICLR 2022 submission: 1 - rho_L, excess convexity, constants of (4.1)-(4.3).

(The critical ratios ``layernorm.critical_ratio.*`` of the same topic are registered in symbolic/meanfield.py.)

Notation (code -> paper): r = sigma_b^2/sigma_w^2; P the correlation map of eq. (2.3) at unit variance,
P(rho) = (r + C[phi|rho])/(r + C[phi|1]); rho_L = P^L(rho0) (L layers of the same activation; the paper's
linear "embedding" layer phi_1(x) = x is the map rho -> (r + rho)/(r + 1), the identity at r = 0);
p_L = P^L(0); g = the L-fold composition cropped to [0, 1] (Remark 2, eq. (A.2) with p_0 = 0),
g(t) = (P^L(t) - p_L)/(1 - p_L); e(g) = 1/t* - 2 with g(1 - t*) = t* (Appendix A.3).

Readings of the OCR-damaged statements (the extracted text of (4.1)-(4.3) and of Theorem 1 is garbled;
each is reconstructed from the proof that produces it):

* Theorem 1 (from (A.9)):  ||dz^(L)/dz^(0)||_op^2 >= (1 - rho_max)^2 / 8 * sum_l ||phi_l - bar phi_l||_N^2 / ||phi_l'||_N^2.
* (4.1), leaky ReLU, sigma_b = 0 (critical: (P^L)'(1) = 1 replaces the squared Jacobian norm, Remark 4):
  1 - rho_max <= 4 sqrt(pi/(pi - 2)) * sqrt(1 + a^2)/(1 - a) * 1/sqrt(L)  (the extracted "/S . 之 . 唔F" is
  consistent with sqrt(16 pi/(pi-2)) . sqrt(1+a^2)/(1-a) . 1/sqrt(L); Appendix B's ||LReLU_a - bar||^2 =
  (pi-2)(1-a)^2/(4 pi), ||LReLU_a'||^2 = (1+a^2)/2 give the per-layer term (pi-2)(1-a)^2/(2 pi (1+a^2))).
* (4.2), erf, critical: 1 - rho_max <= 4 / sqrt((arctan(2/sqrt5) - 2/3) sqrt5) * 1/sqrt(L)  (printed: "4 over
  sqrt(... sqrt5 - 3) sqrt5) times 1/sqrt L"; per-layer term (sqrt5/2)(arctan(2/sqrt5) - 2/3)).
* (4.3), erf, chaotic, rho_max ~ rho_fp: ||J||_op >= sqrt((arctan(2/sqrt5) - 2/3) sqrt5)/4 * (1 - rho_fp) sqrt(L).

``*_printed`` ids are the statements as read; ``*_derived`` ids are the same bounds assembled from Theorem 1
and Appendix B (a symbolic check proves them equal).
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theorycheck.symbolic.gauss import P_a, a
from theorycheck.symbolic.meanfield import MP, _bracket_root
from theorycheck.symbolic.registry import Param, register

L = sp.Symbol("L", positive=True, integer=True)
rho0 = sp.Symbol("rho0", real=True)
r = sp.Symbol("r", nonnegative=True)
rho_fp = sp.Symbol("rho_fp", nonnegative=True)

L_MAX = 1024
P_L = Param("L", L, "depth L (number of layers of the map P)", lower=0, upper=L_MAX, lower_open=False,
            upper_open=False, integer=True)
L_MAX_E = 512  # excess convexity: float64 error grows ~ sqrt(L)-L eps along the root search (~50 eps at 512)
P_L1 = Param("L", L, "depth L (number of layers of the map P)", lower=1, upper=L_MAX_E, lower_open=False,
             upper_open=False, integer=True)
P_Lb = Param("L", L, "depth L of the network", lower=1, lower_open=False, integer=True)
P_rho0 = Param("rho0", rho0, "input correlation rho_0", lower=-1, upper=1, lower_open=False, upper_open=False)
P_r = Param("r", r, "ratio r = sigma_b^2 / sigma_w^2", lower=0, lower_open=False)
P_a1 = Param("a", a, "negative slope a of LReLU_a (a < 1: a = 1 is linear, the bound is vacuous)",
             lower=0, upper=1, lower_open=False, upper_open=True)
P_rfp = Param("rho_fp", rho_fp, "fixed point rho_fp of P (chaotic phase)", lower=0, upper=1, lower_open=False,
              upper_open=False)

SRC = "ICLR 2022 submission"
ACTS = ("relu", "leaky_relu", "erf", "tanh")


# ----------------------------------------------------------------------------------------------
# mpmath references (the source definitions, evaluated at the caller's working precision: the
# cancellation of 1 - rho is absorbed by the guard digits of verify.formulas.evaluate_mpmath, which
# confirms the value at two precisions)
def mp_cov(act, R, aa=None):
    """C[phi|R] at unit variances (Appendix B closed forms; tanh by 2-D quadrature)."""
    if act in ("relu", "leaky_relu"):
        R = max(min(R, mpmath.mpf(1)), mpmath.mpf(-1))
        crelu = (mpmath.sqrt(1 - R * R) + (mpmath.pi - mpmath.acos(R)) * R) / (2 * mpmath.pi)
        return crelu if act == "relu" else aa * R + (1 - aa) ** 2 * crelu
    if act == "erf":
        return 2 / mpmath.pi * mpmath.asin(2 * R / 3)
    if act == "tanh":
        if R == 1:
            return MP["tanh"]["m2"](1)
        return MP["tanh"]["C"](R, 1)
    raise ValueError(act)


def _digits_for(x):
    return 10 + (int(-mpmath.log10(x)) if 0 < x < 1 else 0)


def mp_step_pair(act, d, u, r_, aa=None):
    """One layer of eq. (2.3) on the pair (delta, u) = (1 - rho, 1 + rho), each kept to the caller's relative
    precision: the source expression P(rho) = (r + C(rho))/(r + C(1)) is evaluated with rho = 1 - delta (delta <= 1)
    or rho = -1 + u (u < 1) at a precision raised by log10 of the distance to the end point, so rho is exact and
    the cancellations of 1 - P and 1 + P are resolved."""
    if d <= 1:
        with mpmath.workdps(mpmath.mp.dps + _digits_for(d)):
            c1 = mp_cov(act, mpmath.mpf(1), aa)
            nd = (c1 - mp_cov(act, 1 - d, aa)) / (r_ + c1)
        with mpmath.workdps(mpmath.mp.dps + _digits_for(nd) + _digits_for(d)):
            nu = 2 - nd
    else:
        with mpmath.workdps(mpmath.mp.dps + _digits_for(u) + _digits_for(r_ if r_ > 0 else 1)):
            c1 = mp_cov(act, mpmath.mpf(1), aa)
            nu = (2 * r_ + c1 + mp_cov(act, -1 + u, aa)) / (r_ + c1)
            nd = 2 - nu
    return +nd, +nu


def mp_delta_step(act, d, r_, aa=None):
    """delta -> 1 - P(1 - delta) (see :func:`mp_step_pair`)."""
    return mp_step_pair(act, d, 2 - d, r_, aa)[0]


def mp_one_minus_rho_L(act, L_, rho0_, r_, aa=None):
    """1 - rho_L, rho_L = P^L(rho0), in mpmath (the pair (1 - rho, 1 + rho) iterated with mp_step_pair)."""
    d, u = 1 - mpmath.mpf(rho0_), 1 + mpmath.mpf(rho0_)
    for _ in range(int(L_)):
        if d == 0:
            break
        d, u = mp_step_pair(act, d, u, r_, aa)
    return d


LINEAR_BELOW = mpmath.mpf("1e-100")


def mp_excess_convexity(act, L_, r_, aa=None):
    """e(g) = 1/t - 2, g(1 - t) = t, g the cropped L-fold composition (root by the Illinois method of
    symbolic/meanfield.py).  The depth is cut where 1 - p_l < 1e-100: past it the map is linear on [p_l, 1] to
    relative 1e-50 (numeric/layernorm.py, ``_effective_depth``), which no precision used here resolves."""
    q, Leff = mpmath.mpf(1), 0
    for _ in range(int(L_)):
        if q < LINEAR_BELOW:
            break
        q = mp_delta_step(act, q, r_, aa)
        Leff += 1

    def h(t):  # g(1 - t) - t with 1 - g(1 - t) = delta_L(t) / (1 - p_L)
        return 1 - mp_one_minus_rho_L(act, Leff, 1 - t, r_, aa) / q - t

    half = mpmath.mpf(1) / 2
    if h(half) >= 0:
        return mpmath.mpf(0)
    lo = mpmath.mpf(10) ** -300
    if not h(lo) > 0:
        raise ValueError("e(g) > 1e300")
    t = _bracket_root(h, lo, half)
    return 1 / t - 2


for _act in ACTS:
    _pa = (P_a,) if _act == "leaky_relu" else ()
    register(f"layernorm.one_minus_rho_L.{_act}", None, (P_L, P_rho0, P_r) + _pa,
             source=f"{SRC}, eq. (2.3) iterated (rho_L = P_L o ... o P_1(rho_0), sketch of proof of Theorem 1)",
             summary=f"1 - rho_L, rho_L = P^L(rho0), {_act} layers, r = sigma_b^2/sigma_w^2 (no cancellation)",
             mp_impl=(lambda L, rho0, r, a=None, _a=_act: mp_one_minus_rho_L(_a, L, rho0, r, a)),
             numeric_impl=f"theorycheck.numeric.layernorm:one_minus_rho_L_{_act}",
             notes="iterated on delta = 1 - rho with a cancellation-free numerator (numeric/layernorm.py)")
    register(f"layernorm.excess_convexity.{_act}", None, (P_L1, P_r) + _pa,
             source=f"{SRC}, Appendix A.3 (definition of e) and Remark 2 (cropping, eq. (A.2))",
             summary=f"excess convexity e(g) of the L-fold {_act} composition cropped to [0, 1]",
             mp_impl=(lambda L, r, a=None, _a=_act: mp_excess_convexity(_a, L, r, a)),
             numeric_impl=f"theorycheck.numeric.layernorm:excess_convexity_{_act}",
             notes="accuracy: relative ~ eps / e where g is nearly linear (e << 1), from the cancellation "
                   "of delta_L(t) against (1 - p_L)(1 - t)")

# ----------------------------------------------------------------------------------------------
# Per-layer terms of Theorem 1 and the constants of (4.1)-(4.3)
TERM = {
    "leaky_relu": (sp.pi - 2) * (1 - a) ** 2 / (2 * sp.pi * (1 + a**2)),
    "erf": sp.sqrt(5) / 2 * (sp.asin(sp.Rational(2, 3)) - sp.Rational(2, 3)),
}
ATAN = sp.atan(2 / sp.sqrt(5))
register("layernorm.thm1_term.leaky_relu", TERM["leaky_relu"], (P_a,),
         source=f"{SRC}, Theorem 1 with Appendix B",
         summary="||LReLU_a - bar||_N^2 / ||LReLU_a'||_N^2 = (pi-2)(1-a)^2 / (2 pi (1+a^2))")
register("layernorm.thm1_term.erf", TERM["erf"], (), source=f"{SRC}, Theorem 1 with Appendix B",
         summary="||erf - bar erf||_N^2 / ||erf'||_N^2 = (sqrt5/2)(arcsin(2/3) - 2/3)")

BOUND41_PRINTED = 4 * sp.sqrt(sp.pi / (sp.pi - 2)) * sp.sqrt(1 + a**2) / ((1 - a) * sp.sqrt(L))
BOUND41_DERIVED = sp.sqrt(8 / (L * TERM["leaky_relu"]))
BOUND42_PRINTED = 4 / sp.sqrt((ATAN - sp.Rational(2, 3)) * sp.sqrt(5)) / sp.sqrt(L)
BOUND42_DERIVED = sp.sqrt(8 / (L * TERM["erf"]))
BOUND43_PRINTED = sp.sqrt((ATAN - sp.Rational(2, 3)) * sp.sqrt(5)) / 4 * (1 - rho_fp) * sp.sqrt(L)
BOUND43_DERIVED = (1 - rho_fp) * sp.sqrt(L * TERM["erf"] / 8)

register("layernorm.bound41_printed.leaky_relu", BOUND41_PRINTED, (P_Lb, P_a1), source=f"{SRC}, eq. (4.1)",
         summary="(4.1) as read: 1 - rho_max <= 4 sqrt(pi/(pi-2)) sqrt(1+a^2)/((1-a) sqrt L)")
register("layernorm.bound41_derived.leaky_relu", BOUND41_DERIVED, (P_Lb, P_a1),
         source=f"{SRC}, Theorem 1 + Appendix B (sigma_b = 0, (P^L)'(1) = 1)",
         summary="sqrt(8 / (L term)), term = (pi-2)(1-a)^2/(2 pi (1+a^2))")
register("layernorm.bound42_printed.erf", BOUND42_PRINTED, (P_Lb,), source=f"{SRC}, eq. (4.2)",
         summary="(4.2) as read: 1 - rho_max <= 4 / sqrt((arctan(2/sqrt5) - 2/3) sqrt5) / sqrt(L)")
register("layernorm.bound42_derived.erf", BOUND42_DERIVED, (P_Lb,),
         source=f"{SRC}, Theorem 1 + Appendix B (critical, (P^L)'(1) = 1)",
         summary="sqrt(8 / (L term)), term = (sqrt5/2)(arcsin(2/3) - 2/3)")
register("layernorm.bound43_printed.erf", BOUND43_PRINTED, (P_Lb, P_rfp), source=f"{SRC}, eq. (4.3)",
         summary="(4.3) as read: ||J||_op >= sqrt((arctan(2/sqrt5) - 2/3) sqrt5)/4 (1 - rho_fp) sqrt(L)")
register("layernorm.bound43_derived.erf", BOUND43_DERIVED, (P_Lb, P_rfp),
         source=f"{SRC}, Theorem 1 + Appendix B (rho_max ~ rho_fp)",
         summary="(1 - rho_fp) sqrt(L term / 8)")
