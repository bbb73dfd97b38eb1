"""Topic ``wtae``: random deep weight-tied autoencoders at infinite depth (Li & Nguyen 2019, ICLR).

Formulas (closed forms where SymPy has them, else mpmath references beside float64 kernels in
numeric/wtae.py):

* ``wtae.tau0sq.<sigma>(tau2)`` = E[sigma(tau Z)^2] (Interpretation 2's input normalisation tau0^2) and
  ``wtae.sw2_max.<sigma>(tau2)`` = tau^2 / E[sigma(tau Z)^2] (Section 3.1, below eq. (1)).  Eq. (1) itself
  is the q-map of the mean-field literature: ``meanfield.qmap.<act>`` / ``meanfield.qstar.<act>``.
* ``wtae.G.<phi>_<sigma>``, ``wtae.R.<phi>_<sigma>`` (gamma, rho, beta, tau2): eqs. (2)-(3).  Reading of the
  OCR-damaged equations (from Remark 3's Stein form, Theorem 1's recursions at constant layers with
  sigma_v = 0, and App. C.2 which restates them):

      G(gamma, rho) = (1/tau^2) E[tau z1 phi(beta gamma sigma(tau z1) + sqrt(beta rho) z2)]
                    = beta gamma E[phi'(theta) sigma'(tau z1)],
      R(gamma, rho) = E[phi(theta)^2],   theta = beta gamma sigma(tau z1) + sqrt(beta rho) z2.

  ReLU/ReLU in closed form: on z1 > 0, theta = c z1 + b z2 (c = beta gamma tau, b = sqrt(beta rho)), and
  P(theta > 0, z1 > 0) = 1/4 + atan2(c, b)/(2 pi) (orthant probability, correlation c/sqrt(c^2 + b^2)), so
      G = beta gamma (1/4 + atan2(c, b)/(2 pi)),
      R = b^2/4 + (c^2 + b^2)(1/4 + atan2(c, b)/(2 pi)) + c b/(2 pi)
  (z1 < 0 contributes E relu(b z2)^2 / 2 = b^2/4; E[w^2 1(w>0, z1>0)] for the bivariate normal (w, z1)
  gives the rest).  Checks: R(0, rho) = beta rho/2 (Prop. 10(a)), G(gamma, 0) = beta gamma / 2.
* ``wtae.gamma.<pair>``, ``wtae.rho.<pair>`` (beta, tau2): the jointly stable fixed point reached by iterating
  (G, R) from a generic non-zero start (Section 3.2); exactly 0 where that is the limit; ReLU phi only for
  beta < 2 (rho diverges for beta > 2, Prop. 10(a)).
* ``wtae.gamma_slope.<pair>``: dG/dgamma at (0, rho0(beta)); ``wtae.beta0.<pair>(tau2)``: where it crosses 1
  (the gamma transition); ``wtae.beta_star.<tanh pairs>(tau2)`` = 1/(kappa E sigma'(tau Z)) of Prop. 11(e).
* ``wtae.shallow.gamma.<act>``, ``wtae.shallow.rho.<act>`` (tau2): Section 3.4,
  gamma = E[tau z phi(tau z)]/tau^2, rho = E[phi(tau z)^2].

mpmath references: 1-D trapezoid rule of symbolic/mpquad.py; the 2-D tanh/tanh expectations by a
nested trapezoid rule (:func:`mp_core_tanh_tanh`: one exp per grid row, then each node by one
multiplication and one division, half of the grid by symmetry), tanh/ReLU by the exact reduction to
1-D of numeric/wtae.py; fixed points by Newton's method with the analytic Jacobian, started from a
15-digit solve (plain iterations, then Newton), then 2-4 Newton steps at the working precision.
"""
from __future__ import annotations

import mpmath
import sympy as sp

from theorycheck.symbolic import mpquad
from theorycheck.symbolic.meanfield import MP, mp_qstar
from theorycheck.symbolic.registry import Constraint, Param, register

