"""Certified quantities: rigorous enclosures with interval (ball) arithmetic, python-flint / Arb.

A ``certified`` check (tier ``certified``, verify/registry.py) proves its statement instead of sampling
it.  Every quantity is an Arb ball that provably contains the exact value; the check records it as an
enclosure ``[lo, hi]`` of two decimal strings rounded *outwards* (:func:`enclosure`), and a term holds
only if the whole interval satisfies the relation (``Outcome.certified``, verify/outcomes.py), so the
status is re-derived from the recorded end points alone with exact rational arithmetic.

What is here
------------
* Gaussian expectations.  ``E[g(sqrt(q) Z)]``, Z ~ N(0, 1), for the quantities of the mean-field
  theory (``m2 = E[phi^2]``, ``d1sq = E[phi'^2]`` and their q-derivatives):

  - closed forms where they exist (ReLU, leaky ReLU: homogeneous; erf: the arcsine kernel,
    ``E[erf(sqrt(q) Z)^2] = (2/pi) asin(2q/(1+2q))``, ``E[erf'(sqrt(q) Z)^2] = (4/pi)/sqrt(1+4q)``),
    evaluated in ball arithmetic;
  - tanh by rigorous quadrature (:func:`gauss_expect`): the integrand ``g(sqrt(q) z) exp(-z^2/2)`` is
    even and analytic in the strip |Im z| < pi/(2 sqrt(q)) (tanh's poles), so Arb's
    ``acb.integral`` (adaptive Gauss-Legendre with error bounds from the analytic continuation on
    ellipses; an ellipse reaching a pole gives a non-finite ball and is subdivided) encloses
    ``int_0^T``; the tail is bounded by ``|g| <= M`` on the real line:
    ``2 int_T^oo |g| phi <= M erfc(T/sqrt 2)``, added as a ball of that radius, with T chosen so
    that the tail is below 2^-(prec+8).  q may be a ball (the result then encloses the expectation
    for every q in it: ball arithmetic is inclusion-monotone), which interval Newton needs.

* Two-dimensional kernels ``E[phi(u) phi(v)]``, (u, v) centred Gaussian with variances q1, q2 and
  correlation rho: the closed forms (arc-cosine kernel of ReLU/leaky ReLU, arcsine kernel of erf,
  :func:`cov_closed`) and, independently, a rigorous 1-D quadrature after conditioning on the first
  variable (:func:`cov_quad`): u = sqrt(q1) z, v = sqrt(q2)(rho z + sqrt(1 - rho^2) w), and the inner
  expectation over w in closed form -- E[ReLU(m + s W)] = m Phi(m/s) + s phi(m/s),
  E[erf(m + s W)] = erf(m / sqrt(1 + 2 s^2)) -- so the outer integrand is analytic on each side of
  the kink z = 0; tails are bounded with the Gaussian moments int_T^oo z^k phi(z) dz (k = 1, 2).

* Fixed points by the interval Newton method (:func:`interval_newton`): for a ball X and its
  midpoint m, N(X) = m - F(m)/F'(X).  If N(X) lies in the interior of X (so 0 is not in F'(X)), X
  contains exactly one root of F and the root lies in N(X) (Moore 1966; Neumaier 1990, Thm. 5.1.7).
  Parameters may be balls (a box of parameters): the same contraction then proves a unique root in X
  for *every* parameter value in the box (parametric interval Newton), which is how inequalities are
  certified over whole parameter ranges (:func:`certify_box`, bisection until every sub-box is proven).
  q* (nu(q) = q), the critical sigma_w^2 (chi_1 = 1: q = m2(q)/d1sq(q) + sigma_b^2, then
  sigma_w^2 = 1/d1sq(q)), and the layer-normalized correlation fixed point rho_fp of erf.

* Printed numbers: a number printed with d decimals stands for the interval of half a unit of its last
  digit (:func:`printed_interval`); the enclosure is consistent with it (``in``) or provably not
  (``outside``).

* tanh's two-dimensional expectation E[g(u) g(v)] (u = sqrt(q) z, v = sqrt(q)(c z + s w)) by nested rigorous
  quadrature (:func:`gauss_expect2`): the inner integral over w (acb.integral) is an analytic function of
  z, evaluated on complex balls by the outer acb.integral; the outer integrand returns a non-finite ball
  where |Im(sqrt(q) c z)| may exceed pi/8 (Arb then subdivides), which keeps |tanh| <= 1 and
  |sech^2| <= 1/cos^2(pi/8) on the inner line, so the inner tails are bounded by that constant times
  erfc(T/sqrt 2) for complex z too.  The chaotic correlation fixed point c* < 1 of tanh
  (:func:`cstar_tanh`) by interval Newton with P'(c) = sw2 E[sech^2(u) sech^2(v)] (Price's theorem).
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from fractions import Fraction

from flint import acb, arb, ctx, fmpz

__all__ = ["PREC", "precision", "num", "enclosure", "gauss_expect", "m2", "dm2", "d1sq", "dd1sq", "qstar", "chi1",
           "critical_sw2", "rho_fp_erf", "layernorm_slope1", "critical_ratio", "cov_closed", "cov_quad",
           "interval_newton", "CertificationError", "gauss_expect2", "cstar_tanh", "cmap_slope_tanh", "printed_interval", "abs_diff", "certify_box", "Box",
           "ACTS"]

PREC = 104  # working precision in bits (float64 has 53): enclosures ~1e-25 wide where the input is exact
DIGITS = 22  # significant digits of the recorded end points (outward rounded)
ACTS = ("relu", "leaky_relu", "erf", "tanh")


class CertificationError(ArithmeticError):
    """An enclosure could not be proven (e.g. interval Newton did not contract): the check fails with it."""


@contextmanager
def precision(bits: int = PREC):
    """Arb's working precision (bits) inside the block."""
    old = ctx.prec
    ctx.prec = int(bits)
    try:
        yield
    finally:
        ctx.prec = old


