"""Pretorius, Kroon & Kamper 2018 — learning dynamics of linear denoising autoencoders (DAE) and of
weight-decayed autoencoders (WDAE).  Registers the ``dae.*`` and ``wdae.*`` formula ids.

Notation map (code name -> paper symbol):
    lam    -> lambda (= lambda_j), an eigenvalue of Sigma_xx = sum_i x_i x_i^T (an unnormalised sum, §3.1)
    eps    -> varepsilon = N s^2, the noise strength of eqs. (2)-(4) (s^2 the per-component noise variance)
    gamma  -> gamma, the weight-decay penalty of eq. (6)
    n      -> N, the number of training samples
    tau    -> tau = N / alpha (alpha the learning rate), §3.1
    c0     -> c_0 = |w_2^2 - w_1^2|, conserved by (2)-(3), §3.3
    w0     -> w(0) = w_2(0) w_1(0)
    t      -> t, time in epochs (gradient-descent steps)

Reconstruction of the garbled PDF text: eq. (5) is read as
``theta_t = 2 artanh{[(1-E)(zeta^2 - beta^2 - 2 beta delta) - 2(1+E) zeta delta] / [(1-E)(2 beta + 4 delta) - 2(1+E) zeta]}``
with beta = c0 (1 + eps/lam), zeta = sqrt(beta^2 + 4), delta = tanh(theta_0/2), E = exp(zeta lam t/tau) and
theta_0 = asinh(2 w0/c0); the main text and supplementary B print the same expression.

Besides the registered formulas this module holds the statements of supplementary B-E *as printed*
(``PRINTED``) so that ``verify/claims/pretorius2018/`` can test each one exactly as printed.

Findings (checked in verify/claims/pretorius2018/): supplementary B is self-consistent as printed.
Eq. (7) prints E_gamma = exp(2 xi t/tau); the solution of the ODE of supplementary C has
E_gamma = exp(2 lam xi t/tau) (the printed form is right only for lam = 1).  Supplementary D/E and
eq. (8) drop the factor N of the penalty (they hold with gamma read as N gamma, i.e. for N = 1).
"""
from __future__ import annotations


import mpmath
import sympy as sp
from sympy.codegen.cfunctions import expm1

from theorycheck.symbolic.registry import Constraint, Param, register

# ----------------------------------------------------------------------------------------------
# Symbols (shared with the exact checks of verify/claims/pretorius2018/)
lam = sp.Symbol("lam", positive=True)
eps = sp.Symbol("eps", nonnegative=True)
gamma = sp.Symbol("gamma", nonnegative=True)
n = sp.Symbol("n", positive=True, integer=True)
tau = sp.Symbol("tau", positive=True)
c0 = sp.Symbol("c0", positive=True)
w0 = sp.Symbol("w0", real=True)
w0p = sp.Symbol("w0", positive=True)  # WDAE: w0 = w1(0)^2 > 0 when w1 = w2
t = sp.Symbol("t", nonnegative=True)
theta = sp.Symbol("theta", real=True)
theta0 = sp.Symbol("theta0", real=True)
thetaf = sp.Symbol("thetaf", real=True)
w1, w2 = sp.symbols("w1 w2", real=True)

P_lam = Param("lam", lam, "eigenvalue lambda of Sigma_xx = sum_i x_i x_i^T (§3.1)", lower=0)
P_eps = Param("eps", eps, "noise strength varepsilon = N s^2 (§3.1)", lower=0, lower_open=False)
P_gamma = Param("gamma", gamma, "weight-decay penalty gamma (eq. 6)", lower=0, lower_open=False)
P_n = Param("n", n, "number of training samples N (§3.1)", lower=1, lower_open=False, integer=True)
P_tau = Param("tau", tau, "time constant tau = N/alpha (§3.1)", lower=0)
P_c0 = Param("c0", c0, "conserved c_0 = |w_2^2 - w_1^2| (§3.3)", lower=0)
P_w0 = Param("w0", w0, "initial mapping w(0) = w_2(0) w_1(0) (§3.3)")
P_w0p = Param("w0", w0p, "initial mapping w(0) = w_1(0)^2 with w_1 = w_2 (supplementary C)", lower=0)
P_t = Param("t", t, "time t in epochs (§3.1)", lower=0, lower_open=False)

