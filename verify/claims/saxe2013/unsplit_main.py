"""Claims of Saxe, McClelland & Ganguli 2013, section 1 and supplementary A (three-layer linear networks).

Every check cites the equation it tests.  Exact checks are SymPy identities (residual simplifies to
0); precise checks compare against mpmath at 30+ digits, independently of the generated float64
kernels (mpmath ODE solves by Taylor series, not the closed forms); simulation checks train
finite networks by full-batch gradient descent (numeric/linear_nets.py).

Findings (errata) this module reports, with the corrected statements it checks instead:

* eq. (1): the printed batch rule is gradient descent on (1/2) sum ||y - W32 W21 x||^2 (or on the
  printed error with rate lambda/2); on the printed error sum ||.||^2 with rate lambda it has an
  extra factor 2.
* supplementary A: with the coordinates (23)/(24), ab = (c0/2) sinh(theta), not c0 sinh(theta); hence
  eq. (25) is tau dtheta/dt = 2s - c0 sinh(theta) (printed: s - c0 sinh(theta)), the fixed point is
  sinh(theta*) = 2s/c0 (printed: s/c0), the cutoff is sinh(theta_f) = 2(1 - eps)s/c0, and eq. (26),
  which is the correct integral of the printed (25), must be evaluated with s -> 2s to give the time
  along the true dynamics (8).
* supplementary B: the energies (27) and (32) are printed without the square of (14); the gradient (28),
  Hessian (29)-(31), (33)-(35), (37), (41) and (43)-(45) are those of the squared energy and hold.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from theorycheck.symbolic import saxe as S
from theorycheck.verify.figures import figure
from theorycheck.verify.formulas import evaluate_mpmath, generated_function
from theorycheck.verify.references import ode_solve, rel_err
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import clt, criterion, digits, first_order, rk4, sd_relative, ulps, z_quantile

PAPER = "Saxe et al. 2013"


def _zero(expr) -> sp.Expr:
    """Simplify a residual (trigsimp/expand for hyperbolic identities)."""
    r = sp.simplify(expr)
    if r != 0:
        r = sp.simplify(sp.expand(sp.expand_trig(r.rewrite(sp.exp))))
    return r


# ----------------------------------------------------------------------------------------------
# eq. (1)-(2)
C1 = claim(
    "saxe2013/eq1-2-batch-rule",
    "Batch gradient descent on the squared error gives the learning rule (1), and (1) is one forward-Euler "
    "step (t -> t+1, tau = 1/lambda) of the continuous dynamics (2).",
    f"{PAPER}, eqs. (1)-(2)",
)


def _two_layer_symbols(n1=2, n2=2, n3=2, P=2):
    W21 = sp.Matrix(n2, n1, lambda i, j: sp.Symbol(f"w21_{i}{j}", real=True))
    W32 = sp.Matrix(n3, n2, lambda i, j: sp.Symbol(f"w32_{i}{j}", real=True))
    xs = [sp.Matrix(n1, 1, lambda i, j: sp.Symbol(f"x{m}_{i}", real=True)) for m in range(P)]
    ys = [sp.Matrix(n3, 1, lambda i, j: sp.Symbol(f"y{m}_{i}", real=True)) for m in range(P)]
    return W21, W32, xs, ys


@C1.exact("eq1-is-gradient-descent")
def _(ctx):
    W21, W32, xs, ys = _two_layer_symbols()
    lam = sp.Symbol("lambda", positive=True)
    E_printed = sum(((y - W32 * W21 * x).T * (y - W32 * W21 * x))[0] for x, y in zip(xs, ys))
    rule21 = lam * sum((W32.T * (y * x.T - W32 * W21 * x * x.T) for x, y in zip(xs, ys)), sp.zeros(*W21.shape))
    rule32 = lam * sum(((y * x.T - W32 * W21 * x * x.T) * W21.T for x, y in zip(xs, ys)), sp.zeros(*W32.shape))

    def gd(E):
        g21 = sp.Matrix(W21.shape[0], W21.shape[1], lambda i, j: -lam * sp.diff(E, W21[i, j]))
        g32 = sp.Matrix(W32.shape[0], W32.shape[1], lambda i, j: -lam * sp.diff(E, W32[i, j]))
        return sp.expand(g21 - rule21), sp.expand(g32 - rule32)

    r21, r32 = gd(E_printed)
    printed_res = sp.simplify(sum(abs(v) for v in list(r21) + list(r32)))
    c21, c32 = gd(E_printed / 2)
    corrected_res = sp.simplify(sum(abs(v) for v in list(c21) + list(c32)))
    return erratum(
        Outcome.symbolic(printed_res, "-lambda grad of sum||y - W32 W21 x||^2 minus rule (1), N1=N2=N3=P=2"),
        Outcome.symbolic(corrected_res, "-lambda grad of (1/2) sum||y - W32 W21 x||^2 minus rule (1)"),
        "Rule (1) is gradient descent with rate lambda on E = (1/2) sum_mu ||y^mu - W32 W21 x^mu||^2 "
        "(equivalently rate lambda/2 on the printed error); on the printed error it is off by a factor 2.",
    )


@C1.exact("eq2-euler-step-is-eq1")
def _(ctx):
    W21, W32, xs, ys = _two_layer_symbols()
    lam = sp.Symbol("lambda", positive=True)
    tau = 1 / lam
    S11 = sum((x * x.T for x in xs), sp.zeros(2, 2))
    S31 = sum((y * x.T for x, y in zip(xs, ys)), sp.zeros(2, 2))
    euler21 = (1 / tau) * W32.T * (S31 - W32 * W21 * S11)  # one step dt = 1 of eq. (2)
    euler32 = (1 / tau) * (S31 - W32 * W21 * S11) * W21.T
    rule21 = lam * sum((W32.T * (y * x.T - W32 * W21 * x * x.T) for x, y in zip(xs, ys)), sp.zeros(2, 2))
    rule32 = lam * sum(((y * x.T - W32 * W21 * x * x.T) * W21.T for x, y in zip(xs, ys)), sp.zeros(2, 2))
    res = sp.simplify(sum(abs(v) for v in list(sp.expand(euler21 - rule21)) + list(sp.expand(euler32 - rule32))))
    return Outcome.symbolic(res, "Euler step of (2) with Sigma11 = sum x x^T, Sigma31 = sum y x^T equals (1)")


# ----------------------------------------------------------------------------------------------
# eq. (4)-(6)
C4 = claim(
    "saxe2013/eq4-6-mode-dynamics",
    "With whitened inputs the change of variables W21 = W21bar V^T, W32 = U W32bar turns (2) into (4); in "
    "connectivity modes (4) reads (5), which is gradient descent on the energy (6).",
    f"{PAPER}, eqs. (3)-(6)",
)


def _rotation(phi):
    return sp.Matrix([[sp.cos(phi), -sp.sin(phi)], [sp.sin(phi), sp.cos(phi)]])


@C4.exact("eq2-to-eq4-rotation")
def _(ctx):
    p, q = sp.symbols("phi psi", real=True)
    U, V = _rotation(p), _rotation(q)
    s1, s2 = sp.symbols("s1 s2", positive=True)
    Sm = sp.diag(s1, s2)
    Wb21 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"a_{i}{j}", real=True))
    Wb32 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"b_{i}{j}", real=True))
    W21, W32 = Wb21 * V.T, U * Wb32
    S31 = U * Sm * V.T
    # tau dW21/dt from (2) mapped back: tau dW21bar/dt = (tau dW21/dt) V
    lhs21 = (W32.T * (S31 - W32 * W21)) * V
    lhs32 = U.T * ((S31 - W32 * W21) * W21.T)
    rhs21 = Wb32.T * (Sm - Wb32 * Wb21)
    rhs32 = (Sm - Wb32 * Wb21) * Wb21.T
    res = sum(sp.simplify(sp.trigsimp(sp.expand(v))) for v in list(lhs21 - rhs21) + list(lhs32 - rhs32))
    return Outcome.symbolic(sp.simplify(res), "2x2 rotations U(phi), V(psi), symbolic weights and s1, s2")


def _modes(n_modes: int, n_hidden: int = 2):
    a = [sp.Matrix(n_hidden, 1, lambda i, j: sp.Symbol(f"a{al}_{i}", real=True)) for al in range(n_modes)]
    b = [sp.Matrix(n_hidden, 1, lambda i, j: sp.Symbol(f"b{al}_{i}", real=True)) for al in range(n_modes)]
    s = [sp.Symbol(f"s{al}", positive=True) for al in range(n_modes)]
    return a, b, s


def _eq5(a, b, s):
    n = len(a)
    dot = lambda x, y: (x.T * y)[0]  # noqa: E731
    da = [(s[al] - dot(a[al], b[al])) * b[al] - sum((b[g] * dot(a[al], b[g]) for g in range(n) if g != al),
                                                     sp.zeros(*b[al].shape)) for al in range(n)]
    db = [(s[al] - dot(a[al], b[al])) * a[al] - sum((a[g] * dot(b[al], a[g]) for g in range(n) if g != al),
                                                     sp.zeros(*a[al].shape)) for al in range(n)]
    return da, db


@C4.exact("eq4-columns-are-eq5")
def _(ctx):
    total = 0
    for n in (2, 3):
        a, b, s = _modes(n)
        Wb21 = sp.Matrix.hstack(*a)  # column alpha = a^alpha
        Wb32 = sp.Matrix.vstack(*[x.T for x in b])  # row alpha = b^alpha^T
        Sm = sp.diag(*s)
        d21 = Wb32.T * (Sm - Wb32 * Wb21)
        d32 = (Sm - Wb32 * Wb21) * Wb21.T
        da, db = _eq5(a, b, s)
        for al in range(n):
            total += sum(abs(sp.expand(v)) for v in list(d21[:, al] - da[al]) + list(d32[al, :].T - db[al]))
    return Outcome.symbolic(sp.simplify(total), "2 and 3 modes in a hidden layer of two units, symbolic vectors")


@C4.exact("eq5-is-gradient-of-eq6")
def _(ctx):
    tau = sp.Symbol("tau", positive=True)
    total = 0
    for n in (2, 3):
        a, b, s = _modes(n)
        dot = lambda x, y: (x.T * y)[0]  # noqa: E731
        E = sum((s[al] - dot(a[al], b[al])) ** 2 for al in range(n)) / (2 * tau) + sum(
            dot(a[al], b[be]) ** 2 for al in range(n) for be in range(n) if al != be) / (2 * tau)
        da, db = _eq5(a, b, s)
        for al in range(n):
            for i in range(2):
                # tau d/dt a = -tau dE/da  <=>  d/dt a = -grad E
                total += abs(sp.expand(-tau * sp.diff(E, a[al][i]) - da[al][i]))
                total += abs(sp.expand(-tau * sp.diff(E, b[al][i]) - db[al][i]))
    return Outcome.symbolic(sp.simplify(total), "tau d(a,b)/dt from (5) equals -tau grad E of (6), 2 and 3 modes")


# ----------------------------------------------------------------------------------------------
# eq. (8)-(9)
C8 = claim(
    "saxe2013/eq8-9-conservation",
    "The scalar mode dynamics (8) are gradient descent on (9), conserve a^2 - b^2, and drive ab monotonically "
    "towards s.",
    f"{PAPER}, eqs. (8)-(9)",
)
_a, _b = sp.symbols("a b", real=True)
_s, _tau = S.s, S.tau
_DA = _b * (_s - _a * _b) / _tau  # da/dt, eq. (8)
_DB = _a * (_s - _a * _b) / _tau


@C8.exact("eq8-is-gradient-of-eq9")
def _(ctx):
    E = (_s - _a * _b) ** 2 / (2 * _tau)
    res = sp.simplify(abs(-sp.diff(E, _a) - _DA) + abs(-sp.diff(E, _b) - _DB))
    return Outcome.symbolic(res, "da/dt = -dE/da, db/dt = -dE/db with E = (s - ab)^2/(2 tau)")


@C8.exact("a2-minus-b2-conserved")
def _(ctx):
    return Outcome.symbolic(sp.simplify(2 * _a * _DA - 2 * _b * _DB), "d(a^2 - b^2)/dt under (8)")


@C8.exact("ab-monotone")
def _(ctx):
    # d/dt (s - ab)^2 = -(2/tau)(a^2 + b^2)(s - ab)^2 <= 0: |s - ab| never increases, and strictly
    # decreases off the fixed-point set and the origin.
    lhs = sp.diff((_s - _a * _b) ** 2, _a) * _DA + sp.diff((_s - _a * _b) ** 2, _b) * _DB
    res = sp.simplify(lhs + 2 * (_a**2 + _b**2) * (_s - _a * _b) ** 2 / _tau)
    return Outcome.symbolic(res, "d/dt (s-ab)^2 + (2/tau)(a^2+b^2)(s-ab)^2 (must vanish: a non-positive rate)")


def _rhs8(s, tau):
    def f(t, y):
        a, b = y[0], y[1]
        r = s - a * b
        return np.stack([b * r / tau, a * r / tau])

    return f


@C8.simulation("rk4-conservation-and-monotonicity",
               sizes={"smoke": {"n_init": 64, "steps": 400}, "default": {"n_init": 2000, "steps": 2000},
                      "paper": {"n_init": 20000, "steps": 4000}})
def _(ctx):
    from theorycheck.numeric.ode import rk4_with_error

    n, steps = ctx.sizes["n_init"], ctx.sizes["steps"]
    rng = ctx.rng(8)
    s = rng.uniform(0.5, 3.0, n)
    tau = 1.0
    y0 = rng.normal(0.0, 1.0, (2, n))
    T = 6.0 / s.min()
    traj, err = rk4_with_error(_rhs8(s, tau), y0, T, steps, record=True)
    c = traj[:, 0] ** 2 - traj[:, 1] ** 2
    drift = np.abs(c - c[0]).max()
    gap = np.abs(s - traj[:, 0] * traj[:, 1])
    increase = np.maximum(np.diff(gap, axis=0), 0).max()
    scale = float(np.abs(traj).max() ** 2)
    est = float(err.max()) * 2 * math.sqrt(scale)  # error of a^2-b^2 <= 2 max|y| max|dy|
    tol = rk4(est, scale, why="a^2-b^2 drift and any increase of |s-ab| are integration errors only")
    worst = max(drift, increase)
    return Outcome.bound(worst, tol, f"{n} random starts, max drift of a^2-b^2 = {drift:.2e}, max increase "
                         f"of |s-ab| between steps = {increase:.2e}", sizes=dict(ctx.sizes))


# ----------------------------------------------------------------------------------------------
# eq. (10)-(12)
C10 = claim(
    "saxe2013/eq10-12-sigmoid",
    "For a = b the mode strength u = ab obeys (10); (11) is its integral and (12), its inverse, solves (10) "
    "with u(0) = u0.",
    f"{PAPER}, eqs. (10)-(12)",
)


@C10.exact("eq10-from-eq8")
def _(ctx):
    a = sp.Symbol("a", positive=True)
    u = a * a
    du = 2 * a * (a * (S.s - a * a) / S.tau)  # d(a^2)/dt with da/dt = a(s - a^2)/tau
    return Outcome.symbolic(sp.simplify(S.tau * du - 2 * u * (S.s - u)), "tau du/dt - 2u(s-u) with a = b")


@C10.exact("eq12-solves-eq10")
def _(ctx):
    u = S.U_SIGMOID_PRINTED
    ode = sp.simplify(S.tau * sp.diff(u, S.t) - 2 * u * (S.s - u))
    init = sp.simplify(u.subs(S.t, 0) - S.u0)
    return Outcome.symbolic(sp.simplify(abs(ode) + abs(init)), "ODE residual of (12) plus |u(0) - u0|")


@C10.exact("eq11-is-the-integral")
def _(ctx):
    # d/duf of (11) equals the integrand tau/(2 uf (s - uf)), and (11) vanishes at uf = u0.
    t11 = S.T_LEARN_PRINTED
    d = sp.simplify(sp.diff(t11, S.uf) - S.tau / (2 * S.uf * (S.s - S.uf)))
    z = sp.simplify(t11.subs(S.uf, S.u0))
    return Outcome.symbolic(sp.simplify(abs(d) + abs(z)), "d t/d uf minus the integrand, plus t(uf = u0)")


@C10.exact("eq12-inverts-eq11")
def _(ctx):
    t_back = S.T_LEARN_PRINTED.subs(S.uf, S.U_SIGMOID_PRINTED)
    res = sp.simplify(sp.expand_log(sp.simplify(t_back), force=True) - S.t)
    return Outcome.symbolic(res, "(11) evaluated at uf = u(t) of (12), minus t")


_SIG_POINTS = [  # (s, tau, u0, t): include u0 > s, tiny u0 and t where exp(2st/tau) overflows
    ("2", "1", "0.001", "3"), ("1", "1", "1e-6", "7"), ("0.5", "2", "0.3", "1.5"), ("3", "1", "5", "0.2"),
    ("1", "1", "0.5", "400"), ("2", "0.5", "1e-12", "12"),
]


@C10.precise("eq12-vs-mpmath-ode")
def _(ctx):
    f = S.u_sigmoid
    worst = mpmath.mpf(0)
    for s_, tau_, u0_, t_ in _SIG_POINTS[:4]:
        with mpmath.workdps(40):
            s, tau = mpmath.mpf(s_), mpmath.mpf(tau_)
            ode = ode_solve(lambda t, y: [2 * y[0] * (s - y[0]) / tau], [mpmath.mpf(u0_)], [mpmath.mpf(t_)], dps=32)[0][0]
        from theorycheck.verify.formulas import resolve_params

        closed = evaluate_mpmath(f, resolve_params(f, dict(s=s_, tau=tau_, u0=u0_, t=t_)), 32)
        worst = max(worst, rel_err(closed, ode))
    return Outcome.bound(float(worst), digits(28, "mpmath Taylor ODE solve of (10) at 32 digits confirmed at 42"),
                         "max relative difference, closed form (12) vs ODE solve, 4 points incl. u0 > s")


@C10.precise("generated-kernel-vs-mpmath")
def _(ctx):
    from theorycheck.verify.formulas import resolve_params

    f = S.u_sigmoid
    fn = generated_function(f, "numpy")
    worst = 0.0
    for row in _SIG_POINTS:
        vals = resolve_params(f, dict(zip(("s", "tau", "u0", "t"), row)))
        # feed the exact doubles to both sides so only kernel rounding is measured
        dbl = {k: float(v) for k, v in vals.items()}
        from fractions import Fraction

        ref = evaluate_mpmath(f, {k: Fraction(v) for k, v in dbl.items()}, 30)
        got = float(fn(*[dbl[p.name] for p in f.params]))
        worst = max(worst, float(rel_err(got, ref)))
    with np.errstate(over="ignore", invalid="ignore"):  # the printed form at s=1, tau=1, t=400 overflows
        naive = np.exp(np.float64(800.0))
        printed = float(1.0 * naive / (naive - 1 + 1 / 0.5))
    return Outcome.bound(worst, ulps(450, "issue target 1e-13 relative; the stable form has ~10 correctly "
                                          "rounded operations and condition number O(1) for t >= 0"),
                         f"max relative error over {len(_SIG_POINTS)} points incl. t = 400 (naive printed form "
                         f"gives {printed} there, exp overflow = {naive})")


C11 = claim(
    "saxe2013/eq11-timescale",
    "With u0 = eps and uf = s - eps the learning time (11) behaves as (tau/s) ln(s/eps) as eps -> 0.",
    f"{PAPER}, eq. (11) and the sentence after it",
)


@C11.exact("limit")
def _(ctx):
    eps = sp.Symbol("epsilon", positive=True)
    t_eps = S.T_LEARN_PRINTED.subs({S.u0: eps, S.uf: S.s - eps})
    asym = S.tau / S.s * sp.log(S.s / eps)
    diff_lim = sp.limit(sp.expand_log(t_eps - asym, force=True), eps, 0, "+")
    ratio_lim = sp.limit(sp.expand_log(t_eps, force=True) / sp.expand_log(asym, force=True), eps, 0, "+")
    return Outcome.symbolic(sp.simplify(abs(diff_lim) + abs(ratio_lim - 1)),
                            "lim (t(eps) - (tau/s) ln(s/eps)) = 0 and lim t(eps)/((tau/s) ln(s/eps)) = 1")


@C11.precise("difference-is-ln-1-eps-s")
def _(ctx):
    worst = mpmath.mpf(0)
    with mpmath.workdps(120):  # the gap is ~eps/s: 1e-24 needs > 24 + 40 digits beyond t(eps) ~ 28
        s, tau = mpmath.mpf(2), mpmath.mpf(1)
        for k in (3, 6, 12, 24):
            e = mpmath.mpf(10) ** (-k)
            t_eps = tau / (2 * s) * mpmath.log((s - e) * (s - e) / (e * e))
            asym = tau / s * mpmath.log(s / e)
            exact_gap = tau / s * mpmath.log(1 - e / s)
            worst = max(worst, abs((t_eps - asym) - exact_gap) / abs(exact_gap))
    return Outcome.bound(float(worst), digits(40, "120-digit arithmetic; the gap (tau/s) ln(1 - eps/s) -> 0"),
                         "t(eps) - (tau/s)ln(s/eps) = (tau/s) ln(1 - eps/s) at eps = 1e-3, 1e-6, 1e-12, 1e-24")


# ----------------------------------------------------------------------------------------------
# Supplementary A
CA1 = claim(
    "saxe2013/supA-eq23-24-coordinates",
    "In the hyperbolic coordinates (23)/(24), a^2 - b^2 = +-c0, a^2 + b^2 = c0 cosh(theta) and ab = c0 sinh(theta).",
    f"{PAPER}, supplementary eqs. (23)-(24)",
)


@CA1.exact("conserved-and-sum")
def _(ctx):
    res = 0
    for (A, B), sign in (((S.A_23, S.B_23), 1), ((S.A_24, S.B_24), -1)):
        res += abs(_zero(A**2 - B**2 - sign * S.c0)) + abs(_zero(A**2 + B**2 - S.PRINTED["a2_plus_b2"]))
    return Outcome.symbolic(sp.simplify(res), "a^2 - b^2 = +-c0 and a^2 + b^2 = c0 cosh(theta) for (23) and (24)")


@CA1.exact("product-ab")
def _(ctx):
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
    f"{PAPER}, supplementary eq. (25) and the text after (26)",
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
    ab = S.CORRECTED["ab"]
    pr = _zero(ab.subs(S.theta, S.PRINTED["theta_star"]) - S.s)
    co = _zero(ab.subs(S.theta, S.CORRECTED["theta_star"]) - S.s)
    return erratum(Outcome.symbolic(pr, "ab - s at theta* = asinh(s/c0)"),
                   Outcome.symbolic(co, "ab - s at theta* = asinh(2s/c0)"),
                   "the fixed point ab = s lies at theta* = asinh(2s/c0), not asinh(s/c0)")


@CA2.exact("cutoff")
def _(ctx):
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
    f"{PAPER}, supplementary eq. (26)",
)


@CA3.exact("eq26-integrates-printed-eq25")
def _(ctx):
    # (26) is internally consistent with the printed (25): d/dtheta of (26) = tau/(s - c0 sinh theta).
    res = _zero(sp.diff(S.PRINTED["eq26"], S.theta) - S.tau / S.PRINTED["eq25_rhs"])
    z = sp.simplify(S.PRINTED["eq26"].subs(S.theta, S.theta0))
    return Outcome.symbolic(sp.simplify(res + abs(z)), "d(26)/dtheta - tau/(s - c0 sinh theta), plus (26) at theta = theta0")


@CA3.exact("eq26-vs-true-dynamics")
def _(ctx):
    pr = _zero(sp.diff(S.PRINTED["eq26"], S.theta) - S.tau / S.CORRECTED["eq25_rhs"])
    co = _zero(sp.diff(S.CORRECTED["eq26"], S.theta) - S.tau / S.CORRECTED["eq25_rhs"])
    return erratum(Outcome.symbolic(pr, "d(26)/dtheta - tau/(2s - c0 sinh theta) (true rate from (8), (23))"),
                   Outcome.symbolic(co, "d(26 with s -> 2s)/dtheta - tau/(2s - c0 sinh theta)"),
                   "the time along the dynamics (8) is (26) with s replaced by 2s: t = tau/sqrt(c0^2+4s^2) "
                   "[ln((sqrt(c0^2+4s^2) + c0 + 2s tanh(theta/2))/(sqrt(c0^2+4s^2) - c0 - 2s tanh(theta/2)))]")


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
                                  [a0, b0], [T_], dps=32)

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
    tol = digits(25, "mpmath Taylor ODE solve of (8) at 32 digits, confirmed at 42")
    return erratum(Outcome.bound(float(worst_pr), tol, f"printed (26): max relative error in T over {len(_HYP_STARTS)} starts"),
                   Outcome.bound(float(worst_co), tol, "(26) with s -> 2s: max relative error in T"),
                   "(26) with s -> 2s reproduces the travel time of the true dynamics; the printed (26) does not")


CA4 = claim(
    "saxe2013/supA-closed-form-u",
    "The hyperbolic dynamics give u(t) = a(t)b(t) in closed form for any start with a0 + b0 > 0, and it reduces to "
    "eq. (12) when a0 = b0 (closed form derived in symbolic/saxe.py from supplementary A).",
    f"{PAPER}, supplementary A with eqs. (8), (12)",
)


@CA4.exact("riccati-and-reduction")
def _(ctx):
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
    from fractions import Fraction

    f = S.u_hyperbolic
    fn = generated_function(f, "numpy")
    s_, tau_ = mpmath.mpf(1), mpmath.mpf(1)
    worst, worst_kernel = mpmath.mpf(0), 0.0
    for a0s, b0s in _HYP_STARTS:
        for T in ("0.7", "2.5"):
            with mpmath.workdps(40):
                (a1, b1), = ode_solve(lambda t, y: [y[1] * (s_ - y[0] * y[1]) / tau_, y[0] * (s_ - y[0] * y[1]) / tau_],
                                      [mpmath.mpf(a0s), mpmath.mpf(b0s)], [mpmath.mpf(T)], dps=32)
                ode_u = a1 * b1
            vals = {"s": Fraction(1), "tau": Fraction(1), "a0": Fraction(a0s), "b0": Fraction(b0s), "t": Fraction(T)}
            closed = evaluate_mpmath(f, vals, 32)
            worst = max(worst, rel_err(closed, ode_u))
            got = float(fn(1.0, 1.0, float(a0s), float(b0s), float(T)))
            ref = evaluate_mpmath(f, {k: Fraction(float(v)) for k, v in vals.items()}, 30)
            worst_kernel = max(worst_kernel, float(rel_err(got, ref)))
    return Outcome.bound(float(worst), digits(25, "mpmath ODE solve of (8) at 32 digits, confirmed at 42"),
                         f"closed form vs ODE, {len(_HYP_STARTS)} starts x 2 times (incl. a0^2 < b0^2, a0 b0 < 0); "
                         f"generated float64 kernel vs mpmath: max rel. error {worst_kernel:.2e}",
                         extra={"kernel_rel_error": worst_kernel})


# ----------------------------------------------------------------------------------------------
# Fig. 3: simulations
CF3 = claim(
    "saxe2013/fig3-learning-curves",
    "Full-batch gradient descent on a three-layer linear network with whitened inputs follows eq. (12): exactly "
    "(up to the discretization, O(lambda)) from decoupled initial conditions, and as delayed sigmoids from small "
    "random initial conditions (Fig. 3 right).",
    f"{PAPER}, Fig. 3 and eq. (12)",
)

_F3_SIZES_I = {
    "smoke": {"n_in": 8, "n_hidden": 6, "n_out": 10, "s": [3.0, 1.5, 0.5], "u0": 1e-3, "lr": 0.02, "replicas": 2},
    "default": {"n_in": 32, "n_hidden": 32, "n_out": 64, "s": [4.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5], "u0": 1e-6,
                "lr": 0.01, "replicas": 4},
    "paper": {"n_in": 32, "n_hidden": 32, "n_out": 1000, "s": [4.0, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5], "u0": 1e-6,
              "lr": 0.0005, "replicas": 4},
}


def _torch():
    import torch

    return torch


def simulate_decoupled(sz: dict, lr: float, seed_gen, device="cpu"):
    """Train from decoupled initial conditions a = b = sqrt(u0); return (t/tau grid, u_sim, s)."""
    from theorycheck.numeric import linear_nets as ln

    torch = _torch()
    s = torch.tensor(sz["s"], dtype=torch.float64)
    task = ln.task_with_svd(s, sz["n_in"], sz["n_out"], seed_gen, device=device)
    a0 = math.sqrt(sz["u0"])
    W1, W2 = ln.decoupled_init(task, sz["n_hidden"], a0, a0, seed_gen, batch=sz["replicas"])
    horizon = 1.3 * (math.log(float(s.min()) / sz["u0"]) / float(s.min()))  # in units of tau
    steps = int(round(horizon / lr))
    every = max(1, int(round(0.02 / lr)))
    _, _, ks, rec = ln.train(W1, W2, lr, steps, Syx=task.Syx,
                             record=lambda k, A, B: ln.mode_strengths(task, A, B), record_every=every)
    return ks.double().cpu().numpy() * lr, rec.cpu().numpy(), s.numpy()


@CF3.simulation("decoupled-error-scales-with-lr", sizes=_F3_SIZES_I)
def _(ctx):
    from theorycheck.numeric.generated.saxe import u_sigmoid

    sz = ctx.sizes
    errs = []
    for k, lr in enumerate((sz["lr"], sz["lr"] / 2)):
        g = ctx.torch_generator(30 + k)
        tt, u, s = simulate_decoupled(sz, lr, g, ctx.device)
        theory = u_sigmoid(s[None, None, :], 1.0, sz["u0"], tt[:, None, None])
        errs.append(float(np.abs(u - theory).max()))
    ratio = errs[0] / errs[1]
    dev = abs(ratio / 2 - 1)
    tol = first_order(sz["lr"], 2 * max(sz["s"]),
                      why="gradient descent is forward Euler on (2) with step lambda (t in units of tau)")
    return Outcome.bound(dev, tol, f"max |u_sim - u_(12)| = {errs[0]:.3e} at lambda = {sz['lr']}, {errs[1]:.3e} at "
                         f"lambda/2: ratio {ratio:.4f} (first order predicts 2)", predicted=2.0, measured=ratio,
                         sizes=dict(sz), extra={"max_error": errs, "lr": [sz["lr"], sz["lr"] / 2]})


_F3_SIZES_II = {
    "smoke": {"n_in": 16, "n_hidden": 16, "n_out": 24, "s": [3.0, 2.0, 1.0, 0.7], "u0": 1e-4, "lr": 0.02, "seeds": 12},
    "default": {"n_in": 32, "n_hidden": 32, "n_out": 64, "s": [4.0, 3.0, 2.2, 1.6, 1.2, 0.9, 0.7, 0.5], "u0": 1e-6,
                "lr": 0.01, "seeds": 24},
    "paper": {"n_in": 32, "n_hidden": 32, "n_out": 1000, "s": [4.0, 3.0, 2.2, 1.6, 1.2, 0.9, 0.7, 0.5], "u0": 1e-6,
              "lr": 0.0005, "seeds": 100},
}


def simulate_random(sz: dict, gen, device="cpu"):
    """Train from i.i.d. N(0, sigma^2) weights with N2 sigma^2 / 2 = u0; return times (in tau), u, s.

    Reconstruction: the paper gives u0 = 1e-6 for random initial conditions without defining it.  In the
    linear regime each mode grows as (a + b)/2 ~ e^{s t/tau} with a^alpha, b^alpha ~ N(0, sigma^2 I_N2),
    so u(t) ~ |a0 + b0|^2 e^{2st/tau} / 4, whose mean initial value is N2 sigma^2 / 2 =: u0.
    """
    from theorycheck.numeric import linear_nets as ln

    torch = _torch()
    s = torch.tensor(sz["s"], dtype=torch.float64)
    task = ln.task_with_svd(s, sz["n_in"], sz["n_out"], gen, device=device)
    std = math.sqrt(2 * sz["u0"] / sz["n_hidden"])
    W1, W2 = ln.gaussian_init(sz["n_in"], sz["n_hidden"], sz["n_out"], std, gen, batch=sz["seeds"], device=device)
    lr = sz["lr"]
    horizon = 2.0 * math.log(float(s.min()) / sz["u0"]) / (2 * float(s.min()))
    steps = int(round(horizon / lr))
    every = max(1, int(round(0.02 / lr)))
    _, _, ks, rec = ln.train(W1, W2, lr, steps, Syx=task.Syx,
                             record=lambda k, A, B: ln.mode_strengths(task, A, B), record_every=every)
    return ks.double().cpu().numpy() * lr, rec.cpu().numpy(), s.numpy()


def _crossing(tt, u, target):
    from theorycheck.numeric.linear_nets import half_time

    torch = _torch()
    return half_time(torch.from_numpy(tt), torch.from_numpy(u), torch.from_numpy(np.asarray(target, dtype=float))).numpy()


def _random_stats(ctx):
    key = (ctx.scale, ctx.seed, ctx.device)
    if key not in _RANDOM_CACHE:
        sz = ctx.sizes
        tt, u, s = simulate_random(sz, ctx.torch_generator(40), ctx.device)
        u0 = sz["u0"]
        t_half_th = np.log((s - u0) / u0) / (2 * s)  # eq. (11) from u0 to s/2, in units of tau
        h = _crossing(tt, u, s / 2)
        rise_th = np.log(81.0) / (2 * s)  # eq. (11) from 0.1 s to 0.9 s
        rise = _crossing(tt, u, 0.9 * s) - _crossing(tt, u, 0.1 * s)
        _RANDOM_CACHE[key] = dict(delay=(h - t_half_th) / t_half_th, rise=rise / rise_th, L=np.log((s - u0) / u0),
                                  final=u[-1] / s, sizes=dict(sz))
    return _RANDOM_CACHE[key]


_RANDOM_CACHE: dict = {}


@CF3.simulation("random-init-sigmoid-shape", sizes=_F3_SIZES_II)
def _(ctx):
    st = _random_stats(ctx)
    rise, final = st["rise"], st["final"]
    if np.isnan(rise).any():
        return Outcome.bound(float("inf"), criterion(0.02, "every mode must complete its rise"), "a mode never reached 0.9 s")
    dev = float(np.abs(rise.mean(axis=0) - 1).max())
    done = float(np.abs(final - 1).max())
    return Outcome.bound(
        max(dev, done),
        criterion(0.02, "Fig. 3 calls eq. (12) 'a reasonable approximation' to random-init curves: the 10%-90% rise "
                        "time of every mode (mean over seeds) within 2% of (12)'s (tau/2s) ln 81, and u -> s within 2%"),
        f"rise time / (12): per-mode means {np.round(rise.mean(axis=0), 4).tolist()}; max |u_end/s - 1| = {done:.1e}",
        predicted=1.0, measured=float(rise.mean()), sizes=st["sizes"])


@CF3.simulation("random-init-delay", sizes=_F3_SIZES_II)
def _(ctx):
    st = _random_stats(ctx)
    d = st["delay"]  # (seeds, modes): (t_half_sim - t_half_(12)) / t_half_(12)
    n = d.size
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    z = z_quantile()
    lower = mean - z * sd / math.sqrt(n)
    tol = clt(sd, n, why="lower confidence bound of the mean delay must be > 0")
    per_mode = [f"{m:+.4f}+-{v:.4f}" for m, v in zip(d.mean(axis=0), d.std(axis=0, ddof=1))]
    return Outcome(predicted="> 0", measured=mean, error=-lower, tolerance=tol, passed=bool(lower > 0),
                   detail=f"relative half-learning delay vs (12), mean {mean:+.4f} (sd {sd:.4f}, {n} mode-seeds; "
                          f"lower bound {lower:+.4f}); per mode (mean+-sd over seeds): {per_mode}",
                   sizes=st["sizes"], extra={"delay_mean_per_mode": d.mean(axis=0).tolist(),
                                             "delay_sd_per_mode": d.std(axis=0, ddof=1).tolist()})


@CF3.simulation("random-init-delay-spread", sizes=_F3_SIZES_II)
def _(ctx):
    """The seed-to-seed spread of half-learning times is set by the random initial strength of the growing mode.

    |a0 + b0|^2 / (2 sigma^2) ~ chi^2 with N2 degrees of freedom, so ln u0_eff = ln u0 + ln(chi^2_N2 / N2) and
    (t_half - t_(12)) / t_(12) * ln((s - u0)/u0) has standard deviation sqrt(psi'(N2/2)) (psi' = trigamma).
    """
    st = _random_stats(ctx)
    zscore = st["delay"] * st["L"][None, :]
    n = zscore.size
    sd = float(zscore.std(ddof=1))
    pred = float(mpmath.sqrt(mpmath.psi(1, mpmath.mpf(st["sizes"]["n_hidden"]) / 2)))
    # sampling error of a standard deviation from n samples: sd / sqrt(2(n-1))
    tol = sd_relative(n, why="spread of the normalized half-learning delays over seeds and modes")
    return Outcome.compare(pred, sd, tol, f"sd of delay x ln((s-u0)/u0): measured {sd:.4f}, chi^2 prediction "
                           f"sqrt(trigamma(N2/2)) = {pred:.4f}", sizes=st["sizes"])


@figure("saxe2013-fig3", "Saxe et al. 2013 Fig. 3 left: mode strengths u(t), eq. (12) vs simulation")
def _fig3(out, scale, seed):
    import matplotlib.pyplot as plt

    from theorycheck.numeric.generated.saxe import u_sigmoid
    from theorycheck.verify.context import Context

    sz = _F3_SIZES_II[scale]
    ctx = Context(scale=scale, seed=seed, sizes=sz)
    tt, u, s = simulate_random(dict(sz, seeds=1), ctx.torch_generator(40))
    tfine = np.linspace(0, tt[-1], 600)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for j, sj in enumerate(s):
        ax.plot(tfine, u_sigmoid(sj, 1.0, sz["u0"], tfine), color="tab:red", lw=1.5,
                label="eq. (12)" if j == 0 else None)
        step = max(1, len(tt) // 60)
        ax.plot(tt[::step], u[::step, 0, j], "o", ms=3, color="tab:blue", label="simulation, random init" if j == 0 else None)
    ax.set_xlabel("t / tau (iterations x learning rate)")
    ax.set_ylabel("mode strength u = diag(U^T W32 W21 V)")
    ax.set_title(f"Saxe et al. 2013 Fig. 3 (left): N2 = {sz['n_hidden']}, u0 = {sz['u0']:g}, lr = {sz['lr']}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# ----------------------------------------------------------------------------------------------
# Section 2 and supplementary B: deeper networks (checked beyond the first slice because the
# printed energies of supplementary B drop a square).
CD = claim(
    "saxe2013/eq14-17-deep-dynamics",
    "On the balanced manifold a_i = a of the N_l-layer energy (14), u = prod a_i obeys (15); for large N_l this "
    "becomes (16), whose integral is (17).",
    f"{PAPER}, eqs. (14)-(17)",
)
_DEPTHS = (3, 4, 5, 6, 8)


def _deep_symbols(n_layers):
    return sp.symbols(f"a1:{n_layers}", positive=True)


@CD.exact("eq15-from-eq14")
def _(ctx):
    total = 0
    a = sp.Symbol("a", positive=True)
    for N in _DEPTHS:
        xs = _deep_symbols(N)
        E = (S.s - sp.Mul(*xs)) ** 2 / (2 * S.tau)
        rate = -S.tau * sp.diff(E, xs[0])  # tau da_1/dt, the same for every i by symmetry
        rate_bal = rate.subs({x: a for x in xs})
        u = a ** (N - 1)
        lhs = sp.diff(u, a) * rate_bal  # tau du/dt on the balanced manifold
        rhs = (N - 1) * u ** (2 - sp.Rational(2, N - 1)) * (S.s - u)
        total += abs(sp.simplify(sp.powsimp(lhs - rhs, force=True)))
    return Outcome.symbolic(sp.simplify(total), f"tau du/dt from (14) minus (15), N_l in {_DEPTHS}")


@CD.exact("eq16-is-the-large-depth-limit")
def _(ctx):
    N, u = sp.Symbol("N", positive=True), sp.Symbol("u", positive=True)
    ratio = ((N - 1) * u ** (2 - 2 / (N - 1))) / (N * u**2)
    lim = sp.limit(ratio, N, sp.oo)
    return Outcome.symbolic(sp.simplify(lim - 1), "lim_{N -> oo} (15)/(16) - 1 (at fixed u, s - u cancels)")


@CD.exact("eq17-integrates-eq16")
def _(ctx):
    N = sp.Symbol("N_l", positive=True)
    u0, uf, s, tau = S.u0, S.uf, S.s, S.tau
    t17 = tau / N * (sp.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf))
    d = sp.simplify(sp.diff(t17, uf) - tau / (N * uf**2 * (s - uf)))
    z = sp.simplify(t17.subs(uf, u0))
    return Outcome.symbolic(sp.simplify(abs(d) + abs(z)), "d t/d uf of (17) minus tau/(N u^2 (s-u)), plus t(uf = u0)")


CB = claim(
    "saxe2013/supB-learning-rate",
    "Supplementary B: the energy (27), its gradient (28), Hessian (29)-(31), their values (32)-(35) on the "
    "symmetric manifold, the top eigenvalue (37), its maximum (41) at a_opt = s^(1/(N_l-1)), and the resulting "
    "learning-rate scaling (42) and finite depth delay (43)-(45).",
    f"{PAPER}, supplementary eqs. (27)-(45)",
)


def _supB(N):
    xs = _deep_symbols(N)
    P = sp.Mul(*xs)
    E27_printed = (S.s - P) / (2 * S.tau)
    E27 = (S.s - P) ** 2 / (2 * S.tau)
    f28 = -(S.s - P) * (P / xs[0]) / S.tau
    return xs, P, E27_printed, E27, f28


@CB.exact("eq27-28-energy-and-gradient")
def _(ctx):
    pr = co = 0
    for N in _DEPTHS:
        xs, P, E27p, E27, f28 = _supB(N)
        pr += abs(sp.simplify(sp.diff(E27p, xs[0]) - f28))
        co += abs(sp.simplify(sp.diff(E27, xs[0]) - f28))
    return erratum(Outcome.symbolic(sp.simplify(pr), "dE/da_1 of the printed (27) minus (28)"),
                   Outcome.symbolic(sp.simplify(co), "dE/da_1 of (27) squared (as in (14)) minus (28)"),
                   "eq. (27) must read E = (1/2tau)(s - prod a_k)^2 (the square of (14) is missing); (28) is the "
                   "gradient of the squared energy")


@CB.exact("eq29-31-hessian")
def _(ctx):
    total = 0
    for N in _DEPTHS:
        xs, P, _, E27, _ = _supB(N)
        i, j = 0, 1
        g29 = (P / xs[j]) * (P / xs[i]) / S.tau - (S.s - P) * (P / (xs[i] * xs[j])) / S.tau
        h31 = (P / xs[i]) ** 2 / S.tau
        total += abs(sp.simplify(sp.diff(E27, xs[i], xs[j]) - g29)) + abs(sp.simplify(sp.diff(E27, xs[i], 2) - h31))
    return Outcome.symbolic(sp.simplify(total), "second derivatives of the squared (27) minus (29) and (31)")


@CB.exact("eq32-35-symmetric-manifold")
def _(ctx):
    a = sp.Symbol("a", positive=True)
    pr = co = rest = 0
    for N in _DEPTHS:
        xs, P, _, E27, _ = _supB(N)
        on = {x: a for x in xs}
        E32_printed = (S.s - a ** (N - 1)) / (2 * S.tau)
        E32 = (S.s - a ** (N - 1)) ** 2 / (2 * S.tau)
        pr += abs(sp.simplify(E27.subs(on) - E32_printed))
        co += abs(sp.simplify(E27.subs(on) - E32))
        f33 = -(S.s - a ** (N - 1)) * a ** (N - 2) / S.tau
        g34 = 2 * a ** (2 * N - 4) / S.tau - S.s * a ** (N - 3) / S.tau
        h35 = a ** (2 * N - 4) / S.tau
        rest += abs(sp.simplify(sp.diff(E27, xs[0]).subs(on) - f33))
        rest += abs(sp.simplify(sp.diff(E27, xs[0], xs[1]).subs(on) - g34))
        rest += abs(sp.simplify(sp.diff(E27, xs[0], 2).subs(on) - h35))
    return erratum(Outcome.symbolic(sp.simplify(pr + rest), "printed (32) and (33)-(35) vs the restriction of (27)"),
                   Outcome.symbolic(sp.simplify(co + rest), "(32) squared and (33)-(35) vs the restriction of (27)"),
                   "eq. (32) must read E(a) = (1/2tau)(s - a^(N_l-1))^2 (square missing); (33)-(35) are correct")


@CB.exact("eq37-41-top-eigenvalue")
def _(ctx):
    a = sp.Symbol("a", positive=True)
    total = 0
    for N in _DEPTHS:
        n = N - 1
        g = 2 * a ** (2 * N - 4) / S.tau - S.s * a ** (N - 3) / S.tau
        h = a ** (2 * N - 4) / S.tau
        H = sp.Matrix(n, n, lambda i, j: h if i == j else g)
        ones = sp.ones(n, 1)
        lam37 = (2 * N - 3) * a ** (2 * N - 4) / S.tau - (N - 2) * S.s * a ** (N - 3) / S.tau
        total += sum(abs(sp.simplify(v)) for v in (H * ones - lam37 * ones))
        lam41 = (N - 1) * S.s ** sp.Rational(2 * N - 4, N - 1) / S.tau
        total += abs(sp.simplify(sp.powsimp(lam37.subs(a, S.s ** sp.Rational(1, N - 1)) - lam41, force=True)))
    N = sp.Symbol("N", positive=True)
    lim = sp.limit(((N - 1) * S.s ** ((2 * N - 4) / (N - 1))) / (N * S.s**2), N, sp.oo)  # (42): lambda_1 ~ N s^2
    return Outcome.symbolic(sp.simplify(total + abs(lim - 1)),
                            "H 1 - lambda_1 1 with (37); (37) at a_opt minus (41); lim lambda_1/(N s^2) - 1 for (42)")


@CB.precise("eq41-maximum-at-a-opt")
def _(ctx):
    """max |lambda_1(a)| over a in [0, s^(1/(N_l-1))] is attained at a_opt (grid of 4001 points, N_l = 3..40)."""
    worst = 0.0
    for N in range(3, 41):
        for s in (0.25, 1.0, 4.0):
            aopt = s ** (1.0 / (N - 1))
            a = np.linspace(0, aopt, 4001)
            lam = (2 * N - 3) * a ** (2 * N - 4) - (N - 2) * s * a ** (N - 3)
            peak = np.abs(lam).max()
            at_opt = (N - 1) * s ** ((2 * N - 4) / (N - 1))
            worst = max(worst, (peak - at_opt) / at_opt)
    return Outcome.bound(max(worst, 0.0), ulps(64, "float64 grid evaluation of a polynomial; the maximum must be "
                                                  "the endpoint value up to rounding"),
                         "largest relative excess of max_a |lambda_1(a)| over lambda_1(a_opt), N_l = 3..40, s in {1/4, 1, 4}")


@CB.exact("eq43-45-finite-delay")
def _(ctx):
    c, u0, uf, s = sp.Symbol("c", positive=True), S.u0, S.uf, S.s
    N = sp.Symbol("N", positive=True)
    tau_N = c * (N - 1) * s ** ((2 * N - 4) / (N - 1))  # tau = c lambda_1(a_opt), eq. (41)
    t3 = (tau_N / (2 * s) * sp.log(uf * (s - u0) / (u0 * (s - uf)))).subs(N, 3)
    t43 = c * sp.log(uf * (s - u0) / (u0 * (s - uf)))
    t17 = tau_N / N * (sp.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf))
    t_inf = sp.limit(t17, N, sp.oo)
    t44 = c * (sp.log(uf * (u0 - s) / (u0 * (uf - s))) + s / u0 - s / uf)
    # the log arguments of (43) and (44) are the same rational function (both signs flipped):
    A43, A44 = uf * (s - u0) / (u0 * (s - uf)), uf * (u0 - s) / (u0 * (uf - s))
    same_arg = sp.simplify(A44 - A43)
    diff45 = sp.simplify(same_arg) + sp.simplify(t44.subs(sp.log(A44), sp.log(A43)) - t43 - (c * s / u0 - c * s / uf))
    return Outcome.symbolic(sp.simplify(abs(sp.simplify(t3 - t43)) + abs(sp.simplify(t_inf - t44)) + abs(diff45)),
                            "(11) with tau = c lambda_1 at N_l = 3 minus (43); lim (17) minus (44); (44) - (43) minus (45)")
