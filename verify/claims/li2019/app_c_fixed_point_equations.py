"""App. C: on the fixed point equations of gamma and rho -- C.1 (computation), C.2 (Props. 10(a)-(e),
11(a)-(e), Lemma 12).

Independent references used here (never the kernels under test):
* :func:`mp_G_direct_relu_phi` / :func:`mp_R_direct_relu_phi`: eqs. (2)-(3) for ReLU phi as printed in C.1,
  gamma = (1/tau^2) E[tau z1 f(beta gamma sigma(tau z1), sqrt(beta rho))], rho = E[g(...)], with the closed forms
  f(a, b) = a Phi(a/b) + b phi(a/b) = E relu(a + b z), g(a, b) = (a^2 + b^2) Phi(a/b) + a b phi(a/b) =
  E relu(a + b z)^2, and the outer 1-D expectation by mpmath tanh-sinh quadrature (split at 0 for ReLU sigma);
* SymPy for the ReLU/ReLU closed forms and Lemma 12's identities.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import sympy as sp

from theorycheck.symbolic import wtae as S
from theorycheck.verify.claims.li2019._common import CITE
from theorycheck.verify.outcomes import Outcome
from theorycheck.verify.registry import claim
from theorycheck.verify.tolerances import conditioned, criterion, digits, remainder


def _f(a, b):
    if b == 0:
        return max(a, 0)
    return a * mpmath.ncdf(a / b) + b * mpmath.npdf(a / b)


def _g(a, b):
    if b == 0:
        return max(a, 0) ** 2
    return (a * a + b * b) * mpmath.ncdf(a / b) + a * b * mpmath.npdf(a / b)


def _outer(F, sigma, t2):
    """E[F(u)] for u = tau z ~ N(0, tau^2) by tanh-sinh quadrature (split at 0: the ReLU kink)."""
    tau = mpmath.sqrt(t2)
    dens = lambda u: mpmath.npdf(u / tau) / tau  # noqa: E731
    return mpmath.quad(lambda u: F(u) * dens(u), [-mpmath.inf, 0, mpmath.inf])


def _sig(sigma):
    return (lambda u: max(u, 0)) if sigma == "relu" else mpmath.tanh


def mp_G_direct_relu_phi(sigma, g_, r_, b_, t2_):
    s, b = _sig(sigma), mpmath.sqrt(b_ * r_)
    return _outer(lambda u: u * _f(b_ * g_ * s(u), b), sigma, t2_) / t2_


def mp_R_direct_relu_phi(sigma, g_, r_, b_, t2_):
    s, b = _sig(sigma), mpmath.sqrt(b_ * r_)
    return _outer(lambda u: _g(b_ * g_ * s(u), b), sigma, t2_)


POINTS = ((0.7, 0.3, 2.7, 1.0), (0.05, 2.0, 0.8, 0.2), (3.0, 0.01, 5.0, 1.2), (0.0, 1.0, 1.5, 0.5),
          (1.0, 0.0, 3.0, 0.7))

C1 = claim(
    "li2019/c1-relu-reduction",
    "For phi with closed-form f_phi(a, b) = E phi(a + b z) and g_phi(a, b) = E phi(a + b z)^2 (e.g. ReLU), eqs. "
    "(2)-(3) reduce to one-dimensional integrals gamma = (1/tau^2) E[tau z1 f_phi(beta gamma sigma(tau z1), "
    "sqrt(beta rho))], rho = E[g_phi(...)]; computing the fixed point by iterating from a non-zero start finds a "
    "stable fixed point.",
    f"{CITE}, App. C.1",
)


@C1.precise("relu-phi-1d-vs-kernels")
def _(ctx):
    """C.1's 1-D reduction (mpmath tanh-sinh at 25 digits: its error estimate is far below the float64
    tolerance) against wtae.G/R.relu_relu (closed forms
    derived in symbolic/wtae.py, generated float64 kernels) and wtae.G/R.relu_tanh (the symmetrised 1-D
    kernels) at 5 points (incl. gamma = 0 and rho = 0).  Tolerance conditioned(cond=8, k=64) relative: the
    kernels are a few dozen operations (atan2, sqrt) or a 1e-17 trapezoid rule; cond <= 8 bounds
    |x f'/f| summed over the inputs at these points (f is a ratio of low-degree terms)."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.generated import wtae as GW

    outs = []
    for sigma, Gk, Rk in (("relu", GW.G_relu_relu, GW.R_relu_relu), ("tanh", W.G_relu_tanh, W.R_relu_tanh)):
        for g, r, b, t in POINTS:
            with mpmath.workdps(25):
                a = [mpmath.mpf(x) for x in (g, r, b, t)]
                ref = (mp_G_direct_relu_phi(sigma, *a), mp_R_direct_relu_phi(sigma, *a))
            tol = conditioned(8.0, 64, "closed-form / 1-D trapezoid kernel vs C.1's 1-D integral")
            outs.append(Outcome.compare(float(ref[1]), float(Rk(g, r, b, t)), tol, detail=f"R {sigma} at {(g, r, b, t)}"))
            if g > 0:
                outs.append(Outcome.compare(float(ref[0]), float(Gk(g, r, b, t)), tol,
                                            detail=f"G {sigma} at {(g, r, b, t)}"))
    return Outcome.all_of(outs)