# ----------------------------------------------------------------------------------------------
# §4: the DAE fixed point.
W_STAR = lam / (lam + eps)
register(
    "dae.w_star",
    W_STAR,
    (P_lam, P_eps),
    source="Pretorius et al. 2018, §4 (and supplementary E)",
    summary="Fixed point w* = lambda/(lambda + varepsilon) of the linear DAE mapping",
)

# ----------------------------------------------------------------------------------------------
# eq. (5): w(t) = (c0/2) sinh(theta_t) from any (w0, c0) off the saddle.
beta = c0 * (1 + eps / lam)
zeta = sp.sqrt(beta**2 + 4)
E = sp.exp(zeta * lam * t / tau)
delta_printed = sp.tanh(sp.asinh(2 * w0 / c0) / 2)
THETA_T_PRINTED = 2 * sp.atanh(
    ((1 - E) * (zeta**2 - beta**2 - 2 * beta * delta_printed) - 2 * (1 + E) * zeta * delta_printed)
    / ((1 - E) * (2 * beta + 4 * delta_printed) - 2 * (1 + E) * zeta)
)
W_T_PRINTED = c0 / 2 * sp.sinh(THETA_T_PRINTED)


def _w_t_stable() -> sp.Expr:
    """Cancellation- and overflow-free rewrite of eq. (5) (derivation in the rewrite note).

    With G = 1/E = exp(-lam zeta t/tau) <= 1, omg = 1 - G = -expm1(-lam zeta t/tau), delta = tanh(theta0/2)
    = 2 w0/(c0 + q0), q0 = sqrt(c0^2 + 4 w0^2), p = 1 + delta, m = 1 - delta, and zeta - beta = 4/(zeta + beta),
    eq. (5) is w = c0 * Np * Dp / (Sp * Tp) where (the printed numerator and denominator of the artanh
    argument, multiplied by -G, and their sum and difference)
        Np = 4 omg + delta (2 G (beta + zeta) + 2 (zeta - beta))
        Dp = 2 beta + 2 beta^2/(zeta + 2) + 2 G (zeta - beta + 2) + 4 p omg
        Sp = omg (2 beta m + 4 p) + 2 (1 + G) zeta p
        Tp = 2 beta omg p + m (2 beta^2/(zeta + 2) + 2 G (zeta + 2)),
    using sinh(2 artanh x) = 2x/(1 - x^2).  Dp, Sp, Tp are sums of non-negative terms.  Of p, m the larger
    is A1 = (c0 + P)/(c0 + q0) and the smaller c0 A1/P (P = q0 + 2|w0|), both free of cancellation; the
    smaller one and beta carry the factor c0 that cancels the prefactor c0 (Tp ~ c0 for w0 >= 0, Sp ~ c0 for
    w0 < 0), so c0 -> 0 reaches the logistic limit without 0/0 in floating point.  For delta < -1/2 (w0 << -c0)
    Np is rewritten with delta = p - 1 so that it has no spurious cancellation: Np = 2 beta (zeta - beta + 2)/
    (zeta + 2) - 2 G (2 + beta + zeta) + p (2 G (beta + zeta) + 2 (zeta - beta)), which changes sign only where
    w(t) itself crosses zero.  The branches are blended with h = (1 + sign)/2 (exact for a nonzero sign).
    """
    x = lam * zeta * t / tau
    G = sp.exp(-x)
    omg = -expm1(-x)
    q0 = sp.sqrt(c0**2 + 4 * w0**2)
    P = q0 + 2 * sp.Abs(w0)
    big = (c0 + P) / (c0 + q0)  # the larger of 1 + delta, 1 - delta
    small = c0 * big / P  # the smaller one, without cancellation
    delta = 2 * w0 / (c0 + q0)
    zmb = 4 / (zeta + beta)  # zeta - beta
    X = 2 * G * (beta + zeta) + 2 * zmb
    # Branch on sign(w0) without Piecewise (SymPy's rewriting passes factor() the whole expression, which
    # is very slow on a Piecewise or on a blend of two large branches): h = (1 + sign w0)/2 in {0, 1/2, 1};
    # h a + (1 - h) b is exactly a or b for w0 != 0 (both finite), and at w0 = 0 both are equal.
    h = (1 + sp.sign(w0)) / 2
    p = h * big + (1 - h) * small  # 1 + delta
    m = h * small + (1 - h) * big  # 1 - delta
    # Np: 4 omg + delta X cancels only at a true zero crossing of w(t) when delta >= -1/2; as delta -> -1
    # (w0 << -c0) it cancels 4 against 4 spuriously, so there use the form in p = 1 + delta.
    k = (1 + sp.sign(2 * delta + 1)) / 2
    Np = k * (4 * omg + delta * X) + (1 - k) * (
        2 * beta * (zmb + 2) / (zeta + 2) - 2 * G * (2 + beta + zeta) + p * X)
    Dp = 2 * beta + 2 * beta**2 / (zeta + 2) + 2 * G * (zmb + 2) + 4 * p * omg
    Sp = omg * (2 * beta * m + 4 * p) + 2 * (1 + G) * zeta * p
    Tp = 2 * beta * omg * p + m * (2 * beta**2 / (zeta + 2) + 2 * G * (zeta + 2))
    return c0 * Np * Dp / (Sp * Tp)