# ----------------------------------------------------------------------------------------------
# Conversions
def num(x) -> arb:
    """An exact ball for an int, a Fraction or a float (the double's exact binary value); a decimal string
    gives a ball enclosing the decimal number ("0.05" is not a double: its ball has a tiny radius)."""
    if isinstance(x, arb):
        return x
    if isinstance(x, bool):
        raise TypeError("num: a bool is not a number")
    if isinstance(x, int):
        return arb(fmpz(x))
    if isinstance(x, Fraction):
        return arb(fmpz(x.numerator)) / arb(fmpz(x.denominator))
    if isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"num: {x!r} is not finite")
        n, d = x.as_integer_ratio()  # d a power of two: the division is exact
        return arb(fmpz(n)) / arb(fmpz(d))
    if isinstance(x, str):
        return arb(x)
    try:  # numpy scalars
        return num(float(x))
    except (TypeError, ValueError):
        raise TypeError(f"num: cannot make a ball of {x!r}") from None


def _exact(x) -> Fraction:
    """The exact value of an arf/mag midpoint or radius (an arb with radius 0)."""
    man, exp = x.man_exp()
    man, exp = int(man), int(exp)
    return Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp)


def bounds(x: arb) -> tuple[Fraction, Fraction]:
    """The ball's end points mid -/+ rad as exact rationals."""
    if not x.is_finite():
        raise CertificationError(f"the ball {x} is not finite (no enclosure)")
    m, r = _exact(x.mid()), _exact(x.rad())
    return m - r, m + r


def _dec(fr: Fraction, rounding, digits: int) -> str:
    if fr == 0:
        return "0"
    c = Context(prec=digits, rounding=rounding)
    return str(c.divide(Decimal(fr.numerator), Decimal(fr.denominator)))


def enclosure(x: arb, digits: int = DIGITS) -> list[str]:
    """``[lo, hi]``: decimal strings with ``digits`` significant digits, lo rounded down and hi up from the
    ball's exact end points, so [lo, hi] contains the ball (and the exact value it encloses)."""
    lo, hi = bounds(x)
    return [_dec(lo, ROUND_FLOOR, digits), _dec(hi, ROUND_CEILING, digits)]


def abs_diff(value, x: arb) -> arb:
    """A ball containing |value - t| for every t in x (``value`` a float, e.g. a float64 kernel's result)."""
    return abs(num(value) - x)


def printed_interval(text: str) -> list[str]:
    """The interval a printed decimal stands for: ``"0.0373"`` -> [0.03725, 0.03735] (half a unit of the last
    printed digit either side), exact decimal strings."""
    d = Decimal(text)
    exp = d.as_tuple().exponent
    half = Decimal(5).scaleb(exp - 1)
    return [str(d - half), str(d + half)]


