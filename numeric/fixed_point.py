"""Vectorized fixed-point solvers of mean-field signal propagation (NumPy and Torch, float64).

Source: Yarotsky's lecture ("Reduction to 1D dynamics", "Fixed points", "Evolution of correlations
near a fixed point", "Depth of information propagation"), after Poole et al. 2016 and Schoenholz et
al. 2017; ICLR 2022 submission section 2.2 (the correlation map P and its fixed point rho_fp);
Saxe et al. 2013 supplementary G, eqs. (48)-(49).  Notation map (code -> lecture / paper):

    sw2, sb2  -> alpha_w^2, alpha_h^2 (lecture) = sigma_w^2, sigma_b^2 (ICLR 2022)
    q         -> q_k, the length of the preactivations; qstar -> q* (stable fixed point of nu)
    nu(q)     -> q-map nu(q | alpha_w^2, alpha_h^2) = sw2 E[phi(sqrt(q) Z)^2] + sb2
    c         -> correlation c_{k,12}; P(c) = (sw2 C(c, q*, q*) + sb2) / q*  (lecture C~_{q*})
    chi1      -> chi_1 = sw2 E[phi'(sqrt(q*) Z)^2] = P'(1)
    a, b      -> the lecture's a = nu'(q*) and b = P'(c*); xi_q = -1/ln a, xi_c = -1/ln b

Public API (also used by the finite-width simulations):

* :func:`solve_qstar` -- the stable fixed point q* of the q-map over arrays of (sw2, sb2), with the
  map's slope nu'(q*) (stability: < 1), iterations used per point and a convergence flag
  (:class:`FixedPointResult`).  The ordered phase's q* = 0 is a value, not an error.
* :func:`correlation_map` -- ``c_next, slope = correlation_map(act, c, sw2, sb2)``: one step of the
  correlation map P at q* (or at a given q) and its derivative dP/dc; iterate it to follow c_l.
* :func:`solve_cstar` -- the stable fixed point c* of P (c* = 1 when chi1 <= 1, else the unique
  c* in [0, 1) of Observation 1 of ICLR 2022) and its slope b.
* kernels behind the registered formula ids ``meanfield.*.erf|tanh``, ``layernorm.critical_ratio.*``,
  ``meanfield.critical_sw2.relu`` and ``saxe.q_infinity`` (each with a ``*_torch`` twin).

Solver: Newton's method on g(x) = map(x) - x, safeguarded by a bracket [lo, hi] that always holds
the wanted root (a step leaving the bracket, or a non-negative slope, becomes a bisection).  For
the q-map the functions are concave (tanh, erf), so Newton started at the upper end of the bracket
converges monotonically and quadratically; near a transition (nu'(q*) -> 1) it still converges,
only with more steps, unlike plain iteration whose rate -ln nu'(q*) tends to 0.  Every solve reports
the iterations used per point; a point that does not converge within ``max_iter`` is reported
(:meth:`FixedPointResult.raise_if_diverged` names how many points and the first one).

Accuracy: q* is a root of nu(q) - q, so its relative error is about eps_nu / |1 - nu'(q*)| with
eps_nu ~ 1e-16 the relative accuracy of the quadrature (numeric/gaussian.py); it grows near the
transition like 1/|1 - chi1|, as for any method.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from theorycheck.numeric import validate as _v
from theorycheck.numeric.validate import DomainError
from theorycheck.numeric.backend import backend_for, twin_kernels
from theorycheck.numeric.gaussian import NUMPY, QuadratureTooLarge, Tanh, expect2_sym_with, expect_with, torch_backend

__all__ = [
    "FixedPointError", "FixedPointResult", "ACTIVATIONS",
    "qmap", "qmap_slope", "solve_qstar", "correlation_map", "solve_cstar",
    "qstar_erf", "qstar_erf_torch", "qstar_tanh", "qstar_tanh_torch",
    "chi1_erf", "chi1_erf_torch", "chi1_tanh", "chi1_tanh_torch",
    "xi_q_erf", "xi_q_erf_torch", "xi_q_tanh", "xi_q_tanh_torch",
    "xi_c_erf", "xi_c_erf_torch", "xi_c_tanh", "xi_c_tanh_torch",
    "critical_sw2_relu", "critical_sw2_relu_torch", "critical_sw2_erf", "critical_sw2_erf_torch",
    "critical_sw2_tanh", "critical_sw2_tanh_torch",
    "critical_ratio_relu", "critical_ratio_relu_torch",
    "critical_ratio_leaky_relu", "critical_ratio_leaky_relu_torch",
    "critical_ratio_erf", "critical_ratio_erf_torch", "critical_ratio_tanh", "critical_ratio_tanh_torch",
    "q_infinity", "q_infinity_torch", "bracketed_fixed_point", "correlation_trajectory",
]

ACTIVATIONS = ("relu", "leaky_relu", "erf", "tanh")
# phi'(0)^2: the slope of nu at q = 0 is sw2 phi'(0)^2 (erf: (2/sqrt(pi))^2, tanh: 1)
DPHI0_SQ = {"erf": 4 / math.pi, "tanh": 1.0}
# The registry constraint of meanfield.xi_c.{erf,tanh} (symbolic/meanfield.py): at sb2 = 0, q* = 0 exactly when
# nu'(0) = sw2 phi'(0)^2 <= 1, i.e. sw2 <= pi/4 (erf), sw2 <= 1 (tanh).  float(pi/4) lies below pi/4, so for a
# double sw2 the test sw2 > float(pi/4) is the exact sw2 > pi/4.  The text and message repeat the registry's
# (numeric does not import symbolic); tests/test_formula_registry.py checks that this error carries them.
ORDER_EDGE = {"erf": math.pi / 4, "tanh": 1.0}
XI_C_ORDERED_TEXT = {"erf": "(sb2 > 0) | (sw2 > pi/4)", "tanh": "(sb2 > 0) | (sw2 > 1)"}
XI_C_ORDERED_MSG = ("sb2 = 0 in the ordered phase gives q* = 0, where c_l does not relax geometrically to a "
                    "fixed point (ReLU: 1 - c_l ~ 1/l^2; tanh: c_l freezes at a start-dependent value), so no "
                    "finite correlation depth scale xi_c exists")
_TOL = 4 * 2.0**-52
MAX_ITER = 200


class FixedPointError(DomainError):
    """A fixed point does not exist, or the solver did not converge (the message says which)."""


@dataclass
class FixedPointResult:
    """Fixed points over a grid: ``value`` (q* or c*), ``slope`` (the map's derivative there:
    stable when < 1), ``iterations`` (Newton steps used per point), ``converged`` (bool array)."""

    value: object
    slope: object
    iterations: object
    converged: object
    what: str = "fixed point"
    slope_minus_one: object = None  # slope - 1 without cancellation where the solver has it (else None)

    def report(self) -> str:
        conv = np.asarray(_np(self.converged))
        it = np.asarray(_np(self.iterations))
        n = conv.size
        bad = int((~conv).sum())
        med = float(np.median(it)) if n else 0.0
        mx = int(it.max()) if n else 0
        return (f"{self.what}: {n - bad}/{n} points converged; iterations median {med:g}, max {mx}"
                + (f"; {bad} did NOT converge" if bad else ""))

    def raise_if_diverged(self, fid: str = "") -> "FixedPointResult":
        conv = np.asarray(_np(self.converged))
        if not conv.all():
            i = np.unravel_index(int(np.argmin(conv)), conv.shape) if conv.ndim else ()
            raise FixedPointError(f"{fid or self.what}: {self.report()} (first at index {tuple(int(j) for j in i)})")
        return self


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


# ----------------------------------------------------------------------------------------------
# Per-activation maps.  C(c; q) is E[phi(u1) phi(u2)] with both variances q and correlation c;
# D(c; q) = E[phi'(u1) phi'(u2)] is its c-derivative divided by q (Price/Stein).
def _arccos_J(B, c):
    """(sqrt(1-c^2) + (pi - arccos c) c) / (2 pi) and (pi - arccos c)/(2 pi), the ReLU kernels."""
    c = B.where(c > 1, 1.0 + 0 * c, B.where(c < -1, -1.0 + 0 * c, c))
    s = B.sqrt(B.where(1 - c * c > 0, 1 - c * c, 0 * c))
    th = math.pi / 2 + B.asin(c)  # = pi - arccos(c)
    return (s + th * c) / (2 * math.pi), th / (2 * math.pi)


class Activation:
    """Gaussian maps of one activation in one backend: nu, nu', C, D."""

    def __init__(self, act, B, a=None):
        if act not in ACTIVATIONS:
            raise DomainError(f"activation {act!r} is not one of {ACTIVATIONS}")
        self.act, self.B, self.a = act, B, a
        self.T = Tanh(B)

    def kappa(self, q):
        """E[phi'(Z)^2] = E[phi(Z)^2] of the positively homogeneous ReLU family: 1/2, (1 + a^2)/2."""
        return (0.5 if self.act == "relu" else (1 + self.a * self.a) / 2) + 0 * q

    def m2(self, q):
        """E[phi(sqrt(q) Z)^2]."""
        B, a = self.B, self.a
        if self.act == "relu":
            return q / 2
        if self.act == "leaky_relu":
            return q * (1 + a * a) / 2
        if self.act == "erf":
            # arcsin(2q/(1+2q)) = arctan(2q/sqrt(1+4q)): the arcsine argument rounds near 1 at large q
            # (critical_sw2.erf lost 8 digits there), the arctangent form keeps relative accuracy.
            return (2 / math.pi) * B.atan(2 * q / B.sqrt(1 + 4 * q))
        return expect_with(B, self.T.f2, q)

    def m2_minus_q(self, q):
        """E[phi(sqrt(q) Z)^2] - q for tanh, without cancellation at small q (it is -2 q^2 + O(q^3))."""
        return expect_with(self.B, self.T.f2_minus_x2, q)

    def dm2_minus_1(self, q):
        """d/dq E[tanh(sqrt(q) Z)^2] - 1 = E[t^2 (3 t^2 - 4)], t = tanh(sqrt(q) Z) (no cancellation)."""
        B = self.B
        return expect_with(B, lambda x: (lambda t2: t2 * (3 * t2 - 4))(B.tanh(x) ** 2), q)

    def d1sq_minus_1(self, q):
        """E[tanh'(sqrt(q) Z)^2] - 1 = E[t^2 (t^2 - 2)] (no cancellation at small q)."""
        B = self.B
        return expect_with(B, lambda x: (lambda t2: t2 * (t2 - 2))(B.tanh(x) ** 2), q)

    def dm2(self, q):
        """d/dq E[phi(sqrt(q) Z)^2] = E[phi'^2 + phi phi''] (heat equation / Stein)."""
        B = self.B
        if self.act in ("relu", "leaky_relu"):
            return self.kappa(q)
        if self.act == "erf":
            return 4 / (math.pi * (1 + 2 * q)) / B.sqrt(1 + 4 * q)  # two divisions: no overflow at large q
        return expect_with(B, lambda x: (lambda t: (1 - t * t) * (1 - 3 * t * t))(B.tanh(x)), q)

    def log_dm2(self, q):
        """ln dm2(q), formed in log space for erf (dm2 ~ q^(-3/2) underflows past q ~ 1e205)."""
        B = self.B
        if self.act == "erf":
            return math.log(4 / math.pi) - B.log1p(2 * q) - 0.5 * B.log1p(4 * q)
        return B.log(self.dm2(q))

    def log_d1sq(self, q):
        """ln d1sq(q), formed in log space for erf."""
        B = self.B
        if self.act == "erf":
            return math.log(4 / math.pi) - 0.5 * B.log1p(4 * q)
        return B.log(self.d1sq(q))

    def d1sq(self, q):
        """E[phi'(sqrt(q) Z)^2] (chi1 / sw2)."""
        B = self.B
        if self.act in ("relu", "leaky_relu"):
            return self.kappa(q)
        if self.act == "erf":
            return 4 / (math.pi * B.sqrt(1 + 4 * q))
        return expect_with(B, self.T.d1sq, q)

    def sup2(self):
        """sup phi^2 (bounded activations) or None."""
        return 1.0 if self.act in ("erf", "tanh") else None

    def C(self, c, q):
        B, a = self.B, self.a
        if self.act in ("relu", "leaky_relu"):
            J, _ = _arccos_J(B, c)
            if self.act == "relu":
                return q * J
            return q * (a * c + (1 - a) ** 2 * J)
        if self.act == "erf":
            return (2 / math.pi) * B.asin(2 * q * c / (1 + 2 * q))
        return expect2_sym_with(B, self.T.f, -1.0, c, q, q)

    def D(self, c, q):
        B, a = self.B, self.a
        if self.act in ("relu", "leaky_relu"):
            _, K = _arccos_J(B, c)
            if self.act == "relu":
                return K
            return a + (1 - a) ** 2 * K
        if self.act == "erf":
            # (1+2q)^2 - (2qc)^2 factored: no cancellation near c = 1 (it gave 0, then 4/0, at q = 3e108)
            # and no overflow of the squares at large q
            return 4 / (math.pi * B.sqrt(1 + 2 * q * (1 - c)) * B.sqrt(1 + 2 * q * (1 + c)))
        return expect2_sym_with(B, self.T.d1, 1.0, c, q, q)


