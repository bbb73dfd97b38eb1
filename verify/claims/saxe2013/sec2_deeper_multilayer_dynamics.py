"""Saxe, McClelland & Ganguli 2013, section 2 "Deeper multilayer dynamics": on the balanced manifold of the
N_l-layer energy (14) the overall mode strength obeys (15), its large-depth limit (16) and the integral
(17).  No errata (the printed energies of supplementary B, which drop the square of (14), are checked
in supp_b_optimal_learning_rates.py)."""
from __future__ import annotations

import sympy as sp

from theorycheck.symbolic import saxe as S
from theorycheck.verify.claims.saxe2013._common import CITE, DEPTHS, deep_symbols
from theorycheck.verify.registry import Outcome, claim

CD = claim(
    "saxe2013/eq14-17-deep-dynamics",
    "On the balanced manifold a_i = a of the N_l-layer energy (14), u = prod a_i obeys (15); for large N_l this "
    "becomes (16), whose integral is (17).",
    f"{CITE}, eqs. (14)-(17)",
)


@CD.exact("eq15-from-eq14")
def _(ctx):
    """tau du/dt of u = prod a_i on the balanced manifold, from gradient descent on (14), vs (15), N_l in (3, 4, 5, 6, 8).
    Exact: SymPy residual 0."""
    total = 0
    a = sp.Symbol("a", positive=True)
    for N in DEPTHS:
        xs = deep_symbols(N)
        E = (S.s - sp.Mul(*xs)) ** 2 / (2 * S.tau)
        rate = -S.tau * sp.diff(E, xs[0])  # tau da_1/dt, the same for every i by symmetry
        rate_bal = rate.subs({x: a for x in xs})
        u = a ** (N - 1)
        lhs = sp.diff(u, a) * rate_bal  # tau du/dt on the balanced manifold
        rhs = (N - 1) * u ** (2 - sp.Rational(2, N - 1)) * (S.s - u)
        total += abs(sp.simplify(sp.powsimp(lhs - rhs, force=True)))
    return Outcome.symbolic(sp.simplify(total), f"tau du/dt from (14) minus (15), N_l in {DEPTHS}")


@CD.exact("eq16-is-the-large-depth-limit")
def _(ctx):
    """lim_{N_l -> oo} of the rate (15) over the rate (16) is 1 at fixed u.  Exact: SymPy limit, residual 0."""
    N, u = sp.Symbol("N", positive=True), sp.Symbol("u", positive=True)
    ratio = ((N - 1) * u ** (2 - 2 / (N - 1))) / (N * u**2)
    lim = sp.limit(ratio, N, sp.oo)
    return Outcome.symbolic(sp.simplify(lim - 1), "lim_{N -> oo} (15)/(16) - 1 (at fixed u, s - u cancels)")


@CD.exact("eq17-integrates-eq16")
def _(ctx):
    """d t/d uf of (17) vs tau/(N_l u^2 (s - u)) (the inverse rate of (16)), plus (17) at uf = u0.  Exact: SymPy residual 0."""
    N = sp.Symbol("N_l", positive=True)
    u0, uf, s, tau = S.u0, S.uf, S.s, S.tau
    t17 = tau / N * (sp.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf))
    d = sp.simplify(sp.diff(t17, uf) - tau / (N * uf**2 * (s - uf)))
    z = sp.simplify(t17.subs(uf, u0))
    return Outcome.symbolic(sp.simplify(abs(d) + abs(z)), "d t/d uf of (17) minus tau/(N u^2 (s-u)), plus t(uf = u0)")


# ==============================================================================================
# Eq. (13): the gradient of the N_l-layer network, and its decoupling into (14)
import math  # noqa: E402

import mpmath  # noqa: E402
import numpy as np  # noqa: E402

from theorycheck.verify.tolerances import conditioned, first_order, remainder, ulps  # noqa: E402

C13 = claim(
    "saxe2013/eq13-deep-gradient",
    "Gradient descent on the squared error of an N_l-layer linear network is eq. (13): tau dW^l/dt = "
    "(prod_{i>l} W^i)^T [Sigma^31 - (prod_i W^i) Sigma^11] (prod_{i<l} W^i)^T.",
    f"{CITE}, eq. (13)",
)


