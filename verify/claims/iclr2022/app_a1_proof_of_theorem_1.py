"""ICLR 2022 submission, Appendix A.1 "Proof of theorem 1" (and Theorem 1 itself, section 3), checked step by
step on the infinite-width maps of eq. (2.3), for ReLU, leaky ReLU (a = 0.2, 0.5), erf and tanh in the
ordered, critical and chaotic regimes (the ReLU family is never chaotic under layer normalization:
P'(1) = C(1)/(r + C(1)) <= 1), depths 1..512.

Readings of the OCR-damaged text (each reconstructed from the proof that uses it):
* Theorem 1 (from (A.9)): ||dz^(L)/dz^(0)||_op^2 >= (1 - rho_max)^2 / 8 * sum_{l=1}^L ||phi_l - bar phi_l||_N^2 /
  ||phi_l'||_N^2, rho_max = max_{1<=l<=L} min_{x_a, x_b} z^(l)(x_a).z^(l)(x_b) / N_l.
* (A.1): ||dz^(L)/dz^(0)||_op^2 >= (P_L o ... o P_1)'(1); Remark 4: the infinite-width analogue of the squared
  Jacobian is lim_{x_b -> x_a} of the kernel distance ratio = lim_{rho_0 -> 1} (1 - rho_L)/(1 - rho_0) = (P^L)'(1).
* "rho_l >= 2 p_l - 1, and 1 - rho_max <= 2(1 - p_max)" with p_l = P_l o ... o P_1(0).
* (A.2): P_l o ... o P_{k+1}(p_k + (1 - p_k) t) = p_l + (1 - p_l) P~_l o ... o P~_{k+1}(t); (A.3):
  (P_L o ... o P_1)'(1) = (1 - p_L)(P~_L o ... o P~_1)'(1).
* (A.4) (P~ composition)'(1) >= 1 + e(P~ composition); (A.5) e(composition) >= sum_l e(P~_l); (A.6)
  e(P~_l) >= (1 - p_{l-1}) ||phi_l - bar phi_l||^2 / (2 ||phi_l'||^2).
* (A.7)-(A.8), with E = (1 - p_max)/2 * sum_l T_l and 0 < tau <= 1/(2 + E): P~-composition(1 - tau) <= 1 - (1 + E) tau,
  so (1 - P^L(1 - tau))/tau >= (1 - p_max)(1 + E).

Layers here are identical (one activation, one r), L nonlinear layers (the paper's linear embedding layer
phi_1(x) = x is the identity map at r = 0 and adds a zero term to the sum).  The slack of Theorem 1 --
(P^L)'(1) divided by the right-hand side -- is recorded per setting and depth.

Errata: none.
"""
from __future__ import annotations

import math

import numpy as np
import sympy as sp

from theorycheck.numeric import layernorm as N
from theorycheck.verify.claims.iclr2022 import _maps as M
from theorycheck.verify.claims.iclr2022._common import CITE
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import remainder, ulps

DEPTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
LMAX = DEPTHS[-1]
# tanh excess convexity: the delta-form kernel resolves e up to ~1e3 (numeric/layernorm.py); 16 layers keep
# the chaotic setting below that and bound the cost of the 2-D quadratures (one per layer and root-search step)
E_DEPTHS = {"tanh": (1, 2, 4, 8, 16)}
# Float64 margin for the inequalities: each delta step is <= 8 roundings (tests/test_iclr2022_layernorm.py
# measures <= 1e-12 relative at L = 512 against mpmath, i.e. <= 9 L eps); 16 L eps bounds the accumulated error
MARGIN = ulps(16 * LMAX, "each side of the inequalities is a float64 iteration of <= 512 delta steps, each <= 8 "
                         "roundings; 16 L eps with L = 512 bounds the accumulated relative error")

_CHAINS = {}


def chain(label):
    if label not in _CHAINS:
        _, act, a, regime = next(s for s in M.SETTINGS if s[0] == label)
        _CHAINS[label] = M.Chain(act, a, M.r_of(act, regime), LMAX)
    return _CHAINS[label]


_EXCESS, _LAYER = {}, {}


def layer_excess(label):
    if label not in _LAYER:
        _LAYER[label] = chain(label).layer_excess(LMAX)
    return _LAYER[label]


def _excess(label):
    """e(g) of the cropped L-fold composition at the depths of E_DEPTHS (dict L -> e), memoized."""
    if label not in _EXCESS:
        _EXCESS[label] = _excess_raw(label)
    return _EXCESS[label]


def _excess_raw(label):
    c = chain(label)
    Ls = E_DEPTHS.get(c.act, DEPTHS)
    e = N.excess_convexity_map(c.act, np.array(Ls, dtype=float), c.r, c.a)
    return dict(zip(Ls, np.atleast_1d(e).tolist()))


