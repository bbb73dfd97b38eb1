"""Saxe, McClelland & Ganguli 2013 — three-layer linear network dynamics (section 1, supplementary A).

Notation map (code name -> paper symbol):
    s      -> s (= s_alpha), singular value of the input-output correlation Sigma^31, eq. (3)
    tau    -> tau = 1/lambda, the learning time constant, eq. (2)
    t      -> t, time in units of iterations, eq. (2)
    u0, uf -> u_0, u_f, mode strength u = a b at the start / end, eqs. (10)-(12)
    a0, b0 -> a(0), b(0), the scalar connectivity-mode projections of eq. (8)
    c0     -> c_0 = |a^2 - b^2|, the conserved quantity of eqs. (23)-(24)
    theta  -> theta, the hyperbolic coordinate of eqs. (23)-(24)

Besides the registered formulas this module holds the *printed* forms of supplementary A as SymPy
expressions (``PRINTED``) so that the claims in ``verify/claims/saxe2013/`` can test them exactly
as printed.  Reconstruction of the garbled PDF text: eq. (26) reads
``t = tau/sqrt(c0^2+s^2) [ln((sqrt(c0^2+s^2) + c0 + s tanh(theta/2)) / (sqrt(c0^2+s^2) - c0 - s tanh(theta/2)))]``
evaluated between theta_0 and theta_f; eqs. (23)-(24) use theta/2 inside cosh and sinh.
"""
from __future__ import annotations

import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from theorycheck.symbolic.registry import Constraint, Param, register

# ----------------------------------------------------------------------------------------------
# Symbols (shared by the formulas and by the exact checks of verify/claims/saxe2013/)
s = sp.Symbol("s", positive=True)
tau = sp.Symbol("tau", positive=True)
t = sp.Symbol("t", nonnegative=True)
u0 = sp.Symbol("u0", positive=True)
uf = sp.Symbol("uf", positive=True)
c0 = sp.Symbol("c0", positive=True)
theta = sp.Symbol("theta", real=True)
theta0 = sp.Symbol("theta0", real=True)
a0 = sp.Symbol("a0", real=True)
b0 = sp.Symbol("b0", real=True)

P_s = Param("s", s, "singular value s_alpha of Sigma^31 (eq. 3)", lower=0)
P_tau = Param("tau", tau, "time constant tau = 1/lambda (eq. 2)", lower=0)
P_t = Param("t", t, "time t in iterations (eq. 2)", lower=0, lower_open=False)
P_u0 = Param("u0", u0, "initial mode strength u_0 = a(0) b(0) (eq. 11)", lower=0)
P_uf = Param("uf", uf, "final mode strength u_f (eq. 11)", lower=0)
P_c0 = Param("c0", c0, "conserved c_0 = |a^2 - b^2| (eqs. 23-24)", lower=0)
P_theta = Param("theta", theta, "hyperbolic coordinate theta_f (eq. 26)")
P_theta0 = Param("theta0", theta0, "hyperbolic coordinate theta_0 (eq. 26)")
P_a0 = Param("a0", a0, "a(0), first-layer mode projection (eq. 8)")
P_b0 = Param("b0", b0, "b(0), second-layer mode projection (eq. 8)")

# ----------------------------------------------------------------------------------------------
# eq. (12): the sigmoidal solution of tau du/dt = 2u(s - u), eq. (10).
E2 = sp.exp(2 * s * t / tau)
U_SIGMOID_PRINTED = s * E2 / (E2 - 1 + s / u0)
_X = 2 * s * t / tau
# u = s u0 / (s e^{-x} + u0 (1 - e^{-x})) divided through by the larger of s and u0, so that no product
# s u0 is formed (it underflows to 0 at s = u0 = 1e-170, true u(1) = 1e-170) and the ratio is <= 1.
# _R = min(s, u0)/max(s, u0) <= 1 is u0/s in the first branch and s/u0 in the second; formed this way it never
# overflows in the branch that NumPy evaluates everywhere and then discards.
_R = sp.Min(s, u0) / sp.Max(s, u0)
U_SIGMOID_STABLE = sp.Piecewise(
    (u0 / (sp.exp(-_X) - _R * expm1(-_X)), u0 <= s),
    (s / (_R * sp.exp(-_X) - expm1(-_X)), True),
)