SRC = "Li & Nguyen 2019"
gamma, rho = sp.symbols("gamma rho", nonnegative=True)
beta, tau2 = sp.symbols("beta tau2", positive=True)

P_gamma = Param("gamma", gamma, "gamma (signal strength of the decoder, eq. (2))", lower=0, lower_open=False)
P_rho = Param("rho", rho, "rho (variation strength of the decoder, eq. (3))", lower=0, lower_open=False)
P_beta = Param("beta", beta, "beta = alpha sigma_W^2", lower=0)
P_tau2 = Param("tau2", tau2, "tau^2 = stable fixed point of eq. (1), the encoder pre-activation variance", lower=0)

PAIRS = ("relu_relu", "relu_tanh", "tanh_tanh", "tanh_relu")
RELU_PHI_MSG = ("for beta >= 2 rho diverges to +infinity (beta > 2) or is the initialisation (beta = 2): no "
                "finite fixed point (Prop. 10(a))")
NEWTON_MAX = 40
PLAIN_START = 12


# ------------------------------------------------------------------------------------ 1-D pieces
def _sech2(u):
    t = mpmath.tanh(u)
    return 1 - t * t


def mp_m1(q):
    """E[sech^2(sqrt(q) Z)] (trapezoid rule, strip pi/2)."""
    return mpquad.expect1(_sech2, q, mpmath.pi / 2)


def mp_m2(q):
    """E[tanh^2(sqrt(q) Z)]."""
    return MP["tanh"]["m2"](q)


def mp_sigma_slope(sigma, tau2_):
    return mp_m1(tau2_) if sigma == "tanh" else mpmath.mpf(1) / 2


# ------------------------------------------------------------------------------------- 2-D cores
def _grid(d, sigma, half=False):
    """Trapezoid nodes u_j = j h and unnormalised weights exp(-u^2/(2 sigma^2)) (mpquad's error rule)."""
    logt = mpquad._logt()
    h = mpquad.step(d, sigma, logt)
    n = int(mpmath.ceil(sigma * mpmath.sqrt(2 * logt) / h))
    js = range(0 if half else -n, n + 1)
    us = [j * h for j in js]
    ws = [mpmath.exp(-u * u / (2 * sigma * sigma)) for u in us]
    if half:
        ws = [ws[0]] + [2 * w for w in ws[1:]]
    norm = h / (sigma * mpmath.sqrt(2 * mpmath.pi))
    return us, ws, norm


def _fix(x, prec):
    return int(mpmath.nint(mpmath.ldexp(x, prec)))


