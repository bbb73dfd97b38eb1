"""Registry-driven input generation and error bounds for tests/test_formula_registry.py.

Everything here is derived from a formula's registry entry (its :class:`Param` domains, constraints,
expression), so a newly registered formula is covered without edits.  Three pieces:

* hypothesis strategies that draw points from the *whole* declared domain: log-uniform magnitudes
  over the float64 exponent range for half-lines (tiny and huge values included), the closed end
  points themselves, points just inside a bound, integers as integers;
* invalid inputs for every parameter (below/above a bound, an open end point, a non-integer,
  NaN, +-inf) and points that violate each cross-parameter constraint;
* the error bound of a float64 kernel at a point (``error_bound``, defined in verify/accuracy.py and
  re-exported here), from the formula's condition number and the kernel's operation count;
* a guard that turns a run-away evaluation (time or memory) into a fast, reported failure.
"""
from __future__ import annotations

import math
import re
import resource
import signal
from contextlib import contextmanager
from fractions import Fraction
from functools import lru_cache

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from theorycheck.symbolic.registry import Formula, get
from theorycheck.verify.formulas import constraint_holds

# The float64 error model (backward-stability bound) lives in verify/accuracy.py, shared with
# `theorycheck accuracy`; re-exported here for the tests.
from theorycheck.verify.accuracy import (EPS, K_HAND, SUBNORMAL, error_bound, k_ops, sensitivity,  # noqa: E402,F401
                                         term_scale)


# ----------------------------------------------------------------------------------------- drawing
# Log10 magnitudes: moderate values most of the time, the whole normal float64 range otherwise.
MODERATE_DECADES = 6.0
FULL_DECADES = 300.0
# Unbounded integer parameters are drawn up to this size (hermite orders, widths): large enough for
# the asymptotic regime of every integer formula registered, small enough for an mpmath reference.
INT_CAP = 2000


def _f(x) -> float:
    return float(Fraction(x))


def param_value(p) -> st.SearchStrategy[float]:
    """A strategy of floats inside ``p``'s declared domain (checked exactly with ``p.contains``)."""
    lo = None if p.lower is None else _f(p.lower)
    hi = None if p.upper is None else _f(p.upper)
    if p.integer:
        a = int(math.ceil(lo)) if lo is not None else -INT_CAP
        if lo is not None and p.lower_open and a == lo:
            a += 1
        b = int(math.floor(hi)) if hi is not None else a + INT_CAP
        if hi is not None and p.upper_open and b == hi:
            b -= 1
        s = st.one_of(st.integers(a, min(b, a + 12)), st.integers(a, b), st.sampled_from([a, b]))
        return s.map(float)
    mag = st.one_of(st.floats(-MODERATE_DECADES, MODERATE_DECADES), st.floats(-FULL_DECADES, FULL_DECADES),
                    st.sampled_from([-FULL_DECADES, FULL_DECADES])).map(lambda e: 10.0 ** e)
    ends = [x for x, is_open in ((lo, p.lower_open), (hi, p.upper_open)) if x is not None and not is_open]
    if lo is not None and hi is not None:
        width = hi - lo
        near = st.floats(1.0, 17.0).flatmap(lambda e: st.sampled_from([lo + width * 10.0 ** -e,
                                                                         hi - width * 10.0 ** -e]))
        parts = [st.floats(lo, hi, exclude_min=p.lower_open, exclude_max=p.upper_open), near]
    elif lo is not None:
        parts = [mag.map(lambda m: lo + m)]
    elif hi is not None:
        parts = [mag.map(lambda m: hi - m)]
    else:
        parts = [st.tuples(st.sampled_from([1.0, -1.0]), mag).map(lambda t: t[0] * t[1]), st.just(0.0)]
    if ends:
        parts.append(st.sampled_from(ends))
    return st.one_of(*parts).filter(lambda x: p.contains(Fraction(x)))


def exact(values: dict) -> dict:
    """Floats as exact Fractions: the reference then sees exactly the doubles the kernel sees."""
    return {k: Fraction(float(v)) for k, v in values.items()}


@st.composite
def point(draw, f: Formula) -> dict:
    """A point of ``f``'s domain (all parameters drawn, every constraint checked exactly)."""
    vals = {p.name: draw(param_value(p)) for p in f.params}
    ex = exact(vals)
    for c in f.constraints:
        assume(constraint_holds(f, c, ex))
    return vals


def args_of(f: Formula, values: dict) -> list[float]:
    return [float(values[p.name]) for p in f.params]


# ------------------------------------------------------------------------------------ bad inputs
def interior_point(f: Formula) -> dict:
    """A deterministic valid point (moderate values), used as the base of the invalid-input tests."""
    rng = np.random.default_rng(12345)
    for _ in range(5000):
        vals = {}
        for p in f.params:
            lo = -2.0 if p.lower is None else _f(p.lower)
            hi = (max(lo, 0.0) + 3.0) if p.upper is None else _f(p.upper)
            x = rng.uniform(lo, hi)
            vals[p.name] = float(round(x)) if p.integer else x
        ex = exact(vals)
        if all(p.contains(ex[p.name]) for p in f.params) and all(constraint_holds(f, c, ex) for c in f.constraints):
            return vals
    raise AssertionError(f"{f.id}: no valid point found in 5000 draws (is the domain empty?)")