def _u_sigmoid_proof():
    """Each branch (with _R = u0/s, resp. s/u0, inside the branch) equals s u0 / (s e^{-x} - u0 expm1(-x))
    (multiply numerator and denominator by s or u0), which equals the printed form."""
    ref = s * u0 / (s * sp.exp(-_X) - u0 * expm1(-_X))
    b1 = u0 / (sp.exp(-_X) - (u0 / s) * expm1(-_X))
    b2 = s / ((s / u0) * sp.exp(-_X) - expm1(-_X))
    return sum(sp.Abs(sp.simplify(sp.expand_func(b - ref))) for b in (b1, b2)) + sp.Abs(
        sp.simplify(sp.expand_func(ref) - U_SIGMOID_PRINTED))

u_sigmoid = register(
    "saxe.u_sigmoid",
    U_SIGMOID_PRINTED,
    (P_s, P_tau, P_u0, P_t),
    source="Saxe et al. 2013, eq. (12)",
    summary="Mode strength u(t) = s e^{2st/tau} / (e^{2st/tau} - 1 + s/u0) of a three-layer linear network",
    stable=U_SIGMOID_STABLE,
    rewrite_proof=_u_sigmoid_proof,
    rewrite_note=(
        "Divided through by e^{2st/tau} and written with x = 2st/tau as u = s u0 / (s e^{-x} + u0 (1 - e^{-x})), "
        "then by max(s, u0) (u0 / (e^{-x} + (u0/s)(1 - e^{-x})) when u0 <= s, else s / ((s/u0) e^{-x} + 1 - e^{-x})) "
        "so that the product s u0 never underflows; "
        "1 - e^{-x} = -expm1(-x): the denominator is a sum of two non-negative terms for every t >= 0, so there "
        "is no overflow (the printed form gives inf/inf = nan once x > 709) and no cancellation (the simpler "
        "u0 + (s - u0) e^{-x} loses digits when u0 > s and x is small: 5.5e-13 relative at s = 1e-3, u0 = 10, t = 0)."
    ),
)

# ----------------------------------------------------------------------------------------------
# eq. (11): the learning time from u0 to uf.
T_LEARN_PRINTED = tau / (2 * s) * sp.log(uf * (s - u0) / (u0 * (s - uf)))
_R_LEARN = uf * (s - u0) / (u0 * (s - uf))  # the argument of the logarithm in (11)
_D_LEARN = s * (uf - u0) / (u0 * (s - uf))  # = R - 1, formed without cancellation
HALF = sp.Rational(1, 2)
T_LEARN_STABLE = tau / (2 * s) * sp.Piecewise(
    (log1p(sp.Max(_D_LEARN, -HALF)), sp.Abs(_D_LEARN) < HALF), (sp.log(_R_LEARN), True)
)


def _t_learn_proof():
    """Branch 1: log1p(d) = log(1 + d) with 1 + d = R (Max(d, -1/2) = d where |d| < 1/2); branch 2 is log(R)."""
    return sp.Abs(sp.simplify(1 + _D_LEARN - _R_LEARN)) + sp.Abs(
        sp.simplify(tau / (2 * s) * sp.log(_R_LEARN) - T_LEARN_PRINTED))


t_learn = register(
    "saxe.t_learn",
    T_LEARN_PRINTED,
    (P_s, P_tau, P_u0, P_uf),
    source="Saxe et al. 2013, eq. (11)",
    summary="Time for u = ab to travel from u0 to uf under eq. (10): (tau/2s) ln[uf(s-u0)/(u0(s-uf))]",
    stable=T_LEARN_STABLE,
    rewrite_note=(
        "ln(R), R = uf(s-u0)/(u0(s-uf)), is evaluated as log1p(d) with d = R - 1 = s(uf-u0)/(u0(s-uf)) "
        "(formed without cancellation) where |d| < 1/2, and as ln(R) elsewhere: the printed form loses all "
        "relative accuracy as uf -> u0 (t -> 0), and log1p alone loses it as R -> 0 (uf << u0, "
        "4e-9 relative at u0 = 0.5, uf = 1e-9)."
    ),
    rewrite_proof=_t_learn_proof,
    constraints=(
        Constraint((s - u0) * (s - uf) > 0, "u0 and uf must lie on the same side of the fixed point s"),
    ),
    notes="Signed time: negative when uf lies behind u0 on the trajectory.",
)

