"""Saxe, McClelland & Ganguli 2013, supplementary A "Hyperbolic dynamics of learning": the hyperbolic
coordinates (23)/(24) of the scalar dynamics (8), the theta dynamics (25), the travel time (26), and the
closed form of u(t) = a(t) b(t) for unequal a0, b0 (derived in symbolic/saxe.py).

Errata this module reports, with the corrected statements it checks instead:

* with the coordinates (23)/(24), ab = (c0/2) sinh(theta), not c0 sinh(theta);
* hence eq. (25) is tau dtheta/dt = 2s - c0 sinh(theta) (printed: s - c0 sinh(theta));
* the fixed point is sinh(theta*) = 2s/c0 (printed: s/c0);
* the cutoff ab = (1 - eps)s is sinh(theta_f) = 2(1 - eps)s/c0 (printed: (1 - eps)s/c0);
* eq. (26), which is the correct integral of the printed (25), gives the travel time along the true
  dynamics (8) only with s -> 2s.
"""
from __future__ import annotations

from fractions import Fraction

import mpmath
import sympy as sp

from theorycheck.symbolic import saxe as S
from theorycheck.verify.claims.saxe2013._common import A as _a
from theorycheck.verify.claims.saxe2013._common import B as _b
from theorycheck.verify.claims.saxe2013._common import CITE
from theorycheck.verify.claims.saxe2013._common import DA as _DA
from theorycheck.verify.claims.saxe2013._common import DB as _DB
from theorycheck.verify.claims.saxe2013._common import zero as _zero
from theorycheck.verify.formulas import evaluate_mpmath, generated_function
from theorycheck.verify.references import ode_solve, rel_err
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import digits

CA1 = claim(
    "saxe2013/supA-eq23-24-coordinates",
    "In the hyperbolic coordinates (23)/(24), a^2 - b^2 = +-c0, a^2 + b^2 = c0 cosh(theta) and ab = c0 sinh(theta).",
    f"{CITE}, supplementary eqs. (23)-(24)",
)


@CA1.exact("conserved-and-sum")
def _(ctx):
    """a^2 - b^2 = +-c0 and a^2 + b^2 = c0 cosh(theta) for the charts (23) and (24).  Exact: SymPy residual 0."""
    res = 0
    for (A, B), sign in (((S.A_23, S.B_23), 1), ((S.A_24, S.B_24), -1)):
        res += abs(_zero(A**2 - B**2 - sign * S.c0)) + abs(_zero(A**2 + B**2 - S.PRINTED["a2_plus_b2"]))
    return Outcome.symbolic(sp.simplify(res), "a^2 - b^2 = +-c0 and a^2 + b^2 = c0 cosh(theta) for (23) and (24)")


@CA1.exact("product-ab")
def _(ctx):
    """Erratum check: ab in the charts (23)/(24) vs the printed c0 sinh(theta) and the corrected (c0/2) sinh(theta).
    Exact: SymPy residual 0."""
    pr = sum(abs(_zero(A * B - S.PRINTED["ab"])) for A, B in ((S.A_23, S.B_23), (S.A_24, S.B_24)))
    co = sum(abs(_zero(A * B - S.CORRECTED["ab"])) for A, B in ((S.A_23, S.B_23), (S.A_24, S.B_24)))
    return erratum(Outcome.symbolic(sp.simplify(pr), "ab - c0 sinh(theta) as printed"),
                   Outcome.symbolic(sp.simplify(co), "ab - (c0/2) sinh(theta)"),
                   "ab = (c0/2) sinh(theta), not c0 sinh(theta) (sqrt(c0) cosh(theta/2) sqrt(c0) sinh(theta/2) = "
                   "(c0/2) sinh(theta))")


CA2 = claim(
    "saxe2013/supA-eq25-theta-dynamics",
    "Along a^2 - b^2 = +-c0 the dynamics (8) become tau dtheta/dt = s - c0 sinh(theta), with the fixed point "
    "theta* = asinh(s/c0) and the cutoff sinh(theta_f) = (1 - eps) s/c0 meaning ab = (1 - eps) s.",
    f"{CITE}, supplementary eq. (25) and the text after (26)",
)


