"""§3 Learning Dynamics of Linear DAEs: the gradient-descent update (§3.1, eqs. (2)-(4) via the orthogonal
initialisation of §3.2) and the exact solution eq. (5) of §3.3 (its derivation, supplementary B, is checked in
``supp_b_learning_dynamics.py``).

No errata in this section: eq. (5) holds as printed; the generated kernel is a numerically stable rewrite of it.
"""
from __future__ import annotations

import math

import mpmath
import sympy as sp

from theorycheck.symbolic import dae as S
from theorycheck.symbolic.registry import get
from theorycheck.verify.claims.pretorius2018._common import CITE, PR, eps, lam, tau, w1, w2
from theorycheck.verify.formulas import generated_function
from theorycheck.verify.references import ode_solve
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import conditioned, ulps

C2 = claim(
    "pretorius2018/eq2-4-scalar-dynamics",
    "Gradient descent on the expected loss (1) gives tau dW1/dt = W2^T(Sigma - W2 W1 Sigma) - eps W2^T W2 W1 "
    "(tau = N/alpha, eps = N s^2); with W2 = V D2 R^T, W1 = R D1 V^T it decouples into the scalar dynamics "
    "(2)-(3), which are gradient descent on the loss (4).",
    f"{CITE}, §3.1-3.2, eqs. (2)-(4)",
)


@C2.exact("eq1-gradient-is-sec3.1-update")
def _(ctx):
    """The gradient flow of the expected loss (1) (D = H = 2, symmetric Sigma = sum x x^T, tau = N/alpha)
    minus the printed §3.1 update of W1: every entry of the difference must simplify to exactly 0."""
    D, H = 2, 2
    W1 = sp.Matrix(H, D, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))
    W2 = sp.Matrix(D, H, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))
    Nn, s2, alpha = sp.Symbol("N", positive=True), sp.Symbol("s2", positive=True), sp.Symbol("alpha", positive=True)
    Sig = sp.Matrix(D, D, lambda i, j: sp.Symbol(f"S{min(i, j)}{max(i, j)}", real=True))
    # sum_i ||x_i - M x_i||^2 = tr(Sigma) - 2 tr(M Sigma) + tr(M Sigma M^T) for Sigma = sum x x^T
    M = W2 * W1
    L = (Sig.trace() - 2 * (M * Sig).trace() + (M * Sig * M.T).trace()) / (2 * Nn) + s2 / 2 * (M * M.T).trace()
    tau_ = Nn / alpha
    flow = sp.Matrix(H, D, lambda i, j: -alpha * sp.diff(L, W1[i, j]) * tau_)  # tau dW1/dt, one step per epoch
    printed = W2.T * (Sig - M * Sig) - Nn * s2 * W2.T * W2 * W1
    res = sp.simplify(sum(abs(sp.expand(v)) for v in flow - printed))
    return Outcome.symbolic(res, "D = H = 2, symmetric Sigma, tau = N/alpha, eps = N s^2")


@C2.exact("orthogonal-init-decouples-to-eqs2-3")
def _(ctx):
    """With W1 = R D1 V^T, W2 = V D2 R^T (rational rotations V, R, D = H = 2) the rotated §3.1 updates are
    diagonal with the printed entries (2)-(3): the off-diagonal entries and the diagonal differences must be 0."""
    V = sp.Matrix([[sp.Rational(3, 5), -sp.Rational(4, 5)], [sp.Rational(4, 5), sp.Rational(3, 5)]])
    R = sp.Matrix([[sp.Rational(5, 13), sp.Rational(12, 13)], [-sp.Rational(12, 13), sp.Rational(5, 13)]])
    l1, l2 = sp.symbols("lambda1 lambda2", positive=True)
    a1, a2, b1, b2 = sp.symbols("w11 w12 w21 w22", real=True)  # w_{1j}, w_{2j}
    D1, D2 = sp.diag(a1, a2), sp.diag(b1, b2)
    W1, W2 = R * D1 * V.T, V * D2 * R.T
    Sig = V * sp.diag(l1, l2) * V.T
    dW1 = W2.T * (Sig - W2 * W1 * Sig) - eps * W2.T * W2 * W1
    dW2 = (Sig - W2 * W1 * Sig) * W1.T - eps * W2 * W1 * W1.T
    # tau dD1/dt = R^T (tau dW1/dt) V must be diagonal with entries (2); same for D2 with (3)
    dD1 = sp.simplify(R.T * dW1 * V)
    dD2 = sp.simplify(V.T * dW2 * R)
    res = 0
    for j, (lj, a, b) in enumerate(((l1, a1, b1), (l2, a2, b2))):
        res += abs(sp.expand(dD1[j, j] - PR["tau_dw1"].subs({w1: a, w2: b, lam: lj})))
        res += abs(sp.expand(dD2[j, j] - PR["tau_dw2"].subs({w1: a, w2: b, lam: lj})))
    res += sum(abs(sp.expand(dD1[0, 1])) + abs(sp.expand(dD1[1, 0])) for _ in (0,))
    res += abs(sp.expand(dD2[0, 1])) + abs(sp.expand(dD2[1, 0]))
    return Outcome.symbolic(sp.simplify(res), "D = H = 2 with rational rotations V, R; off-diagonals vanish")


