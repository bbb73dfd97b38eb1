"""Argument conversion and domain validation shared by the generated kernels.

Every check names the formula, the parameter, the first offending value and the valid domain, and
raises :class:`DomainError` (a ``ValueError``).  NaN is outside every domain (comparisons with NaN
are false), so no NaN input passes silently.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.numeric.backend import as_numpy, as_torch, torch

# as_numpy, as_torch and torch live in numeric.backend; they are re-exported here because every generated
# kernel reaches its helpers through one module (``_v``).
__all__ = ["DomainError", "as_numpy", "as_torch", "check_param", "check_constraint", "finite", "torch",
           "constant_like", "constant_like_torch"]


class DomainError(ValueError):
    """A parameter (or a combination of parameters) lies outside the formula's valid domain."""


def _first_bad(value, ok):
    """Return (index, offending value) of the first False in ``ok``."""
    ok_np = ok.cpu().numpy() if hasattr(ok, "cpu") else np.asarray(ok)
    val_np = value.cpu().numpy() if hasattr(value, "cpu") else np.asarray(value)
    ok_np = np.broadcast_to(ok_np, np.broadcast_shapes(ok_np.shape, val_np.shape))
    idx = np.unravel_index(int(np.argmin(ok_np)), ok_np.shape) if ok_np.ndim else ()
    bad = np.broadcast_to(val_np, ok_np.shape)[idx] if ok_np.ndim else val_np
    return idx, float(bad)


def _interval(lower, upper, lower_open, upper_open, integer):
    left = "(" if (lower is None or lower_open) else "["
    right = ")" if (upper is None or upper_open) else "]"
    lo = "-inf" if lower is None else repr(lower)
    hi = "inf" if upper is None else repr(upper)
    return ("integers in " if integer else "") + f"{left}{lo}, {hi}{right}"


def _minmax(value):
    """(min, max) by two reductions without temporaries; NaN propagates into both (NumPy and Torch)."""
    if hasattr(value, "numel"):
        if value.numel() == 0:
            return 0.0, 0.0
        return float(value.min()), float(value.max())
    if value.size == 0:
        return 0.0, 0.0
    return float(value.min()), float(value.max())


def check_param(fid, name, value, lower, upper, lower_open, upper_open, integer):
    """Raise DomainError unless every element of ``value`` lies in the declared interval.

    Fast path: the interval test needs only the min and the max (two reductions, no temporaries);
    the element-wise mask is built only to name the offending value.
    """
    lo, hi = _minmax(value)
    ok_fast = lo == lo and hi == hi and -math.inf < lo and hi < math.inf  # no NaN, no +-inf
    if ok_fast and lower is not None:
        ok_fast = lo > lower if lower_open else lo >= lower
    if ok_fast and upper is not None:
        ok_fast = hi < upper if upper_open else hi <= upper
    if ok_fast and integer:
        ok_fast = bool((value == value.round()).all())
    if ok_fast:
        return
    ok = (value > -math.inf) & (value < math.inf)  # False at NaN and at +-inf
    if lower is not None:
        ok = ok & ((value > lower) if lower_open else (value >= lower))
    if upper is not None:
        ok = ok & ((value < upper) if upper_open else (value <= upper))
    if integer:
        ok = ok & (value == value.round())
    idx, bad = _first_bad(value, ok)
    where = f" (at index {tuple(int(i) for i in idx)})" if idx else ""
    raise DomainError(
        f"{fid}: parameter {name!r} = {bad!r}{where} is outside its domain "
        f"{_interval(lower, upper, lower_open, upper_open, integer)}"
    )


def check_constraint(fid, text, message, ok, env):
    """Raise DomainError unless the vectorized condition ``ok`` holds everywhere."""
    if not bool(ok.all()):
        shape = ok.shape
        flat = ok.reshape(-1) if hasattr(ok, "reshape") else ok
        i = int((~flat).nonzero()[0][0]) if not hasattr(flat, "cpu") else int((~flat).nonzero()[0][0].item())
        idx = np.unravel_index(i, shape) if len(shape) else ()
        vals = []
        for k, v in env.items():
            arr = v.cpu().numpy() if hasattr(v, "cpu") else np.asarray(v)
            arr = np.broadcast_to(arr, shape) if len(shape) else arr
            vals.append(f"{k}={float(arr[idx] if len(shape) else arr)!r}")
        raise DomainError(f"{fid}: constraint {text} violated at {', '.join(vals)}: {message}")


def finite(fid, out, env):
    """Return ``out`` if every element is finite; else raise DomainError naming the first bad point.

    Inputs inside the declared domain always have a finite value, so a non-finite result can only be a
    float64 overflow/underflow of an intermediate: an error, never a silent NaN or inf.
    """
    lo, hi = _minmax(out)
    if -math.inf < lo and hi < math.inf:  # also False when NaN propagated into min/max
        return out
    ok = (out > -math.inf) & (out < math.inf)
    shape = tuple(ok.shape)
    ok_np = ok.cpu().numpy() if hasattr(ok, "cpu") else np.asarray(ok)
    idx = np.unravel_index(int(np.argmin(ok_np)), shape) if shape else ()
    vals = []
    for k, v in env.items():
        arr = v.cpu().numpy() if hasattr(v, "cpu") else np.asarray(v)
        arr = np.broadcast_to(arr, shape) if shape else arr
        vals.append(f"{k}={float(arr[idx] if shape else arr)!r}")
    raise DomainError(
        f"{fid}: float64 overflow/underflow at {', '.join(vals)} (the value is finite in exact arithmetic; "
        "use the mpmath backend for such extreme inputs)"
    )


def constant_like_torch(value, *args):
    """A constant Torch kernel's value: a float64 tensor broadcast to its tensor arguments (CPU if none)."""
    t = torch()
    tensors = [a for a in args if isinstance(a, t.Tensor)]
    device = tensors[0].device if tensors else "cpu"
    shape = t.broadcast_shapes(*[a.shape for a in tensors]) if tensors else ()
    return t.full(shape, float(value), dtype=t.float64, device=device)


def constant_like(value, *args):
    """A constant NumPy kernel's value, broadcast to its arguments' shape, as a float64 array."""
    arrays = [a for a in args if a is not None]
    shape = np.broadcast_shapes(*[np.shape(a) for a in arrays]) if arrays else ()
    return np.full(shape, float(value), dtype=np.float64)