def _sym_net(n_mats, n):
    return [sp.Matrix(n, n, lambda i, j, l=l: sp.Symbol(f"w{l}_{i}{j}", real=True)) for l in range(n_mats)]


def _rhs13(Ws, S31, S11):
    """The right-hand side of (13) for every layer (Ws input side first)."""
    L = len(Ws)
    eye = sp.eye(Ws[0].shape[1])

    def chain(lo, hi):  # W^hi ... W^lo (0-based, inclusive); identity if lo > hi
        P = sp.eye(Ws[hi].shape[0]) if lo > hi else Ws[lo]
        for k in range(lo + 1, hi + 1):
            P = Ws[k] * P
        return P if lo <= hi else (eye if hi < 0 else sp.eye(Ws[hi].shape[0]))

    P = chain(0, L - 1)
    E = S31 - P * S11
    out = []
    for l in range(L):
        top = chain(l + 1, L - 1) if l + 1 <= L - 1 else sp.eye(Ws[l].shape[0])
        bot = chain(0, l - 1) if l >= 1 else sp.eye(Ws[0].shape[1])
        out.append(top.T * E * bot.T)
    return out


@C13.exact("eq13-is-minus-the-gradient")
def _(ctx):
    """For N_l = 3 and 4 with general 2 x 2 weights, a general symmetric Sigma^11 and general Sigma^31: the
    right-hand side of (13) plus tau times the gradient of E = (1/2tau) sum_mu |y - W_tot x|^2 = (1/2tau)[tr Sigma^33
    - 2 tr(W_tot^T Sigma^31) + tr(W_tot Sigma^11 W_tot^T)], entry by entry.  Exact: SymPy residual 0 (expanded
    polynomials)."""
    total = sp.Integer(0)
    x11, x12, x22 = sp.symbols("x11 x12 x22", real=True)
    S11 = sp.Matrix([[x11, x12], [x12, x22]])
    S31 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
    for n_mats in (2, 3):
        Ws = _sym_net(n_mats, 2)
        P = Ws[0]
        for W in Ws[1:]:
            P = W * P
        E = (-2 * (P.T * S31).trace() + (P * S11 * P.T).trace()) / 2  # tau E, up to tr Sigma^33 / 2
        for W, R in zip(Ws, _rhs13(Ws, S31, S11)):
            grad = W.applyfunc(lambda w: sp.diff(E, w))
            total += sum(abs(sp.expand(v)) for v in (R + grad))
    return Outcome.symbolic(sp.simplify(total), "RHS of (13) + tau dE/dW^l, N_l = 3, 4, all entries")


_GRAD_DEPTHS = (3, 5, 10, 30)