def margin_outcome(rows, what):
    """rows: (setting, L, lhs, rhs) of lhs >= rhs; the verdict is min (lhs/rhs - 1) >= -MARGIN."""
    rel = [(lhs / rhs - 1 if rhs > 0 else (math.inf if lhs >= rhs else -math.inf), s, L) for s, L, lhs, rhs in rows]
    worst = min(rel)
    return Outcome.criterion([(f"min over settings and depths of {what} (lhs/rhs - 1)", worst[0], ">=", -MARGIN.value)],
                             MARGIN, f"{len(rows)} (setting, depth) pairs; tightest at {worst[1]}, L={worst[2]}",
                             extra={"tightest": [worst[1], worst[2]]})


LABELS = tuple(s[0] for s in M.SETTINGS)

# ----------------------------------------------------------------------------------------------
CT = claim(
    "iclr2022/thm1-maps",
    "Theorem 1 on the infinite-width maps: (P_L o ... o P_1)'(1) (the infinite-width squared Jacobian norm, (A.1) "
    "and Remark 4) >= (1 - rho_max)^2/8 * sum_l ||phi_l - bar phi_l||_N^2 / ||phi_l'||_N^2, for ReLU, leaky ReLU, "
    "erf, tanh in the ordered, critical and chaotic regimes, depths 1..512.",
    f"{CITE}, Theorem 1 and eq. (A.9)",
)


@CT.precise("jacobian-bound-holds-with-slack")
def _(ctx):
    """lhs = P'(1)^L (chain rule at the fixed point 1 of identical layers), rhs = (1 - rho_max)^2/8 * L T with
    1 - rho_max = min_{l <= L} (1 - P^l(-1)) from the cancellation-free delta iteration.  The slack lhs/rhs per
    setting and depth is recorded (extra['slack']).

    Tolerance, rule ``ulps``: the float64 margin MARGIN of the delta iterations (module constant)."""
    rows, slack = [], {}
    for lab in LABELS:
        c = chain(lab)
        for L in DEPTHS:
            lhs, rhs = math.exp(c.log_jac2(L)), c.thm1_rhs(L)
            rows.append((lab, L, lhs, rhs))
            slack.setdefault(lab, {})[L] = lhs / rhs
    out = margin_outcome(rows, "(P^L)'(1) >= (1-rho_max)^2/8 L T")
    out.extra["slack"] = slack
    crit = {k: {L: f"{v:.3g}" for L, v in d.items() if L in (1, 8, 64, 512)} for k, d in slack.items() if "critical" in k}
    out.detail += f"; slack lhs/rhs (critical settings): {crit}"
    return out


# ----------------------------------------------------------------------------------------------
CA1 = claim(
    "iclr2022/a1-jacobian-vs-map-derivative",
    "(A.1) and Remark 4: the infinite-width analogue of the squared Jacobian norm, lim_{rho_0 -> 1} (1 - rho_L)/(1 - rho_0), "
    "is (P_L o ... o P_1)'(1); every finite secant (1 - rho_L)/(1 - rho_0), rho_0 in [0, 1), lies below it "
    "(P^L is convex on [0, 1]).",
    f"{CITE}, eq. (A.1) and Remark 4",
)


