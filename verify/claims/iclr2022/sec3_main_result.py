"""ICLR 2022 submission, section 3 "Main result": the sketch of proof of Theorem 1 and Fig. 1 -- the output
correlation rho_L of a wide layer-normalized erf network as a function of the input correlation rho_0
is the composition P_L o ... o P_1 of eq. (2.3), and a finite network (N_l = 1024) follows it.

Fig. 1 does not state sigma_w, sigma_b; we take the critical initialization (the setting of Theorem 1's
discussion and of Fig. 3), sigma_w^2 = 1, sigma_b^2 = r_c (Appendix B's critical ratio of erf).

Errata: none.
"""
from __future__ import annotations

import numpy as np

from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.iclr2022 import _common as K
from theorycheck.verify.registry import Outcome, claim

RHO0_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.99)
FIG1_SIZES = {
    "smoke": {"width": 128, "depth": 8, "n_nets": 16},
    "default": {"width": 1024, "depth": 8, "n_nets": 24},
    "paper": {"width": 1024, "depth": 8, "n_nets": 64},
}

C1 = claim(
    "iclr2022/sim-fig1-rho-map",
    "For a wide layer-normalized erf network the output correlation rho_L as a function of the input "
    "correlation rho_0 is the composition P_L o ... o P_1 of eq. (2.3); a network of width N_l = 1024 "
    "follows it (Fig. 1, red vs black).",
    f"{K.SRC}, eqs. (2.1)-(2.3) and Fig. 1",
)


@C1.simulation("rho-l-vs-composed-map", sizes=FIG1_SIZES)
def _(ctx):
    """For each rho_0 of a grid over [0, 0.99], the mean over nets of rho_L (L = 8, critical init) against
    P_L o ... o P_1(rho_0).

    Tolerance, rule ``clt_t`` per grid point (verify.propagation_checks.profile_outcome): Student t over the
    independent networks, Bonferroni over the grid, plus the delta-method O(1/N) bias bound propagated
    along each trajectory."""
    sz = ctx.sizes
    sb2 = K.critical_sb2()
    L = int(sz["depth"])
    r = K.simulate(ctx, sz["width"], L, sb2, RHO0_GRID, 1)
    theories = [K.theory(p, sb2, L) for p in RHO0_GRID]
    meas = r.c[:, :, -1]  # (n, K): rho_L per net and rho_0
    theory = np.array([t[-1] for t in theories])
    bias = np.array([K.delta_bias(t, r.c[:, k, :].var(axis=0, ddof=1), sb2)[-1] for k, t in enumerate(theories)])
    return MF.profile_outcome(meas, theory, bias, f"rho_L, L={L}, N={sz['width']}, critical init "
                              f"(sigma_b^2/sigma_w^2 = {sb2:.6f}), over rho_0 = {list(RHO0_GRID)}", dict(sz),
                              start=0, label="rho_0 index")


# ----------------------------------------------------------------------------------------------
# Theorem 1's discussion: the four alternatives, Remarks 1-2, footnotes 6-7 (infinite-width maps)
import math  # noqa: E402

import sympy as sp  # noqa: E402

from theorycheck.numeric import layernorm as NL  # noqa: E402
from theorycheck.verify.claims.iclr2022 import _excess as XC  # noqa: E402
from theorycheck.verify.claims.iclr2022 import _maps as M  # noqa: E402
from theorycheck.verify.claims.iclr2022._common import CITE  # noqa: E402
from theorycheck.verify.tolerances import criterion, remainder, ulps  # noqa: E402

PL_MARGIN = ulps(16 * 512, "float64 delta iterations of <= 512 layers, <= 8 roundings each")