# ----------------------------------------------------------------------------------------------
# The bracketed Newton solver
def _newton(B, fun, lo, hi, x0, max_iter=MAX_ITER, tol=_TOL, scale=0.0):
    """Solve fun(x) = 0 elementwise, the root in [lo, hi] with fun > 0 left of it and < 0 right.

    ``fun(x, idx)`` returns (g, dg) or (g, dg, err) at the points ``idx`` (a boolean mask), ``err`` an
    absolute bound on the rounding error of g (default 8 eps (|x| + scale)).  Returns
    (x, iterations, converged).  Each point's iterates depend only on its own values (no batch coupling).
    """
    x = B.copy(x0)
    lo, hi = B.copy(lo), B.copy(hi)
    it = 0 * x
    done = x != x  # all False
    active = ~done
    for _ in range(max_iter):
        if not bool(active.any()):
            break
        xa, loa, hia = x[active], lo[active], hi[active]
        out = fun(xa, active)
        g, dg = out[0], out[1]
        err = out[2] if len(out) > 2 else 2 * tol * (abs(xa) + scale)
        left = g > 0
        loa = B.where(left, xa, loa)
        hia = B.where(left, hia, xa)
        step = g / B.where(dg != 0, dg, -1.0 + 0 * dg)
        xn = xa - step
        bad = ~B.isfinite(xn) | (xn < loa) | (xn > hia) | (dg >= 0)
        xn = B.where(bad, (loa + hia) / 2, xn)
        # Stop at the rounding floor: g is computed with an absolute error ~ 8 eps max(|x|, scale),
        # so Newton steps below that error over |g'| are noise (this is what limits the accuracy
        # near a transition, where |g'| -> 0).
        floor = tol * abs(xn) + err / B.where(dg != 0, abs(dg), 1.0 + 0 * dg)
        conv = (g == 0) | (abs(xn - xa) <= floor) | (hia - loa <= tol * abs(hia))
        x[active], lo[active], hi[active] = B.where(g == 0, xa, xn), loa, hia
        it[active] = it[active] + 1
        newly = active.clone() if hasattr(active, "clone") else active.copy()
        newly[active] = conv
        done = done | newly
        active = ~done
    return x, it, done