def _theta_rate(A, B):
    """tau dtheta/dt implied by (8) in the chart (A, B): from da/dt and, independently, from db/dt."""
    th = S.theta
    r = S.s - A * B
    from_a = sp.simplify(B * r / sp.diff(A, th))
    from_b = sp.simplify(A * r / sp.diff(B, th))
    return from_a, from_b


@CA2.exact("eq25")
def _(ctx):
    """Erratum check: tau dtheta/dt implied by (8) in the charts (23)/(24) (from da/dt and, independently, from db/dt)
    vs the printed (25) s - c0 sinh(theta) and the corrected 2s - c0 sinh(theta).  Exact: SymPy residual 0."""
    pr, co = 0, 0
    for A, B in ((S.A_23, S.B_23), (S.A_24, S.B_24)):
        fa, fb = _theta_rate(A, B)
        pr += abs(_zero(fa - S.PRINTED["eq25_rhs"])) + abs(_zero(fb - S.PRINTED["eq25_rhs"]))
        co += abs(_zero(fa - S.CORRECTED["eq25_rhs"])) + abs(_zero(fb - S.CORRECTED["eq25_rhs"]))
    return erratum(Outcome.symbolic(sp.simplify(pr), "tau theta' from (8) minus (s - c0 sinh theta), charts (23), (24)"),
                   Outcome.symbolic(sp.simplify(co), "tau theta' from (8) minus (2s - c0 sinh theta)"),
                   "eq. (25) should read tau dtheta/dt = 2s - c0 sinh(theta) (it follows from (8) and (23)/(24); "
                   "the printed s - c0 sinh(theta) follows only from the printed, wrong, ab = c0 sinh(theta))")


@CA2.exact("fixed-point")
def _(ctx):
    """Erratum check: ab - s at the printed theta* = asinh(s/c0) and at the corrected asinh(2s/c0).  Exact: SymPy residual 0."""
    ab = S.CORRECTED["ab"]
    pr = _zero(ab.subs(S.theta, S.PRINTED["theta_star"]) - S.s)
    co = _zero(ab.subs(S.theta, S.CORRECTED["theta_star"]) - S.s)
    return erratum(Outcome.symbolic(pr, "ab - s at theta* = asinh(s/c0)"),
                   Outcome.symbolic(co, "ab - s at theta* = asinh(2s/c0)"),
                   "the fixed point ab = s lies at theta* = asinh(2s/c0), not asinh(s/c0)")


@CA2.exact("cutoff")
def _(ctx):
    """Erratum check: ab - (1 - eps)s at the printed cutoff sinh(theta_f) = (1 - eps)s/c0 and at the corrected
    2(1 - eps)s/c0.  Exact: SymPy residual 0."""
    eps = sp.Symbol("epsilon", positive=True)
    ab = S.CORRECTED["ab"]
    th_pr = sp.asinh((1 - eps) * S.s / S.c0)
    th_co = sp.asinh(2 * (1 - eps) * S.s / S.c0)
    return erratum(Outcome.symbolic(_zero(ab.subs(S.theta, th_pr) - (1 - eps) * S.s), "ab - (1-eps)s at sinh theta_f = (1-eps)s/c0"),
                   Outcome.symbolic(_zero(ab.subs(S.theta, th_co) - (1 - eps) * S.s), "ab - (1-eps)s at sinh theta_f = 2(1-eps)s/c0"),
                   "ab = (1 - eps)s requires sinh(theta_f) = 2(1 - eps)s/c0, not (1 - eps)s/c0")


CA3 = claim(
    "saxe2013/supA-eq26-learning-time",
    "Eq. (26) gives the time to travel from theta_0 to theta_f along the hyperbola a^2 - b^2 = +-c0.",
    f"{CITE}, supplementary eq. (26)",
)


@CA3.exact("eq26-integrates-printed-eq25")
def _(ctx):
    """(26) is the integral of the printed (25): d(26)/dtheta - tau/(s - c0 sinh theta), plus (26) at theta = theta0.
    Exact: SymPy residual 0."""
    # (26) is internally consistent with the printed (25): d/dtheta of (26) = tau/(s - c0 sinh theta).
    res = _zero(sp.diff(S.PRINTED["eq26"], S.theta) - S.tau / S.PRINTED["eq25_rhs"])
    z = sp.simplify(S.PRINTED["eq26"].subs(S.theta, S.theta0))
    return Outcome.symbolic(sp.simplify(res + abs(z)), "d(26)/dtheta - tau/(s - c0 sinh theta), plus (26) at theta = theta0")