W_T_STABLE = _w_t_stable()


def _w_t_printed_mp(lam, eps, tau, c0, w0, t):
    b = c0 * (1 + eps / lam)
    z = mpmath.sqrt(b * b + 4)
    e = mpmath.exp(z * lam * t / tau)
    d = mpmath.tanh(mpmath.asinh(2 * w0 / c0) / 2)
    arg = ((1 - e) * (z * z - b * b - 2 * b * d) - 2 * (1 + e) * z * d) / ((1 - e) * (2 * b + 4 * d) - 2 * (1 + e) * z)
    return c0 / 2 * mpmath.sinh(2 * mpmath.atanh(arg))


def w_t_mp(lam, eps, tau, c0, w0, t):
    """mpmath evaluation of eq. (5) *as printed*.  The printed form loses digits (1 - x^2 near x = +-1 as
    c0 -> 0, cancellation in the numerator at long times), so the working precision is raised locally
    (guard 20, 40, 80, ... digits) until two successive evaluations agree to the caller's precision."""
    target = mpmath.mp.dps
    guard, prev = 20, None
    while guard <= 5000:
        with mpmath.workdps(target + guard):
            val = _w_t_printed_mp(lam, eps, tau, c0, w0, t)
            if prev is not None and abs(val - prev) <= abs(val) * mpmath.mpf(10) ** (-target - 3):
                return +val
        prev = val
        guard *= 2
    raise ValueError(f"dae.w_t: printed eq. (5) did not settle at {target + guard // 2} digits")