# ----------------------------------------------------------------------------------------------
# One-dimensional Gaussian expectations
def _tail_cut(prec: int) -> arb:
    """T with erfc(T/sqrt 2) < 2^-(prec + 8): erfc(x) < exp(-x^2) for x > 0 gives T = sqrt(2 (prec+8) ln 2)."""
    return arb(math.ceil(math.sqrt(2 * (prec + 8) * math.log(2))) + 1)


def gauss_expect(g, q, bound, prec: int | None = None) -> arb:
    """E[g(sqrt(q) Z)] for an *even* g, analytic in a strip around the real axis, with |g| <= ``bound`` on it.

    ``g`` maps an acb ball to an acb ball (meromorphic: a ball touching a pole gives a non-finite ball, so
    Arb's analyticity test is automatic).  Enclosure = 2 int_0^T g(sqrt(q) z) phi(z) dz (acb.integral,
    rigorous) plus a ball of radius ``bound`` erfc(T/sqrt 2) for the tails.  ``q`` may be a ball (its
    negative part is dropped: q >= 0 is a variance)."""
    prec = prec or ctx.prec
    qa = num(q)
    if qa < 0:
        raise CertificationError(f"gauss_expect: the variance q = {qa} is negative")
    sq = acb(qa.nonnegative_part().sqrt())
    T = _tail_cut(prec)

    def f(z, analytic):
        return g(sq * z) * (-(z * z) / 2).exp()

    inner = acb.integral(f, 0, T).real
    tail = num(bound) * (T / arb(2).sqrt()).erfc()
    return 2 * inner / (2 * arb.pi()).sqrt() + arb(0, tail.upper())


# tanh: the integrands (even functions of the argument) and bounds of |g| on the real line
def _t2(x):
    return x.tanh() ** 2


def _s4(x):
    return x.sech() ** 4


def _dm2_tanh(x):  # (tanh^2)''/2 = (1 - t^2)(1 - 3 t^2), |.| <= 1
    t2 = x.tanh() ** 2
    return (1 - t2) * (1 - 3 * t2)


def _dd1sq_tanh(x):  # (sech^4)''/2 = s^4 (8 - 10 s^2), |.| <= 2
    s2 = x.sech() ** 2
    return s2 * s2 * (8 - 10 * s2)


def _a(a):
    if a is None:
        raise ValueError("leaky_relu needs the slope a")
    return num(a)


def m2(act: str, q, a=None) -> arb:
    """E[phi(sqrt(q) Z)^2] (the q-map is nu(q) = sw2 m2(q) + sb2)."""
    q = num(q)
    if act == "relu":
        return q / 2
    if act == "leaky_relu":
        return q * (1 + _a(a) ** 2) / 2
    if act == "erf":
        return 2 / arb.pi() * (2 * q / (1 + 2 * q)).asin()
    if act == "tanh":
        return gauss_expect(_t2, q, 1)
    raise ValueError(f"unknown activation {act!r}; one of {ACTS}")


def dm2(act: str, q, a=None) -> arb:
    """d m2 / dq = E[(phi^2)''(sqrt(q) Z)]/2 (heat equation / Stein's lemma)."""
    q = num(q)
    if act == "relu":
        return arb(1) / 2 + 0 * q
    if act == "leaky_relu":
        return (1 + _a(a) ** 2) / 2 + 0 * q
    if act == "erf":  # d/dq (2/pi) asin(2q/(1+2q)) = 4 / (pi (1 + 2q) sqrt(1 + 4q))
        return 4 / (arb.pi() * (1 + 2 * q) * (1 + 4 * q).sqrt())
    if act == "tanh":
        return gauss_expect(_dm2_tanh, q, 1)
    raise ValueError(f"unknown activation {act!r}; one of {ACTS}")


def d1sq(act: str, q, a=None) -> arb:
    """E[phi'(sqrt(q) Z)^2] (chi_1 = sw2 d1sq(q*))."""
    q = num(q)
    if act == "relu":
        return arb(1) / 2 + 0 * q
    if act == "leaky_relu":
        return (1 + _a(a) ** 2) / 2 + 0 * q
    if act == "erf":  # erf'(x)^2 = (4/pi) exp(-2 x^2): E = (4/pi)/sqrt(1 + 4q)
        return 4 / (arb.pi() * (1 + 4 * q).sqrt())
    if act == "tanh":
        return gauss_expect(_s4, q, 1)
    raise ValueError(f"unknown activation {act!r}; one of {ACTS}")


