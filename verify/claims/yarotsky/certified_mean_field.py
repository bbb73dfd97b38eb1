"""Certified checks (tier ``certified``, interval arithmetic, verify/certified.py) for the lecture's
sections "Fixed points", "Error backpropagation" / "Vanishing and exploding gradients" and "Depth of
information propagation": the tanh fixed points q*, their stability nu'(q*) < 1, the critical sigma_w^2
(chi_1 = 1), the phase of the simulation points, the depth scales and the chaotic correlation fixed
point c*, proven with Arb enclosures instead
of float64 quadrature.

The checks are attached to the existing claims (``yarotsky/fixed-points``, ``yarotsky/sim-gradient-chi1``,
``yarotsky/depth-scales``, ``yarotsky/sim-cmap-phases``).
Every recorded quantity is an enclosure [lo, hi]; a relation holds only if the whole interval satisfies it.
Where a float64 kernel is certified, the allowance is its documented accuracy: the backward-stability
bound of verify/accuracy.py ``error_bound`` (k eps (|f| + sum_i |x_i df/dx_i|), k = 64 for these
hand-written quadrature/Newton kernels), the same bound ``theorycheck accuracy`` and
tests/test_formula_registry.py apply -- the enclosure must lie within it of the float64 value.

Notation: sw2, sb2 = alpha_w^2, alpha_h^2; m2(q) = E[tanh(sqrt(q) Z)^2], nu(q) = sw2 m2(q) + sb2,
nu'(q) = sw2 E[(1 - t^2)(1 - 3 t^2)] (t = tanh(sqrt(q) Z); d/dq E[g(sqrt q Z)] = E[g'']/2),
chi_1 = sw2 E[sech^4(sqrt(q*) Z)].
"""
from __future__ import annotations

from functools import lru_cache

from theorycheck.numeric import fixed_point as FP
from theorycheck.symbolic.registry import get
from theorycheck.verify import certified as CT
from theorycheck.verify.accuracy import error_bound
from theorycheck.verify.formulas import generated_function
from theorycheck.verify.claims.yarotsky._common import SB2, critical_sw2, phase_sw2
from theorycheck.verify import propagation_checks as MF
from theorycheck.verify.claims.yarotsky.meanfield_correlations_near_fixed_point import CP
from theorycheck.verify.claims.yarotsky.meanfield_depth_of_information_propagation import CD
from theorycheck.verify.claims.yarotsky.meanfield_error_backpropagation import _LINE_SB2, CG
from theorycheck.verify.claims.yarotsky.meanfield_fixed_points import CF
from theorycheck.verify.registry import Outcome
from theorycheck.verify.tolerances import EPS, certified

ACT = "tanh"
# (sw2, sb2): the precise check's three points and the ordered/chaotic phase points of the simulations
_QSTAR_POINTS = ((1.05, 0.0), (2.0, 0.0), (3.0, 0.5), (1.0, SB2), (2.5, SB2))


@lru_cache(maxsize=4096)
def _q64(sw2, sb2) -> float:
    return float(FP.solve_qstar(ACT, sw2, sb2).raise_if_diverged().value)


def _float64_term(name, fid, args, value, enclosure):
    """|float64 value - exact| <= documented bound (verify/accuracy.py error_bound at the float64 value)."""
    bound, k = error_bound(get(fid), args, value)
    return (f"{name}: |float64 - exact| (documented bound k={k})", CT.enclosure(CT.abs_diff(value, enclosure)),
            "<=", float(bound))