def _bcast(B, *xs):
    xs = [B.asarray(x) for x in xs]
    if B.name == "numpy":
        return [np.array(x) for x in np.broadcast_arrays(*xs)]
    return [x.clone() for x in B.t.broadcast_tensors(*xs)]


def _solve_qstar(act, B, sw2, sb2, a=None, max_iter=MAX_ITER):
    A = Activation(act, B, a)
    sw2, sb2 = _bcast(B, sw2, sb2)
    if a is not None:
        A.a = _bcast(B, a, sw2)[0]
    shape = sw2.shape
    sw2, sb2 = sw2.reshape(-1), sb2.reshape(-1)
    if A.a is not None:
        A.a = A.a.reshape(-1)
    zero = 0 * sw2
    slope0 = sw2 * A.d1sq(zero)  # nu'(0) = sw2 phi'(0)^2 ... (relu-type: sw2 (1+a^2)/2)
    if act in ("relu", "leaky_relu"):
        k = A.d1sq(zero)  # nu is linear: nu(q) = sw2 k q + sb2
        ok = sw2 * k < 1
        if not bool(ok.all()):
            i = int((~ok).nonzero()[0][0]) if B.name == "numpy" else int((~ok).nonzero()[0, 0])
            raise FixedPointError(
                f"meanfield.qstar.{act}: no finite fixed point at sw2={float(sw2[i])!r}, sb2={float(sb2[i])!r}: "
                f"the q-map is linear with slope sw2 (1+a^2)/2 = {float((sw2 * k)[i])!r} >= 1, so q_l grows "
                "without bound (or, at slope 1 and sb2 = 0, every q is fixed)")
        q = sb2 / (1 - sw2 * k)
        res = FixedPointResult(q.reshape(shape), (sw2 * k).reshape(shape), (0 * q).reshape(shape),
                               (q == q).reshape(shape), f"q* ({act})", (sw2 * k - 1).reshape(shape))
        return res
    # bounded activations: root in [lo, hi] with hi = sb2 + sw2 sup phi^2
    is_zero = (sb2 == 0) & (slope0 <= 1)
    lo = zero.clone() if hasattr(zero, "clone") else zero.copy()
    hi = sb2 + sw2 * A.sup2()

    if act == "tanh":
        # g(x) = sw2 (E[tanh^2] - x) + (sw2 - 1) x + sb2: near q* -> 0 the terms nu(x) - x cancel to
        # O(x^2) (x = 7e-21 at sw2 = 1, sb2 = 1e-40), so E[tanh^2] - x is computed as one quadrature of
        # tanh^2 - x^2 (relative accuracy eps) and the rounding bound err follows the terms' sizes.
        def fun(x, idx):
            s, b = sw2[idx], sb2[idx]
            h = A.m2_minus_q(x)
            g = s * h + (s - 1) * x + b
            dg = s * A.dm2_minus_1(x) + (s - 1)
            err = 8 * _TOL * (s * abs(h) + abs(s - 1) * x + b)
            return g, dg, err
    else:
        def fun(x, idx):
            s, b = sw2[idx], sb2[idx]
            g = s * A.m2(x) + b - x
            dg = s * A.dm2(x) - 1
            return g, dg

    x0 = hi
    if act == "tanh":
        # Start right of the root but close to it: twice the root of the quadratic model
        # -2 sw2 x^2 + (sw2 - 1) x + sb2 (m2(x) - x = -2x^2 + O(x^3)), kept when g < 0 there.  Newton from
        # hi = sb2 + sw2 would only halve x per step where g ~ sb2 - 2x^2 (500 steps down to 1e-150).
        a2, b1 = 2 * sw2, sw2 - 1
        root_d = B.sqrt(b1 * b1 + 4 * a2 * sb2)
        den = B.where(b1 >= 0, 2 * a2 + 0 * b1, root_d - b1)
        num = B.where(b1 >= 0, b1 + root_d, 2 * sb2)
        ok = (den > 0) & (num > 0) & ~is_zero
        x1 = B.where(ok, 2 * num / B.where(den > 0, den, 1.0 + 0 * den), hi)
        x1 = B.where(x1 < hi, x1, hi)
        g1 = fun(x1, x1 == x1)[0]
        use = ok & (g1 < 0)
        hi = B.where(use, x1, hi)
        x0 = hi
    q, it, conv = _newton(B, fun, lo, hi, x0, max_iter=max_iter)
    q = B.where(is_zero, zero, q)
    it = B.where(is_zero, zero, it)
    conv = conv | is_zero
    slope_m1 = sw2 * A.dm2_minus_1(q) + (sw2 - 1) if act == "tanh" else sw2 * A.dm2(q) - 1
    return FixedPointResult(q.reshape(shape), (1 + slope_m1).reshape(shape), it.reshape(shape),
                            conv.reshape(shape), f"q* ({act})", slope_m1.reshape(shape))


