"""§3.2 Phase transition of the fixed point: the regimes of (gamma, rho) for the four activation pairs.

The fixed point is that of eqs. (2)-(3) as read in symbolic/wtae.py (Remark 3's Stein form), computed by
numeric/wtae.py (the stable fixed point reached from a generic non-zero start: gamma = 0 exactly when
dG/dgamma(0, rho0) < 1, Newton otherwise).  Each regime is checked at points strictly inside it (5% from
the printed or computed thresholds), and the thresholds themselves against their computed values.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify.claims.li2019._common import CITE, fixed_point
from theorycheck.verify.outcomes import Outcome, erratum
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import conditioned, criterion

TAUS = (0.0259, 0.2, 1.2, 4.0)


def _iterate(pair, beta, tau2, g0, r0, steps=3000):
    """Plain iteration (gamma, rho) <- (G, R) (App. C.1) from (g0, r0), float64, until rho > 1e100 (then rho is
    reported as inf, and gamma as inf if gamma > 1 -- on the diverging branch gamma ~ sqrt(rho) -- else as its
    value, which is < 1e-40 on the gamma -> 0 branch) or both are < 1e-14, or ``steps``."""
    from theorycheck.numeric import wtae as W

    g, r = np.array([g0], float), np.array([r0], float)
    bb, tt = np.array([beta]), np.array([tau2])
    for _ in range(steps):
        if r[0] > 1e100:
            return (math.inf if g[0] > 1 else float(g[0])), math.inf
        if g[0] < 1e-14 and r[0] < 1e-14:
            break
        g, r = W.G(pair, g, r, bb, tt), W.R(pair, g, r, bb, tt)
    return float(g[0]), float(r[0])


def _iterate_many(pair, beta, tau2, starts, steps=3000):
    """:func:`_iterate` for many starts at once (vectorized; each start stops by the same rules)."""
    from theorycheck.numeric import wtae as W

    g = np.array([a for a, _ in starts], float)
    r = np.array([b for _, b in starts], float)
    n = g.size
    done = np.zeros(n, bool)
    bb, tt = np.full(n, beta), np.full(n, tau2)
    for _ in range(steps):
        done |= (r > 1e100) | ((g < 1e-14) & (r < 1e-14))
        if done.all():
            break
        live = ~done
        g[live], r[live] = W.G(pair, g[live], r[live], bb[live], tt[live]), W.R(pair, g[live], r[live], bb[live],
                                                                                tt[live])
    return [((math.inf if gi > 1 else float(gi)), math.inf) if ri > 1e100 else (float(gi), float(ri))
            for gi, ri in zip(g, r)]


C_RR = claim(
    "li2019/relu-relu-phases",
    "ReLU phi and sigma: phase transitions at beta = 2 and beta = 4.  beta < 2: convergence to gamma = rho = 0 "
    "from any initialisation; 2 < beta < 4: from some initialisations gamma -> 0 and rho -> +inf, from others "
    "gamma -> +inf and rho -> +inf; beta >= 4: gamma -> +inf and rho -> +inf from any non-zero initialisation.",
    f"{CITE}, §3.2 (ReLU phi and sigma) and App. C.2.1",
)


@C_RR.precise("regimes-by-iteration")
def _(ctx):
    """Plain iteration of the closed-form (G, R) (App. C.1's procedure = Theorem 1's recursion at constant layers,
    up to 3000 steps, see _iterate) from a grid of 64 initialisations (gamma0, rho0) in [0.01, 10]^2 at beta = 1.5,
    3, 5 (tau^2 = 1).  Printed: at 1.5 every start -> (0, 0); at 3 some starts give gamma -> 0, rho -> inf and some
    gamma -> inf, rho -> inf; at 5 all give both -> inf.  Found: at 3 EVERY start gives gamma -> 0, rho -> inf.
    Reason: (G, R) are homogeneous (G(l g, l^2 r) = l G, R(l g, l^2 r) = l^2 R), so x = beta gamma tau/sqrt(beta
    rho) follows an autonomous map x' = x sqrt(beta A(x)^2/(1/4 + (1 + x^2) A(x) + x/(2 pi))), A = 1/4 +
    atan(x)/(2 pi), whose only fixed point for beta < 6.99 is x = 0 (stable: x'/x -> sqrt(beta/8)); hence
    gamma_{n+1}/gamma_n = beta A(x_n) -> beta/4 < 1 for beta < 4: the unstable fixed point of Prop. 10(c) exists
    only at fixed rho and moves up with rho ~ gamma^2.  Erratum (counts, no tolerance)."""
    grid = [(a, b) for a in np.geomspace(0.01, 10, 8) for b in np.geomspace(0.01, 10, 8)]
    out = {}
    for beta in (1.5, 3.0, 5.0):
        ends = _iterate_many("relu_relu", beta, 1.0, grid)
        out[beta] = dict(zero=sum(g < 1e-12 and r < 1e-12 for g, r in ends),
                         g0_rinf=sum(g < 1e-6 and r == math.inf for g, r in ends),
                         both_inf=sum(g == math.inf and r == math.inf for g, r in ends))
    n = len(grid)
    tol = criterion(0, "exact counts over the initialisation grid")
    common = [("beta=1.5: starts converging to (0, 0)", out[1.5]["zero"], "==", n),
              ("beta=3: starts with gamma -> 0, rho -> inf", out[3.0]["g0_rinf"], ">=", 1),
              ("beta=5: starts with both -> inf", out[5.0]["both_inf"], "==", n)]
    printed = Outcome.criterion(common + [("beta=3: starts with both -> inf", out[3.0]["both_inf"], ">=", 1)], tol,
                                detail=str(out))
    corrected = Outcome.criterion(common + [("beta=3: starts with gamma -> 0, rho -> inf (all)", out[3.0]["g0_rinf"],
                                             "==", n)], tol, detail=str(out))
    return erratum(printed, corrected,
                   "ReLU phi and sigma, 2 < beta < 4: iterating (G, R) jointly, gamma -> 0 and rho -> +inf from every "
                   "initialisation (64/64 at beta = 3); no initialisation gives gamma -> +inf.  (G, R) is homogeneous "
                   "and the ratio x = gamma tau sqrt(beta/rho) has x = 0 as its only fixed point for beta < 6.99, so "
                   "gamma_{n+1}/gamma_n -> beta/4.  Prop. 10(c)'s unstable fixed point is one of G(., rho) at FIXED rho.")


@C_RR.precise("ratio-map-has-no-positive-fixed-point-below-4")
def _(ctx):
    """The reason behind the erratum of regimes-by-iteration: by homogeneity the ratio x = c/b = beta gamma tau/
    sqrt(beta rho) evolves autonomously, x'^2 = x^2 beta A(x)^2/D(x) with A = 1/4 + atan(x)/(2 pi), D = 1/4 +
    (1 + x^2) A + x/(2 pi) (from the closed forms of symbolic/wtae.py), so a positive fixed point needs beta =
    D(x)/A(x)^2, whose minimum over x > 0 (grid of 20000 points on (0, 50], D/A^2 -> inf at both ends) is ~6.99 > 4:
    for every beta in (2, 4) x decreases to 0 and gamma_{n+1}/gamma_n = beta A(x_n) -> beta/4 < 1.  Also checked:
    the float64 map (G, R) reproduces x'^2/x^2 = beta A^2/D at 5 values of x (to 1e-12, conditioned(cond=8,
    k=64) -- a few operations on closed forms)."""
    from theorycheck.numeric.generated.wtae import G_relu_relu, R_relu_relu

    x = np.linspace(1e-4, 50, 20000)
    A = 0.25 + np.arctan(x) / (2 * math.pi)
    D = 0.25 + (1 + x * x) * A + x / (2 * math.pi)
    m = float(np.min(D / A ** 2))
    outs = [Outcome.at_least(m, criterion(4.0, "beta < 4 has no positive fixed point iff min D/A^2 >= 4"),
                             name=f"min_x D(x)/A(x)^2 (at x = {float(x[np.argmin(D / A ** 2)]):.3f})")]
    beta, tau2, rho = 3.0, 1.0, 1.0
    for xv in (0.1, 0.5, 1.0, 3.0, 10.0):
        g = xv * math.sqrt(beta * rho) / (beta * math.sqrt(tau2))
        g1, r1 = float(G_relu_relu(g, rho, beta, tau2)), float(R_relu_relu(g, rho, beta, tau2))
        x1 = beta * g1 * math.sqrt(tau2) / math.sqrt(beta * r1)
        a = 0.25 + math.atan(xv) / (2 * math.pi)
        pred = beta * a * a / (0.25 + (1 + xv * xv) * a + xv / (2 * math.pi))
        outs.append(Outcome.compare(pred, (x1 / xv) ** 2, conditioned(8, 64, "closed forms"), detail=f"x = {xv}"))
    return Outcome.all_of(outs)


C_RT = claim(
    "li2019/relu-tanh-phases",
    "ReLU phi and tanh sigma: phase transitions at beta = 2 and beta = beta0(tau) = 2/E[sigma'(tau z)] in "
    "(2, inf).  beta < 2: gamma = rho = 0; 2 < beta < beta0: gamma -> 0 and rho -> +inf; beta > beta0: gamma -> "
    "+inf and rho -> +inf (any non-zero initialisation).",
    f"{CITE}, §3.2 (ReLU phi and tanh sigma) and App. C.2.1",
)


@C_RT.precise("regimes-by-iteration")
def _(ctx):
    """At tau^2 in {0.0259, 0.2, 1.2, 4}: beta0 = 2/E sech^2(tau z) (wtae.beta0.relu_tanh) lies in (2, inf); plain
    iteration (start (1, 1), up to 3000 steps) at beta = 1.9 ends at (0, 0) (< 1e-12).  Between 2 and beta0 and
    above beta0 the map is G = (beta m1/2) gamma and R = (beta^2 m2 gamma^2 + beta rho)/2 >= beta rho/2 (proof of
    Prop. 10(e)), so the growth ratios decide: at (2 + beta0)/2 gamma_{n+1}/gamma_n < 1 and
    rho_{n+1}/rho_n >= beta/2 > 1 (gamma -> 0, rho -> inf); at 1.05 beta0 gamma_{n+1}/gamma_n > 1 (gamma -> inf,
    hence rho -> inf).  Signs of ratios, no tolerance."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    def ratios(beta, t2):
        """gamma_{n+1}/gamma_n = G(1, 1)/1 (G is linear in gamma) and the lower bound rho_{n+1}/rho_n >= R(0, 1)/1."""
        return float(W.G("relu_tanh", 1.0, 1.0, beta, t2)), float(W.R("relu_tanh", 0.0, 1.0, beta, t2))

    terms = []
    for t2 in TAUS:
        b0 = float(W.beta0("relu_tanh", NUMPY, np.array([t2]))[0])
        lo = _iterate("relu_tanh", 1.9, t2, 1.0, 1.0)
        g_mid, r_mid = ratios((2 + b0) / 2, t2)
        g_hi, _ = ratios(1.05 * b0, t2)
        terms += [(f"tau2={t2}: beta0", b0, ">", 2.0),
                  (f"tau2={t2}: beta=1.9 -> (0,0)", float(max(lo)), "<", 1e-12),
                  (f"tau2={t2}: middle gamma ratio", g_mid, "<", 1.0),
                  (f"tau2={t2}: middle rho ratio", r_mid, ">", 1.0),
                  (f"tau2={t2}: above beta0 gamma ratio", g_hi, ">", 1.0)]
    return Outcome.criterion(terms, criterion(0, "classification of the iteration's limit"))


