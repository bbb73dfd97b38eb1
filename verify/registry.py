"""The claim registry: claims, their checks in tiers, outcomes and result records.

A :class:`Claim` is one statement of a paper (id ``<paper-key>/<label>``, a one-sentence statement, a
citation written as in the paper).  Checks are attached with decorators::

    C = claim("saxe2013/eq10-12-sigmoid", "eq. (12) solves eq. (10) ...", "Saxe et al. 2013, eqs. (10)-(12)")

    @C.exact("eq12-solves-eq10")
    def _(ctx):
        residual = sp.simplify(...)
        return Outcome.symbolic(residual)

Tiers: ``exact`` (SymPy identities), ``certified`` (interval arithmetic: enclosures that prove the
relation, verify/certified.py), ``precise`` (float64 kernels against mpmath references), ``simulation``
(finite-width networks against theory, statistical tolerances).

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from theorycheck.verify.outcomes import (COMPARISON_KINDS, OPS, STATUSES, Comparison, Erratum, Outcome,  # noqa: F401
                                         Result, Term, derive_status, erratum, two_sided_error)

TIERS = ("exact", "certified", "precise", "simulation")
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

    def certified(self, name: str):
        """A check proven with interval arithmetic (verify/certified.py): it returns
        ``Outcome.certified`` (or an all_of of such) whose recorded enclosures decide the verdict."""
        return self._add("certified", name, None, False)

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