def _check_sw_sb(fid, sw2, sb2):
    _v.check_param(fid, "sw2", sw2, 0.0, None, True, True, False)
    _v.check_param(fid, "sb2", sb2, 0.0, None, False, True, False)


def solve_qstar(act: str, sw2, sb2, a=None, backend: str = "numpy", max_iter: int = MAX_ITER) -> FixedPointResult:
    """Stable fixed point q* of nu(q) = sw2 E[phi(sqrt(q) Z)^2] + sb2 over arrays of (sw2, sb2).

    Source: Yarotsky's lecture, "Fixed points" (exercise: tanh has a stable q* != 0); Saxe et al.
    2013 supp. G eq. (49).  ``act`` in relu, leaky_relu (slope ``a``), erf, tanh.  Returns a
    :class:`FixedPointResult` (value q*, slope nu'(q*), iterations, converged).  q* = 0 (sb2 = 0 in
    the ordered phase, nu'(0) <= 1) is returned as a value.  relu/leaky_relu with
    sw2 (1 + a^2)/2 >= 1 have no finite fixed point: FixedPointError.
    """
    B = backend_for(backend, sw2, sb2)
    sw2, sb2 = B.asarray(sw2), B.asarray(sb2)
    _check_sw_sb(f"solve_qstar({act})", sw2, sb2)
    if act == "leaky_relu":
        if a is None:
            raise DomainError("solve_qstar(leaky_relu): the negative slope a is required")
        a = B.asarray(a)
        _v.check_param("solve_qstar(leaky_relu)", "a", a, 0.0, 1.0, False, False, False)
    elif act == "relu":
        a = None
    return _solve_qstar(act, B, sw2, sb2, a if act == "leaky_relu" else None, max_iter)


def qmap(act: str, q, sw2, sb2, a=None, backend: str = "numpy"):
    """nu(q) = sw2 E[phi(sqrt(q) Z)^2] + sb2 (one step of the length map)."""
    B = backend_for(backend, q, sw2, sb2)
    q, sw2, sb2 = B.asarray(q), B.asarray(sw2), B.asarray(sb2)
    _v.check_param("qmap", "q", q, 0.0, None, False, True, False)
    _check_sw_sb("qmap", sw2, sb2)
    A = Activation(act, B, None if a is None else B.asarray(a))
    return sw2 * A.m2(q) + sb2


def qmap_slope(act: str, q, sw2, a=None, backend: str = "numpy"):
    """nu'(q) = sw2 E[phi'(sqrt(q) Z)^2 + phi phi''] (the lecture's a at q = q*)."""
    B = backend_for(backend, q, sw2)
    q, sw2 = B.asarray(q), B.asarray(sw2)
    A = Activation(act, B, None if a is None else B.asarray(a))
    return sw2 * A.dm2(q)


def correlation_map(act: str, c, sw2, sb2, q=None, a=None, backend: str = "numpy"):
    """One step of the correlation map and its slope: ``(c_next, dc_next/dc)``.

    c_next = P(c) = (sw2 C(c; q, q) + sb2) / q with C(c; q, q) = E[phi(u1) phi(u2)], u1, u2 of
    variance q and correlation c, and dP/dc = sw2 E[phi'(u1) phi'(u2)] (the lecture's b; at c = 1
    it is chi1).  ``q`` defaults to q* (:func:`solve_qstar`), where P is the lecture's C~_{q*} and
    ICLR 2022's P of eq. (2.3) with the variances at their fixed point.  Broadcasts over arrays.
    c_next is clipped to [-1, 1] (rounding can otherwise put P(1) one ulp above 1).
    Source: Yarotsky's lecture, "Evolution of correlations near a fixed point"; ICLR 2022 eq. (2.3).
    """
    B = backend_for(backend, c, sw2, sb2)
    c, sw2, sb2 = B.asarray(c), B.asarray(sw2), B.asarray(sb2)
    _v.check_param("correlation_map", "c", c, -1.0, 1.0, False, False, False)
    _check_sw_sb("correlation_map", sw2, sb2)
    if q is None:
        q = solve_qstar(act, sw2, sb2, a=a, backend=backend).raise_if_diverged().value
    q = B.asarray(q)
    _v.check_param("correlation_map", "q", q, 0.0, None, True, True, False)
    A = Activation(act, B, None if a is None else B.asarray(a))
    c_next = (sw2 * A.C(c, q) + sb2) / q
    # The exact map sends [-1, 1] into [-1, 1] (Cauchy-Schwarz; P(1) = nu(q*)/q* = 1); rounding can put
    # c_next an ulp outside, which would make the next call a domain error: clip (documented).
    c_next = B.where(c_next > 1, 1.0 + 0 * c_next, B.where(c_next < -1, -1.0 + 0 * c_next, c_next))
    return c_next, sw2 * A.D(c, q)