P10 = claim(
    "li2019/prop10",
    "Prop. 10 (ReLU phi, sigma Lipschitz non-decreasing): (a) (0, 0) is a fixed point; at gamma = 0, R(0, rho) = "
    "beta rho/2, so rho = 0 is the only fixed point for beta != 2, stable iff beta < 2, and every rho is fixed at "
    "beta = 2; (b) gamma -> inf forces rho -> inf; (c) sigma = 0 on u <= 0: G(., rho) is strictly convex, no gamma > "
    "0 is stable, and there are 1, 2, 1 fixed points for beta E sigma' <= 1, in (1, 2), >= 2 (the one at 0 "
    "stable, stable, unstable); (d) sigma odd: gamma -> G(gamma, rho) is a straight line through 0 with slope "
    "beta E[sigma'(tau z)]/2; (e) sigma odd, beta > 2: R(gamma, rho) > rho for all rho >= 0.",
    f"{CITE}, Prop. 10(a)-(e)",
)

_gam, _bet, _t2 = S.gamma, S.beta, S.tau2
_rho = sp.Symbol("rho", positive=True)


def _atan(e):
    """The ReLU/ReLU closed forms at rho > 0: atan2(c, b) = atan(c/b) (b = sqrt(beta rho) > 0), which SymPy's
    limit() handles."""
    return e.subs(S.rho, _rho).replace(sp.atan2, lambda y, x: sp.atan(y / x))


G_RR, R_RR = _atan(S.G_RELU_RELU), _atan(S.R_RELU_RELU)


@P10.exact("a-r0-is-beta-rho-over-2")
def _(ctx):
    """R(0, rho) from E relu(sqrt(beta rho) z)^2 integrated by SymPy, minus beta rho/2, and the ReLU/ReLU closed
    form at gamma = 0 minus beta rho/2, and G(0, rho): all exactly 0."""
    z = sp.Symbol("z", real=True)
    integ = sp.integrate(_bet * _rho * z ** 2 * sp.exp(-z ** 2 / 2) / sp.sqrt(2 * sp.pi), (z, 0, sp.oo))
    res = sp.simplify(integ - _bet * _rho / 2) + sp.simplify(R_RR.subs(_gam, 0) - _bet * _rho / 2) \
        + sp.simplify(G_RR.subs(_gam, 0))
    return Outcome.symbolic(sp.simplify(res), "E relu(b z)^2 = b^2/2; closed form at gamma = 0; G(0, rho)")


@P10.exact("b-r-unbounded-in-gamma")
def _(ctx):
    """ReLU/ReLU: R(gamma, rho)/(gamma^2) -> beta^2 tau^2/2 > 0 as gamma -> inf (SymPy limit), so at any finite
    rho, R(gamma, rho) -> inf with gamma (a fixed point rho = R needs rho -> inf): the residual of the limit
    against beta^2 tau^2/2 is exactly 0."""
    lim = sp.limit(R_RR / _gam ** 2, _gam, sp.oo)
    return Outcome.symbolic(sp.simplify(lim - _bet ** 2 * _t2 / 2), f"lim R/gamma^2 = {lim}")


@P10.exact("c-slopes-at-zero-and-infinity")
def _(ctx):
    """ReLU/ReLU: dG/dgamma at gamma = 0 is beta/4 = beta E sigma'/2 and its limit at gamma -> inf is beta/2 =
    beta E sigma' (as in the proof of (c)).  Residuals exactly 0 (convexity: see the fixed-point count check)."""
    d1 = sp.diff(G_RR, _gam)
    r0 = sp.simplify(d1.subs(_gam, 0) - _bet / 4)
    rinf = sp.simplify(sp.limit(d1, _gam, sp.oo) - _bet / 2)
    return Outcome.symbolic(sp.simplify(r0 + rinf), "G'(0) - beta/4 and G'(inf) - beta/2")