# ----------------------------------------------------------------------------------------------
# Supplementary A, eq. (26), corrected.  With a = sqrt(c0) cosh(theta/2), b = sqrt(c0) sinh(theta/2)
# (eq. 23) one finds ab = (c0/2) sinh(theta) and tau dtheta/dt = 2s - c0 sinh(theta); the paper
# prints ab = c0 sinh(theta) and eq. (25) tau dtheta/dt = s - c0 sinh(theta).  Eq. (26) is the
# correct integral of the printed (25); integrating the corrected (25) replaces s by 2s.
D2 = sp.sqrt(c0**2 + 4 * s**2)


def _theta_antiderivative(th, s_eff):
    D = sp.sqrt(c0**2 + s_eff**2)
    return sp.log((D + c0 + s_eff * sp.tanh(th / 2)) / (D - c0 - s_eff * sp.tanh(th / 2))) / D


THETA_TIME_CORRECTED = tau * (_theta_antiderivative(theta, 2 * s) - _theta_antiderivative(theta0, 2 * s))
_Tf, _T0 = sp.tanh(theta / 2), sp.tanh(theta0 / 2)
_NF, _N0 = D2 + c0 + 2 * s * _Tf, D2 + c0 + 2 * s * _T0
_DF, _D0 = D2 - c0 - 2 * s * _Tf, D2 - c0 - 2 * s * _T0
THETA_RATIO = _NF * _D0 / (_DF * _N0)
# ratio - 1 = 4 D s (tanh(theta/2) - tanh(theta0/2)) / (DF N0), with tanh a - tanh b = sinh(a-b)/(cosh a cosh b)
THETA_D = 4 * D2 * s * sp.sinh((theta - theta0) / 2) / (sp.cosh(theta / 2) * sp.cosh(theta0 / 2) * _DF * _N0)
THETA_TIME_STABLE = (tau / D2) * sp.Piecewise(
    (log1p(sp.Max(THETA_D, -sp.Rational(1, 2))), sp.Abs(THETA_D) < sp.Rational(1, 2)), (sp.log(THETA_RATIO), True)
)

def _theta_time_proof():
    """For fixed (s, tau, c0, theta0) both forms are functions of theta on one interval (the constraint keeps
    theta and theta0 on one side of the fixed point); equal derivatives and equal values at theta = theta0
    prove them equal there.  Residual: |d/dtheta (expr - stable)| + |(expr - stable) at theta = theta0|."""
    d = THETA_TIME_CORRECTED - (tau / D2) * sp.log(THETA_RATIO)  # branch 2
    branch2 = sp.Abs(sp.simplify(sp.diff(d, theta))) + sp.Abs(sp.simplify(d.subs(theta, theta0)))
    # branch 1: log1p(THETA_D) = log(THETA_RATIO), i.e. 1 + THETA_D = THETA_RATIO; with symbols for the
    # tanh values this is a rational identity once tanh a - tanh b = sinh(a - b)/(cosh a cosh b).
    x, y = sp.symbols("x y", real=True)
    hyp = sp.simplify(((sp.tanh(x) - sp.tanh(y)) * sp.cosh(x) * sp.cosh(y) - sp.sinh(x - y)).rewrite(sp.exp))
    Tf, T0 = sp.symbols("T_f T_0", real=True)
    lhs = 1 + 4 * D2 * s * (Tf - T0) / ((D2 - c0 - 2 * s * Tf) * (D2 + c0 + 2 * s * T0))
    rhs = THETA_RATIO.subs({_Tf: Tf, _T0: T0})
    return branch2 + sp.Abs(hyp) + sp.Abs(sp.simplify(lhs - rhs))