def solve_cstar(act: str, sw2, sb2, a=None, backend: str = "numpy", max_iter: int = MAX_ITER) -> FixedPointResult:
    """Stable fixed point c* of the correlation map P at q*, and its slope b = P'(c*).

    c* = 1 with b = chi1 when chi1 <= 1 (ordered/critical); otherwise (chaotic) the unique root of
    P(c) = c in [0, 1) -- P is convex with P(0) >= 0 (ICLR 2022, Observation 1), so Newton from
    c = 0 increases monotonically to it.  Source: Yarotsky's lecture, depth scales; ICLR 2022 sec. 2.2.
    """
    B = backend_for(backend, sw2, sb2)
    qs = solve_qstar(act, sw2, sb2, a=a, backend=backend, max_iter=max_iter).raise_if_diverged()
    sw2, sb2, q = _bcast(B, sw2, sb2, qs.value)
    shape = q.shape
    sw2, sb2, q = sw2.reshape(-1), sb2.reshape(-1), q.reshape(-1)
    av = None if a is None else _bcast(B, a, q)[0].reshape(-1)
    if bool((q == 0).any()):
        # q* = 0: the signal dies; correlations of a vanishing signal tend to 1 (ordered phase).
        pass
    A = Activation(act, B, av)
    qpos = B.where(q > 0, q, 1.0 + 0 * q)
    chi1 = sw2 * A.d1sq(q)
    chaotic = (chi1 > 1) & (q > 0)
    cstar = 1.0 + 0 * q
    it = 0 * q
    conv = q == q
    if bool(chaotic.any()):
        idxs = chaotic
        s, b, qq = sw2[idxs], sb2[idxs], qpos[idxs]
        A2 = Activation(act, B, None if av is None else av[idxs])

        def fun(x, idx):
            A2i = Activation(act, B, None if A2.a is None else A2.a[idx])
            P = (s[idx] * A2i.C(x, qq[idx]) + b[idx]) / qq[idx]
            dP = s[idx] * A2i.D(x, qq[idx])
            return P - x, dP - 1

        lo = 0 * qq
        hi = 1.0 + 0 * qq
        x, itc, cv = _newton(B, fun, lo, hi, lo, max_iter=max_iter, scale=1.0)
        cstar[idxs], it[idxs], conv[idxs] = x, itc, cv
    chi1_m1 = sw2 * A.d1sq_minus_1(q) + (sw2 - 1) if act == "tanh" else chi1 - 1
    slope_m1 = B.where(chaotic, sw2 * A.D(cstar, qpos) - 1, chi1_m1)
    return FixedPointResult(cstar.reshape(shape), (1 + slope_m1).reshape(shape), it.reshape(shape),
                            conv.reshape(shape), f"c* ({act})", slope_m1.reshape(shape))


# ----------------------------------------------------------------------------------------------
# Kernels behind registered formula ids.  Each public ``<what>_<act>`` (NumPy) and ``<what>_<act>_torch``
# pair is made by :func:`_kernel_pair` from one implementation ``_<what>(fid, act, B, *args)``.
def _kernel_pair(what, act, impl, doc, names=("sw2", "sb2"), fid=None):
    fid = fid or f"meanfield.{what}.{act}"
    return twin_kernels(f"{what}_{act}", names, lambda B, *args: _guarded(fid, names, impl, act, B, *args),
                        doc, __name__)


def _guarded(fid, names, impl, act, B, *args):
    """Run a kernel: a refused quadrature (bounded work) is re-raised naming the formula id, and a
    non-finite value (float64 overflow of an intermediate) is a DomainError, never returned."""
    try:
        out = impl(fid, act, B, *args)
    except QuadratureTooLarge as e:
        raise QuadratureTooLarge(f"{fid}: {e}") from None
    return _v.finite(fid, out, {n: B.asarray(a) for n, a in zip(names, args)})


def _qstar_k(fid, act, B, sw2, sb2):
    sw2, sb2 = B.asarray(sw2), B.asarray(sb2)
    _check_sw_sb(fid, sw2, sb2)
    return _solve_qstar(act, B, sw2, sb2).raise_if_diverged(fid).value


def _chi1_k(fid, act, B, sw2, sb2):
    sw2, sb2 = B.asarray(sw2), B.asarray(sb2)
    _check_sw_sb(fid, sw2, sb2)
    q = _solve_qstar(act, B, sw2, sb2).raise_if_diverged(fid).value
    return sw2 * Activation(act, B).d1sq(q)


def _xi(fid, B, rate_m1, log_rate):
    """-1/ln(rate); refused at criticality (rate >= 1).

    ln(rate) is log1p(rate - 1) for rate >= 1/2 (no cancellation near criticality) and ``log_rate``
    below, which the caller forms as ln sw2 + ln E[...]: the rate sw2 E[...] itself leaves the float64
    range at tiny sw2 (sw2 = 1.1e-263, q* = 3.09e108: chi1.erf = 4e-318 is subnormal, nu'(q*) underflows
    to 0, and -1/ln gave 0.0 instead of 1.4e-3).
    """
    r = _np(rate_m1)
    bad = ~(r < 0)
    if bad.any():
        i = np.unravel_index(int(np.argmax(bad)), r.shape) if r.ndim else ()
        raise FixedPointError(f"{fid}: the linearized rate is 1 + {float(r[i] if r.ndim else r)!r} >= 1 (at "
                              f"index {tuple(int(j) for j in i)}): criticality, where the depth scale is "
                              "infinite (the convergence is polynomial, not exponential)")
    near = rate_m1 >= -0.5
    return -1.0 / B.where(near, B.log1p(B.where(near, rate_m1, 0 * rate_m1)), log_rate)


def _xi_q_k(fid, act, B, sw2, sb2):
    sw2, sb2 = B.asarray(sw2), B.asarray(sb2)
    _check_sw_sb(fid, sw2, sb2)
    res = _solve_qstar(act, B, sw2, sb2).raise_if_diverged(fid)
    q = res.value
    sw2 = _bcast(B, sw2, q)[0]
    return _xi(fid, B, res.slope_minus_one, B.log(sw2) + Activation(act, B).log_dm2(q))


