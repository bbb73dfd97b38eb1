"""The array-backend layer of theorycheck.numeric: backends, dtype, device and randomness policy.

* **Backends.**  :data:`NUMPY` and :class:`TorchBackend` expose the same small namespace (``tanh``,
  ``sqrt``, ``exp``, ``where``, ``asin``, ``atan``, ``log``, ``log1p``, ``isfinite``, ``copy``,
  ``asarray``), so one algorithm is written once for both; :func:`torch_backend` picks the device of the
  first tensor argument (CPU when none is a tensor); :func:`backend_for` maps ``"numpy"``/``"torch"``.
* **dtype.**  Everything is float64 (:data:`DTYPE`): :func:`as_numpy` / :func:`as_torch` convert every
  argument, including float32 tensors, to float64 (on the device of the first tensor argument).
* **Torch** is imported lazily by :func:`torch` (``import theorycheck.numeric`` stays cheap).
* **Randomness.**  Never global: every random draw takes an explicit ``torch.Generator``.
  :func:`generator` turns a tuple of integers (e.g. ``(seed, kind, layer, net)``) into a seeded
  generator through ``numpy.random.SeedSequence``, so a stream depends only on its key, not on batching.
  Draws are made on the generator's own device and the result is moved to the requested device, so a
  CPU generator gives the same numbers whatever the target device.
* :func:`haar_orthogonal`: the one Haar-orthogonal sampler of the package.
"""
from __future__ import annotations

import numpy as np

__all__ = ["DTYPE", "NUMPY", "TorchBackend", "torch_backend", "backend_for", "torch", "as_numpy", "as_torch",
           "generator", "require_generator", "haar_orthogonal", "twin_kernels"]

DTYPE = "float64"
_TORCH = None


def torch():
    """Import torch lazily (keeps ``import theorycheck.numeric`` fast)."""
    global _TORCH
    if _TORCH is None:
        import torch as _t

        _TORCH = _t
    return _TORCH


def as_numpy(*args):
    """Each argument as a float64 NumPy array."""
    return tuple(np.asarray(a, dtype=np.float64) for a in args)


def as_torch(*args):
    """Each argument as a float64 tensor on the device of the first tensor argument (CPU if none)."""
    t = torch()
    device = next((a.device for a in args if isinstance(a, t.Tensor)), None)
    out = []
    for a in args:
        if isinstance(a, t.Tensor):
            out.append(a.to(dtype=t.float64, device=device))
        else:
            out.append(t.as_tensor(np.asarray(a, dtype=np.float64), dtype=t.float64, device=device))
    return tuple(out)


class NUMPY:
    """The NumPy backend (float64)."""

    name = "numpy"
    tanh = staticmethod(np.tanh)
    sqrt = staticmethod(np.sqrt)
    exp = staticmethod(np.exp)
    where = staticmethod(np.where)
    asin = staticmethod(np.arcsin)
    atan = staticmethod(np.arctan)
    log = staticmethod(np.log)
    log1p = staticmethod(np.log1p)
    isfinite = staticmethod(np.isfinite)
    copy = staticmethod(np.copy)

    @staticmethod
    def asarray(x, like=None):
        return np.asarray(x, dtype=np.float64)


class TorchBackend:
    """The Torch backend (float64) on one device."""

    name = "torch"

    def __init__(self, device):
        t = torch()
        self.t = t
        self.device = device
        self.tanh, self.sqrt, self.exp, self.where = t.tanh, t.sqrt, t.exp, t.where
        self.asin, self.log, self.isfinite, self.copy = t.asin, t.log, t.isfinite, t.clone
        self.atan, self.log1p = t.atan, t.log1p

    def asarray(self, x, like=None):
        t = self.t
        if isinstance(x, t.Tensor):
            return x.to(dtype=t.float64, device=self.device)
        return t.as_tensor(np.asarray(x, dtype=np.float64), dtype=t.float64, device=self.device)