@P10.exact("c-fixed-points-count-closed-form")
def _(ctx):
    """ReLU/ReLU: gamma > 0 is a fixed point iff 1/4 + atan2(beta gamma tau, sqrt(beta rho))/(2 pi) = 1/beta, i.e.
    gamma_u = sqrt(beta rho) tan(2 pi/beta - pi/2)/(beta tau), positive iff 2 < beta < 4 (one point), none for
    beta <= 2 or >= 4: substituting gamma_u into G - gamma gives exactly 0 (beta = 3, symbolic rho, tau^2), and
    the slope dG/dgamma there minus 1 is > 0 (unstable) -- checked as sign(slope - 1) = 1."""
    b3 = sp.Integer(3)
    gu = sp.sqrt(b3 * _rho) * sp.tan(2 * sp.pi / b3 - sp.pi / 2) / (b3 * sp.sqrt(_t2))
    Gb = G_RR.subs(_bet, b3)
    res = sp.simplify(Gb.subs(_gam, gu) - gu)
    slope = sp.nsimplify(sp.simplify(sp.diff(Gb, _gam).subs(_gam, gu)))
    sign = sp.sign(slope - 1)
    return Outcome.symbolic(sp.simplify(res + (sign - 1)), f"beta = 3: gamma_u = {gu}, slope = {slope}")


@P10.precise("d-linear-in-gamma-tanh-sigma")
def _(ctx):
    """tanh sigma: G(gamma, rho)/gamma from C.1's direct 1-D integral (mpmath, 25 digits) at gamma = 0.1, 1, 5
    (rho = 0.4, beta = 3, tau^2 = 0.7) equals beta E sech^2(tau z)/2 (mpmath): the line through 0 of (d).
    Tolerance digits(20, 25, 35): two 25-digit quadratures (tanh-sinh and trapezoid), confirmed at 35 digits."""
    outs = []
    for g in ("0.1", "1", "5"):
        vals = []
        for dps in (25, 35):
            with mpmath.workdps(dps):
                ratio = mp_G_direct_relu_phi("tanh", mpmath.mpf(g), mpmath.mpf("0.4"), mpmath.mpf(3),
                                             mpmath.mpf("0.7")) / mpmath.mpf(g)
                vals.append((ratio, 3 * S.mp_m1(mpmath.mpf("0.7")) / 2))
        outs.append(Outcome.compare(float(vals[1][1]), float(vals[0][0]), digits(20, 25, 35, "two quadratures"),
                                    detail=f"gamma={g}"))
    return Outcome.all_of(outs)


@P10.precise("e-r-exceeds-rho")
def _(ctx):
    """tanh sigma, beta in {2.1, 3, 6}: R(gamma, rho) - rho > 0 from C.1's direct integral (mpmath, 15 digits) on
    a grid gamma in {0, 0.3, 2}, rho in {0, 0.5, 5} (minus the point (0, 0), where R = rho = 0).  Strict
    positivity of the smallest value (it is >= (beta - 2) rho/2 > 0, far above the 1e-15 quadrature error)."""
    vals = []
    with mpmath.workdps(15):
        for b in ("2.1", "3", "6"):
            for g in ("0", "0.3", "2"):
                for r in ("0", "0.5", "5"):
                    if g == "0" and r == "0":
                        continue
                    vals.append(float(mp_R_direct_relu_phi("tanh", mpmath.mpf(g), mpmath.mpf(r), mpmath.mpf(b),
                                                           mpmath.mpf("0.8")) - mpmath.mpf(r)))
    return Outcome.at_least(min(vals), criterion(0.0, "strict inequality R > rho"), name="min R - rho")


P11 = claim(
    "li2019/prop11",
    "Prop. 11 (phi thrice differentiable, phi(0) = 0, phi'(0) = kappa, e.g. tanh): (a) (0, 0) is a fixed point "
    "and rho = 0 forces gamma = 0; (b) bounded phi: 0 <= rho <= C^2 and |gamma| <= C/tau; (c) at gamma = 0, rho = 0 "
    "is stable if beta < 1/kappa^2 and unstable if beta > 1/kappa^2; (d) for rho > 0 there is beta*(rho, tau) "
    "such that gamma = 0 is the only, stable fixed point of gamma = G(gamma, rho) for beta <= beta*, and for beta > "
    "beta* it is unstable with one more, stable fixed point gamma > 0; (e) the same for rho = 0 with beta* = "
    "1/(kappa E[sigma'(tau z)]).",
    f"{CITE}, Prop. 11(a)-(e)",
)