@CA1.precise("secants-below-and-converge")
def _(ctx):
    """For each setting and L in {1, 8, 64, 512}: (i) secants (1 - rho_L)/(1 - rho_0) at rho_0 in {0, 0.5, 0.9, 0.99}
    are <= P'(1)^L (1 + MARGIN); (ii) at 1 - rho_0 = h = 2^-50, the secant equals P'(1)^L within the first
    neglected term of the expansion of the delta map at 0: delta' = P'(1) delta (1 - c delta^(1/2)) for (leaky) ReLU
    (c = 2 sqrt2/(3 pi) (1-a)^2/(1+a^2)... bounded by 0.31), delta' = P'(1) delta (1 - c delta) for erf / tanh
    (c = ||phi''||^2 / (2 ||phi'||^2) <= 0.41); along L layers with delta_l <= max(1, P'(1))^L h the relative
    deviation is at most L c max(delta_l)^(1/2 or 1).  Part (ii) is skipped where max(delta_l) > 1e-10 (chaotic
    settings deep enough that P'(1)^L h is not small).

    Tolerance, rule ``remainder``: that first neglected term (doubled for the higher orders), plus MARGIN."""
    worst_above, worst_conv, worst_tol = -math.inf, 0.0, 0.0
    h = 2.0 ** -50  # 1 - h is exact in float64
    for lab in LABELS:
        c = chain(lab)
        for L in (1, 8, 64, 512):
            jac = math.exp(c.log_jac2(L))
            sec = M.delta(c.act, L, np.array([0.0, 0.5, 0.9, 0.99]), c.r, c.a) / np.array([1.0, 0.5, 0.1, 0.01])
            worst_above = max(worst_above, float((sec / jac - 1).max()))
            dmax = max(1.0, c.s1) ** L * h
            if dmax > 1e-10:  # chaotic and deep: 2^-50 is not yet in the linear range of the map
                continue
            lim = float(M.delta(c.act, L, 1 - h, c.r, c.a)) / h
            nonsmooth = c.act in ("relu", "leaky_relu")
            bound = 2 * L * (0.31 * math.sqrt(dmax) if nonsmooth else 0.41 * dmax) + MARGIN.value
            worst_conv = max(worst_conv, abs(lim / jac - 1) / bound)
            worst_tol = max(worst_tol, bound)
    tol = remainder(1.0, 1.0, why="ratio |secant(1 - 2^-50)/P'(1)^L - 1| / (first neglected term + margin) <= 1")
    return Outcome.criterion([("max |lim secant / P'(1)^L - 1| / its remainder bound", worst_conv, "<=", 1.0),
                              ("max secant / P'(1)^L - 1 (rho_0 in [0, 0.99])", worst_above, "<=", MARGIN.value)],
                             tol, f"largest remainder bound used {worst_tol:.3g}")


# ----------------------------------------------------------------------------------------------
CP = claim(
    "iclr2022/a1-rho-min-vs-p",
    "rho_l >= 2 p_l - 1 for the minimal correlation rho_l = min_{rho_0 in [-1, 1]} P_l o ... o P_1(rho_0) and p_l = "
    "P_l o ... o P_1(0); hence 1 - rho_max <= 2 (1 - p_max).",
    f"{CITE}, Appendix A.1 (after the definition of rho_max)",
)


@CP.precise("two-p-minus-one")
def _(ctx):
    """For every setting and every depth l = 1..512: 2(1 - p_l) >= 1 - P^l(-1) (the minimum over rho_0 is at -1:
    C[phi|.] is non-decreasing on [-1, 1] for monotone phi), and 2(1 - p_max) >= 1 - rho_max at L = 512.

    Tolerance, rule ``ulps``: MARGIN."""
    rows = []
    for lab in LABELS:
        c = chain(lab)
        for l in range(1, LMAX + 1):
            rows.append((lab, l, 2 * c.q[l], c.dmin[l]))
        rows.append((lab, "max", 2 * c.one_minus_p_max(LMAX), c.one_minus_rho_max(LMAX)))
    return margin_outcome(rows, "2(1 - p_l) >= 1 - rho_l")


# ----------------------------------------------------------------------------------------------
CC = claim(
    "iclr2022/a2-a3-cropping",
    "(A.2): the composition of the cropped maps P~_l(t) = (P_l(p_{l-1} + (1 - p_{l-1}) t) - p_l)/(1 - p_l) is the "
    "cropped composition; (A.3): (P_L o ... o P_1)'(1) = (1 - p_L)(P~_L o ... o P~_1)'(1).",
    f"{CITE}, eqs. (A.2)-(A.3)",
)


@CC.exact("a3-telescoping")
def _(ctx):
    """P~_l'(1) = P_l'(1)(1 - p_{l-1})/(1 - p_l) from the definition; the product over l = 1..6 with p_0 = 0 times
    (1 - p_6) equals prod_l P_l'(1) (SymPy, symbols for P_l'(1) and p_l): residual exactly 0."""
    s = sp.symbols("s1:7", positive=True)
    p = (sp.Integer(0),) + sp.symbols("p1:7", positive=True)
    prod = sp.Mul(*[s[l] * (1 - p[l]) / (1 - p[l + 1]) for l in range(6)])
    return Outcome.symbolic(sp.simplify((1 - p[6]) * prod - sp.Mul(*s)), "telescoping product of (A.3)")