theta_time = register(
    "saxe.theta_time",
    THETA_TIME_CORRECTED,
    (P_s, P_tau, P_c0, P_theta0, P_theta),
    source="Saxe et al. 2013, supplementary eq. (26), corrected (s -> 2s; see claim saxe2013/supA-eq26)",
    summary="Time to travel from theta0 to theta along a^2 - b^2 = +-c0 (hyperbolic coordinates, eqs. 23-24)",
    stable=THETA_TIME_STABLE,
    rewrite_note=(
        "The difference of two logarithms is combined into one logarithm of a ratio, so that a start "
        "and end point both beyond the fixed point (where each printed bracket is the log of a "
        "negative number) give the right, positive, time; where the ratio is within 1/2 of 1 (short "
        "times) it is evaluated as log1p of ratio - 1 = 4 D s sinh((theta-theta0)/2) / (cosh(theta/2) "
        "cosh(theta0/2) (D - c0 - 2s tanh(theta/2)) (D + c0 + 2s tanh(theta0/2))), D = sqrt(c0^2 + 4s^2), "
        "which keeps the relative accuracy as theta -> theta0."
    ),
    constraints=(
        Constraint(
            (D2 - c0 - 2 * s * _T0) * (D2 - c0 - 2 * s * _Tf) > 0,
            "theta0 and theta must lie on the same side of the fixed point sinh(theta*) = 2s/c0",
        ),
    ),
    notes="Signed time: negative when theta lies behind theta0 on the trajectory.",
    rewrite_proof=_theta_time_proof,
)

# ----------------------------------------------------------------------------------------------
# Closed-form u(t) = a(t) b(t) for any start (a0, b0) with a0 + b0 > 0 (not printed in the paper).
# Derivation (checked in verify/claims/saxe2013/): sigma = (a+b)^2 obeys the Riccati equation
# tau dsigma/dt = -(sigma - sig_p)(sigma - sig_m)/2 with sig_pm = 2s +- sqrt(4s^2 + c^2),
# c^2 = (a0^2 - b0^2)^2 (conserved, eq. 8), and u = (sigma - c^2/sigma)/4.
C2 = (a0**2 - b0**2) ** 2
DH = sp.sqrt(4 * s**2 + C2)
SIG_P = 2 * s + DH
SIG_M = -C2 / (2 * s + DH)  # = 2s - DH without the cancellation as c -> 0
SIG0 = (a0 + b0) ** 2
EH = sp.exp(-DH * t / tau)
SIGMA_T = (SIG_P * (SIG0 - SIG_M) - SIG_M * (SIG0 - SIG_P) * EH) / ((SIG0 - SIG_M) - (SIG0 - SIG_P) * EH)
U_HYPERBOLIC = (SIGMA_T - C2 / SIGMA_T) / 4
# Stable form.  With w = a0 + b0 > 0, c = |a0 - b0| w (so c^2 = C2), 1 - E = -expm1(-D t/tau) and
# Den = sigma(t)-denominator, write u = (sigma - c)(sigma + c) / (4 sigma) with
#   sigma Den     = sig_p (sigma0 - sig_m)(1 - E) + sigma0 (sig_p - sig_m) E
#   (sigma+c) Den = sigma Den + c Den
#   (sigma-c) Den = (sigma0 - sig_m)(sig_p - c)(1 - E) + 2 w min(a0, b0) (sig_p - sig_m) E,
# using sigma0 - c = w (w - |a0 - b0|) = 2 w min(a0, b0) and sig_p - c = 2s + 4s^2/(D + c).  Every term
# is non-negative except min(a0, b0) < 0, i.e. u0 < 0, where u really crosses zero.
_W = a0 + b0
_CABS = sp.Abs(a0 - b0) * _W
_OME = -expm1(-DH * t / tau)
_SIG0_M = _W**2 + C2 / (2 * s + DH)  # sigma0 - sig_m
_DSIG = 2 * s + DH + C2 / (2 * s + DH)  # sig_p - sig_m
_DEN = _SIG0_M * _OME + _DSIG * EH
_NUM = SIG_P * _SIG0_M * _OME + _W**2 * _DSIG * EH
_NUM_PLUS = _NUM + _CABS * _DEN
_NUM_MINUS = _SIG0_M * (2 * s + 4 * s**2 / (DH + _CABS)) * _OME + 2 * _W * sp.Min(a0, b0) * _DSIG * EH
U_HYPERBOLIC_STABLE = _NUM_MINUS * _NUM_PLUS / (4 * _NUM * _DEN)