@C13.precise("harness-gradient-vs-autograd")
def _(ctx):
    """numeric.linear_nets.deep_linear_grad (the harness's eq. (13), one forward and one backward chain of products)
    vs torch.autograd of the loss -tr(W_tot^T Sigma^31) + (1/2) tr(W_tot Sigma^11 W_tot^T), N_l in (3, 5, 10, 30),
    random widths 3..8 and weights N(0, 1/n), float64.

    Tolerance ulps(2K): both are float64 evaluations of the same sums of products in different orders; each
    entry's error is at most gamma_K (|W_{>l}|^T |E|_+ |W_{<l}|^T)_ij with the absolute-value chain products
    (Higham, Accuracy and Stability, §3.5: K = the total inner dimension summed over the chain, including the
    Sigma^11 product and the residual) and |E|_+ = |Sigma^31| + |W_tot||Sigma^11|, so their difference is at most
    twice that.  Statistic: the largest entry-wise difference in units of that absolute product."""
    import torch

    g = ctx.torch_generator(1300)
    worst, kmax = 0.0, 0
    for N in _GRAD_DEPTHS:
        widths = [int(w) for w in torch.randint(3, 9, (N,), generator=g)]
        ws = [torch.randn(widths[l + 1], widths[l], generator=g, dtype=torch.float64) / math.sqrt(widths[l])
              for l in range(N - 1)]
        X = torch.randn(widths[0], 2 * widths[0], generator=g, dtype=torch.float64)
        S11 = X @ X.T / X.shape[1]
        S31 = torch.randn(widths[-1], widths[0], generator=g, dtype=torch.float64)
        from theorycheck.numeric import linear_nets as ln

        mine = ln.deep_linear_grad(ws, S11, S31)
        leaf = [w.clone().requires_grad_(True) for w in ws]
        P = leaf[0]
        for w in leaf[1:]:
            P = w @ P
        loss = -(P * S31).sum() + 0.5 * ((P @ S11) * P).sum()
        auto = torch.autograd.grad(loss, leaf)
        A = [w.abs() for w in ws]
        Pabs = ln.end_to_end(A)
        Eabs = S31.abs() + Pabs @ S11.abs()
        K = sum(widths) + 2 * widths[0] + 2
        kmax = max(kmax, K)
        for l in range(N - 1):
            top = ln.end_to_end(A[l + 1:]) if l + 1 < N - 1 else None
            bot = ln.end_to_end(A[:l]) if l > 0 else None
            B = Eabs if top is None else top.T @ Eabs
            B = B if bot is None else B @ bot.T
            d = (mine[l] - auto[l]).abs() / (B * K * 2.220446049250313e-16)
            worst = max(worst, float(d.max()) * K)  # in ulps of the absolute product
    return Outcome.bound(worst * 2.220446049250313e-16, ulps(2 * kmax, f"twice gamma_K of the chain products, K <= "
                                                                          f"{kmax} (largest depth)"),
                         f"largest entry-wise |harness - autograd| / (|W_>l|^T |E|_+ |W_<l|^T), N_l in {_GRAD_DEPTHS}",
                         name="max scaled difference harness vs autograd")


C14 = claim(
    "saxe2013/eq14-deep-decoupling",
    "With Sigma^11 = I and decoupled initial conditions W_l(0) = R_{l+1} D_l R_l^T (R_1 = V^11, R_{N_l} = U^33), the "
    "dynamics (13) stay decoupled: every connectivity mode is described by N_l - 1 scalars a_l following gradient "
    "descent on (14), which conserves a_i^2 - a_j^2.",
    f"{CITE}, section 2, eqs. (13)-(14)",
)


@C14.exact("eq13-on-diagonal-is-eq14")
def _(ctx):
    """With diagonal 3 x 3 weights D_l = diag(a_{l,alpha}) (N_l = 4, three matrices), Sigma^11 = I and Sigma^31 = S
    diagonal: the right-hand side of (13) is diagonal, with entry (alpha, alpha) = -tau dE/da_{l,alpha} of (14) at
    s = s_alpha.  Exact: SymPy residual 0."""
    r, L = 3, 3
    a = [[sp.Symbol(f"a{l}_{k}", real=True) for k in range(r)] for l in range(L)]
    sv = [sp.Symbol(f"s{k}", positive=True) for k in range(r)]
    Ds = [sp.diag(*a[l]) for l in range(L)]
    R = _rhs13(Ds, sp.diag(*sv), sp.eye(r))
    total = sp.Integer(0)
    for l in range(L):
        for i in range(r):
            for j in range(r):
                if i != j:
                    total += abs(sp.expand(R[l][i, j]))
                else:
                    E = (sv[i] - sp.Mul(*[a[k][i] for k in range(L)])) ** 2 / 2  # tau E of (14)
                    total += abs(sp.expand(R[l][i, i] + sp.diff(E, a[l][i])))
    return Outcome.symbolic(sp.simplify(total), "off-diagonal RHS of (13) + (diagonal RHS of (13) + tau dE/da of (14))")