def mp_core_tanh_tanh(g_, r_, b_, t2_, jac=False):
    """(g, R[, g_g, g_r, R_g, R_r]) for tanh/tanh at the working precision (see numeric/wtae.py for the
    quantities).  Nested trapezoid rule in u1 = tau z1 (strip atan(pi/(2 beta gamma)), half grid by the
    symmetry (z1, z2) -> (-z1, -z2) of every integrand) and u2 = sqrt(beta rho) z2 (strip pi/2), with
    mpquad's step and tail rule.  Inner loop in fixed point (Python integers, P = prec + 40 bits):
    tanh(a + u2_k) = (E_k - 1)/(E_k + 1), sech^2 = 4 E_k/(E_k + 1)^2 with E_k = e^{2a} e^{2 u2_k} (one exp
    per row); each node adds a few units of 2^-P to sums of O(1) terms (< 2^22 nodes), far below the
    guard digits."""
    with mpmath.workprec(mpmath.mp.prec + 20):
        tau = mpmath.sqrt(t2_)
        bg = b_ * g_
        b = mpmath.sqrt(b_ * r_)
        d1 = mpmath.atan(mpmath.pi / (2 * bg)) if bg > 0 else mpmath.pi / 2
        u1s, w1s, n1 = _grid(d1, tau, half=True)
        P = mpmath.mp.prec + 40
        one = 1 << P
        if b > 0:
            u2s, w2s, n2 = _grid(mpmath.pi / 2, b)
            e2 = [_fix(mpmath.exp(2 * u), P) for u in u2s]
            w2i = [_fix(w, P) for w in w2s]
        else:
            n2, e2, w2i = mpmath.mpf(1), [one], [one]
        pairs = list(zip(w2i, e2))
        acc = [mpmath.mpf(0)] * 6
        scale = mpmath.ldexp(1, -2 * P)
        for u1, w1 in zip(u1s, w1s):
            T1 = mpmath.tanh(u1)
            S1 = 1 - T1 * T1
            ea = _fix(mpmath.exp(2 * bg * T1), P)
            sg = sR = sgg = sgr = 0
            for w2, e in pairs:
                inv = (one << P) // (((ea * e) >> P) + one)  # 1/(E + 1)
                t = one - 2 * inv  # tanh = 1 - 2/(E + 1)
                sv = (4 * (one - inv) * inv) >> P  # sech^2 = 4 E/(E + 1)^2
                tt = (t * t) >> P
                sg += w2 * sv
                sR += w2 * tt
                if jac:
                    ws = (w2 * sv) >> P
                    sgg += ws * t
                    sgr += ws * (4 * tt - 2 * sv)
            acc[0] += w1 * S1 * (sg * scale)
            acc[1] += w1 * (sR * scale)
            if jac:
                acc[2] += w1 * S1 * T1 * (sgg * scale)
                acc[3] += w1 * S1 * (sgr * scale)
                acc[4] += w1 * T1 * (sgg * scale)
                acc[5] += w1 * (sgr * scale)
        nn = n1 * n2
        out = {"g": b_ * acc[0] * nn, "R": acc[1] * nn}
        if jac:
            out.update(g_g=-2 * b_ ** 2 * acc[2] * nn, g_r=b_ ** 2 / 2 * acc[3] * nn,
                       R_g=2 * b_ * acc[4] * nn, R_r=-b_ / 2 * acc[5] * nn)
    return {k: +v for k, v in out.items()}


def mp_core_tanh_relu(g_, r_, b_, t2_, jac=False):
    """tanh phi, ReLU sigma by the exact reduction to 1-D expectations of numeric/wtae.py (_core_tanh_relu):
    g = beta E s(w)/2, R = (E t^2(w) + E t^2(b z))/2, derivatives likewise, w ~ N(0, c^2 + b^2)."""
    with mpmath.workprec(mpmath.mp.prec + 20):
        tau = mpmath.sqrt(t2_)
        c = b_ * g_ * tau
        bb = b_ * r_
        v = c * c + bb
        pi2 = mpmath.pi / 2

        def t2f(u):
            return mpmath.tanh(u) ** 2

        def d2t2(u):
            t = mpmath.tanh(u)
            sq = 1 - t * t
            return 2 * sq * sq - 4 * t * t * sq

        def wts(u):
            t = mpmath.tanh(u)
            return u * t * (1 - t * t)

        fs = [_sech2, t2f] + ([wts, d2t2] if jac else [])
        A = mpquad.expect1(fs, v, pi2)
        H = mpquad.expect1([t2f] + ([d2t2] if jac else []), bb, pi2)
        out = {"g": b_ * A[0] / 2, "R": A[1] / 2 + H[0] / 2}
        if jac:
            cv = c / v if v > 0 else mpmath.mpf(0)
            out.update(g_g=-b_ ** 2 * tau * cv * A[2], g_r=-b_ ** 2 / 4 * A[3], R_g=b_ * tau * cv * A[2],
                       R_r=b_ / 2 * (A[3] / 2 + H[1] / 2))
    return {k: +x for k, x in out.items()}