@CF.certified("tanh-qstar-enclosed-stable")
def _(ctx):
    """At (sw2, sb2) = (1.05, 0), (2, 0), (3, 0.5) and the simulations' ordered/chaotic points (1, 0.05),
    (2.5, 0.05): interval Newton on F(q) = sw2 m2(q) + sb2 - q (m2 by Arb's rigorous quadrature plus the
    tail bound erfc(T/sqrt 2), verify/certified.py) proves a unique fixed point in a ball around the float64
    solver's q* and encloses it.  Certified terms (the whole interval must satisfy each): q* > 0 (a nonzero
    fixed point), nu'(q*) < 1 and nu'(q*) >= 0 (stable), and |float64 q* - q*| <= the documented bound of
    meanfield.qstar.tanh (verify/accuracy.py error_bound, k = 64); at sb2 = 0 also nu'(0) = sw2 > 1 (q = 0
    unstable).  No tolerance: enclosures at 104 bits."""
    terms, notes = [], []
    with CT.precision():
        for sw2, sb2 in _QSTAR_POINTS:
            lab = f"sw2={sw2:g}, sb2={sb2:g}"
            q64 = _q64(sw2, sb2)
            root = CT.qstar(ACT, sw2, sb2, q64)
            slope = CT.nu_slope(ACT, sw2, root.x)
            terms += [(f"{lab}: q*", CT.enclosure(root.x), ">", 0),
                      (f"{lab}: nu'(q*)", CT.enclosure(slope), "<", 1),
                      (f"{lab}: nu'(q*) (non-negative)", CT.enclosure(slope), ">=", 0),
                      _float64_term(f"{lab}: q*", "meanfield.qstar.tanh", {"sw2": sw2, "sb2": sb2}, q64, root.x)]
            if sb2 == 0:
                terms.append((f"{lab}: nu'(0)", CT.enclosure(CT.nu_slope(ACT, sw2, 0)), ">", 1))
            notes.append(f"{lab}: q* in {CT.enclosure(root.x, 17)}, nu'(q*) in {CT.enclosure(slope, 8)}")
    return Outcome.certified(terms, certified(CT.PREC, "interval Newton on nu(q) = q with rigorous quadrature"),
                             "; ".join(notes))


_BOX = {"sw2": (1.05, 4.0), "sb2": (0.0, 1.0)}
_BOX_PREC = 64  # bits: the sub-box enclosures are ~1e-3 wide, far above the rounding


def _prove_box(box, record):
    """Parametric interval Newton on one box of (sw2, sb2): a unique fixed point q*(sw2, sb2) in X for every
    parameter of the box, with X > 0 and nu'(X) < 1 (for every sw2 of the box)."""
    (w0, w1), (b0, b1) = (float(box.sides["sw2"][0]), float(box.sides["sw2"][1])), \
        (float(box.sides["sb2"][0]), float(box.sides["sb2"][1]))
    corners = [_q64(w, b) for w in (w0, w1) for b in (b0, b1)]
    centre = _q64((w0 + w1) / 2, (b0 + b1) / 2)
    radius = 1.5 * max(abs(c - centre) for c in corners) + 1e-12
    balls = box.balls()
    root = CT.qstar(ACT, balls["sw2"], balls["sb2"], centre, radius=radius, tighten=False)
    slope = CT.nu_slope(ACT, balls["sw2"], root.x)
    if not (root.x > 0 and slope < 1 and slope > -1):
        return False
    record.append((root.x, slope))
    return True


def _side_to_split(box):
    """The side along which the float64 q* changes most across the box (halving it shrinks X the most)."""
    (w0, w1), (b0, b1) = ((float(x) for x in box.sides["sw2"]), (float(x) for x in box.sides["sb2"]))
    dw = max(abs(_q64(w1, b) - _q64(w0, b)) for b in (b0, b1))
    db = max(abs(_q64(w, b1) - _q64(w, b0)) for w in (w0, w1))
    return "sw2" if dw >= db else "sb2"


@CF.certified("tanh-stable-qstar-on-whole-box")
def _(ctx):
    """The precise check's statement over the whole box sw2 in [1.05, 4], sb2 in [0, 1] rather than a 12 x 6
    grid: the box is bisected until, on every sub-box, parametric interval Newton (sw2, sb2 as balls) proves
    a unique fixed point q* in an enclosure X for every parameter of the sub-box, with X > 0 and
    |nu'(X)| < 1.  Certified terms: the hull of all the enclosures of q* is > 0, the hull of nu'(q*) is
    inside (-1, 1), and the number of sub-boxes left unproven is 0 (an exact count, recorded as the
    degenerate interval [n, n]).  No tolerance: enclosures at 64 bits (the sub-box enclosures are far wider than the rounding)."""
    record = []
    with CT.precision(_BOX_PREC):
        proven, left = CT.certify_box(lambda b: _prove_box(b, record), CT.Box(dict(_BOX)), max_boxes=512,
                                         choose=_side_to_split)
        qs = record[0][0]
        sl = record[0][1]
        for q, s in record[1:]:
            qs, sl = qs.union(q), sl.union(s)
    return Outcome.certified(
        [("min over the box of q* (hull of enclosures)", CT.enclosure(qs), ">", 0),
         ("max over the box of nu'(q*) (hull)", CT.enclosure(sl), "<", 1),
         ("min over the box of nu'(q*) (hull; |nu'| < 1)", CT.enclosure(sl), ">", -1),
         ("sub-boxes left unproven", [str(len(left)), str(len(left))], "==", 0)],
        certified(_BOX_PREC, "parametric interval Newton on every sub-box"),
        f"{proven} sub-boxes proven, {len(left)} unproven; q* in {CT.enclosure(qs, 6)}, "
        f"nu'(q*) in {CT.enclosure(sl, 6)} over sw2 in {_BOX['sw2']}, sb2 in {_BOX['sb2']}",
        extra={"proven_boxes": proven})


