"""Finite-width signal propagation through random deep networks (the simulation side of mean-field theory).

One harness, parametrized, for every finite-width propagation simulation of the suite:

* fully-connected networks with i.i.d. Gaussian weights ``W_ij ~ N(0, sw2/N)`` and biases
  ``b_i ~ N(0, sb2)`` (Yarotsky's lecture, "ANN in the large-width limit"; Poole et al. 2016),
* random orthogonal weights with gain ``g`` (Saxe et al. 2013, eq. (20): ``x^{l+1} = g W phi(x^l)``,
  ``W`` Haar-distributed orthogonal; here ``sw2 = g**2`` and ``sb2 = 0``),
* optionally layer normalization without centering and a linear "embedding" first layer (ICLR 2022
  submission, eq. (2.1): ``z = sqrt(N) y / |y|``, ``phi_1(x) = x``).

Notation map (code name -> lecture / paper symbol):
    z[l]         -> z_l (lecture), x^l (Saxe eq. 20), z^(l) (ICLR eq. 2.1): preactivations of layer l
    sw2, sb2     -> alpha_w^2, alpha_h^2 (lecture); sigma_w^2, sigma_b^2 (ICLR); g^2, 0 (Saxe)
    q[l]         -> q_l = |z_l|^2 / N (lecture "Reduction to 1D dynamics"; Saxe eq. (21))
    c[l]         -> c_{l,12} = <z_{l,1}, z_{l,2}> / (|z_{l,1}| |z_{l,2}|) (lecture; rho_l in ICLR eq. 2.2)
    grad_ratio   -> |delta_l|^2 / |delta_{l+1}|^2 with delta_l = phi'(z_l) * (W_{l+1}^T delta_{l+1})
                    (lecture, "Error backpropagation"; the claim is that it is close to chi_1)
    jac_sv       -> singular values of the end-to-end Jacobian d z_L / d z_0 (Saxe eq. (22))

The layer recursion (layer ``l = 1..depth``) is ``z_l = W_l phi(z_{l-1}) + b_l`` (``phi`` is the
identity at layer 1 when ``linear_first``), followed by ``z_l <- sqrt(N) z_l / |z_l|`` when
``layernorm``.  Inputs ``z_0`` are built exactly: every network receives ``P`` vectors with
``|z_0|^2 / N = q0`` and cosine ``c0[k]`` between vector 0 and vector ``k + 1``, in a random
orientation.

Randomness: every random tensor comes from its own ``torch.Generator`` seeded from
``numpy.random.SeedSequence([seed, kind, layer, net])``, so a network's weights depend only on
``(seed, net index)`` and not on how nets are batched; the backward pass reuses the forward weights
when ``depth N^2`` doubles fit in ``MAX_STORE_BYTES`` and otherwise regenerates each layer's
weights from the same seeds (memory ``O(batch N^2)``, not ``O(depth n_nets N^2)``).  All arithmetic is float64; Torch is imported lazily.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from theorycheck.numeric.backend import generator, haar_orthogonal, torch as _torch
from theorycheck.numeric.validate import DomainError

__all__ = ["ACTIVATIONS", "PropagationResult", "propagate", "activation",
           "correlated_inputs", "layer_weights", "layer_bias", "input_vectors", "output_error"]

ACTIVATIONS = ("linear", "relu", "leaky_relu", "tanh", "erf")

# Nets are simulated in batches holding at most this many bytes of weights (results do not depend on
# the batching: every net has its own random streams).
MAX_BATCH_BYTES = 256 * 2**20
# The backward pass keeps the forward weights of a batch when they fit in this many bytes.
MAX_STORE_BYTES = 512 * 2**20

# Tags of the seed sequences (one stream per kind of random object).
_TAG_INPUT, _TAG_WEIGHT, _TAG_BIAS, _TAG_DELTA = 1, 2, 3, 4


def _fail(name, value, domain):
    raise DomainError(f"propagate: parameter {name!r} = {value!r} is outside its domain {domain}")


def activation(name: str, a: float | None = None):
    """Return ``(phi, dphi)`` as Torch functions for activation ``name``.

    ``leaky_relu`` follows the ICLR 2022 Appendix B convention ``LReLU_a(x) = a x + (1 - a) ReLU(x)``
    (slope ``a`` for ``x < 0``, slope 1 for ``x > 0``); ``erf`` is the standard error function
    (``C[erf|rho] = (2/pi) arcsin(2 rho / 3)``, which is the arctan form printed in Appendix B).
    The derivative of ReLU at 0 is taken as 0 (a measure-zero set for Gaussian preactivations).
    """
    t = _torch()
    if name not in ACTIVATIONS:
        raise DomainError(f"propagate: activation {name!r} is not one of {ACTIVATIONS}")
    if name == "leaky_relu":
        if a is None or not (isinstance(a, (int, float)) and math.isfinite(a)):
            _fail("a", a, "a finite real slope (leaky_relu needs a)")
    elif a is not None:
        raise DomainError(f"propagate: parameter 'a' = {a!r} is only valid for leaky_relu, not {name!r}")
    if name == "linear":
        return (lambda x: x), (lambda x: t.ones_like(x))
    if name == "relu":
        return t.relu, (lambda x: (x > 0).to(x.dtype))
    if name == "leaky_relu":
        af = float(a)
        return (lambda x: t.where(x > 0, x, af * x)), (lambda x: t.where(x > 0, t.ones_like(x), t.full_like(x, af)))
    if name == "tanh":
        return t.tanh, (lambda x: 1.0 - t.tanh(x) ** 2)
    c = 2.0 / math.sqrt(math.pi)
    return t.erf, (lambda x: c * t.exp(-x * x))


def _gen(seed: int, tag: int, layer: int, net: int, device):
    """The generator of one random object: numeric.backend.generator keyed by (seed, tag, layer, net)."""
    return generator((seed, tag, layer, net), device)


def correlated_inputs(width: int, q0: float, c0, generator, device="cpu"):
    """``P = 1 + len(c0)`` vectors of dimension ``width`` with ``|v|^2/width = q0`` exactly and cosine
    ``c0[k]`` between vector 0 and vector ``k + 1`` exactly (up to rounding), randomly oriented.

    Built from ``P`` Gaussian vectors orthonormalized by QR: vector ``k + 1`` is
    ``c u_0 + sqrt(1 - c^2) u_{k+1}``.
    """
    t = _torch()
    c0 = np.atleast_1d(np.asarray(c0, dtype=np.float64))
    p = 1 + c0.size
    if width < p:
        _fail("width", width, f"integers >= number of input vectors {p}")
    g = t.randn(width, p, generator=generator, dtype=t.float64, device=device)
    u, _ = t.linalg.qr(g)  # orthonormal columns
    u = u.T  # (p, width)
    cc = t.as_tensor(c0, dtype=t.float64, device=device).unsqueeze(1)
    others = cc * u[:1] + t.sqrt(t.clamp(1.0 - cc * cc, min=0.0)) * u[1:]
    v = t.cat([u[:1], others], dim=0)
    return v * math.sqrt(q0 * width)


def layer_weights(seed: int, layer: int, net: int, width: int, weights: str = "gaussian", device="cpu", out=None):
    """The *unscaled* weight matrix of ``layer`` (1-based) of net ``net``: standard normal entries
    (``weights='gaussian'``) or Haar orthogonal (``'orthogonal'``).  :func:`propagate` multiplies the
    products by ``sqrt(sw2 / N)`` (Gaussian) or ``g = sqrt(sw2)`` (orthogonal), which is cheaper than
    scaling the matrix.  Public so that tests can rebuild a simulated network exactly.
    """
    t = _torch()
    g = _gen(seed, _TAG_WEIGHT, layer, net, device)
    if weights == "orthogonal":
        w = haar_orthogonal(width, g, device=device)
        return w if out is None else out.copy_(w)
    return t.randn((width, width), generator=g, dtype=t.float64, device=device, out=out)


def layer_bias(seed: int, layer: int, net: int, width: int, device="cpu"):
    """The unscaled (standard normal) bias vector of ``layer`` of net ``net``; scaled by sqrt(sb2)."""
    t = _torch()
    return t.randn(width, generator=_gen(seed, _TAG_BIAS, layer, net, device), dtype=t.float64, device=device)


def input_vectors(seed: int, net: int, width: int, q0: float, c0, device="cpu"):
    """The input vectors ``z_0`` of net ``net`` (see :func:`correlated_inputs`)."""
    return correlated_inputs(width, q0, c0, _gen(seed, _TAG_INPUT, 0, net, device), device)


def output_error(seed: int, depth: int, net: int, width: int, device="cpu"):
    """The standard normal error vector ``delta_L`` started from in the backward pass of net ``net``."""
    t = _torch()
    return t.randn(width, generator=_gen(seed, _TAG_DELTA, depth, net, device), dtype=t.float64, device=device)


@dataclass
class PropagationResult:
    """Per-layer measurements of ``n_nets`` independent random networks (NumPy float64 arrays).

    ``q``: (n_nets, P, depth + 1), ``|z_l|^2/N`` of every input vector at layers 0..depth.
    ``c``: (n_nets, P - 1, depth + 1), cosine between vector 0 and vector k + 1 at each layer.
    ``grad_ratio``: (n_nets, depth) or None, ``|delta_l|^2 / |delta_{l+1}|^2`` for l = 0..depth-1,
    for input vector 0, starting from a standard Gaussian ``delta_depth`` independent of the net.
    ``jac_sv``: (n_nets, N) or None, singular values (descending) of ``d z_depth / d z_0`` at input 0.
    """

    q: np.ndarray
    c: np.ndarray
    grad_ratio: np.ndarray | None
    jac_sv: np.ndarray | None
    params: dict = field(default_factory=dict)


def _check_inputs(act, width, depth, sw2, sb2, q0, c0, n_nets, weights, a, layernorm, backward, jacobian):
    for name, v in (("width", width), ("depth", depth), ("n_nets", n_nets)):
        if not (isinstance(v, (int, np.integer)) and v >= 1):
            _fail(name, v, "integers >= 1")
    if weights not in ("gaussian", "orthogonal"):
        _fail("weights", weights, "{'gaussian', 'orthogonal'}")
    for name, v, lo_open in (("sw2", sw2, True), ("sb2", sb2, False), ("q0", q0, True)):
        ok = isinstance(v, (int, float, np.floating)) and math.isfinite(v) and (v > 0 if lo_open else v >= 0)
        if not ok:
            _fail(name, v, "(0, inf)" if lo_open else "[0, inf)")
    c0a = np.atleast_1d(np.asarray(c0, dtype=np.float64))
    if c0a.ndim != 1 or c0a.size < 1:
        _fail("c0", c0, "a non-empty 1-d sequence of correlations")
    bad = ~((c0a >= -1.0) & (c0a <= 1.0))
    if bad.any():
        _fail("c0", float(c0a[bad][0]), "[-1, 1]")
    if layernorm and (backward or jacobian):
        raise DomainError("propagate: backward=True / jacobian=True are not implemented with layernorm=True "
                          "(valid: layernorm=False)")
    activation(act, a)  # validates act and a
    return c0a


def propagate(act: str, *, width: int, depth: int, sw2: float, sb2: float = 0.0, q0: float = 1.0,
              c0=(0.5,), n_nets: int = 1, seed: int = 0, weights: str = "gaussian", a: float | None = None,
              layernorm: bool = False, linear_first: bool = False, backward: bool = False,
              jacobian: bool = False, device: str = "cpu") -> PropagationResult:
    """Propagate correlated inputs through ``n_nets`` random networks; measure q_l, c_l, gradients, Jacobian.

    Parameters: ``act`` in :data:`ACTIVATIONS` (``a`` is the leaky-ReLU slope); ``width`` N;
    ``depth`` L (number of weight layers); ``sw2`` = sigma_w^2 (= g^2 for ``weights='orthogonal'``);
    ``sb2`` = sigma_b^2; ``q0`` = |z_0|^2/N of every input; ``c0`` the input cosines with vector 0;
    ``seed`` the integer seed of every random stream (see module docstring); ``device`` a Torch device.

    Cost: ``depth * n_nets`` Gaussian (or QR-orthogonalized) N x N matrices -- the dominant cost at
    small P; ``jacobian`` adds ``depth`` N x N x N products per net; ``backward`` regenerates the
    weights once more.
    """
    t = _torch()
    c0a = _check_inputs(act, width, depth, sw2, sb2, q0, c0, n_nets, weights, a, layernorm, backward, jacobian)
    phi, dphi = activation(act, a)
    dev = t.device(device)
    n, s_n = int(width), int(n_nets)
    wscale = math.sqrt(sw2 / n) if weights == "gaussian" else math.sqrt(sw2)
    bscale = math.sqrt(sb2)

    per_net = n * n * 8 * (2 if jacobian else 1)
    chunk = max(1, min(s_n, MAX_BATCH_BYTES // per_net))
    # backward pass: keep the forward weights when a batch of them fits in MAX_STORE_BYTES (each weight
    # drawn once), else regenerate them from their seeds (memory O(batch N^2), twice the draws)
    store = backward and depth * n * n * 8 <= MAX_STORE_BYTES
    if store:
        chunk = max(1, min(chunk, MAX_STORE_BYTES // (depth * n * n * 8)))
    parts = [_propagate_nets(list(range(i, min(i + chunk, s_n))), phi, dphi, n, depth, wscale, bscale, sb2, q0,
                             c0a, seed, weights, layernorm, linear_first, backward, jacobian, dev, store)
             for i in range(0, s_n, chunk)]
    q, c = np.concatenate([x[0] for x in parts]), np.concatenate([x[1] for x in parts])
    grad_ratio = np.concatenate([x[2] for x in parts]) if backward else None
    jac_sv = np.concatenate([x[3] for x in parts]) if jacobian else None
    params = dict(act=act, a=a, width=n, depth=int(depth), sw2=float(sw2), sb2=float(sb2), q0=float(q0),
                  c0=c0a.tolist(), n_nets=s_n, seed=int(seed), weights=weights, layernorm=bool(layernorm),
                  linear_first=bool(linear_first), device=str(dev))
    return PropagationResult(q=q, c=c, grad_ratio=grad_ratio, jac_sv=jac_sv, params=params)


def _propagate_nets(ids, phi, dphi, n, depth, wscale, bscale, sb2, q0, c0a, seed, weights, layernorm,
                    linear_first, backward, jacobian, dev, store=False):
    """The nets ``ids`` of :func:`propagate`, batched (one chunk; see MAX_BATCH_BYTES)."""
    t = _torch()
    s_n = len(ids)
    buf = t.empty((s_n, n, n), dtype=t.float64, device=dev)
    kept = []

    def weight_batch(layer: int):
        for s in ids:
            layer_weights(seed, layer, s, n, weights, dev, out=buf[s - ids[0]])
        return buf

    def bias_batch(layer: int):
        if sb2 == 0:
            return None
        return t.stack([layer_bias(seed, layer, s, n, dev) for s in ids]).unsqueeze(1) * bscale

    z = t.stack([input_vectors(seed, s, n, q0, c0a, dev) for s in ids])
    qs = [t.mean(z * z, dim=2)]
    cs = [_cosines(z)]
    zs0 = [z[:, 0].clone()] if backward else None
    jac = None
    if jacobian:
        jac = t.eye(n, dtype=t.float64, device=dev).expand(s_n, n, n).clone()
    for layer in range(1, depth + 1):
        w = weight_batch(layer)
        if store:
            kept.append(w.clone())
        lin = linear_first and layer == 1
        h = z if lin else phi(z)
        if jacobian and not lin:
            jac = dphi(z[:, 0]).unsqueeze(2) * jac
        z_new = t.bmm(h, w.transpose(1, 2)).mul_(wscale)
        if jacobian:
            jac = t.bmm(w, jac).mul_(wscale)
        b = bias_batch(layer)
        if b is not None:
            z_new = z_new + b
        if layernorm:
            z_new = z_new * (math.sqrt(n) / t.linalg.vector_norm(z_new, dim=2, keepdim=True))
        z = z_new
        qs.append(t.mean(z * z, dim=2))
        cs.append(_cosines(z))
        if backward:
            zs0.append(z[:, 0].clone())
    q = t.stack(qs, dim=2)  # (S, P, L+1)
    c = t.stack(cs, dim=2)  # (S, P-1, L+1)
    grad_ratio = None
    if backward:
        delta = t.stack([output_error(seed, depth, s, n, dev) for s in ids])  # delta_L: (S, N)
        norms = [t.sum(delta * delta, dim=1)]
        for layer in range(depth, 0, -1):
            w = kept.pop() if store else weight_batch(layer)  # W_layer, kept or regenerated from its seeds
            back = t.bmm(w.transpose(1, 2), delta.unsqueeze(2)).squeeze(2).mul_(wscale)  # W^T delta
            zl = zs0[layer - 1]
            delta = back if (linear_first and layer == 1) else dphi(zl) * back
            norms.append(t.sum(delta * delta, dim=1))
        norms = t.stack(norms[::-1], dim=1)  # norms[:, l] = |delta_l|^2, l = 0..L
        grad_ratio = (norms[:, :-1] / norms[:, 1:]).cpu().numpy()
    jac_sv = t.linalg.svdvals(jac).cpu().numpy() if jacobian else None
    return (q.cpu().numpy(), c.cpu().numpy(), grad_ratio, jac_sv)


def _cosines(z):
    """Cosine between vector 0 and each other vector of ``z`` (S, P, N) -> (S, P-1)."""
    t = _torch()
    nrm = t.linalg.vector_norm(z, dim=2)
    ip = t.sum(z[:, 1:] * z[:, :1], dim=2)
    return ip / (nrm[:, 1:] * nrm[:, :1])

