"""Helpers shared by the theory sections of Li & Nguyen 2019 (not a section: leading underscore).

* :data:`CITE`, the citation prefix;
* :func:`fixed_point` -- the (gamma, rho) fixed point of eqs. (2)-(3) (numeric/wtae.py), with a phase
  label: "zero" (gamma = rho = 0), "finite" (finite, not both zero), "inf" (rho or gamma diverges);
* :func:`printed` -- a printed decimal number against the computed one, tolerance half a unit in the last
  printed digit (the printed value is the rounding of the exact one);
* :func:`tau2_eq1` -- the stable fixed point tau^2 of eq. (1) (the mean-field q-map, ``meanfield.qstar``),
  +inf where the q-map has no finite fixed point (ReLU with sigma_W^2 >= 2).

Reading of eqs. (2)-(3) (OCR-damaged), used by every module: see symbolic/wtae.py and numeric/wtae.py.
"""
from __future__ import annotations

import math

import numpy as np

from theorycheck.verify.outcomes import Outcome
from theorycheck.verify.tolerances import criterion

CITE = "Li & Nguyen 2019"
PAIRS = ("relu_relu", "relu_tanh", "tanh_tanh", "tanh_relu")


def tau2_eq1(sigma: str, sw2: float, sb2: float) -> float:
    """tau^2 = T(tau^2) of eq. (1): the stable fixed point of the q-map of ``sigma`` (inf if none)."""
    if sigma == "relu":
        return math.inf if sw2 >= 2 else sb2 / (1 - sw2 / 2)
    from theorycheck.numeric.fixed_point import qstar_tanh

    return float(qstar_tanh(sw2, sb2))


def chi1(sigma: str, sw2: float, sb2: float) -> float:
    """chi_1 = sigma_W^2 E[sigma'(tau Z)^2] at the eq.-(1) fixed point (App. E.1)."""
    if sigma == "relu":
        return sw2 / 2
    from theorycheck.numeric.fixed_point import chi1_tanh

    return float(chi1_tanh(sw2, sb2))


def fixed_point(pair: str, beta: float, tau2: float):
    """(gamma, rho, phase) with phase in {"zero", "finite", "inf"} (ReLU phi: beta > 2 is "inf" by
    Prop. 10(a); beta = 2 is "finite": every rho is a fixed point, the limit is the initialisation)."""
    from theorycheck.numeric import wtae as W

    if pair.startswith("relu") and beta >= 2:
        return (math.nan, math.nan, "finite") if beta == 2 else (math.inf, math.inf, "inf")
    if not math.isfinite(tau2):
        return math.inf, math.inf, "inf"
    r = W.solve(pair, np.array([beta]), np.array([tau2]))
    g, rho = float(r.gamma[0]), float(r.rho[0])
    return g, rho, ("zero" if g == 0 and rho == 0 else "finite")


def decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def printed(text: str, computed: float, what: str) -> Outcome:
    """The printed decimal ``text`` against ``computed``: |computed - printed| <= half a unit in the last
    printed digit."""
    half = 0.5 * 10.0 ** (-decimals(text))
    tol = criterion(half, f"half a unit in the last printed digit of {text} (the printed value is the exact "
                          "one rounded)")
    return Outcome.compare(float(text), computed, tol, detail=what)
