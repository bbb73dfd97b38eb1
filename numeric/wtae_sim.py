"""Random deep weight-tied autoencoders at finite width (Li & Nguyen 2019, Section 2.1 and App. B), the
float64 kernels of Theorem 1's scalar recursions for an all-tanh network, and an IDX (MNIST) reader.

The network (Li & Nguyen 2019, Section 2.1; notation of the paper, code names in brackets)::

    x_0 = x,            x_l = W_l sigma_{l-1}(x_{l-1}) + b_l,                 l = 1..L   [enc]
    xhat_L = W_L^T phi_L(x_L) + v_L,   xhat_l = W_l^T phi_l(xhat_{l+1}) + v_l,   l = L-1..1 [dec]
    xhat = phi_0(xhat_1)

with W_l in R^{n_l x n_{l-1}}, (W_l)_ij i.i.d. of mean 0 and variance sw2 / n_{l-1}, b_l ~ N(0, sb2 I),
v_l ~ N(0, sv2 I).  Weight tying: **each W_l is generated once** and used twice, in the encoder and (as
its transpose) in the decoder; no autograd (``torch.inference_mode``).  sigma_0 = phi_0 = identity by
default, as in App. B.

App. B's estimators, computed for every l = 1..L from one forward pass (``WTAEResult``)::

    gamma_hat_{l+1} = <xhat_l, sigma_{l-1}(x_{l-1})> / (alpha_l sw2 |sigma_{l-1}(x_{l-1})|^2)
    rho_hat_{l+1}   = (|xhat_l|^2 / n_{l-1} - alpha_l^2 sw2^2 gamma_hat_{l+1}^2 |sigma_{l-1}(x_{l-1})|^2 / n_{l-1}
                       - sv2) / (alpha_l sw2)

(alpha_l = n_l / n_{l-1}); Theorem 1(b) predicts gamma_hat_l -> gamma_l and rho_hat_l -> rho_l.

Weight laws (Remark 2 / App. B, Fig. 8): ``gaussian``, ``bernoulli`` (+-s), ``uniform`` (on [-sqrt 3 s,
sqrt 3 s]), ``laplace`` (scale s / sqrt 2), ``student_t<nu>`` (Student t with nu > 2 degrees of freedom,
scaled by sqrt((nu - 2)/nu)), all with mean 0 and variance s^2 = sw2 / n_{l-1}.

Theorem 1's sequences (all-tanh kernels ``thm1_*_tanh``): see :func:`thm1_sequences_tanh`.
"""
from __future__ import annotations

import gzip
import math
import struct
from dataclasses import dataclass, field

import numpy as np

from theorycheck.numeric.backend import NUMPY, require_generator, torch as _torch, twin_kernels
from theorycheck.numeric.gaussian import TANH_STRIP, trapezoid_rule
from theorycheck.numeric.validate import DomainError, check_param

__all__ = ["WEIGHT_LAWS", "ACTS", "WTAEResult", "draw_weights", "wtae_forward", "app_b_input",
           "thm1_sequences_tanh", "thm1_gamma2_tanh", "thm1_gamma2_tanh_torch", "thm1_rho2_tanh",
           "thm1_rho2_tanh_torch", "THM1_DOMAIN", "read_idx", "write_idx", "forward_flops"]

ACTS = ("identity", "tanh", "relu")
WEIGHT_LAWS = ("gaussian", "bernoulli", "uniform", "laplace", "student_t")


def _act(name):
    t = _torch()
    if name == "identity":
        return lambda u: u
    if name == "tanh":
        return t.tanh
    if name == "relu":
        return t.relu
    raise DomainError(f"wtae_forward: activation {name!r} is not one of {ACTS}")


