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