def mp_core_relu_tanh(g_, r_, b_, t2_, jac=False):
    a1, a2 = mp_m1(t2_), mp_m2(t2_)
    out = {"g": b_ * a1 / 2, "R": (b_ ** 2 * g_ ** 2 * a2 + b_ * r_) / 2}
    if jac:
        out.update(g_g=mpmath.mpf(0), g_r=mpmath.mpf(0), R_g=b_ ** 2 * g_ * a2, R_r=b_ / 2)
    return out


def mp_core_relu_relu(g_, r_, b_, t2_, jac=False):
    c, b = b_ * g_ * mpmath.sqrt(t2_), mpmath.sqrt(b_ * r_)
    at = mpmath.atan2(c, b) / (2 * mpmath.pi)
    return {"g": b_ * (mpmath.mpf(1) / 4 + at), "R": b * b / 4 + (c * c + b * b) * (mpmath.mpf(1) / 4 + at)
            + c * b / (2 * mpmath.pi)}


MP_CORES = {"tanh_tanh": mp_core_tanh_tanh, "tanh_relu": mp_core_tanh_relu, "relu_tanh": mp_core_relu_tanh,
            "relu_relu": mp_core_relu_relu}


def mp_G(pair, g_, r_, b_, t2_):
    return g_ * MP_CORES[pair](g_, r_, b_, t2_)["g"]


def mp_R(pair, g_, r_, b_, t2_):
    return MP_CORES[pair](g_, r_, b_, t2_)["R"]


# ----------------------------------------------------------------------------------- fixed points
_RHO0_CACHE: dict = {}


def _key(*xs):
    return tuple(mpmath.nstr(x, mpmath.mp.dps, min_fixed=-mpmath.inf, max_fixed=mpmath.inf) for x in xs)


def mp_rho0(b_):
    """Stable fixed point of rho -> E tanh^2(sqrt(beta rho) Z): q*(beta, 0)/beta (0 for beta <= 1).
    Cached per (beta, working precision)."""
    k = (_key(b_), mpmath.mp.dps)
    if k not in _RHO0_CACHE:
        q = mp_qstar("tanh", b_, 0)
        _RHO0_CACHE[k] = (q / b_, q)
    return _RHO0_CACHE[k]


def mp_gamma_slope(pair, b_, t2_):
    phi, sigma = pair.split("_")
    es = mp_sigma_slope(sigma, t2_)
    if phi == "relu":
        return b_ * es / 2
    _, q = mp_rho0(b_)
    return b_ * mp_m1(q) * es


def _newton(core, x, b_, t2_, tol, max_iter):
    g_, r_ = x
    for _ in range(max_iter):
        o = core(g_, r_, b_, t2_, jac=True)
        F1, F2 = o["g"] - 1, o["R"] - r_
        a, bq, c, d = o["g_g"], o["g_r"], o["R_g"], o["R_r"] - 1
        det = a * d - bq * c
        dg = (F1 * d - bq * F2) / det
        dr = (a * F2 - c * F1) / det
        ng, nr = g_ - dg, r_ - dr
        ng = ng if ng > 0 else g_ / 2
        nr = nr if nr > 0 else r_ / 2
        g_, r_ = ng, nr
        if abs(dg) <= tol * g_ and abs(dr) <= tol * r_:
            # quadratic convergence: the new iterate's error is ~ (step)^2 <= tol^2
            return g_, r_, True
    return g_, r_, False


_FP_CACHE: dict = {}  # (pair, beta, tau2 to 12 digits) -> (gamma, rho, dps) of the most precise solve