def _parse_law(law: str):
    """('student_t', nu) for 'student_t3' / 'student_t2.5'; (law, None) otherwise."""
    if law.startswith("student_t"):
        try:
            nu = float(law[len("student_t"):])
        except ValueError:
            nu = float("nan")
        if not (nu > 2 and math.isfinite(nu)):
            raise DomainError(f"weight law {law!r}: the degrees of freedom nu must be a finite number in (2, inf) "
                              "(finite variance), e.g. 'student_t3'")
        return "student_t", nu
    if law not in WEIGHT_LAWS:
        raise DomainError(f"weight law {law!r} is not one of gaussian, bernoulli, uniform, laplace, student_t<nu>")
    return law, None


def draw_weights(shape, std: float, law: str, gen, dtype=None, device=None):
    """A tensor of i.i.d. entries with mean 0 and standard deviation ``std`` from ``law`` (module docstring).

    Gaussian, Bernoulli, uniform and Laplace entries come from ``gen`` directly; Student t entries from
    NumPy's ``standard_t`` seeded by a 63-bit integer drawn from ``gen`` (Torch has no seeded Gamma)."""
    t = _torch()
    gen = require_generator(gen)
    dtype = dtype or t.float64
    device = device or gen.device
    kind, nu = _parse_law(law)
    if kind == "gaussian":
        w = t.randn(shape, generator=gen, dtype=dtype, device=gen.device)
        w.mul_(std)
    elif kind == "bernoulli":
        w = t.randint(0, 2, shape, generator=gen, device=gen.device).to(dtype)
        w.mul_(2 * std).sub_(std)
    elif kind == "uniform":
        w = t.rand(shape, generator=gen, dtype=dtype, device=gen.device)
        a = math.sqrt(3.0) * std
        w.mul_(2 * a).sub_(a)
    elif kind == "laplace":
        # inverse CDF: u ~ U(-1/2, 1/2), w = -b sign(u) log(1 - 2|u|), b = std / sqrt 2 (variance 2 b^2)
        u = t.rand(shape, generator=gen, dtype=t.float64, device=gen.device) - 0.5
        w = (-(std / math.sqrt(2.0)) * t.sign(u) * t.log1p(-2.0 * u.abs())).to(dtype)
    else:
        seed = int(t.randint(0, 2**62, (1,), generator=gen, device=gen.device).item())
        arr = np.random.default_rng(seed).standard_t(nu, size=shape) * (std * math.sqrt((nu - 2.0) / nu))
        w = t.as_tensor(arr, dtype=dtype, device=gen.device)
    return w if w.device == t.device(device) else w.to(device)


@dataclass
class WTAEResult:
    """One forward pass of a batch of inputs through one random weight-tied autoencoder.

    Arrays are float64 NumPy, shape (batch, L) unless said otherwise; index ``l - 1`` is layer ``l``.

    * ``enc_q[:, l-1]``  = |x_l|^2 / n_l (Theorem 1(a): -> tau_l^2 of eq. in Sec. 2.2)
    * ``h_sq[:, l-1]``   = |sigma_{l-1}(x_{l-1})|^2 / n_{l-1}
    * ``dec_ip[:, l-1]`` = <xhat_l, sigma_{l-1}(x_{l-1})> / n_{l-1}
    * ``dec_sq[:, l-1]`` = |xhat_l|^2 / n_{l-1}
    * ``gamma_hat[:, l-1]``, ``rho_hat[:, l-1]``: App. B's estimators of gamma_{l+1}, rho_{l+1}
    * ``output`` (batch, n_0): xhat = phi_0(xhat_1); ``x`` the inputs; ``enc_last`` (batch, n_L): x_L
    * ``seconds_weights`` / ``seconds_total``: time spent generating weights / in the whole pass
    """

    enc_q: np.ndarray
    h_sq: np.ndarray
    dec_ip: np.ndarray
    dec_sq: np.ndarray
    gamma_hat: np.ndarray
    rho_hat: np.ndarray
    output: np.ndarray
    x: np.ndarray
    enc_last: np.ndarray | None = None
    widths: tuple = ()
    seconds_weights: float = 0.0
    seconds_total: float = 0.0
    extra: dict = field(default_factory=dict)