def _xi_c_k(fid, act, B, sw2, sb2):
    sw2, sb2 = _bcast(B, sw2, sb2)
    _check_sw_sb(fid, sw2, sb2)
    backend = B.name
    _v.check_constraint(fid, XI_C_ORDERED_TEXT[act], XI_C_ORDERED_MSG, (sb2 > 0) | (sw2 > ORDER_EDGE[act]),
                        {"sw2": sw2, "sb2": sb2})
    res = solve_cstar(act, sw2, sb2, backend=backend).raise_if_diverged(fid)
    # b = chi1 = sw2 d1sq(q*) where c* = 1 (the log form applies); in the chaotic phase b is P'(c*) of the
    # solver, a number in (0, 1) that is not formed from a vanishing sw2 (chi1 > 1 there)
    q = _solve_qstar(act, B, sw2, sb2).value
    log_chi1 = B.log(sw2) + Activation(act, B).log_d1sq(q)
    near = res.slope_minus_one
    log_b = B.where(log_chi1 > 0, B.log1p(B.where(log_chi1 > 0, near, 0 * near)), log_chi1)
    return _xi(fid, B, near, log_b)


_DOCS = {
    "qstar": {"erf": "q* for erf (Yarotsky's lecture; nu(q) = sw2 (2/pi) arcsin(2q/(1+2q)) + sb2).",
              "tanh": "q* for tanh (Yarotsky's lecture exercise; Saxe et al. 2013 supp. G eq. (49) when sb2 = 0).\n\n"
                      "Accurate domain: relative accuracy ~1e-15 down to q* ~ 1e-300 (nu(q) - q is formed without "
                      "cancellation); the quadrature refuses q* or sb2 + sw2 above ~3.3e9 (bounded work)."},
    "chi1": {"erf": "chi1 = sw2 E[erf'(sqrt(q*) Z)^2] = sw2 (4/pi) / sqrt(1 + 4 q*).",
             "tanh": "chi1 = sw2 E[tanh'(sqrt(q*) Z)^2] (Yarotsky's lecture); refused above sb2 + sw2 ~ 3.3e9."},
    "xi_q": {"erf": "xi_q = -1/ln a, a = nu'(q*) = chi1 + sw2 E[phi'' phi] (Yarotsky's lecture, depth scales).",
             "tanh": "xi_q = -1/ln a for tanh, a - 1 formed without cancellation at tiny q*."},
    "xi_c": {"erf": "xi_c = -1/ln b, b = P'(c*) at the stable correlation fixed point (Yarotsky's lecture).\n\n"
                    "Refused (DomainError) at sb2 = 0 in the ordered phase (q* = 0), where no depth scale exists.",
             "tanh": "xi_c = -1/ln b for tanh; refused at sb2 = 0 in the ordered phase (q* = 0)."},
}
qstar_erf, qstar_erf_torch = _kernel_pair("qstar", "erf", _qstar_k, _DOCS["qstar"]["erf"])
qstar_tanh, qstar_tanh_torch = _kernel_pair("qstar", "tanh", _qstar_k, _DOCS["qstar"]["tanh"])
chi1_erf, chi1_erf_torch = _kernel_pair("chi1", "erf", _chi1_k, _DOCS["chi1"]["erf"])
chi1_tanh, chi1_tanh_torch = _kernel_pair("chi1", "tanh", _chi1_k, _DOCS["chi1"]["tanh"])
xi_q_erf, xi_q_erf_torch = _kernel_pair("xi_q", "erf", _xi_q_k, _DOCS["xi_q"]["erf"])
xi_q_tanh, xi_q_tanh_torch = _kernel_pair("xi_q", "tanh", _xi_q_k, _DOCS["xi_q"]["tanh"])
xi_c_erf, xi_c_erf_torch = _kernel_pair("xi_c", "erf", _xi_c_k, _DOCS["xi_c"]["erf"])
xi_c_tanh, xi_c_tanh_torch = _kernel_pair("xi_c", "tanh", _xi_c_k, _DOCS["xi_c"]["tanh"])


