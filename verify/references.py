"""High-precision references (mpmath), independent of the fast float64 code.

Conventions (mpmath's own): precision is set locally with ``mp.workdps``, never globally; a
reference is computed at two precisions and the two must agree before it is used
(:func:`confirmed`), so too few digits cannot go unnoticed.
"""
from __future__ import annotations

from typing import Callable, Sequence

import mpmath

__all__ = ["confirmed", "ode_solve", "rel_err"]


def rel_err(a, b):
    """|a - b| / |b| (absolute when b == 0), as an mpf."""
    a, b = mpmath.mpf(a), mpmath.mpf(b)
    return abs(a - b) / abs(b) if b != 0 else abs(a - b)


def confirmed(fn: Callable[[], object], dps: int, extra: int = 15):
    """Evaluate ``fn()`` at ``dps`` and at ``dps + extra`` digits; return the latter rounded to ``dps``.

    Raises ValueError if the two disagree beyond ``10**-(dps - 5)`` (relative, or absolute at 0);
    works elementwise for sequences.
    """
    with mpmath.workdps(dps):
        lo = fn()
    with mpmath.workdps(dps + extra):
        hi = fn()
    los = lo if isinstance(lo, (list, tuple)) else [lo]
    his = hi if isinstance(hi, (list, tuple)) else [hi]
    with mpmath.workdps(dps + extra):
        tol = mpmath.mpf(10) ** (-(dps - 5))
        for x, y in zip(los, his):
            scale = max(abs(mpmath.mpf(y)), mpmath.mpf(1) if y == 0 else abs(mpmath.mpf(y)))
            if abs(mpmath.mpf(x) - mpmath.mpf(y)) > tol * scale:
                raise ValueError(f"reference not confirmed at {dps} vs {dps + extra} digits: {x} vs {y}")
    with mpmath.workdps(dps):
        return [+mpmath.mpf(y) for y in his] if isinstance(hi, (list, tuple)) else +mpmath.mpf(hi)


def ode_solve(rhs: Callable, y0: Sequence, times: Sequence, dps: int = 30) -> list[list]:
    """Solve y' = rhs(t, y) from t = 0 with mpmath's Taylor-series integrator (``mpmath.odefun``).

    Returns the state at each of ``times`` (all >= 0), computed at ``dps`` digits and confirmed at
    ``dps + 10``.  Use moderate horizons: odefun's cost grows with the number of Taylor steps.
    """

    def run():
        f = mpmath.odefun(lambda t, y: rhs(t, y), 0, [mpmath.mpf(v) for v in y0])
        out = []
        for t in sorted(times):
            out.extend(f(mpmath.mpf(t)))
        return out

    flat = confirmed(run, dps, extra=10)
    n = len(y0)
    return [flat[i * n:(i + 1) * n] for i in range(len(times))]
