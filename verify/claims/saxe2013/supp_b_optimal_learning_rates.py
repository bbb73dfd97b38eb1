"""Saxe, McClelland & Ganguli 2013, supplementary B "Optimal discrete time learning rates" (with B.1
"Learning speeds with optimized learning rate"): the energy (27), gradient (28), Hessian (29)-(31), their
restriction (32)-(35) to the symmetric manifold, the top eigenvalue (37), its maximum (41), the
learning-rate scaling (42) and the finite depth delay (43)-(45).

Errata this module reports, with the corrected statements it checks instead:

* eq. (27): the energy is printed without the square of (14); (28) is the gradient of
  E = (1/2tau)(s - prod a_k)^2.
* eq. (32): likewise E(a) = (1/2tau)(s - a^(N_l-1))^2; the gradient (33) and Hessian entries (34)-(35),
  (37), (41) and (43)-(45) are those of the squared energy and hold.
"""
from __future__ import annotations

import numpy as np
import sympy as sp

from theorycheck.symbolic import saxe as S
from theorycheck.verify.claims.saxe2013._common import CITE, DEPTHS, deep_symbols
from theorycheck.verify.registry import Outcome, claim, erratum
from theorycheck.verify.tolerances import conditioned, criterion, ulps

CB = claim(
    "saxe2013/supB-learning-rate",
    "Supplementary B: the energy (27), its gradient (28), Hessian (29)-(31), their values (32)-(35) on the "
    "symmetric manifold, the top eigenvalue (37), its maximum (41) at a_opt = s^(1/(N_l-1)), and the resulting "
    "learning-rate scaling (42) and finite depth delay (43)-(45).",
    f"{CITE}, supplementary eqs. (27)-(45)",
)


def _supB(N):
    xs = deep_symbols(N)
    P = sp.Mul(*xs)
    E27_printed = (S.s - P) / (2 * S.tau)
    E27 = (S.s - P) ** 2 / (2 * S.tau)
    f28 = -(S.s - P) * (P / xs[0]) / S.tau
    return xs, P, E27_printed, E27, f28


@CB.exact("eq27-28-energy-and-gradient")
def _(ctx):
    """Erratum check: dE/da_1 of the printed (27) and of (27) squared (as (14)) vs (28), N_l in (3, 4, 5, 6, 8).
    Exact: SymPy residual 0."""
    pr = co = 0
    for N in DEPTHS:
        xs, P, E27p, E27, f28 = _supB(N)
        pr += abs(sp.simplify(sp.diff(E27p, xs[0]) - f28))
        co += abs(sp.simplify(sp.diff(E27, xs[0]) - f28))
    return erratum(Outcome.symbolic(sp.simplify(pr), "dE/da_1 of the printed (27) minus (28)"),
                   Outcome.symbolic(sp.simplify(co), "dE/da_1 of (27) squared (as in (14)) minus (28)"),
                   "eq. (27) must read E = (1/2tau)(s - prod a_k)^2 (the square of (14) is missing); (28) is the "
                   "gradient of the squared energy")


@CB.exact("eq29-31-hessian")
def _(ctx):
    """Second derivatives of the squared (27) vs (29) (i != j) and (31) (i = j).  Exact: SymPy residual 0."""
    total = 0
    for N in DEPTHS:
        xs, P, _, E27, _ = _supB(N)
        i, j = 0, 1
        g29 = (P / xs[j]) * (P / xs[i]) / S.tau - (S.s - P) * (P / (xs[i] * xs[j])) / S.tau
        h31 = (P / xs[i]) ** 2 / S.tau
        total += abs(sp.simplify(sp.diff(E27, xs[i], xs[j]) - g29)) + abs(sp.simplify(sp.diff(E27, xs[i], 2) - h31))
    return Outcome.symbolic(sp.simplify(total), "second derivatives of the squared (27) minus (29) and (31)")