register(
    "dae.w_t",
    W_T_STABLE,
    (P_lam, P_eps, P_tau, P_c0, P_w0, P_t),
    source="Pretorius et al. 2018, eq. (5) and supplementary B (expression: the stable rewrite derived here; "
    "the mpmath backend evaluates the printed eq. (5))",
    summary="Mapping w(t) = (c0/2) sinh(theta_t) of a linear DAE from any start (w0, c0) off the saddle",
    rewrite_note=(
        "sinh(2 artanh x) = 2x/(1-x^2) with x the printed ratio; numerator and denominator multiplied by "
        "-exp(-lam zeta t/tau) (no overflow at long times), their sum and difference expanded into sums of "
        "non-negative terms, delta = tanh(theta0/2) = 2w0/(c0 + sqrt(c0^2 + 4w0^2)) and 1 -+ delta written "
        "without cancellation (the factor c0 cancels between numerator and denominator, so c0 -> 0 gives the "
        "logistic limit); "
        "a branch on the sign of w0 picks the cancellation-free form. Relative accuracy is lost only near "
        "a zero crossing of w(t) (w0 < 0), where w itself is ill-conditioned."
    ),
    notes=(
        "The printed form (symbolic.dae.W_T_PRINTED) overflows once zeta lam t/tau > 709 and loses all accuracy "
        "as c0 -> 0. The registered expression is the rewrite itself (its sign branch and Abs are beyond "
        "simplify(); equality with the printed form is proven branch by branch in claim "
        "pretorius2018/eq5-solution); the mpmath backend evaluates the printed form (mp_impl)."
    ),
    mp_impl=w_t_mp,
    # Hand-written (numeric/dae.py explains why, with the measurement): printed through SymPy, even as
    # written, automatic canonicalization and cse reintroduce cancellations into this form.
    numeric_impl="theorycheck.numeric.dae:w_t",
)

# ----------------------------------------------------------------------------------------------
# §5, eq. (7) / supplementary C: the WDAE mapping from w1 = w2.
xi = 1 - n * gamma / lam
E_GAMMA = sp.exp(2 * lam * xi * t / tau)  # printed: exp(2 xi t / tau)
WDAE_W_T = xi * E_GAMMA / (E_GAMMA - 1 + xi / w0p)


def _wdae_stable() -> sp.Expr:
    r = 2 * (lam - n * gamma) * t / tau  # = 2 lam xi t / tau
    a = sp.Abs(r)
    axi = sp.Abs(xi)
    return w0p * sp.exp((r - a) / 2) / (w0p * (-expm1(-a)) / axi + sp.exp(-(r + a) / 2))


def wdae_w_t_mp(lam, gamma, n, tau, w0, t):
    """mpmath evaluation of the exact solution xi E/(E - 1 + xi/w0) (no overflow in mpmath; the sum
    E - 1 + xi/w0 has terms of one sign for every valid input, so no digits are lost once E - 1 is
    computed as expm1)."""
    x = 1 - n * gamma / lam
    arg = 2 * lam * x * t / tau
    # E - 1 = expm1(arg): at |arg| below 10^-dps, exp(arg) - 1 rounds to 0 at any fixed precision
    # (lam = 1e-300, N gamma/lam = 5.7e168, t = tau gives arg = -1.1e-131: the value 3.3e299, not w0).
    return x * mpmath.exp(arg) / (mpmath.expm1(arg) + x / w0)


register(
    "wdae.w_t",
    _wdae_stable(),
    (P_lam, P_gamma, P_n, P_tau, P_w0p, P_t),
    source="Pretorius et al. 2018, supplementary C (the ODE's exact solution); eq. (7) with E_gamma corrected "
    "to exp(2 lam xi t/tau) (printed exp(2 xi t/tau); see claim pretorius2018/eq7-wdae-solution)",
    summary="WDAE mapping w(t) = xi E/(E - 1 + xi/w0), xi = 1 - N gamma/lam, E = exp(2 lam xi t/tau), from w1 = w2",
    mp_impl=wdae_w_t_mp,
    notes=(
        "The registered expression is the rewrite (its Abs is beyond simplify(); equality with "
        "theorycheck.symbolic.dae.WDAE_W_T is proven for each sign of xi in claim pretorius2018/eq7-wdae-solution); the "
        "mpmath backend evaluates xi E/(E - 1 + xi/w0) (mp_impl)."
    ),
    rewrite_note=(
        "Divided by max(E, 1): w = w0 e^{min(r,0)} / (w0 (1 - e^{-|r|})/|xi| + e^{-max(r,0)}), r = 2 lam xi t/tau, "
        "with 1 - e^{-|r|} = -expm1(-|r|): no overflow for either sign of xi and no cancellation."
    ),
    constraints=(
        Constraint(sp.Abs(lam - n * gamma) > 0,
                   "N gamma = lam (xi = 0) is excluded: the printed form is 0/0 there (the limit is w0/(1 + 2 lam w0 t/tau))"),
    ),
)

