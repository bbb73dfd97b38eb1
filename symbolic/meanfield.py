"""Mean-field signal propagation: the q-map, its fixed point, chi_1, depth scales, critical lines.

Source: Yarotsky's lecture ("Reduction to 1D dynamics", "Fixed points", "Evolution of correlations
near a fixed point", "Depth of information propagation", "Error backpropagation"), after Poole et al.
2016 and Schoenholz et al. 2017; ICLR 2022 submission eq. (2.3) and Appendix B (the layer-norm
correlation map P and its critical initialization); Saxe et al. 2013 supplementary G, eqs. (48)-(49).

Notation map (code name -> lecture / paper symbol):

    q        -> q_{k-1}, length of the preactivations (lecture), q^l (Saxe eq. 48)
    sw2, sb2 -> alpha_w^2, alpha_h^2 (lecture) = sigma_w^2, sigma_b^2 (ICLR 2022)
    qstar    -> q* (the stable fixed point of nu);  chi1 -> chi_1;  xi_q, xi_c -> the depth scales
    a        -> negative slope of leaky ReLU (NOT the lecture's a = nu'(q*), called ``rate_q`` here)
    g        -> the gain g of Saxe et al. supp. G (sw2 = g^2, sb2 = 0)

Closed forms exist for ReLU and leaky ReLU (nu is linear: nu(q) = sw2 (1+a^2) q / 2 + sb2) and for the
erf q-map (the arcsine kernel); q* for erf and everything for tanh go through the vectorized solver of
numeric/fixed_point.py and, in the mpmath backend, through ``mpmath.findroot`` on mpmath quadratures.

Lecture formulas as used (the printed ``sigma''(sqrt(q^* s))`` in the definition of a is read as
sigma''(sqrt(q*) s), the only reading consistent with nu'(q) = alpha_w^2 E[(sigma^2)''(sqrt q s)]/2):
    a = nu'(q*) = chi_1 + sw2 E[phi''(sqrt(q*) s) phi(sqrt(q*) s)],  xi_q = -1/ln a,
    b = sw2 E[phi'(u1) phi'(u2)] at the stable correlation fixed point c*,  xi_c = -1/ln b.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theorycheck.symbolic import mpquad
from theorycheck.symbolic.gauss import P_a, a, mp_expect, tanh_strip
from sympy.codegen.cfunctions import log1p

from theorycheck.symbolic.registry import Constraint, Param, register

q = sp.Symbol("q", nonnegative=True)
sw2 = sp.Symbol("sw2", positive=True)
sb2 = sp.Symbol("sb2", nonnegative=True)
g = sp.Symbol("g", positive=True)

P_q = Param("q", q, "length q_{k-1} of the preactivations (lecture)", lower=0, lower_open=False)
P_sw2 = Param("sw2", sw2, "weight variance alpha_w^2 = sigma_w^2", lower=0)
P_sb2 = Param("sb2", sb2, "bias variance alpha_h^2 = sigma_b^2", lower=0, lower_open=False)
P_g = Param("g", g, "gain g of the orthogonal tanh network (Saxe et al. 2013 supp. G)", lower=0)

SRC_Q = "Yarotsky's lecture, Proposition (Poole et al.): q_k = nu(q_{k-1} | alpha_w^2, alpha_h^2)"
SRC_FP = "Yarotsky's lecture, 'Fixed points' (exercises)"
SRC_CHI = "Yarotsky's lecture, chi_1 = alpha_w^2 int (sigma'(sqrt(q*) s))^2 Ds"
SRC_XI = "Yarotsky's lecture, 'Depth of information propagation' (Schoenholz et al. 2017)"

# k_act = E[phi'(Z)^2] = E[phi(Z)^2] for the positively homogeneous activations
KAPPA = {"relu": sp.Rational(1, 2), "leaky_relu": (1 + a**2) / 2}

# ----------------------------------------------------------------------------------------------
# SymPy closed forms
QMAP = {
    "relu": sw2 * q / 2 + sb2,
    "leaky_relu": sw2 * q * (1 + a**2) / 2 + sb2,
    "erf": sw2 * 2 / sp.pi * sp.asin(2 * q / (1 + 2 * q)) + sb2,
}
QSTAR = {act: sb2 / (1 - sw2 * KAPPA[act]) for act in KAPPA}
CHI1 = {act: sw2 * KAPPA[act] for act in KAPPA}
XI = {act: -1 / sp.log(sw2 * KAPPA[act]) for act in KAPPA}
# Stable rewrite printed by codegen: log1p(sw2 k - 1) keeps relative accuracy near criticality
# (sw2 k -> 1) and avoids SymPy splitting log(sw2/2) into log(sw2) - log(2), which the Torch printer
# emits as torch.log(2) on a Python int (a TypeError).
# Where the rate x = sw2 k is far from 1 (x <= 1/2) log1p(x - 1) is itself inaccurate: x - 1 rounds to -1
# once x < eps/2 (log1p(-1) = -inf, printed xi = 0.0 at sw2 = 1e-20 instead of 0.0214), and it carries the
# rounding of x - 1 (relative error eps/|x|) for small x; there ln(x) is accurate.  The Piecewise keeps
# log1p only on (1/2, 1), where x - 1 is exact (Sterbenz) and log1p keeps relative accuracy.
# (Max(x - 1, -1/2) = x - 1 inside its branch; it keeps the branch NumPy evaluates everywhere finite.)
XI_STABLE = {act: -1 / sp.Piecewise((log1p(sp.Max(sw2 * KAPPA[act] - 1, -sp.Rational(1, 2))),
                                     sw2 * KAPPA[act] > sp.Rational(1, 2)),
                                    (sp.log(sw2 * KAPPA[act]), True)) for act in KAPPA}


def _xi_rewrite_proof(act):
    """Branch 1: log1p(x - 1) = log(x) identically (Max(x - 1, -1/2) = x - 1 where x > 1/2);
    branch 2 is log(x) as printed."""
    x = sw2 * KAPPA[act]
    return lambda: sp.Abs(sp.expand_func(log1p(x - 1)) - sp.log(x))
# The lecture's exercise "explicit correlation map for ReLU": c -> (sw2 q* C[ReLU|c] + sb2)/q*
c = sp.Symbol("c", real=True)
qs = sp.Symbol("qs", positive=True)
CMAP_RELU = (sw2 * qs * (sp.sqrt(1 - c**2) + (sp.pi - sp.acos(c)) * c) / (2 * sp.pi) + sb2) / qs


XI_NOTE = ("ln(x), x = sw2 (1+a^2)/2, is evaluated as log1p(x - 1) where 1/2 < x (accurate near criticality "
           "x -> 1) and as ln(x) elsewhere (log1p(x - 1) cancels for small x: it printed 0.0 at sw2 = 1e-20)")
# At sb2 = 0 in the ordered phase q* = 0: the correlation of a vanishing signal does not relax geometrically
# to a fixed point (ReLU: 1 - c_l ~ 1/l^2; tanh: c_l freezes at a start-dependent value), so no
# correlation depth scale exists
# (numeric.fixed_point.correlation_trajectory shows it).  Refused, as at criticality.
XI_C_ORDERED_MSG = ("sb2 = 0 in the ordered phase gives q* = 0, where c_l does not relax geometrically to a "
                    "fixed point (ReLU: 1 - c_l ~ 1/l^2; tanh: c_l freezes at a start-dependent value), so no "
                    "finite correlation depth scale xi_c exists")
XI_C_CONS = (Constraint(sb2 > 0, XI_C_ORDERED_MSG),)


def _pa(act):
    return (P_a,) if act == "leaky_relu" else ()


# erf: asin(x) at x = 2q/(1 + 2q) -> 1 amplifies the rounding of x by x/(sqrt(1 - x^2) asin x) ~ sqrt(q)
# (8.1e-15 relative at q = 7.7e4).  With 1 - x^2 = (1 + 4q)/(1 + 2q)^2, asin(x) = atan(2q/sqrt(1 + 4q)),
# whose condition number y/((1 + y^2) atan y) is <= 1 for every q >= 0.
QMAP_STABLE = {"erf": sw2 * 2 / sp.pi * sp.atan(2 * q / sp.sqrt(1 + 4 * q)) + sb2}


def _qmap_erf_proof():
    """The difference asin(2q/(1+2q)) - atan(2q/sqrt(1+4q)) vanishes at q = 0 and its derivative in q
    simplifies to 0 on q >= 0 (a connected domain on which both sides are smooth)."""
    d = QMAP["erf"] - QMAP_STABLE["erf"]
    return sp.Abs(sp.simplify(sp.diff(d, q))) + sp.Abs(sp.simplify(d.subs(q, 0)))


for act in ("relu", "leaky_relu", "erf"):
    register(f"meanfield.qmap.{act}", QMAP[act], (P_q, P_sw2, P_sb2) + _pa(act), source=SRC_Q,
             summary=f"q-map nu(q) = sw2 E[{act}(sqrt(q) Z)^2] + sb2 (closed form)",
             **({"stable": QMAP_STABLE["erf"], "rewrite_proof": _qmap_erf_proof,
                 "rewrite_note": "asin(2q/(1+2q)) = atan(2q/sqrt(1+4q)): condition number <= 1 instead of "
                                 "~sqrt(q) near the asin's branch point"} if act == "erf" else {}))

for act in ("relu", "leaky_relu"):
    cons = (Constraint(sw2 * KAPPA[act] < 1,
                       "a finite fixed point needs sw2 (1+a^2)/2 < 1 (else q_l grows without bound)"),)
    register(f"meanfield.qstar.{act}", QSTAR[act], (P_sw2, P_sb2) + _pa(act), source=SRC_FP,
             summary="stable fixed point q* = sb2 / (1 - sw2 (1+a^2)/2) of the linear q-map",
             constraints=cons, notes="q* = 0 when sb2 = 0 (a value, not an error)")
    register(f"meanfield.chi1.{act}", CHI1[act], (P_sw2, P_sb2) + _pa(act), source=SRC_CHI,
             summary="chi1 = sw2 E[phi'(sqrt(q*) Z)^2] = sw2 (1+a^2)/2, independent of q*")
    register(f"meanfield.xi_q.{act}", XI[act], (P_sw2, P_sb2) + _pa(act), source=SRC_XI,
             summary="xi_q = -1/ln(nu'(q*)) = -1/ln(sw2 (1+a^2)/2) (nu is linear)", constraints=cons,
             stable=XI_STABLE[act], rewrite_proof=_xi_rewrite_proof(act), rewrite_note=XI_NOTE)
    register(f"meanfield.xi_c.{act}", XI[act], (P_sw2, P_sb2) + _pa(act), source=SRC_XI,
             summary="xi_c = -1/ln(chi1) (c* = 1 is the stable fixed point whenever q* exists)",
             constraints=cons + XI_C_CONS, stable=XI_STABLE[act], rewrite_proof=_xi_rewrite_proof(act),
             rewrite_note=XI_NOTE)

register("meanfield.critical_sw2.relu", sp.Integer(2), (P_sb2,), source=SRC_CHI,
         summary="sw2 = 2 where chi1 = 1 for ReLU (any sb2; with sb2 > 0 q* is then infinite)")
register("meanfield.critical_sw2.leaky_relu", 2 / (1 + a**2), (P_sb2, P_a), source=SRC_CHI,
         summary="sw2 = 2/(1+a^2) where chi1 = 1 for leaky ReLU")

# layer-norm critical ratio sb2/sw2 = ||phi'||^2 - ||phi||^2 (ICLR 2022 eq. (2.3), P'(1) = 1)
SRC_LN = "ICLR 2022 submission, eq. (2.3) and Appendix B (critical initialization, P'(1) = 1)"
register("layernorm.critical_ratio.relu", sp.Integer(0), (), source=SRC_LN,
         summary="sigma_b^2/sigma_w^2 = ||phi'||^2 - ||phi||^2 = 0 for ReLU")
register("layernorm.critical_ratio.leaky_relu", sp.Integer(0) * a, (P_a,), source=SRC_LN,
         summary="sigma_b^2/sigma_w^2 = 0 for leaky ReLU ('critical initialization requires sigma_b = 0')")
register("layernorm.critical_ratio.erf",
         4 / (sp.pi * sp.sqrt(5)) - 2 / sp.pi * sp.asin(sp.Rational(2, 3)), (), source=SRC_LN,
         summary="sigma_b^2/sigma_w^2 = (2/pi)(2/sqrt 5 - arctan(2/sqrt 5)) for erf")


# ----------------------------------------------------------------------------------------------
# mpmath implementations (under the caller's workdps)
def _t2(z):
    return mpmath.tanh(z) ** 2


def _s4(z):
    return 1 / mpmath.cosh(z) ** 4


def _tanh_nu_prime_integrand(z):  # (tanh^2)''/2 = (1 - t^2)(1 - 3 t^2)
    t = mpmath.tanh(z)
    return (1 - t * t) * (1 - 3 * t * t)


def _sech2(z):
    return 1 / mpmath.cosh(z) ** 2


def _tanh_pairs(r, q, *pairs):
    """[E[F(u1) G(u2)] for (F, G) in pairs], variances q, correlation r, on one 2-D grid (mpquad)."""
    return mpquad.expect2_products(list(pairs), q, q, r, tanh_strip(), tanh_strip())


def _tanh_C_D(r, q):
    """(E[tanh(u1) tanh(u2)], E[sech^2(u1) sech^2(u2)]) on one 2-D grid."""
    return tuple(_tanh_pairs(r, q, (mpmath.tanh, mpmath.tanh), (_sech2, _sech2)))


# Per activation: m2(q) = E[phi(sqrt q Z)^2]; m2c(q) = 1 - m2(q) computed without cancellation
# (phi^2 -> 1 at infinity for erf, tanh); d1sq = E[phi'^2]; dm2 = dm2/dq = E[(phi^2)''/2];
# C(r, q) = E[phi(u1) phi(u2)], D(r, q) = E[phi'(u1) phi'(u2)] (unit-correlation-r pair of
# variance q), CD = (C, D) together.  tanh: trapezoid rules with the strip pi/2 (symbolic.mpquad).
MP = {
    "erf": {
        "m2": lambda q: 2 / mpmath.pi * mpmath.asin(2 * q / (1 + 2 * q)),
        # asin(x) = pi/2 - 2 asin(sqrt((1 - x)/2)), 1 - x = 1/(1 + 2q)
        "m2c": lambda q: 4 / mpmath.pi * mpmath.asin(1 / mpmath.sqrt(2 + 4 * q)),
        "d1sq": lambda q: 4 / (mpmath.pi * mpmath.sqrt(1 + 4 * q)),
        "dm2": lambda q: 4 / (mpmath.pi * (1 + 2 * q) * mpmath.sqrt(1 + 4 * q)),
        "C": lambda r, q: 2 / mpmath.pi * mpmath.asin(2 * q * r / (1 + 2 * q)),
        "D": lambda r, q: 4 / (mpmath.pi * mpmath.sqrt((1 + 2 * q) ** 2 - (2 * q * r) ** 2)),
    },
    "tanh": {
        "m2": lambda q: mp_expect(_t2, q, tanh_strip()),
        "m2c": lambda q: mp_expect(_sech2, q, tanh_strip()),
        "d1sq": lambda q: mp_expect(_s4, q, tanh_strip()),
        "dm2": lambda q: mp_expect(_tanh_nu_prime_integrand, q, tanh_strip()),
        "C": lambda r, q: _tanh_pairs(r, q, (mpmath.tanh, mpmath.tanh))[0],
        "D": lambda r, q: _tanh_pairs(r, q, (_sech2, _sech2))[0],
        "CD": _tanh_C_D,
    },
}
MP["erf"]["CD"] = lambda r, q: (MP["erf"]["C"](r, q), MP["erf"]["D"](r, q))


def _bracket_root(fn, lo, hi):
    """Root of fn in [lo, hi] with fn(lo) > 0 > fn(hi), by the Illinois (modified regula falsi) method
    with a *relative* stopping rule |hi - lo| <= 10^-(dps-4) |x| (the function values carry cancellation
    at the working precision; the two-precision confirmation of verify.formulas.evaluate_mpmath, at
    dps + 15 and dps + 35, checks the digits that are reported) (mpmath.findroot's test |f(x)|^2 <= tol
    is absolute and accepts spurious roots where f is merely tiny, e.g. q ~ 1e-68 when sb2 ~ 1e-68)."""
    flo, fhi = fn(lo), fn(hi)
    if not (flo > 0 > fhi):
        raise ValueError(f"bracket [{lo}, {hi}] does not enclose a sign change ({flo}, {fhi})")
    tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 4))
    side = 0
    for it in range(10 * mpmath.mp.prec):
        if it % 2 and lo > 0 and hi > 4 * lo:
            x = mpmath.sqrt(lo * hi)  # geometric bisection: roots many decades below hi (q* ~ sqrt(sb2))
        else:
            x = (lo * fhi - hi * flo) / (fhi - flo)
        if not (lo < x < hi):
            x = (lo + hi) / 2
        fx = fn(x)
        if fx == 0:
            return x
        if fx > 0:
            lo, flo = x, fx
            if side == 1:
                fhi /= 2
            side = 1
        else:
            hi, fhi = x, fx
            if side == -1:
                flo /= 2
            side = -1
        if hi - lo <= tol * abs(x):
            return x
    raise ValueError("Illinois iteration did not converge")


def _bracket_newton(fdf, lo, hi, x0=None):
    """Root of f in [lo, hi] (f(lo) > 0 > f(hi)) by Newton's method safeguarded by the bracket.

    ``fdf(x)`` returns (f(x), f'(x), extra); the result is (x, extra at x).  A Newton step that
    leaves the bracket is replaced by a bisection (geometric when hi > 4 lo > 0, for roots many
    decades below hi).  Stops when the Newton correction is <= 10^-(dps-4) |x|; since convergence is
    quadratic near a simple root the last iterate is then accurate to ~ the working precision, and
    the two-precision confirmation of verify.formulas.evaluate_mpmath checks the reported digits.
    ``x0``: a starting point (the root at a lower precision, see ``_LADDER_DPS``).  The caller's
    function values carry cancellation at the working precision (f = nu(q) - q), so
    the stopping rule is relative in x, never a test on |f|.
    """
    tol = mpmath.mpf(10) ** (-(mpmath.mp.dps - 4))
    x = hi if hi <= 4 * lo or lo <= 0 else mpmath.sqrt(lo * hi)
    if x0 is not None and lo < x0 < hi:
        x = mpmath.mpf(x0)
    for _ in range(4 * mpmath.mp.prec):
        fx, dfx, extra = fdf(x)
        if fx == 0:
            return x, extra
        if fx > 0:
            lo = x
        else:
            hi = x
        step = fx / dfx if dfx != 0 else mpmath.inf
        xn = x - step
        if abs(step) <= tol * abs(x) and lo <= xn <= hi:
            return xn, (extra if xn == x else fdf(xn)[2])
        if not (lo < xn < hi):
            xn = mpmath.sqrt(lo * hi) if lo > 0 and hi > 4 * lo else (lo + hi) / 2
        if hi - lo <= tol * abs(xn):
            return xn, fdf(xn)[2]
        x = xn
    raise ValueError("safeguarded Newton iteration did not converge")


# Precision ladder: above this many digits a solver first solves at _LADDER_DPS digits and starts
# Newton there (quadratic convergence: ~2 steps from 15 to 60 digits instead of ~8 from the bracket
# end).  The start only changes the iteration count; the bracket and the stopping rule are unchanged.
_LADDER_DPS = 15


def mp_qstar(act, sw2_, sb2_):
    """q* in mpmath: 0 in the ordered phase with sb2 = 0, else the root of nu(q) - q in its bracket.

    f(q) = nu(q) - q is evaluated as sw2 m2(q) + sb2 - q for q <= 1 and as (sw2 + sb2 - q) -
    sw2 (1 - m2(q)) above (1 - m2 without cancellation), so the bracket end hi = sw2 + sb2 has
    f(hi) = -sw2 (1 - m2(hi)) < 0 at every scale (sw2 = 1e46 included, where m2(hi) rounds to 1);
    f'(q) = sw2 dm2(q) - 1 drives the safeguarded Newton iteration.
    """
    sw2_, sb2_ = mpmath.mpf(sw2_), mpmath.mpf(sb2_)
    M = MP[act]
    slope0 = sw2_ * M["d1sq"](mpmath.mpf(0))
    if sb2_ == 0 and slope0 <= 1:
        return mpmath.mpf(0)

    def fn(qq):
        if qq <= 1:
            return sw2_ * M["m2"](qq) + sb2_ - qq
        return (sw2_ + sb2_ - qq) - sw2_ * M["m2c"](qq)

    def fdf(qq):
        return fn(qq), sw2_ * M["dm2"](qq) - 1, None

    hi = sb2_ + sw2_
    lo = sb2_ if sb2_ > 0 else hi
    while fn(lo) <= 0:  # sb2 = 0, chaotic: shrink towards 0 until nu(q) > q
        lo = lo / 4
    x0 = None
    if mpmath.mp.dps > 2 * _LADDER_DPS:
        with mpmath.workdps(_LADDER_DPS):
            x0 = mp_qstar(act, sw2_, sb2_)
    return _bracket_newton(fdf, lo, hi, x0)[0]


def mp_chi1(act, sw2_, sb2_):
    qq = mp_qstar(act, sw2_, sb2_)
    return sw2_ * MP[act]["d1sq"](qq)


def mp_rate_q(act, sw2_, sb2_):
    qq = mp_qstar(act, sw2_, sb2_)
    return sw2_ * MP[act]["dm2"](qq)


def mp_cstar(act, sw2_, sb2_):
    """(c*, b): c* = 1, b = chi1 when chi1 <= 1; else the root of P(c) = c in [0, 1).

    h(c) = (sw2 C(c, q*) + sb2)/q* - c and h'(c) = sw2 D(c, q*) - 1 (Price's theorem:
    dC/dc = q* D), both from one 2-D grid per iterate (MP[act]["CD"]); safeguarded Newton.
    """
    sw2_, sb2_ = mpmath.mpf(sw2_), mpmath.mpf(sb2_)
    qq = mp_qstar(act, sw2_, sb2_)
    M = MP[act]
    chi = sw2_ * M["d1sq"](qq)
    if chi <= 1 or qq == 0:
        return mpmath.mpf(1), chi

    def fdf(cc):
        C, D = M["CD"](cc, qq)
        return (sw2_ * C + sb2_) / qq - cc, sw2_ * D - 1, D

    f0, _, D0 = fdf(mpmath.mpf(0))
    if f0 == 0:
        return mpmath.mpf(0), sw2_ * D0
    hi = mpmath.mpf(1) - mpmath.mpf(10) ** (-3)
    while fdf(hi)[0] >= 0:
        hi = (1 + hi) / 2  # the root c* < 1: move hi towards 1 until h < 0
    x0 = None
    if mpmath.mp.dps > 2 * _LADDER_DPS:
        with mpmath.workdps(_LADDER_DPS):
            x0 = mp_cstar(act, sw2_, sb2_)[0]
    cs, D = _bracket_newton(fdf, mpmath.mpf(0), hi, x0)
    return cs, sw2_ * D


def mp_critical_sw2(act, sb2_):
    sb2_ = mpmath.mpf(sb2_)
    M = MP[act]
    if sb2_ == 0:
        return 1 / M["d1sq"](mpmath.mpf(0))

    def F(qq):
        return -(qq - M["m2"](qq) / M["d1sq"](qq) - sb2_)

    # the root q_c solves q - m2(q)/d1sq(q) = sb2 with m2/d1sq > 0, so q_c > sb2 and F(sb2) > 0: the
    # bracket starts at [sb2, 2 max(sb2, 1)] (not [0, 1] doubled ~log2(sb2) times, which at sb2 = 1e38
    # cost over a hundred quadratures at huge variance)
    lo, hi = sb2_, 2 * max(sb2_, mpmath.mpf(1))
    if F(lo) <= 0:
        # m2/d1sq (~ sqrt(q)) is below the working precision relative to sb2 (sb2 >~ 10^(2 dps)): the root
        # q_c = sb2 + m2/d1sq equals sb2 to working precision, and so does 1/d1sq(q_c) ~ sqrt(q_c)
        return 1 / M["d1sq"](lo)
    while F(hi) >= 0:
        lo, hi = hi, 2 * hi
    qc = _bracket_root(F, lo, hi)
    return 1 / M["d1sq"](qc)


def _xi(rate):
    if rate >= 1:
        raise ValueError(f"the linearized rate {rate} is >= 1: criticality, the depth scale is infinite")
    return -1 / mpmath.log(rate)


register("meanfield.qmap.tanh", None, (P_q, P_sw2, P_sb2), source=SRC_Q,
         summary="q-map nu(q) = sw2 E[tanh(sqrt(q) Z)^2] + sb2 (quadrature)",
         mp_impl=lambda q, sw2, sb2: sw2 * MP["tanh"]["m2"](q) + sb2,
         numeric_impl="theorycheck.numeric.gaussian:qmap_tanh")

# q* = 0 at sb2 = 0 exactly when nu'(0) = sw2 phi'(0)^2 <= 1: sw2 <= pi/4 (erf), sw2 <= 1 (tanh).
ORDER_EDGE = {"erf": sp.pi / 4, "tanh": sp.Integer(1)}

for act in ("erf", "tanh"):
    register(f"meanfield.qstar.{act}", None, (P_sw2, P_sb2), source=SRC_FP + "; Saxe et al. 2013 supp. G eq. (49)",
             summary=f"stable fixed point q* of the {act} q-map (0 in the ordered phase with sb2 = 0)",
             mp_impl=lambda sw2, sb2, _a=act: mp_qstar(_a, sw2, sb2),
             numeric_impl=f"theorycheck.numeric.fixed_point:qstar_{act}",
             notes="solver: bracketed Newton (numeric.fixed_point.solve_qstar)")
    register(f"meanfield.chi1.{act}", None, (P_sw2, P_sb2), source=SRC_CHI,
             summary=f"chi1 = sw2 E[{act}'(sqrt(q*) Z)^2] at the stable fixed point q*",
             mp_impl=lambda sw2, sb2, _a=act: mp_chi1(_a, sw2, sb2),
             numeric_impl=f"theorycheck.numeric.fixed_point:chi1_{act}")
    register(f"meanfield.xi_q.{act}", None, (P_sw2, P_sb2), source=SRC_XI,
             summary="xi_q = -1/ln a, a = nu'(q*) = chi1 + sw2 E[phi'' phi] (error at criticality, a = 1)",
             mp_impl=lambda sw2, sb2, _a=act: _xi(mp_rate_q(_a, sw2, sb2)),
             numeric_impl=f"theorycheck.numeric.fixed_point:xi_q_{act}")
    register(f"meanfield.xi_c.{act}", None, (P_sw2, P_sb2), source=SRC_XI,
             summary="xi_c = -1/ln b, b = P'(c*) at the stable correlation fixed point (b = chi1 when c* = 1)",
             mp_impl=lambda sw2, sb2, _a=act: _xi(mp_cstar(_a, sw2, sb2)[1]),
             numeric_impl=f"theorycheck.numeric.fixed_point:xi_c_{act}",
             constraints=(Constraint(sp.Or(sb2 > 0, sw2 > ORDER_EDGE[act]), XI_C_ORDERED_MSG),))
    register(f"meanfield.critical_sw2.{act}", None, (P_sb2,), source=SRC_CHI + " (edge of chaos chi1 = 1)",
             summary=f"sw2 on the critical line chi1(q*(sw2, sb2)) = 1 for {act}",
             mp_impl=lambda sb2, _a=act: mp_critical_sw2(_a, sb2),
             numeric_impl=f"theorycheck.numeric.fixed_point:critical_sw2_{act}")

register("layernorm.critical_ratio.tanh", None, (), source=SRC_LN,
         summary="sigma_b^2/sigma_w^2 = E[tanh'(Z)^2] - E[tanh(Z)^2] (quadrature)",
         mp_impl=lambda: mp_expect(_s4, 1) - mp_expect(_t2, 1),
         numeric_impl="theorycheck.numeric.fixed_point:critical_ratio_tanh")

register("saxe.q_infinity", None, (P_g,),
         source="Saxe et al. 2013, supplementary G, eqs. (48)-(49) (Fig. 8 right)",
         summary="stable fixed point q_inf(g) of q = g^2 int Dz tanh(sqrt(q) z)^2 (0 for g <= 1)",
         mp_impl=lambda g: mp_qstar("tanh", g * g, 0),
         numeric_impl="theorycheck.numeric.fixed_point:q_infinity")