def dd1sq(act: str, q, a=None) -> arb:
    """d d1sq / dq = E[(phi'^2)''(sqrt(q) Z)]/2."""
    q = num(q)
    if act in ("relu", "leaky_relu"):
        return 0 * q
    if act == "erf":  # d/dq (4/pi)(1 + 4q)^(-1/2) = -(8/pi)(1 + 4q)^(-3/2)
        return -8 / (arb.pi() * (1 + 4 * q) * (1 + 4 * q).sqrt())
    if act == "tanh":
        return gauss_expect(_dd1sq_tanh, q, 2)
    raise ValueError(f"unknown activation {act!r}; one of {ACTS}")


# ----------------------------------------------------------------------------------------------
# Interval Newton
@dataclass
class Root:
    """A proven root: ``x`` encloses the unique root of F in the (wider) ball ``region``."""

    x: arb
    region: arb
    steps: int


def interval_newton(F, dF, guess: float, radius: float, max_steps: int = 40, tighten: bool = True) -> Root:
    """Prove and enclose a root of F near ``guess``.

    X_0 = [guess - radius, guess + radius]; N(X) = m - F(m)/dF(X) with m the midpoint of X.  The first X with
    N(X) in the interior of X proves a unique root in that X (the ``region``); iterating X <- N(X) (still
    containing it) then tightens the enclosure until it stops shrinking.  Raises CertificationError if no
    contraction is found (the radius is doubled up to 12 times when N(X) leaves X).  ``tighten=False`` stops
    at the proof (the enclosure is then N(X) intersected with X: enough for a proof over a parameter box)."""
    X = arb(num(guess), num(radius))
    region = None
    for step in range(max_steps):
        m = arb(X.mid())
        N = m - F(m) / dF(X)
        if not N.is_finite():
            raise CertificationError(f"interval Newton: F'(X) contains 0 or is not finite on X = {X}")
        if region is None:
            if X.contains_interior(N):
                region = X
                if not tighten:
                    return Root(N.intersection(X), region, step + 1)
            else:  # no contraction yet: widen around the guess (the root may lie further out)
                if step >= 12:
                    raise CertificationError(f"interval Newton: no contraction around {guess!r} (X = {X}, N = {N})")
                X = arb(X.mid(), 2 * X.rad()).union(N)
                continue
        new = N.intersection(X)
        if new.rad() >= X.rad() * 0.999:
            return Root(new, region, step + 1)
        X = new
    return Root(X, region, max_steps)


# ----------------------------------------------------------------------------------------------
# Mean-field fixed points
def qstar(act: str, sw2, sb2, guess: float, a=None, radius: float | None = None, tighten: bool = True) -> Root:
    """The fixed point q* of nu(q) = sw2 m2(q) + sb2 near ``guess`` (F(q) = nu(q) - q, F' = sw2 dm2 - 1);
    sw2, sb2 may be balls (a parameter box)."""
    w, b = num(sw2), num(sb2)
    r = radius if radius is not None else 1e-9 * max(abs(guess), 1e-3)
    return interval_newton(lambda q: w * m2(act, q, a) + b - q, lambda X: w * dm2(act, X, a) - 1, guess, r,
                           tighten=tighten)


def chi1(act: str, sw2, q, a=None) -> arb:
    """chi_1 = sw2 E[phi'(sqrt(q) Z)^2] (q a ball: an enclosure of chi_1 at every q in it)."""
    return num(sw2) * d1sq(act, q, a)


def nu_slope(act: str, sw2, q, a=None) -> arb:
    """nu'(q) = sw2 dm2(q): the stability of a fixed point q* (stable iff |nu'(q*)| < 1)."""
    return num(sw2) * dm2(act, q, a)


def critical_sw2(act: str, sb2, guess_q: float, a=None) -> tuple[arb, Root]:
    """(sw2_c, q_c) with chi_1 = 1 at the fixed point: sw2 = 1/d1sq(q) eliminated from q = sw2 m2(q) + sb2,
    G(q) = m2(q)/d1sq(q) + sb2 - q = 0, G' = (dm2 d1sq - m2 dd1sq)/d1sq^2 - 1 (interval Newton in q)."""
    b = num(sb2)

    def G(q):
        return m2(act, q, a) / d1sq(act, q, a) + b - q

    def dG(X):
        D = d1sq(act, X, a)
        return (dm2(act, X, a) * D - m2(act, X, a) * dd1sq(act, X, a)) / (D * D) - 1

    root = interval_newton(G, dG, guess_q, 1e-9 * max(abs(guess_q), 1e-3))
    return 1 / d1sq(act, root.x, a), root


