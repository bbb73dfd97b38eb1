"""Supplementary B, Learning dynamics for linear DAEs: every intermediate relation of the derivation of eq. (5)
(§3.3) as printed -- the conserved quantity, eq. (9), the hyperbolic coordinates, the theta equation, the
antiderivative and the expanded/solved forms.

No errata: supplementary B is self-consistent as printed (every intermediate relation checked).
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE, PR, c0, eps, lam, theta, w1, w2
from theorycheck.verify.registry import Outcome, claim


def _zero(expr) -> sp.Expr:
    r = sp.simplify(expr)
    if r != 0:
        r = sp.simplify(sp.expand(sp.expand_trig(sp.expand(r.rewrite(sp.exp)))))
    return r



CB = claim(
    "pretorius2018/supB-derivation",
    "Supplementary B: w2^2 - w1^2 is conserved; tau dw/dt = (lam - w(lam+eps))(w1^2+w2^2) (9); in hyperbolic "
    "coordinates w = (c0/2) sinh theta, dw = (c0/2) cosh theta dtheta, w1^2+w2^2 = c0 cosh theta; "
    "tau dtheta/dt = lam(2 - beta sinh theta); the printed antiderivative, time, expanded and solved forms.",
    f"{CITE}, §3.3 and supplementary B",
)


@CB.exact("conserved-w2sq-minus-w1sq")
def _(ctx):
    """tau d(w2^2 - w1^2)/dt = 2 w2 (tau w2') - 2 w1 (tau w1') from the printed (2)-(3): exactly 0."""
    return Outcome.symbolic(sp.expand(2 * w2 * PR["tau_dw2"] - 2 * w1 * PR["tau_dw1"]),
                            "tau d(w2^2 - w1^2)/dt from the printed scalar dynamics")


@CB.exact("eq9-product-rule")
def _(ctx):
    """w1 (tau w2') + w2 (tau w1') minus each of the two printed lines of eq. (9): both exactly 0."""
    prod = sp.expand(w1 * PR["tau_dw2"] + w2 * PR["tau_dw1"])
    return Outcome.symbolic(sp.expand(prod - PR["eq9_mid"]) ** 2 + sp.expand(prod - PR["eq9"]) ** 2,
                            "w1 tau w2' + w2 tau w1' equals both printed lines of (9)")


@CB.exact("hyperbolic-coordinates")
def _(ctx):
    """For both printed coordinate patches (w1^2 < w2^2 and >): w1 w2 = (c0/2) sinh theta,
    w1^2 + w2^2 = c0 cosh theta, |w2^2 - w1^2| = c0, and dw/dtheta = (c0/2) cosh theta: all residuals exactly 0."""
    res = 0
    for a, b in (PR["coords_lt"], PR["coords_gt"]):
        res += _zero(a * b - PR["w_theta"]) ** 2
        res += _zero(a**2 + b**2 - PR["w1sq_plus_w2sq"]) ** 2
        res += _zero(abs(b**2 - a**2) - c0) ** 2
    res += _zero(sp.diff(PR["w_theta"], theta) - PR["dw_dtheta"]) ** 2
    return Outcome.symbolic(sp.simplify(res), "both patches: w = (c0/2) sinh, w1^2+w2^2 = c0 cosh, |w2^2-w1^2| = c0, dw")


@CB.exact("theta-equation")
def _(ctx):
    """Eq. (9) with w, dw and w1^2 + w2^2 substituted, solved for tau theta', minus the printed
    lam(2 - beta sinh theta): exactly 0."""
    # (tau c0 cosh/2) theta' = (lam - (c0/2) sinh (lam + eps)) c0 cosh  =>  tau theta' = lam (2 - beta sinh)
    lhs_theta_dot = (lam - c0 / 2 * sp.sinh(theta) * (lam + eps)) * c0 * sp.cosh(theta) / (c0 * sp.cosh(theta) / 2)
    return Outcome.symbolic(_zero(lhs_theta_dot - PR["theta_eq_rhs"]), "(9) with w, dw, w1^2+w2^2 substituted")


@CB.exact("antiderivative")
def _(ctx):
    """d/dtheta of the printed antiderivative divided by zeta minus 1/(2 - beta sinh theta), reduced modulo
    zeta^2 = beta^2 + 4: exactly 0."""
    b, z = sp.symbols("beta zeta", positive=True)
    F = PR["antiderivative"].subs({sp.Symbol("beta", positive=True): b, sp.Symbol("zeta", positive=True): z})
    integrand = 1 / (2 - b * sp.sinh(theta))  # times tau/lam outside; t = tau/(zeta lam) [F]
    res = sp.together(sp.expand_trig((sp.diff(F, theta) / z - integrand).rewrite(sp.exp)))
    num = sp.expand(sp.numer(res).subs(z**2, b**2 + 4))
    num = sp.rem(sp.expand(num), z**2 - b**2 - 4, z)
    return Outcome.symbolic(sp.simplify(num), "d/dtheta of the printed bracket / zeta = 1/(2 - beta sinh theta), zeta^2 = beta^2 + 4")


@CB.exact("expanded-and-solved-forms")
def _(ctx):
    """The cross-multiplied ratio e^{lam zeta t/tau} = (...)/(...) minus the printed expansion, and the
    printed expansion minus the printed delta_f-coefficient form: both exactly 0."""
    b, z, E_ = sp.Symbol("beta", positive=True), sp.Symbol("zeta", positive=True), sp.Symbol("E", positive=True)
    df, d0 = sp.symbols("delta_f delta_0", real=True)
    # e^{lam zeta t/tau} = ratio  <=>  E (zeta - beta - 2df)(zeta + beta + 2d0) = (zeta + beta + 2df)(zeta - beta - 2d0)
    cross = E_ * (z - b - 2 * df) * (z + b + 2 * d0) - (z + b + 2 * df) * (z - b - 2 * d0)
    r1 = sp.expand(cross - (PR["expanded_lhs"] - PR["expanded_rhs"]))
    r2 = sp.expand(PR["expanded_lhs"] - PR["expanded_rhs"] - (df * PR["solved_coeff"] - PR["solved_rhs"]))
    # and the log form of t equals the difference of the printed antiderivative
    return Outcome.symbolic(sp.simplify(r1**2 + r2**2), "cross-multiplied ratio = printed expansion = delta_f coeff - rhs")