@CA3.exact("eq26-vs-true-dynamics")
def _(ctx):
    """Erratum check: d/dtheta of the printed (26) and of (26) with s -> 2s vs tau/(2s - c0 sinh theta), the inverse of
    the true rate from (8).  Exact: SymPy residual 0."""
    pr = _zero(sp.diff(S.PRINTED["eq26"], S.theta) - S.tau / S.CORRECTED["eq25_rhs"])
    co = _zero(sp.diff(S.CORRECTED["eq26"], S.theta) - S.tau / S.CORRECTED["eq25_rhs"])
    return erratum(Outcome.symbolic(pr, "d(26)/dtheta - tau/(2s - c0 sinh theta) (true rate from (8), (23))"),
                   Outcome.symbolic(co, "d(26 with s -> 2s)/dtheta - tau/(2s - c0 sinh theta)"),
                   "the time along the dynamics (8) is (26) with s replaced by 2s: t = tau/sqrt(c0^2+4s^2) "
                   "[ln((sqrt(c0^2+4s^2) + c0 + 2s tanh(theta/2))/(sqrt(c0^2+4s^2) - c0 - 2s tanh(theta/2)))]")


_ODE_DPS = 32  # ode_solve confirms every state at _ODE_DPS + 10 digits (verify/references.py)
_HYP_STARTS = [("0.3", "0.1"), ("0.05", "0.6"), ("1.2", "-0.4"), ("0.02", "0.01")]  # (a0, b0), a0 + b0 > 0


@CA3.precise("eq26-vs-mpmath-ode")
def _(ctx):
    """Integrate (8) with mpmath from (a0, b0) for time T, convert to theta, and compare T with (26)."""
    s_, tau_, T_ = mpmath.mpf(1), mpmath.mpf(1), mpmath.mpf("1.5")
    worst_pr, worst_co = mpmath.mpf(0), mpmath.mpf(0)
    for a0s, b0s in _HYP_STARTS:
        with mpmath.workdps(40):
            a0, b0 = mpmath.mpf(a0s), mpmath.mpf(b0s)
            (a1, b1), = ode_solve(lambda t, y: [y[1] * (s_ - y[0] * y[1]) / tau_, y[0] * (s_ - y[0] * y[1]) / tau_],
                                  [a0, b0], [T_], dps=_ODE_DPS)

            def theta_of(a, b):  # chart (23) if a^2 > b^2 else (24)
                return 2 * mpmath.atanh(b / a) if a * a > b * b else 2 * mpmath.atanh(a / b)

            c0 = abs(a0 * a0 - b0 * b0)
            th0, th1 = theta_of(a0, b0), theta_of(a1, b1)

            def t26(s_eff):
                D = mpmath.sqrt(c0**2 + s_eff**2)
                F = lambda th: mpmath.log((D + c0 + s_eff * mpmath.tanh(th / 2)) / abs(D - c0 - s_eff * mpmath.tanh(th / 2))) / D  # noqa: E731
                return tau_ * (F(th1) - F(th0))

            worst_pr = max(worst_pr, rel_err(t26(s_), T_))
            worst_co = max(worst_co, rel_err(t26(2 * s_), T_))
    tol = digits(25, _ODE_DPS, _ODE_DPS + 10, "travel time (26) vs mpmath Taylor ODE solve of (8)")
    return erratum(Outcome.bound(float(worst_pr), tol, f"printed (26): max relative error in T over {len(_HYP_STARTS)} starts"),
                   Outcome.bound(float(worst_co), tol, "(26) with s -> 2s: max relative error in T"),
                   "(26) with s -> 2s reproduces the travel time of the true dynamics; the printed (26) does not")


