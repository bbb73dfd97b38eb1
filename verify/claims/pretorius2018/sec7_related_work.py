"""§7 Related Work: for linear networks the squared-error loss of the reconstruction contractive autoencoder (RCAE,
Alain & Bengio 2014) equals the expected DAE loss (1), so the learning dynamics of the paper apply to linear RCAEs.

No errata: the equivalence holds with the RCAE penalty weight equal to the noise variance s^2 (the paper does not
state the weight; it is the one that makes the two losses equal).
"""
from __future__ import annotations

import sympy as sp

from theorycheck.verify.claims.pretorius2018._common import CITE
from theorycheck.verify.registry import Outcome, claim

CR = claim(
    "pretorius2018/sec7-linear-rcae",
    "For a linear autoencoder r(x) = W2 W1 x the RCAE loss (1/2N) sum ||x - r(x)||^2 + (s^2/2) ||dr/dx||_F^2 equals the "
    "expected DAE loss (1).",
    f"{CITE}, §7 (Alain & Bengio 2014)",
)


@CR.exact("rcae-loss-equals-expected-dae-loss")
def _(ctx):
    """D = 3, H = 2, N = 2 symbolic samples and weights: the Jacobian dr/dx of r(x) = W2 W1 x computed by SymPy
    (equal to W2 W1 for every x), the RCAE loss with penalty (s^2/2)||dr/dx||_F^2 minus the right-hand side of (1):
    exactly 0."""
    D, H, N = 3, 2, 2
    W1 = sp.Matrix(H, D, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))
    W2 = sp.Matrix(D, H, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))
    s2 = sp.Symbol("s2", positive=True)
    xs = [sp.Matrix(D, 1, lambda i, j, m=m: sp.Symbol(f"x{m}_{i}", real=True)) for m in range(N)]
    z = sp.Matrix(sp.symbols(f"z0:{D}", real=True))
    J = (W2 * W1 * z).jacobian(z)
    rcae = sum(((x - W2 * W1 * x).T * (x - W2 * W1 * x))[0] for x in xs) / (2 * N) + s2 / 2 * sum(v**2 for v in J)
    M = W2 * W1
    eq1 = sum(((x - M * x).T * (x - M * x))[0] for x in xs) / (2 * N) + s2 / 2 * (M * M.T).trace()
    return Outcome.symbolic(sp.expand(rcae - eq1), "RCAE with penalty weight s^2 minus eq. (1)")