def torch_backend(*args):
    """The Torch backend on the device of the first tensor argument (CPU when none is a tensor)."""
    t = torch()
    device = next((a.device for a in args if isinstance(a, t.Tensor)), None) or t.device("cpu")
    return TorchBackend(device)


def backend_for(name: str, *args):
    """``"numpy"`` -> :data:`NUMPY`; ``"torch"`` -> :func:`torch_backend` of ``args``."""
    from theorycheck.numeric.validate import DomainError

    if name == "numpy":
        return NUMPY
    if name == "torch":
        return torch_backend(*args)
    raise DomainError(f"backend {name!r} is not one of numpy, torch")


def generator(key, device="cpu"):
    """A ``torch.Generator`` on ``device`` seeded from ``numpy.random.SeedSequence(key)`` (63-bit seed)."""
    t = torch()
    state = np.random.SeedSequence([int(k) for k in key]).generate_state(2, dtype=np.uint32).astype(np.uint64)
    g = t.Generator(device=device)
    g.manual_seed(int(state @ np.array([1, 2**32], dtype=np.uint64)) & (2**63 - 1))
    return g


def require_generator(gen):
    """``gen`` itself; a DomainError when it is None (randomness is never global)."""
    if gen is None:
        from theorycheck.numeric.validate import DomainError

        raise DomainError("an explicit torch.Generator is required (randomness is never global)")
    return gen


def haar_orthogonal(n: int, gen, batch: int | None = None, device=None):
    """A Haar-distributed ``n x n`` orthogonal matrix (``batch`` of them when given), float64.

    QR of a standard Gaussian matrix with the signs of ``diag(R)`` moved into ``Q`` (Mezzadri 2007,
    "How to generate random matrices from the classical compact groups"); without the sign correction
    ``Q`` is not Haar-distributed.  Saxe et al. 2013 supplementary C generates their orthogonal matrices
    by QR of Gaussian matrices as well.  The Gaussian draw uses ``gen`` on its own device; the result is
    moved to ``device`` (default: the generator's device).  Tested for orthogonality and for the Haar
    law of tr Q (tests/test_propagation.py).
    """
    from theorycheck.numeric.validate import DomainError

    t = torch()
    if not (isinstance(n, int) and n >= 1):
        raise DomainError(f"haar_orthogonal: parameter 'n' = {n!r} must be a positive integer")
    gen = require_generator(gen)
    shape = (n, n) if batch is None else (batch, n, n)
    a = t.randn(shape, generator=gen, dtype=t.float64, device=gen.device)
    q, r = t.linalg.qr(a)
    d = t.sign(t.diagonal(r, dim1=-2, dim2=-1))
    d = t.where(d == 0, t.ones_like(d), d)
    q = q * d.unsqueeze(-2)
    return q if device is None else q.to(device)


def twin_kernels(name: str, params, body, doc: str, module: str):
    """The public NumPy kernel ``name`` and its Torch twin ``name_torch`` from one implementation.

    ``params``: parameter names, or (name, default) pairs; ``body(B, *args)`` computes with backend ``B``
    (:data:`NUMPY`, or :func:`torch_backend` of the arguments).  Both kernels accept positional or keyword
    arguments and carry the same signature and documentation.
    """
    import inspect

    P = inspect.Parameter
    sig = inspect.Signature([P(p, P.POSITIONAL_OR_KEYWORD) if isinstance(p, str)
                             else P(p[0], P.POSITIONAL_OR_KEYWORD, default=p[1]) for p in params])

    def numpy_kernel(*args, **kwargs):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        return body(NUMPY, *b.args)

    def torch_kernel(*args, **kwargs):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        return body(torch_backend(*b.args), *b.args)

    for fn, suffix, d in ((numpy_kernel, "", doc), (torch_kernel, "_torch", f"Torch twin of :func:`{name}`.")):
        fn.__name__ = fn.__qualname__ = name + suffix
        fn.__doc__, fn.__module__, fn.__signature__ = d, module, sig
    return numpy_kernel, torch_kernel
