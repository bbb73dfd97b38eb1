"""Gaussian expectations of activations: fast, vectorized, float64, NumPy and Torch.

Source: ICLR 2022 submission "gradient explosion / representation shrinkage", section 2.1 and
Appendix B (normalized Hermite expansions, C[phi|rho], ||phi||_N); Yarotsky's lecture (the q-map
nu and the covariance map C).  Notation map (code -> paper):

    q, q1, q2   -> variances q_{k-1,11}, q_{k-1,22} of the preactivations (lecture)
    rho         -> correlation rho (ICLR) = c_{k-1,12} (lecture)
    cov(...)    -> E[phi(u1) phi(u2)], (u1, u2) centred Gaussian with variances q1, q2 and
                   correlation rho; at q1 = q2 = 1 this is C[phi|rho] of ICLR 2022 eq. (2.3)
    norm2       -> ||phi||_N^2 = C[phi|1]
    linerr2     -> ||phi - phi_bar||_N^2 with phi_bar = phi_0 + phi_1 x
    dnorm2      -> ||phi'||_N^2 = dC[phi|rho]/drho at rho = 1 (Stein's lemma)
    hermite_coeff(k) -> phi_k = E[phi(Z) h_k(Z)], h_k = He_k / sqrt(k!) (probabilists', normalized)

The quadrature rule (documented accuracy rule)
----------------------------------------------
Expectations over Z ~ N(0, 1) of f(s Z) for an f analytic in the strip |Im x| < d (tanh: d = pi/2,
its poles are at +-i pi/2) are computed with the **trapezoid rule on a uniform grid** z_j = j h,
|z_j| <= L, weights h exp(-z_j^2/2)/sqrt(2 pi).  For integrands analytic in |Im z| < d/s the
trapezoid error is bounded by 2 M exp(-2 pi (d/s) / h) / (1 - exp(...)) (Trefethen & Weideman,
SIAM Review 2014, Thm 5.1), where M bounds the integrand on the strip; the Gaussian factor adds at
most exp(d^2 / (2 s^2)) <= exp(pi^2/8) to M.  We take

    h = 2 pi (d / s) / ((D + 2) ln 10),      L = sqrt(2 (D + 2) ln 10)

with D = 17 digits by default, so both the discretization and the truncated tails are below
1e-19 of the integrand's scale.  The number of nodes is 2 L / h ~ 73 s + 1 per dimension for tanh
(s = 1: 73 nodes).  Gauss-Hermite (numpy.polynomial.hermite_e.hermegauss) converges at the same
geometric rate for such integrands but needs its nodes recomputed per size and its weights
underflow to NaN near 400 nodes; the trapezoid grid has closed-form nodes and works at any size.  It is
the transformed-variable trapezoid rule specialised to a Gaussian weight, whose super-
exponential decay needs no further change of variable.

Kinks: ReLU and leaky ReLU never go through quadrature here -- every quantity has a closed form
(registered in symbolic/gauss.py and generated into numeric/generated/), so a kink never costs
accuracy silently.  erf is also closed form everywhere (the covariance map is the arcsine form).

Two-dimensional expectations E[f(u1) g(u2)] are reduced by conditioning,
u1 = sqrt(q1) x, u2 = sqrt(q2) (rho x + sqrt(1 - rho^2) y), to a tensor-product trapezoid over
(x, y); for odd f and g the integrand is even under (x, y) -> (-x, -y) and only half the grid is
evaluated.

Torch twins (``*_torch``) run the same algorithm in float64 on the device of the first tensor
argument (CPU when none is a tensor).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import validate as _v
from theorycheck.numeric.backend import NUMPY, TorchBackend, torch_backend, twin_kernels  # noqa: F401
from theorycheck.numeric.validate import DomainError

__all__ = [
    "trapezoid_rule",
    "expect",
    "expect_torch",
    "expect2",
    "expect2_torch",
    "TANH",
    "hermite_coeff_relu", "hermite_coeff_relu_torch",
    "hermite_coeff_leaky_relu", "hermite_coeff_leaky_relu_torch",
    "hermite_coeff_erf", "hermite_coeff_erf_torch",
    "hermite_coeff_tanh", "hermite_coeff_tanh_torch",
    "norm2_relu", "norm2_relu_torch", "norm2_erf", "norm2_erf_torch", "norm2_tanh", "norm2_tanh_torch",
    "linerr2_relu", "linerr2_relu_torch", "linerr2_erf", "linerr2_erf_torch",
    "linerr2_tanh", "linerr2_tanh_torch",
    "dnorm2_relu", "dnorm2_relu_torch", "dnorm2_erf", "dnorm2_erf_torch",
    "dnorm2_tanh", "dnorm2_tanh_torch",
    "cov_tanh", "cov_tanh_torch", "dcov_tanh", "dcov_tanh_torch", "expect2_cost",
    "qmap_tanh", "qmap_tanh_torch",
    "expect_with", "expect2_with", "expect2_sym_with", "rule_size", "QuadratureTooLarge",
    "MAX_NODES_1D", "MAX_NODES_2D",
]

SQRT2PI = math.sqrt(2.0 * math.pi)
LN10 = math.log(10.0)
# tanh's nearest poles are at +-i pi/2.  The bound M of the integrand on the strip blows up like
# (pi/2 - d)^(-p) for a pole of order p (p = 4 for sech^4), so the rule uses d = 0.75 pi/2: measured
# against mpmath, d = pi/2 loses up to 3 digits on sech^4 (1.6e-13), d = 0.75 pi/2 keeps all.
TANH_STRIP = 0.75 * math.pi / 2
DEFAULT_DIGITS = 17
HERMITE_K_MAX_TANH = 40  # documented domain of hermite_coeff_tanh (see its docstring)


# ----------------------------------------------------------------------------------------------
# Backends: numeric.backend (re-exported here for callers of this module)


# ----------------------------------------------------------------------------------------------
# The trapezoid rule
def trapezoid_rule(scale: float = 1.0, strip: float = TANH_STRIP, digits: int = DEFAULT_DIGITS,
                   half: bool = False):
    """Nodes and weights (NumPy float64) with sum_j w_j f(z_j) = E[f(Z)], Z ~ N(0, 1).

    Accurate to about ``10**-digits`` (relative to the integrand's scale) for f(z) = F(scale * z)
    with F analytic in |Im x| < ``strip`` (see the module docstring for the error bound).
    ``half=True`` returns only the nodes z_j >= 0 with the weight of z_j > 0 doubled (for even
    integrands).
    """
    if not (scale > 0 and math.isfinite(scale)):
        raise DomainError(f"trapezoid_rule: scale = {scale!r} must be a positive finite number")
    if not (strip > 0):
        raise DomainError(f"trapezoid_rule: strip = {strip!r} must be positive")
    log_target = (digits + 2) * LN10
    h = 2.0 * math.pi * (strip / scale) / log_target
    h = min(h, 0.5)  # for tiny scales the rule is exact on polynomials-like integrands; keep a floor
    L = math.sqrt(2.0 * log_target)
    n = int(math.ceil(L / h))
    j = np.arange(0 if half else -n, n + 1, dtype=np.float64)
    z = j * h
    w = h * np.exp(-0.5 * z * z) / SQRT2PI
    if half:
        w[1:] *= 2.0
    return z, w


# Bounded work.  The rule needs ~73 sqrt(q) nodes per dimension (tanh), so float64 kernels refuse variances
# whose rule exceeds these per-point budgets instead of allocating without bound (gauss.cov.tanh at
# q = 1e6 asked for 23.7 GiB; critical_sw2.tanh at sb2 = 1e38 ran 83 s into a MemoryError).  1-D:
# 2^22 nodes (q up to ~3.3e9); 2-D (smoothed tables): 2^24 node pairs per point (q up to ~1.2e5 at
# rho = 1/2).  The mpmath backend has no such limit.
MAX_NODES_1D = 1 << 22
MAX_NODES_2D = 1 << 24


class QuadratureTooLarge(DomainError):
    """A Gaussian expectation whose trapezoid rule would exceed the per-point work budget."""


def rule_size(scale: float, digits: int = DEFAULT_DIGITS, half: bool = False) -> int:
    """Number of nodes of :func:`trapezoid_rule` at ``scale`` (without building it)."""
    log_target = (digits + 2) * LN10
    h = min(2.0 * math.pi * (TANH_STRIP / scale) / log_target, 0.5)
    n = int(math.ceil(math.sqrt(2.0 * log_target) / h))
    return n + 1 if half else 2 * n + 1


def _refuse(what, q, nodes, budget):
    raise QuadratureTooLarge(
        f"{what}: variance q = {q:.6g} needs {nodes:.3g} quadrature nodes per point (about 73 sqrt(q) per "
        f"dimension for the stated 1e-17 accuracy), over the float64 kernels' bounded-work budget of "
        f"{budget} per point (the mpmath backend, bounded by a larger budget, may still evaluate it)")


def _max(x) -> float:
    n = x.numel() if hasattr(x, "numel") else x.size
    return float(x.max()) if n else 0.0


def expect_with(backend, f, q, digits=DEFAULT_DIGITS, chunk=1 << 22):
    """E[f(sqrt(q) Z)] for an array q >= 0 (f vectorized in the backend).

    Points are grouped by their own scale sqrt(q), rounded up on the geometric ladder of
    :func:`_level` (ratio 1.15), and each group uses the rule for its level: a point's value depends
    only on its own q (not on the other points of the batch), and small q cost few nodes.
    """
    q = backend.asarray(q)
    shape = q.shape
    s = backend.sqrt(q).reshape(-1)
    if s.shape[0] == 0:
        return q * 0
    lv = _level(_np_of(s))
    top = int(lv.max())
    if rule_size(_level_scale(top), digits) > MAX_NODES_1D:
        _refuse("Gaussian expectation E[f(sqrt(q) Z)]", float(_np_of(s).max()) ** 2,
                rule_size(_level_scale(top), digits), MAX_NODES_1D)
    out = backend.asarray(np.zeros(s.shape[0]))
    for level in np.unique(lv):
        idx_np = np.nonzero(lv == level)[0]
        z, w = trapezoid_rule(_level_scale(level), digits=digits)
        z, w = backend.asarray(z), backend.asarray(w)
        idx = idx_np if backend.name == "numpy" else backend.t.as_tensor(idx_np, device=backend.device)
        step = max(1, chunk // z.shape[0])
        for i in range(0, idx_np.size, step):
            sl = idx[i:i + step]
            out[sl] = (f(s[sl][:, None] * z[None, :]) * w).sum(-1)  # row sums: batch-independent
    return out.reshape(shape)


def expect(f, q, digits: int = DEFAULT_DIGITS):
    """E[f(sqrt(q) Z)], Z ~ N(0,1), for each element of ``q`` >= 0 (NumPy, float64).

    ``f`` must be a vectorized NumPy function analytic in |Im x| < pi/2 for the stated accuracy
    (``10**-digits`` of the integrand's scale); see the module docstring.
    """
    q = np.asarray(q, dtype=np.float64)
    _check_nonneg("expect", "q", q)
    return expect_with(NUMPY, f, q, digits)


def expect_torch(f, q, digits: int = DEFAULT_DIGITS):
    """Torch twin of :func:`expect` (``f`` a Torch function)."""
    b = torch_backend(q)
    q = b.asarray(q)
    _check_nonneg("expect", "q", q)
    return expect_with(b, f, q, digits)


def _broadcast(backend, *xs):
    """The arguments as float64 arrays/tensors of the backend, broadcast to one shape."""
    xs = [backend.asarray(x) for x in xs]
    return np.broadcast_arrays(*xs) if backend.name == "numpy" else backend.t.broadcast_tensors(*xs)


def expect2_with(backend, f, g, rho, q1, q2, odd: bool, digits=DEFAULT_DIGITS, chunk=1 << 22):
    """E[f(u1) g(u2)] by the tensor-product trapezoid rule over (x, y) (module docstring).

    Points are grouped by the level of their own scale sqrt(max(q1, q2)) (as in :func:`expect_with`), so
    a point's value never depends on the other points of the batch; work is bounded by MAX_NODES_2D.
    """
    rho, q1, q2 = _broadcast(backend, rho, q1, q2)
    shape = rho.shape
    r, s1, s2 = rho.reshape(-1), backend.sqrt(q1).reshape(-1), backend.sqrt(q2).reshape(-1)
    if r.shape[0] == 0:
        return rho * 0
    sc = backend.sqrt(backend.where(r * r < 1, 1 - r * r, 0 * r))
    smax = np.maximum(_np_of(s1), _np_of(s2))
    lv = _level(smax)
    top = int(lv.max())
    worst = rule_size(_level_scale(top), digits, half=odd) * rule_size(_level_scale(top), digits)
    if worst > MAX_NODES_2D:
        _refuse("Gaussian expectation E[f(u1) g(u2)]", float(smax.max()) ** 2, worst, MAX_NODES_2D)
    out = backend.asarray(np.zeros(r.shape[0]))
    for level in np.unique(lv):
        idx_np = np.nonzero(lv == level)[0]
        zx, wx = (backend.asarray(v) for v in trapezoid_rule(_level_scale(level), half=odd, digits=digits))
        zy, wy = (backend.asarray(v) for v in trapezoid_rule(_level_scale(level), digits=digits))
        idx = idx_np if backend.name == "numpy" else backend.t.as_tensor(idx_np, device=backend.device)
        step = max(1, chunk // (zx.shape[0] * zy.shape[0]))
        for i in range(0, idx_np.size, step):
            sl = idx[i:i + step]
            a = f(s1[sl][:, None] * zx[None, :])  # (P, nx)
            v = ((s2[sl] * r[sl])[:, None, None] * zx[None, :, None]
                 + (s2[sl] * sc[sl])[:, None, None] * zy[None, None, :])
            out[sl] = (a * (g(v) * wy).sum(-1) * wx).sum(-1)
    return out.reshape(shape)


def expect2(f, g, rho, q1=1.0, q2=1.0, odd: bool = False, digits: int = DEFAULT_DIGITS):
    """E[f(u1) g(u2)] with (u1, u2) centred Gaussian, variances q1, q2, correlation rho (NumPy).

    Broadcasts over its array arguments.  ``odd=True`` (f and g both odd, or both even) halves the
    work by the symmetry (x, y) -> (-x, -y).  Accuracy as for :func:`expect`, per dimension.
    """
    rho, q1, q2 = (np.asarray(x, dtype=np.float64) for x in (rho, q1, q2))
    _check_rho("expect2", rho)
    _check_nonneg("expect2", "q1", q1)
    _check_nonneg("expect2", "q2", q2)
    return expect2_with(NUMPY, f, g, rho, q1, q2, odd, digits)


def expect2_torch(f, g, rho, q1=1.0, q2=1.0, odd: bool = False, digits: int = DEFAULT_DIGITS):
    """Torch twin of :func:`expect2`."""
    b = torch_backend(rho, q1, q2)
    rho, q1, q2 = (b.asarray(x) for x in (rho, q1, q2))
    _check_rho("expect2", rho)
    _check_nonneg("expect2", "q1", q1)
    _check_nonneg("expect2", "q2", q2)
    return expect2_with(b, f, g, rho, q1, q2, odd, digits)


# ----------------------------------------------------------------------------------------------
# Validation helpers (messages name parameter, value, domain)
def _check_nonneg(fid, name, x):
    _v.check_param(fid, name, x, 0.0, None, False, True, False)


def _check_pos(fid, name, x):
    _v.check_param(fid, name, x, 0.0, None, True, True, False)


def _check_rho(fid, x, name="rho"):
    _v.check_param(fid, name, x, -1.0, 1.0, False, False, False)


def _check_k(fid, k, kmax=None):
    _v.check_param(fid, "k", k, 0.0, None if kmax is None else float(kmax), False, False, True)


def _check_a(fid, a):
    _v.check_param(fid, "a", a, 0.0, 1.0, False, False, False)


# ----------------------------------------------------------------------------------------------
# tanh and its derivatives, written in tanh only (no overflow at any argument)
class Tanh:
    """phi = tanh with phi' = 1 - tanh^2 and phi'' = -2 tanh (1 - tanh^2), for any backend."""

    def __init__(self, backend):
        self.b = backend

    def f(self, x):
        """tanh, in place on the (temporary) argument array."""
        if self.b.name == "numpy":
            return np.tanh(x, out=x) if isinstance(x, np.ndarray) and x.flags.writeable and x.ndim else np.tanh(x)
        return x.tanh_() if x.dim() else x.tanh()

    def f2(self, x):
        t = self.b.tanh(x)
        return t * t

    def f2_minus_x2(self, x):
        """tanh(x)^2 - x^2 = (tanh x - x)(tanh x + x), relative accuracy ~ eps at every x."""
        t = self.b.tanh(x)
        return tanh_minus_x(self.b, x, t) * (t + x)

    def d1(self, x):
        t = self.b.tanh(x)
        return 1 - t * t

    def d1sq(self, x):
        t = self.b.tanh(x)
        u = 1 - t * t
        return u * u

    def fd2(self, x):
        """phi(x) phi''(x) = -2 tanh^2 (1 - tanh^2)."""
        t = self.b.tanh(x)
        t2 = t * t
        return -2 * t2 * (1 - t2)


TANH = Tanh(NUMPY)


def _bernoulli_even(n_max):
    """B_0, B_2, ..., B_{2 n_max} as exact fractions (Akiyama-Tanigawa)."""
    from fractions import Fraction

    m_max = 2 * n_max
    a = [Fraction(0)] * (m_max + 1)
    out = []
    for m in range(m_max + 1):
        a[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        if m % 2 == 0:
            out.append(a[0])
    return out


# tanh x - x = sum_{n >= 2} T_n x^(2n-1), T_n = 2^(2n) (2^(2n) - 1) B_(2n) / (2n)!.  For |x| < 1/2 the
# terms fall by ~ (2x/pi)^2 <= 0.1 each, so 17 terms reach 1e-17 relative; for |x| >= 1/2 the direct
# difference loses at most |x| / |tanh x - x| <= 13 ulps.
_TANH_SERIES_X = 0.5
_TANH_COEFFS = [float(2 ** (2 * n) * (2 ** (2 * n) - 1) * b / math.factorial(2 * n))
                for n, b in enumerate(_bernoulli_even(19)) if n >= 2]


def tanh_minus_x(backend, x, t=None):
    """tanh(x) - x with relative accuracy ~ eps for all x (series below |x| = 1/2)."""
    t = backend.tanh(x) if t is None else t
    small = abs(x) < _TANH_SERIES_X
    xs = backend.where(small, x, 0 * x)  # the series only where it is used (no overflow elsewhere)
    x2 = xs * xs
    poly = 0 * x + _TANH_COEFFS[-1]
    for c in reversed(_TANH_COEFFS[:-1]):
        poly = poly * x2 + c
    series = xs * x2 * poly
    return backend.where(small, series, t - x)


# ----------------------------------------------------------------------------------------------
# Hermite coefficients phi_k = E[phi(Z) He_k(Z)] / sqrt(k!)
# r_n = Gamma(n + 1/2) / Gamma(n + 1) = sqrt(pi) C(2n, n) / 4^n.  A difference of two lgamma values loses
# eps * lgamma(n) (5.7e-6 relative at large k, and NumPy and Torch lost it differently); instead r_n comes
# from the recurrence r_{n+1} = r_n (n + 1/2)/(n + 1) (a table, n < 40, rounding <= 80 eps) and, for
# n >= 40, from the asymptotic series ln r_n = -ln(n)/2 - 1/(8n) + 1/(192 n^3) - 1/(640 n^5)
# + 17/(14336 n^7), whose truncation error is below 1e-17 at n = 40 (checked against mpmath in
# tests/test_gauss.py).
_R_TABLE_N = 40
_R_TABLE = np.empty(_R_TABLE_N)
_R_TABLE[0] = math.sqrt(math.pi)
for _n in range(1, _R_TABLE_N):
    _R_TABLE[_n] = _R_TABLE[_n - 1] * (_n - 0.5) / _n


def _central_ratio(backend, n):
    """r_n = Gamma(n + 1/2) / Gamma(n + 1) for integer-valued n >= 0 (array of the backend)."""
    big = backend.where(n >= _R_TABLE_N, n, _R_TABLE_N + 0 * n)
    inv = 1 / big
    inv2 = inv * inv
    series = backend.exp(-0.5 * backend.log(big) + inv * (-1 / 8 + inv2 * (1 / 192 + inv2 * (-1 / 640 + inv2 * 17 / 14336))))
    small = backend.where(n < _R_TABLE_N, n, 0 * n)
    if backend.name == "numpy":
        table = _R_TABLE[small.astype(np.int64)]
    else:
        table = backend.asarray(_R_TABLE)[small.to(backend.t.int64)]
    return backend.where(n < _R_TABLE_N, table, series)


def _relu_coeff(backend, k):
    """ReLU: phi_0 = 1/sqrt(2 pi), phi_1 = 1/2, phi_k = 0 (odd k >= 3),
    phi_k = (-1)^(k/2+1) (k-3)!! / sqrt(2 pi k!) (even k >= 2)."""
    kk = k
    # even k = 2n >= 2: (k-3)!! / sqrt(k!) = sqrt(r_n / sqrt(pi)) / (2n - 1)  ((2n-1)!! = (2n)!/(2^n n!))
    n = backend.where(kk >= 2, kk / 2, 1 + 0 * kk)
    n = n - n % 1
    mag = backend.sqrt(_central_ratio(backend, n) / math.sqrt(math.pi)) / ((2 * n - 1) * SQRT2PI)
    sign = backend.where(((kk / 2) % 2) == 0, -1.0 + 0 * kk, 1.0 + 0 * kk)  # (-1)^(k/2+1)
    even = (kk % 2) == 0
    val = backend.where(even & (kk >= 2), sign * mag, 0 * kk)
    val = backend.where(kk == 0, 1.0 / SQRT2PI + 0 * kk, val)
    val = backend.where(kk == 1, 0.5 + 0 * kk, val)
    return val


def _hermite_relu(B, k):
    k = B.asarray(k)
    _check_k("hermite.coeff.relu", k)
    return _relu_coeff(B, k)


def _hermite_leaky(B, k, a):
    k, a = B.asarray(k), B.asarray(a)
    _check_k("hermite.coeff.leaky_relu", k)
    _check_a("hermite.coeff.leaky_relu", a)
    return (1 - a) * _relu_coeff(B, k) + B.where(k == 1, a, 0 * a)


hermite_coeff_relu, hermite_coeff_relu_torch = twin_kernels(
    "hermite_coeff_relu", ("k",), _hermite_relu,
    "Normalized Hermite coefficient phi_k of ReLU (closed form; Source: ICLR 2022 Appendix B, derived in "
    "symbolic/gauss.py).  k: integer >= 0; ~1e-15 relative at every k (no lgamma cancellation).", __name__)
hermite_coeff_leaky_relu, hermite_coeff_leaky_relu_torch = twin_kernels(
    "hermite_coeff_leaky_relu", ("k", "a"), _hermite_leaky,
    "phi_k of LReLU_a(x) = a x + (1 - a) ReLU(x): (1 - a) ReLU_k + a [k == 1] (ICLR 2022 App. B).", __name__)


def _erf_coeff(backend, k):
    """erf: phi_k = 0 for even k; for odd k = 2m + 1,
    phi_k = (2/sqrt(3 pi)) (-1)^m (2m)! / (3^m m! sqrt(k!)) = (2/sqrt(3 pi)) (-1)^m (2/3)^m sqrt(r_m/sqrt(pi)) / sqrt(2m+1)
    with r_m = Gamma(m + 1/2)/Gamma(m + 1) (:func:`_central_ratio`; no lgamma cancellation).  (2/3)^m is
    exp(m ln(2/3)), relative error ~ eps m ln(3/2) (1e-13 at m = 1000; below 1e-300 beyond m ~ 1700)."""
    m = backend.where(k >= 1, (k - 1) / 2, 0 * k)
    m = m - m % 1
    mag = (2.0 / math.sqrt(3.0 * math.pi)) * backend.exp(m * math.log(2.0 / 3.0)) * backend.sqrt(
        _central_ratio(backend, m) / math.sqrt(math.pi)) / backend.sqrt(2 * m + 1)
    sign = backend.where((m % 2) == 0, 1.0 + 0 * k, -1.0 + 0 * k)
    return backend.where((k % 2) == 1, sign * mag, 0 * k)


def _hermite_erf(B, k):
    k = B.asarray(k)
    _check_k("hermite.coeff.erf", k)
    return _erf_coeff(B, k)


hermite_coeff_erf, hermite_coeff_erf_torch = twin_kernels(
    "hermite_coeff_erf", ("k",), _hermite_erf,
    "Normalized Hermite coefficient of erf (standard erf, 2/sqrt(pi) int_0^x e^{-t^2} dt).", __name__)


def _tanh_coeff(backend, k):
    kmax = int(_max(k))
    # The integrand h_k(z) tanh(z) phi(z) spreads to |z| ~ 2 sqrt(k): widen the tails accordingly.
    z, w = trapezoid_rule(1.0, digits=DEFAULT_DIGITS + 3)
    L = max(float(z[-1]), 2.0 * math.sqrt(kmax + 1.0) + 9.0)
    h = float(z[1] - z[0])
    n = int(math.ceil(L / h))
    zz = np.arange(0, n + 1, dtype=np.float64) * h  # tanh(z) h_k(z) is even for odd k: half grid
    ww = h * np.exp(-0.5 * zz * zz) / SQRT2PI
    ww[1:] *= 2.0
    # normalized Hermite recurrence h_{j+1} = (z h_j - sqrt(j) h_{j-1}) / sqrt(j+1): stable
    H = np.empty((kmax + 1, zz.size))
    H[0] = 1.0
    if kmax >= 1:
        H[1] = zz
    for j in range(1, kmax):
        H[j + 1] = (zz * H[j] - math.sqrt(j) * H[j - 1]) / math.sqrt(j + 1)
    coeffs = (H * np.tanh(zz)[None, :]) @ ww
    coeffs[0::2] = 0.0  # tanh is odd: even coefficients vanish exactly
    idx = k.astype(np.int64) if backend.name == "numpy" else k.to("cpu").numpy().astype(np.int64)
    return backend.asarray(coeffs[idx])


def _hermite_tanh(B, k):
    k = B.asarray(k)
    _check_k("hermite.coeff.tanh", k, HERMITE_K_MAX_TANH)
    return _tanh_coeff(B, k)


hermite_coeff_tanh, hermite_coeff_tanh_torch = twin_kernels(
    "hermite_coeff_tanh", ("k",), _hermite_tanh,
    """Normalized Hermite coefficient phi_k of tanh, by the trapezoid rule (no closed form).

    Domain k in [0, 40]: beyond, the coefficients (~1e-8 at k = 41) fall towards the float64
    rounding floor of the quadrature sum (its terms are O(1)), so a 1e-12 relative accuracy
    cannot be promised; the mpmath backend has no such limit.
    """, __name__)


# ----------------------------------------------------------------------------------------------
# Norms (ICLR 2022 section 2.1 and Appendix B).  The relu/erf closed forms are generated from
# symbolic/gauss.py (numeric/generated/gauss.py) and re-exported here; tanh is by quadrature below.
from theorycheck.numeric.generated.gauss import (  # noqa: E402
    dnorm2_erf, dnorm2_erf_torch, dnorm2_relu, dnorm2_relu_torch, linerr2_erf, linerr2_erf_torch,
    linerr2_relu, linerr2_relu_torch, norm2_erf, norm2_erf_torch, norm2_relu, norm2_relu_torch,
)


def _tanh_norms(backend):
    T = Tanh(backend)
    one = backend.asarray(1.0)
    n2 = expect_with(backend, T.f2, one)
    phi1 = expect_with(backend, T.d1, one)  # E[Z tanh Z] = E[tanh' Z] (Stein)
    dn2 = expect_with(backend, T.d1sq, one)
    return n2, n2 - phi1 * phi1, dn2


norm2_tanh, norm2_tanh_torch = twin_kernels(
    "norm2_tanh", (), lambda B: _tanh_norms(B)[0], "||tanh||_N^2 = E[tanh(Z)^2], trapezoid rule (module docstring).",
    __name__)
linerr2_tanh, linerr2_tanh_torch = twin_kernels(
    "linerr2_tanh", (), lambda B: _tanh_norms(B)[1],
    "||tanh - tanh_bar||_N^2 = E[tanh^2] - E[tanh']^2 (phi_0 = 0, phi_1 = E[tanh'] by Stein).", __name__)
dnorm2_tanh, dnorm2_tanh_torch = twin_kernels(
    "dnorm2_tanh", (), lambda B: _tanh_norms(B)[2], "||tanh'||_N^2 = E[(1 - tanh(Z)^2)^2].", __name__)


# ----------------------------------------------------------------------------------------------
# tanh covariance and q-map
# ----------------------------------------------------------------------------------------------
# Fast 2-D kernel for E[f(u1) f(u2)] with f odd or even (tanh, tanh'): "one-dimensional smoothed
# tables".  For rho >= 0 write u_i = sqrt(q_i) (sqrt(rho) w + sqrt(1 - rho) x_i) with w, x1, x2
# independent N(0, 1); then E[f(u1) f(u2)] = E_w[S_1(w) S_2(w)] with the smoothed activation
# S_i(w) = E_x[f(sqrt(q_i rho) w + sqrt(q_i (1 - rho)) x)], a one-dimensional table over the outer
# nodes.  For rho < 0, u2 -> -u2 gives E = parity * E(|rho|).  S_i has the parity of f, so S_1 S_2
# is even in w and only w >= 0 is needed.  The outer rule is set by the scale sqrt(q rho) and the
# inner one by sqrt(q (1 - rho)) (module accuracy rule for each), so a point costs
# ~ n(sqrt(q rho)) / 2 x n(sqrt(q (1 - rho))) evaluations instead of n(sqrt q)^2 / 2: points are
# grouped by their two scales rounded up on a geometric ladder (ratio 1.15; rounding up only adds
# accuracy) and each group is evaluated vectorized.
_LADDER = 1.15
_SCALE_FLOOR = 0.25  # below this the rule's step is capped (h <= 0.5) anyway


def _level(s):
    s = np.maximum(np.asarray(s, dtype=np.float64), _SCALE_FLOOR)
    return np.ceil(np.log(s / _SCALE_FLOOR) / math.log(_LADDER) - 1e-12).astype(np.int64)


def _level_scale(lv):
    return _SCALE_FLOOR * _LADDER ** int(lv)


def expect2_sym_with(backend, f, parity, rho, q1, q2, digits=DEFAULT_DIGITS, chunk=1 << 22):
    rho, q1, q2 = _broadcast(backend, rho, q1, q2)
    shape = rho.shape
    r, a1, a2 = rho.reshape(-1), q1.reshape(-1), q2.reshape(-1)
    sign = backend.where(r < 0, parity + 0 * r, 1.0 + 0 * r)
    ra = abs(r)
    qm = backend.where(a1 > a2, a1, a2)
    sw = backend.sqrt(qm * ra)
    sx = backend.sqrt(qm * (1 - ra))
    lw = _level(_np_of(sw))
    lx = _level(_np_of(sx))
    keys = lw * 100000 + lx
    if keys.size:
        sizes = {(int(w), int(x)): rule_size(_level_scale(w), digits, half=True) * rule_size(_level_scale(x), digits)
                 for w, x in set(zip(lw.tolist(), lx.tolist()))}
        worst = max(sizes.values())
        if worst > MAX_NODES_2D:
            _refuse("Gaussian expectation E[f(u1) f(u2)]", float(_np_of(qm).max()), worst, MAX_NODES_2D)
    out = backend.asarray(np.zeros(r.shape[0]))
    rt1, rt2 = backend.sqrt(ra), backend.sqrt(1 - ra)
    s1, s2 = backend.sqrt(a1), backend.sqrt(a2)
    # fold the standard deviations into the node scalings: one full-size temporary per group
    b1w, b1x, b2w, b2x = s1 * rt1, s1 * rt2, s2 * rt1, s2 * rt2
    for key in np.unique(keys):
        idx_np = np.nonzero(keys == key)[0]
        zw, ww = trapezoid_rule(_level_scale(key // 100000), half=True, digits=digits)
        zx, wx = trapezoid_rule(_level_scale(key % 100000), digits=digits)
        zw, ww, zx, wx = (backend.asarray(v) for v in (zw, ww, zx, wx))
        idx = idx_np if backend.name == "numpy" else backend.t.as_tensor(idx_np, device=backend.device)
        step = max(1, chunk // (zw.shape[0] * zx.shape[0]))
        for i in range(0, idx_np.size, step):
            sl = idx[i:i + step]
            # row sums (not matrix products): a point's sum order never depends on how many points share it
            S1 = (f(b1w[sl][:, None, None] * zw[None, :, None] + b1x[sl][:, None, None] * zx[None, None, :]) * wx).sum(-1)
            same = bool((a1[sl] == a2[sl]).all())
            S2 = S1 if same else (f(b2w[sl][:, None, None] * zw[None, :, None]
                                    + b2x[sl][:, None, None] * zx[None, None, :]) * wx).sum(-1)
            out[sl] = (S1 * S2 * ww).sum(-1)
    return (sign * out).reshape(shape)


def expect2_cost(rho, q1=1.0, q2=1.0, digits: int = DEFAULT_DIGITS) -> int:
    """Number of activation evaluations that :func:`cov_tanh` spends on these points (for benchmarks)."""
    rho, q1, q2 = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (rho, q1, q2)))
    ra = np.abs(rho.reshape(-1))
    qm = np.maximum(q1, q2).reshape(-1)
    same = (q1 == q2).reshape(-1)
    lw, lx = _level(np.sqrt(qm * ra)), _level(np.sqrt(qm * (1 - ra)))
    total = 0
    for w, x, sm in zip(lw, lx, same):
        nw = trapezoid_rule(_level_scale(w), half=True, digits=digits)[0].size
        nx = trapezoid_rule(_level_scale(x), digits=digits)[0].size
        total += nw * nx * (1 if sm else 2)
    return int(total)


def _np_of(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _cov_tanh(backend, rho, q1, q2, deriv=False, digits=DEFAULT_DIGITS):
    T = Tanh(backend)
    if deriv:
        return expect2_sym_with(backend, T.d1, 1.0, rho, q1, q2, digits=digits)
    return expect2_sym_with(backend, T.f, -1.0, rho, q1, q2, digits=digits)



def _cov_args(fid, backend, rho, q1, q2):
    rho, q1, q2 = (backend.asarray(x) for x in (rho, q1, q2))
    _check_rho(fid, rho)
    _check_nonneg(fid, "q1", q1)
    _check_nonneg(fid, "q2", q2)
    return rho, q1, q2


cov_tanh, cov_tanh_torch = twin_kernels(
    "cov_tanh", ("rho", ("q1", 1.0), ("q2", 1.0), ("digits", DEFAULT_DIGITS)),
    lambda B, rho, q1, q2, digits: _cov_tanh(B, *_cov_args("gauss.cov.tanh", B, rho, q1, q2), digits=digits),
    """E[tanh(u1) tanh(u2)], (u1, u2) ~ N(0, [[q1, rho sqrt(q1 q2)], [., q2]]) (float64).

    Source: Yarotsky's lecture, the covariance map C (without the alpha_w^2, alpha_h^2 affine part);
    ICLR 2022 eq. (2.3) C[tanh|rho] at q1 = q2 = 1.  Trapezoid rule, ~1e-16 relative to
    sqrt(E tanh(u1)^2 E tanh(u2)^2) at the default ``digits`` = 17 (``digits`` = 13 gives 1e-12 and is
    ~1.6x cheaper).  Algorithm: :func:`expect2_sym_with` (smoothed tables).  Accurate domain: per-point
    work ~ n(sqrt(q rho)) n(sqrt(q (1 - rho))) / 2 <= MAX_NODES_2D (q up to ~1e5 at rho = 1/2); larger
    variances are refused (QuadratureTooLarge), never allocated.
    """, __name__)
dcov_tanh, dcov_tanh_torch = twin_kernels(
    "dcov_tanh", ("rho", ("q1", 1.0), ("q2", 1.0)),
    lambda B, rho, q1, q2: _cov_tanh(B, *_cov_args("dcov_tanh", B, rho, q1, q2), deriv=True),
    "E[tanh'(u1) tanh'(u2)] (the lecture's b / alpha_w^2 at correlation rho); domain as for cov_tanh.", __name__)


def _qmap_args(fid, backend, q, sw2, sb2):
    q, sw2, sb2 = (backend.asarray(x) for x in (q, sw2, sb2))
    _check_nonneg(fid, "q", q)
    _check_pos(fid, "sw2", sw2)
    _check_nonneg(fid, "sb2", sb2)
    return q, sw2, sb2


qmap_tanh, qmap_tanh_torch = twin_kernels(
    "qmap_tanh", ("q", "sw2", "sb2"),
    lambda B, q, sw2, sb2: (lambda q, sw2, sb2: sw2 * expect_with(B, Tanh(B).f2, q) + sb2)(
        *_qmap_args("meanfield.qmap.tanh", B, q, sw2, sb2)),
    "nu(q) = sw2 E[tanh(sqrt(q) Z)^2] + sb2 (Yarotsky's lecture, Proposition (Poole et al.)).  Accurate "
    "domain: q up to ~3.3e9 (bounded quadrature work, MAX_NODES_1D); larger q is refused.", __name__)