@CG.certified("phase-points-and-critical-line")
def _(ctx):
    """The simulations' phase points and critical line, proven: chi_1 = sw2 E[sech^4(sqrt(q*) Z)] at the
    enclosed q* is < 1 at the ordered point (sw2 = 1, sb2 = 0.05) and > 1 at the chaotic point (2.5, 0.05);
    the critical sw2_c(sb2) (chi_1 = 1 at the fixed point: q = m2(q)/d1sq(q) + sb2 by interval Newton,
    sw2_c = 1/d1sq(q)) at sb2 = 0.05 (the critical phase point) and 0.01, 0.1, 0.3 (the critical line) is
    enclosed, lies strictly between the ordered and chaotic sw2 at sb2 = 0.05, and the float64 value the
    simulations use (meanfield.critical_sw2.tanh) is within its documented bound of the enclosure
    (verify/accuracy.py error_bound, k = 64).  No tolerance: enclosures at 104 bits."""
    terms, notes = [], []
    with CT.precision():
        for phase, op in (("ordered", "<"), ("chaotic", ">")):
            sw2 = phase_sw2(phase)
            root = CT.qstar(ACT, sw2, SB2, _q64(sw2, SB2))
            chi = CT.chi1(ACT, sw2, root.x)
            terms.append((f"{phase} (sw2={sw2:g}, sb2={SB2:g}): chi_1", CT.enclosure(chi), op, 1))
            notes.append(f"{phase}: chi_1 in {CT.enclosure(chi, 8)}")
        for sb2 in (SB2,) + tuple(_LINE_SB2):
            sw64 = critical_sw2(sb2)
            q64 = _q64(sw64, sb2)
            # at the double nearest to sb2 (what the simulations and the float64 kernel see)
            swc, root = CT.critical_sw2(ACT, float(sb2), q64)
            terms.append(_float64_term(f"sb2={sb2:g}: sw2_c", "meanfield.critical_sw2.tanh", {"sb2": float(sb2)},
                                       sw64, swc))
            if sb2 == SB2:
                terms += [(f"sb2={sb2:g}: sw2_c", CT.enclosure(swc), ">", phase_sw2("ordered")),
                          (f"sb2={sb2:g}: sw2_c (below chaotic)", CT.enclosure(swc), "<", phase_sw2("chaotic"))]
            notes.append(f"sb2={sb2:g}: sw2_c in {CT.enclosure(swc, 17)} (q_c in {CT.enclosure(root.x, 10)})")
    return Outcome.certified(terms, certified(CT.PREC, "interval Newton for q*, q_c; rigorous quadrature"),
                             "; ".join(notes))


def _lecture_extra(x):  # tanh''(x) tanh(x) = -2 t^2 (1 - t^2), |.| <= 1/2 on the real line
    t2 = x.tanh() ** 2
    return -2 * t2 * (1 - t2)


_DEPTH_POINTS = ((1.5, 0.05), (3.0, 0.3), (0.8, 0.2))


