"""Layer-normalized correlation maps of the ICLR 2022 submission without cancellation.

The map of eq. (2.3), at unit preactivation variance (layer normalization) and ratio r = sigma_b^2/sigma_w^2,

    P(rho) = (r + C[phi|rho]) / (r + C[phi|1]),        C[phi|rho] = E phi(x) phi(y),  corr(x, y) = rho,

is iterated on delta = 1 - rho, never on rho:

    delta' = 1 - P(1 - delta) = (C[phi|1] - C[phi|1 - delta]) / (r + C[phi|1]),

with the numerator written as a sum of non-negative terms for every activation, so 1 - rho_L keeps its
relative accuracy however small it gets (1e-4 at L = 512 for ReLU at criticality; 1e-300 in the ordered
phase; gradual underflow below that):

* ReLU: C[relu|rho] = (sin th + (pi - th) rho) / (2 pi), th = arccos rho = 2 asin(sqrt(delta/2)), so
  C(1) - C(rho) = (delta (pi - th) + (th - sin th)) / (2 pi); th - sin th by its Taylor series (Horner,
  th <= 1.5) or directly (th > 1.5, where th/(th - sin th) <= 3).
* leaky ReLU LReLU_a = a x + (1 - a) ReLU(x): C = a rho + (1 - a)^2 C[relu|rho] (Appendix B), so
  C(1) - C(rho) = a delta + (1 - a)^2 (C_relu(1) - C_relu(rho)).
* erf: C[erf|rho] = (2/pi) asin(2 rho/3); with X = 2/3, Y = 2 rho/3, asin X - asin Y = atan2(S, K),
  K = sqrt(1-X^2) sqrt(1-Y^2) + X Y and S = (X^2 - Y^2)/(X sqrt(1-Y^2) + Y sqrt(1-X^2)) for Y > 0
  (X^2 - Y^2 = (4/9) delta (2 - delta)), S = X sqrt(1-Y^2) - Y sqrt(1-X^2) (two non-negative terms) for Y <= 0.
* tanh: C(1) - C(rho) = E (tanh u1 - tanh u2)^2 / 2 with u1,2 = alpha s +- beta d, alpha = sqrt(1 - delta/2),
  beta = sqrt(delta/2), (s, d) i.i.d. N(0, 1), and tanh u1 - tanh u2 = sinh(2 beta d) sech u1 sech u2: a
  positive integrand, by the trapezoid rule of numeric/gaussian.py (half rules: the integrand is even in s
  and in d; it is analytic in |Im| < pi/2 in both variables).

Excess convexity (Appendix A.3): for g the L-fold composition cropped to [0, 1] (Remark 2),
g(t) = (P^L(t) - p_L)/(1 - p_L), p_L = P^L(0), e(g) = 1/t* - 2 where g(1 - t*) = t*.  With the identity
1 - P^L(1 - t) = delta_L(t) (delta_0 = t) the condition reads delta_L(t*) = (1 - p_L)(1 - t*); it is solved
for u = 1 - 2 t* in [0, 1) (then e = 2u/(1 - u), no cancellation for small e) by the Illinois method on the
bracket, vectorized over points.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import validate as _v
from theorycheck.numeric.backend import torch as _torch
from theorycheck.numeric.gaussian import TANH_STRIP, trapezoid_rule
from theorycheck.numeric.validate import DomainError

__all__ = ["ACTS", "delta_step", "one_minus_rho", "excess_convexity_map",
           "one_minus_rho_L_relu", "one_minus_rho_L_relu_torch",
           "one_minus_rho_L_leaky_relu", "one_minus_rho_L_leaky_relu_torch",
           "one_minus_rho_L_erf", "one_minus_rho_L_erf_torch",
           "one_minus_rho_L_tanh", "one_minus_rho_L_tanh_torch",
           "excess_convexity_relu", "excess_convexity_relu_torch",
           "excess_convexity_leaky_relu", "excess_convexity_leaky_relu_torch",
           "excess_convexity_erf", "excess_convexity_erf_torch",
           "excess_convexity_tanh", "excess_convexity_tanh_torch",
           "c_one", "excess_convexity_of", "trajectory"]

ACTS = ("relu", "leaky_relu", "erf", "tanh")
L_MAX = 1024  # declared upper end of the depth domain (cost: L steps of the map)
UNDERFLOW = 1e-280  # below this 1 - p_L, the excess-convexity equation is not resolvable in float64


class _NP:
    name = "numpy"
    sin, sinh, cosh, sqrt, where, abs = np.sin, np.sinh, np.cosh, np.sqrt, np.where, np.abs
    asin, atan2, minimum, maximum = np.arcsin, np.arctan2, np.minimum, np.maximum

    @staticmethod
    def asarray(x, like=None):
        return np.asarray(x, dtype=np.float64)

    @staticmethod
    def zeros_like(x):
        return np.zeros_like(x)


class _TH:
    name = "torch"

    def __init__(self, device):
        t = _torch()
        self.t, self.device = t, device
        self.sin, self.sinh, self.cosh, self.sqrt, self.where, self.abs = t.sin, t.sinh, t.cosh, t.sqrt, t.where, t.abs
        self.asin, self.atan2, self.minimum, self.maximum = t.asin, t.atan2, t.minimum, t.maximum

    def asarray(self, x, like=None):
        t = self.t
        if isinstance(x, t.Tensor):
            return x.to(dtype=t.float64, device=self.device)
        return t.as_tensor(np.asarray(x, dtype=np.float64), dtype=t.float64, device=self.device)

    def zeros_like(self, x):
        return self.t.zeros_like(x)


def _backend(name, *args):
    if name == "numpy":
        return _NP
    t = _torch()
    dev = next((a.device for a in args if isinstance(a, t.Tensor)), None) or t.device("cpu")
    return _TH(dev)


# ----------------------------------------------------------------------------------------------
# One step delta -> 1 - P(1 - delta)
# th - sin th = sum_k (-1)^k th^(2k+3)/(2k+3)!, 14 terms: at th = 1.5 the first neglected term is 1.5^31/31! < 1e-28
_TS = [(-1) ** k / math.factorial(2 * k + 3) for k in range(14)]


def _th_minus_sin(X, th):
    th2 = th * th
    acc = X.zeros_like(th) + _TS[-1]
    for c in reversed(_TS[:-1]):
        acc = acc * th2 + c
    series = th * th2 * acc
    return X.where(th <= 1.5, series, th - X.sin(th))


def _relu_gap(X, d):
    """C_relu(1) - C_relu(1 - d) = (d (pi - th) + (th - sin th)) / (2 pi), th = 2 asin(sqrt(d/2))."""
    th = 2.0 * X.asin(X.sqrt(0.5 * d))
    return (d * (math.pi - th) + _th_minus_sin(X, th)) / (2.0 * math.pi)


_X2 = 4.0 / 9.0
_SX = math.sqrt(5.0) / 3.0  # sqrt(1 - X^2)


def _erf_gap(X, d):
    """C_erf(1) - C_erf(1 - d) = (2/pi)(asin(2/3) - asin(2 rho/3)) by atan2 without cancellation."""
    y = 2.0 * (1.0 - d) / 3.0
    sy = X.sqrt(1.0 - y * y)
    k = _SX * sy + (2.0 / 3.0) * y
    s_pos = _X2 * d * (2.0 - d) / ((2.0 / 3.0) * sy + y * _SX + (y <= 0))  # (+1 only where unused)
    s_neg = (2.0 / 3.0) * sy - y * _SX
    s = X.where(y > 0, s_pos, s_neg)
    return (2.0 / math.pi) * X.atan2(s, k)


_TANH_RULE = {}


def _tanh_rule(X):
    if "np" not in _TANH_RULE:
        z, w = trapezoid_rule(1.0, strip=TANH_STRIP, half=True)
        _TANH_RULE["np"] = (z, w)
    z, w = _TANH_RULE["np"]
    return X.asarray(z), X.asarray(w)


def _tanh_gap(X, d, chunk=1 << 21):
    """C_tanh(1) - C_tanh(1 - d) = E[sinh(2 b v)^2 sech(a s + b v)^2 sech(a s - b v)^2] / 2 (half rules)."""
    z, w = _tanh_rule(X)
    flat = d.reshape(-1)
    out = X.zeros_like(flat)
    n = z.shape[0]
    step = max(1, chunk // (n * n))
    for i in range(0, flat.shape[0], step):
        dd = flat[i:i + step]
        a = X.sqrt(1.0 - 0.5 * dd)[:, None, None]
        b = X.sqrt(0.5 * dd)[:, None, None]
        s = z[None, :, None]
        v = z[None, None, :]
        f = X.sinh(2.0 * b * v) / (X.cosh(a * s + b * v) * X.cosh(a * s - b * v))
        out[i:i + step] = 0.5 * ((f * f * w[None, None, :]).sum(-1) * w[None, :]).sum(-1)
    return out.reshape(d.shape)


# ----------------------------------------------------------------------------------------------
# Differences C(x) - C(y), x > y, from eps = x - y and the distances to 1 (dx = 1 - x, dy = 1 - y): no cancellation
_GL_N = 24
_GL = np.polynomial.legendre.leggauss(_GL_N)  # on [-1, 1]; the integrand below is entire: exact to eps


def _asin_diff(X, xs, ys, sx, sy, e):
    """asin(xs) - asin(ys) for xs > ys in [-1, 1], e = xs - ys, sx = sqrt(1 - xs^2), sy = sqrt(1 - ys^2).

    sin(A - B) = xs sy - ys sx: two non-negative terms when xs >= 0 >= ys; otherwise rationalized to
    e (xs + ys) / (xs sy + ys sx) (numerator and denominator of one sign); cos(A - B) = sx sy + xs ys."""
    mixed = (xs >= 0) & (ys <= 0)
    den = xs * sy + ys * sx
    den = X.where(mixed | (den == 0), 0.0 * den + 1.0, den)
    s_r = e * (xs + ys) / den
    s = X.where(mixed, xs * sy - ys * sx, s_r)
    return X.atan2(s, sx * sy + xs * ys)


def _x_of(X, e, dx, dy):
    """x from whichever representation is accurate: 1 - dx near 1 (dx <= 1/2), y + eps elsewhere (|x| small:
    1 - dx would lose the digits of x that the difference needs)."""
    return X.where(dx <= 0.5, 1.0 - dx, (1.0 - dy) + e)


def _relu_cdiff(X, e, dx, dy):
    """C_relu(x) - C_relu(y) = (1/2 pi) int_{th_x}^{th_y} (pi - th) sin th dth (th = arccos; F(th) = sin th +
    (pi - th) cos th has F' = -(pi - th) sin th), a positive entire integrand, by 24-point Gauss-Legendre on
    [th_y - Dth, th_y], Dth = asin x - asin y without cancellation."""
    x, y = _x_of(X, e, dx, dy), 1.0 - dy
    sx, sy = X.sqrt(dx * (2.0 - dx)), X.sqrt(dy * (2.0 - dy))
    thy = 2.0 * X.asin(X.sqrt(0.5 * dy))
    dth = _asin_diff(X, x, y, sx, sy, e)
    nodes, weights = X.asarray(_GL[0]), X.asarray(_GL[1])
    # anchored at th_y (the accurate lower end p_l): an error in eps moves th_x, where the integrand is
    # smallest, so relative errors of eps are damped along the iteration (anchoring at th_x amplified them
    # by up to 2 per layer)
    th = thy[..., None] - 0.5 * dth[..., None] * (nodes + 1.0)
    integ = ((math.pi - th) * X.sin(th) * weights).sum(-1)
    return 0.5 * dth * integ / (2.0 * math.pi)


def _erf_cdiff(X, e, dx, dy):
    """(2/pi)(asin(2x/3) - asin(2y/3)) by _asin_diff (sqrt(1 - (2x/3)^2) >= sqrt5/3: no cancellation)."""
    xs, ys = 2.0 * _x_of(X, e, dx, dy) / 3.0, 2.0 * (1.0 - dy) / 3.0
    return (2.0 / math.pi) * _asin_diff(X, xs, ys, X.sqrt(1.0 - xs * xs), X.sqrt(1.0 - ys * ys), 2.0 * e / 3.0)


def _cdiff(act, X, e, dx, dy, a=None):
    if act == "relu":
        return _relu_cdiff(X, e, dx, dy)
    if act == "leaky_relu":
        return a * e + (1.0 - a) ** 2 * _relu_cdiff(X, e, dx, dy)
    if act == "erf":
        return _erf_cdiff(X, e, dx, dy)
    raise DomainError(f"no cancellation-free difference C(x) - C(y) for {act!r}")


def c_one(act, X=_NP, a=None):
    """C[phi|1] = ||phi||_N^2 (unit variance)."""
    if act == "relu":
        return 0.5
    if act == "leaky_relu":
        return 0.5 * (1.0 + a * a)
    if act == "erf":
        return (2.0 / math.pi) * math.asin(2.0 / 3.0)
    if act == "tanh":
        z, w = trapezoid_rule(1.0, strip=TANH_STRIP, half=True)
        t = np.tanh(z)
        return float((t * t * w).sum())
    raise DomainError(f"activation {act!r} is not one of {', '.join(ACTS)}")


def _gap(act, X, d, a=None):
    if act == "relu":
        return _relu_gap(X, d)
    if act == "leaky_relu":
        return a * d + (1.0 - a) ** 2 * _relu_gap(X, d)
    if act == "erf":
        return _erf_gap(X, d)
    if act == "tanh":
        return _tanh_gap(X, d)
    raise DomainError(f"activation {act!r} is not one of {', '.join(ACTS)}")


def delta_step(act, d, r, a=None, backend="numpy"):
    """delta -> 1 - P(1 - delta) for one layer of eq. (2.3), ratio r = sigma_b^2/sigma_w^2 (vectorized)."""
    X = _backend(backend, d, r)
    d, r = X.asarray(d), X.asarray(r)
    aa = None if a is None else X.asarray(a)
    return _step(act, X, d, r, aa)


def _step(act, X, d, r, a):
    d = X.minimum(X.maximum(d, 0.0 * d), 0.0 * d + 2.0)  # rounding can never leave [0, 2]
    c1 = _c1(act, X, a)
    return _gap(act, X, d, a) / (r + c1)


_C1 = {}


def _c1(act, X, a):
    if act == "leaky_relu":
        return 0.5 * (1.0 + a * a)
    if act not in _C1:
        _C1[act] = c_one(act)
    return _C1[act]


def _iterate(act, X, L, d0, r, a, u0=None):
    """delta_L for integer L (vectorized: each element stops at its own L).

    For the odd activations (erf, tanh) the correlation near -1 is carried as u = 1 + rho as well (u0 = 1 + rho0):
    C(rho) = -C(-rho) gives 1 + P(rho) = (2 r + (C(1) - C(1 - u)))/(r + C(1)), a sum of non-negative terms, so a
    trajectory that stays near -1 (r ~ 0, where -1 is a fixed point) keeps its digits; delta = 2 - u there."""
    Lb = L + 0.0 * d0 + 0.0 * r
    d = d0 + 0.0 * L + 0.0 * r
    rr = r + 0.0 * L + 0.0 * d0
    aa = None if a is None else a + 0.0 * d
    if aa is not None:
        d, Lb, rr = d + 0.0 * aa, Lb + 0.0 * aa, rr + 0.0 * aa
    odd = act in ("erf", "tanh")
    u = (2.0 - d) if u0 is None else (u0 + 0.0 * d)
    Lmax = int(float(Lb.max())) if tuple(Lb.shape) else int(float(Lb))
    c1 = _c1(act, X, aa)
    for l in range(Lmax):
        nd = _step(act, X, d, rr, aa)
        nu = 2.0 - nd
        if odd:
            low = d > 1.0
            if bool(low.any()):
                uc = X.minimum(X.maximum(u, 0.0 * u), 0.0 * u + 2.0)
                u_u = (2.0 * rr + _gap(act, X, uc, aa)) / (rr + c1)
                nd, nu = X.where(low, 2.0 - u_u, nd), X.where(low, u_u, nu)
        keep = Lb > l
        d, u = X.where(keep, nd, d), X.where(keep, nu, u)
    return d


L_MAX_E = 512  # excess convexity (symbolic/layernorm.py)


def _check(fid, X, L, rho0=None, r=None, a=None, L_min=0.0):
    _v.check_param(fid, "L", L, L_min, float(L_MAX if L_min == 0.0 else L_MAX_E), False, False, True)
    if rho0 is not None:
        _v.check_param(fid, "rho0", rho0, -1.0, 1.0, False, False, False)
    _v.check_param(fid, "r", r, 0.0, None, False, True, False)
    if a is not None:
        _v.check_param(fid, "a", a, 0.0, 1.0, False, False, False)


def one_minus_rho(act, L, rho0, r, a=None, backend="numpy"):
    """1 - rho_L, rho_L = P^L(rho0), by the delta iteration (module docstring).  Validates its arguments."""
    fid = f"layernorm.one_minus_rho_L.{act}"
    X = _backend(backend, L, rho0, r, *(() if a is None else (a,)))
    L, rho0, r = X.asarray(L), X.asarray(rho0), X.asarray(r)
    a = None if a is None else X.asarray(a)
    _check(fid, X, L, rho0, r, a)
    out = _iterate(act, X, L, 1.0 - rho0, r, a, u0=1.0 + rho0)
    env = {"L": L, "rho0": rho0, "r": r, **({} if a is None else {"a": a})}
    return _v.finite(fid, out, env)


# ----------------------------------------------------------------------------------------------
# Excess convexity of the cropped composition
TANH_T_MIN = 1e-3  # tanh (delta form only): refuse e > ~1e3, where eps/t* would exceed ~2e-13
LINEAR_BELOW = 1e-100  # below this 1 - p_l the map is linear on [p_l, 1] to relative ~1e-50: g stops changing


def _effective_depth(act, X, L, r, a):
    """(1 - p_L, L_eff): L_eff = min(L, first l with 1 - p_l < LINEAR_BELOW).

    Past that layer every delta in [0, 1 - p_l] is below 1e-100, where delta' = P'(1) delta (1 + O(delta^(1/2)))
    (ReLU: th - sin th = O(delta^(3/2)); erf, tanh: O(delta^2)), so further layers multiply all of them by the
    same factor to relative 1e-50 and leave the cropped g, hence e(g), unchanged in float64."""
    d = 1.0 + 0.0 * L
    Leff = L + 0.0
    for l in range(int(float(L.max()))):
        nd = _step(act, X, d, r, a)
        active = (L > l) & (d >= LINEAR_BELOW) & (Leff > l)
        Leff = X.where((L > l) & (d < LINEAR_BELOW) & (Leff > l), 0.0 * Leff + l, Leff)
        d = X.where(active, nd, d)
    return d, Leff


def _eps_iterate(act, X, L, t, r, a):
    """eps_L = rho_L - p_L for rho_0 = 1 - t, p_0 = 0, tracking delta_l = 1 - rho_l, q_l = 1 - p_l and eps_l:
    eps_l = (C(rho_{l-1}) - C(p_{l-1})) / (r + C(1)) by :func:`_cdiff` (relative accuracy for any eps)."""
    d = t + 0.0
    q = 1.0 + 0.0 * t
    e = 1.0 - t  # eps_0 = rho_0 - 0 (exact for t <= 1/2, Sterbenz)
    c1 = _c1(act, X, a)
    for l in range(int(float(L.max()))):
        act_l = L > l
        ne = _cdiff(act, X, e, d, q, a) / (r + c1)
        nd = _step(act, X, d, r, a)
        nq = _step(act, X, q, r, a)
        e, d, q = X.where(act_l, ne, e), X.where(act_l, nd, d), X.where(act_l, nq, q)
    return e


def excess_convexity_map(act, L, r, a=None, backend="numpy", max_iter=400):
    """e(g) of Appendix A.3 for g the L-fold composition of P cropped to [0, 1] (Remark 2).

    Solves G(t) = delta_L(t) - (1 - p_L)(1 - t) = 0 for t in (0, 1/2] (delta_0 = t), e = 1/t - 2.  G is
    increasing (delta_L increases with delta_0), G(0) = -(1 - p_L) < 0 and G(1/2) >= 0 (convexity: g(1/2) <= 1/2).
    Illinois steps alternating with geometric bisection (roots many decades below 1/2 in the chaotic phase,
    where e grows like P'(1)^L), on the bracket [1e-300, 1/2]; stops when the bracket is within 4 ulps of t (or
    G = 0).  Accuracy: G carries an absolute error ~ eps (1 - p_L), so e has relative error ~ eps/e where g is
    nearly linear (e << 1); elsewhere a few ulps times L^(1/2) (rounding along the iteration)."""
    fid = f"layernorm.excess_convexity.{act}"
    X = _backend(backend, L, r, *(() if a is None else (a,)))
    L, r = X.asarray(L), X.asarray(r)
    a = None if a is None else X.asarray(a)
    _check(fid, X, L, None, r, a, L_min=1.0)  # L = 0 is the identity, where e = 0
    env = {"L": L, "r": r, **({} if a is None else {"a": a})}
    one = 1.0 + 0.0 * L + 0.0 * r + (0.0 if a is None else 0.0 * a)
    Lb, rb = L * one, r * one
    ab = None if a is None else a * one
    qL, Lb = _effective_depth(act, X, Lb, rb, ab)  # 1 - p_L (rho0 = 0)
    if float(qL.min()) < UNDERFLOW:
        raise DomainError(f"{fid}: 1 - p_L = {float(qL.min())!r} < {UNDERFLOW:g}: float64 underflow of the cropped "
                          "composition's scale (the value is finite in exact arithmetic; use the mpmath backend)")

    if act == "tanh":
        def G(t):
            return _iterate(act, X, Lb, t, rb, ab) - qL * (1.0 - t)
    else:
        def G(t):  # eps_L(t) - (1 - p_L) t with eps_L = rho_L - p_L (accurate for small t as well)
            return qL * t - _eps_iterate(act, X, Lb, t, rb, ab)

    hi, ghi = 0.5 * one, G(0.5 * one)
    lo = 1e-300 * one
    glo = G(lo)
    if bool((glo > 0).any()):
        raise DomainError(f"{fid}: e(g) > 1e300 (float64 overflow of 1/t; use the mpmath backend)")
    done = ghi <= 0  # g(1/2) = 1/2: e = 0 (g linear)
    t = X.where(done, hi, hi)
    side = 0.0 * one
    eps = 2.220446049250313e-16
    for it in range(max_iter):
        if bool(done.all()):
            break
        cand = lo - (hi - lo) * glo / (ghi - glo)
        if it % 2:
            geo = X.sqrt(lo * hi)
            cand = X.where(hi > 4 * lo, geo, cand)
        ok = (cand > lo) & (cand < hi)
        x = X.where(ok, cand, 0.5 * (lo + hi))
        gx = G(x)
        pos = gx > 0
        hi_new, lo_new = X.where(pos, x, hi), X.where(pos, lo, x)
        ghi_new = X.where(pos, gx, X.where(side < 0, 0.5 * ghi, ghi))
        glo_new = X.where(pos, X.where(side > 0, 0.5 * glo, glo), gx)
        side = X.where(pos, one, -one)
        upd = ~done
        lo, hi = X.where(upd, lo_new, lo), X.where(upd, hi_new, hi)
        glo, ghi = X.where(upd, glo_new, glo), X.where(upd, ghi_new, ghi)
        t = X.where(upd, x, t)
        done = done | (gx == 0) | (hi - lo <= 4 * eps * X.abs(t))
    if not bool(done.all()):
        raise DomainError(f"{fid}: the root of g(1 - t) = t did not converge in {max_iter} steps")
    if act == "tanh" and float(t.min()) < TANH_T_MIN:
        raise DomainError(f"{fid}: e(g) = {float((1 - 2 * t.min()) / t.min()):.3g} is beyond the accurate range of "
                          f"the tanh kernel (t* < {TANH_T_MIN:g}: delta_L near 1 - p_L cancels; relative accuracy "
                          "~ eps/t*); use the mpmath backend")
    e = (1.0 - 2.0 * t) / t
    return _v.finite(fid, e, env)


def trajectory(act, L, rho0, r, a=None):
    """delta_l = 1 - rho_l for l = 0..L (NumPy, one trajectory per element of rho0): shape (L+1,) + rho0.shape."""
    X = _NP
    d = 1.0 - np.asarray(rho0, dtype=float)
    r = np.asarray(r, dtype=float)
    aa = None if a is None else np.asarray(a, dtype=float)
    out = [d]
    for _ in range(int(L)):
        d = _step(act, X, d, r, aa)
        out.append(d)
    return np.stack(out)


def excess_convexity_of(g, tol=1e-14):
    """e(g) = 1/t - 2, g(1 - t) = t, for any non-decreasing convex callable g on [0, 1] with g(0)=0, g(1)=1,
    by bisection on h(t) = g(1 - t) - t (decreasing; h(0) = 1 > 0 >= h(1/2)).  Plain floats (tests, checks)."""
    lo, hi = 0.0, 0.5
    if g(0.5) - 0.5 >= 0:
        return 0.0
    while hi - lo > tol * max(lo, 1e-300):
        mid = 0.5 * (lo + hi)
        if g(1 - mid) - mid > 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-300:
            break
    t = 0.5 * (lo + hi)
    return 1.0 / t - 2.0


# ----------------------------------------------------------------------------------------------
# Registry kernels (NumPy + Torch twins)
def _mk(act, kind):
    has_a = act == "leaky_relu"

    if kind == "rho":
        def np_k(L, rho0, r, *rest):
            return one_minus_rho(act, L, rho0, r, *(rest if has_a else ()), backend="numpy")

        def th_k(L, rho0, r, *rest):
            return one_minus_rho(act, L, rho0, r, *(rest if has_a else ()), backend="torch")
        name = f"one_minus_rho_L_{act}"
        doc = (f"1 - rho_L for rho_L = P^L(rho0), P of eq. (2.3) with the {act} activation, r = sigma_b^2/sigma_w^2"
               + (", negative slope a" if has_a else "") + "; without cancellation (module docstring).")
    else:
        def np_k(L, r, *rest):
            return excess_convexity_map(act, L, r, *(rest if has_a else ()), backend="numpy")

        def th_k(L, r, *rest):
            # a root search of sequential depth-L iterations: per-element Torch ops only add dispatch overhead
            # (measured > 5 s at L = 1024), so the Torch twin validates and converts, and iterates in NumPy
            t = _torch()
            args = (L, r) + (tuple(rest) if has_a else ())
            dev = next((v.device for v in args if isinstance(v, t.Tensor)), t.device("cpu"))
            vals = [v.detach().cpu().numpy() if isinstance(v, t.Tensor) else v for v in args]
            out = excess_convexity_map(act, *vals, backend="numpy")
            return t.as_tensor(np.asarray(out, dtype=np.float64), dtype=t.float64, device=dev)
        name = f"excess_convexity_{act}"
        doc = (f"Excess convexity e(g) (Appendix A.3) of the L-fold {act} composition cropped to [0, 1] "
               "(Remark 2), r = sigma_b^2/sigma_w^2" + (", negative slope a" if has_a else "") + ".")
    np_k.__name__ = np_k.__qualname__ = name
    th_k.__name__ = th_k.__qualname__ = name + "_torch"
    np_k.__doc__, th_k.__doc__ = doc, f"Torch twin of :func:`{name}`."
    return np_k, th_k


one_minus_rho_L_relu, one_minus_rho_L_relu_torch = _mk("relu", "rho")
one_minus_rho_L_leaky_relu, one_minus_rho_L_leaky_relu_torch = _mk("leaky_relu", "rho")
one_minus_rho_L_erf, one_minus_rho_L_erf_torch = _mk("erf", "rho")
one_minus_rho_L_tanh, one_minus_rho_L_tanh_torch = _mk("tanh", "rho")
excess_convexity_relu, excess_convexity_relu_torch = _mk("relu", "e")
excess_convexity_leaky_relu, excess_convexity_leaky_relu_torch = _mk("leaky_relu", "e")
excess_convexity_erf, excess_convexity_erf_torch = _mk("erf", "e")
excess_convexity_tanh, excess_convexity_tanh_torch = _mk("tanh", "e")


# ----------------------------------------------------------------------------------------------
# Finite-width layer-normalized networks (eq. (2.1)): correlations and the end-to-end Jacobian by an explicit
# product of layer Jacobians (never autograd over the whole network)
def _act_fns(act, a=None):
    t = _torch()
    if act == "relu":
        return t.relu, lambda x: (x > 0).to(x.dtype)
    if act == "leaky_relu":
        return (lambda x: t.where(x > 0, x, a * x)), (lambda x: t.where(x > 0, t.ones_like(x), a * t.ones_like(x)))
    if act == "erf":
        return t.erf, lambda x: (2.0 / math.sqrt(math.pi)) * t.exp(-x * x)
    if act == "tanh":
        return t.tanh, lambda x: 1.0 - t.tanh(x) ** 2
    if act == "linear":
        return (lambda x: x), (lambda x: t.ones_like(x))
    raise DomainError(f"activation {act!r} is not one of {', '.join(ACTS + ('linear',))}")


def ln_network(act, width, depth, sw2, sb2, rho0, n_nets, gen, a=None, linear_first=False, jacobian=True,
               resnet_sigma2=None, device="cpu", record=None, threads=1):
    """See :func:`_ln_network`; runs with ``threads`` intra-op Torch threads (restored afterwards): on a shared
    2-core machine multi-threaded small matrix kernels were measured 30x slower than one thread."""
    t = _torch()
    old = t.get_num_threads()
    t.set_num_threads(int(threads))
    try:
        return _ln_network(act, width, depth, sw2, sb2, rho0, n_nets, gen, a, linear_first, jacobian,
                           resnet_sigma2, device, record)
    finally:
        t.set_num_threads(old)


def _ln_network(act, width, depth, sw2, sb2, rho0, n_nets, gen, a=None, linear_first=False, jacobian=True,
                resnet_sigma2=None, device="cpu", record=None):
    """Layer-normalized fully-connected network of eq. (2.1) (or the residual network of section 3 when
    ``resnet_sigma2`` is given), n_nets independent draws from ``gen``.

    Inputs: two vectors x_a, x_b with |x|^2 = width and cosine rho0.  Returns a dict with
    ``rho``: (n_nets, depth+1) cosines of the two preactivation vectors per layer; ``jac_norm2``: (n_nets, depth+1)
    squared spectral norm of dz^(l)/dz^(0) at x_a (NaN at layers not in ``record``, default all) (equal widths: the RMS-normalized operator norm of section 2.1
    is the spectral norm), by the explicit product M_l = J_l M_{l-1} of the layer Jacobians
    J_l = (sqrt(N)/|y|)(I - y y^T/|y|^2) W diag(phi'(z^(l-1))) / sqrt(N); ``grad_norm2``: (n_nets, depth+1)
    |J_L ... J_{l+1}^T v|^2 / N for a fixed random unit-RMS output vector v (backpropagated gradient per layer).

    Residual variant (section 3): Y = U z / sqrt(n) (U entries variance 1), z' = z + sqrt(sigma^2) V phi(LN(Y)) /
    sqrt(m) ... here m = n = width, then z <- LN(z'); its Jacobian is formed by the same explicit product.
    """
    t = _torch()
    gen = gen if gen is not None else None
    if gen is None:
        raise DomainError("ln_network: an explicit torch.Generator is required")
    N_, L = int(width), int(depth)
    phi, dphi = _act_fns(act, a)
    dev = t.device(device)
    dt = t.float64
    # inputs: x_a = sqrt(N) e1-like random unit direction, x_b at cosine rho0
    u = t.randn(n_nets, 2, N_, generator=gen, dtype=dt).to(dev)
    u1 = u[:, 0] / u[:, 0].norm(dim=-1, keepdim=True)
    w = u[:, 1] - (u[:, 1] * u1).sum(-1, keepdim=True) * u1
    w = w / w.norm(dim=-1, keepdim=True)
    xa = math.sqrt(N_) * u1
    xb = math.sqrt(N_) * (rho0 * u1 + math.sqrt(max(0.0, 1 - rho0 * rho0)) * w)
    z = t.stack([xa, xb], 1)  # (n, 2, N)
    eye = t.eye(N_, dtype=dt, device=dev).expand(n_nets, N_, N_)
    M = eye.clone() if jacobian else None
    rho = [t.full((n_nets,), float(rho0), dtype=dt, device=dev)]
    jn = [t.ones(n_nets, dtype=dt, device=dev)] if jacobian else None
    Js = []
    sq = math.sqrt(N_)
    for l in range(L):
        first = linear_first and l == 0
        f, df = _act_fns("linear") if first else (phi, dphi)
        if resnet_sigma2 is None:
            W = t.randn(n_nets, N_, N_, generator=gen, dtype=dt).to(dev) * math.sqrt(sw2)
            b = t.randn(n_nets, 1, N_, generator=gen, dtype=dt).to(dev) * math.sqrt(sb2)
            h = f(z)
            y = h @ W.transpose(-1, -2) / sq + b  # (n, 2, N)
            nrm = y.norm(dim=-1, keepdim=True)
            znew = sq * y / nrm
            if jacobian:
                yh = y[:, 0] / nrm[:, 0]  # (n, N)
                A = W * df(z[:, 0])[:, None, :] / sq  # W diag(phi') / sqrt(N)
                P = A - yh[:, :, None] * (yh[:, None, :] @ A)
                J = (sq / nrm[:, 0])[:, :, None] * P
        else:
            U = t.randn(n_nets, N_, N_, generator=gen, dtype=dt).to(dev)
            V = t.randn(n_nets, N_, N_, generator=gen, dtype=dt).to(dev) * math.sqrt(resnet_sigma2)
            Y = z @ U.transpose(-1, -2) / sq
            Yn = Y.norm(dim=-1, keepdim=True)
            Z = sq * Y / Yn
            r_ = z + f(Z) @ V.transpose(-1, -2) / sq
            rn = r_.norm(dim=-1, keepdim=True)
            znew = sq * r_ / rn
            if jacobian:
                Yh = Y[:, 0] / Yn[:, 0]
                B = U / sq
                dZ = (sq / Yn[:, 0])[:, :, None] * (B - Yh[:, :, None] * (Yh[:, None, :] @ B))
                dr = eye + (V * df(Z[:, 0])[:, None, :] / sq) @ dZ
                rh = r_[:, 0] / rn[:, 0]
                J = (sq / rn[:, 0])[:, :, None] * (dr - rh[:, :, None] * (rh[:, None, :] @ dr))
        z = znew
        rho.append((z[:, 0] * z[:, 1]).sum(-1) / N_)
        if jacobian:
            M = J @ M
            if record is None or (l + 1) in record:
                jn.append(t.linalg.matrix_norm(M, ord=2) ** 2)
            else:
                jn.append(t.full((n_nets,), float("nan"), dtype=dt, device=dev))
            Js.append(J)
    out = {"rho": t.stack(rho, 1).cpu().numpy()}
    if jacobian:
        out["jac_norm2"] = t.stack(jn, 1).cpu().numpy()
        v = t.randn(n_nets, N_, generator=gen, dtype=dt).to(dev)
        v = v / v.norm(dim=-1, keepdim=True) * sq
        g = [v]
        for J in reversed(Js):
            v = (J.transpose(-1, -2) @ v[:, :, None])[:, :, 0]
            g.append(v)
        out["grad_norm2"] = t.stack([(x * x).sum(-1) / N_ for x in reversed(g)], 1).cpu().numpy()
    return out


# ----------------------------------------------------------------------------------------------
# Residual variant (section 3, eq. (A.10)): P(rho) = (rho + s C[phi|rho]) / (1 + s C[phi|1]), s = sigma^2
def resnet_delta_step(act, d, s, a=None):
    """delta -> 1 - P(1 - delta) = (delta + s (C(1) - C(1 - delta))) / (1 + s C(1)): non-negative terms (NumPy)."""
    X = _NP
    d = np.clip(np.asarray(d, float), 0.0, 2.0)
    aa = None if a is None else np.asarray(a, float)
    return (d + s * _gap(act, X, d, aa)) / (1.0 + s * _c1(act, X, aa))


def resnet_trajectory(act, L, rho0, s, a=None):
    """delta_l = 1 - rho_l, l = 0..L, of the residual map (A.10): shape (L+1,) + rho0.shape."""
    d = 1.0 - np.asarray(rho0, dtype=float)
    out = [d]
    for _ in range(int(L)):
        d = resnet_delta_step(act, d, s, a)
        out.append(d)
    return np.stack(out)


class LNNet:
    """One fixed layer-normalized network of eq. (2.1) (weights drawn from ``gen``), for Jacobian benchmarks and
    gradient searches: ``forward(x)`` (differentiable), ``layer_cache(x)``, the end-to-end Jacobian at x by the
    explicit product of layer Jacobians, and its spectral norm by power iteration on J^T J with Jacobian-vector
    products built from the layer factors (never autograd over the network)."""

    def __init__(self, act, width, depth, sw2, sb2, gen, a=None, linear_first=True):
        t = _torch()
        self.N, self.L = int(width), int(depth)
        self.phi, self.dphi = _act_fns(act, a)
        self.linear_first = linear_first
        self.W = [t.randn(self.N, self.N, generator=gen, dtype=t.float64) * math.sqrt(sw2) for _ in range(self.L)]
        self.b = [t.randn(self.N, generator=gen, dtype=t.float64) * math.sqrt(sb2) for _ in range(self.L)]

    def _f(self, l):
        return _act_fns("linear") if (self.linear_first and l == 0) else (self.phi, self.dphi)

    def forward(self, x):
        z, sq = x, math.sqrt(self.N)
        for l in range(self.L):
            f, _ = self._f(l)
            y = f(z) @ self.W[l].T / sq + self.b[l]
            z = sq * y / y.norm(dim=-1, keepdim=True)
        return z

    def layer_cache(self, x):
        """Per layer (phi'(z_{l-1}), y_hat, sqrt(N)/|y|)."""
        z, sq, out = x, math.sqrt(self.N), []
        for l in range(self.L):
            f, df = self._f(l)
            y = f(z) @ self.W[l].T / sq + self.b[l]
            n = y.norm()
            out.append((df(z), y / n, sq / n))
            z = sq * y / n
        return out

    def jacobian_product(self, x):
        t = _torch()
        sq = math.sqrt(self.N)
        M = t.eye(self.N, dtype=t.float64)
        for l, (d, yh, s) in enumerate(self.layer_cache(x)):
            A = self.W[l] * d[None, :] / sq
            M = s * ((A - yh[:, None] * (yh[None, :] @ A)) @ M)
        return M

    def jvp(self, cache, v):
        sq = math.sqrt(self.N)
        for l, (d, yh, s) in enumerate(cache):
            u = self.W[l] @ (d * v) / sq
            v = s * (u - yh * (yh @ u))
        return v

    def vjp(self, cache, v):
        sq = math.sqrt(self.N)
        for l in reversed(range(self.L)):
            d, yh, s = cache[l]
            u = s * (v - yh * (yh @ v))
            v = d * (self.W[l].T @ u) / sq
        return v

    def opnorm_power(self, x, gen, tol=1e-13, max_iter=2000):
        """Largest singular value of dz^(L)/dz^(0) at x: power iteration on J^T J (JVP then VJP through the layer
        factors), stopped when the Rayleigh quotient changes by < tol relative; returns (sigma_max, iterations)."""
        t = _torch()
        cache = self.layer_cache(x)
        v = t.randn(self.N, generator=gen, dtype=t.float64)
        v = v / v.norm()
        lam_old = 0.0
        for it in range(1, max_iter + 1):
            w = self.vjp(cache, self.jvp(cache, v))
            lam = float(v @ w)
            v = w / w.norm()
            if abs(lam - lam_old) <= tol * abs(lam):
                return math.sqrt(lam), it
            lam_old = lam
        return math.sqrt(lam), max_iter