@CB.exact("eq32-35-symmetric-manifold")
def _(ctx):
    """Erratum check: the restriction a_i = a of (27) squared vs the printed (32) (no square) and the corrected (32),
    with (33)-(35) checked in both.  Exact: SymPy residual 0."""
    a = sp.Symbol("a", positive=True)
    pr = co = rest = 0
    for N in DEPTHS:
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
    """H 1 = lambda_1 1 for the Hessian (36) with lambda_1 of (37); (37) at a_opt = s^(1/(N_l-1)) vs (41); and
    lim lambda_1 / (N_l s^2) = 1, the scaling (42).  Exact: SymPy residual 0."""
    a = sp.Symbol("a", positive=True)
    total = 0
    for N in DEPTHS:
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


# rounded operations of the grid evaluation: a_opt = s**(1/(N-1)) (pow, 2 for its 1-ulp libm accuracy),
# a**(2N-4), a**(N-3) (2 each), 3 products, the difference, and (N-1) s**((2N-4)/(N-1)) for the reference
# value (division, pow 2, product), the relative excess (subtraction, division): 16
_LAMBDA1_OPS = 16


@CB.precise("eq41-maximum-at-a-opt")
def _(ctx):
    """max |lambda_1(a)| of (37) over a grid of 4001 points of [0, a_opt], a_opt = s^(1/(N_l-1)), is attained at
    a_opt with the value (41) (the text before (41)), N_l = 3..40, s in {1/4, 1, 4}; statistic: the largest
    relative excess of the grid maximum over (41).

    Tolerance conditioned(cond, k): the value at the endpoint a_opt is float64 arithmetic, whose rounding of
    a_opt (relative eps/2) is amplified by cond = max over N_l of |a dlambda_1/da / lambda_1| at a_opt
    = ((2N_l-3)(2N_l-4) - (N_l-2)(N_l-3)) / (N_l-1) (exact, since s a_opt^(N_l-3) = a_opt^(2N_l-4)), and
    k = 16 rounded operations (the grid evaluation and the reference (41))."""
    worst, cond = 0.0, 0.0
    for N in range(3, 41):
        cond = max(cond, ((2 * N - 3) * (2 * N - 4) - (N - 2) * (N - 3)) / (N - 1))
        for s in (0.25, 1.0, 4.0):
            aopt = s ** (1.0 / (N - 1))
            a = np.linspace(0, aopt, 4001)
            lam = (2 * N - 3) * a ** (2 * N - 4) - (N - 2) * s * a ** (N - 3)
            peak = np.abs(lam).max()
            at_opt = (N - 1) * s ** ((2 * N - 4) / (N - 1))
            worst = max(worst, (peak - at_opt) / at_opt)
    return Outcome.bound(max(worst, 0.0), conditioned(cond, _LAMBDA1_OPS, "grid maximum of (37) vs (41) in float64"),
                         "largest relative excess of max_a |lambda_1(a)| over lambda_1(a_opt), N_l = 3..40, s in {1/4, 1, 4}",
                         name="relative excess of the grid maximum over (41)")


@CB.exact("eq43-45-finite-delay")
def _(ctx):
    """(11) with tau = c lambda_1(a_opt) at N_l = 3 vs (43); the N_l -> oo limit of (17) with that tau vs (44); and
    (44) - (43) vs (45).  Exact: SymPy residual 0."""
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


# ----------------------------------------------------------------------------------------------
# (38)-(40): Newton's method on the symmetric manifold and its basin
CN = claim(
    "saxe2013/supB-eq38-40-newton",
    "On the symmetric manifold the Newton step (38) reduces to (39)-(40), a^{t+1} = a^t - f(a^t)/lambda_1(a^t), because "
    "the all-ones vector is an eigenvector of the Hessian; its basin of attraction does not include small initial "
    "conditions, where the Hessian is not positive definite.",
    f"{CITE}, supplementary eqs. (38)-(40)",
)