# ----------------------------------------------------------------------------------------------
# Layer-normalized correlation map (ICLR 2022 eq. (2.3)), unit variances
def _cov_unit(act: str, rho, a=None) -> arb:
    """C[phi|rho] at unit variances (closed forms)."""
    return cov_closed(act, rho, 1, 1, a)


def layernorm_slope1(act: str, sw2, sb2, a=None) -> arb:
    """P'(1) = sw2 ||phi'||^2 / (sb2 + sw2 ||phi||^2) (Stein's lemma: dC/drho at 1 is E[phi'^2])."""
    w, b = num(sw2), num(sb2)
    return w * d1sq(act, 1, a) / (b + w * m2(act, 1, a))


def critical_ratio(act: str, a=None) -> arb:
    """sigma_b^2/sigma_w^2 = ||phi'||^2 - ||phi||^2 at which P'(1) = 1 (tanh: two rigorous quadratures)."""
    return d1sq(act, 1, a) - m2(act, 1, a)


def rho_fp_erf(sw2, sb2, guess: float) -> Root:
    """rho_fp of P(rho) = (sb2 + sw2 (2/pi) asin(2 rho/3)) / (sb2 + sw2 (2/pi) asin(2/3)) near ``guess``
    (erf, unit variances); P'(rho) = sw2 (4/(3 pi)) / sqrt(1 - 4 rho^2/9) / den."""
    w, b = num(sw2), num(sb2)
    den = b + w * m2("erf", 1)

    def F(r):
        return (b + w * 2 / arb.pi() * (2 * r / 3).asin()) / den - r

    def dF(R):
        return w * 4 / (3 * arb.pi() * (1 - 4 * R * R / 9).sqrt()) / den - 1

    return interval_newton(F, dF, guess, 1e-9)


def layernorm_pmap(sw2, sb2, rho, act: str = "erf") -> tuple[arb, arb]:
    """P(rho), P'(rho) for erf (closed forms)."""
    if act != "erf":
        raise ValueError("layernorm_pmap: closed form for erf only")
    w, b, r = num(sw2), num(sb2), num(rho)
    den = b + w * m2("erf", 1)
    return (b + w * 2 / arb.pi() * (2 * r / 3).asin()) / den, w * 4 / (3 * arb.pi() * (1 - 4 * r * r / 9).sqrt()) / den


# ----------------------------------------------------------------------------------------------
# Two-dimensional kernels E[phi(u) phi(v)]
def _relu_kernel(rho: arb) -> arb:
    """C[ReLU|rho] = (sqrt(1 - rho^2) + (pi - acos rho) rho) / (2 pi) (arc-cosine kernel of degree 1)."""
    return ((1 - rho * rho).nonnegative_part().sqrt() + (arb.pi() - rho.acos()) * rho) / (2 * arb.pi())


def cov_closed(act: str, rho, q1, q2, a=None) -> arb:
    """E[phi(u) phi(v)] by the closed forms (symbolic/gauss.py COV), in ball arithmetic."""
    r, q1, q2 = num(rho), num(q1), num(q2)
    s = (q1 * q2).sqrt()
    if act == "relu":
        return s * _relu_kernel(r)
    if act == "leaky_relu":
        aa = _a(a)
        return s * (aa * r + (1 - aa) ** 2 * _relu_kernel(r))
    if act == "erf":
        return 2 / arb.pi() * (2 * r * s / ((1 + 2 * q1) * (1 + 2 * q2)).sqrt()).asin()
    raise ValueError(f"no closed-form kernel for {act!r}")


def _npdf(x):
    return (-(x * x) / 2).exp() / (2 * arb.pi()).sqrt()