# critical sw2: chi1(q*(sw2, sb2)) = 1.  Eliminating sw2 = 1 / E[phi'^2](q) leaves one equation in q,
# F(q) = q - m2(q) / d1sq(q) - sb2 = 0, with F increasing from F(0) = -sb2 (checked numerically in
# tests/test_meanfield.py); then sw2 = 1 / d1sq(q).  Since m2/d1sq > 0 the root exceeds sb2, so the
# bracket search starts at max(1, sb2) and doubles until F > 0 (it stopped after 64 doublings before,
# which capped q at 2^64 and printed 6746518852.26 for every sb2 >= ~1e20).
def _critical_sw2_k(fid, act, B, sb2, max_iter=MAX_ITER):
    sb2 = B.asarray(sb2)
    _v.check_param(fid, "sb2", sb2, 0.0, None, False, True, False)
    shape = sb2.shape
    b = sb2.reshape(-1)
    A = Activation(act, B)

    def parts(q):
        m2, d1 = A.m2(q), A.d1sq(q)
        if act == "erf":
            dm2 = A.dm2(q)
            # d/dq d1sq = d/dq (4/pi)(1+4q)^(-1/2) = -(8/pi)(1+4q)^(-3/2)
            dd1 = -(8 / math.pi) / (1 + 4 * q) / B.sqrt(1 + 4 * q)
        else:
            dm2 = A.dm2(q)
            # heat equation: d/dq E[f(sqrt q Z)] = E[f''] / 2, f = (1-t^2)^2, f'' = -4 (1-t^2)^2 (1 - 5 t^2)
            dd1 = expect_with(B, lambda x: (lambda t: -2 * (1 - t * t) ** 2 * (1 - 5 * t * t))(B.tanh(x)), q)
        return m2, d1, dm2, dd1

    def F_and_dF(x, bb):
        if act == "erf":
            # q - m2/d1 = sqrt(1+4q) (y - atan y)/2 with y = 2q/sqrt(1+4q) (m2 = (2/pi) atan y, q d1 = (2/pi) y):
            # a sum of non-negative terms, where q - m2/d1 = O(q^2) cancelled (4e-8 relative error in sw2
            # at sb2 = 1.6e-30 before); dF likewise, term by term.
            r = B.sqrt(1 + 4 * x)
            y = 2 * x / r
            yma = y_minus_atan(B, y)
            F = r * yma / 2 - bb
            dF = yma / r + (y * y / (1 + y * y)) * (1 + 2 * x) / (1 + 4 * x)  # dy/dq = 2(1+2q)/r^3
            return F, dF, 8 * _TOL * (r * yma / 2 + bb)
        m2, d1, dm2, dd1 = parts(x)
        F = x - m2 / d1 - bb
        dF = 1 - (dm2 * d1 - m2 * dd1) / (d1 * d1)
        err = 2 * _TOL * (abs(x) + bb)
        if act == "tanh":
            # q - m2/d1 = (4/3) q^3 - 8 q^4 + ... cancels two orders at small q (sw2 was 4.6e-8 off at
            # sb2 = 1e-40): below q = 5e-4 use its Taylor series (_TANH_CRIT_SERIES), whose truncation
            # (~2.3e6 q^10 against (4/3) q^3) is below 1e-17 relative there.  Above, the quadrature form's
            # rounding ~8 eps q over F' ~ 4 q^2 moves sw2 ~ 1 + 2q by ~4 eps/q relative (<= 2e-12 at q = 5e-4,
            # 1e-13 at q = 1e-2; tests/test_meanfield.py), documented accuracy of critical_sw2_tanh.
            small = x < _TANH_CRIT_Q
            xs = B.where(small, x, 0 * x)
            Fs, dFs = 0 * x, 0 * x
            for k, c in reversed(list(enumerate(_TANH_CRIT_SERIES, start=3))):
                Fs = Fs * xs + c
                dFs = dFs * xs + k * c
            Fs, dFs = Fs * xs * xs * xs, dFs * xs * xs
            F = B.where(small, Fs - bb, F)
            dF = B.where(small, dFs, dF)
            err = B.where(small, 8 * _TOL * (abs(Fs) + bb), err)
        return F, dF, err

    hi = B.where(b > 1, b, 1.0 + 0 * b)
    while True:  # at most ~1100 doublings before float64 overflow; the quadrature refuses far earlier
        grow = F_and_dF(hi, b)[0] <= 0
        if not bool(grow.any()):
            break
        hi = B.where(grow, 2 * hi, hi)

    # F ~ (4/3) q^3 at small q (erf and tanh): start at twice that model's root when F > 0 there (right of
    # the root), else Newton from max(1, sb2) would shrink q by only 2/3 per step (570 steps to 1e-100).
    x1 = 2 * (0.75 * b) ** (1.0 / 3.0)
    use = (x1 < hi) & (b > 0)
    x1 = B.where(use, x1, hi)
    hi = B.where(use & (F_and_dF(x1, b)[0] > 0), x1, hi)

    def fun(x, idx):
        F, dF, err = F_and_dF(x, b[idx])
        return -F, -dF, err  # the solver wants g > 0 left of the root

    zero = 0 * b
    q, it, conv = _newton(B, fun, zero, hi, hi, max_iter=max_iter)
    q = B.where(b == 0, zero, q)
    conv = conv | (b == 0)
    FixedPointResult(q, q, it, conv, fid).raise_if_diverged(fid)
    # sb2 = 0: q = 0 and sw2 = 1/phi'(0)^2 exactly (the quadrature's weights sum to 1 only to an ulp)
    return B.where(b == 0, 1 / DPHI0_SQ[act] + zero, 1 / A.d1sq(q)).reshape(shape)


critical_sw2_erf, critical_sw2_erf_torch = _kernel_pair(
    "critical_sw2", "erf", _critical_sw2_k, names=("sb2",), doc=
    "sw2 on the critical line chi1 = 1 for erf (sw2 = pi/4 at sb2 = 0).\n\nAccurate domain: every sb2 >= 0 "
    "representable (closed-form maps in arctangent form); sw2 ~ (pi/2) sqrt(sb2) at large sb2.")
critical_sw2_tanh, critical_sw2_tanh_torch = _kernel_pair(
    "critical_sw2", "tanh", _critical_sw2_k, names=("sb2",), doc=
    "sw2 on the critical line chi1 = 1 for tanh (sw2 = 1 at sb2 = 0).\n\nAccurate domain: sb2 up to ~3e9 "
    "(the critical q then stays within the quadrature's bounded-work domain); larger sb2 is refused "
    "(QuadratureTooLarge, a DomainError) -- use the mpmath backend.")


# Taylor coefficients of q - E[tanh(sqrt(q) Z)^2] / E[tanh'(sqrt(q) Z)^2] in q (q^3 .. q^9), exact rationals from
# the series of tanh^2 and sech^4 with E Z^(2k) = (2k-1)!! (sympy, reproduced in tests/test_meanfield.py).
_TANH_CRIT_SERIES = (4 / 3, -8.0, 748 / 15, -1048 / 3, 862088 / 315, -118288 / 5, 632349148 / 2835)
_TANH_CRIT_Q = 5e-4

# y - arctan(y) = sum_{n >= 1} (-1)^(n+1) y^(2n+1)/(2n+1): 28 terms below |y| = 1/2 (terms fall by y^2 <= 1/4,
# truncation < 1e-17 relative); above, the direct difference loses at most y/(y - atan y) <= 13 ulps.
_ATAN_COEFFS = [(-1) ** (n + 1) / (2 * n + 1) for n in range(1, 29)]


def y_minus_atan(B, y):
    """y - arctan(y) with relative accuracy ~ eps for every y (series below |y| = 1/2)."""
    small = abs(y) < 0.5
    ys = B.where(small, y, 0 * y)
    y2 = ys * ys
    poly = 0 * y + _ATAN_COEFFS[-1]
    for c in reversed(_ATAN_COEFFS[:-1]):
        poly = poly * y2 + c
    return B.where(small, ys * y2 * poly, y - B.atan(y))