@C14.exact("rotations-commute-with-eq13")
def _(ctx):
    """With W_l = R_{l+1} Wbar_l R_l^T for rotations R_l (2 x 2, rational parametrization R = [[1-t^2, -2t], [2t,
    1-t^2]]/(1+t^2), exactly orthogonal; R_1 = V, R_3 = U, N_l = 3) and general Wbar_l: the right-hand side of (13)
    at (W, Sigma^31 = U S V^T, Sigma^11 = I) equals R_{l+1} [RHS of (13) at (Wbar, S, I)] R_l^T, so the change of
    variables W_l = R_{l+1} Wbar_l R_l^T maps (13) onto itself with Sigma^31 -> S (the step from (13) to the
    decoupled modes).  Exact: SymPy residual 0 (rational functions, cancel)."""
    ts = sp.symbols("t1:4", real=True)
    Rs = [sp.Matrix([[1 - t**2, -2 * t], [2 * t, 1 - t**2]]) / (1 + t**2) for t in ts]
    Wb = _sym_net(2, 2)
    S = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"y{i}{j}", real=True))
    W = [Rs[l + 1] * Wb[l] * Rs[l].T for l in range(2)]
    lhs = _rhs13(W, Rs[2] * S * Rs[0].T, sp.eye(2))
    rhs = _rhs13(Wb, S, sp.eye(2))
    total = sp.Integer(0)
    for l in range(2):
        d = lhs[l] - Rs[l + 1] * rhs[l] * Rs[l].T
        total += sum(abs(sp.cancel(sp.together(v))) for v in d)
    return Outcome.symbolic(sp.simplify(total), "RHS(13)(R W R^T, U S V^T) - R RHS(13)(W, S) R^T, N_l = 3")


@C14.exact("ai2-minus-aj2-conserved")
def _(ctx):
    """d/dt (a_1^2 - a_2^2) under gradient descent on (14), N_l in (3, 4, 5, 6, 8).  Exact: SymPy residual 0."""
    total = 0
    for N in DEPTHS:
        xs = deep_symbols(N)
        E = (S.s - sp.Mul(*xs)) ** 2 / (2 * S.tau)
        d = 2 * xs[0] * (-sp.diff(E, xs[0])) - 2 * xs[1] * (-sp.diff(E, xs[1]))
        total += abs(sp.simplify(d))
    return Outcome.symbolic(sp.simplify(total), "d(a_1^2 - a_2^2)/dt under (14)")


# ==============================================================================================
# (15)-(17): the exact travel time at finite depth (saxe.deep_time) and simulations
C15 = claim(
    "saxe2013/eq15-17-deep-learning-time",
    "The travel time of (15) at finite depth (formula saxe.deep_time) reduces to (11) at N_l = 3; balanced decoupled "
    "N_l-layer networks trained by gradient descent follow it (N_l = 3..100); the large-depth form (17) approaches it "
    "as 1/N_l.",
    f"{CITE}, eqs. (15)-(17)",
)

_DT_POINTS = [  # (N_l, s, tau, u0, uf)
    (3, "2", "1", "0.001", "1.5"), (4, "1", "2", "0.0001", "0.9"), (5, "3", "1", "0.01", "2.9"),
    (10, "1", "1", "1e-6", "0.99"), (30, "2", "0.5", "0.001", "1"), (100, "1", "1", "0.05", "0.8"),
    (7, "1", "1", "5", "1.01"), (300, "0.5", "1", "1e-5", "0.25"),
]


def _quad15(N, s, tau, u0, uf):
    """eq. (15)'s inverse rate integrated by mpmath quadrature in x = ln u (independent of the closed forms)."""
    m = N - 1

    def f(x):
        u = mpmath.exp(x)
        return tau * u ** (mpmath.mpf(2) / m - 1) / (m * (s - u))

    a, b = mpmath.log(u0), mpmath.log(uf)
    return mpmath.quad(f, [a + (b - a) * k / 8 for k in range(9)])