def cov_quad(act: str, rho, q1, q2, a=None, prec: int | None = None) -> arb:
    """E[phi(u) phi(v)] by rigorous 1-D quadrature, independent of the closed forms.

    u = sqrt(q1) z, v = sqrt(q2)(rho z + c w), c = sqrt(1 - rho^2) > 0 (|rho| < 1), q1, q2 > 0; the inner
    expectation over w in closed form:
      ReLU: E[ReLU(m + s W)] = m Phi(m/s) + s phi(m/s), m = sqrt(q2) rho z, s = sqrt(q2) c;
      leaky: a (m) + (1 - a) E[ReLU(m + s W)] (a x + (1 - a) ReLU(x));
      erf:   E[erf(m + s W)] = erf(m / sqrt(1 + 2 s^2)).
    The outer integrand phi(sqrt(q1) z) inner(z) phi(z) is entire on each side of z = 0 (the kink of
    (leaky) ReLU): acb.integral on [0, T] and [-T, 0].  Tails: erf's integrand is bounded by 1 in absolute
    value, so 2 int_T^oo phi = erfc(T/sqrt 2); (leaky) ReLU's by |phi(sqrt(q1) z)| <= sqrt(q1)|z| and
    |inner| <= |m| + s <= sqrt(q2)(|z| + 1), so each tail is <= sqrt(q1 q2) int_T^oo (z^2 + z) phi(z) dz
    = sqrt(q1 q2) ((T + 1) phi(T) + Phi(-T)).
    """
    prec = prec or ctx.prec
    r, q1, q2 = num(rho), num(q1), num(q2)
    if not (abs(r) < 1) or not (q1 > 0) or not (q2 > 0):
        raise CertificationError("cov_quad needs |rho| < 1 and q1, q2 > 0 (the conditioning on z)")
    s1, s2 = q1.sqrt(), q2.sqrt()
    c = (1 - r * r).sqrt()
    T = _tail_cut(prec)
    root2 = arb(2).sqrt()
    if act == "erf":
        k = s2 * r / (1 + 2 * q2 * c * c).sqrt()

        def f(z, analytic):
            return (acb(s1) * z).erf() * (acb(k) * z).erf() * (-(z * z) / 2).exp()

        inner = acb.integral(f, -T, T).real
        return inner / (2 * arb.pi()).sqrt() + arb(0, (T / root2).erfc().upper())
    if act not in ("relu", "leaky_relu"):
        raise ValueError(f"cov_quad: no conditioned form for {act!r}")
    aa = arb(0) if act == "relu" else _a(a)
    S = acb(s2 * c)

    def inner_mean(z):  # E_w[phi(m + s w)], m = sqrt(q2) rho z
        m = acb(s2 * r) * z
        t = m / S
        relu_mean = m * (-t / acb(root2)).erfc() / 2 + S * (-(t * t) / 2).exp() / acb((2 * arb.pi()).sqrt())
        return acb(aa) * m + acb(1 - aa) * relu_mean

    def f_pos(z, analytic):
        return acb(s1) * z * inner_mean(z) * (-(z * z) / 2).exp()

    def f_neg(z, analytic):
        return acb(aa * s1) * z * inner_mean(z) * (-(z * z) / 2).exp()

    total = acb.integral(f_pos, 0, T).real + acb.integral(f_neg, -T, 0).real
    tail = s1 * s2 * ((T + 1) * _npdf(T) + (T / root2).erfc() / 2)
    return total / (2 * arb.pi()).sqrt() + arb(0, (2 * tail).upper())


# ----------------------------------------------------------------------------------------------
# Inequalities over parameter boxes by subdivision
@dataclass
class Box:
    """A parameter box: name -> (lo, hi) as exact numbers (floats or Fractions)."""

    sides: dict

    def balls(self) -> dict:
        out = {}
        for k, (lo, hi) in self.sides.items():
            lo_b, hi_b = num(lo), num(hi)
            out[k] = arb((lo_b + hi_b) / 2, (hi_b - lo_b) / 2)  # the ball's rounding only widens it
        return out

    def split(self, side: str | None = None) -> tuple["Box", "Box"]:
        """Halve ``side`` (default: the widest)."""
        k = side or max(self.sides, key=lambda n: (Fraction(self.sides[n][1]) - Fraction(self.sides[n][0])))
        lo, hi = Fraction(self.sides[k][0]), Fraction(self.sides[k][1])
        mid = (lo + hi) / 2
        return Box({**self.sides, k: (lo, mid)}), Box({**self.sides, k: (mid, hi)})