@C2.exact("eqs2-3-are-gradient-descent-on-eq4")
def _(ctx):
    """-tau times the gradient of the printed loss (4) minus the printed right-hand sides of (2) and (3):
    exactly 0."""
    res = sp.expand(-tau * sp.diff(PR["loss4"], w1) - PR["tau_dw1"]) ** 2 + sp.expand(
        -tau * sp.diff(PR["loss4"], w2) - PR["tau_dw2"]) ** 2
    return Outcome.symbolic(sp.simplify(res), "tau dw/dt = -tau grad ell of eq. (4), i.e. dw/dt = -grad ell")


C5 = claim(
    "pretorius2018/eq5-solution",
    "w(t) = (c0/2) sinh(theta_t) with theta_t of eq. (5) solves the scalar DAE dynamics (2)-(3) from any start "
    "(w0, c0) off the saddle.",
    f"{CITE}, eq. (5) and supplementary B",
)


@C5.exact("theta-t-solves-theta-equation")
def _(ctx):
    """delta_t = tanh(theta_t/2) of eq. (5) satisfies tau delta' = lam(1 - delta^2 - beta delta) (the theta
    equation of supplementary B in these coordinates) modulo zeta^2 = beta^2 + 4, and delta at t = 0 equals
    delta_0: both residuals exactly 0."""
    b, z, E_, d = sp.Symbol("beta", positive=True), sp.Symbol("zeta", positive=True), sp.Symbol("E", positive=True), sp.Symbol("delta", real=True)
    x = ((1 - E_) * (z**2 - b**2 - 2 * b * d) - 2 * (1 + E_) * z * d) / ((1 - E_) * (2 * b + 4 * d) - 2 * (1 + E_) * z)
    # delta_t = tanh(theta_t/2) = x; tau theta' = lam(2 - beta sinh theta) <=> tau x' = lam (1 - x^2 - beta x),
    # and dE/dt = (lam zeta/tau) E.
    res = sp.together(sp.diff(x, E_) * E_ * z - (1 - x**2 - b * x))
    num = sp.rem(sp.expand(sp.numer(res)), z**2 - b**2 - 4, z)
    init = sp.simplify(x.subs(E_, 1) - d)
    return Outcome.symbolic(sp.simplify(num) + init, "tau d tanh(theta_t/2)/dt residual (mod zeta^2 = beta^2 + 4) and theta_t(0) = theta_0")


def _dae_rhs(l, e, ta):
    def f(_t, y):
        a, b = y
        return [b * (l - a * b * l) / ta - e * b * b * a / ta, a * (l - a * b * l) / ta - e * b * a * a / ta]

    return f