@CN.exact("eq38-is-eq40")
def _(ctx):
    """H(a) (1/lambda_1(a)) 1 = 1 with H of (36) and lambda_1 of (37), so H^{-1} f 1 = (f/lambda_1) 1 and (38) = (39)
    = (40) (N_l in (3, 4, 5, 6, 8)); and lambda_1(a) = a^(N_l-3) ((2N_l-3) a^(N_l-1) - (N_l-2) s)/tau, negative for
    0 < a < a_c = ((N_l-2) s/(2N_l-3))^(1/(N_l-1)) < a_opt (residual of the factorization).  Exact: SymPy residual 0."""
    a = sp.Symbol("a", positive=True)
    total = 0
    for N in DEPTHS:
        n = N - 1
        g = 2 * a ** (2 * N - 4) / S.tau - S.s * a ** (N - 3) / S.tau
        h = a ** (2 * N - 4) / S.tau
        H = sp.Matrix(n, n, lambda i, j: h if i == j else g)
        lam = (2 * N - 3) * a ** (2 * N - 4) / S.tau - (N - 2) * S.s * a ** (N - 3) / S.tau
        total += sum(abs(sp.simplify(v)) for v in (H * sp.ones(n, 1) / lam - sp.ones(n, 1)))
        total += abs(sp.simplify(lam - a ** (N - 3) * ((2 * N - 3) * a ** (N - 1) - (N - 2) * S.s) / S.tau))
    return Outcome.symbolic(sp.simplify(total), "H 1/lambda_1 - 1 and the factorization of (37), N_l in (3,4,5,6,8)")


@CN.precise("newton-basin-excludes-small-a")
def _(ctx):
    """Iterating (40) from a0 = a_c/2 (where lambda_1 < 0) and from a0 = (a_c + a_opt)/2, N_l in (3, 5, 10, 30), s = 1:
    the first start is driven to a = 0 (away from the solution a_opt = s^(1/(N_l-1))), the second converges to
    a_opt.  Statistics: max over depths of |a_100 - a_opt| / a_opt from the second start, and a_5000 / a_c from the
    first (near 0 the step is a -> a (N_l-3)/(N_l-2): linear convergence to the saddle for N_l > 3).

    Tolerances: ulps(64) for the second (Newton converges quadratically, so after 100 steps the iterate is a_opt up
    to the float64 rounding of the update, a few operations, 64 ulps); criterion(1e-6) for the first (stated:
    the small start ends below 1e-6 a_c, i.e. it left the basin towards the saddle a = 0)."""
    worst_good, worst_bad, rows = 0.0, 0.0, []
    s = 1.0
    for N in (3, 5, 10, 30):
        m = N - 1
        a_c = ((N - 2) * s / (2 * N - 3)) ** (1 / m)
        a_opt = s ** (1 / m)

        def step(a):
            f = -(s - a**m) * a ** (m - 1)
            lam = (2 * N - 3) * a ** (2 * N - 4) - (N - 2) * s * a ** (N - 3)
            return a - f / lam

        lo, hi = a_c / 2, (a_c + a_opt) / 2
        for _ in range(100):
            hi = step(hi)
        for _ in range(5000):
            lo = step(lo)
        rows.append({"N_l": N, "a_c": a_c, "from_small": lo, "from_near": hi})
        worst_good = max(worst_good, abs(hi - a_opt) / a_opt)
        worst_bad = max(worst_bad, abs(lo) / a_c)
    tol = ulps(64, "Newton iterates converge to a fixed point of (40) up to the rounding of the update")
    return Outcome.all_of([
        Outcome.bound(worst_good, tol, "from (a_c + a_opt)/2: max |a_100 - a_opt|/a_opt", name="near start error"),
        Outcome.bound(worst_bad, criterion(1e-6, "stated: from a_c/2 the iterate ends below 1e-6 a_c (driven to the "
                                                 "saddle a = 0, outside the basin of a_opt)"),
                      "from a_c/2 (lambda_1 < 0): max a_5000 / a_c", name="small start a_5000/a_c",
                      extra={"rows": rows})])