@P11.precise("a-rho-zero-forces-gamma-zero")
def _(ctx):
    """tanh/tanh and tanh/ReLU: G(0, 0) = R(0, 0) = 0 exactly (float64 kernels), and R(gamma, 0) > 0 for gamma in
    {1e-3, 0.1, 1, 10} (beta = 2, tau^2 = 0.5): a fixed point with rho = 0 needs gamma = 0."""
    from theorycheck.numeric import wtae as W

    terms = []
    for pair in ("tanh_tanh", "tanh_relu"):
        terms.append((f"{pair}: |G(0,0)| + |R(0,0)|", float(abs(W.G(pair, 0.0, 0.0, 2.0, 0.5))
                                                          + abs(W.R(pair, 0.0, 0.0, 2.0, 0.5))), "==", 0.0))
        terms.append((f"{pair}: min R(gamma, 0)", float(np.min(W.R(pair, np.array([1e-3, 0.1, 1, 10]), 0.0, 2.0, 0.5))),
                      ">", 0.0))
    return Outcome.criterion(terms, criterion(0, "exact zeros and strict positivity"))


@P11.precise("b-bounds-at-fixed-points")
def _(ctx):
    """tanh/tanh and tanh/ReLU fixed points on beta in [0.5, 20] (8 points) x tau^2 in {0.05, 1, 5}: 0 <= rho <= 1
    (C = 1) and gamma tau <= sqrt(2/pi) (the proof's sharper form of |gamma| <= C/tau)."""
    from theorycheck.numeric import wtae as W

    terms = []
    for pair in ("tanh_tanh", "tanh_relu"):
        for t2 in (0.05, 1.0, 5.0):
            b = np.geomspace(0.5, 20, 8)
            r = W.solve(pair, b, np.full(8, t2))
            terms += [(f"{pair} tau2={t2}: max rho", float(r.rho.max()), "<=", 1.0),
                      (f"{pair} tau2={t2}: min rho", float(r.rho.min()), ">=", 0.0),
                      (f"{pair} tau2={t2}: max gamma tau sqrt(pi/2)",
                       float(r.gamma.max()) * math.sqrt(t2 * math.pi / 2), "<=", 1.0)]
    return Outcome.criterion(terms, criterion(1.0, "C = 1 for tanh"))


@P11.precise("c-dr-drho-at-zero-is-beta-kappa2")
def _(ctx):
    """dR/drho(0, 0) = beta kappa^2 (kappa = 1): R(0, eps)/eps from mpmath (25 digits) at eps = 1e-8 and beta in
    {0.5, 2}; R(0, eps) = E tanh^2(sqrt(beta eps) z) = beta eps - 2 beta^2 eps^2 + 17 beta^3 eps^3/3 - ..., so the
    tolerance is remainder(2 beta^2 eps (1 + 3 beta eps)) absolute (the first neglected terms).  Plus: rho0(beta) = 0 at beta = 0.9 and
    > 0 at beta = 1.1 (float64 solver), i.e. stable below, unstable above 1/kappa^2 = 1."""
    from theorycheck.numeric import wtae as W

    outs = []
    eps = mpmath.mpf("1e-8")
    for b in (0.5, 2.0):
        with mpmath.workdps(25):
            val = S.mp_m2(b * eps) / eps
        outs.append(Outcome.compare(b, float(val), remainder(2 * b * b * float(eps) * (1 + 3 * b * float(eps)),
                                                             scale=b, why="-2 beta^2 eps + O(eps^2) term"),
                                    detail=f"beta={b}"))
    r = W.solve("tanh_tanh", np.array([0.9, 1.1]), np.array([1.0, 1.0]))
    outs.append(Outcome.criterion([("rho0 at beta = 0.9", float(r.rho[0]), "==", 0.0),
                                   ("rho0 at beta = 1.1", float(r.rho[1]), ">", 0.0)],
                                  criterion(0, "stability of rho = 0 at gamma = 0")))
    return Outcome.all_of(outs)


