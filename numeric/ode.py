"""Fixed-step classical Runge-Kutta (RK4) for small vectorized ODE systems, with a step-doubling error
estimate.  Used for the 2-D and scalar learning-dynamics ODEs of the papers (e.g. Saxe et al. 2013,
eq. (8)), where a fixed step makes the error estimate cheap and reproducible.

``rk4(f, y0, t_end, n)`` integrates ``y' = f(t, y)`` (``y`` a NumPy array of any shape, all components
advanced together) with ``n`` steps; ``rk4_with_error`` also runs ``2n`` steps and returns the
Richardson estimate ``|y_n - y_2n| / 15`` of the error of the finer solution (RK4 is 4th order).
"""
from __future__ import annotations

import numpy as np

from theorycheck.numeric.validate import DomainError

__all__ = ["rk4", "rk4_with_error"]


def rk4(f, y0, t_end: float, n: int, record: bool = False):
    """Integrate from t = 0 to ``t_end`` in ``n`` equal RK4 steps; optionally return all states."""
    if n < 1:
        raise DomainError(f"rk4: parameter 'n' = {n} must be a positive integer")
    if not np.isfinite(t_end):
        raise DomainError(f"rk4: parameter 't_end' = {t_end} must be finite")
    h = t_end / n
    y = np.array(y0, dtype=np.float64)
    traj = [y.copy()] if record else None
    t = 0.0
    for i in range(n):
        k1 = f(t, y)
        k2 = f(t + h / 2, y + h / 2 * k1)
        k3 = f(t + h / 2, y + h / 2 * k2)
        k4 = f(t + h, y + h * k3)
        y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        t = (i + 1) * h
        if record:
            traj.append(y.copy())
    return np.stack(traj) if record else y


def rk4_with_error(f, y0, t_end: float, n: int, record: bool = False):
    """Return (solution with 2n steps, error estimate |y_n - y_2n| / 15) (trajectories if ``record``)."""
    coarse = rk4(f, y0, t_end, n, record=record)
    fine = rk4(f, y0, t_end, 2 * n, record=record)
    if record:
        fine_on_coarse = fine[::2]
        return fine_on_coarse, np.abs(coarse - fine_on_coarse) / 15.0
    return fine, np.abs(coarse - fine) / 15.0