def _u_hyperbolic_proof():
    """Proof that the stable form equals the plain one.  In each case a0 >= b0 / a0 < b0 the Min and Abs
    are polynomials; E = e^{-Dt/tau} and D = sqrt(4s^2 + c^2) become symbols (1 - E = -expm1), and the
    numerator of (plain - stable), a polynomial in D, must vanish modulo D^2 - 4s^2 - c^2.  Residual:
    the sum of the absolute remainders of the two cases."""
    E, D = sp.Symbol("E", positive=True), sp.Symbol("D", positive=True)
    W, d = sp.Symbol("W", positive=True), sp.Symbol("d", real=True)  # a0 + b0 and a0 - b0
    total = sp.Integer(0)
    for mn, ab in (((W - d) / 2, d), ((W + d) / 2, -d)):  # a0 >= b0, a0 < b0
        diff = (U_HYPERBOLIC - U_HYPERBOLIC_STABLE).subs({sp.Min(a0, b0): mn, sp.Abs(a0 - b0): ab})
        diff = diff.subs(expm1(-DH * t / tau), E - 1).subs(EH, E).subs(DH, D)
        diff = diff.subs({a0: (W + d) / 2, b0: (W - d) / 2}, simultaneous=True)
        num = sp.expand(sp.numer(sp.together(diff)))
        rel = sp.Poly(D**2 - 4 * s**2 - (W * d) ** 2, D)
        total += sp.Abs(sp.rem(sp.Poly(num, D), rel).as_expr().expand())
    return total


u_hyperbolic = register(
    "saxe.u_hyperbolic",
    U_HYPERBOLIC,
    (P_s, P_tau, P_a0, P_b0, P_t),
    source="Saxe et al. 2013, supplementary A, eqs. (8) and (23)-(26) (closed form derived here)",
    summary="u(t) = a(t) b(t) solving eq. (8) from any (a0, b0) with a0 + b0 > 0; reduces to eq. (12) when a0 = b0",
    stable=U_HYPERBOLIC_STABLE,
    rewrite_note=(
        "Written in sigma = (a+b)^2 with E = e^{-sqrt(4s^2+c^2) t/tau} <= 1 (no overflow at large t), "
        "sig_m = -c^2/(2s + sqrt(4s^2+c^2)) (no cancellation as c -> 0), and sigma(t) regrouped with "
        "1 - E = -expm1(-sqrt(4s^2+c^2) t/tau) into sums of non-negative terms (no cancellation at small t "
        "for starts above the fixed point). Relative accuracy is lost only near a zero crossing of u "
        "(a0 b0 < 0), where u itself is ill-conditioned."
    ),
    rewrite_proof=_u_hyperbolic_proof,
    constraints=(
        Constraint(a0 + b0 > 0, "(a0, b0) must lie in the basin a + b > 0 (supplementary A)"),
        Constraint(
            sp.And(a0 + b0 >= sp.Float("1e-60"), sp.Abs(a0) <= sp.Float("1e60"), sp.Abs(b0) <= sp.Float("1e60")),
            "float64 range: a0 + b0 >= 1e-60 and |a0|, |b0| <= 1e60, so that (a0+b0)^2 and (a0^2-b0^2)^2 are "
            "normal doubles (use the mpmath backend beyond)",
        ),
    ),
)

# ----------------------------------------------------------------------------------------------
# Printed statements of supplementary A, as printed (for the erratum checks).
PRINTED = {
    # "using the relations ab = c0 sinh(theta) and a^2 + b^2 = c0 cosh(theta)"
    "ab": c0 * sp.sinh(theta),
    "a2_plus_b2": c0 * sp.cosh(theta),
    # eq. (25): tau dtheta/dt = s - c0 sinh(theta)
    "eq25_rhs": s - c0 * sp.sinh(theta),
    # eq. (26): the time from theta0 to theta
    "eq26": tau * (_theta_antiderivative(theta, s) - _theta_antiderivative(theta0, s)),
    # "The fixed point lies at theta = sinh^{-1}(s/c0)"
    "theta_star": sp.asinh(s / c0),
}
CORRECTED = {
    "ab": c0 / 2 * sp.sinh(theta),
    "a2_plus_b2": c0 * sp.cosh(theta),
    "eq25_rhs": 2 * s - c0 * sp.sinh(theta),
    "eq26": THETA_TIME_CORRECTED,
    "theta_star": sp.asinh(2 * s / c0),
}

# eqs. (23)-(24): the two coordinate patches.
A_23, B_23 = sp.sqrt(c0) * sp.cosh(theta / 2), sp.sqrt(c0) * sp.sinh(theta / 2)
A_24, B_24 = sp.sqrt(c0) * sp.sinh(theta / 2), sp.sqrt(c0) * sp.cosh(theta / 2)