@C5.precise("kernel-vs-mpmath-ode")
def _(ctx):
    """The float64 kernel against mpmath Taylor-series ODE solves of (2)-(3) at 25 digits (no closed form),
    from starts with w1^2 < w2^2 and >, w0 < 0, c0 ~ 1e-5, and eps = 0, 1, 5.  The kernel's inputs
    c0 = |w2^2 - w1^2| and w0 = w1 w2 are the correctly rounded values of the start's (computed in mpmath), so
    the rule is conditioned(cond, k): cond = max over the points of |c0 dw/dc0| + |w0 dw/dw0| over |w| (30-digit
    forward differences of eq. (5); lam, eps, tau, t are exact) and k = 64 for the ~60 correctly rounded operations of
    the kernel (numeric/dae.py: two sqrt, exp, expm1 and ~55 arithmetic operations)."""
    fn = generated_function(get("dae.w_t"), "numpy")
    worst, cond, rows = 0.0, 0.0, []
    starts = [(0.3, 0.9), (0.9, 0.3), (-0.4, 0.7), (0.05, 0.0501), (1.5, -0.2)]
    times = [0.5, 2.0, 6.0]
    for e_ in (0, 1, 5):
        for a0, b0 in starts:
            with mpmath.workdps(30):
                ys = ode_solve(_dae_rhs(mpmath.mpf(1), mpmath.mpf(e_), mpmath.mpf(1)), [a0, b0], times, dps=25)
                c0_, w0_ = abs(mpmath.mpf(b0) ** 2 - mpmath.mpf(a0) ** 2), mpmath.mpf(a0) * mpmath.mpf(b0)
            for tt, (a, b) in zip(times, ys):
                ref = float(a * b)
                got = float(fn(1.0, float(e_), 1.0, float(c0_), float(w0_), tt))
                with mpmath.workdps(30):  # relative derivatives by forward differences, step 1e-12 (error ~1e-12)
                    def w_of(c, w):
                        return S.w_t_mp(mpmath.mpf(1), mpmath.mpf(e_), mpmath.mpf(1), c, w, mpmath.mpf(tt))
                    h, w_ref = mpmath.mpf(10) ** -12, w_of(c0_, w0_)
                    k_c = (w_of(c0_ * (1 + h), w0_) - w_ref) / h
                    k_w = (w_of(c0_, w0_ * (1 + h)) - w_ref) / h
                    cond = max(cond, float((abs(k_c) + abs(k_w)) / abs(w_ref)))
                err = abs(got - ref) / abs(ref)
                worst = max(worst, err)
                rows.append((e_, a0, b0, tt, err))
    return Outcome.bound(worst, conditioned(cond, 64, "float64 kernel vs a 25-digit ODE solve"),
                         f"max relative error over {len(rows)} points (eps 0,1,5; starts incl. w0<0, w1^2>w2^2, c0=1e-5); "
                         f"condition number {cond:.3g}", name="max relative error")


@C5.precise("stable-rewrite-vs-printed")
def _(ctx):
    """Generated kernel vs the printed eq. (5) at raised precision, on the hard regions: long times
    (printed E overflows in float64), c0 -> 0, w0 < 0, both signs of w2^2 - w1^2 (c0, w0 only)."""
    f = get("dae.w_t")
    fn = generated_function(f, "numpy")
    rng = ctx.rng(5)
    worst = 0.0
    npts = 60
    for _ in range(npts):
        l_, e_, ta = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-2, 1), 10 ** rng.uniform(-1, 1)
        c_ = 10 ** rng.uniform(-12, 1)
        w_ = rng.choice([-1, 1]) * 10 ** rng.uniform(-6, 1)
        t_ = 10 ** rng.uniform(-2, 3) * ta / l_
        with mpmath.workdps(30):
            args = [mpmath.mpf(v) for v in (l_, e_, ta, c_, w_, t_)]
            ref = S.w_t_mp(*args)
            h = mpmath.mpf(10) ** -12
            dt = (S.w_t_mp(*args[:5], args[5] * (1 + h)) - ref) / (args[5] * h)
            dw = (S.w_t_mp(*args[:4], args[4] * (1 + h), args[5]) - ref) / (args[4] * h)
            cond = float((abs(dt * args[5]) + abs(dw * args[4])) / abs(ref))
        got = float(fn(l_, e_, ta, c_, w_, t_))
        worst = max(worst, abs(got - float(ref)) / abs(float(ref)) / max(1.0, cond))
    return Outcome.bound(worst, ulps(64, "relative error divided by max(1, condition number of w wrt t and w0); "
                                     "64 ulps for ~100 correctly rounded operations"),
                         f"{npts} random points, t up to 1000 tau/lam, c0 down to 1e-12, both signs of w0")


@C5.precise("c0-to-zero-is-logistic")
def _(ctx):
    """The kernel at c0 = 1e-300 against the logistic limit w* w0/(w0(1 - e^{-2t}) + w* e^{-2t}) (lam = tau = 1,
    eps = 0, 1, 5, t up to 5000).  The O(c0^2) difference is far below rounding; both sides are a few correctly
    rounded operations (the logistic ~8, the kernel's branch at c0 -> 0 about as many), so 16 ulps."""
    fn = generated_function(get("dae.w_t"), "numpy")
    worst = 0.0
    for e_ in (0.0, 1.0, 5.0):
        ws = 1 / (1 + e_)
        for w_ in (1e-3, 0.3, 2.0):
            for tt in (0.0, 1.0, 5.0, 50.0, 5000.0):
                G = math.exp(-2 * tt)
                logistic = ws * w_ / (w_ * (1 - G) + ws * G)
                got = float(fn(1.0, e_, 1.0, 1e-300, w_, tt))
                worst = max(worst, abs(got - logistic) / logistic)
    return Outcome.bound(worst, ulps(16, "c0 = 1e-300: the O(c0^2) difference is far below rounding"),
                         "c0 = 1e-300 against the logistic w* w0/(w0(1 - e^{-2t}) + w* e^{-2t}) (lam = tau = 1)")


