"""theorycheck.numeric — fast NumPy/Torch kernels (never imports sympy, mpmath, symbolic or verify).

* ``numeric.generated.<topic>``: kernels generated from the formula registry (`theorycheck codegen`).
* ``numeric.linear_nets``: finite-width simulations and training loops of deep linear networks.
* ``numeric.ode``: fixed-step integrators with error estimates for the small ODE systems of the papers.

Importing this package is cheap: Torch is imported lazily by the functions that need it.
"""
from numeric._validate import DomainError  # noqa: F401

__all__ = ["DomainError"]