@CC.precise("a2-composition-of-crops")
def _(ctx):
    """For each setting, L = 64, t in {0, 0.25, 0.5, 0.75, 0.95}: t_L from iterating the cropped layer maps
    (1 - t_l = delta_step((1 - p_{l-1})(1 - t_{l-1})) / (1 - p_l)) against the cropped composition
    (1 - P^L(t))/(1 - p_L) from the delta iteration; the worst relative difference of 1 - t_L.

    Tolerance, rule ``ulps``: MARGIN (the two sides are float64 iterations of the same depth)."""
    worst = 0.0
    ts = np.array([0.0, 0.25, 0.5, 0.75, 0.95])
    for lab in LABELS:
        c = chain(lab)
        u = 1 - ts  # 1 - t_l
        for l in range(1, 65):
            u = N.delta_step(c.act, c.q[l - 1] * u, c.r, c.a) / c.q[l]
        ref = M.delta(c.act, 64, ts, c.r, c.a) / c.q[64]
        worst = max(worst, float(np.max(np.abs(u / ref - 1))))
    return Outcome.bound(worst, MARGIN, "max |1 - t_L (crops composed) / (1 - t_L) (composition cropped) - 1|")


# ----------------------------------------------------------------------------------------------
CE = claim(
    "iclr2022/a4-a6-excess-convexity-chain",
    "(A.4) (P~_L o ... o P~_1)'(1) >= 1 + e(P~_L o ... o P~_1); (A.5) e(P~_L o ... o P~_1) >= sum_l e(P~_l); (A.6) "
    "e(P~_l) >= (1 - p_{l-1}) ||phi_l - bar phi_l||_N^2 / (2 ||phi_l'||_N^2) -- on the maps of every setting.",
    f"{CITE}, eqs. (A.4)-(A.6)",
)


@CE.precise("a4-steepness")
def _(ctx):
    """g'(1) = P'(1)^L / (1 - p_L) (by (A.3)) against 1 + e(g), e from layernorm.excess_convexity.<act>, at every
    depth of E_DEPTHS.  Tolerance, rule ``ulps``: MARGIN."""
    rows = []
    for lab in LABELS:
        c = chain(lab)
        for L, e in _excess(lab).items():
            rows.append((lab, L, math.exp(c.log_jac2(L) - math.log(c.q[L])), 1 + e))
    return margin_outcome(rows, "g'(1) >= 1 + e(g)")


@CE.precise("a5-superadditivity")
def _(ctx):
    """e(g) of the cropped composition against sum_{l<=L} e(P~_l) (each layer cropped to [p_{l-1}, 1], e by
    bisection to 1e-15).  Tolerance, rule ``ulps``: MARGIN."""
    rows = []
    for lab in LABELS:
        c = chain(lab)
        layer = layer_excess(lab)
        for L, e in _excess(lab).items():
            rows.append((lab, L, e, float(layer[:L].sum())))
    return margin_outcome(rows, "e(g) >= sum_l e(P~_l)")


@CE.precise("a6-per-layer-bound")
def _(ctx):
    """e(P~_l) >= (1 - p_{l-1}) T / 2 for every layer l = 1..512 of every setting.  Tolerance, rule ``ulps``:
    MARGIN plus the bisection's 1e-15 relative (inside MARGIN's 16 * 512 eps = 1.8e-12)."""
    rows = []
    for lab in LABELS:
        c = chain(lab)
        layer = layer_excess(lab)
        rows += [(lab, l + 1, float(layer[l]), c.q[l] * c.T / 2) for l in range(LMAX)]
    return margin_outcome(rows, "e(P~_l) >= (1 - p_{l-1}) T/2")


# ----------------------------------------------------------------------------------------------
CR = claim(
    "iclr2022/a7-a8-piecewise-linear-bound",
    "(A.7)-(A.8) / Remark 2: with E = (1 - p_max)/2 * sum_l T_l and 0 < tau <= 1/(2 + E), the cropped composition "
    "satisfies g(1 - tau) <= 1 - (1 + E) tau, hence (1 - P_L o ... o P_1(1 - tau))/tau >= (1 - p_max)(1 + E).",
    f"{CITE}, eqs. (A.7)-(A.8) and Remark 2",
)


@CR.precise("a7-a8-on-maps")
def _(ctx):
    """At tau = k/(8 (2 + E)), k = 1..8, L in {1, 8, 64, 512}: 1 - g(1 - tau) = delta_L(tau)/(1 - p_L) >= (1 + E) tau
    and delta_L(tau)/tau >= (1 - p_max)(1 + E).  Tolerance, rule ``ulps``: MARGIN."""
    rows = []
    for lab in LABELS:
        c = chain(lab)
        for L in (1, 8, 64, 512):
            E = c.one_minus_p_max(L) / 2 * L * c.T
            taus = np.arange(1, 9) / (8 * (2 + E))
            dl = M.delta(c.act, L, 1 - taus, c.r, c.a)
            for k, tau in enumerate(taus):
                rows.append((lab, L, float(dl[k] / c.q[L]), (1 + E) * tau))
                rows.append((lab, L, float(dl[k] / tau), c.one_minus_p_max(L) * (1 + E)))
    return margin_outcome(rows, "A.7/A.8")