def _check_widths(widths):
    if len(widths) < 2 or any((not isinstance(n, (int, np.integer))) or n < 1 for n in widths):
        raise DomainError(f"wtae_forward: parameter 'widths' = {widths!r} must list at least two positive integers "
                          "n_0, n_1, ..., n_L")


def wtae_forward(x, widths, sw2: float, sb2: float, sv2: float, gen, law: str = "gaussian",
                 enc_act: str = "tanh", dec_act: str = "tanh", last_act: str | None = None,
                 in_act: str = "identity", out_act: str = "identity", dtype: str = "float64",
                 keep_output: bool = True):
    """Forward pass of a random weight-tied autoencoder (module docstring) on the inputs ``x``.

    ``x``: (batch, n_0) array or tensor (all rows go through the same network); ``widths`` = (n_0, ..., n_L);
    ``sw2`` > 0, ``sb2``, ``sv2`` >= 0 the same at every layer; ``enc_act`` = sigma_l (l >= 1), ``in_act`` =
    sigma_0, ``dec_act`` = phi_l (1 <= l < L), ``last_act`` = phi_L (default ``dec_act``), ``out_act`` = phi_0.
    ``dtype``: 'float64' or 'float32' (arithmetic and weights; the statistics are returned as float64).
    Each W_l, b_l, v_l is drawn once from ``gen`` (W_1, b_1, ..., W_L, b_L, then v_L, ..., v_1).
    """
    import time

    t = _torch()
    gen = require_generator(gen)
    _check_widths(widths)
    for name, val, lo_open in (("sw2", sw2, True), ("sb2", sb2, False), ("sv2", sv2, False)):
        check_param("wtae_forward", name, np.asarray(float(val)), 0.0, None, lo_open, True, False)
    if dtype not in ("float64", "float32"):
        raise DomainError(f"wtae_forward: parameter 'dtype' = {dtype!r} is not one of float64, float32")
    dt = getattr(t, dtype)
    sig, phi, phiL = _act(enc_act), _act(dec_act), _act(last_act or dec_act)
    sig0, phi0 = _act(in_act), _act(out_act)
    dev = gen.device
    L = len(widths) - 1
    x = t.as_tensor(np.asarray(x) if not isinstance(x, t.Tensor) else x).to(dtype=dt, device=dev)
    if x.dim() == 1:
        x = x[None, :]
    if x.shape[1] != widths[0]:
        raise DomainError(f"wtae_forward: input dimension {x.shape[1]} differs from n_0 = {widths[0]}")
    t0 = time.perf_counter()
    tw = 0.0
    B = x.shape[0]
    Ws, hs = [], []
    enc_q = t.empty(B, L, dtype=t.float64)
    h_sq = t.empty(B, L, dtype=t.float64)
    dec_ip = t.empty(B, L, dtype=t.float64)
    dec_sq = t.empty(B, L, dtype=t.float64)
    with t.inference_mode():
        z = x
        for l in range(1, L + 1):
            n_in, n_out = widths[l - 1], widths[l]
            h = (sig0 if l == 1 else sig)(z)
            s0 = time.perf_counter()
            W = draw_weights((n_out, n_in), math.sqrt(sw2 / n_in), law, gen, dtype=dt, device=dev)
            b = t.randn(n_out, generator=gen, dtype=dt, device=dev) * math.sqrt(sb2) if sb2 > 0 else None
            tw += time.perf_counter() - s0
            z = h @ W.T
            if b is not None:
                z += b
            Ws.append(W)
            hs.append(h)
            h_sq[:, l - 1] = (h.double() ** 2).sum(1).cpu() / n_in
            enc_q[:, l - 1] = (z.double() ** 2).sum(1).cpu() / n_out
        enc_last = z
        u = phiL(z)
        for l in range(L, 0, -1):
            W = Ws[l - 1]
            xh = u @ W
            if sv2 > 0:
                s0 = time.perf_counter()
                v = t.randn(widths[l - 1], generator=gen, dtype=dt, device=dev) * math.sqrt(sv2)
                tw += time.perf_counter() - s0
                xh += v
            n_in = widths[l - 1]
            h = hs[l - 1].double()
            xd = xh.double()
            dec_ip[:, l - 1] = (xd * h).sum(1).cpu() / n_in
            dec_sq[:, l - 1] = (xd * xd).sum(1).cpu() / n_in
            Ws[l - 1] = None  # release the weight once both uses are done
            if l > 1:
                u = phi(xh)
        out = phi0(xh)
    total = time.perf_counter() - t0
    alpha = np.array([widths[l] / widths[l - 1] for l in range(1, L + 1)])
    ip, hq, sq = dec_ip.numpy(), h_sq.numpy(), dec_sq.numpy()
    g = ip / (alpha * sw2 * hq)
    r = (sq - (alpha * sw2 * g) ** 2 * hq - sv2) / (alpha * sw2)
    return WTAEResult(enc_q=enc_q.numpy(), h_sq=hq, dec_ip=ip, dec_sq=sq, gamma_hat=g, rho_hat=r,
                      output=out.double().cpu().numpy() if keep_output else None,
                      x=x.double().cpu().numpy() if keep_output else None,
                      enc_last=enc_last.double().cpu().numpy() if keep_output else None,
                      widths=tuple(int(n) for n in widths), seconds_weights=tw, seconds_total=total)


