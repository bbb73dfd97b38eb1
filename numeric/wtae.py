"""Infinite-depth fixed points of random deep weight-tied autoencoders (float64, NumPy and Torch).

Source: Li & Nguyen 2019 (ICLR), "On random deep weight-tied autoencoders", Section 3.1 eqs. (1)-(3),
Section 3.2, Appendix C (C.1, C.2, Props. 10-11), Section 3.4 (shallow case).

Reading of the OCR-damaged eqs. (2)-(3) (fixed by Remark 3's Stein form, Theorem 1's recursions with
alpha_l = alpha, sigma_W,l = sigma_W, sigma_v = 0, and App. C.2 which restates them)::

    G(gamma, rho) = (1/tau^2) E[ tau z1 phi(beta gamma sigma(tau z1) + sqrt(beta rho) z2) ]
                  = beta gamma E[ phi'(theta) sigma'(tau z1) ]                  (Stein's lemma)
    R(gamma, rho) = E[ phi(theta)^2 ],   theta = beta gamma sigma(tau z1) + sqrt(beta rho) z2,

z1, z2 ~ N(0, 1) independent, beta = alpha sigma_W^2, tau^2 the stable fixed point of eq. (1)
(the encoder pre-activation variance).  Code -> paper: ``gamma, rho, beta, tau2`` -> gamma, rho,
beta, tau^2; ``phi`` the decoder activation, ``sigma`` the encoder activation; pair names
``<phi>_<sigma>``.

How each pair is computed (all exact reductions, documented in the functions):

* relu_relu: closed forms (symbolic/wtae.py, generated into numeric/generated/wtae.py).
* relu_tanh: E over z2 in closed form and tanh's oddness give G = beta gamma m1(tau^2) / 2 and
  R = (beta^2 gamma^2 m2(tau^2) + beta rho) / 2 with m1(q) = E sech^2(sqrt(q) Z), m2(q) = E tanh^2(sqrt(q) Z)
  (the formula in the proof of Prop. 10(e)); 1-D trapezoid quadrature (numeric/gaussian.py).
* tanh_relu: on z1 > 0 theta = c z1 + b z2 (c = beta gamma tau, b = sqrt(beta rho)) is linear, so
  conditioning z1 on w = theta reduces every expectation to 1-D:
  E[F(theta) 1(z1 > 0)] = E_w[F(w) Phi(k z)] and E[F(theta) z1 1(z1 > 0)] = E_w[F(w) ((c/sqrt(v)) z Phi(k z)
  + (b/sqrt(v)) phi_N(k z))], w = sqrt(v) z, v = c^2 + b^2, k = c/b; z1 < 0 contributes E F(b z2)/2.
* tanh_tanh: a 2-D tensor trapezoid rule, half of the grid by the (z1, z2) -> (-z1, -z2) symmetry.

Accuracy rule of the 2-D rule: the integrand is analytic in z2 for |Im z2| < pi/(2b) (poles of tanh)
and in z1 for |Im tau z1| < atan(pi/(2 beta gamma)) (where beta gamma tanh(tau z1) reaches a pole of tanh:
Im atanh(w) over w with Im w = pi/(2 beta gamma) is smallest at Re w = 0); each coordinate uses the
trapezoid rule of numeric/gaussian.py for that strip (3/4 of it, as there), i.e. ~1e-19 relative
discretization error, and the points are grouped on the geometric ladder of node counts so that a
point's value never depends on the other points of a batch.  Derivatives for Newton: d/dgamma by
differentiating theta, d/drho by the heat equation d/dv E F(a + sqrt(v) Z) = E F''(a + sqrt(v) Z) / 2.

Fixed points (``solve``): the jointly stable fixed point reached by iterating (G, R) from a generic
non-zero start, the paper's notion of convergence (Section 3.2, App. C.1):

1. rho0 = the stable fixed point of rho -> R(0, rho) (for tanh phi: q*(beta, 0) / beta of the q-map
   with sw2 = beta, sb2 = 0; 0 for beta <= 1);
2. the Jacobian of (G, R) at (0, rho0) is triangular (G(0, rho) = 0), so gamma = 0 is stable iff
   s = dG/dgamma(0, rho0) = beta E[phi'(sqrt(beta rho0) Z)] E[sigma'(tau Z)] < 1: then (0, rho0) is the
   limit and gamma is exactly 0;
3. otherwise Newton on (G/gamma - 1, R - rho) (the gamma = 0 root divided out), started after a few
   plain iterations, with a stability check of the result (spectral radius of the Jacobian < 1).

ReLU phi: R(0, rho) = beta rho / 2 (Prop. 10(a)), so for beta < 2 the limit is (0, 0) from every start
(Prop. 10(a), (c), (d)), and for beta > 2 rho diverges to +infinity: the kernels refuse beta >= 2 with a
message naming the divergence (the formula constraint).
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric import validate as _v
from theorycheck.numeric.backend import NUMPY, torch_backend, twin_kernels  # noqa: F401
from theorycheck.numeric.fixed_point import FixedPointError, _solve_qstar
from theorycheck.numeric.gaussian import (MAX_NODES_1D, MAX_NODES_2D, TANH_STRIP, QuadratureTooLarge, Tanh,
                                          _level, _level_scale, expect_with, rule_size, trapezoid_rule)
from theorycheck.numeric.validate import DomainError

__all__ = [
    "PAIRS", "m1", "m2", "core", "G", "R", "solve", "WtaeFixedPoint", "iterate_plain", "beta0",
    "gamma_slope", "Divergence",
]

PAIRS = ("relu_relu", "relu_tanh", "tanh_tanh", "tanh_relu")
EPS = float(np.finfo(np.float64).eps)
SQRT2PI = math.sqrt(2.0 * math.pi)
CHUNK = 1 << 21
NEWTON_MAX = 60
PLAIN_START = 12


class Divergence(DomainError):
    """The iteration of (G, R) diverges to +infinity (no finite fixed point)."""


# ------------------------------------------------------------------------------------------ helpers
def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _bcast(B, *xs):
    xs = [B.asarray(x) for x in xs]
    if B.name == "numpy":
        xs = np.broadcast_arrays(*xs)
        return [np.array(x, dtype=np.float64) for x in xs]
    t = B.t
    xs = t.broadcast_tensors(*xs)
    return [x.clone() for x in xs]


def _idx(B, idx_np):
    return idx_np if B.name == "numpy" else B.t.as_tensor(idx_np, device=B.device)


def _mask(B, m):
    """A NumPy bool array as a backend boolean mask."""
    return m if B.name == "numpy" else B.t.as_tensor(m, device=B.device)


def _zeros(B, n):
    return B.asarray(np.zeros(n))


def _erfc(B, x):
    if B.name == "numpy":
        return _ERFC(x).astype(np.float64) if np.ndim(x) else np.float64(math.erfc(float(x)))
    return B.t.special.erfc(x)


_ERFC = np.frompyfunc(math.erfc, 1, 1)


def _Phi(B, x):
    return 0.5 * _erfc(B, -x / math.sqrt(2.0))


def _guard_scales(what, *scales, budget):
    """Refuse (QuadratureTooLarge) before building rules whose node count (~73 scale per dimension, see
    numeric/gaussian.py) exceeds ``budget`` per point; also catches overflowed (inf/NaN) scales."""
    est = 1.0
    for sc in scales:
        m = float(np.max(sc)) if np.size(sc) else 0.0
        if not math.isfinite(m):
            est = math.inf
            break
        est *= rule_size(max(m, 0.25))
    if not est <= budget:
        raise QuadratureTooLarge(
            f"{what}: ~{est:.3g} trapezoid nodes per point exceed the bounded-work budget {budget} for the stated "
            "1e-17 accuracy (a variance or beta gamma far outside the moderate range); use the mpmath backend")


RANGE_MAX = 1e4  # documented accurate domain of the fixed-point kernels: beta, tau^2 <= 1e4


def _range_guard(fid, **xs):
    """Refuse parameters beyond the verified accurate domain of the solvers (beta, tau^2 <= 1e4: the q*
    solver and the quadratures are verified against mpmath there; beyond, the fixed points' float64
    accuracy is not established)."""
    for k, x in xs.items():
        m = float(np.max(_np(x))) if np.size(_np(x)) else 0.0
        if m > RANGE_MAX:
            raise DomainError(f"{fid}: {k} = {m!r} is beyond the float64 kernel's verified accurate domain "
                              f"({k} <= {RANGE_MAX:g}); use the mpmath backend")


def m1(B, q):
    """E[sech^2(sqrt(q) Z)] = E[tanh'(sqrt(q) Z)] (1-D trapezoid rule, numeric/gaussian.py)."""
    return expect_with(B, Tanh(B).d1, q)


def m2(B, q):
    """E[tanh^2(sqrt(q) Z)]."""
    return expect_with(B, Tanh(B).f2, q)


def _sigma_slope(B, sigma, tau2):
    """E[sigma'(tau Z)]: m1(tau^2) for tanh, 1/2 for ReLU."""
    if sigma == "tanh":
        return m1(B, tau2)
    return 0.5 + 0 * tau2


# ---------------------------------------------------------------------------------- the cores
def _core_tanh_tanh(B, gamma, rho, beta, tau2, jac=False):
    """g = G/gamma = beta E[sech^2(theta) sech^2(tau z1)], R and (optionally) their derivatives.

    Returns a dict of flat arrays: g, R and with ``jac`` g_g, g_r, R_g, R_r (d/dgamma, d/drho).
    """
    n = gamma.shape[0]
    tau = B.sqrt(tau2)
    b = B.sqrt(beta * rho)
    bg = beta * gamma
    bg_np, tau_np, b_np = _np(bg), _np(tau), _np(b)
    with np.errstate(divide="ignore"):
        s1 = tau_np * (math.pi / 2) / np.arctan2(math.pi, 2 * bg_np)
    _guard_scales("2-D expectation of (G, R), tanh/tanh", s1, b_np, budget=MAX_NODES_2D)
    l1, l2 = _level(s1), _level(b_np)
    keys = l1 * 100003 + l2
    out = {k: _zeros(B, n) for k in (("g", "R", "g_g", "g_r", "R_g", "R_r") if jac else ("g", "R"))}
    for key in np.unique(keys):
        sel = np.nonzero(keys == key)[0]
        a1, a2 = int(l1[sel[0]]), int(l2[sel[0]])
        n1 = rule_size(_level_scale(a1), half=True)
        n2 = rule_size(_level_scale(a2))
        if n1 * n2 > MAX_NODES_2D:
            raise QuadratureTooLarge(
                f"2-D expectation of (G, R): {n1} x {n2} trapezoid nodes per point exceed the bounded-work "
                f"budget {MAX_NODES_2D} for the stated 1e-17 accuracy (beta gamma = {float(bg_np[sel[0]]):.3g}, "
                f"beta rho = {float(b_np[sel[0]]) ** 2:.3g}, tau^2 = {float(tau_np[sel[0]]) ** 2:.3g}); "
                "use the mpmath backend")
        z1, w1 = trapezoid_rule(_level_scale(a1), half=True)
        z2, w2 = trapezoid_rule(_level_scale(a2))
        z1, w1, z2, w2 = (B.asarray(x) for x in (z1, w1, z2, w2))
        step = max(1, CHUNK // (n1 * n2))
        for i in range(0, sel.size, step):
            ix = _idx(B, sel[i:i + step])
            T1 = B.tanh(tau[ix][:, None] * z1[None, :])
            S1 = 1 - T1 * T1
            x = (bg[ix][:, None] * T1)[:, :, None] + b[ix][:, None, None] * z2[None, None, :]
            t = B.tanh(x)
            s = 1 - t * t
            W = w1[None, :, None] * w2[None, None, :]
            Ws = W * S1[:, :, None]
            out["g"][ix] = beta[ix] * (Ws * s).sum((1, 2))
            out["R"][ix] = (W * t * t).sum((1, 2))
            if jac:
                ts = t * s
                d2s = -2 * s * s + 4 * t * t * s  # (sech^2)'' = -(tanh^2)''
                out["g_g"][ix] = beta[ix] ** 2 * (Ws * T1[:, :, None] * (-2 * ts)).sum((1, 2))
                out["g_r"][ix] = beta[ix] ** 2 / 2 * (Ws * d2s).sum((1, 2))
                out["R_g"][ix] = beta[ix] * (W * T1[:, :, None] * (2 * ts)).sum((1, 2))
                out["R_r"][ix] = beta[ix] / 2 * (W * (-d2s)).sum((1, 2))
    return out


def _core_tanh_relu(B, gamma, rho, beta, tau2, jac=False):
    """Same outputs as :func:`_core_tanh_tanh` for sigma = ReLU, by an exact reduction to 1-D expectations.

    On z1 > 0, theta = w := c z1 + b z2 (c = beta gamma tau, b = sqrt(beta rho)), w ~ N(0, v), v = c^2 + b^2; on
    z1 < 0, theta = b z2.  Every quantity needed is A[F] = E[F(w) 1(z1>0)] with F even or Bz[F] = E[z1 F(w) 1(z1>0)]
    with F odd, and the flip (z1, z2) -> (-z1, -z2) (w -> -w) gives A[F] = E F(w)/2 and Bz[F] = E[z1 F(w)]/2 =
    (c/v) E[w F(w)]/2 (E[z1 | w] = c w/v).  Hence, with t = tanh, s = sech^2 and the z1 < 0 half H[F] = E F(b z2)/2:
    g = beta A[s], R = A[t^2] + H[t^2], g_g = beta^2 tau Bz[-2ts], g_r = beta^2/2 A[s''],
    R_g = beta tau Bz[2ts], R_r = beta/2 (A[(t^2)''] + H[(t^2)'']); the ReLU kink never enters a quadrature.
    """
    tau = B.sqrt(tau2)
    b = B.sqrt(beta * rho)
    c = beta * gamma * tau
    v = c * c + b * b
    with np.errstate(over="ignore", invalid="ignore"):
        _guard_scales("(G, R) for tanh phi, ReLU sigma", np.sqrt(_np(v)), budget=MAX_NODES_1D)
    Tn = Tanh(B)

    def E(f, q):
        return expect_with(B, f, q)

    sw = E(Tn.d1, v)
    out = {"g": beta * sw / 2, "R": E(Tn.f2, v) / 2 + E(Tn.f2, b * b) / 2}
    if jac:
        def wts(x):  # w t(w) s(w)
            t = B.tanh(x)
            return x * t * (1 - t * t)

        def d2t2(x):  # (t^2)'' = 2 s^2 - 4 t^2 s
            t = B.tanh(x)
            sq = 1 - t * t
            return 2 * sq * sq - 4 * t * t * sq

        vs = B.where(v > 0, v, 1.0 + 0 * v)
        cv = B.where(v > 0, c / vs, 0 * v)
        ew = E(wts, v)
        a2 = E(d2t2, v)
        out.update(g_g=beta * beta * tau * (-2) * cv * ew / 2, g_r=beta * beta / 2 * (-a2) / 2,
                   R_g=beta * tau * 2 * cv * ew / 2, R_r=beta / 2 * (a2 / 2 + E(d2t2, b * b) / 2))
    return out


def _core_relu_tanh(B, gamma, rho, beta, tau2, jac=False):
    """ReLU phi, tanh sigma: g = beta m1(tau^2)/2, R = (beta^2 gamma^2 m2(tau^2) + beta rho)/2 (proof of
    Prop. 10(e): E over z2 in closed form, the odd part in z1 vanishes)."""
    a1, a2 = m1(B, tau2), m2(B, tau2)
    out = {"g": beta * a1 / 2, "R": (beta * beta * gamma * gamma * a2 + beta * rho) / 2}
    if jac:
        out.update(g_g=0 * gamma, g_r=0 * gamma, R_g=beta * beta * gamma * a2, R_r=beta / 2 + 0 * gamma)
    return out


def _core_relu_relu(B, gamma, rho, beta, tau2, jac=False):
    """ReLU phi and sigma: the closed forms of symbolic/wtae.py (orthant probabilities of (z1, theta)):
    g = beta (1/4 + atan2(c, b)/(2 pi)), R = b^2/4 + v (1/4 + atan2(c, b)/(2 pi)) + c b/(2 pi),
    c = beta gamma tau, b = sqrt(beta rho), v = c^2 + b^2."""
    tau = B.sqrt(tau2)
    c, b = beta * gamma * tau, B.sqrt(beta * rho)
    at = (np.arctan2(c, b) if B.name == "numpy" else B.t.atan2(c, b)) / (2 * math.pi)
    return {"g": beta * (0.25 + at), "R": b * b / 4 + (c * c + b * b) * (0.25 + at) + c * b / (2 * math.pi)}


_CORES = {"tanh_tanh": _core_tanh_tanh, "tanh_relu": _core_tanh_relu, "relu_tanh": _core_relu_tanh,
          "relu_relu": _core_relu_relu}


def core(pair, B, gamma, rho, beta, tau2, jac=False):
    """Flat-array core of (G/gamma, R) and derivatives for ``pair`` (see the per-pair functions)."""
    return _CORES[pair](B, gamma, rho, beta, tau2, jac)


# ------------------------------------------------------------------------------- G and R kernels
def _check_GR(fid, B, gamma, rho, beta, tau2):
    gamma, rho, beta, tau2 = _bcast(B, gamma, rho, beta, tau2)
    _v.check_param(fid, "gamma", gamma, 0.0, None, False, True, False)
    _v.check_param(fid, "rho", rho, 0.0, None, False, True, False)
    _v.check_param(fid, "beta", beta, 0.0, None, True, True, False)
    _v.check_param(fid, "tau2", tau2, 0.0, None, True, True, False)
    return gamma, rho, beta, tau2


def _GR(which, pair, B, gamma, rho, beta, tau2):
    fid = f"wtae.{which}.{pair}"
    gamma, rho, beta, tau2 = _check_GR(fid, B, gamma, rho, beta, tau2)
    shape = gamma.shape
    fl = [x.reshape(-1) for x in (gamma, rho, beta, tau2)]
    try:
        o = core(pair, B, *fl)
    except QuadratureTooLarge as e:
        raise QuadratureTooLarge(f"{fid}: {e}") from None
    val = fl[0] * o["g"] if which == "G" else o["R"]
    return _v.finite(fid, val.reshape(shape), {"gamma": gamma, "rho": rho, "beta": beta, "tau2": tau2})


def _make_GR(which, pair):
    return twin_kernels(
        f"{which}_{pair}", ("gamma", "rho", "beta", "tau2"),
        lambda B, *a: _GR(which, pair, B, *a),
        f"{which}(gamma, rho; beta, tau^2) of Li & Nguyen 2019 eq. ({2 if which == 'G' else 3}) for phi, sigma = "
        f"{pair.replace('_', ', ')} (module docstring: reading of the equation, quadrature rule).", __name__)


G_relu_tanh, G_relu_tanh_torch = _make_GR("G", "relu_tanh")
R_relu_tanh, R_relu_tanh_torch = _make_GR("R", "relu_tanh")
G_tanh_tanh, G_tanh_tanh_torch = _make_GR("G", "tanh_tanh")
R_tanh_tanh, R_tanh_tanh_torch = _make_GR("R", "tanh_tanh")
G_tanh_relu, G_tanh_relu_torch = _make_GR("G", "tanh_relu")
R_tanh_relu, R_tanh_relu_torch = _make_GR("R", "tanh_relu")


def G(pair, gamma, rho, beta, tau2, backend="numpy"):
    """G(gamma, rho; beta, tau^2) for any pair (NumPy arrays; ``backend='torch'`` for tensors)."""
    B = NUMPY if backend == "numpy" else torch_backend(gamma, rho, beta, tau2)
    gamma, rho, beta, tau2 = _bcast(B, gamma, rho, beta, tau2)
    o = core(pair, B, gamma.reshape(-1), rho.reshape(-1), beta.reshape(-1), tau2.reshape(-1))
    return (gamma.reshape(-1) * o["g"]).reshape(gamma.shape)


def R(pair, gamma, rho, beta, tau2, backend="numpy"):
    """R(gamma, rho; beta, tau^2) for any pair."""
    B = NUMPY if backend == "numpy" else torch_backend(gamma, rho, beta, tau2)
    gamma, rho, beta, tau2 = _bcast(B, gamma, rho, beta, tau2)
    o = core(pair, B, gamma.reshape(-1), rho.reshape(-1), beta.reshape(-1), tau2.reshape(-1))
    return o["R"].reshape(gamma.shape)


# -------------------------------------------------------------------------------- fixed points
class WtaeFixedPoint:
    """Result of :func:`solve`: arrays ``gamma``, ``rho``, ``slope`` (dG/dgamma at (0, rho0)),
    ``iterations`` (plain + Newton steps per point), ``converged`` and ``radius`` (spectral radius of
    the Jacobian of (G, R) at the fixed point: < 1 means stable)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def report(self) -> str:
        conv = _np(self.converged)
        it = _np(self.iterations)
        return (f"{conv.size - int((~conv).sum())}/{conv.size} converged; iterations median "
                f"{float(np.median(it)) if it.size else 0:g}, max {int(it.max()) if it.size else 0}")


def _rho0(B, beta):
    """Stable fixed point of rho -> R(0, rho) = E tanh^2(sqrt(beta rho) Z): q*(beta, 0)/beta."""
    q = _solve_qstar("tanh", B, beta, 0 * beta).raise_if_diverged("wtae.rho0").value
    return q / beta, q


def gamma_slope(pair, B, beta, tau2):
    """dG/dgamma at (0, rho0(beta)) = beta E[phi'(sqrt(beta rho0) Z)] E[sigma'(tau Z)] (flat arrays).

    ReLU phi: E[H(sqrt(beta rho) Z)] = 1/2 for every rho > 0 (and its limit at rho -> 0+), as in the
    proof of Prop. 10(c)-(d)."""
    phi, sigma = pair.split("_")
    es = _sigma_slope(B, sigma, tau2)
    if phi == "relu":
        return beta * es / 2
    _, q = _rho0(B, beta)
    return beta * m1(B, q) * es


def _jacobian(o, gamma):
    """Jacobian entries of (G, R) from the core (G = gamma g)."""
    return o["g"] + gamma * o["g_g"], gamma * o["g_r"], o["R_g"], o["R_r"]


def _radius(a, b, c, d):
    tr, det = a + d, a * d - b * c
    disc = tr * tr / 4 - det
    if hasattr(disc, "clamp"):
        root = disc.clamp(min=0).sqrt()
        cplx = disc < 0
        return (cplx * det.clamp(min=0).sqrt() + (~cplx) * ((tr / 2).abs() + root))
    root = np.sqrt(np.maximum(disc, 0))
    return np.where(disc < 0, np.sqrt(np.maximum(det, 0)), np.abs(tr / 2) + root)


def solve(pair, beta, tau2, backend="numpy", newton=True, max_iter=NEWTON_MAX):
    """The (gamma, rho) fixed point of Section 3.2 over arrays (beta, tau2): :class:`WtaeFixedPoint`.

    ReLU phi: beta < 2 gives (0, 0) (refusal at beta >= 2: Divergence).  tanh phi: steps 1-3 of the
    module docstring.  ``newton=False`` is plain iteration of (G, R) from (1, 1) (the baseline of the
    benchmark), up to ``max_iter`` steps, stopping at a relative change <= 1e-13.
    """
    B = NUMPY if backend == "numpy" else torch_backend(beta, tau2)
    beta, tau2 = _bcast(B, beta, tau2)
    shape = beta.shape
    beta, tau2 = beta.reshape(-1), tau2.reshape(-1)
    n = beta.shape[0]
    phi, _ = pair.split("_")
    if phi == "relu":
        bad = _np(beta) >= 2
        if bad.any():
            i = int(np.argmax(bad))
            raise Divergence(
                f"wtae fixed point ({pair}) at beta = {float(_np(beta)[i])!r}: R(0, rho) = beta rho / 2 "
                "(Prop. 10(a)), so for beta > 2 rho diverges to +infinity from every non-zero start (and at "
                "beta = 2 every rho is a fixed point: the limit is the initialisation); no finite fixed point")
        z = 0 * beta
        return WtaeFixedPoint(gamma=z.reshape(shape), rho=z.reshape(shape),
                              slope=gamma_slope(pair, B, beta, tau2).reshape(shape),
                              iterations=np.zeros(n, dtype=np.int64).reshape(shape),
                              converged=np.ones(n, dtype=bool).reshape(shape), radius=(beta / 2).reshape(shape))
    if not newton:
        return _plain(pair, B, beta, tau2, shape, max_iter)
    rho0, _ = _rho0(B, beta)
    slope = gamma_slope(pair, B, beta, tau2)
    gamma = 0 * beta
    rho = rho0.clone() if hasattr(rho0, "clone") else rho0.copy()
    iters = np.zeros(n, dtype=np.int64)
    conv = np.ones(n, dtype=bool)
    act_np = np.nonzero(_np(slope) > 1)[0]
    if act_np.size:
        ix = _idx(B, act_np)
        be, ta = beta[ix], tau2[ix]
        ga = B.where(be > 1, 1 / be, 1.0 + 0 * be)  # start with beta gamma <= 1 (moderate quadrature strips)
        rh = 1.0 + 0 * be
        for _ in range(PLAIN_START):
            o = core(pair, B, ga, rh, be, ta)
            ga, rh = ga * o["g"], o["R"]
        it = np.full(act_np.size, PLAIN_START, dtype=np.int64)
        done = np.zeros(act_np.size, dtype=bool)
        prev = np.full(act_np.size, np.inf)
        for _ in range(max_iter):
            live = np.nonzero(~done)[0]
            if live.size == 0:
                break
            lx = _idx(B, live)
            g0, r0 = ga[lx], rh[lx]
            o = core(pair, B, g0, r0, be[lx], ta[lx], jac=True)
            F1, F2 = o["g"] - 1, o["R"] - r0
            a, bq, c, d = o["g_g"], o["g_r"], o["R_g"], o["R_r"] - 1
            det = a * d - bq * c
            dg = (F1 * d - bq * F2) / det
            dr = (a * F2 - c * F1) / det
            ng, nr = g0 - dg, r0 - dr
            ng = B.where(ng > 0, ng, g0 / 2)
            nr = B.where(nr > 0, nr, r0 / 2)
            ga[lx], rh[lx] = ng, nr
            it[live] += 1
            step = _np(B.where(abs(dg) / ng > abs(dr) / nr, abs(dg) / ng, abs(dr) / nr))
            fin = (step <= 16 * EPS) | ((step >= prev[live]) & (step < 1e-11))
            prev[live] = step
            done[live[fin]] = True
        gamma[ix], rho[ix] = ga, rh
        iters[act_np] = it
        conv[act_np] = done
    # stability of the limit (Jacobian of (G, R))
    o = core(pair, B, gamma, rho, beta, tau2, jac=True)
    radius = _radius(*_jacobian(o, gamma))
    return WtaeFixedPoint(gamma=gamma.reshape(shape), rho=rho.reshape(shape), slope=slope.reshape(shape),
                          iterations=iters.reshape(shape), converged=conv.reshape(shape),
                          radius=radius.reshape(shape))


def _plain(pair, B, beta, tau2, shape, max_iter, tol=1e-13):
    n = beta.shape[0]
    ga, rh = 1.0 + 0 * beta, 1.0 + 0 * beta
    it = np.zeros(n, dtype=np.int64)
    done = np.zeros(n, dtype=bool)
    for _ in range(max_iter):
        live = np.nonzero(~done)[0]
        if live.size == 0:
            break
        lx = _idx(B, live)
        o = core(pair, B, ga[lx], rh[lx], beta[lx], tau2[lx])
        ng, nr = ga[lx] * o["g"], o["R"]
        ch = _np(B.where(abs(ng - ga[lx]) > abs(nr - rh[lx]), abs(ng - ga[lx]), abs(nr - rh[lx])))
        ga[lx], rh[lx] = ng, nr
        it[live] += 1
        done[live[ch <= tol]] = True
    return WtaeFixedPoint(gamma=ga.reshape(shape), rho=rh.reshape(shape), slope=None, iterations=it.reshape(shape),
                          converged=done.reshape(shape), radius=None)


def iterate_plain(pair, beta, tau2, max_iter=10000, backend="numpy"):
    """Plain iteration (gamma, rho) <- (G, R) from (1, 1) (App. C.1's procedure): the baseline."""
    return solve(pair, beta, tau2, backend=backend, newton=False, max_iter=max_iter)


def _fp_kernel(which, pair):
    fid = f"wtae.{which}.{pair}"

    def body(B, beta, tau2):
        beta, tau2 = _bcast(B, beta, tau2)
        _v.check_param(fid, "beta", beta, 0.0, None, True, True, False)
        _v.check_param(fid, "tau2", tau2, 0.0, None, True, True, False)
        _range_guard(fid, beta=beta, tau2=tau2)
        if pair.startswith("relu"):
            _v.check_constraint(fid, "beta < 2", "for beta >= 2 rho diverges to +infinity (beta > 2) or is "
                                "the initialisation (beta = 2): no finite fixed point (Prop. 10(a))",
                                beta < 2, {"beta": beta})
        try:
            r = solve(pair, beta, tau2, backend=B.name)
        except QuadratureTooLarge as e:
            raise QuadratureTooLarge(f"{fid}: {e}") from None
        if not _np(r.converged).all():
            raise FixedPointError(f"{fid}: Newton did not converge: {r.report()}")
        val = r.gamma if which == "gamma" else r.rho
        return _v.finite(fid, val, {"beta": beta, "tau2": tau2})

    return twin_kernels(
        f"{which}_{pair}", ("beta", "tau2"), body,
        f"{which} of the jointly stable fixed point of eqs. (2)-(3) (Li & Nguyen 2019, Section 3.2) for "
        f"phi, sigma = {pair.replace('_', ', ')}: exactly 0 where the iteration converges to 0 (module "
        "docstring: solver).", __name__)


for _w in ("gamma", "rho"):
    for _p in PAIRS:
        globals()[f"{_w}_{_p}"], globals()[f"{_w}_{_p}_torch"] = _fp_kernel(_w, _p)
        __all__ += [f"{_w}_{_p}", f"{_w}_{_p}_torch"]
for _p in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    __all__ += [f"G_{_p}", f"G_{_p}_torch", f"R_{_p}", f"R_{_p}_torch"]


def _slope_kernel(pair):
    fid = f"wtae.gamma_slope.{pair}"

    def body(B, beta, tau2):
        beta, tau2 = _bcast(B, beta, tau2)
        _v.check_param(fid, "beta", beta, 0.0, None, True, True, False)
        _v.check_param(fid, "tau2", tau2, 0.0, None, True, True, False)
        _range_guard(fid, beta=beta, tau2=tau2)
        shape = beta.shape
        try:
            s = gamma_slope(pair, B, beta.reshape(-1), tau2.reshape(-1))
        except QuadratureTooLarge as e:
            raise QuadratureTooLarge(f"{fid}: {e}") from None
        return _v.finite(fid, s.reshape(shape), {"beta": beta, "tau2": tau2})

    return twin_kernels(f"gamma_slope_{pair}", ("beta", "tau2"), body,
                        f"dG/dgamma at (0, rho0(beta)) for {pair} (Li & Nguyen 2019, proofs of Props. 10(c)-(d), "
                        "11(d)): gamma = 0 is stable iff < 1.", __name__)


for _p in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    globals()[f"gamma_slope_{_p}"], globals()[f"gamma_slope_{_p}_torch"] = _slope_kernel(_p)
    __all__ += [f"gamma_slope_{_p}", f"gamma_slope_{_p}_torch"]


def beta0(pair, B, tau2):
    """The gamma transition: the beta with dG/dgamma(0, rho0(beta)) = 1 (flat arrays).

    ReLU phi: 2 / E[sigma'(tau Z)] (Prop. 10(c)-(d)).  tanh phi: s(beta) = beta m1(q*(beta)) E sigma' is
    bracketed between beta_lo = 1/E sigma' (where s <= beta E sigma' = 1, since m1 <= 1) and a doubled
    upper end, then bisection to a relative width of 4 eps (s is continuous and increasing).
    """
    phi, sigma = pair.split("_")
    es = _sigma_slope(B, sigma, tau2)
    if phi == "relu":
        return 2 / es
    lo = 1 / es
    hi = 2 * lo

    def s(bb):
        return _np(gamma_slope(pair, B, bb, tau2))

    for _ in range(200):
        up = s(hi) <= 1
        if not up.any():
            break
        hi = B.where(_mask(B, up), 2 * hi, hi)
        lo = B.where(_mask(B, up), hi / 2, lo)
    for _ in range(200):
        mid = (lo + hi) / 2
        gt = _mask(B, s(mid) > 1)
        hi = B.where(gt, mid, hi)
        lo = B.where(gt, lo, mid)
        if float(_np((hi - lo) / hi).max()) <= 4 * EPS:
            break
    return (lo + hi) / 2


def _beta0_kernel(pair):
    fid = f"wtae.beta0.{pair}"

    def body(B, tau2):
        tau2 = B.asarray(tau2)
        _v.check_param(fid, "tau2", tau2, 0.0, None, True, True, False)
        _range_guard(fid, tau2=tau2)
        shape = tau2.shape
        try:
            out = beta0(pair, B, tau2.reshape(-1))
        except QuadratureTooLarge as e:
            raise QuadratureTooLarge(f"{fid}: {e}") from None
        return _v.finite(fid, out.reshape(shape), {"tau2": tau2})

    return twin_kernels(f"beta0_{pair}", ("tau2",), body,
                        f"beta at which gamma = 0 loses stability (the gamma transition of Section 3.2) for {pair}.",
                        __name__)


for _p in ("relu_tanh", "tanh_tanh", "tanh_relu"):
    globals()[f"beta0_{_p}"], globals()[f"beta0_{_p}_torch"] = _beta0_kernel(_p)
    __all__ += [f"beta0_{_p}", f"beta0_{_p}_torch"]


def _one_d(name, fid, fn, doc):
    def body(B, tau2):
        tau2 = B.asarray(tau2)
        _v.check_param(fid, "tau2", tau2, 0.0, None, True, True, False)
        try:
            out = fn(B, tau2)
        except QuadratureTooLarge as e:
            raise QuadratureTooLarge(f"{fid}: {e}") from None
        return _v.finite(fid, out, {"tau2": tau2})

    return twin_kernels(name, ("tau2",), body, doc, __name__)


tau0sq_tanh, tau0sq_tanh_torch = _one_d("tau0sq_tanh", "wtae.tau0sq.tanh", m2,
                                        "E[tanh(tau Z)^2] (Interpretation 2's input normalisation tau0^2).")
sw2_max_tanh, sw2_max_tanh_torch = _one_d("sw2_max_tanh", "wtae.sw2_max.tanh", lambda B, q: q / m2(B, q),
                                          "sigma_W,max^2 = tau^2 / E[tanh(tau Z)^2] (Section 3.1).")
shallow_gamma_tanh, shallow_gamma_tanh_torch = _one_d(
    "shallow_gamma_tanh", "wtae.shallow.gamma.tanh", m1,
    "Shallow gamma = E[tau z tanh(tau z)]/tau^2 = E[sech^2(tau Z)] (Section 3.4, Stein's lemma).")
shallow_rho_tanh, shallow_rho_tanh_torch = _one_d("shallow_rho_tanh", "wtae.shallow.rho.tanh", m2,
                                                  "Shallow rho = E[tanh(tau Z)^2] (Section 3.4).")
beta_star_tanh_tanh, beta_star_tanh_tanh_torch = _one_d(
    "beta_star_tanh_tanh", "wtae.beta_star.tanh_tanh", lambda B, q: 1 / m1(B, q),
    "beta* = 1/(kappa E[sigma'(tau Z)]) of Prop. 11(e) as printed, kappa = tanh'(0) = 1, sigma = tanh.")
__all__ += ["tau0sq_tanh", "tau0sq_tanh_torch", "sw2_max_tanh", "sw2_max_tanh_torch", "shallow_gamma_tanh",
            "shallow_gamma_tanh_torch", "shallow_rho_tanh", "shallow_rho_tanh_torch", "beta_star_tanh_tanh",
            "beta_star_tanh_tanh_torch"]
