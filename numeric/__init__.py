"""theorycheck.numeric — fast NumPy/Torch kernels (never imports sympy, mpmath, symbolic or verify).

* ``numeric.generated.<topic>``: kernels generated from the formula registry (`theorycheck codegen`).
* ``numeric.linear_nets``: finite-width simulations and training loops of deep linear networks.
* ``numeric.ode``: fixed-step integrators with error estimates for the small ODE systems of the papers.
* ``numeric.gaussian``, ``numeric.fixed_point``: Gaussian expectations of activations (quadrature and closed
  forms) and vectorized fixed-point solvers for the mean-field maps.
* ``numeric.propagation``: finite-width random networks (Gaussian or orthogonal weights): per-layer q, c,
  backpropagated gradient ratios and end-to-end Jacobian singular values.

Importing this package is cheap: Torch is imported lazily by the functions that need it.
"""
from theorycheck.numeric.validate import DomainError  # noqa: F401

__all__ = ["DomainError"]