def app_b_input(n0: int) -> np.ndarray:
    """App. B's input: the first half of the entries +1, the rest -1 (|x|^2 / n_0 = 1)."""
    x = -np.ones(n0)
    x[: (n0 + 1) // 2] = 1.0
    return x


def forward_flops(widths, batch: int) -> float:
    """Floating-point operations of the two matrix products per layer: 2 * 2 * batch * n_l * n_{l-1}."""
    return float(sum(4.0 * batch * widths[l] * widths[l - 1] for l in range(1, len(widths))))


# ----------------------------------------------------------------------------------------------
# Theorem 1's scalar sequences for an all-tanh network (phi_l = sigma_l = tanh for l >= 1, phi_L = tanh,
# sigma_0 = phi_0 = identity, alpha_l = alpha, sigma_{W,l}^2 = sw2, sigma_{b,l}^2 = sb2, sigma_{v,l}^2 = sv2).
#
# Domain (float64 kernels, mpmath reference): L integers in [1, 100]; alpha, sw2, tau0sq in (0, 4];
# sb2, sv2 in [0, 4].  Bounded so that every 2-D expectation stays within a bounded trapezoid rule: the
# preactivation sd tau <= sqrt(4 * 4 + 4) and the decoder noise sd s <= sqrt(4 * 4 + 4); the composition
# tanh(a tanh(u) + ...) narrows the analytic strip in u to atan(pi / (2 a)) with a = alpha sw2 gamma <= 16 gamma.
THM1_DOMAIN = {
    "L": (1.0, 100.0, False, False, True),
    "alpha": (0.0, 4.0, True, False, False),
    "sw2": (0.0, 4.0, True, False, False),
    "sb2": (0.0, 4.0, False, False, False),
    "sv2": (0.0, 4.0, False, False, False),
    "tau0sq": (0.0, 4.0, True, False, False),
}
# Below this rho_l the float64 terms w_j tanh(u)^2 (weights down to ~1e-19) leave the normal range.
_RHO_FLOOR = 1e-250
_THM1_PARAMS = ("L", "alpha", "sw2", "sb2", "sv2", "tau0sq")


def _sech2(B, u):
    """sech(u)^2 = 4 e / (1 + e)^2, e = exp(-2 |u|): no overflow, relative accuracy ~ eps at every u."""
    e = B.exp(-2.0 * abs(u))
    return 4.0 * e / ((1.0 + e) * (1.0 + e))


def _expect1_pair(B, tau):
    """(E[sech^2(tau Z)], E[tanh^2(tau Z)]) by the trapezoid rule of numeric.gaussian (strip pi/2)."""
    z, w = trapezoid_rule(max(tau, 1e-300), strip=TANH_STRIP, half=True)
    u = B.asarray(z) * tau
    w = B.asarray(w)
    th = B.tanh(u)
    return float((_sech2(B, u) * w).sum()), float((th * th * w).sum())


def _layer(B, tau, a, s):
    """(E[sech^2(tau X) sech^2(a tanh(tau X) + s Y)], E[tanh^2(a tanh(tau X) + s Y)]), X, Y ~ N(0,1) indep.

    Tensor-product trapezoid rule (numeric.gaussian's accuracy rule in each variable): in X with scale tau
    and strip min(TANH_STRIP, 0.75 atan(pi / (2 a))) -- the composition has singularities where
    a tanh(u) reaches +-i pi/2, and Im(a tanh(x + i v)) <= a tan(v) -- on the half grid (both integrands
    are even in X); in Y with scale s and strip TANH_STRIP.  Both integrands are positive: relative
    accuracy ~ eps log(nodes) whatever the size of the results."""
    strip = TANH_STRIP if a <= 0 else min(TANH_STRIP, 0.75 * math.atan(math.pi / (2.0 * a)))
    zx, wx = trapezoid_rule(max(tau, 1e-300), strip=strip, half=True)
    zy, wy = trapezoid_rule(max(s, 1e-300), strip=TANH_STRIP)
    ux = B.asarray(zx) * tau
    wx, wy = B.asarray(wx), B.asarray(wy)
    u = a * B.tanh(ux)[:, None] + s * B.asarray(zy)[None, :]
    th = B.tanh(u)
    A = float(((_sech2(B, u) * wy).sum(-1) * _sech2(B, ux) * wx).sum())
    R = float(((th * th * wy).sum(-1) * wx).sum())
    return A, R


def thm1_sequences_tanh(L, alpha, sw2, sb2, sv2, tau0sq, backend=NUMPY):
    """Theorem 1's sequences for the all-tanh network with equal per-layer constants (float64).

    Returns a dict of NumPy arrays: ``tau2[l]`` (l = 0..L; tau2[0] = bar tau_0^2 = tau0sq, the rest
    tau_l^2), ``gamma[l]``, ``rho[l]`` (l = 2..L+1; entries 0, 1 are NaN) and ``log2_gamma`` (gamma as
    log2, never underflowing).  Reading of Section 2.2 (OCR-damaged; derivation in
    symbolic/wtae_thm1.py)::

        tau_1^2 = sw2 tau0sq + sb2,   tau_l^2 = sw2 E[tanh(tau_{l-1} z)^2] + sb2      (l = 2..L)
        gamma_{L+1} = E[tanh'(tau_L z)],  rho_{L+1} = E[tanh(tau_L z)^2]
        gamma_l = alpha sw2 gamma_{l+1} E[tanh'(tau_{l-1} z1) tanh'(alpha sw2 gamma_{l+1} tanh(tau_{l-1} z1) + s_l z2)]
        rho_l   = E[tanh(alpha sw2 gamma_{l+1} tanh(tau_{l-1} z1) + s_l z2)^2],  s_l^2 = alpha sw2 rho_{l+1} + sv2

    (gamma_l in Remark 3's Stein form: a product of positive factors, relative accuracy ~ L eps.)
    Domain: :data:`THM1_DOMAIN`; a result below the float64 range raises DomainError (underflow).
    """
    L = int(L)
    tau2 = np.full(L + 1, np.nan)
    tau2[0] = tau0sq
    tau2[1] = sw2 * tau0sq + sb2
    for l in range(2, L + 1):
        _, m2 = _expect1_pair(backend, math.sqrt(tau2[l - 1]))
        tau2[l] = sw2 * m2 + sb2
    gamma = np.full(L + 2, np.nan)
    rho = np.full(L + 2, np.nan)
    lg = np.full(L + 2, np.nan)
    g_top, r_top = _expect1_pair(backend, math.sqrt(tau2[L]))
    mant, ex = math.frexp(g_top)  # gamma = mant * 2**ex, kept normalized (no underflow at any depth)
    gamma[L + 1], rho[L + 1], lg[L + 1] = g_top, r_top, math.log2(g_top)
    c = alpha * sw2
    for l in range(L, 1, -1):
        a = c * math.ldexp(mant, ex)
        s = math.sqrt(c * rho[l + 1] + sv2)
        A, R = _layer(backend, math.sqrt(tau2[l - 1]), a, s)
        mant, e2 = math.frexp(mant * c * A)
        ex += e2
        rho[l] = R
        gamma[l] = math.ldexp(mant, ex)
        lg[l] = math.log2(mant) + ex
    return {"tau2": tau2, "gamma": gamma, "rho": rho, "log2_gamma": lg, "gamma2_mant_exp": (mant, ex)}


def _thm1_check(fid, B, args):
    vals = [B.asarray(v) for v in args]
    for name, v in zip(_THM1_PARAMS, vals):
        lo, hi, lo_open, hi_open, integer = THM1_DOMAIN[name]
        check_param(fid, name, v, lo, hi, lo_open, hi_open, integer)
    return vals


def _thm1_kernel(which):
    fid = f"wtae.thm1.{which}2.tanh"

    def body(B, *args):
        vals = _thm1_check(fid, B, args)
        if B.name == "numpy":
            arrs = np.broadcast_arrays(*vals)
        else:
            arrs = B.t.broadcast_tensors(*vals)
        shape = arrs[0].shape
        flat = [a.reshape(-1) for a in arrs]
        n = flat[0].shape[0]
        out = np.empty(n)
        for i in range(n):
            p = [float(f[i]) for f in flat]
            seq = thm1_sequences_tanh(*p, backend=B)
            if which == "gamma":
                mant, ex = seq["gamma2_mant_exp"]
                if ex < -1021:
                    raise DomainError(f"{fid}: float64 underflow at {dict(zip(_THM1_PARAMS, p))}: gamma_2 = 2^"
                                      f"{math.log2(mant) + ex:.1f} is below the float64 normal range (use the mpmath "
                                      "backend)")
                out[i] = math.ldexp(mant, ex)
            else:
                r = seq["rho"][2:]
                if np.min(r) < _RHO_FLOOR:
                    raise DomainError(f"{fid}: float64 underflow at {dict(zip(_THM1_PARAMS, p))}: rho_l = "
                                      f"{np.min(r):.3g} < {_RHO_FLOOR:g}, where the quadrature terms leave the "
                                      "float64 normal range (use the mpmath backend)")
                out[i] = r[0]
        res = B.asarray(out.reshape(shape))
        return res

    return body


_THM1_DOC = """Theorem 1 (Li & Nguyen 2019, Section 2.2) {what} for the all-tanh weight-tied autoencoder with equal
per-layer constants (alpha, sw2, sb2, sv2), input norm tau0sq = |x|^2 / n_0 and depth L (float64).

Algorithm: :func:`thm1_sequences_tanh` (1-D and 2-D trapezoid rules of numeric.gaussian, ~1e-17 of each
positive expectation; {acc}).  Domain: L integers in [1, 100]; alpha, sw2, tau0sq in (0, 4]; sb2, sv2 in
[0, 4] (bounded quadrature work).  Loops over broadcast points (each point is a depth-L recursion)."""
thm1_gamma2_tanh, thm1_gamma2_tanh_torch = twin_kernels(
    "thm1_gamma2_tanh", _THM1_PARAMS, _thm1_kernel("gamma"),
    _THM1_DOC.format(what="gamma_2", acc="gamma_2 is a product of L positive factors, relative error ~ L eps; "
                                         "a value below the float64 normal range raises DomainError"), __name__)
thm1_rho2_tanh, thm1_rho2_tanh_torch = twin_kernels(
    "thm1_rho2_tanh", _THM1_PARAMS, _thm1_kernel("rho"),
    _THM1_DOC.format(what="rho_2", acc="relative error ~ eps per layer, damped by the recursion"), __name__)


# ----------------------------------------------------------------------------------------------
# IDX files (the MNIST format): magic 0x00 0x00 <type> <ndim>, ndim big-endian uint32 sizes, data.
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
              0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed, by its magic bytes) into a NumPy array.

    Raises ValueError with the file name on a malformed header or a size mismatch (never a silent
    truncation)."""
    with open(path, "rb") as fh:
        raw = fh.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES or raw[3] == 0:
        raise ValueError(f"{path}: not an IDX file (magic bytes {raw[:4]!r}; expected 00 00 <type> <ndim>)")
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ValueError(f"{path}: IDX header truncated ({len(raw)} bytes, {ndim} dimensions)")
    dims = struct.unpack(">" + "I" * ndim, raw[4:head])
    dt = np.dtype(_IDX_TYPES[raw[2]])
    need = int(np.prod(dims)) * dt.itemsize
    if len(raw) - head != need:
        raise ValueError(f"{path}: IDX data has {len(raw) - head} bytes, the header {dims} of {dt} needs {need}")
    return np.frombuffer(raw, dtype=dt, offset=head).reshape(dims).astype(dt.newbyteorder("="))


def write_idx(path, arr) -> None:
    """Write ``arr`` (uint8, int8, >i2, >i4, >f4 or >f8 representable) as an IDX file (tests, fixtures)."""
    arr = np.asarray(arr)
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(np.int16): 0x0B,
             np.dtype(np.int32): 0x0C, np.dtype(np.float32): 0x0D, np.dtype(np.float64): 0x0E}
    code = codes.get(arr.dtype.newbyteorder("=") if arr.dtype.byteorder == ">" else arr.dtype)
    if code is None:
        raise ValueError(f"write_idx: dtype {arr.dtype} has no IDX type code")
    body = arr.astype(arr.dtype.newbyteorder(">")).tobytes()
    with open(path, "wb") as fh:
        fh.write(bytes([0, 0, code, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape) + body)


# ----------------------------------------------------------------------------------------------
# The constant-coefficient map of Section 3.1 (eqs. (2)-(3) with phi = sigma = tanh) on the float64 rules above.
def tanh_moments(tau: float) -> tuple[float, float]:
    """(E[tanh'(tau Z)], E[tanh(tau Z)^2]): gamma_{L+1}, rho_{L+1} of Theorem 1 at tau_L = tau (float64)."""
    check_param("tanh_moments", "tau", np.asarray(float(tau)), 0.0, None, False, True, False)
    return _expect1_pair(NUMPY, float(tau))


def gr_map_tanh(gamma: float, rho: float, beta: float, tau: float, sv2: float = 0.0) -> tuple[float, float]:
    """One step (gamma, rho) -> (G, R) of Theorem 1's recursion at constant coefficients (Section 3.1, eqs.
    (2)-(3) in Remark 3's Stein form, plus the decoder-bias term sv2 of Theorem 1):
    G = beta gamma E[tanh'(tau z1) tanh'(beta gamma tanh(tau z1) + s z2)], R = E[tanh(...)^2],
    s^2 = beta rho + sv2 (float64, numeric.gaussian's trapezoid rules; rho >= 0; gamma any real: G is odd in gamma
    and R even, the natural extension used by central differences at gamma = 0)."""
    check_param("gr_map_tanh", "gamma", np.asarray(float(gamma)), None, None, True, True, False)
    for name, v, lo_open in (("rho", rho, False), ("beta", beta, True), ("tau", tau, True), ("sv2", sv2, False)):
        check_param("gr_map_tanh", name, np.asarray(float(v)), 0.0, None, lo_open, True, False)
    a = beta * gamma
    A, R = _layer(NUMPY, float(tau), abs(a), math.sqrt(beta * rho + sv2))  # A, R are even in a
    return a * A, R


# ----------------------------------------------------------------------------------------------
# Training (Section 3.5): mini-batch gradient descent on the normalised loss |x - xhat|^2 / |x|^2.  Training
# needs gradients: autograd is used here (and only here); the random-network simulations above never build a graph.
def train_wtae(x_train, x_test, widths, sw2: float, sb2: float, gen, enc_act="tanh", dec_act="tanh",
               last_act=None, out_act="identity", lr: float = 5e-3, batch: int = 250, iters: int = 1000,
               eval_every: int = 10, dtype: str = "float32"):
    """Train a weight-tied autoencoder (Section 2.1 architecture, sigma_0 = identity) from the random
    initialisation (W_l)_ij ~ N(0, sw2/n_{l-1}), b_l ~ N(0, sb2), v_l = 0 (decoder biases initialised to zero,
    Section 3.5) by plain mini-batch SGD with learning rate ``lr`` on the mean over the batch of
    |x - xhat|^2 / |x|^2.  Mini-batches are drawn without replacement from a fresh permutation each epoch
    (``gen``).  Returns (iterations, test losses) at every ``eval_every`` iterations (iteration 0 included);
    a non-finite loss stops training and is reported as +inf from then on."""
    t = _torch()
    gen = require_generator(gen)
    _check_widths(widths)
    dt = getattr(t, dtype)
    xtr = t.as_tensor(np.asarray(x_train), dtype=dt)
    xte = t.as_tensor(np.asarray(x_test), dtype=dt)
    L = len(widths) - 1
    sig, phi, phiL, phi0 = _act(enc_act), _act(dec_act), _act(last_act or dec_act), _act(out_act)
    Ws, bs, vs = [], [], []
    for l in range(1, L + 1):
        W = t.randn(widths[l], widths[l - 1], generator=gen, dtype=dt) * math.sqrt(sw2 / widths[l - 1])
        b = t.randn(widths[l], generator=gen, dtype=dt) * math.sqrt(sb2)
        Ws.append(W.requires_grad_())
        bs.append(b.requires_grad_())
        vs.append(t.zeros(widths[l - 1], dtype=dt, requires_grad=True))
    params = Ws + bs + vs

    def forward(x):
        z = x
        for l in range(L):
            z = (z if l == 0 else sig(z)) @ Ws[l].T + bs[l]
        u = phiL(z)
        for l in range(L - 1, -1, -1):
            xh = u @ Ws[l] + vs[l]
            if l > 0:
                u = phi(xh)
        return phi0(xh)

    def loss_of(x):
        xh = forward(x)
        return (((x - xh) ** 2).sum(1) / (x ** 2).sum(1)).mean()

    its, losses = [], []
    n = xtr.shape[0]
    perm, pos = t.randperm(n, generator=gen), 0
    dead = False
    for it in range(iters + 1):
        if it % eval_every == 0:
            if dead:
                val = float("inf")
            else:
                with t.no_grad():
                    val = float(loss_of(xte))
                dead = not math.isfinite(val)
                val = val if not dead else float("inf")
            its.append(it)
            losses.append(val)
        if it == iters or dead:
            if dead and it < iters:
                its.extend(range(it + eval_every - it % eval_every, iters + 1, eval_every))
                losses.extend([float("inf")] * (len(its) - len(losses)))
            if dead:
                break
            continue
        if pos + batch > n:
            perm, pos = t.randperm(n, generator=gen), 0
        idx = perm[pos:pos + batch]
        pos += batch
        loss = loss_of(xtr[idx])
        grads = t.autograd.grad(loss, params)
        with t.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
    return np.array(its), np.array(losses)