@C15.precise("deep-time-vs-quadrature-of-eq15")
def _(ctx):
    """The float64 kernel of saxe.deep_time (numeric/saxe_deep.py) vs mpmath quadrature of (15)'s inverse rate at
    30 digits (confirmed at 40), at 8 points N_l = 3..300 including a start above s.

    Tolerance conditioned(cond, 64): 64 rounded operations per value (the hand-kernel count of the formula
    registry's tests; the roots-of-unity sum is pairwise-summed), cond = the largest over the points of
    sum_i |x_i dt/dx_i / t| (dt/du0 and dt/duf from (15) exactly, dt/dtau = t/tau, dt/ds by mpmath.diff)."""
    from theorycheck.numeric.saxe_deep import deep_time

    worst, cond = 0.0, 0.0
    for N, *vals in _DT_POINTS:
        dbl = [float(v) for v in vals]
        with mpmath.workdps(30):
            ref = _quad15(N, *[mpmath.mpf(v) for v in dbl])
        with mpmath.workdps(40):
            ref2 = _quad15(N, *[mpmath.mpf(v) for v in dbl])
            s_, tau_, u0_, uf_ = (mpmath.mpf(v) for v in dbl)
            m = N - 1
            rate = lambda u: tau_ / (m * u ** (2 - mpmath.mpf(2) / m) * (s_ - u))  # noqa: E731
            ds = mpmath.diff(lambda x: _quad15(N, x, tau_, u0_, uf_), s_)
            c = (abs(u0_ * rate(u0_)) + abs(uf_ * rate(uf_)) + abs(ref2) + abs(s_ * ds)) / abs(ref2)
        assert abs(ref - ref2) <= abs(ref2) * mpmath.mpf(10) ** -25
        got = float(deep_time(N, *dbl))
        worst = max(worst, abs(got - float(ref2)) / abs(float(ref2)))
        cond = max(cond, float(c))
    return Outcome.bound(worst, conditioned(cond, 64, "float64 saxe.deep_time vs quadrature of (15)"),
                         f"max relative error over {len(_DT_POINTS)} points, N_l = 3..300; worst condition number "
                         f"{cond:.3g}", name="max relative error deep_time vs quadrature",
                         extra={"condition_number": cond})


@C15.precise("deep-time-at-three-layers-is-eq11")
def _(ctx):
    """saxe.deep_time at N_l = 3 vs the generated kernel of eq. (11) (saxe.t_learn) at 200 random points below and
    above s (s in [0.1, 10], u0/s, uf/s log-uniform in [1e-8, 0.99] or their inverses).

    Tolerance conditioned(cond, 64 + k11): both kernels are within their own rounding of the exact value (64 and
    the t_learn kernel's 30 operations), cond = the largest sum_i |x_i dt/dx_i / t| of (11) over the points
    (exact derivatives: dt/du = -+tau/(2u(s-u)), dt/ds by the formula)."""
    from theorycheck.numeric.generated.saxe import t_learn
    from theorycheck.numeric.saxe_deep import deep_time

    rng = ctx.rng(1310)
    n = 200
    s = rng.uniform(0.1, 10, n)
    x0, xf = 10 ** rng.uniform(-8, np.log10(0.99), n), 10 ** rng.uniform(-8, np.log10(0.99), n)
    above = rng.random(n) < 0.5
    u0, uf = np.where(above, s / x0, s * x0), np.where(above, s / xf, s * xf)
    a, b = deep_time(3, s, 1.0, u0, uf), t_learn(s, 1.0, u0, uf)
    ok = b != 0
    rel = np.abs(a - b)[ok] / np.abs(b)[ok]
    # condition number of (11): u0 |dt/du0| + uf |dt/duf| + tau |dt/dtau| + s |dt/ds|, over |t|
    du0 = np.abs(u0 / (2 * u0 * (s - u0)))
    duf = np.abs(uf / (2 * uf * (s - uf)))
    ds = np.abs(s * (-b / s + (1 / (2 * s)) * (1 / (s - u0) - 1 / (s - uf))))
    cond = float(((du0 + duf + np.abs(b) + ds)[ok] / np.abs(b)[ok]).max())
    return Outcome.bound(float(rel.max()), conditioned(cond, 64 + 30, "deep_time(N_l=3) vs t_learn, two float64 kernels"),
                         f"max relative difference over {int(ok.sum())} points (half above s); worst condition {cond:.3g}",
                         name="max relative difference deep_time(3) vs eq. (11)")