# ----------------------------------------------------------------------------------------------
# Section 2 and supplementary B: deep networks (N_l layers, m = N_l - 1 weight matrices).
N_l = sp.Symbol("N_l", positive=True, integer=True)
c_lr = sp.Symbol("c", positive=True)
P_N = Param("N_l", N_l, "number of layers N_l (N_l - 1 weight matrices; section 2)", lower=3, upper=1000,
            lower_open=False, upper_open=False, integer=True)
P_N2 = Param("N_l", N_l, "number of layers N_l (N_l - 1 weight matrices; section 2)", lower=2, lower_open=False,
             integer=True)
P_c = Param("c", c_lr, "learning-rate constant c: rate 1/(c lambda_1(a_opt)) (supplementary B.1)", lower=0)
# written as comparisons (not (s - u0)(s - uf) > 0, whose float64 product underflows to 0 at tiny s, u0, uf)
_SAME_SIDE = Constraint(sp.Or(sp.And(u0 < s, uf < s), sp.And(u0 > s, uf > s)),
                        "u0 and uf must lie on the same side of the fixed point s")


def deep_time_mp(N_l, s, tau, u0, uf):
    """mpmath reference for saxe.deep_time: t = (tau/m) [A(uf) - A(u0)], A an antiderivative of the inverse rate
    1/(u^(2-2/m) (s - u)) of eq. (15), m = N_l - 1, written with q = 2/m - 1 in (-1, 0] through the Gauss
    hypergeometric series (independent of the roots-of-unity form of the float64 kernel):

        u < s:  A(u) = u^q / (q s) 2F1(1, q; q + 1; u/s)                    (term-wise integral of sum u^(q-1+k)/s^(k+1))
        u > s:  A(u) = u^(q-1) / (1 - q) 2F1(1, 1 - q; 2 - q; s/u)          (of -sum s^k u^(q-2-k))
        m = 2:  A(u) = ln(u/|s - u|) / s                                    (eq. (11))."""
    m = int(N_l) - 1
    s, tau, u0, uf = (mpmath.mpf(x) for x in (s, tau, u0, uf))

    def A(u):
        if m == 2:
            return mpmath.log(u / abs(s - u)) / s
        q = mpmath.mpf(2) / m - 1
        if u < s:
            return u**q / (q * s) * mpmath.hyp2f1(1, q, q + 1, u / s)
        return u ** (q - 1) / (1 - q) * mpmath.hyp2f1(1, 1 - q, 2 - q, s / u)

    return tau / m * (A(uf) - A(u0))


deep_time = register(
    "saxe.deep_time",
    None,
    (P_N, P_s, P_tau, P_u0, P_uf),
    source="Saxe et al. 2013, eq. (15) (its exact integral at finite depth, derived here)",
    summary="Time for u to travel from u0 to uf under tau du/dt = (N_l-1) u^(2-2/(N_l-1)) (s-u) (eq. 15); "
            "= saxe.t_learn at N_l = 3",
    constraints=(_SAME_SIDE,),
    mp_impl=deep_time_mp,
    numeric_impl="theorycheck.numeric.saxe_deep:deep_time",
    notes="Float64 kernel: partial fractions over the (N_l-1)-th roots of unity (numeric/saxe_deep.py); mpmath: "
          "Gauss hypergeometric antiderivatives (deep_time_mp).  Signed time, as saxe.t_learn.",
)

# eq. (17), as printed: the N_l -> oo integral of (16)
T17_PRINTED = tau / N_l * (sp.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf))
_LOG_LEARN = sp.Piecewise((log1p(sp.Max(_D_LEARN, -HALF)), sp.Abs(_D_LEARN) < HALF), (sp.log(_R_LEARN), True))
T17_STABLE = tau * (_LOG_LEARN / s**2 + (uf - u0) / (s * u0 * uf)) / N_l


