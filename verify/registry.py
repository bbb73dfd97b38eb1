"""The claim registry: claims, their checks in tiers, outcomes and result records.

A :class:`Claim` is one statement of a paper (id ``<paper-key>/<label>``, a one-sentence statement, a
citation written as in the paper).  Checks are attached with decorators::

    C = claim("saxe2013/eq10-12-sigmoid", "eq. (12) solves eq. (10) ...", "Saxe et al. 2013, eqs. (10)-(12)")

    @C.exact("eq12 solves eq10")
    def _(ctx):
        residual = sp.simplify(...)
        return Outcome.symbolic(residual)

A check receives a :class:`verify.context.Context` (scale, device, seed, sizes) and returns an
:class:`Outcome` (or :func:`erratum` of two outcomes: the statement as printed and the corrected
statement).  The runner turns it into a :class:`Result` with timing and provenance.

Claim modules live in ``verify/claims/<paper-key>.py`` and are discovered automatically.
"""
from __future__ import annotations

import difflib
import importlib
import pkgutil
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

from theorycheck.verify.tolerances import Tolerance, exact

PAPER_KEYS = ("li2019", "saxe2013", "pretorius2018", "iclr2022", "yarotsky")
TIERS = ("exact", "precise", "simulation")
SCALES = ("smoke", "default", "paper")

__all__ = ["Claim", "Check", "Outcome", "Erratum", "Result", "claim", "erratum", "all_claims", "select",
           "PAPER_KEYS", "TIERS", "SCALES", "UnknownClaimError"]


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


@dataclass
class Outcome:
    """What a check measured: ``passed`` is decided by the check from error and tolerance."""

    predicted: Any
    measured: Any
    error: float | None
    tolerance: Tolerance
    passed: bool
    detail: str = ""
    sizes: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    @classmethod
    def symbolic(cls, residual, detail: str = "", what: str = "0") -> "Outcome":
        """An exact check: ``residual`` (a SymPy expression, already simplified) must be 0."""
        ok = residual == 0
        return cls(predicted=what, measured=str(residual), error=0.0 if ok else None, tolerance=exact(),
                   passed=bool(ok), detail=detail)

    @classmethod
    def compare(cls, predicted, measured, tolerance: Tolerance, detail: str = "", **kw) -> "Outcome":
        """Compare two scalars: relative error if ``tolerance.relative`` else absolute."""
        p, m = float(predicted), float(measured)
        err = abs(m - p)
        if tolerance.relative:
            err = err / abs(p) if p != 0 else err
        ok = err <= tolerance.value and err == err
        return cls(predicted=predicted, measured=measured, error=err, tolerance=tolerance, passed=bool(ok),
                   detail=detail, **kw)

    @classmethod
    def bound(cls, measured_error: float, tolerance: Tolerance, detail: str = "", predicted=0.0,
              measured=None, **kw) -> "Outcome":
        """A precomputed error statistic that must not exceed the tolerance."""
        e = float(measured_error)
        return cls(predicted=predicted, measured=e if measured is None else measured, error=e,
                   tolerance=tolerance, passed=bool(e <= tolerance.value), detail=detail, **kw)


@dataclass
class Erratum:
    """The statement as printed and the corrected statement, each checked."""

    printed: Outcome
    corrected: Outcome
    correction: str


def erratum(printed: Outcome, corrected: Outcome, correction: str) -> Erratum:
    return Erratum(printed, corrected, correction)


@dataclass
class Result:
    claim_id: str
    check: str
    tier: str
    status: str  # passed | failed | erratum | error
    source: str
    statement: str
    predicted: Any = None
    measured: Any = None
    error: float | None = None
    tolerance: float | None = None
    tolerance_rule: str = ""
    tolerance_why: str = ""
    detail: str = ""
    correction: str = ""
    printed: dict | None = None
    seed: int | None = None
    device: str = "cpu"
    scale: str = "default"
    sizes: dict = field(default_factory=dict)
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("passed", "erratum")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["predicted"] = _num(self.predicted)
        d["measured"] = _num(self.measured)
        return d


CheckFn = Callable[[Any], "Outcome | Erratum"]


@dataclass
class Check:
    name: str
    tier: str
    fn: CheckFn
    sizes: dict[str, dict] = field(default_factory=dict)
    slow: bool = False  # a simulation too heavy for the default pytest run at the given scale


@dataclass
class Claim:
    id: str
    statement: str
    source: str
    checks: list[Check] = field(default_factory=list)
    module: str = ""

    @property
    def paper(self) -> str:
        return self.id.split("/", 1)[0]

    @property
    def tiers(self) -> list[str]:
        return sorted({c.tier for c in self.checks}, key=TIERS.index)

    def _add(self, tier: str, name: str, sizes: dict | None, slow: bool):
        def deco(fn: CheckFn) -> CheckFn:
            if any(c.name == name for c in self.checks):
                raise ValueError(f"claim {self.id!r} already has a check named {name!r}")
            if tier == "simulation":
                missing = [s for s in SCALES if s not in (sizes or {})]
                if missing:
                    raise ValueError(f"simulation check {self.id}:{name} must declare sizes for scales {missing}")
            self.checks.append(Check(name, tier, fn, dict(sizes or {}), slow))
            return fn

        return deco

    def exact(self, name: str):
        return self._add("exact", name, None, False)

    def precise(self, name: str):
        return self._add("precise", name, None, False)

    def simulation(self, name: str, sizes: dict[str, dict], slow: bool = False):
        return self._add("simulation", name, sizes, slow)


_CLAIMS: dict[str, Claim] = {}
_LOADED = False


def claim(id: str, statement: str, source: str) -> Claim:
    """Declare a claim; a duplicate id or an unknown paper key is an error."""
    paper, _, label = id.partition("/")
    if paper not in PAPER_KEYS or not label:
        raise ValueError(f"claim id {id!r} must be '<paper-key>/<label>' with paper key in {PAPER_KEYS}")
    if id in _CLAIMS:
        raise ValueError(f"claim id {id!r} is already registered")
    import inspect

    mod = inspect.currentframe().f_back.f_globals.get("__name__", "?")
    c = Claim(id, statement, source, module=mod)
    _CLAIMS[id] = c
    return c


def load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    from theorycheck.verify import claims as _claims_pkg

    for info in sorted(pkgutil.iter_modules(_claims_pkg.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"theorycheck.verify.claims.{info.name}")
    _LOADED = True


def all_claims() -> list[Claim]:
    load_all()
    return [_CLAIMS[k] for k in sorted(_CLAIMS)]


def select(patterns: list[str] | None) -> list[Claim]:
    """Claims whose id equals or starts with one of ``patterns`` (all when empty).

    An unknown id or prefix is an error that lists the close matches.
    """
    claims = all_claims()
    if not patterns:
        return claims
    chosen: dict[str, Claim] = {}
    for pat in patterns:
        hits = [c for c in claims if c.id == pat or c.id.startswith(pat.rstrip("/") + "/") or c.id.startswith(pat)]
        if not hits:
            ids = [c.id for c in claims]
            close = difflib.get_close_matches(pat, ids + list(PAPER_KEYS), n=5, cutoff=0.4)
            hint = f"; close matches: {', '.join(close)}" if close else "; see `theorycheck list`"
            raise UnknownClaimError(f"no claim matches {pat!r}{hint}")
        for c in hits:
            chosen[c.id] = c
    return [chosen[k] for k in sorted(chosen)]
