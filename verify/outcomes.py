"""Outcomes and result records: what a check measured, the comparison its verdict follows from, and the
status derived from that comparison alone.

A check returns an :class:`Outcome` (or an :class:`Erratum` of two: the statement as printed and the
corrected one).  An outcome carries a :class:`Comparison` -- two-sided, one-sided upper/lower, a boolean
criterion with the quantities it looked at, or a symbolic residual -- made of :class:`Term` s
``value op limit``.  The runner stores it in a :class:`Result`, and :func:`derive_status` re-derives the
status from the JSON record alone (``theorycheck.load_results`` does so for a whole results file).
Re-exported by :mod:`theorycheck.verify.registry`, where claims and checks are declared.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from theorycheck.verify.tolerances import Tolerance, exact

__all__ = ["as_interval", "Term", "Comparison", "Outcome", "Erratum", "Result", "erratum", "derive_status", "two_sided_error",
           "OPS", "COMPARISON_KINDS", "STATUSES"]


def _num(x):
    """JSON-friendly representation of a predicted/measured value."""
    if x is None or isinstance(x, (bool, int, str)):
        return x
    try:
        import numpy as np

        if isinstance(x, np.ndarray):
            return x.tolist()
    except ImportError:  # pragma: no cover
        pass
    try:
        return float(x)
    except (TypeError, ValueError):
        return str(x)


def _num_or_interval(x):
    """An enclosure [lo, hi] of decimal strings is recorded as such; anything else as by :func:`_num`."""
    if _is_enclosure(x):
        return [x[0], x[1]]
    return _num(x)


OPS = ("<=", "<", ">=", ">", "==", "in", "outside")


def _exact(x):
    """A recorded number as an exact Fraction (decimal strings and floats exactly); None if not a finite number."""
    from fractions import Fraction

    if isinstance(x, bool) or x is None:
        return None
    try:
        f = Fraction(x) if isinstance(x, (int, str)) else Fraction(float(x))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return f


def _is_enclosure(x) -> bool:
    """Recorded as an enclosure: a pair of strings (whether or not they parse, so a malformed one fails)."""
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(isinstance(v, str) for v in x)


def as_interval(x):
    """``[lo, hi]`` of a recorded enclosure (two decimal strings, verify/certified.py) as exact Fractions,
    or None when ``x`` is not one (a malformed interval, lo > hi, is not one either)."""
    if not _is_enclosure(x):
        return None
    lo, hi = _exact(x[0]), _exact(x[1])
    if lo is None or hi is None or lo > hi:
        return None
    return lo, hi


def _interval_holds(iv, op: str, limit) -> bool:
    """``X op limit`` for every x of the enclosure X = [lo, hi]: what the interval *proves*.

    Order relations compare the end point that matters (``<``: hi < limit, ``>=``: lo >= limit, ...),
    ``in`` needs X inside the limit interval, ``outside`` X disjoint from it, ``==`` a degenerate X equal
    to the limit.  Exact rational arithmetic on the recorded decimal strings: no rounding enters the verdict.
    """
    lo, hi = iv
    if op in ("in", "outside"):
        lim = as_interval(limit)
        if lim is None:
            return False
        a, b = lim
        return (a <= lo and hi <= b) if op == "in" else (hi < a or lo > b)
    lim = _exact(limit)
    if lim is None:
        return False
    return {"<=": hi <= lim, "<": hi < lim, ">=": lo >= lim, ">": lo > lim, "==": lo == hi == lim}[op]


def _holds(value, op: str, limit) -> bool:
    """``value op limit``; NaN, None and non-numbers never satisfy an order relation.

    A value recorded as an enclosure ``[lo, hi]`` (two decimal strings, the ``certified`` kind) holds only
    if the whole interval satisfies the relation (:func:`_interval_holds`); ``in``/``outside`` are defined
    for enclosures only.
    """
    if _is_enclosure(value):
        iv = as_interval(value)
        return False if iv is None else _interval_holds(iv, op, limit)
    if op in ("in", "outside"):
        return False
    if op == "==":
        return value == limit
    try:
        v, lim = float(value), float(limit)
    except (TypeError, ValueError):
        return False
    if v != v or lim != lim:
        return False
    return {"<=": v <= lim, "<": v < lim, ">=": v >= lim, ">": v > lim}[op]


@dataclass(frozen=True)
class Term:
    """One comparison ``value op limit`` with the name of the quantity it looks at."""

    name: str
    value: Any
    op: str
    limit: Any

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"comparison operator {self.op!r} is not one of {OPS}")

    def holds(self) -> bool:
        return _holds(self.value, self.op, self.limit)

    def as_dict(self) -> dict:
        return {"name": self.name, "value": _num_or_interval(self.value), "op": self.op,
                "limit": _num_or_interval(self.limit), "holds": self.holds()}


@dataclass(frozen=True)
class Comparison:
    """The comparison a verdict follows from, recorded in the result so the status can be re-derived.

    ``kind`` says what was compared:

    * ``two-sided``: |measured - predicted| (divided by |predicted| when ``relative``) <= tolerance;
    * ``upper``: a measured statistic (a worst error, a bound's left-hand side) <= a limit;
    * ``lower``: a measured statistic >= a limit (e.g. a lower confidence bound > 0);
    * ``criterion``: a boolean criterion over the named quantities it looked at (all or any terms);
    * ``symbolic``: a SymPy residual equal to ``"0"``;
    * ``certified``: rigorous enclosures ``[lo, hi]`` (interval arithmetic, verify/certified.py), each term
      holding only if its whole interval proves the relation (``hi < limit``, ``lo > limit``, ``in``
      an interval, ``outside`` it).

    The verdict is ``all`` (or ``any``, per ``combine``) of the terms ``value op limit``.
    """

    kind: str
    terms: tuple[Term, ...]
    combine: str = "all"
    relative: bool = False

    def __post_init__(self):
        if self.kind not in COMPARISON_KINDS:
            raise ValueError(f"comparison kind {self.kind!r} is not one of {COMPARISON_KINDS}")
        if self.combine not in ("all", "any"):
            raise ValueError(f"combine must be 'all' or 'any', got {self.combine!r}")
        if not self.terms:
            raise ValueError("a comparison needs at least one term")

    def holds(self) -> bool:
        f = all if self.combine == "all" else any
        return bool(f(t.holds() for t in self.terms))

    def as_dict(self) -> dict:
        return {"kind": self.kind, "combine": self.combine, "relative": self.relative,
                "terms": [t.as_dict() for t in self.terms], "holds": self.holds()}

    @classmethod
    def from_dict(cls, d: dict) -> "Comparison":
        return cls(d["kind"], tuple(Term(t["name"], t["value"], t["op"], t["limit"]) for t in d["terms"]),
                   d.get("combine", "all"), bool(d.get("relative", False)))

    def text(self) -> str:
        """One line: ``1.2e-03 <= 4.0e-03`` (or the terms joined with 'and'/'or')."""
        def fmt(x):
            return f"{x:.2e}" if isinstance(x, float) else str(x)
        joined = f" {'and' if self.combine == 'all' else 'or'} "
        if len(self.terms) == 1:
            t = self.terms[0]
            return f"{fmt(t.value)} {t.op} {fmt(t.limit)}"
        return joined.join(f"{t.name} {fmt(t.value)} {t.op} {fmt(t.limit)}" for t in self.terms)


COMPARISON_KINDS = ("two-sided", "upper", "lower", "criterion", "symbolic", "certified")


def two_sided_error(predicted, measured, relative: bool) -> float:
    """|measured - predicted|, divided by |predicted| when ``relative`` and predicted != 0."""
    p, m = float(predicted), float(measured)
    err = abs(m - p)
    return err / abs(p) if relative and p != 0 else err


@dataclass
class Outcome:
    """What a check measured and the comparison its verdict follows from.

    ``passed`` is not set by the check: it is derived from ``comparison`` (see :class:`Comparison`),
    which the result record stores, so a reader of the results JSON re-derives every status.
    Build outcomes with the constructors: :meth:`compare` (two-sided), :meth:`bound` (upper),
    :meth:`at_least` (lower), :meth:`criterion` (boolean criterion over named quantities),
    :meth:`symbolic` (residual 0), :meth:`all_of` (several outcomes that must all hold).
    """

    predicted: Any
    measured: Any
    error: float | None
    tolerance: Tolerance
    comparison: Comparison
    detail: str = ""
    sizes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.comparison.holds()

    @classmethod
    def symbolic(cls, residual, detail: str = "", what: str = "0") -> "Outcome":
        """An exact check: ``residual`` (a SymPy expression, already simplified) must be exactly 0."""
        r = str(residual)
        return cls(predicted=what, measured=r, error=0.0 if r == "0" else None, tolerance=exact(),
                   comparison=Comparison("symbolic", (Term("simplified residual", r, "==", "0"),)),
                   detail=detail)

    @classmethod
    def compare(cls, predicted, measured, tolerance: Tolerance, detail: str = "", **kw) -> "Outcome":
        """Two-sided: |measured - predicted| (relative to |predicted| if ``tolerance.relative``) <= tolerance."""
        err = two_sided_error(predicted, measured, tolerance.relative)
        name = "|measured - predicted| / |predicted|" if tolerance.relative and float(predicted) != 0 \
            else "|measured - predicted|"
        return cls(predicted=predicted, measured=measured, error=err, tolerance=tolerance,
                   comparison=Comparison("two-sided", (Term(name, err, "<=", tolerance.value),),
                                         relative=tolerance.relative),
                   detail=detail, **kw)

    @classmethod
    def bound(cls, statistic: float, tolerance: Tolerance, detail: str = "", predicted=0.0, measured=None,
              name: str = "error", **kw) -> "Outcome":
        """Upper: a measured statistic (``name``, e.g. the worst relative error) <= ``tolerance``."""
        e = float(statistic)
        return cls(predicted=predicted, measured=e if measured is None else measured, error=e,
                   tolerance=tolerance, comparison=Comparison("upper", (Term(name, e, "<=", tolerance.value),)),
                   detail=detail, **kw)

    @classmethod
    def at_least(cls, statistic: float, tolerance: Tolerance, detail: str = "", predicted=None, measured=None,
                 name: str = "statistic", **kw) -> "Outcome":
        """Lower: a measured statistic (``name``) >= ``tolerance.value`` (a lower limit)."""
        e = float(statistic)
        return cls(predicted=f">= {tolerance.value:g}" if predicted is None else predicted,
                   measured=e if measured is None else measured, error=e, tolerance=tolerance,
                   comparison=Comparison("lower", (Term(name, e, ">=", tolerance.value),)), detail=detail, **kw)

    @classmethod
    def criterion(cls, terms, tolerance: Tolerance, detail: str = "", predicted=None, measured=None,
                  combine: str = "all", **kw) -> "Outcome":
        """A boolean criterion over named quantities: ``terms`` is a list of ``(name, value, op, limit)``.

        The recorded error and tolerance are those of the first term (the headline quantity); the
        comparison records every term, so the verdict is explained by the numbers it looked at.
        """
        ts = tuple(t if isinstance(t, Term) else Term(*t) for t in terms)
        head = ts[0]
        err = float(head.value) if isinstance(head.value, (int, float)) and not isinstance(head.value, bool) else None
        return cls(predicted=predicted if predicted is not None else ", ".join(f"{t.name} {t.op} {t.limit}" for t in ts),
                   measured=measured if measured is not None else [_num(t.value) for t in ts],
                   error=err, tolerance=tolerance, comparison=Comparison("criterion", ts, combine), detail=detail, **kw)

    @classmethod
    def certified(cls, terms, tolerance: Tolerance, detail: str = "", predicted=None, measured=None,
                  **kw) -> "Outcome":
        """Rigorous enclosures: ``terms`` is a list of ``(name, [lo, hi], op, limit)`` with ``[lo, hi]`` two
        decimal strings rounded outwards from an Arb ball (verify/certified.py: ``enclosure``), ``op`` an
        order relation, ``in`` or ``outside`` (``limit`` then an interval ``[a, b]`` of decimal strings).

        A term holds only if its whole interval proves the relation, so the verdict follows from the
        recorded end points alone (exact rational comparison, :func:`_interval_holds`).  The recorded
        error is the width of the first (headline) interval.
        """
        ts = tuple(t if isinstance(t, Term) else Term(*t) for t in terms)
        if not ts:
            raise ValueError("a certified outcome needs at least one term")
        for t in ts:
            if as_interval(t.value) is None:
                raise ValueError(f"certified term {t.name!r}: value {t.value!r} is not an enclosure [lo, hi] of "
                                 "decimal strings with lo <= hi")
            if t.op in ("in", "outside") and as_interval(t.limit) is None:
                raise ValueError(f"certified term {t.name!r}: '{t.op}' needs an interval limit [a, b], got {t.limit!r}")
        lo, hi = as_interval(ts[0].value)
        return cls(predicted=predicted if predicted is not None else "; ".join(f"{t.name} {t.op} {t.limit}" for t in ts),
                   measured=measured if measured is not None else [list(t.value) for t in ts],
                   error=float(hi - lo), tolerance=tolerance, comparison=Comparison("certified", ts), detail=detail,
                   **kw)

    @classmethod
    def all_of(cls, outcomes: "list[Outcome]", detail: str = "") -> "Outcome":
        """Several outcomes that must all hold: the terms of all of them, recorded with the worst one's
        predicted/measured/error/tolerance (the one that fails, else the largest error/tolerance ratio)."""
        if not outcomes:
            raise ValueError("all_of needs at least one outcome")

        def badness(o):
            r = (o.error / o.tolerance.value) if (o.error is not None and o.tolerance.value) else 0.0
            return (not o.passed, r)

        worst = max(outcomes, key=badness)
        terms = tuple(Term(f"[{i}] {t.name}", t.value, t.op, t.limit) for i, o in enumerate(outcomes)
                      for t in o.comparison.terms if o.comparison.combine == "all" or len(o.comparison.terms) == 1)
        if any(o.comparison.combine == "any" and len(o.comparison.terms) > 1 for o in outcomes):
            raise ValueError("all_of cannot flatten an 'any' comparison; record it as its own check")
        kind = worst.comparison.kind if len({o.comparison.kind for o in outcomes}) == 1 else "criterion"
        sizes, extra = {}, {}
        for o in outcomes:
            sizes.update(o.sizes)
            extra.update(o.extra)
        d = detail or " | ".join(o.detail + (" ok" if o.passed else " FAIL") for o in outcomes)
        return cls(predicted=worst.predicted, measured=worst.measured, error=worst.error, tolerance=worst.tolerance,
                   comparison=Comparison(kind, terms, "all", worst.comparison.relative), detail=d, sizes=sizes,
                   extra=extra)


@dataclass
class Erratum:
    """The statement as printed and the corrected statement, each checked."""

    printed: Outcome
    corrected: Outcome
    correction: str


def erratum(printed: Outcome, corrected: Outcome, correction: str) -> Erratum:
    return Erratum(printed, corrected, correction)


STATUSES = ("passed", "erratum", "failed", "error")


def derive_status(record: dict) -> str:
    """The status of a result record, from its recorded comparisons alone.

    ``error`` when the check raised (no comparison recorded); otherwise, with a printed statement
    (an erratum check): ``passed`` if the printed comparison holds, ``erratum`` if only the corrected
    one holds, ``failed`` if neither; without: ``passed`` if the comparison holds, else ``failed``.
    """
    if record.get("comparison") is None:
        return "error"
    corrected = Comparison.from_dict(record["comparison"]).holds()
    printed = record.get("printed")
    if printed:
        if Comparison.from_dict(printed["comparison"]).holds():
            return "passed"
        return "erratum" if corrected else "failed"
    return "passed" if corrected else "failed"


@dataclass
class Result:
    claim_id: str
    check: str
    tier: str
    status: str  # passed | failed | erratum | error (derived by derive_status)
    source: str
    statement: str
    predicted: Any = None
    measured: Any = None
    error: float | None = None
    tolerance: float | None = None
    tolerance_rule: str = ""
    tolerance_why: str = ""
    comparison: dict | None = None
    detail: str = ""
    correction: str = ""
    printed: dict | None = None
    seed: int | None = None
    device: str = "cpu"
    scale: str = "default"
    sizes: dict = field(default_factory=dict)
    seconds: float = 0.0
    location: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "erratum")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["predicted"] = _num(self.predicted)
        d["measured"] = _num(self.measured)
        d["extra"] = {k: _num(v) for k, v in self.extra.items()}
        return d