def outside_values(p) -> list[tuple[str, float]]:
    """(label, value) pairs outside ``p``'s domain, finite ones first, then NaN and +-inf."""
    out = []
    if p.lower is not None:
        lo = _f(p.lower)
        out.append(("below lower bound", lo - max(1.0, abs(lo))))
        out.append(("just below lower bound", float(np.nextafter(lo, -np.inf))))
        if p.lower_open:
            out.append(("open lower end point", lo))
    if p.upper is not None:
        hi = _f(p.upper)
        out.append(("above upper bound", hi + max(1.0, abs(hi))))
        out.append(("just above upper bound", float(np.nextafter(hi, np.inf))))
        if p.upper_open:
            out.append(("open upper end point", hi))
    if p.integer:
        base = _f(p.lower) if p.lower is not None else 0.0
        out.append(("non-integer", base + 1.5))
    out += [("nan", math.nan), ("+inf", math.inf), ("-inf", -math.inf)]
    # a value can only be listed if it really is outside (e.g. a bound at +-inf is not)
    return [(lab, v) for lab, v in out if not (math.isfinite(v) and p.contains(Fraction(v)))]


_INTERVAL = re.compile(r"(integers in )?([\[(])\s*([^,\s]+)\s*,\s*([^\])\s]+)\s*([\])])")


def names_domain(message: str, p) -> bool:
    """True when ``message`` states ``p``'s interval (brackets and end points compared as numbers)."""
    want_left = "(" if (p.lower is None or p.lower_open) else "["
    want_right = ")" if (p.upper is None or p.upper_open) else "]"
    for m in _INTERVAL.finditer(message):
        integer, left, lo, hi, right = m.groups()
        if (left, right) != (want_left, want_right) or bool(integer) != p.integer:
            continue
        try:
            lo_v, hi_v = float(Fraction(lo)) if lo != "-inf" else -math.inf, float(Fraction(hi)) if hi != "inf" else math.inf
        except (ValueError, ZeroDivisionError):
            try:
                lo_v, hi_v = float(lo), float(hi)
            except ValueError:
                continue
        if lo_v == (-math.inf if p.lower is None else _f(p.lower)) and hi_v == (math.inf if p.upper is None else _f(p.upper)):
            return True
    return False


# Values tried for constraint violations besides random ones: small exact numbers reach equality
# constraints (lam = gamma n), huge and tiny ones reach magnitude caps.
_GRID = [0.0, 0.5, 1.0, 2.0, 3.0, 4.0, -1.0, -2.0, 1e-70, 1e70, -1e70]


@lru_cache(maxsize=None)
def constraint_violation(fid: str, index: int) -> tuple[dict, list]:
    """:func:`constraint_violations` for constraint ``index`` of formula ``fid``, cached (deterministic)."""
    f = get(fid)
    return constraint_violations(f, f.constraints[index])


def constraint_violations(f: Formula, c, tries: int = 20000) -> tuple[dict, list]:
    """A deterministic point inside every domain that violates ``c``, and the constraints it violates.

    A point satisfying the other constraints is preferred (the error must then be about ``c``); when
    ``c`` cannot be violated alone (it implies another one), the first point violating it is returned.
    """
    rng = np.random.default_rng(2024)
    others = [o for o in f.constraints if o is not c]
    fallback = None
    for i in range(tries):
        vals = {}
        for p in f.params:
            lo = -4.0 if p.lower is None else _f(p.lower)
            hi = (max(lo, 0.0) + 4.0) if p.upper is None else _f(p.upper)
            if i % 3 == 2:
                x = float(rng.choice(_GRID))
            elif i % 3 == 1 and p.lower is not None and p.upper is None:
                x = lo + 10.0 ** rng.uniform(-3, 3)
            elif i % 3 == 1 and p.lower is None and p.upper is None:
                x = float(rng.choice([-1.0, 1.0])) * 10.0 ** rng.uniform(-80, 80)
            else:
                x = rng.uniform(lo, hi)
            vals[p.name] = float(round(x)) if p.integer else x
        ex = exact(vals)
        if not all(p.contains(ex[p.name]) for p in f.params) or constraint_holds(f, c, ex):
            continue
        broken = [o for o in others if not constraint_holds(f, o, ex)]
        if not broken:
            return vals, [c]
        fallback = fallback or (vals, [c] + broken)
    if fallback is not None:
        return fallback
    raise AssertionError(f"{f.id}: no point violating only {c.relation} found in {tries} draws")


# ------------------------------------------------------------------------------------ guard
class RunawayError(Exception):
    """An evaluation exceeded the guard's time or memory budget."""


def _vm_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


@contextmanager
def guard(seconds: float, extra_bytes: int = 4 << 30):
    """Run the body with a CPU-time alarm and an address-space cap of current + ``extra_bytes``.

    An in-domain input must give a value or a fast refusal; a kernel that would allocate tens of
    GiB or run for minutes raises RunawayError (or MemoryError, re-raised as RunawayError) instead
    of taking the machine down.  CPU time (ITIMER_PROF), not wall time, so a loaded machine does not
    turn a slow-but-fine evaluation into a failure.  The signal handler runs between Python
    bytecodes, so chunked NumPy loops and mpmath (pure Python) are interrupted promptly.
    """
    def on_alarm(signum, frame):
        raise RunawayError(f"evaluation exceeded {seconds:g} s of CPU time")

    old_handler = signal.signal(signal.SIGPROF, on_alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _vm_bytes() + extra_bytes
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    except MemoryError as exc:
        raise RunawayError(f"evaluation needed more than {extra_bytes >> 30} GiB beyond the process ({exc})") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old_handler)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