CA4 = claim(
    "saxe2013/supA-closed-form-u",
    "The hyperbolic dynamics give u(t) = a(t)b(t) in closed form for any start with a0 + b0 > 0, and it reduces to "
    "eq. (12) when a0 = b0 (closed form derived in symbolic/saxe.py from supplementary A).",
    f"{CITE}, supplementary A with eqs. (8), (12)",
)


@CA4.exact("riccati-and-reduction")
def _(ctx):
    """The closed form of u(t) for unequal a0, b0 (symbolic/saxe.py): sigma = (a+b)^2 obeys its Riccati equation, which
    follows from (8), with sigma(0) = (a0 + b0)^2, and u reduces to (12) at a0 = b0 = sqrt(u0).  Exact: SymPy residual 0."""
    sig = S.SIGMA_T
    ric = sp.simplify(S.tau * sp.diff(sig, S.t) + (sig - S.SIG_P) * (sig - S.SIG_M) / 2)
    init = sp.simplify(sig.subs(S.t, 0) - S.SIG0)
    # sigma = (a+b)^2 obeys tau sigma' = 2 sigma (s - ab) with ab = (sigma - c^2/sigma)/4
    a, b = _a, _b
    sig_ab = (a + b) ** 2
    dsig = 2 * (a + b) * (_DA + _DB)
    riccati_from_8 = sp.simplify(S.tau * dsig - 2 * sig_ab * (S.s - (sig_ab - (a**2 - b**2) ** 2 / sig_ab) / 4))
    red = sp.simplify(S.U_HYPERBOLIC.subs({S.a0: sp.sqrt(S.u0), S.b0: sp.sqrt(S.u0)}) - S.U_SIGMOID_PRINTED)
    return Outcome.symbolic(sp.simplify(abs(ric) + abs(init) + abs(riccati_from_8) + abs(red)),
                            "Riccati residual of sigma(t), sigma(0) - (a0+b0)^2, the Riccati law from (8), and "
                            "u(a0 = b0 = sqrt(u0)) - (12)")


@CA4.precise("vs-mpmath-ode")
def _(ctx):
    """The closed-form u(t) = a(t) b(t) at 32 digits vs an mpmath Taylor-series solve of (8), 4 starts x 2 times
    (including a0^2 < b0^2 and a0 b0 < 0); the generated float64 kernel's error is recorded (extra).

    Tolerance digits(25, 32, 42): the ODE state is computed at 32 digits and confirmed at 42
    (references.ode_solve); the closed form at 32 digits; 7 digits are left for rounding and the product a b."""

    f = S.u_hyperbolic
    fn = generated_function(f, "numpy")
    s_, tau_ = mpmath.mpf(1), mpmath.mpf(1)
    worst, worst_kernel = mpmath.mpf(0), 0.0
    for a0s, b0s in _HYP_STARTS:
        for T in ("0.7", "2.5"):
            with mpmath.workdps(40):
                (a1, b1), = ode_solve(lambda t, y: [y[1] * (s_ - y[0] * y[1]) / tau_, y[0] * (s_ - y[0] * y[1]) / tau_],
                                      [mpmath.mpf(a0s), mpmath.mpf(b0s)], [mpmath.mpf(T)], dps=_ODE_DPS)
                ode_u = a1 * b1
            vals = {"s": Fraction(1), "tau": Fraction(1), "a0": Fraction(a0s), "b0": Fraction(b0s), "t": Fraction(T)}
            closed = evaluate_mpmath(f, vals, _ODE_DPS)
            worst = max(worst, rel_err(closed, ode_u))
            got = float(fn(1.0, 1.0, float(a0s), float(b0s), float(T)))
            ref = evaluate_mpmath(f, {k: Fraction(float(v)) for k, v in vals.items()}, 30)
            worst_kernel = max(worst_kernel, float(rel_err(got, ref)))
    return Outcome.bound(float(worst), digits(25, _ODE_DPS, _ODE_DPS + 10,
                                                     "closed-form u(t) vs mpmath Taylor ODE solve of (8)"),
                         f"closed form vs ODE, {len(_HYP_STARTS)} starts x 2 times (incl. a0^2 < b0^2, a0 b0 < 0); "
                         f"generated float64 kernel vs mpmath: max rel. error {worst_kernel:.2e}",
                         extra={"kernel_rel_error": worst_kernel})


