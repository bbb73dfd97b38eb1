"""ICLR 2022 submission, section 4.1 "Applications of theorem 1": the bounds (4.1) (leaky ReLU, sigma_b = 0),
(4.2) (erf, critical) and (4.3) (erf, chaotic Jacobian), on the infinite-width maps and on finite-width
layer-normalized networks (Jacobian by an explicit product of layer Jacobians, numeric/layernorm.py), plus
Theorem 1 at finite width and section 2.2's gradient statements in the layer-normalized setting.

Readings (symbolic/layernorm.py): (4.1) 1 - rho_max <= 4 sqrt(pi/(pi-2)) sqrt(1+a^2)/((1-a) sqrt L);
(4.2) 1 - rho_max <= 4/sqrt((arctan(2/sqrt5) - 2/3) sqrt5) / sqrt(L) (= 10.65/sqrt(L));
(4.3) ||J||_op >= sqrt((arctan(2/sqrt5) - 2/3) sqrt5)/4 (1 - rho_fp) sqrt(L).
Each is Theorem 1 with (P^L)'(1) = 1 at criticality (Remark 4's infinite-width Jacobian) and Appendix B's norms.
Two conventions are checked: L nonlinear layers (the bound's L), and the paper's network whose first layer is
the linear embedding (L - 1 nonlinear layers under the bound with L).

The slack (bound / measured) is recorded for every depth; the decay of 1 - rho_max with L is measured (log-log
slope over L in [64, 512]): about -2 (ReLU) and -1 (erf), against the bound's -1/2 (section 5.1's remark).

Scale: default width 128, depths to 128, 4 networks; ``--scale paper`` needs width 1024, depths to 512 and 16
networks (the explicit Jacobian product costs L N^3: about 1.4 TFlop per network at that size).

Errata: none.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import layernorm as N
from theorycheck.symbolic.registry import get
from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.iclr2022 import _maps as M
from theorycheck.verify.claims.iclr2022._common import CITE
from theorycheck.verify.claims.iclr2022.app_a1_proof_of_theorem_1 import MARGIN, margin_outcome
from theorycheck.verify.formulas import generated_function
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.tolerances import criterion, remainder

DEPTHS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
A_GRID = (0.0, 0.2, 0.5, 0.8)
B41 = generated_function(get("layernorm.bound41_printed.leaky_relu"), "numpy")
B42 = generated_function(get("layernorm.bound42_printed.erf"), "numpy")
B43 = generated_function(get("layernorm.bound43_printed.erf"), "numpy")

SIM_SIZES = {
    "smoke": {"width": 48, "depths": (4, 16), "n_nets": 2},
    "default": {"width": 96, "depths": (4, 16, 64), "n_nets": 3},
    "paper": {"width": 1024, "depths": (8, 32, 128, 512), "n_nets": 16},
}


def decay_slope(Ls, vals):
    """Least-squares slope of log(vals) against log(L)."""
    x, y = np.log(np.asarray(Ls, float)), np.log(np.asarray(vals, float))
    return float(np.polyfit(x, y, 1)[0])


def map_rows(act, a, r, bound, embed):
    """(label, L, bound, 1 - rho_max) rows; embed: first layer linear (identity at r = 0), L - 1 nonlinear."""
    c = M.Chain(act, a, r, max(DEPTHS))
    rows, meas = [], {}
    for L in DEPTHS:
        n_nl = L - 1 if embed else L
        if n_nl < 1:
            continue
        m = c.one_minus_rho_max(n_nl)
        rows.append((f"{act} a={a} embed={embed}", L, float(bound(L)), m))
        meas[L] = m
    return rows, meas


def _slack_detail(meas, bound):
    return {L: f"{bound(L) / v:.3g}" for L, v in meas.items() if L in (1, 8, 64, 512)}


# ----------------------------------------------------------------------------------------------
C41 = claim(
    "iclr2022/eq4.1-leaky-relu-bound",
    "(4.1): for a critically initialized (sigma_b = 0) leaky ReLU network with negative slope a, "
    "1 - rho_max <= 4 sqrt(pi/(pi-2)) sqrt(1+a^2)/(1-a) / sqrt(L); adding layers at constant a < 1 and decreasing a "
    "at constant depth decrease 1 - rho_max (representation shrinkage).",
    f"{CITE}, eq. (4.1) and Fig. 2",
)


@C41.precise("maps-below-bound")
def _(ctx):
    """1 - rho_max = min_l (1 - P^l(-1)) of the infinite-width map (numeric/layernorm.py) against (4.1) for a in
    {0, 0.2, 0.5, 0.8}, L in 1..512, both layer conventions; plus the monotonicity statements: 1 - rho_max
    decreases with L (each a) and increases with a (L = 256).  The slack bound/measured and the decay slope
    over L in [64, 512] are recorded.  Tolerance, rule ``ulps``: MARGIN (float64 iterations)."""
    rows, extra = [], {}
    mono_L, mono_a = True, True
    for a in A_GRID:
        bound = lambda L, a=a: B41(L, a)  # noqa: E731
        for embed in (False, True):
            rr, meas = map_rows("leaky_relu", a, 0.0, bound, embed)
            rows += rr
            if not embed:
                v = list(meas.values())
                mono_L &= all(v[i + 1] <= v[i] for i in range(len(v) - 1))
                extra[f"a={a}"] = {"slack": _slack_detail(meas, bound),
                                   "decay_slope_64_512": decay_slope([64, 128, 256, 512], [meas[L] for L in (64, 128, 256, 512)])}
    c256 = [M.Chain("leaky_relu", a, 0.0, 256).one_minus_rho_max(256) for a in (0.0, 0.2, 0.5, 0.8, 0.95)]
    mono_a = all(c256[i + 1] >= c256[i] for i in range(len(c256) - 1))
    out = margin_outcome(rows, "bound(4.1) >= 1 - rho_max")
    out = Outcome.all_of([out, Outcome.criterion([("1 - rho_max decreasing in L", mono_L, "==", True),
                                                  ("1 - rho_max increasing in a at L = 256", mono_a, "==", True)],
                                                 criterion(0, "monotonicity stated in section 4.1"))])
    out.extra.update(extra)
    out.detail += f" | slack and decay: {extra}"
    return out


C42 = claim(
    "iclr2022/eq4.2-erf-critical-bound",
    "(4.2): for erf at critical initialization, 1 - rho_max <= 4 / sqrt((arctan(2/sqrt5) - 2/3) sqrt5) / sqrt(L); the "
    "input space is progressively squeezed with depth (Fig. 3a) while the Jacobian norm does not grow (Fig. 3c).",
    f"{CITE}, eq. (4.2) and Fig. 3a, 3c",
)


@C42.precise("maps-below-bound")
def _(ctx):
    """As (4.1)'s check for erf at r = r_c (both conventions), slack and decay slope recorded; and the
    infinite-width Jacobian (P^L)'(1) = P'(1)^L = 1 to MARGIN at every depth (criticality).  Tolerance, rule
    ``ulps``: MARGIN."""
    rc = M.r_of("erf", "critical")
    rows, extra = [], {}
    for embed in (False, True):
        rr, meas = map_rows("erf", None, rc, B42, embed)
        rows += rr
        if not embed:
            extra = {"slack": _slack_detail(meas, B42),
                     "decay_slope_64_512": decay_slope([64, 128, 256, 512], [meas[L] for L in (64, 128, 256, 512)])}
    s1 = M.slope1("erf", rc)
    jac = max(abs(s1 ** L - 1) for L in DEPTHS)
    out = Outcome.all_of([margin_outcome(rows, "bound(4.2) >= 1 - rho_max"),
                          Outcome.bound(jac, MARGIN, "max_L |P'(1)^L - 1| at r_c")])
    out.extra.update(extra)
    out.detail += f" | {extra}"
    return out


C43 = claim(
    "iclr2022/eq4.3-erf-chaotic-jacobian",
    "(4.3): for erf at chaotic initialization, with rho_max ~ rho_fp, ||dz^(L)/dz^(0)||_op >= sqrt((arctan(2/sqrt5) - "
    "2/3) sqrt5)/4 (1 - rho_fp) sqrt(L); the Jacobian norm grows (Fig. 3d) and gradients in low layers are large (3f).",
    f"{CITE}, eq. (4.3) and Fig. 3b, 3d, 3f",
)


@C43.precise("maps-above-bound")
def _(ctx):
    """Infinite-width Jacobian norm P'(1)^(L/2) at r = r_c/4 against (4.3) with rho_fp (the attracting fixed point
    of P, numeric.fixed_point) for L in 1..512; and rho_max -> rho_fp from below (|1 - rho_max - (1 - rho_fp)|
    decreasing, < 1e-6 at L = 512), so the approximation weakens the bound.  Tolerance, rule ``ulps``: MARGIN."""
    r = M.r_of("erf", "chaotic")
    from theorycheck.verify.claims.iclr2022 import _common as K
    rfp = K.rho_fp_newton("erf", 1.0, r)
    c = M.Chain("erf", None, r, max(DEPTHS))
    rows = [("erf chaotic", L, math.exp(0.5 * c.log_jac2(L)), float(B43(L, rfp))) for L in DEPTHS]
    gaps = [c.one_minus_rho_max(L) - (1 - rfp) for L in DEPTHS]
    out = Outcome.all_of([margin_outcome(rows, "||J|| >= bound(4.3)"),
                          Outcome.criterion([("1 - rho_max - (1 - rho_fp) >= 0 at every L", min(gaps), ">=", -MARGIN.value),
                                             ("... at L = 512", gaps[-1], "<=", 1e-6)],
                                            criterion(1e-6, "rho_max converges to rho_fp (exponentially)"))])
    out.extra["slack"] = {L: f"{lhs / rhs:.3g}" for _, L, lhs, rhs in rows if L in (1, 8, 64, 512)}
    out.extra["rho_fp"] = rfp
    return out


# ----------------------------------------------------------------------------------------------
# Finite width
SIM_SETTINGS = (  # (label, act, a, regime)
    ("relu-critical", "relu", None, "critical"),
    ("leaky0.2-critical", "leaky_relu", 0.2, "critical"),
    ("erf-critical", "erf", None, "critical"),
    ("erf-ordered", "erf", None, "ordered"),
    ("erf-chaotic", "erf", None, "chaotic"),
    ("tanh-critical", "tanh", None, "critical"),
)
_SIM = {}


def sim(ctx, label, offset):
    """One batch of finite-width networks per setting (memoized per run): antipodal inputs (rho_0 = -1, the pair
    that realizes min_rho0 P^l at infinite width), Jacobian norms at the recorded depths, gradients."""
    key = (ctx.seed, ctx.scale, label)
    if key not in _SIM:
        _, act, a, regime = next(s for s in SIM_SETTINGS if s[0] == label)
        sz = ctx.sizes
        gen = ctx.torch_generator(offset)
        depths = tuple(sz["depths"])
        out = N.ln_network(act, sz["width"], max(depths), 1.0, M.r_of(act, regime), -1.0, int(sz["n_nets"]), gen,
                           a=a, record=depths, device=ctx.device)
        _SIM[key] = (out, depths, act, a, M.r_of(act, regime))
    return _SIM[key]


CF = claim(
    "iclr2022/thm1-finite-width",
    "Theorem 1 for wide layer-normalized networks: the squared operator norm of the end-to-end Jacobian is at least "
    "(1 - rho_max)^2/8 * sum_l ||phi_l - bar phi_l||^2/||phi_l'||^2; (4.1)/(4.2): the correlation of any pair "
    "after L layers is above 1 - bound; (4.3): the chaotic erf Jacobian norm is above (4.3)'s right side.",
    f"{CITE}, Theorem 1, eqs. (4.1)-(4.3), Figs. 2, 3c, 3d",
)


@CF.simulation("jacobian-and-correlation-vs-bounds", sizes=SIM_SIZES)
def _(ctx):
    """Per setting (ReLU, leaky ReLU a=0.2, erf critical/ordered/chaotic, tanh critical) and recorded depth L: every
    network's ||J||_op^2 (explicit product of layer Jacobians) >= (1 - rho_max)^2/8 L T with rho_max of the
    infinite-width map; for the critical ReLU-family and erf settings every network's 1 - rho_L of an antipodal
    input pair <= bound (4.1)/(4.2); erf chaotic ||J||_op >= (4.3).  Slack (min over nets of measured/bound or
    bound/measured) recorded per depth.

    Tolerance, rule ``criterion``: the bounds are inequalities with a slack >= 10 on the maps (recorded by the
    precise checks), far beyond the O(L/N)^(1/2) finite-width fluctuations of these networks; the criterion is
    that every network satisfies every inequality."""
    terms, slack = [], {}
    for i, (lab, *_rest) in enumerate(SIM_SETTINGS):
        out, depths, act, a, r = sim(ctx, lab, 100 + i)
        c = M.Chain(act, a, r, max(depths))
        for L in depths:
            rhs = c.thm1_rhs(L)
            jn = out["jac_norm2"][:, L]
            s = float(jn.min() / rhs)
            terms.append((f"{lab} L={L}: min ||J||^2 / thm1 rhs", s, ">=", 1.0))
            slack.setdefault(lab, {})[L] = {"thm1": f"{s:.3g}"}
            if lab in ("relu-critical", "leaky0.2-critical", "erf-critical"):
                b = float(B42(L)) if act == "erf" else float(B41(L, a or 0.0))
                m = float((1 - out["rho"][:, L]).max())
                terms.append((f"{lab} L={L}: bound / max(1 - rho_L)", b / m, ">=", 1.0))
                slack[lab][L]["corr"] = f"{b / m:.3g}"
            if lab == "erf-chaotic":
                from theorycheck.verify.claims.iclr2022 import _common as K
                b = float(B43(L, K.rho_fp_newton("erf", 1.0, r)))
                s3 = float(np.sqrt(jn.min()) / b)
                terms.append((f"{lab} L={L}: min ||J|| / bound(4.3)", s3, ">=", 1.0))
                slack[lab][L]["eq4.3"] = f"{s3:.3g}"
    return Outcome.criterion(terms, criterion(1.0, "every network satisfies every bound"),
                             f"slack per setting and depth: {slack}", extra={"slack": slack}, sizes=dict(ctx.sizes))


CG = claim(
    "iclr2022/sec2.2-gradients-layernorm",
    "Section 2.2 in the layer-normalized setting: gradients vanish at ordered initialization, are well-behaved at "
    "critical initialization and explode at chaotic initialization (backpropagation through finite networks).",
    f"{CITE}, section 2.2 (the three regimes)",
)


@CG.simulation("backprop-gradient-ratio", sizes=SIM_SIZES)
def _(ctx):
    """Erf networks: the mean over networks of ln(|grad at layer 0|^2 / |grad at layer L|^2) (a random output
    gradient backpropagated through the explicit layer Jacobians) at the deepest recorded L, against the mean-field
    rate L ln P'(1): ordered < -L ln(1/P'(1))/2 (vanishing), chaotic > L ln P'(1)/2 (exploding), critical within
    +-3 (sqrt of the O(L/N) log-variance at these sizes is < 1.5; no exponential trend).

    Tolerance, rule ``criterion``: half the mean-field exponent (the sign and order of the trend is the claim)."""
    terms = []
    for lab, off in (("erf-ordered", 103), ("erf-critical", 102), ("erf-chaotic", 104)):
        out, depths, act, a, r = sim(ctx, lab, off)
        L = max(depths)
        g = out["grad_norm2"]
        lr = float(np.mean(np.log(g[:, 0] / g[:, L])))
        pred = L * math.log(M.slope1(act, r))
        if lab == "erf-ordered":
            terms.append((f"{lab}: mean ln ratio (pred {pred:.3g})", lr, "<=", pred / 2))
        elif lab == "erf-chaotic":
            terms.append((f"{lab}: mean ln ratio (pred {pred:.3g})", lr, ">=", pred / 2))
        else:
            terms.append((f"{lab}: |mean ln ratio| (pred 0)", abs(lr), "<=", 3.0))
    return Outcome.criterion(terms, criterion(0.5, "half the mean-field exponent L ln P'(1)"), sizes=dict(ctx.sizes))


CORR_SIZES = {
    "smoke": {"width": 96, "depth": 8, "n_nets": 8},
    "default": {"width": 256, "depth": 32, "n_nets": 16},
    "paper": {"width": 1024, "depth": 512, "n_nets": 32},
}
CORR_SETTINGS = (  # (label, act, a, regime), literal table
    ("relu-critical", "relu", None, "critical"),
    ("leaky0.2-critical", "leaky_relu", 0.2, "critical"),
    ("leaky0.5-ordered", "leaky_relu", 0.5, "ordered"),
    ("tanh-critical", "tanh", None, "critical"),
    ("tanh-chaotic", "tanh", None, "chaotic"),
)

CC = claim(
    "iclr2022/sim-correlation-all-activations",
    "Finite-width layer-normalized networks follow the correlation map rho_l = P_l(rho_{l-1}) of eq. (2.3) for ReLU, "
    "leaky ReLU and tanh (erf: iclr2022/sim-regimes) in the ordered, critical and chaotic settings.",
    f"{CITE}, eqs. (2.2)-(2.3) (the maps behind Theorem 1 and Figs. 2-3)",
)


@CC.simulation("two-input-correlation-follows-map", sizes=CORR_SIZES)
def _(ctx):
    """Per setting: mean over networks of rho_l (inputs at cosine 0.5, no linear embedding) against the map's
    trajectory, layers 1..L.  Tolerance, rule ``clt_t`` per layer (verify.propagation_checks.profile_outcome):
    Student t over the independent networks, Bonferroni over layers and the 5 settings, plus the delta-method
    O(1/N) bias bound propagated along the trajectory (curvature of P)."""
    sz = ctx.sizes
    L, n = int(sz["depth"]), int(sz["n_nets"])
    outs = []
    for i, (lab, act, a, regime) in enumerate(CORR_SETTINGS):
        r = M.r_of(act, regime)
        res = N.ln_network(act, int(sz["width"]), L, 1.0, r, 0.5, n, ctx.torch_generator(300 + i), a=a,
                           jacobian=False, device=ctx.device)
        rho = res["rho"]
        theory = 1 - N.trajectory(act, L, np.array(0.5), r, a)

        def step(x, act=act, r=r, a=a):
            return 1 - N.delta_step(act, np.clip(1 - np.asarray(x), 0, 2), r, a)

        bias = MF.delta_method_bias(step, theory, rho.var(axis=0, ddof=1), vectorized=True)
        outs.append(MF.profile_outcome(rho, theory, bias, f"{lab}: rho_l, N={sz['width']}", dict(sz),
                                       tests=L * len(CORR_SETTINGS)))
    return Outcome.all_of(outs)
