"""Certified check (tier ``certified``, interval arithmetic, verify/certified.py) for supplementary G of
Saxe, McClelland & Ganguli 2013: the stable fixed point q_inf(g) of eq. (49), q = g^2 E[tanh(sqrt(q) Z)^2],
at every gain g > 1 the simulations use (paper scale), proven and enclosed with Arb instead of float64
quadrature; attached to the existing claim ``saxe2013/supG-qinf-sim``.

For g <= 1 no interval arithmetic is needed: tanh(x)^2 < x^2 for x != 0 gives nu(q) < g^2 q <= q for q > 0,
so q = 0 is the only fixed point (that part of Fig. 8 right is exact).
"""
from __future__ import annotations

from theorycheck.numeric import fixed_point as FP
from theorycheck.symbolic.registry import get
from theorycheck.verify import certified as CT
from theorycheck.verify.accuracy import error_bound
from theorycheck.verify.claims.saxe2013.supp_g_nonlinear_orthogonal_networks import CQ, QINF_SIZES
from theorycheck.verify.registry import Outcome
from theorycheck.verify.tolerances import certified


@CQ.certified("q-inf-enclosed-stable")
def _(ctx):
    """For every gain g > 1 of the paper-scale list (1.1, ..., 3): interval Newton on
    F(q) = g^2 m2(q) - q (m2 = E[tanh(sqrt(q) Z)^2] by Arb's rigorous quadrature plus the tail bound
    erfc(T/sqrt 2)) proves a unique fixed point in a ball around the float64 q_inf(g) and encloses it.
    Certified terms: q_inf > 0, nu'(q_inf) = g^2 E[(1 - t^2)(1 - 3 t^2)] in (-1, 1) (stable), and
    |float64 q_inf - q_inf| <= the documented bound of saxe.q_infinity (verify/accuracy.py error_bound,
    k = 64).  No tolerance: enclosures at 104 bits."""
    terms, notes = [], []
    with CT.precision():
        for g in [g for g in QINF_SIZES["paper"]["gains"] if g > 1]:
            q64 = float(FP.q_infinity(g))
            g2 = CT.num(g) ** 2  # the exact square of the double g (not its float64 rounding)
            root = CT.qstar("tanh", g2, 0, q64)
            slope = CT.nu_slope("tanh", g2, root.x)
            bound, k = error_bound(get("saxe.q_infinity"), {"g": g}, q64)
            terms += [(f"g={g}: q_inf", CT.enclosure(root.x), ">", 0),
                      (f"g={g}: nu'(q_inf)", CT.enclosure(slope), "<", 1),
                      (f"g={g}: nu'(q_inf) (> -1)", CT.enclosure(slope), ">", -1),
                      (f"g={g}: |float64 q_inf - q_inf| (documented bound k={k})",
                       CT.enclosure(CT.abs_diff(q64, root.x)), "<=", float(bound))]
            notes.append(f"g={g}: q_inf in {CT.enclosure(root.x, 12)}")
    return Outcome.certified(terms, certified(CT.PREC, "interval Newton on eq. (49) with rigorous quadrature"),
                             "; ".join(notes))