def mp_fixed_point(pair, b_, t2_):
    """(gamma, rho) of the jointly stable fixed point at the working precision (module docstring).

    Precision ladder: plain iterations and Newton at 8 digits (to 1e-6), Newton at 20 digits, then at the
    working precision; a solve at lower precision for the same (pair, beta, tau2) (e.g. the first of
    evaluate_mpmath's two precisions) is reused as the start.  Newton stops when a step is below
    10^-(dps/2 + 3) relative: by quadratic convergence the new iterate is then accurate to ~10^-(dps + 6).
    """
    phi, _ = pair.split("_")
    if phi == "relu":
        if b_ >= 2:
            raise ValueError(f"wtae fixed point ({pair}) at beta = {b_}: {RELU_PHI_MSG}")
        return mpmath.mpf(0), mpmath.mpf(0)
    rho0, _ = mp_rho0(b_)
    if mp_gamma_slope(pair, b_, t2_) <= 1:
        return mpmath.mpf(0), rho0
    core = MP_CORES[pair]
    dps = mpmath.mp.dps
    key = (pair, mpmath.nstr(b_, 12), mpmath.nstr(t2_, 12))
    cached = _FP_CACHE.get(key)
    if cached is not None and cached[2] >= dps:
        return +cached[0], +cached[1]
    if cached is not None and cached[2] >= 20:
        g_, r_, have = cached[0], cached[1], cached[2]
    else:
        with mpmath.workdps(8):
            g_, r_ = mpmath.mpf(1), mpmath.mpf(1)
            bl, tl = +b_, +t2_
            for _ in range(PLAIN_START):
                o = core(g_, r_, bl, tl)
                g_, r_ = g_ * o["g"], o["R"]
            g_, r_, ok = _newton(core, (g_, r_), bl, tl, mpmath.mpf(10) ** -3, NEWTON_MAX)
        have = 6
        if not ok:
            raise ValueError(f"wtae fixed point ({pair}) at beta = {b_}, tau2 = {t2_}: Newton did not converge")
    for level in ([20] if have < 20 and dps > 20 else []) + [dps]:
        with mpmath.workdps(level):
            g_, r_, ok = _newton(core, (+g_, +r_), +b_, +t2_, mpmath.mpf(10) ** -(level // 2 + 3), 8)
        if not ok:
            raise ValueError(f"wtae fixed point ({pair}) at beta = {b_}, tau2 = {t2_}: Newton did not converge "
                             f"at {level} digits")
    _FP_CACHE[key] = (g_, r_, dps)
    return +g_, +r_


def mp_beta0(pair, t2_):
    """beta with gamma_slope(beta) = 1: 2/E sigma' for ReLU phi; for tanh phi a root in the bracket
    [1/E sigma', 2^k/E sigma'] (numeric/wtae.py: beta0), by mpmath's Anderson-Bjorck solver."""
    phi, sigma = pair.split("_")
    es = mp_sigma_slope(sigma, t2_)
    if phi == "relu":
        return 2 / es
    lo = 1 / es
    hi = 2 * lo
    while mp_gamma_slope(pair, hi, t2_) <= 1:
        lo, hi = hi, 2 * hi
    return mpmath.findroot(lambda bb: mp_gamma_slope(pair, bb, t2_) - 1, (lo, hi), solver="anderson",
                           tol=mpmath.mpf(10) ** (-2 * mpmath.mp.dps))


# ------------------------------------------------------------------------------------ registration
_c = beta * gamma * sp.sqrt(tau2)
_b = sp.sqrt(beta * rho)
_at = sp.atan2(_c, _b) / (2 * sp.pi)
G_RELU_RELU = beta * gamma * (sp.Rational(1, 4) + _at)
R_RELU_RELU = beta * rho / 4 + (_c ** 2 + beta * rho) * (sp.Rational(1, 4) + _at) + _c * _b / (2 * sp.pi)

SRC2 = f"{SRC}, eq. (2)"
SRC3 = f"{SRC}, eq. (3)"
register("wtae.G.relu_relu", G_RELU_RELU, (P_gamma, P_rho, P_beta, P_tau2), source=SRC2,
         summary="G(gamma, rho) for ReLU phi and sigma: beta gamma (1/4 + atan2(beta gamma tau, sqrt(beta rho))/(2 pi))")
register("wtae.R.relu_relu", R_RELU_RELU, (P_gamma, P_rho, P_beta, P_tau2), source=SRC3,
         summary="R(gamma, rho) for ReLU phi and sigma (orthant moments of the bivariate normal)")
for _pair in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    register(f"wtae.G.{_pair}", None, (P_gamma, P_rho, P_beta, P_tau2), source=SRC2,
             summary=f"G(gamma, rho) for phi, sigma = {_pair.replace('_', ', ')} (quadrature)",
             mp_impl=lambda gamma, rho, beta, tau2, _p=_pair: mp_G(_p, gamma, rho, beta, tau2),
             numeric_impl=f"theorycheck.numeric.wtae:G_{_pair}")
    register(f"wtae.R.{_pair}", None, (P_gamma, P_rho, P_beta, P_tau2), source=SRC3,
             summary=f"R(gamma, rho) for phi, sigma = {_pair.replace('_', ', ')} (quadrature)",
             mp_impl=lambda gamma, rho, beta, tau2, _p=_pair: mp_R(_p, gamma, rho, beta, tau2),
             numeric_impl=f"theorycheck.numeric.wtae:R_{_pair}")

for _pair in PAIRS:
    cons = (Constraint(beta < 2, RELU_PHI_MSG),) if _pair.startswith("relu") else ()
    register(f"wtae.gamma.{_pair}", None, (P_beta, P_tau2), source=f"{SRC}, Section 3.2",
             summary=f"gamma of the jointly stable fixed point of eqs. (2)-(3), {_pair} (exactly 0 where that is the limit)",
             constraints=cons,
             mp_impl=lambda beta, tau2, _p=_pair: mp_fixed_point(_p, beta, tau2)[0],
             numeric_impl=f"theorycheck.numeric.wtae:gamma_{_pair}")
    register(f"wtae.rho.{_pair}", None, (P_beta, P_tau2), source=f"{SRC}, Section 3.2",
             summary=f"rho of the jointly stable fixed point of eqs. (2)-(3), {_pair}",
             constraints=cons,
             mp_impl=lambda beta, tau2, _p=_pair: mp_fixed_point(_p, beta, tau2)[1],
             numeric_impl=f"theorycheck.numeric.wtae:rho_{_pair}")

register("wtae.gamma_slope.relu_relu", beta / 4, (P_beta, P_tau2), source=f"{SRC}, Prop. 10(c)",
         summary="dG/dgamma at gamma = 0 for ReLU phi, sigma: beta E[sigma'(tau Z)]/2 = beta/4")
for _pair in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    register(f"wtae.gamma_slope.{_pair}", None, (P_beta, P_tau2),
             source=f"{SRC}, Prop. {'10(d)' if _pair.startswith('relu') else '11(d)'}",
             summary=f"dG/dgamma at (0, rho0(beta)) = beta E[phi'(sqrt(beta rho0) Z)] E[sigma'(tau Z)], {_pair}",
             mp_impl=lambda beta, tau2, _p=_pair: mp_gamma_slope(_p, beta, tau2),
             numeric_impl=f"theorycheck.numeric.wtae:gamma_slope_{_pair}")
register("wtae.beta0.relu_relu", sp.Integer(4) + 0 * tau2, (P_tau2,), source=f"{SRC}, Section 3.2",
         summary="the gamma transition for ReLU phi, sigma: beta0 = 2/E[sigma'] = 4")
for _pair in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    register(f"wtae.beta0.{_pair}", None, (P_tau2,), source=f"{SRC}, Section 3.2",
             summary=f"beta at which gamma = 0 loses stability (gamma transition), {_pair}",
             mp_impl=lambda tau2, _p=_pair: mp_beta0(_p, tau2),
             numeric_impl=f"theorycheck.numeric.wtae:beta0_{_pair}")
register("wtae.beta_star.tanh_tanh", None, (P_tau2,), source=f"{SRC}, Prop. 11(e)",
         summary="beta* = 1/(kappa E[sigma'(tau Z)]) as printed, kappa = 1, sigma = tanh",
         mp_impl=lambda tau2: 1 / mp_m1(tau2), numeric_impl="theorycheck.numeric.wtae:beta_star_tanh_tanh")
register("wtae.beta_star.tanh_relu", sp.Integer(2) + 0 * tau2, (P_tau2,), source=f"{SRC}, Prop. 11(e)",
         summary="beta* = 1/(kappa E[sigma'(tau Z)]) as printed, kappa = 1, sigma = ReLU: 2")

# Section 3.1: sigma_W,max^2 and tau0^2
_erf_m2 = 2 / sp.pi * sp.asin(2 * tau2 / (1 + 2 * tau2))
register("wtae.tau0sq.relu", tau2 / 2, (P_tau2,), source=f"{SRC}, Interpretation 2",
         summary="tau0^2 = E[relu(tau Z)^2] = tau^2/2")
register("wtae.tau0sq.erf", _erf_m2, (P_tau2,), source=f"{SRC}, Interpretation 2",
         summary="tau0^2 = E[erf(tau Z)^2] = (2/pi) asin(2 tau^2/(1 + 2 tau^2))")
register("wtae.tau0sq.tanh", None, (P_tau2,), source=f"{SRC}, Interpretation 2",
         summary="tau0^2 = E[tanh(tau Z)^2] (quadrature)", mp_impl=lambda tau2: mp_m2(tau2),
         numeric_impl="theorycheck.numeric.wtae:tau0sq_tanh")
register("wtae.sw2_max.relu", sp.Integer(2) + 0 * tau2, (P_tau2,), source=f"{SRC}, Section 3.1",
         summary="sigma_W,max^2 = tau^2/E[relu(tau Z)^2] = 2")
register("wtae.sw2_max.erf", tau2 / _erf_m2, (P_tau2,), source=f"{SRC}, Section 3.1",
         summary="sigma_W,max^2 = tau^2/E[erf(tau Z)^2]")
register("wtae.sw2_max.tanh", None, (P_tau2,), source=f"{SRC}, Section 3.1",
         summary="sigma_W,max^2 = tau^2/E[tanh(tau Z)^2] (quadrature)", mp_impl=lambda tau2: tau2 / mp_m2(tau2),
         numeric_impl="theorycheck.numeric.wtae:sw2_max_tanh")

# Section 3.4: the shallow case
register("wtae.shallow.gamma.relu", sp.Rational(1, 2) + 0 * tau2, (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow gamma = E[tau z relu(tau z)]/tau^2 = 1/2")
register("wtae.shallow.rho.relu", tau2 / 2, (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow rho = E[relu(tau z)^2] = tau^2/2")
register("wtae.shallow.gamma.erf", 2 / sp.sqrt(sp.pi) / sp.sqrt(1 + 2 * tau2), (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow gamma = E[erf'(tau Z)] = 2/sqrt(pi (1 + 2 tau^2)) (Stein's lemma)")
register("wtae.shallow.rho.erf", _erf_m2, (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow rho = E[erf(tau Z)^2] = (2/pi) asin(2 tau^2/(1 + 2 tau^2))")
register("wtae.shallow.gamma.tanh", None, (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow gamma = E[sech^2(tau Z)] (Stein's lemma; quadrature)", mp_impl=lambda tau2: mp_m1(tau2),
         numeric_impl="theorycheck.numeric.wtae:shallow_gamma_tanh")
register("wtae.shallow.rho.tanh", None, (P_tau2,), source=f"{SRC}, Section 3.4",
         summary="shallow rho = E[tanh(tau Z)^2] (quadrature)", mp_impl=lambda tau2: mp_m2(tau2),
         numeric_impl="theorycheck.numeric.wtae:shallow_rho_tanh")