@CD.certified("a-and-depth-scales-enclosed")
def _(ctx):
    """tanh at the precise check's (sw2, sb2) = (1.5, 0.05), (3, 0.3), (0.8, 0.2): the lecture's
    a = chi_1 + sw2 E[tanh''(sqrt(q*) s) tanh(sqrt(q*) s)] and nu'(q*) = sw2 E[(1 - t^2)(1 - 3 t^2)], both by
    rigorous quadrature at the interval-Newton enclosure of q*; xi_q = -1/ln a; where chi_1 < 1 (c* = 1)
    xi_c = -1/ln chi_1.  Certified terms: |a_lecture - nu'(q*)| <= 2^-80 (the two expressions agree far
    beyond float64 at 104 bits; the identity itself is the exact check for erf), 0 < a < 1 (xi_q finite),
    and the float64 kernels meanfield.xi_q.tanh (and .xi_c.tanh where c* = 1) within their documented
    bounds (verify/accuracy.py error_bound, k = 64) of the enclosures."""
    terms, notes = [], []
    with CT.precision():
        for sw2, sb2 in _DEPTH_POINTS:
            lab = f"sw2={sw2:g}, sb2={sb2:g}"
            root = CT.qstar(ACT, sw2, sb2, _q64(sw2, sb2))
            chi = CT.chi1(ACT, sw2, root.x)
            a_lect = chi + CT.num(sw2) * CT.gauss_expect(_lecture_extra, root.x, 0.5)
            a = CT.nu_slope(ACT, sw2, root.x)
            xi_q = -1 / a.log()
            args = {"sw2": sw2, "sb2": sb2}
            terms += [(f"{lab}: |a (lecture) - nu'(q*)|", CT.enclosure(abs(a_lect - a)), "<=", 2.0 ** -80),
                      (f"{lab}: a", CT.enclosure(a), ">", 0), (f"{lab}: a (< 1)", CT.enclosure(a), "<", 1),
                      _float64_term(f"{lab}: xi_q", "meanfield.xi_q.tanh", args,
                                    float(generated_function(get("meanfield.xi_q.tanh"), "numpy")(sw2, sb2)), xi_q)]
            note = f"{lab}: a in {CT.enclosure(a, 10)}, xi_q in {CT.enclosure(xi_q, 10)}"
            if chi < 1:
                xi_c = -1 / chi.log()
                terms.append(_float64_term(f"{lab}: xi_c", "meanfield.xi_c.tanh", args,
                                           float(generated_function(get("meanfield.xi_c.tanh"), "numpy")(sw2, sb2)),
                                           xi_c))
                note += f", xi_c in {CT.enclosure(xi_c, 10)}"
            notes.append(note)
    return Outcome.certified(terms, certified(CT.PREC, "interval Newton for q*; rigorous quadrature"),
                             "; ".join(notes))


_CSTAR_PREC = 64  # bits: c* to ~1e-16, twice the nested quadratures' cost at 104 bits


@CP.certified("chaotic-cstar-enclosed-stable")
def _(ctx):
    """The simulations' chaotic point (sw2 = 2.5, sb2 = 0.05, tanh): chi_1 > 1 (c = 1 unstable), and interval
    Newton on P(c) - c, P(c) = (sw2 E[tanh(u) tanh(v)] + sb2)/q*, with E by nested rigorous quadrature
    (verify/certified.py gauss_expect2: inner acb.integral over w as an analytic function of z, outer
    acb.integral restricted to |Im(sqrt(q*) c z)| < pi/8, tail balls) at the enclosure of q*, proves a unique
    correlation fixed point c* in a ball around the float64 value and encloses it.  Certified terms:
    0 < c* < 1, P'(c*) = sw2 E[sech^2(u) sech^2(v)] < 1 (c* attracting), chi_1 > 1, and
    |float64 c* - c*| <= 64 eps / (1 - P'(c*)): the float64 Newton solver (numeric/fixed_point.py) stops at
    a residual of a few eps and its 2-D trapezoid sums of terms bounded by 1 carry K_HAND = 64 eps
    (verify/accuracy.py), amplified by 1/(1 - P'(c*)) into the root.  Enclosures at 64 bits."""
    sw2 = phase_sw2("chaotic")
    c64 = float(MF.cstar(ACT, sw2, SB2))
    with CT.precision(_CSTAR_PREC):
        qr = CT.qstar(ACT, sw2, SB2, _q64(sw2, SB2))
        chi = CT.chi1(ACT, sw2, qr.x)
        root = CT.cstar_tanh(sw2, SB2, qr.x, c64)
        slope = CT.cmap_slope_tanh(sw2, qr.x, root.x)
        allow = 64 * EPS / (1 - slope)
        terms = [("c*", CT.enclosure(root.x), "<", 1), ("c* (positive)", CT.enclosure(root.x), ">", 0),
                 ("P'(c*)", CT.enclosure(slope), "<", 1), ("chi_1", CT.enclosure(chi), ">", 1),
                 ("|float64 c* - c*| - 64 eps/(1 - P'(c*))", CT.enclosure(CT.abs_diff(c64, root.x) - allow), "<=", 0)]
    return Outcome.certified(terms, certified(_CSTAR_PREC, "interval Newton with nested rigorous quadrature"),
                             f"sw2={sw2:g}, sb2={SB2:g}: c* in {CT.enclosure(root.x, 17)}, P'(c*) in "
                             f"{CT.enclosure(slope, 8)}, chi_1 in {CT.enclosure(chi, 8)} (float64 c* = {c64!r})")