@C15.precise("eq17-first-order-in-1-over-depth")
def _(ctx):
    """How good (17) is at finite depth: with m = N_l - 1 the exact inverse rate of (15) is
    u^(2/m) / (m u^2 (s-u)) = (1/m)(1 + (2/m) ln u + ...) / (u^2 (s-u)), so t_(17)/t_exact = 1 + K/N_l + O(1/N_l^2)
    with K = -(1 + 2 I1/I0), I0 = int du/(u^2(s-u)), I1 = int ln u du/(u^2(s-u)) over [u0, uf].  Compared: the
    finite-depth coefficient D(N_l) = N_l (t_(17)/t_exact - 1) at N_l = 1000 (mpmath, deep_time_mp) vs K by quadrature,
    at (s, u0, uf) = (1, 1e-3, 0.9) and (2, 1e-6, 1.9).  The table of t_(17)/t_exact - 1 at N_l = 3..1000 is recorded.

    Tolerance remainder(bound): the neglected O(1/N_l^2) term of D, bounded by 2 |D(500) - D(1000)| (the O(1/N) term
    of D itself, at N = 1000, is |D(500) - D(1000)| up to higher orders; factor 2 for them)."""
    from theorycheck.symbolic.saxe import deep_time_mp

    worst, bound, table = 0.0, 0.0, {}
    with mpmath.workdps(30):
        for s, u0, uf in ((1, mpmath.mpf("1e-3"), mpmath.mpf("0.9")), (2, mpmath.mpf("1e-6"), mpmath.mpf("1.9"))):
            s = mpmath.mpf(s)

            def t17(N):
                return (mpmath.log(uf * (u0 - s) / (u0 * (uf - s))) / s**2 + 1 / (s * u0) - 1 / (s * uf)) / N

            def D(N):
                return N * (t17(N) / deep_time_mp(N, s, 1, u0, uf) - 1)

            I0 = mpmath.quad(lambda u: 1 / (u**2 * (s - u)), [u0, u0 * 10, u0 * 100, uf])
            I1 = mpmath.quad(lambda u: mpmath.log(u) / (u**2 * (s - u)), [u0, u0 * 10, u0 * 100, uf])
            K = -(1 + 2 * I1 / I0)
            d1000, d500 = D(1000), D(500)
            worst = max(worst, float(abs(d1000 - K)))
            bound = max(bound, float(2 * abs(d500 - d1000)))
            table[f"s={float(s):g},u0={float(u0):g},uf={float(uf):g}"] = {
                "K": float(K), **{str(N): float(t17(N) / deep_time_mp(N, s, 1, u0, uf) - 1)
                                  for N in (3, 5, 10, 20, 50, 100, 1000)}}
    return Outcome.bound(worst, remainder(bound, 1.0, why="O(1/N_l^2) term of N_l (t_17/t_exact - 1)"),
                         "relative excess of (17) over the exact time: " + "; ".join(
                             f"{k}: " + ", ".join(f"N_l={n}: {v:+.3g}" for n, v in row.items() if n != "K")
                             for k, row in table.items()),
                         name="|N_l (t_17/t_exact - 1) - K| at N_l = 1000", extra={"table": table})


DEEP_SIZES = {
    "smoke": {"depths": [3, 5, 10], "s": [1.0, 0.8, 0.6], "width": 4, "u0": 0.1, "c": 0.02, "levels": [0.2, 0.5, 0.8]},
    "default": {"depths": [3, 5, 10, 30, 100], "s": [1.0, 0.8, 0.6], "width": 4, "u0": 0.1, "c": 0.02,
                "levels": [0.2, 0.5, 0.8]},
    "paper": {"depths": [3, 5, 8, 10, 14, 20, 28, 36, 44, 54, 64, 74, 84, 94, 100], "s": [1.0, 0.8, 0.6], "width": 8,
              "u0": 0.05, "c": 0.01, "levels": [0.2, 0.5, 0.8]},
}


