"""Run checks, turn outcomes into result records, write results atomically."""
from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from pathlib import Path
from typing import Callable, Iterable

from theorycheck.verify.context import Context
from theorycheck.verify.registry import Check, Claim, Erratum, Outcome, Result, derive_status


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
        results: list[Result] | None = None) -> list[Result]:
    """Run every selected check in order; each finished result is appended to ``results`` (a new list
    when None) as soon as it exists, so a caller interrupted mid-run still holds the finished ones."""
    results = [] if results is None else results
    for c, k in iter_checks(claims, tiers):
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