C_TT = claim(
    "li2019/tanh-tanh-phases",
    "tanh phi and sigma: phase transitions at beta = 1 and beta = beta0(tau) > 1.  beta <= 1: gamma = rho = 0; "
    "1 < beta < beta0: gamma = 0 and rho in (0, 1); beta > beta0: gamma > 0 and rho in (0, 1).  For tau > 0, gamma "
    "cannot grow to +inf as beta varies; beta0 -> 1 as tau^2 -> 0.",
    f"{CITE}, §3.2 (tanh phi and sigma) and App. C.2.2",
)


def _regimes(pair, rho_edge):
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    terms = []
    for t2 in TAUS:
        b0 = float(W.beta0(pair, NUMPY, np.array([t2]))[0])
        terms.append((f"tau2={t2}: beta0 - {rho_edge}", b0 - rho_edge, ">", 0.0))
        for beta, want in ((0.95 * rho_edge, "zero"), ((rho_edge + b0) / 2, "rho"), (1.05 * b0, "both")):
            g, r, _ = fixed_point(pair, beta, t2)
            if want == "zero":
                terms.append((f"tau2={t2} beta={beta:.4g}: max(gamma, rho)", max(g, r), "==", 0.0))
            elif want == "rho":
                terms += [(f"tau2={t2} beta={beta:.4g}: gamma", g, "==", 0.0),
                          (f"tau2={t2} beta={beta:.4g}: rho", r, ">", 0.0),
                          (f"tau2={t2} beta={beta:.4g}: 1 - rho", 1 - r, ">", 0.0)]
            else:
                terms += [(f"tau2={t2} beta={beta:.4g}: gamma", g, ">", 0.0),
                          (f"tau2={t2} beta={beta:.4g}: rho", r, ">", 0.0),
                          (f"tau2={t2} beta={beta:.4g}: 1 - rho", 1 - r, ">", 0.0)]
    return terms