def certify_box(prove, box: Box, max_boxes: int = 256, choose=None) -> tuple[int, list]:
    """Bisect ``box`` until ``prove(sub_box)`` returns True on every sub-box (then the statement holds on the
    whole box, the union); ``prove`` may raise CertificationError (treated as not proven, split further).
    ``choose(box)`` names the side to halve (default: the widest).
    Returns (number of proven boxes, list of boxes left unproven when ``max_boxes`` was reached)."""
    todo, proven = [box], 0
    while todo:
        b = todo.pop()
        try:
            ok = bool(prove(b))
        except CertificationError:
            ok = False
        if ok:
            proven += 1
            continue
        if proven + len(todo) + 2 > max_boxes:
            return proven, [b] + todo
        todo.extend(b.split(choose(b) if choose else None))
    return proven, []


# ----------------------------------------------------------------------------------------------
# tanh: two-dimensional expectations and the correlation fixed point
_STRIP = 8  # the outer integrand is evaluated only where |Im(sqrt(q) c z)| < pi/_STRIP


def _tanh(x):
    return x.tanh()


def _sech2(x):
    return x.sech() ** 2


# bounds of |g| on the strip |Im x| < pi/8: |tanh| <= 1 (|Im| < pi/4), |sech^2| = 1/(sinh^2 Re + cos^2 Im)
_STRIP_BOUND = {"tanh": 1.0, "sech2": 1.0 / math.cos(math.pi / 8) ** 2 * (1 + 1e-12)}


def gauss_expect2(g, bound: float, q, c, prec: int | None = None) -> arb:
    """E[g(u) g(v)] with u = sqrt(q) z, v = sqrt(q)(c z + sqrt(1 - c^2) w), z, w independent N(0, 1), for g
    odd or even analytic in the strip |Im x| < pi/4 with |g| <= ``bound`` on |Im x| <= pi/8 (see the module
    docstring: nested acb.integral on [-T, T]^2 plus tail balls bound erfc(T/sqrt 2) (inner, complex) and
    bound^2 erfc(T/sqrt 2) (outer)).  q and c may be balls (0 <= c <= 1)."""
    prec = prec or ctx.prec
    q, c = num(q), num(c)
    a1 = q.nonnegative_part().sqrt()
    A, S = a1 * c, a1 * (1 - c * c).nonnegative_part().sqrt()
    T = _tail_cut(prec)
    tail = (T / arb(2).sqrt()).erfc().upper()
    lim = arb.pi() / _STRIP
    sq2pi = (2 * arb.pi()).sqrt()
    B = num(bound)

    def inner(z):
        az = acb(A) * z
        if not (abs(az.imag) < lim):
            return acb("nan")

        def f(w, analytic):
            return g(az + acb(S) * w) * (-(w * w) / 2).exp()

        r = B * tail
        return acb.integral(f, -T, T) / acb(sq2pi) + acb(arb(0, r.upper()), arb(0, r.upper()))

    def outer(z, analytic):
        return g(acb(a1) * z) * inner(z) * (-(z * z) / 2).exp()

    return acb.integral(outer, -T, T).real / sq2pi + arb(0, (B * B * tail).upper())


def cstar_tanh(sw2, sb2, q, guess: float, radius: float = 1e-9) -> Root:
    """The correlation fixed point c* of P(c) = (sw2 E[tanh(u) tanh(v)] + sb2)/q near ``guess`` (chaotic
    phase, c* < 1), ``q`` an enclosure of q* (a ball): interval Newton with
    P'(c) = sw2 E[sech^2(u) sech^2(v)] (d/dc E[phi(u) phi(v)] = q E[phi'(u) phi'(v)], Price's theorem).
    One contraction proves the root (``tighten=False``: each step costs two nested quadratures)."""
    w, b, qq = num(sw2), num(sb2), num(q)

    def F(cc):
        return (w * gauss_expect2(_tanh, _STRIP_BOUND["tanh"], qq, cc) + b) / qq - cc

    def dF(X):
        return w * gauss_expect2(_sech2, _STRIP_BOUND["sech2"], qq, X) - 1

    return interval_newton(F, dF, guess, radius, tighten=False)


def cmap_slope_tanh(sw2, q, c) -> arb:
    """P'(c) = sw2 E[sech^2(u) sech^2(v)] (an enclosure for every c of a ball)."""
    return num(sw2) * gauss_expect2(_sech2, _STRIP_BOUND["sech2"], num(q), num(c))