def _count_fixed(pair, rho, beta, t2, gmax=20.0, n=400):
    """Positive roots of G(gamma, rho) - gamma on (0, gmax] (sign changes on a grid) and the slope at 0."""
    from theorycheck.numeric import wtae as W

    g = np.geomspace(1e-6, gmax, n)
    d = W.G(pair, g, np.full(n, rho), np.full(n, beta), np.full(n, t2)) - g
    return int(np.sum(np.sign(d[1:]) != np.sign(d[:-1]))), d


@P11.precise("d-unique-stable-positive-fixed-point")
def _(ctx):
    """tanh/tanh, rho = 0.3, tau^2 = 0.7: beta*(rho, tau) = root of beta E sech^2(sqrt(beta rho) z) E sech^2(tau z) = 1
    (the slope dG/dgamma(0, rho), by bisection on the float64 expectations); at 0.95 beta* G(gamma, rho) - gamma < 0
    for all gamma on a 400-point grid in (0, 20] (no positive fixed point); at 1.05 beta* and 2 beta* exactly one sign
    change (one positive fixed point), where the slope of G is < 1 (stable).  Grid counts, no tolerance."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    rho, t2 = 0.3, 0.7
    es = float(W.m1(NUMPY, np.array(t2)))

    def slope(b):
        return b * float(W.m1(NUMPY, np.array(b * rho))) * es

    lo, hi = 0.5, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if slope(mid) < 1 else (lo, mid)
    bstar = (lo + hi) / 2
    terms = []
    n_lo, d_lo = _count_fixed("tanh_tanh", rho, 0.95 * bstar, t2)
    terms += [("roots at 0.95 beta*", n_lo, "==", 0), ("max G - gamma at 0.95 beta*", float(d_lo.max()), "<", 0.0)]
    for f in (1.05, 2.0):
        n, _ = _count_fixed("tanh_tanh", rho, f * bstar, t2)
        terms.append((f"roots at {f} beta*", n, "==", 1))
    return Outcome.criterion(terms, criterion(0, "root counts"), detail=f"beta*(0.3, 0.7) = {bstar:.6g}")


@P11.precise("e-beta-star-rho-zero")
def _(ctx):
    """rho = 0: dG/dgamma(0, 0) = beta kappa E sigma'(tau z), so beta* = 1/(kappa E sigma'): for tanh/tanh (tau^2 in
    {0.0259, 1.2}) and tanh/ReLU (tau^2 = 0.2) the forward-difference slope G(1e-7, 0)/1e-7 at beta = wtae.beta_star
    equals 1 within remainder(beta^3 max|phi'''| E sigma'^3 ...) -- bounded by 1e-5 (the O(gamma^2) term, gamma =
    1e-7, with O(1) coefficients, plus the float64 quotient error); and G(gamma, 0) - gamma has no positive root at
    0.95 beta* and one at 1.05 beta*."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    outs, terms = [], []
    for pair, t2 in (("tanh_tanh", 0.0259), ("tanh_tanh", 1.2), ("tanh_relu", 0.2)):
        bs = float(1 / W.m1(NUMPY, np.array(t2))) if pair == "tanh_tanh" else 2.0
        sl = float(W.G(pair, 1e-7, 0.0, bs, t2)) / 1e-7
        outs.append(Outcome.compare(1.0, sl, remainder(1e-5, why="O(gamma^2) Taylor term at gamma = 1e-7"),
                                    detail=f"{pair} tau2={t2}: beta* = {bs:.6g}"))
        terms += [(f"{pair} tau2={t2}: roots at 0.95 beta*", _count_fixed(pair, 0.0, 0.95 * bs, t2)[0], "==", 0),
                  (f"{pair} tau2={t2}: roots at 1.05 beta*", _count_fixed(pair, 0.0, 1.05 * bs, t2)[0], "==", 1)]
    outs.append(Outcome.criterion(terms, criterion(0, "root counts")))
    return Outcome.all_of(outs)


@P11.precise("e-printed-threshold-vs-joint-transition")
def _(ctx):
    """The printed threshold beta* = 1/(kappa E sigma') of (e) is the transition of the rho = 0 slice only; the joint
    gamma transition of the fixed point (wtae.beta0, where rho = rho0(beta) > 0) is larger whenever beta* > 1:
    tanh/tanh at tau^2 = 1.2: beta* = 1.747, beta0 = 3.393; tau^2 = 0.0259: 1.0253 vs 1.0516; tanh/ReLU: 2 vs 4.61
    (tau^2 = 0.2).  Checked: beta0 - beta* > 0 at these points (the proposition is consistent: it is stated for
    rho = 0)."""
    from theorycheck.numeric import wtae as W
    from theorycheck.numeric.backend import NUMPY

    terms = []
    for pair, t2 in (("tanh_tanh", 1.2), ("tanh_tanh", 0.0259), ("tanh_relu", 0.2)):
        b0 = float(W.beta0(pair, NUMPY, np.array([t2]))[0])
        bs = float(1 / W.m1(NUMPY, np.array(t2))) if pair == "tanh_tanh" else 2.0
        terms.append((f"{pair} tau2={t2}: beta0 - beta* ({b0:.5g} - {bs:.5g})", b0 - bs, ">", 0.0))
    return Outcome.criterion(terms, criterion(0, "order of the thresholds"))


L12 = claim(
    "li2019/lemma12",
    "Lemma 12 (phi = tanh): (a) Delta(u, t) = phi'(u + t) - phi'(u - t) < 0 and Delta(u, t) < Delta(-u, t) for u, t > 0; "
    "(b) E[z phi(z)] -> +inf for z ~ N(0, s^2), s -> inf; (c) E[z I(z)] > 0 for z ~ N(0, s^2), s != 0, I(u) = phi(u) + "
    "u phi'(u).",
    f"{CITE}, Lemma 12",
)


@L12.exact("a-identities")
def _(ctx):
    """Delta(u, t) = tanh^2(u - t) - tanh^2(u + t) (the proof's first line) and Delta(-u, t) - Delta(u, t) =
    2 Delta(u, -t): both residuals simplify to exactly 0 (sech^2 = 1 - tanh^2)."""
    u, t = sp.symbols("u t", real=True)
    d = lambda a, b: (1 - sp.tanh(a + b) ** 2) - (1 - sp.tanh(a - b) ** 2)  # noqa: E731
    r1 = sp.simplify(d(u, t) - (sp.tanh(u - t) ** 2 - sp.tanh(u + t) ** 2))
    r2 = sp.simplify(d(-u, t) - d(u, t) - 2 * d(u, -t))
    return Outcome.symbolic(sp.simplify(r1 + r2), "Lemma 12 proof identities")


@L12.precise("a-signs-b-growth-c-positivity")
def _(ctx):
    """(a) max Delta(u, t) and max (Delta(u, t) - Delta(-u, t)) over a 60 x 60 grid of u, t in (0, 6] are < 0; (b)
    E[s z tanh(s z)]/s (mpmath, 20 digits) at s = 10, 100, 1000 increases towards sqrt(2/pi) (so E[z phi(z)] ~
    s sqrt(2/pi) -> inf); (c) min over s in [0.01, 100] (8 log-spaced) of E[z I(z)] > 0 (mpmath).  Signs and
    monotonicity: no tolerance."""
    uu, tt = np.meshgrid(np.linspace(0.1, 6, 60), np.linspace(0.1, 6, 60))
    sech2 = lambda x: 1 / np.cosh(x) ** 2  # noqa: E731
    D = lambda a, b: sech2(a + b) - sech2(a - b)  # noqa: E731
    dmax = float(np.max(D(uu, tt)))
    dd = float(np.max(D(uu, tt) - D(-uu, tt)))
    with mpmath.workdps(20):
        grow = [float(mpmath.quad(lambda z: s * z * mpmath.tanh(s * z) * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf]) / s)
                for s in (10, 100, 1000)]
        cvals = [float(mpmath.quad(lambda z: s * z * (mpmath.tanh(s * z) + s * z * mpmath.sech(s * z) ** 2)
                                   * mpmath.npdf(z), [-mpmath.inf, 0, mpmath.inf])) for s in np.geomspace(0.01, 100, 8)]
    return Outcome.criterion([("max Delta(u, t)", dmax, "<", 0.0), ("max Delta(u,t) - Delta(-u,t)", dd, "<", 0.0),
                              ("E[z tanh z]/s increasing 10 -> 100", grow[1] - grow[0], ">", 0.0),
                              ("E[z tanh z]/s increasing 100 -> 1000", grow[2] - grow[1], ">", 0.0),
                              ("sqrt(2/pi) - E/s at s = 1000", math.sqrt(2 / math.pi) - grow[2], ">=", 0.0),
                              ("min E[z I(z)]", min(cvals), ">", 0.0)],
                             criterion(0, "signs"), detail=f"E[z tanh]/s: {grow}")
