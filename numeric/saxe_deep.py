"""The exact finite-depth learning time of Saxe, McClelland & Ganguli 2013, eq. (15) (formula id
``saxe.deep_time``), as a hand-written NumPy kernel and its Torch twin.

Eq. (15): tau du/dt = m u^(2 - 2/m) (s - u), m = N_l - 1 >= 2.  With a = u^(1/m) (the balanced per-layer
strength, u = a^m) it is tau da/dt = a^(m-1) (s - a^m), so the travel time from u0 to uf is

    t/tau = int_{a0}^{af} da / (a^(m-1) (s - a^m))
          = (1/s) int a^(1-m) da + (1/s) int a / (s - a^m) da            (partial fractions in s)
          = (1/s) [(u0^-(m-2)/m - uf^-(m-2)/m) / (m - 2)]  (m > 2; (1/2) ln(uf/u0) for m = 2)
            + s^(2/m - 2) [F(yf) - F(y0)],   y = (u/s)^(1/m),

    F(y) = int y dy / (1 - y^m) = -(1/m) sum_{k=0}^{m-1} Re[w_k^2 Log(y - w_k)],  w_k = e^(2 pi i k/m),

for u0, uf < s.  Above the fixed point (u0, uf > s) the two parts cancel (t is tiny when u >> s), so there
the variable is z = (s/u)^(1/m) < 1 and t/tau = s^(2/m - 2) int z^(2m-3) dz / (1 - z^m), evaluated as the
power series sum_k z^((k+2)m-2)/((k+2)m-2) where z^m <= 0.9 and as -z^(m-2)/(m-2) - (1/m) sum_k
Re[w_k^-2 Log(z - w_k)] (minus its value at z = 0) elsewhere,

from 1/(1 - y^m) = -(1/m) sum_k w_k / (y - w_k) and sum_k w_k = 0 (k = 0 taken as ln|y - 1|, the real
antiderivative on either side of the fixed point y = 1).  For k != 0, y - w_k never crosses the branch
cut, so F is continuous.  Numerics: 1 - y = -expm1(ln(u/s)/m) and y - cos(theta) = (y - 1) + 2
sin^2(theta/2) keep the factors near y = 1 accurate; |y - w| = hypot(y - cos theta, sin theta) never
overflows.  At m = 2 the sum is -(1/2) ln|1 - y^2| and t reduces to eq. (11) (``saxe.t_learn``).
Cost: m complex logarithms per point (the domain caps N_l at 1000).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import validate as _v

__all__ = ["deep_time", "deep_time_torch", "lambda1_max", "lambda1_max_torch"]

_FID = "saxe.deep_time"
N_MAX = 1000


def _check(xp, N, s, tau, u0, uf):
    _v.check_param(_FID, "N_l", N, 3.0, float(N_MAX), False, False, True)
    _v.check_param(_FID, "s", s, 0.0, None, True, True, False)
    _v.check_param(_FID, "tau", tau, 0.0, None, True, True, False)
    _v.check_param(_FID, "u0", u0, 0.0, None, True, True, False)
    _v.check_param(_FID, "uf", uf, 0.0, None, True, True, False)
    ok = ((u0 < s) & (uf < s)) | ((u0 > s) & (uf > s))
    _v.check_constraint(_FID, "(s - u0)*(s - uf) > 0", "u0 and uf must lie on the same side of the fixed point s",
                        ok, {"s": s, "u0": u0, "uf": uf})


def _root(x, m):
    """x^(1/m) (m a positive integer, or an array of them) to a few ulps: pow with the rounded exponent 1/m has
    relative error |ln x| eps/(2m) (115 ulps at x = 1e300, m = 3), removed by one Newton step on r^m = x: the
    correction r (r^m/x - 1)/m uses r^m (an integer power, a few ulps, never overflowing since r^m ~ x)."""
    r = x ** (1.0 / m)
    return r - r * (r**m / x - 1) / m


def _consts(xp, m, like):
    k = np.arange(1, m, dtype=np.float64)
    theta = 2 * math.pi * k / m
    arrs = (np.cos(2 * theta), np.sin(2 * theta), 2 * np.sin(theta / 2) ** 2, np.sin(theta))  # 1 - cos = 2 sin^2
    if xp is np:
        return arrs
    T = _v.torch()
    return tuple(T.as_tensor(a, dtype=T.float64, device=like.device) for a in arrs)


def _F(xp, lx, m, conj):
    """-(1/m) sum_k Re[w_k^{+-2} Log(x - w_k)] at x = exp(lx) (k = 0: ln|x - 1|); w^2 (``conj`` False: the
    antiderivative of x/(1 - x^m)) or w^-2 (``conj`` True: of x^(m-3)/(1 - x^m))."""
    c2, s2, sh2, sn = _consts(xp, m, lx)
    one_minus_x = -xp.expm1(lx)
    total = xp.log(xp.abs(one_minus_x))
    d = (-one_minus_x)[..., None] + sh2  # x - cos(theta)
    snb = np.broadcast_to(sn, d.shape) if xp is np else sn.expand_as(d)
    mod = xp.log(xp.hypot(d, snb))
    arg = np.arctan2(-snb, d) if xp is np else _v.torch().atan2(-snb, d)
    total = total + (c2 * mod + (s2 if conj else -s2) * arg).sum(-1)
    return -total / m


def _G_above(xp, lz, m):
    """An antiderivative of z^(2m-3)/(1 - z^m) vanishing at z = 0, at z = exp(lz) in (0, 1) (u > s):
    the series z^(2m-2) sum_k z^(km)/((k+2)m - 2) where z^m <= 0.9 (400 terms: remainder < 0.9^400 = 5e-19), else
    the closed form -z^(m-2)/(m-2) + F~(z) (-ln z for m = 2) minus its value at z = 0."""
    zm = xp.exp(m * lz)
    ser = 0 * zm
    for k in range(399, -1, -1):  # Horner in z^m
        ser = ser * zm + 1.0 / ((k + 2) * m - 2)
    ser = xp.exp((2 * m - 2) * lz) * ser
    big = zm > 0.9
    if m == 2:  # z/(1 - z^2) itself: -(1/2) ln(1 - z^2) = F(z) (w^2 = w^-2 for m = 2), 0 at z = 0
        return xp.where(big, _F(xp, lz, 2, False), ser)
    closed = -xp.exp((m - 2) * lz) / (m - 2) + _F(xp, lz, m, True)
    # the closed form at z = 0: -(1/m) sum_{k>0} Re[w_k^-2 Log(-w_k)] = -(1/m) sum_k sin(2 theta_k)(theta_k - pi)
    k = np.arange(1, m, dtype=np.float64)
    theta = 2 * math.pi * k / m
    c_at_0 = -float(np.sum((theta - math.pi) * np.sin(2 * theta))) / m
    return xp.where(big, closed - c_at_0, ser)


def _deep_time(xp, N, s, tau, u0, uf):
    shape = np.broadcast_shapes(*(tuple(a.shape) for a in (N, s, tau, u0, uf)))
    if xp is np:
        N, s, tau, u0, uf = (np.broadcast_to(a, shape) for a in (N, s, tau, u0, uf))
        out = np.empty(shape, dtype=np.float64)
        ms = np.unique(N)
    else:
        N, s, tau, u0, uf = (a.expand(shape) for a in (N, s, tau, u0, uf))
        out = _v.torch().empty(shape, dtype=_v.torch().float64, device=s.device)
        ms = _v.torch().unique(N).tolist()
    for Nv in ms:
        m = int(Nv) - 1
        sel = N == Nv
        ss, tt, a0, af = s[sel], tau[sel], u0[sel], uf[sel]
        ls = xp.log(ss)
        l0, lf = xp.log(a0) - ls, xp.log(af) - ls  # ln(u/s)
        if m == 2:
            first = 0.5 * (xp.log(af) - xp.log(a0))  # not lf - l0: both carry ln s, which may be huge
        else:  # u^-(m-2)/m = (u^(1/m))^2 / u with a Newton-corrected root (exp(-e ln u) loses |ln u| ulps)
            r0, rf = _root(a0, m), _root(af, m)
            first = (r0 * (r0 / a0) - rf * (rf / af)) / (m - 2)
        below = (first + xp.exp((2.0 / m - 1) * ls) * (_F(xp, lf / m, m, False) - _F(xp, l0 / m, m, False))) / ss
        above = xp.exp((2.0 / m - 2) * ls) * (_G_above(xp, -lf / m, m) - _G_above(xp, -l0 / m, m))
        out[sel] = tt * xp.where(a0 < ss, below, above)
    return out


def deep_time(N_l, s, tau, u0, uf):
    """Travel time of eq. (15) from u0 to uf at depth N_l (Saxe et al. 2013, eq. (15); formula id saxe.deep_time).

    Vectorized float64 NumPy.  Domain: N_l integer in [3, 1000], s, tau, u0, uf > 0, u0 and uf on the same
    side of s.  Signed (negative when uf lies behind u0 on the trajectory)."""
    N, s, tau, u0, uf = _v.as_numpy(N_l, s, tau, u0, uf)
    _check(np, N, s, tau, u0, uf)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _deep_time(np, N, s, tau, u0, uf)
    out = out if out.ndim else out[()]
    return _v.finite(_FID, np.asarray(out, dtype=np.float64), {"N_l": N, "s": s, "tau": tau, "u0": u0, "uf": uf})


def deep_time_torch(N_l, s, tau, u0, uf):
    """Torch twin of :func:`deep_time` (float64, on the device of the first tensor argument)."""
    N, s, tau, u0, uf = _v.as_torch(N_l, s, tau, u0, uf)
    _check(_v.torch(), N, s, tau, u0, uf)
    out = _deep_time(_v.torch(), N, s, tau, u0, uf)
    return _v.finite(_FID, out, {"N_l": N, "s": s, "tau": tau, "u0": u0, "uf": uf})


# ----------------------------------------------------------------------------------------------
# saxe.lambda1_max, supplementary eq. (41): (N_l - 1) s^((2N_l - 4)/(N_l - 1)) / tau
_FID_L = "saxe.lambda1_max"


def _lambda1(xp, N, s, tau):
    m = N - 1
    q = s / _root(s, m)  # s^((2m - 2)/m) = (s / s^(1/m))^2
    return m * (q * (q / tau))  # q/tau first: (s/r)^2 alone may be subnormal where the result is not


def _check_l(N, s, tau):
    _v.check_param(_FID_L, "N_l", N, 2.0, None, False, True, True)
    _v.check_param(_FID_L, "s", s, 0.0, None, True, True, False)
    _v.check_param(_FID_L, "tau", tau, 0.0, None, True, True, False)


def lambda1_max(N_l, s, tau):
    """Maximum of the top Hessian eigenvalue on the symmetric manifold, Saxe et al. 2013 supplementary eq. (41):
    (N_l - 1) s^((2N_l-4)/(N_l-1)) / tau (formula id saxe.lambda1_max).  Domain: N_l integer >= 2, s, tau > 0."""
    N, s, tau = _v.as_numpy(N_l, s, tau)
    _check_l(N, s, tau)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = np.asarray(_lambda1(np, N, s, tau), dtype=np.float64)
    return _v.finite(_FID_L, out if out.ndim else out[()], {"N_l": N, "s": s, "tau": tau})


def lambda1_max_torch(N_l, s, tau):
    """Torch twin of :func:`lambda1_max`."""
    N, s, tau = _v.as_torch(N_l, s, tau)
    _check_l(N, s, tau)
    return _v.finite(_FID_L, _lambda1(_v.torch(), N, s, tau), {"N_l": N, "s": s, "tau": tau})
