"""Helpers shared by several sections of Saxe, McClelland & Ganguli 2013 (not a section: leading underscore).

* :data:`CITE`, the citation prefix of every claim;
* :func:`zero`, the simplification of a (hyperbolic) residual;
* the scalar mode variables ``a, b`` of eq. (8) and their rates (sections 1.3 and supplementary A);
* :func:`deep_symbols` and :data:`DEPTHS` for the N_l-layer energy (14)/(27) (section 2 and supplementary B).
"""
from __future__ import annotations

import sympy as sp

from theorycheck.symbolic import saxe as S

CITE = "Saxe et al. 2013"


def zero(expr) -> sp.Expr:
    """Simplify a residual (trigsimp/expand for hyperbolic identities)."""
    r = sp.simplify(expr)
    if r != 0:
        r = sp.simplify(sp.expand(sp.expand_trig(r.rewrite(sp.exp))))
    return r


# eq. (8): tau da/dt = b(s - ab), tau db/dt = a(s - ab)
A, B = sp.symbols("a b", real=True)
DA = B * (S.s - A * B) / S.tau  # da/dt
DB = A * (S.s - A * B) / S.tau  # db/dt

# depths N_l at which the identities of (14)-(17) and (27)-(45) are checked symbolically
DEPTHS = (3, 4, 5, 6, 8)


def deep_symbols(n_layers: int):
    """The N_l - 1 positive mode strengths a_1 .. a_{N_l - 1} of eq. (14)."""
    return sp.symbols(f"a1:{n_layers}", positive=True)


# supplementary G / section 4: the input population variance q^1 of eq. (21), not given by the paper for
# Fig. 8 (Fig. 7 varies it); chosen here
Q1 = 1.0


def q_inf(g: float) -> float:
    """q_inf(g), the stable fixed point of eq. (49) for phi = tanh (numeric.fixed_point.q_infinity)."""
    import numpy as np

    from theorycheck.numeric import fixed_point as F

    return float(F.q_infinity(np.float64(g)))