WDAE_W_STAR = 1 - n * gamma / lam
register(
    "wdae.w_star",
    WDAE_W_STAR,
    (P_lam, P_gamma, P_n),
    source="Pretorius et al. 2018, §5 / supplementary C (xi = 1 - N gamma/lam); supplementary E prints 1 - gamma/lam",
    summary="Fixed point w* = 1 - N gamma/lambda of the WDAE mapping (supplementary C; E drops the N)",
    constraints=(Constraint(n * gamma < lam, "for N gamma >= lam the only attracting fixed point is w = 0"),),
)

# ----------------------------------------------------------------------------------------------
# Supplementary D, eq. (8), supplementary E.
register(
    "dae.lr_opt",
    tau / (2 * lam + 3 * eps),
    (P_lam, P_eps, P_tau),
    source="Pretorius et al. 2018, supplementary D",
    summary="Optimal DAE learning rate alpha_eps = 1/lambda_H = tau/(2 lambda + 3 varepsilon), Hessian at w1 = w2 = 1",
)
register(
    "wdae.lr_opt",
    tau / (2 * lam + gamma),
    (P_lam, P_gamma, P_tau),
    source="Pretorius et al. 2018, supplementary D (as printed: gamma stands for N gamma, exact for N = 1)",
    summary="Optimal WDAE learning rate alpha_gamma = tau/(2 lambda + gamma) (Hessian at w1 = w2 = 1)",
)
register(
    "dae.lr_ratio",
    (2 * lam + gamma) / (2 * lam + 3 * eps),
    (P_lam, P_eps, P_gamma),
    source="Pretorius et al. 2018, eq. (8) (gamma stands for N gamma, exact for N = 1)",
    summary="Ratio R = alpha_eps/alpha_gamma = (2 lambda + gamma)/(2 lambda + 3 varepsilon) of optimal rates",
)
def _gamma_equiv_proof():
    """Each branch of the rewrite (lam <= eps: lam/(1 + lam/eps); else eps/(1 + eps/lam)) equals the
    printed lam eps/(lam + eps) (multiply numerator and denominator by eps, resp. lam)."""
    printed = lam * eps / (lam + eps)
    return sum(sp.Abs(sp.simplify(b - printed)) for b in (lam / (1 + lam / eps), eps / (1 + eps / lam)))


register(
    "dae.gamma_equiv",
    lam * eps / (lam + eps),
    (P_lam, P_eps),
    source="Pretorius et al. 2018, §5 and supplementary E (the value of N gamma; equals gamma for N = 1)",
    summary="Weight decay gamma = lambda varepsilon/(lambda + varepsilon) whose fixed point equals the DAE's",
    stable=sp.Min(lam, eps) / (1 + sp.Min(lam, eps) / sp.Max(lam, eps)),
    rewrite_proof=_gamma_equiv_proof,
    rewrite_note=(
        "Divided through by max(lam, eps): min/(1 + min/max). The printed product lam eps underflows to 0 "
        "at lam = eps = 1e-300 (value 5e-301) and overflows at lam = eps = 1e200; min/max <= 1 does neither."
    ),
)

