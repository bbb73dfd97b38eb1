"""§4 The Effects of Noise: a Simulation Study -- the loss surfaces of Fig. 1 (bottom row): the unstable saddle
at w1 = w2 = 0, every other critical point on the minimum-loss manifold w2 w1 = lam/(lam + eps) (the cyan
hyperbolas), and noise pulling that manifold toward the saddle.  The figure is ``pretorius2018-fig1-bottom``.

No errata in this part: the critical-point classification of the printed loss l_lam holds exactly.
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE
from theorycheck.verify.registry import Outcome, claim

CS = claim(
    "pretorius2018/sec4-loss-surface-critical-points",
    "The loss l_lam = (lam/2)(1 - w2 w1)^2 + (eps/2)(w2 w1)^2 has an unstable saddle at w2 = w1 = 0 and all its other "
    "critical points on the minimum-loss manifold w2 w1 = lam/(lam + eps); adding noise pulls that manifold toward "
    "the saddle (Fig. 1, bottom).",
    f"{CITE}, §4 and Fig. 1 (bottom row)",
)

w1, w2 = sp.symbols("w1 w2", real=True)
lam, eps = sp.symbols("lambda epsilon", positive=True)
ELL = lam / 2 * (1 - w2 * w1) ** 2 + eps / 2 * (w2 * w1) ** 2


@CS.exact("critical-points-classified")
def _(ctx):
    """Exact classification for symbolic lam > 0, eps >= 0 (eps = 0 and eps > 0 both): the gradient factors as
    (w2, w1) times (lam + eps) w2 w1 - lam, so the critical set is {0} union {w2 w1 = w*}; at the origin the Hessian is
    [[0, -lam], [-lam, 0]] with eigenvalues +-lam (a saddle, unstable); on the manifold the Hessian is
    (lam + eps)(w1, w2)(w1, w2)^T... i.e. positive semi-definite of rank 1 with its null direction along the
    hyperbola, and the loss there equals the global minimum lam eps/(2(lam + eps)) (the minimum of the convex
    function (lam/2)(1 - w)^2 + (eps/2) w^2 of w = w2 w1).  Residuals: exactly 0."""
    res = 0
    for e_ in (eps, sp.Integer(0)):
        ell = ELL.subs(eps, e_)
        g1, g2 = sp.diff(ell, w1), sp.diff(ell, w2)
        k = (lam + e_) * w2 * w1 - lam
        res += sp.expand(g1 - w2 * k) ** 2 + sp.expand(g2 - w1 * k) ** 2
        H0 = sp.hessian(ell, (w1, w2)).subs({w1: 0, w2: 0})
        ev = sorted(H0.eigenvals().keys(), key=lambda v: sp.sign(v))
        res += (ev[0] + lam) ** 2 + (ev[1] - lam) ** 2
        ws = lam / (lam + e_)
        u = sp.Symbol("u", positive=True)  # parametrize the manifold: w1 = u, w2 = w*/u
        Hm = sp.hessian(ell, (w1, w2)).subs({w1: u, w2: ws / u})
        res += sp.simplify(Hm.det()) ** 2  # rank <= 1
        res += sp.simplify(Hm - (lam + e_) * sp.Matrix([ws / u, u]) * sp.Matrix([[ws / u, u]])).norm() ** 2
        res += sp.simplify(Hm * sp.Matrix([u, -ws / u])).norm() ** 2  # null direction = tangent of the hyperbola
        w = sp.Symbol("w", real=True)
        f = lam / 2 * (1 - w) ** 2 + e_ / 2 * w**2
        res += sp.simplify(f.subs(w, ws) - lam * e_ / (2 * (lam + e_))) ** 2
        res += sp.simplify(sp.solve(sp.diff(f, w), w)[0] - ws) ** 2
    return Outcome.symbolic(sp.simplify(res), "gradient factorization, Hessian at the origin (+-lam), rank-1 PSD Hessian "
                            "on w2 w1 = w* with null vector tangent to it, global minimum value; eps > 0 and eps = 0")


@CS.exact("noise-pulls-manifold-to-saddle")
def _(ctx):
    """The distance of the manifold w2 w1 = w* from the saddle is min sqrt(w1^2 + w2^2) = sqrt(2 w*) (at
    w1 = w2 = sqrt(w*), since w1^2 + w2^2 - 2 w* = (w1 - w2)^2 on the manifold); its derivative with respect to eps is -lam/((lam + eps)^2 sqrt(2 w*)) < 0 (SymPy proves the
    sign for lam > 0, eps >= 0), and at lam = 1, eps = 0, 1, 5 the distances are sqrt(2), 1, sqrt(1/3) (Fig. 1 panels).
    Residuals exactly 0."""
    ws = lam / (lam + eps)
    u = sp.Symbol("u", positive=True)
    r2 = u**2 + (ws / u) ** 2
    # r2 - 2 w* = (u - w*/u)^2 >= 0 with equality at u = sqrt(w*): the minimum distance is sqrt(2 w*)
    res = sp.simplify(sp.expand(r2 - 2 * ws - (u - ws / u) ** 2)) ** 2
    dmin = sp.sqrt(2 * ws)
    dd = sp.simplify(sp.diff(sp.sqrt(2 * ws), eps))  # dmin = sqrt(2 w*) shown above
    target = -lam / ((lam + eps) ** 2 * sp.sqrt(2 * ws))
    res += sp.simplify(sp.expand(dd**2) - sp.expand(target**2))  # both negative: equal squares => equal
    neg = sp.ask(sp.Q.negative(dd), sp.Q.positive(lam) & sp.Q.nonnegative(eps))
    vals = [sp.simplify(dmin.subs({lam: 1, eps: e})) for e in (0, 1, 5)]
    res += sum((v - p) ** 2 for v, p in zip(vals, (sp.sqrt(2), sp.Integer(1), sp.sqrt(sp.Rational(1, 3)))))
    return Outcome.symbolic(sp.simplify(res) if neg else sp.Symbol("sign_not_proven"),
                            f"distance sqrt(2 w*), d/deps = {dd} < 0 (sympy.ask: {neg}); Fig. 1: {vals}")