def _t17_proof():
    """The log arguments of (17) and (11) are the same rational function (both factors negated), so (17) =
    (tau/N_l)[(2/(tau s)) t_learn + (uf - u0)/(s u0 uf)] with t_learn's proven stable form."""
    same = sp.simplify(uf * (u0 - s) / (u0 * (uf - s)) - _R_LEARN)
    rest = sp.simplify(T17_PRINTED - tau / N_l * (T_LEARN_PRINTED * 2 / (tau * s) + (uf - u0) / (s * u0 * uf)))
    # the log branch of the stable form is t_learn's (2s/tau) t_learn, proven there
    lg = sp.simplify(_LOG_LEARN * tau / (2 * s) - T_LEARN_STABLE)
    return (sp.Abs(same) + sp.Abs(sp.simplify(sp.expand_log(rest, force=True))) + sp.Abs(lg)
            + _t_learn_proof())


deep_time_approx = register(
    "saxe.deep_time_approx",
    T17_PRINTED,
    (P_N2, P_s, P_tau, P_u0, P_uf),
    source="Saxe et al. 2013, eq. (17)",
    summary="Large-depth learning time (tau/N_l)[ln(uf(u0-s)/(u0(uf-s)))/s^2 + 1/(s u0) - 1/(s uf)] of eq. (16)",
    stable=T17_STABLE,
    rewrite_proof=_t17_proof,
    rewrite_note="The logarithm is that of eq. (11) (same argument), evaluated through t_learn's stable form "
                 "(log1p near uf = u0); 1/(s u0) - 1/(s uf) = (uf - u0)/(s u0 uf) without cancellation.  Below "
                 "s both terms have the sign of uf - u0, so their sum does not cancel.",
    constraints=(Constraint(sp.And(u0 < s, uf < s),
                            "u0 and uf must lie below the fixed point s (learning from small u0, as in the text "
                            "after (17)); above s the two terms of (17) cancel to O(s^2/u^2) relative and float64 "
                            "loses every digit (use the mpmath backend there)"),),
)

LAMBDA1_MAX = (N_l - 1) * s ** ((2 * N_l - 4) / (N_l - 1)) / tau
lambda1_max = register(
    "saxe.lambda1_max",
    LAMBDA1_MAX,
    (P_N2, P_s, P_tau),
    source="Saxe et al. 2013, supplementary eq. (41)",
    summary="Maximum over a in [0, s^(1/(N_l-1))] of the top Hessian eigenvalue (37) on the symmetric manifold: "
            "(N_l-1) s^((2N_l-4)/(N_l-1)) / tau",
    mp_impl=lambda N_l, s, tau: (N_l - 1) * s ** (mpmath.mpf(2 * N_l - 4) / (N_l - 1)) / tau,
    # hand-written: pow(s, fl(p)) with the exponent p = (2N_l-4)/(N_l-1) rounded costs |p ln s| eps/2
    # relative (115 ulps at s = 1e300), beyond a backward-stable evaluation; the kernel Newton-corrects
    # the root s^(1/(N_l-1)) instead (numeric/saxe_deep.py)
    numeric_impl="theorycheck.numeric.saxe_deep:lambda1_max",
)

DELAY_PRINTED = c_lr * s / u0 - c_lr * s / uf
_DELAY_BRANCHES = ((c_lr * s / u0) * sp.UnevaluatedExpr((uf - u0) / uf),
                   (c_lr * s / uf) * sp.UnevaluatedExpr((uf - u0) / u0))
_DELAY_STABLE = sp.Piecewise((_DELAY_BRANCHES[0], u0 <= uf), (_DELAY_BRANCHES[1], True))
delay = register(
    "saxe.delay",
    DELAY_PRINTED,
    (P_c, P_s, P_u0, P_uf),
    source="Saxe et al. 2013, supplementary eqs. (43)-(45)",
    summary="t_inf - t_3 = c s/u0 - c s/uf: extra learning time of an infinitely deep network over a three-layer "
            "one, learning rates 1/(c lambda_1(a_opt)) (eq. 45 before its approximation)",
    stable=_DELAY_STABLE,
    rewrite_proof=lambda: sum(sp.Abs(sp.simplify(b.doit() - DELAY_PRINTED)) for b in _DELAY_BRANCHES),
    rewrite_note="c s/u0 - c s/uf = (c s/min(u0, uf)) ((uf - u0)/max(u0, uf)): one subtraction of the inputs "
                 "themselves (exact relative error for nearby u0, uf) instead of two rounded quotients that "
                 "cancel; the second factor has modulus <= 1, so it never overflows and no product u0 uf "
                 "(subnormal at u0 = 1e-11, uf = 1e-300) is formed.",
    constraints=(_SAME_SIDE,),
)