def remark2_bound(rho0, act, r, L, linear_first=True, a=None):
    """Remark 2's upper bound on rho_L as a function of rho_0 in [0, 1] (Fig. 1, blue): with the cropping (A.2)
    rho_L = p_L + (1 - p_L) g(rho_0) and E = (1 - p_max)/2 * sum_l T_l <= e(g) ((A.5)-(A.6)), Property 1 gives
    g(x) <= x/(1+E) below x = 1 - 1/(2+E) and (1+E) x - E above.  With linear_first the first layer is the
    linear embedding map rho -> (r + rho)/(r + 1) (T = 0) followed by L - 1 layers of ``act``."""
    n_nl = L - 1 if linear_first else L
    rho0 = np.asarray(rho0, float)
    p = 0.0
    ps = []
    if linear_first:
        p = r / (r + 1)
        ps.append(p)
    tr = NL.trajectory(act, n_nl, np.array(p), r, a)  # delta of p_l
    ps += list(1 - tr[1:])
    pmax = max(ps) if ps else 0.0
    pL = ps[-1]
    E = (1 - pmax) / 2 * n_nl * M.term(act, a)
    return pL + (1 - pL) * XC.pl_bound(rho0, E), E


CR2 = claim(
    "iclr2022/remark2-piecewise-linear-bound",
    "Remark 2 / Fig. 1 (blue): rho_L = P_L o ... o P_1(rho_0) lies below the piecewise-linear function p_L + (1 - p_L) "
    "g_E(rho_0), g_E the majorant of Property 1 with E = (1 - p_max)/2 sum_l ||phi_l - bar phi_l||^2/||phi_l'||^2; the "
    "bound tends to rho_L(0) pointwise on [0, 1) as L grows.",
    f"{CITE}, Remark 2, Fig. 1 and the sketch of proof of Theorem 1",
)


@CR2.precise("map-below-blue-bound")
def _(ctx):
    """erf at the critical ratio with the linear embedding layer (Fig. 1's network) and ReLU (r = 0), L in {2, 8, 32,
    128, 512}, rho_0 on a 101-point grid of [0, 1]: 1 - rho_L >= 1 - bound (both from the cancellation-free delta
    iteration); and at L = 512 the bound at rho_0 = 0.5 is within 0.05 of rho_L(0) (pointwise convergence,
    sup_{[0, 0.5]} (bound - rho_L(0)) decreasing in L).  Tolerance, rule ``ulps``: float64 margin of 512 delta steps."""
    grid = np.linspace(0, 1, 101)
    worst, gaps = math.inf, {}
    for act, r in (("erf", K.critical_ratio("erf")), ("relu", 0.0)):
        for L in (2, 8, 32, 128, 512):
            b, E = remark2_bound(grid, act, r, L)
            rhoL = 1 - NL.one_minus_rho(act, L - 1, (r + grid) / (r + 1), r)
            worst = min(worst, float(np.min((1 - rhoL) - (1 - b))))
            gaps[f"{act} L={L}"] = float(np.max(b[grid <= 0.5] - rhoL[0]))
    dec = all(gaps[f"{a} L={L2}"] <= gaps[f"{a} L={L1}"] for a in ("erf", "relu")
              for L1, L2 in ((2, 8), (8, 32), (32, 128), (128, 512)))
    return Outcome.criterion([("min (bound - rho_L) over grid, settings, depths", worst, ">=", -PL_MARGIN.value),
                              ("sup_[0,1/2](bound - rho_L(0)) decreasing in L", dec, "==", True),
                              ("erf: sup_[0,1/2](bound - rho_L(0)) at L = 512", gaps["erf L=512"], "<=", 0.05)],
                             PL_MARGIN, f"gaps {gaps}", extra={"gaps": gaps})


CA = claim(
    "iclr2022/sec3-four-alternatives",
    "Theorem 1's consequences: for a deep network at least one of gradient explosion (large Jacobian), representation "
    "shrinkage (rho_max ~ 1), a small linearization error or a bounded depth occurs; footnote 7: the infimum of "
    "P_L o ... o P_1 on [0, 1] is attained at 0; footnote 6: y = a + (1 - a) x^alpha has infimum a and slope (1-a) alpha at 1.",
    f"{CITE}, section 3 (after Theorem 1), footnotes 6-7",
)