@C_TT.precise("regimes-at-four-tau")
def _(ctx):
    """At tau^2 in {0.0259, 0.2, 1.2, 4} (Fig. 3's values and two more): beta0 (wtae.beta0.tanh_tanh) > 1; the
    fixed point is exactly (0, 0) at beta = 0.95, (0, rho) with 0 < rho < 1 midway between 1 and beta0, and
    gamma > 0, 0 < rho < 1 at 1.05 beta0.  The zero values are exact (the solver returns 0 only where gamma = 0
    is the stable limit); no tolerance."""
    return Outcome.criterion(_regimes("tanh_tanh", 1.0), criterion(0, "signs of the computed fixed point"))


@C_TT.precise("gamma-bounded-and-beta0-to-1")
def _(ctx):
    """gamma tau <= sqrt(2/pi) (the bound of Prop. 11(b)'s proof, C = 1) for beta up to 30 at tau^2 = 1.2 and 0.2,
    so gamma stays bounded as beta grows; and beta0(tau^2) - 1 decreases to 0 with tau^2 (tau^2 = 1e-2, 1e-3, 1e-4:
    strictly decreasing, below 2 tau^2 at each: beta0 - 1 ~ tau^2 to first order, from E sech^2(tau z) = 1 - tau^2
    + O(tau^4) and rho0 = O(beta - 1)).  Criteria with the stated constants."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    terms = []
    for t2 in (1.2, 0.2):
        betas = np.geomspace(1.5, 30, 10)
        r = W.solve("tanh_tanh", betas, np.full(betas.size, t2))
        terms.append((f"tau2={t2}: max gamma tau / sqrt(2/pi)", float(np.max(r.gamma)) * math.sqrt(t2)
                      / math.sqrt(2 / math.pi), "<=", 1.0))
    ts = np.array([1e-2, 1e-3, 1e-4])
    b0 = W.beta0("tanh_tanh", NUMPY, ts) - 1
    terms += [("beta0-1 decreasing (1e-2 -> 1e-3)", float(b0[0] - b0[1]), ">", 0.0),
              ("beta0-1 decreasing (1e-3 -> 1e-4)", float(b0[1] - b0[2]), ">", 0.0),
              ("max (beta0 - 1)/(2 tau^2)", float(np.max(b0 / (2 * ts))), "<", 1.0)]
    return Outcome.criterion(terms, criterion(1.0, "the stated bounds"))


C_TR = claim(
    "li2019/tanh-relu-phases",
    "tanh phi and ReLU sigma: a picture similar to phi = sigma = tanh (transitions at beta = 1 and beta0(tau)), with "
    "the difference that beta0 cannot be close to 1.",
    f"{CITE}, §3.2 (tanh phi and ReLU sigma) and App. C.2.2",
)


@C_TR.precise("regimes-and-beta0-at-least-2")
def _(ctx):
    """Same regime checks as tanh/tanh at tau^2 in {0.0259, 0.2, 1.2, 4}; beta0 >= beta* = 1/(kappa E sigma') = 2
    at every tau (the tanh slope factor E tanh'(sqrt(beta rho0) z) <= 1), so it is never close to 1."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    terms = _regimes("tanh_relu", 1.0)
    b0 = W.beta0("tanh_relu", NUMPY, np.array(TAUS))
    terms.append(("min beta0 over tau", float(np.min(b0)), ">=", 2.0))
    return Outcome.criterion(terms, criterion(0, "signs of the computed fixed point; beta0 >= 2"))


C_ORDER = claim(
    "li2019/rho-transition-not-after-gamma",
    "The phase transition of rho never occurs after that of gamma (gamma > 0 implies rho > 0, Prop. 11(a)); the two "
    "are close when E[sigma'(tau z)] ~ 1 (tau^2 ~ 0, tanh sigma), never for ReLU sigma.",
    f"{CITE}, App. C.2.2 (discussion after Lemma 12)",
)


@C_ORDER.precise("beta-rho-le-beta0")
def _(ctx):
    """rho's transition is at 1/kappa^2 = 1 (Prop. 11(c)); gamma's at beta0 (computed): beta0 - 1 > 0 for
    tanh/tanh and tanh/ReLU on 12 tau^2 in [1e-4, 10]; at tau^2 = 1e-4 the tanh/tanh gap is < 1e-3 (close),
    for ReLU sigma >= 1 at every tau.  Computed values, no tolerance."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    ts = np.geomspace(1e-4, 10, 12)
    tt = W.beta0("tanh_tanh", NUMPY, ts) - 1
    tr = W.beta0("tanh_relu", NUMPY, ts) - 1
    return Outcome.criterion([("min (beta0 - 1), tanh/tanh", float(tt.min()), ">", 0.0),
                              ("beta0 - 1 at tau^2 = 1e-4, tanh/tanh", float(tt[0]), "<", 1e-3),
                              ("min (beta0 - 1), tanh/ReLU", float(tr.min()), ">=", 1.0)],
                             criterion(0, "computed thresholds"))


C_B0 = claim(
    "li2019/beta0-relu-phi",
    "For ReLU phi the gamma transition is beta0 = 2/E[sigma'(tau z)]: 4 for ReLU sigma, and for tanh sigma the value "
    "where dG/dgamma(0, rho) = beta E[sigma'(tau z)]/2 crosses 1.",
    f"{CITE}, App. C.2.1 (after Prop. 10)",
)


@C_B0.precise("beta0-vs-slope-root")
def _(ctx):
    """wtae.beta0.relu_tanh = 2/E sech^2(tau z) against the root of G(gamma, rho)/gamma = 1 computed from the
    direct 2-D definition of eq. (2) at gamma = 1e-3, rho = 0.5 (mpmath, 20 digits: the inner z2 expectation of
    relu in closed form, the outer tanh quadrature), at tau^2 = 0.2 and 1.2.  G/gamma does not depend on gamma
    (Prop. 10(d)), so the root is 2/E sech^2 exactly; tolerance conditioned(cond=1, k=64) relative."""
    import mpmath

    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY
    from theorycheck.verify.claims.li2019.app_c_fixed_point_equations import mp_G_direct_relu_phi

    outs = []
    for t2 in (0.2, 1.2):
        b0 = float(W.beta0("relu_tanh", NUMPY, np.array([t2]))[0])
        with mpmath.workdps(20):
            ratio = mp_G_direct_relu_phi("tanh", mpmath.mpf("1e-3"), mpmath.mpf("0.5"), mpmath.mpf(1),
                                         mpmath.mpf(t2)) / mpmath.mpf("1e-3")
            root = float(1 / ratio)  # G/gamma = beta * const: root of beta * const = 1
        outs.append(Outcome.compare(root, b0, conditioned(1.0, 64, "a root of a linear function of beta"),
                                    detail=f"tau2={t2}"))
    return Outcome.all_of(outs)


C_SAME = claim(
    "li2019/coinciding-transitions",
    "If E[sigma'(tau z1)] > phi'(0), gamma and rho share the exact same location of the phase transitions, below which "
    "they are zero and above which they are positive.",
    f"{CITE}, App. C.2.2 (discussion after Lemma 12)",
)


@C_SAME.precise("scaled-tanh-sigma")
def _(ctx):
    """phi = tanh (kappa = 1) and sigma = 2 tanh at tau^2 = 0.5, so E sigma' = 2 E sech^2(tau z) = 1.45 > 1: with
    gamma~ = 2 gamma, G = gamma 2 g(gamma~, rho) and R = R(gamma~, rho) in terms of the tanh/tanh core, and the
    predicted common threshold is beta* = 1/(kappa E sigma') = 0.688 < 1 (rho's own threshold).  Plain iteration
    (3000 steps from (1, 1)) at 0.95 beta* ends with gamma, rho < 1e-12 and at 1.05 beta* with both > 1e-3
    (positive).  Signs, no tolerance."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    c, t2 = 2.0, 0.5
    es = c * float(W.m1(NUMPY, np.array(t2)))
    bstar = 1 / es
    ends = {}
    for f in (0.95, 1.05):
        beta = f * bstar
        gt, r = np.array([c * 1.0]), np.array([1.0])
        for _ in range(3000):
            o = W.core("tanh_tanh", NUMPY, gt, r, np.array([beta]), np.array([t2]))
            gt, r = c * gt * o["g"], o["R"]
            if gt[0] < 1e-30 and r[0] < 1e-30:
                break
        ends[f] = (float(gt[0]) / c, float(r[0]))
    return Outcome.criterion([("E sigma' - phi'(0)", es - 1, ">", 0.0),
                              ("gamma at 0.95 beta*", ends[0.95][0], "<", 1e-12),
                              ("rho at 0.95 beta*", ends[0.95][1], "<", 1e-12),
                              ("gamma at 1.05 beta*", ends[1.05][0], ">", 1e-3),
                              ("rho at 1.05 beta*", ends[1.05][1], ">", 1e-3)],
                             criterion(0, "signs"), detail=f"beta* = {bstar:.5f}; ends {ends}")
