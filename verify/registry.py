"""The claim registry: claims, their checks in tiers, outcomes and result records.

A :class:`Claim` is one statement of a paper (id ``<paper-key>/<label>``, a one-sentence statement, a
citation written as in the paper).  Checks are attached with decorators::

    C = claim("saxe2013/eq10-12-sigmoid", "eq. (12) solves eq. (10) ...", "Saxe et al. 2013, eqs. (10)-(12)")

    @C.exact("eq12-solves-eq10")
    def _(ctx):
        residual = sp.simplify(...)
        return Outcome.symbolic(residual)

A check receives a :class:`verify.context.Context` (scale, device, seed, sizes) and returns an
:class:`Outcome` (or :func:`erratum` of two outcomes: the statement as printed and the corrected
statement).  An outcome carries the :class:`Comparison` its verdict follows from (two-sided, one-sided
upper/lower, a boolean criterion with the quantities it looked at, or a symbolic residual); the runner
turns it into a :class:`Result` whose status :func:`derive_status` re-derives from the record alone.

Layout: one package per paper, ``verify/claims/<paper-key>/``, whose ``__init__.py`` declares
``PAPER = paper(key, title, authors, year, source)``; one module per section of the paper (the
paper's own section names), figures in their own module.  Packages and modules are discovered
automatically; every claim and check records where it is defined (``path:line``).  Check names are
kebab-case literals, unique within their claim.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from theorycheck.verify.tolerances import Tolerance, exact

TIERS = ("exact", "precise", "simulation")
SCALES = ("smoke", "default", "paper")
# the directory holding symbolic/, numeric/, verify/ (locations are printed relative to it)
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# the papers' text files (../shared/papers/ beside the repository)
PAPERS_DIR = PACKAGE_ROOT.parent / "shared" / "papers"

__all__ = ["Claim", "Check", "Outcome", "Comparison", "Term", "Erratum", "Result", "Paper", "claim", "paper",
           "erratum", "all_claims", "get_claim", "select", "papers", "paper_keys", "derive_status", "TIERS",
           "SCALES", "STATUSES", "UnknownClaimError"]


class UnknownClaimError(ValueError):
    pass


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


OPS = ("<=", "<", ">=", ">", "==")


def _holds(value, op: str, limit) -> bool:
    """``value op limit``; NaN, None and non-numbers never satisfy an order relation."""
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
        return {"name": self.name, "value": _num(self.value), "op": self.op, "limit": _num(self.limit),
                "holds": self.holds()}


@dataclass(frozen=True)
class Comparison:
    """The comparison a verdict follows from, recorded in the result so the status can be re-derived.

    ``kind`` says what was compared:

    * ``two-sided``: |measured - predicted| (divided by |predicted| when ``relative``) <= tolerance;
    * ``upper``: a measured statistic (a worst error, a bound's left-hand side) <= a limit;
    * ``lower``: a measured statistic >= a limit (e.g. a lower confidence bound > 0);
    * ``criterion``: a boolean criterion over the named quantities it looked at (all or any terms);
    * ``symbolic``: a SymPy residual equal to ``"0"``.

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


COMPARISON_KINDS = ("two-sided", "upper", "lower", "criterion", "symbolic")


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


CheckFn = Callable[[Any], "Outcome | Erratum"]

# kebab-case: lower-case letters and digits in words joined by '-'; '.' allowed inside a word for the
# papers' own numbering (eq-2.3, sec2.2)
_CHECK_NAME = re.compile(r"^[a-z0-9]+(?:\.[a-z0-9]+)*(?:-[a-z0-9]+(?:\.[a-z0-9]+)*)*$")


def _location(path: str, line: int) -> str:
    """``path:line`` relative to the package root (verify/claims/saxe2013/sec1.py:42)."""
    p = Path(path).resolve()
    try:
        rel = p.relative_to(PACKAGE_ROOT)
    except ValueError:
        rel = p
    return f"{rel.as_posix()}:{line}"


@dataclass
class Check:
    name: str
    tier: str
    fn: CheckFn
    sizes: dict[str, dict] = field(default_factory=dict)
    slow: bool = False  # a simulation too heavy for the default pytest run at the given scale
    location: str = ""  # path:line of the check function

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.fn) or ""


