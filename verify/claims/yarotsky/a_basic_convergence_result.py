"""Yarotsky's lecture, "A basic convergence result" (Proposition, its Proof, "Formulation in terms of
stopping condition" and the two exercises after it).

Reading of the slide: L lower bounded, differentiable, |grad L(a) - grad L(b)| <= M |a - b|; gradient
descent W^(n+1) = W^(n) - alpha grad L(W^(n)) with alpha < 2/M.  Then grad L(W^(n)) -> 0 and, with
c = alpha (1 - M alpha/2),

    L(W^(n+1)) <= L(W^(n)) - c |grad L(W^(n))|^2,
    sum_{n<=N} |grad L(W^(n))|^2 <= (L(W^(1)) - min L)/c,
    min_{n<=N} |grad L(W^(n))| <= c^{-1/2} N^{-1/2} (L(W^(1)) - min L)^{1/2}.

The proof chain (five lines of the slide) is checked line by line on three families whose Lipschitz
constant M of the gradient is known exactly (sup of the largest Hessian eigenvalue, attained):

* ``quadratic``: L = w^T A w / 2, A = Q diag(lambda) Q^T with lambda in [0.1, 2]: M = 2, min L = 0;
* ``logcosh`` (log-sum-exp: log cosh z = lse(z, -z) - log 2): L = sum_j log cosh((B w)_j), Hessian
  B^T diag(sech^2) B <= B^T B with equality at w = 0: M = ||B||_2^2 (scaled to 1.5), min L = 0;
* ``nonconvex``: L = |w|^2/2 + beta sum_i cos w_i, beta = 2: Hessian diag(1 - beta cos w_i), M = 1 + beta =
  3 (attained at w_i = pi), non-convex (1 - beta < 0 at w = 0); min L = d min_x (x^2/2 + beta cos x), the
  root of x = beta sin x by mpmath (30 digits).

Float64 rounding tolerances: every inequality is checked with the violation divided by a magnitude
scale (the sum of the absolute values of the terms compared, see ``_Family.mag``), against
``ulps(4 (d + 6))``: each compared quantity (L at two points, <Delta, g>, |Delta|^2) is a sum of at most d
terms of at most 6 rounded operations each (relative error <= (d + 6) eps/2 on the scale of the absolute
values), four such quantities enter a comparison, and the result is doubled.  Errata: none.  Observation:
the stopping-rule count O((L(W^1) - min L)/eps^2) is an upper bound; on 1-D quadratics with curvature
<= M the worst case grows only like 1/eps (measured exponent reported).
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from theorycheck.verify.claims.yarotsky._common import LECTURE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import EPS, criterion, ulps

SRC = f"{LECTURE}, 'A basic convergence result'"

D = 5
ALPHAS_REL = (0.5, 1.0, 1.5, 1.9)  # alpha M
N_STEPS = 1000


class _Family:
    """A test function with exactly known M and min L: value, gradient, and a rounding-magnitude scale."""

    def __init__(self, name, L, grad, M, inf, mag, convex):
        self.name, self.L, self.grad, self.M, self.inf, self.mag, self.convex = name, L, grad, M, inf, mag, convex


def _logcosh(z):
    a = np.abs(z)
    return a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0)


def nonconvex_min_1d(beta: float) -> float:
    """min_x (x^2/2 + beta cos x) for beta > 1: at the positive root of x = beta sin x (mpmath, 30 digits)."""
    with mpmath.workdps(30):
        x = mpmath.findroot(lambda x: x - beta * mpmath.sin(x), 2.0)
        return float(x**2 / 2 + beta * mpmath.cos(x))


def families(rng) -> list[_Family]:
    Q, _ = np.linalg.qr(rng.standard_normal((D, D)))
    lam = np.linspace(0.1, 2.0, D)
    A = (Q * lam) @ Q.T
    B = rng.standard_normal((4, D))
    B *= math.sqrt(1.5) / np.linalg.norm(B, 2)
    beta = 2.0
    return [
        _Family("quadratic", lambda w: 0.5 * w @ A @ w, lambda w: A @ w, 2.0, 0.0,
                lambda w: 2.0 * (w @ w), True),
        _Family("logcosh", lambda w: float(np.sum(_logcosh(B @ w))), lambda w: B.T @ np.tanh(B @ w),
                float(np.linalg.norm(B, 2) ** 2), 0.0,
                lambda w: float(np.sum(np.abs(B) @ np.abs(w))) + D, True),
        _Family("nonconvex", lambda w: 0.5 * (w @ w) + beta * float(np.sum(np.cos(w))),
                lambda w: w - beta * np.sin(w), 1.0 + beta, D * nonconvex_min_1d(beta),
                lambda w: 0.5 * (w @ w) + beta * D, False),
    ]


def run_gd(fam: _Family, alpha: float, w1, steps: int = N_STEPS):
    """GD iterates W^(1..steps+1), their losses and gradients."""
    W = [np.asarray(w1, dtype=np.float64)]
    for _ in range(steps):
        W.append(W[-1] - alpha * fam.grad(W[-1]))
    Ls = np.array([fam.L(w) for w in W])
    Gs = np.array([fam.grad(w) for w in W])
    return np.array(W), Ls, Gs


_GL_X, _GL_W = np.polynomial.legendre.leggauss(20)
_GL_X2, _GL_W2 = np.polynomial.legendre.leggauss(40)


def _line_integral(fam, w, delta, x=_GL_X, wts=_GL_W):
    t = 0.5 * (x + 1.0)
    return sum(0.5 * wt * fam.grad(w + ti * delta) for ti, wt in zip(t, wts))


C = claim(
    "yarotsky/gd-convergence-proposition",
    "If L is lower bounded, differentiable, with M-Lipschitz gradient, and alpha < 2/M, then gradient descent has "
    "grad L(W^(n)) -> 0 and min_{n<=N} |grad L(W^(n))| <= (c N)^{-1/2} (L(W^(1)) - min L)^{1/2} = O(N^{-1/2}), "
    "c = alpha (1 - M alpha/2); each line of the proof (mean-value integral, Lipschitz bound, M/2 |Delta|^2, "
    "-alpha + M alpha^2/2) holds.",
    f"{SRC}, Proposition and Proof",
)


@C.precise("proof-chain-every-step")
def _(ctx):
    """Three families x alpha M in {0.5, 1, 1.5, 1.9} x 200 GD steps from w1 ~ N(0, 4 I): at every step
    (i) L(W^(n+1)) = L(W^(n)) + <Delta, int_0^1 grad L(W^(n) + t Delta) dt> (20-point Gauss-Legendre; its
    error estimated by the 40-point rule is added to the tolerance), (ii) the integral term <= <Delta, g> +
    M/2 |Delta|^2, (iii) = L + (-alpha + M alpha^2/2) |g|^2 (an identity for Delta = -alpha g), (iv)
    L(W^(n+1)) <= L(W^(n)) - c |g|^2.  Statistic: the largest violation divided by the magnitude scale
    (|L_n| + |L_(n+1)| + |Delta||g| + M |Delta|^2 + the family's mag at both points); tolerance ulps(4(d + 6))
    (module docstring) plus the quadrature estimate.  Strict decrease (s3 < L_n) is required wherever
    c|g|^2 exceeds that rounding level."""
    rng = ctx.rng(1)
    worst = {"mean-value identity": 0.0, "Lipschitz step": 0.0, "M/2 step = -c|g|^2 step": 0.0, "descent": 0.0}
    quad_est = 0.0
    strict = True
    for fam in families(rng):
        w1 = 2.0 * rng.standard_normal(D)
        for ar in ALPHAS_REL:
            a = ar / fam.M
            c = a * (1 - fam.M * a / 2)
            W, Ls, Gs = run_gd(fam, a, w1, 60)
            for n in range(len(W) - 1):
                w, g, dl = W[n], Gs[n], W[n + 1] - W[n]
                if not np.any(g):
                    continue
                integ = _line_integral(fam, w, dl)
                est = abs(float(dl @ (_line_integral(fam, w, dl, _GL_X2, _GL_W2) - integ)))
                s1 = Ls[n] + float(dl @ integ)
                s2 = Ls[n] + float(dl @ g) + fam.M / 2 * float(dl @ dl)
                s3 = Ls[n] + (-a + fam.M * a * a / 2) * float(g @ g)
                scale = (abs(Ls[n]) + abs(Ls[n + 1]) + float(np.linalg.norm(dl) * np.linalg.norm(g))
                         + fam.M * float(dl @ dl) + fam.mag(w) + fam.mag(W[n + 1]))
                quad_est = max(quad_est, est / scale)
                worst["mean-value identity"] = max(worst["mean-value identity"], abs(Ls[n + 1] - s1) / scale)
                worst["Lipschitz step"] = max(worst["Lipschitz step"], (s1 - s2) / scale)
                worst["M/2 step = -c|g|^2 step"] = max(worst["M/2 step = -c|g|^2 step"], abs(s2 - s3) / scale)
                worst["descent"] = max(worst["descent"], (Ls[n + 1] - (Ls[n] - c * float(g @ g))) / scale)
                # strict decrease wherever c|g|^2 is resolvable above the rounding of L
                strict &= bool(s3 < Ls[n]) or (a * (1 - fam.M * a / 2) * float(g @ g) <= 4 * (D + 6) * EPS * scale)
    tol = ulps(4 * (D + 6), "each compared quantity a sum of <= d terms of <= 6 operations, four quantities, doubled")
    lim = tol.value + quad_est
    return Outcome.criterion([(f"max {k} / scale", v, "<=", lim) for k, v in worst.items()]
                             + [("L + (-alpha + M alpha^2/2)|g|^2 < L at every step", strict, "==", True)],
                             tol, detail=f"Gauss-Legendre 20 vs 40 estimate (relative) {quad_est:.3g}")


@C.precise("sum-and-min-gradient-bounds")
def _(ctx):
    """The telescoped consequences over N = 1000 steps, same families and alphas: sum_n |g_n|^2 c / (L(W^1) -
    min L) <= 1 and min_n |g_n| / ((L(W^1) - min L)/(c N))^(1/2) <= 1 for N = 10, 100, 1000, and |g_N| -> 0
    (|g_1000| / |g_1| < 1e-3).  Ratios are reported; tolerance 1 + ulps(4(d + 6)) for the rounding of the
    sums (min L of the non-convex family from a 30-digit root)."""
    rng = ctx.rng(2)
    worst_sum, worst_min, worst_tail = 0.0, 0.0, 0.0
    for fam in families(rng):
        w1 = 2.0 * rng.standard_normal(D)
        for ar in ALPHAS_REL:
            a = ar / fam.M
            c = a * (1 - fam.M * a / 2)
            W, Ls, Gs = run_gd(fam, a, w1)
            g2 = np.sum(Gs * Gs, axis=1)
            gap = Ls[0] - fam.inf
            worst_sum = max(worst_sum, float(np.sum(g2[:-1])) * c / gap)
            for N in (10, 100, 1000):
                worst_min = max(worst_min, float(np.sqrt(g2[:N].min())) / math.sqrt(gap / (c * N)))
            worst_tail = max(worst_tail, float(np.sqrt(g2[-1] / g2[0])))
    tol = ulps(4 * (D + 6), "rounding of the sums of squared gradients and of L(W^1) - min L")
    return Outcome.criterion([("max sum |g|^2 c / (L1 - min L)", worst_sum, "<=", 1 + tol.value),
                              ("max min|g| / bound", worst_min, "<=", 1 + tol.value),
                              ("max |g_1000| / |g_1|", worst_tail, "<", 1e-3)], tol)


def tightness_ratio(alpha_M: float, N: int, x: float, M: float = 1.0, w1: float = 1.0):
    """GD on L = mu w^2/2 with mu = x/(alpha N) (curvature <= M): min_{n<=N} |L'(w_n)| divided by the
    Proposition's bound; float64 iterates."""
    a = alpha_M / M
    mu = x / (a * N)
    c = a * (1 - M * a / 2)
    w, gmin = w1, math.inf
    for _ in range(N):
        gmin = min(gmin, abs(mu * w))
        w -= a * mu * w
    return gmin / math.sqrt(mu * w1 * w1 / 2 / (c * N))


def tightness_exact(alpha_M: float, N: int):
    """sup over curvatures of the ratio above, exactly: x* = N/(2N - 1), ratio* = sqrt(2(1 - alpha M/2) x*)
    (1 - x*/N)^(N-1); -> e^(-1/2) sqrt(1 - alpha M/2) as N -> infinity."""
    x = N / (2 * N - 1)
    return math.sqrt(2 * (1 - alpha_M / 2) * x) * (1 - x / N) ** (N - 1), x


@C.precise("bound-tightness-on-quadratics")
def _(ctx):
    """Tightness: among 1-D quadratics with curvature mu <= M the worst ratio min_{n<=N}|g_n| / bound is
    sqrt(2(1 - alpha M/2) x*)(1 - x*/N)^(N-1) at mu = x*/(alpha N), x* = N/(2N - 1) (maximise sqrt(x)(1 -
    x/N)^(N-1)).  Measured by float64 GD at that curvature for alpha M in {0.5, 1, 1.9}, N in {10, 100,
    1000}, against the closed form: tolerance ulps(4N + 16) (N rounded multiplications in the iterate, the
    power in the closed form, a few more).  A grid of 41 curvatures x in [0.05, 3] never exceeds the
    closed-form supremum; the N = 1000 value is reported beside its limit e^(-1/2) sqrt(1 - alpha M/2):
    the bound is tight to a factor ~ 0.6 sqrt(1 - alpha M/2)."""
    outs, rows = [], []
    for am in (0.5, 1.0, 1.9):
        for N in (10, 100, 1000):
            ref, x = tightness_exact(am, N)
            got = tightness_ratio(am, N, x)
            tol = ulps(4 * N + 16, f"{N} rounded GD multiplications and the closed form's power")
            outs.append(Outcome.bound(abs(got - ref) / ref, tol, name=f"alpha M = {am}, N = {N}: relative error",
                                      predicted=ref, measured=got))
            grid = max(tightness_ratio(am, N, xx) for xx in np.linspace(0.05, 3.0, 41))
            outs.append(Outcome.bound(grid / ref - 1, ulps(4 * N + 16, "rounding"), name=f"alpha M = {am}, N = {N}: grid sup / sup - 1"))
            rows.append(f"aM={am} N={N}: sup ratio {ref:.4f} (limit {math.exp(-0.5) * math.sqrt(1 - am / 2):.4f})")
    return Outcome.all_of(outs, detail="; ".join(rows))


@C.precise("iterates-need-not-converge")
def _(ctx):
    """The slide's Note: no convergence of W^(n) guaranteed.  L(w) = log(1 + e^w) (lower bounded by 0, never
    attained; M = 1/4 exactly at w = 0), alpha = 4 < 2/M: the gradient tends to 0 (|L'(w_N)| < 1e-3 at N =
    10^5) while w_N -> -infinity (w_N < -ln(alpha N) + 1: w_(n+1) = w_n - alpha e^(w_n)/(1 + e^(w_n)) gives
    e^(-w_n) ~ alpha n).  A criterion on the recorded numbers (no rounding issue at these magnitudes)."""
    a, w, N = 4.0, 0.0, 100_000
    for _ in range(N):
        w -= a / (1.0 + math.exp(-w))
    g = 1.0 / (1.0 + math.exp(-w))
    return Outcome.criterion([("|L'(w_N)|", g, "<", 1e-3), ("w_N + ln(alpha N)", w + math.log(a * N), "<", 1.0)],
                             criterion(0.0, "the Note's qualitative statement"), detail=f"w_N = {w:.6g}, L'(w_N) = {g:.3g}")


CS = claim(
    "yarotsky/gd-stopping-rule",
    "With the stopping condition |grad L(W^(n))| < eps, gradient descent (alpha < 2/M) terminates in "
    "O((L(W^(1)) - min L)/eps^2) steps: at most (L(W^(1)) - min L)/(c eps^2) + 1.",
    f"{SRC}, 'Formulation in terms of stopping condition'",
)


@CS.precise("steps-below-bound")
def _(ctx):
    """Three families x alpha M in {0.5, 1, 1.9} x eps in {1e-1, 1e-2, 1e-3, 1e-4}: the first n with |g_n| <
    eps is <= (L1 - min L)/(c eps^2) + 1 (integers: exact comparison).  Observation, reported and checked
    as <= 2: the worst-case exponent over 1-D quadratics with curvature <= M (closed-form step count
    maximised over 2000 curvatures) fitted over eps in [1e-6, 1e-2] -- the bound's 1/eps^2 is not attained
    there (exponent ~ 1)."""
    rng = ctx.rng(3)
    worst = 0.0
    for fam in families(rng):
        w1 = 2.0 * rng.standard_normal(D)
        for ar in (0.5, 1.0, 1.9):
            a = ar / fam.M
            c = a * (1 - fam.M * a / 2)
            w, gap = w1.copy(), fam.L(w1) - fam.inf
            for eps in (1e-1, 1e-2, 1e-3, 1e-4):
                n, w = 1, w1.copy()
                while np.linalg.norm(fam.grad(w)) >= eps:
                    w = w - a * fam.grad(w)
                    n += 1
                worst = max(worst, n / (gap / (c * eps**2) + 1))
    epss = np.logspace(-6, -2, 9)
    mus = np.logspace(-8, math.log10(0.99), 2000)
    a = 1.0  # M = 1, alpha M = 1, w1 = 1
    worst_n = []
    for e in epss:
        ok = mus > e
        n = np.ceil(np.log(mus[ok] / e) / -np.log1p(-a * mus[ok])) + 1
        worst_n.append(float(np.max(n)))
    slope = float(np.polyfit(np.log(1 / epss), np.log(worst_n), 1)[0])
    return Outcome.criterion([("max steps / bound", worst, "<=", 1.0),
                              ("worst-case exponent on 1-D quadratics", slope, "<=", 2.0)],
                             criterion(1.0, "integer step counts against the bound; the exponent is an observation"),
                             detail=f"fitted worst-case exponent of the step count in 1/eps: {slope:.3f}")


CX = claim(
    "yarotsky/gd-exercises",
    "Exercises after the Proposition: the optimal alpha for the bound, given M, is alpha = 1/M (c = 1/(2M)); "
    "gradient descent can converge to a stationary point that is not a (local or global) minimum.",
    f"{SRC}, Exercises",
)


@CX.exact("optimal-alpha-is-one-over-m")
def _(ctx):
    """c(alpha) = alpha(1 - M alpha/2): SymPy's only stationary point is alpha = 1/M, c(1/M) = 1/(2M), c'' =
    -M < 0 (a maximum); the residuals must be exactly 0."""
    a, M = sp.symbols("alpha M", positive=True)
    c = a * (1 - M * a / 2)
    sol = sp.solve(sp.diff(c, a), a)
    res = (sp.simplify(sol[0] - 1 / M) ** 2 + sp.simplify(c.subs(a, 1 / M) - 1 / (2 * M)) ** 2
           + sp.simplify(sp.diff(c, a, 2) + M) ** 2 + (len(sol) - 1) ** 2)
    return Outcome.symbolic(sp.simplify(res), f"stationary points {sol}")


@CX.exact("gd-converges-to-saddle")
def _(ctx):
    """Construction: L(w1, w2) = w1^2 + (w2^2 - 1)^2 (lower bounded; stationary points (0, 0), (0, +-1)).
    From w = (1, 0) with alpha = 1/4, GD in exact rational arithmetic keeps w2 = 0 (dL/dw2 = 4 w2(w2^2 - 1)
    = 0) and w1_n = (1/2)^n -> 0: it converges to (0, 0), where the Hessian diag(2, -4) has a negative
    eigenvalue (a saddle, not a minimum).  Residual: w2 after 60 steps, w1_60 - 2^-60 and the Hessian's
    minimal eigenvalue + 4, all exactly 0."""
    w1, w2 = sp.symbols("w1 w2", real=True)
    L = w1**2 + (w2**2 - 1) ** 2
    g = [sp.diff(L, v) for v in (w1, w2)]
    alpha = sp.Rational(1, 4)
    p = (sp.Integer(1), sp.Integer(0))
    for _ in range(60):
        p = tuple(pi - alpha * gi.subs({w1: p[0], w2: p[1]}) for pi, gi in zip(p, g))
    H = sp.hessian(L, (w1, w2)).subs({w1: 0, w2: 0})
    stat = [gi.subs({w1: 0, w2: 0}) for gi in g]
    res = p[1] ** 2 + (p[0] - sp.Rational(1, 2**60)) ** 2 + (min(H.eigenvals()) + 4) ** 2 + sum(s**2 for s in stat)
    return Outcome.symbolic(sp.simplify(res), "GD from (1, 0), alpha = 1/4, converges to the saddle (0, 0)")