@CA.precise("one-alternative-at-depth-512")
def _(ctx):
    """For every setting of the Theorem-1 checks at L = 512: (P^L)'(1) >= 10 (explosion) or 1 - rho_max <= 0.1
    (shrinkage); and for leaky ReLU the linearization term T -> 0 as a -> 1 (T(0.99)/T(0) < 1e-3, the bound is
    vacuous), while 1 - rho_max at L = 512 grows towards 1 - rho_0 as a -> 1.  Tolerance, rule ``criterion``: the
    thresholds 10 and 0.1 stated here (the claim is qualitative)."""
    terms = []
    for lab, act, a, regime in M.SETTINGS:
        c = M.Chain(act, a, M.r_of(act, regime), 512)
        explode = c.log_jac2(512) >= math.log(10)
        shrink = c.one_minus_rho_max(512) <= 0.1
        terms.append((f"{lab}: explosion or shrinkage", bool(explode or shrink), "==", True))
    terms.append(("T(a=0.99)/T(a=0)", M.term("leaky_relu", 0.99) / M.term("leaky_relu", 0.0), "<=", 1e-3))
    return Outcome.criterion(terms, criterion(10, "Jacobian^2 >= 10 or 1 - rho_max <= 0.1"))


@CA.exact("footnote6-family")
def _(ctx):
    """y = a + (1 - a) x^alpha on [0, 1]: y(0) = a, y' >= 0 (so the infimum is a) and y'(1) = (1 - a) alpha; SymPy
    residuals exactly 0."""
    x, a, al = sp.symbols("x a alpha", positive=True)
    y = a + (1 - a) * x**al
    return Outcome.symbolic(sp.simplify((y.subs(x, 0) - a) ** 2 + (sp.diff(y, x).subs(x, 1) - (1 - a) * al) ** 2),
                            "footnote 6")


@CA.precise("footnote7-infimum-at-zero")
def _(ctx):
    """P^L non-decreasing on [0, 1] (Observation 1): on a 201-point grid, min over rho_0 of rho_L is at rho_0 = 0,
    every setting, L in {1, 16, 256}.  Tolerance, rule ``ulps``: float64 margin of the delta iteration."""
    grid = np.linspace(0, 1, 201)
    worst = math.inf
    for lab, act, a, regime in M.SETTINGS:
        if act == "tanh":
            continue  # covered by the monotonicity test of tests/test_iclr2022_layernorm.py (quadrature cost)
        r = M.r_of(act, regime)
        for L in (1, 16, 256):
            d = M.delta(act, L, grid, r, a)
            worst = min(worst, float(d[0] - d.max()) / float(d[0]) + 0.0)
    return Outcome.criterion([("min (1 - rho_L(0) - max_grid (1 - rho_L)) / (1 - rho_L(0))", worst, ">=", -PL_MARGIN.value)],
                             PL_MARGIN)


CRM1 = claim(
    "iclr2022/remark1-rates",
    "Remark 1: at ordered initialization 1 - rho_l = O(e^(-lambda l)) (gradient vanishing is representation shrinkage "
    "at an exponential rate); at criticality Theorem 1 gives at least the polynomial rate 1 - rho_l = O(l^-1/2).",
    f"{CITE}, Remark 1",
)


@CRM1.precise("ordered-exponential-critical-polynomial")
def _(ctx):
    """Ordered settings (ReLU r = 0.3, erf and tanh at 4 r_c): delta_{l+1}/delta_l -> P'(1) = e^-lambda; at l = 200
    within the remainder of the linearization (|ratio - P'(1)| <= c delta_l^(1/2) for ReLU, c delta_l for smooth
    activations, c <= 0.41); critical settings: 1 - rho_max <= bound ~ l^-1/2 is the content of (4.1)-(4.2) (checked
    there).  Tolerance, rule ``remainder``: that linearization term."""
    outs = []
    for act, a in (("relu", None), ("erf", None), ("tanh", None)):
        r = M.r_of(act, "ordered")
        tr = NL.trajectory(act, 201, np.array(0.0), r, a)
        ratio = float(tr[201] / tr[200])
        s1 = M.slope1(act, r, a)
        dl = float(tr[200])
        rem = 0.31 * math.sqrt(dl) if act == "relu" else 0.41 * dl
        outs.append(Outcome.compare(s1, ratio, remainder(rem, s1, why=f"{act}: linearization remainder at delta = {dl:.2g}")))
    return Outcome.all_of(outs)
