"""Run checks, turn outcomes into result records, write results atomically."""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tempfile
import time
import traceback
from dataclasses import fields
from pathlib import Path
from typing import Callable, Iterable

from theorycheck.verify.context import Context
from theorycheck.verify.registry import PACKAGE_ROOT, Check, Claim, Erratum, Outcome, Result, derive_status

# the source folders whose code decides a result (tests/, benchmarks/ and docs do not)
_CODE_DIRS = ("symbolic", "numeric", "verify")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """``<package version>+<12 hex digits>``: the version and a SHA-256 digest of every ``.py`` file of
    the package (root ``__init__.py``, symbolic/, numeric/, verify/ with the claims), by relative path
    and content.  Any change of code that can change a result changes it; ``verify --resume`` re-uses a
    recorded result only under the same code version (and scale and seed)."""
    from theorycheck import __version__

    h = hashlib.sha256()
    files = [PACKAGE_ROOT / "__init__.py"]
    for d in _CODE_DIRS:
        files += sorted((PACKAGE_ROOT / d).rglob("*.py"))
    for f in sorted(set(files)):
        if "__pycache__" in f.parts:
            continue
        h.update(f.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0")
        h.update(f.read_bytes() + b"\0")
    return f"{__version__}+{h.hexdigest()[:12]}"


def result_from_dict(d: dict) -> Result:
    """A :class:`Result` from its JSON record (``Result.as_dict``); unknown keys are ignored."""
    names = {f.name for f in fields(Result)}
    return Result(**{k: v for k, v in d.items() if k in names})


def error_result(claim: Claim, check: Check, scale: str, device: str, seed: int, detail: str,
                 seconds: float = 0.0) -> Result:
    """The record of a check that could not run to an outcome (a dead worker, a timeout): ``error``
    without a comparison, so :func:`derive_status` gives ``error`` too."""
    return Result(claim_id=claim.id, check=check.name, tier=check.tier, status="error", source=claim.source,
                  statement=claim.statement, seed=seed if check.tier == "simulation" else None, device=device,
                  scale=scale, sizes=dict(check.sizes.get(scale, {})), location=check.location, detail=detail,
                  seconds=seconds)


# SymPy's str() of an expression: identifiers, numbers, operators, parentheses and commas only
_EXPR_TEXT = re.compile(r"^[A-Za-z0-9_ .+\-*/()^,]*$")
_CONSTANTS = {"pi": "pi", "E": "E", "I": "I", "oo": "oo", "zoo": "zoo", "nan": "nan"}


def math_markup(text: str) -> dict | None:
    """LaTeX and presentation MathML of a symbolic residual recorded as SymPy's ``str()`` of it.

    Only for text the check produced in this process (``Outcome.symbolic`` stores ``str(residual)``),
    never for a user's input: the text must consist of identifiers, numbers, ``+-*/^(),.`` only, every
    called name must be a SymPy function and every other identifier becomes a plain ``Symbol`` (so a
    symbol named ``N`` or ``S`` stays a symbol).  Returns None when the text is not such an expression.
    """
    if not text or len(text) > 4000 or not _EXPR_TEXT.match(text) or "__" in text:
        return None
    import sympy as sp
    from sympy.parsing.sympy_parser import parse_expr

    called = set(re.findall(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(", text))
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) - called
    glob = {n: getattr(sp, n) for n in ("Integer", "Float", "Rational", "Symbol", "Add", "Mul", "Pow")}
    for f in called:
        obj = getattr(sp, f, None)
        if not (isinstance(obj, sp.FunctionClass) or f in ("sqrt", "root", "Max", "Min")):
            return None
        glob[f] = obj
    local = {n: getattr(sp, _CONSTANTS[n]) if n in _CONSTANTS else sp.Symbol(n) for n in names}
    try:
        expr = parse_expr(text, local_dict=local, global_dict=glob, evaluate=False)
        return {"latex": sp.latex(expr), "mathml": sp.mathml(expr, printer="presentation")}
    except Exception:  # not an expression after all: the report shows the text
        return None


def _add_math(side: dict, measured) -> None:
    m = math_markup(str(measured)) if measured is not None else None
    if m:
        side["measured_latex"], side["measured_mathml"] = m["latex"], m["mathml"]


def _fill(res: Result, out: Outcome) -> None:
    res.predicted, res.measured, res.error = out.predicted, out.measured, out.error
    res.tolerance = out.tolerance.value
    res.tolerance_rule, res.tolerance_why = out.tolerance.rule, out.tolerance.why
    res.comparison = out.comparison.as_dict()
    res.detail = out.detail
    res.sizes = dict(out.sizes)
    res.extra = dict(out.extra)


def run_check(claim: Claim, check: Check, scale: str, device: str, seed: int) -> Result:
    """Run one check; the status is derived from the recorded comparison(s) (registry.derive_status)."""
    ctx = Context(scale=scale, device=device, seed=seed, sizes=dict(check.sizes.get(scale, {})))
    res = Result(claim_id=claim.id, check=check.name, tier=check.tier, status="failed", source=claim.source,
                 statement=claim.statement, seed=seed if check.tier == "simulation" else None, device=device,
                 scale=scale, sizes=dict(ctx.sizes), location=check.location)
    t0 = time.perf_counter()
    try:
        out = check.fn(ctx)
        if isinstance(out, Erratum):
            _fill(res, out.corrected)
            res.correction = out.correction
            p = out.printed
            res.printed = {
                "predicted": str(p.predicted), "measured": str(p.measured), "error": p.error,
                "tolerance": p.tolerance.value, "tolerance_rule": p.tolerance.rule,
                "comparison": p.comparison.as_dict(), "passed": p.passed, "detail": p.detail,
            }
            # errata are shown printed vs corrected side by side: symbolic residuals also as LaTeX/MathML
            if p.comparison.kind == "symbolic":
                _add_math(res.printed, p.measured)
            if out.corrected.comparison.kind == "symbolic":
                _add_math(res.extra, out.corrected.measured)
            if p.passed:
                res.detail = (res.detail + " | the statement holds as printed").strip(" |")
        elif not isinstance(out, Outcome):
            raise TypeError(f"check returned {type(out).__name__}, expected Outcome or Erratum")
        else:
            _fill(res, out)
        res.status = derive_status(res.as_dict())
    except Exception as exc:  # a crashing check is an error with its traceback, not a crash of the run
        res.status = "error"
        res.comparison = None
        res.detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    res.seconds = time.perf_counter() - t0
    if ctx.sizes and not res.sizes:
        res.sizes = dict(ctx.sizes)
    return res


def iter_checks(claims: Iterable[Claim], tiers: list[str] | None) -> list[tuple[Claim, Check]]:
    return [(c, k) for c in claims for k in c.checks if not tiers or k.tier in tiers]


def run(claims: Iterable[Claim], *, tiers: list[str] | None = None, scale: str = "default", device: str = "cpu",
        seed: int = 0, progress: Callable[[Claim, Check, Result | None], None] | None = None,
        results: list[Result] | None = None, skip: Iterable[tuple[str, str]] = ()) -> list[Result]:
    """Run every selected check in order; each finished result is appended to ``results`` (a new list
    when None) as soon as it exists, so a caller interrupted mid-run still holds the finished ones.
    Checks named in ``skip`` as ``(claim id, check name)`` are not run (``verify --resume``)."""
    results = [] if results is None else results
    skip = set(skip)
    for c, k in iter_checks(claims, tiers):
        if (c.id, k.name) in skip:
            continue
        if progress:
            progress(c, k, None)
        r = run_check(c, k, scale, device, seed)
        results.append(r)
        if progress:
            progress(c, k, r)
    return results


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_json(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON atomically: an interrupted run never leaves a truncated file.

    The file gets the ordinary permissions of a new file (0666 less the umask), not mkstemp's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1, default=str)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class ResultsFileError(ValueError):
    """A results file that cannot be read, or whose recorded statuses do not follow from its comparisons."""


def load_results(path: str | os.PathLike) -> dict:
    """Read a results file of ``theorycheck verify --json`` and re-derive every status from its record.

    Raises :class:`ResultsFileError` when the file is not a results file or a recorded status differs
    from the one its comparison implies.
    """
    p = Path(path)
    try:
        payload = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ResultsFileError(f"results file {str(p)!r} cannot be read: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise ResultsFileError(f"results file {str(p)!r} has no 'results' list (not written by theorycheck verify)")
    for r in payload["results"]:
        try:
            status = derive_status(r)
        except (KeyError, TypeError, ValueError) as exc:
            raise ResultsFileError(f"{str(p)!r}: record {r.get('claim_id')}/{r.get('check')} is malformed: {exc}") from None
        if status != r.get("status"):
            raise ResultsFileError(f"{str(p)!r}: {r.get('claim_id')}/{r.get('check')} records status "
                                   f"{r.get('status')!r} but its comparison implies {status!r}")
    return payload


RESUMABLE = ("passed", "erratum")


def resumable(path: str | os.PathLike, scale: str, seed: int) -> dict[tuple[str, str], dict]:
    """The records of a results file that ``verify --resume`` may keep instead of running the check again:
    status ``passed`` or ``erratum`` (re-derived from the recorded comparison by :func:`load_results`),
    written by the same code version (:func:`code_version`), at the same scale and with the same seed.
    Raises :class:`ResultsFileError` when the file cannot be used at all, saying why."""
    payload = load_results(path)
    p = str(path)
    recorded = payload.get("code_version")
    if recorded is None:
        raise ResultsFileError(f"--resume {p!r}: the file records no code version (written by an older "
                               "theorycheck), so its results cannot be trusted for this code")
    if recorded != code_version():
        raise ResultsFileError(f"--resume {p!r}: written by code version {recorded}, this is {code_version()}: "
                               "the code changed, run the checks again")
    if payload.get("scale") != scale or payload.get("seed") != seed:
        raise ResultsFileError(f"--resume {p!r}: recorded at scale {payload.get('scale')!r}, seed "
                               f"{payload.get('seed')!r}; this run is scale {scale!r}, seed {seed!r}")
    return {(r["claim_id"], r["check"]): r for r in payload["results"]
            if r.get("status") in RESUMABLE and r.get("scale", scale) == scale}