# ----------------------------------------------------------------------------------------------
# Statements of supplementary B-E as printed (for the exact/erratum checks).
_tau_dw1 = w2 * (lam - w2 * w1 * lam) - eps * w2**2 * w1  # supplementary B, first display
_tau_dw2 = w1 * (lam - w2 * w1 * lam) - eps * w2 * w1**2
_df, _d0 = sp.symbols("delta_f delta_0", real=True)
_Ef = sp.Symbol("E", positive=True)
_b, _z = sp.symbols("beta zeta", positive=True)
PRINTED = {
    # eqs. (2)-(3) and the first display of supplementary B
    "tau_dw1": _tau_dw1,
    "tau_dw2": _tau_dw2,
    # eq. (4), one eigen-direction
    "loss4": lam / (2 * tau) * (1 - w2 * w1) ** 2 + eps / (2 * tau) * (w2 * w1) ** 2,
    # eq. (9): tau dw/dt = (lam - w (lam + eps)) (w1^2 + w2^2)
    "eq9_mid": w1**2 * (lam - w2 * w1 * (lam + eps)) + w2**2 * (lam - w2 * w1 * (lam + eps)),
    "eq9": (lam - w2 * w1 * (lam + eps)) * (w1**2 + w2**2),
    # hyperbolic coordinates, w1^2 < w2^2 and w1^2 > w2^2
    "coords_lt": (sp.sqrt(c0) * sp.sinh(theta / 2), sp.sqrt(c0) * sp.cosh(theta / 2)),
    "coords_gt": (sp.sqrt(c0) * sp.cosh(theta / 2), sp.sqrt(c0) * sp.sinh(theta / 2)),
    "w_theta": c0 / 2 * sp.sinh(theta),
    "dw_dtheta": c0 / 2 * sp.cosh(theta),
    "w1sq_plus_w2sq": c0 * sp.cosh(theta),
    # the theta equation, before and after dividing: tau c0 cosh/2 theta' = (lam - c0/2 sinh (lam+eps)) c0 cosh
    "theta_eq_rhs": lam * (2 - c0 * (1 + eps / lam) * sp.sinh(theta)),
    # the antiderivative and the time
    "antiderivative": sp.log((_z + _b + 2 * sp.tanh(theta / 2)) / (_z - _b - 2 * sp.tanh(theta / 2))),
    "t_delta": tau / (lam * _z) * sp.log((_z + _b + 2 * _df) * (_z - _b - 2 * _d0) / ((_z - _b - 2 * _df) * (_z + _b + 2 * _d0))),
    # "multiplying by the denominator, expanding": LHS = RHS
    "expanded_lhs": -2 * _Ef * _df * (_z + _b + 2 * _d0) + _Ef * (_z**2 + 2 * _z * _d0 - _b**2 - 2 * _b * _d0),
    "expanded_rhs": 2 * _df * (_z - _b - 2 * _d0) + (_z**2 - 2 * _z * _d0 - _b**2 - 2 * _b * _d0),
    # "which yields": delta_f * coeff = rhs
    "solved_coeff": (1 - _Ef) * (2 * _b + 4 * _d0) - 2 * (_Ef + 1) * _z,
    "solved_rhs": (1 - _Ef) * (_z**2 - _b**2 - 2 * _b * _d0) - 2 * (1 + _Ef) * _z * _d0,
    # supplementary C
    "wdae_loss": lam / (2 * tau) * (1 - w2 * w1) ** 2 + n * gamma / (2 * tau) * (w1**2 + w2**2),
    "wdae_tau_dw1": w2 * (lam - w2 * w1 * lam) - n * gamma * w1,
    "wdae_tau_dw2": w1 * (lam - w2 * w1 * lam) - n * gamma * w2,
    "eq7": (1 - n * gamma / lam) * sp.exp(2 * (1 - n * gamma / lam) * t / tau)
    / (sp.exp(2 * (1 - n * gamma / lam) * t / tau) - 1 + (1 - n * gamma / lam) / w0p),
    # supplementary D
    "hess_11": w2**2 / tau * (lam + eps),
    "hess_22": w1**2 / tau * (lam + eps),
    "hess_12": 2 * w2 * w1 / tau * (lam + eps) - lam / tau,
    "lambda_H": (2 * lam + 3 * eps) / tau,
    "alpha_gamma": tau / (2 * lam + gamma),
    # supplementary E
    "wdae_loss_E": lam / (2 * tau) * (1 - sp.Symbol("w", real=True)) ** 2 + gamma / tau * sp.Symbol("w", real=True),
    "wdae_w_star_E": 1 - gamma / lam,
    "gamma_equiv": lam * eps / (lam + eps),
}