@dataclass
class Claim:
    id: str
    statement: str
    source: str
    checks: list[Check] = field(default_factory=list)
    module: str = ""
    location: str = ""  # path:line of the claim() call

    @property
    def paper(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def tiers(self) -> list[str]:
        return sorted({c.tier for c in self.checks}, key=TIERS.index)

    def check(self, name: str) -> Check:
        for k in self.checks:
            if k.name == name:
                return k
        raise UnknownClaimError(f"claim {self.id!r} has no check {name!r}; checks: {[k.name for k in self.checks]}")

    def _add(self, tier: str, name: str, sizes: dict | None, slow: bool):
        if not isinstance(name, str) or not _CHECK_NAME.match(name):
            raise ValueError(f"check name {name!r} of claim {self.id!r} is not kebab-case "
                             "(lower-case words of letters and digits joined by '-', e.g. 'eq12-solves-eq10')")
        if any(c.name == name for c in self.checks):
            raise ValueError(f"claim {self.id!r} already has a check named {name!r}")
        if tier == "simulation":
            missing = [s for s in SCALES if s not in (sizes or {})]
            if missing:
                raise ValueError(f"simulation check {self.id}:{name} must declare sizes for scales {missing}")

        def deco(fn: CheckFn) -> CheckFn:
            code = getattr(fn, "__code__", None)
            loc = _location(code.co_filename, code.co_firstlineno) if code else ""
            self.checks.append(Check(name, tier, fn, dict(sizes or {}), slow, loc))
            return fn

        return deco

    def exact(self, name: str):
        return self._add("exact", name, None, False)

    def precise(self, name: str):
        return self._add("precise", name, None, False)

    def simulation(self, name: str, sizes: dict[str, dict], slow: bool = False):
        return self._add("simulation", name, sizes, slow)


@dataclass(frozen=True)
class Paper:
    """A source document: declared once, in its package's ``__init__.py`` (``verify/claims/<key>/``)."""

    key: str
    title: str
    authors: str
    year: int | None  # None for an undated document
    source: str  # file name under ../shared/papers/
    package: str = ""
    location: str = ""

    @property
    def short(self) -> str:
        return f"{self.authors.split(',')[0].split(' and ')[0].strip()} {self.year or 'n.d.'}"


_CLAIMS: dict[str, Claim] = {}
_PAPERS: dict[str, Paper] = {}
_LOADED = False
_LOADING = False


def paper(key: str, title: str, authors: str, year: int | None, source: str) -> Paper:
    """Declare the paper of the calling package (``PAPER = paper(...)`` in its ``__init__.py``)."""
    frame = inspect.currentframe().f_back
    pkg = frame.f_globals.get("__name__", "?")
    if not re.fullmatch(r"[a-z][a-z0-9]*", key):
        raise ValueError(f"paper key {key!r} must be lower-case letters and digits")
    if key in _PAPERS:
        raise ValueError(f"paper key {key!r} is already declared by {_PAPERS[key].package}")
    if pkg.rsplit(".", 1)[-1] != key:
        raise ValueError(f"paper key {key!r} must equal its package's name ({pkg})")
    if not (PAPERS_DIR / source).name == source:
        raise ValueError(f"paper {key!r}: source {source!r} must be a file name under ../shared/papers/")
    p = Paper(key, title, authors, None if year is None else int(year), source, pkg, _location(frame.f_code.co_filename, frame.f_lineno))
    _PAPERS[key] = p
    return p


def claim(id: str, statement: str, source: str) -> Claim:
    """Declare a claim; a duplicate id or an undeclared paper key is an error."""
    paper_key, _, label = id.partition("/")
    if paper_key not in _PAPERS and not _LOADING:
        load_all()  # a claim declared outside the paper packages (tests, scripts) needs the papers
    if paper_key not in _PAPERS or not label:
        raise ValueError(f"claim id {id!r} must be '<paper-key>/<label>' with a declared paper key "
                         f"(one of {sorted(_PAPERS)})")
    if id in _CLAIMS:
        raise ValueError(f"claim id {id!r} is already registered")
    frame = inspect.currentframe().f_back
    mod = frame.f_globals.get("__name__", "?")
    c = Claim(id, statement, source, module=mod, location=_location(frame.f_code.co_filename, frame.f_lineno))
    _CLAIMS[id] = c
    return c


def load_all() -> None:
    """Import every paper package under verify/claims/ and every module in it (claims register on import).

    A paper package declares ``PAPER = paper(...)`` in its ``__init__.py``; adding a paper is adding
    a package, never editing a list here.
    """
    global _LOADED, _LOADING
    if _LOADED or _LOADING:
        return
    _LOADING = True
    try:
        _load_packages()
    finally:
        _LOADING = False
    _LOADED = True


def _load_packages() -> None:
    from theorycheck.verify import claims as _claims_pkg

    for info in sorted(pkgutil.iter_modules(_claims_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_") or not info.ispkg:
            continue
        pkg = importlib.import_module(f"{_claims_pkg.__name__}.{info.name}")
        if not isinstance(getattr(pkg, "PAPER", None), Paper):
            continue  # a shared helper package, not a paper
        for sub in sorted(pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."), key=lambda i: i.name):
            if not sub.name.rsplit(".", 1)[-1].startswith("_"):
                importlib.import_module(sub.name)


def papers() -> list[Paper]:
    load_all()
    return [_PAPERS[k] for k in sorted(_PAPERS)]


def paper_keys() -> tuple[str, ...]:
    load_all()
    return tuple(sorted(_PAPERS))


def all_claims() -> list[Claim]:
    load_all()
    return [_CLAIMS[k] for k in sorted(_CLAIMS)]


def get_claim(id: str) -> Claim:
    load_all()
    if id not in _CLAIMS:
        close = difflib.get_close_matches(id, list(_CLAIMS), n=5, cutoff=0.4)
        hint = f"; close matches: {', '.join(close)}" if close else "; see `theorycheck list`"
        raise UnknownClaimError(f"no claim {id!r}{hint}")
    return _CLAIMS[id]


def select(patterns: list[str] | None) -> list[Claim]:
    """Claims whose id equals or starts with one of ``patterns`` (all when empty).

    An unknown id or prefix is an error that lists the close matches; a declared paper without
    claims says so.
    """
    claims = all_claims()
    if not patterns:
        return claims
    chosen: dict[str, Claim] = {}
    for pat in patterns:
        hits = [c for c in claims if c.id == pat or c.id.startswith(pat)]
        if not hits:
            key = pat.rstrip("/")
            if key in _PAPERS:
                p = _PAPERS[key]
                raise UnknownClaimError(f"paper {key!r} ({p.short}, {p.title}) is declared but has no claims yet")
            ids = [c.id for c in claims]
            close = difflib.get_close_matches(pat, ids + list(_PAPERS), n=5, cutoff=0.4)
            hint = f"; close matches: {', '.join(close)}" if close else "; see `theorycheck list`"
            raise UnknownClaimError(f"no claim matches {pat!r}{hint}")
        for c in hits:
            chosen[c.id] = c
    return [chosen[k] for k in sorted(chosen)]