def bracketed_fixed_point(P, lo, hi, x0, backend: str = "numpy", max_iter: int = MAX_ITER) -> FixedPointResult:
    """Fixed point x = P(x) in [lo, hi] by the safeguarded Newton method of this module.

    ``P(x)`` returns ``(P(x), P'(x))`` for an array x, elementwise (it is called on the subset of points
    still iterating, so its parameters must be scalars or closed over per point).  Requires P(x) > x left of the fixed
    point and P(x) < x right of it inside the bracket (e.g. a convex P with P(lo) >= lo and an attracting
    fixed point, as the correlation map of ICLR 2022 Observation 1).  Returns a :class:`FixedPointResult`
    (value, slope P'(x*), iterations, converged); call ``.raise_if_diverged()`` to insist.
    """
    B = backend_for(backend, lo, hi, x0)
    lo, hi, x0 = _bcast(B, lo, hi, x0)
    shape = x0.shape
    lo, hi, x0 = lo.reshape(-1), hi.reshape(-1), x0.reshape(-1)

    def fun(x, idx):
        p, dp = P(x)
        return p - x, dp - 1

    x, it, conv = _newton(B, fun, lo, hi, x0, max_iter=max_iter, scale=float(_np(abs(hi)).max()) if hi.shape[0] else 0.0)
    slope = B.asarray(P(x)[1])
    return FixedPointResult(x.reshape(shape), slope.reshape(shape), it.reshape(shape), conv.reshape(shape),
                            "fixed point", (slope - 1).reshape(shape))


# layer-norm critical ratio sb2/sw2 = ||phi'||_N^2 - ||phi||_N^2 (ICLR 2022 eq. (2.3): P'(1) = 1).
# relu, leaky_relu and erf are closed forms generated from symbolic/meanfield.py; tanh by quadrature.
from theorycheck.numeric.generated.layernorm import (  # noqa: E402
    critical_ratio_erf, critical_ratio_erf_torch, critical_ratio_leaky_relu, critical_ratio_leaky_relu_torch,
    critical_ratio_relu, critical_ratio_relu_torch,
)
from theorycheck.numeric.generated.meanfield import critical_sw2_relu, critical_sw2_relu_torch  # noqa: E402


def critical_ratio_tanh():
    """E[tanh'(Z)^2] - E[tanh(Z)^2] by the trapezoid rule."""
    one = np.float64(1.0)
    return expect_with(NUMPY, Tanh(NUMPY).d1sq, one) - expect_with(NUMPY, Tanh(NUMPY).f2, one)


def critical_ratio_tanh_torch():
    B = torch_backend()
    one = B.asarray(1.0)
    return expect_with(B, Tanh(B).d1sq, one) - expect_with(B, Tanh(B).f2, one)


def _q_inf_k(fid, act, B, g):
    g = B.asarray(g)
    _v.check_param(fid, "g", g, 0.0, None, True, True, False)
    with np.errstate(over="ignore"):
        sw2 = g * g
    if not bool(B.isfinite(sw2).all()):
        # q_inf(g) = g^2 E[tanh(sqrt(q_inf) Z)^2] -> g^2 (1 - O(1/g)): where g^2 overflows, so does q_inf.
        bad = float(g.reshape(-1)[~B.isfinite(sw2).reshape(-1)][0])
        raise DomainError(f"{fid}: parameter 'g' = {bad!r}: g^2 overflows float64, and q_inf(g) ~ g^2 "
                          "is not representable (an overflow; use the mpmath backend)")
    return _solve_qstar("tanh", B, sw2, 0 * g).raise_if_diverged(fid).value


q_infinity, q_infinity_torch = _kernel_pair(
    "q_infinity", "tanh", _q_inf_k, names=("g",), fid="saxe.q_infinity",
    doc="Stable fixed point of Saxe et al. 2013 supp. G eq. (48), q = g^2 E[tanh(sqrt(q) Z)^2] (eq. 49): "
        "0 for g <= 1, positive for g > 1.\n\nAccurate domain: g up to ~5.7e4 (q_inf ~ g^2 within the "
        "quadrature's bounded work); larger g is refused (QuadratureTooLarge).")
q_infinity.__name__ = q_infinity.__qualname__ = "q_infinity"
q_infinity_torch.__name__ = q_infinity_torch.__qualname__ = "q_infinity_torch"


def correlation_trajectory(act: str, sw2, sb2, c0, depth: int, q0=1.0, a=None, backend: str = "numpy"):
    """Mean-field trajectory ``(q_l, c_l)``, l = 0..depth, of two inputs with length q0 and correlation c0.

    Iterates the length map and the covariance map jointly (Yarotsky's lecture, "Reduction to 1D
    dynamics" and "Evolution of correlations"): q_{l+1} = sw2 E[phi(sqrt(q_l) Z)^2] + sb2,
    k_{l+1} = sw2 C(c_l; q_l) + sb2, c_{l+1} = k_{l+1} / q_{l+1}; unlike :func:`correlation_map` it does
    not assume q_l = q*.  It shows why xi_c is refused at sb2 = 0 in the ordered phase: there q_l -> 0
    and c_l does not relax geometrically to a fixed point (ReLU: 1 - c_l ~ (9 pi^2 / 2) / l^2, a power
    law; tanh: c_l freezes at a value that depends on c0 instead of reaching c* = 1), so no correlation
    depth scale exists (tests/test_meanfield.py).  q_l decays like chi1^l there: keep depth such that
    q0 chi1^depth stays above the float64 underflow (else DomainError).
    Returns two arrays of shape (depth + 1,) + broadcast shape of the arguments.
    """
    B = backend_for(backend, sw2, sb2, c0, q0)
    sw2, sb2, c, q = _bcast(B, sw2, sb2, c0, q0)
    _check_sw_sb("correlation_trajectory", sw2, sb2)
    _v.check_param("correlation_trajectory", "c0", c, -1.0, 1.0, False, False, False)
    _v.check_param("correlation_trajectory", "q0", q, 0.0, None, True, True, False)
    if not (isinstance(depth, (int, np.integer)) and depth >= 0):
        raise DomainError(f"correlation_trajectory: parameter 'depth' = {depth!r} must be an integer >= 0")
    A = Activation(act, B, None if a is None else B.asarray(a))
    qs, cs = [q], [c]
    for _ in range(depth):
        k = sw2 * A.C(c, q) + sb2
        q = sw2 * A.m2(q) + sb2
        if not bool((q > 0).all()):
            raise DomainError(f"correlation_trajectory: q_l underflowed to 0 at layer {len(qs)} (float64); "
                              "use a smaller depth")
        c = k / q
        c = B.where(c > 1, 1.0 + 0 * c, B.where(c < -1, -1.0 + 0 * c, c))
        qs.append(q)
        cs.append(c)
    if B.name == "numpy":
        return np.stack(qs), np.stack(cs)
    return B.t.stack(qs), B.t.stack(cs)