def simulate_balanced(N, sz, lr, gen, device="cpu"):
    """Balanced decoupled N_l-layer network (a_l = u0^(1/(N_l-1)) for every layer and mode), trained by the harness
    on a whitened task with singular values ``s``; returns (times in tau, u per mode) recorded every step."""
    import torch

    from theorycheck.numeric import linear_nets as ln

    s = torch.tensor(sz["s"], dtype=torch.float64)
    w = int(sz["width"])
    task = ln.task_with_svd(s, w, w, gen, device=device)
    ws = ln.deep_decoupled_init(task, [w] * N, sz["u0"] ** (1.0 / (N - 1)), gen)
    from theorycheck.numeric.saxe_deep import deep_time

    T = float(np.max(deep_time(N, np.array(sz["s"]), 1.0, sz["u0"], max(sz["levels"]) * np.array(sz["s"])))) * 1.05
    steps = int(math.ceil(T / lr))
    _, ks, rec = ln.deep_linear_gd(ws, None, task.Syx, lr, steps, record=lambda k, W: ln.mode_strengths(task, *W))
    return ks.double().numpy() * lr, rec[:, 0, :].cpu().numpy()


def _crossing_times(tt, u, targets):
    out = np.empty(len(targets))
    for j, (col, tg) in enumerate(targets):
        k = int(np.argmax(u[:, col] >= tg))
        out[j] = tt[k - 1] + (tg - u[k - 1, col]) / (u[k, col] - u[k - 1, col]) * (tt[k] - tt[k - 1])
    return out


@C15.simulation("balanced-gd-follows-deep-time", sizes=DEEP_SIZES)
def _(ctx):
    """Balanced decoupled networks of depth N_l (3..100 at default scale; every mode starts at u0, width 4, three
    modes) trained by full-batch gradient descent: the times at which each mode reaches 0.2 s, 0.5 s, 0.8 s vs
    saxe.deep_time (the exact integral of (15)), at the rate lambda = c / lambda_1(a_opt) (eq. (41), s = max s) and
    at lambda/2.  Gradient descent is forward Euler on (15), so the error must halve with the rate: the ratio of the
    largest relative time errors at lambda and lambda/2 must be 2.

    Tolerance first_order(h, L) per depth (all must hold): |ratio/2 - 1| <= 2 h L with h = lambda and L =
    lambda_1(a_opt) (the largest Hessian eigenvalue on the path, eq. (41)), i.e. 2c.  The deviation of the
    simulated times from (17) is recorded beside."""
    from theorycheck.numeric.generated.saxe import deep_time_approx
    from theorycheck.numeric.saxe_deep import deep_time, lambda1_max

    sz = ctx.sizes
    s = np.array(sz["s"])
    targets = [(j, lv * s[j]) for j in range(len(s)) for lv in sz["levels"]]
    outs, rows = [], []
    for i, N in enumerate(sz["depths"]):
        L1 = float(lambda1_max(N, s.max(), 1.0))
        lr = sz["c"] / L1
        th = np.array([float(deep_time(N, s[j], 1.0, sz["u0"], tg)) for j, tg in targets])
        errs = []
        for k, h in enumerate((lr, lr / 2)):
            tt, u = simulate_balanced(N, sz, h, ctx.torch_generator(1320 + 10 * i + k), ctx.device)
            errs.append(float(np.max(np.abs(_crossing_times(tt, u, targets) - th) / th)))
        ratio = errs[0] / errs[1]
        dev17 = float(np.max(np.abs(np.array([float(deep_time_approx(N, s[j], 1.0, sz["u0"], tg)) for j, tg in targets])
                                    / th - 1)))
        rows.append({"N_l": N, "lr": lr, "rel_err_lr": errs[0], "rel_err_lr_half": errs[1], "ratio": ratio,
                     "max_rel_dev_of_eq17_from_exact": dev17})
        tol = first_order(lr, L1, why=f"N_l={N}: forward Euler on (15), L = lambda_1(a_opt) of (41)")
        outs.append(Outcome.bound(abs(ratio / 2 - 1), tol, f"N_l={N}: max relative time error {errs[0]:.3e} at "
                                  f"lambda={lr:.3g}, {errs[1]:.3e} at lambda/2 (ratio {ratio:.4f}); (17) is off by "
                                  f"{dev17:.1%}", sizes=dict(sz)))
    out = Outcome.all_of(outs)
    out.extra = {"rows": rows}
    return out
