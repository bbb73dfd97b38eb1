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
from theorycheck.verify.registry import Check, Claim, Erratum, Outcome, Result


def _fill(res: Result, out: Outcome) -> None:
    res.predicted, res.measured, res.error = out.predicted, out.measured, out.error
    res.tolerance = out.tolerance.value
    res.tolerance_rule, res.tolerance_why = out.tolerance.rule, out.tolerance.why
    res.detail = out.detail
    res.sizes = dict(out.sizes)
    res.extra = dict(out.extra)


def run_check(claim: Claim, check: Check, scale: str, device: str, seed: int) -> Result:
    ctx = Context(scale=scale, device=device, seed=seed, sizes=dict(check.sizes.get(scale, {})))
    res = Result(claim_id=claim.id, check=check.name, tier=check.tier, status="failed", source=claim.source,
                 statement=claim.statement, seed=seed if check.tier == "simulation" else None, device=device,
                 scale=scale, sizes=dict(ctx.sizes))
    t0 = time.perf_counter()
    try:
        out = check.fn(ctx)
        if isinstance(out, Erratum):
            _fill(res, out.corrected)
            res.correction = out.correction
            p = out.printed
            res.printed = {
                "predicted": str(p.predicted), "measured": str(p.measured), "error": p.error,
                "tolerance": p.tolerance.value, "passed": p.passed, "detail": p.detail,
            }
            if p.passed:
                res.status = "passed"
                res.detail = (res.detail + " | the statement holds as printed").strip(" |")
            elif out.corrected.passed:
                res.status = "erratum"
            else:
                res.status = "failed"
        elif isinstance(out, Outcome):
            _fill(res, out)
            res.status = "passed" if out.passed else "failed"
        else:
            raise TypeError(f"check returned {type(out).__name__}, expected Outcome or Erratum")
    except Exception as exc:  # a crashing check is a failure with its traceback, not a crash of the run
        res.status = "error"
        res.detail = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}"
    res.seconds = time.perf_counter() - t0
    if ctx.sizes and not res.sizes:
        res.sizes = dict(ctx.sizes)
    return res


def iter_checks(claims: Iterable[Claim], tiers: list[str] | None) -> list[tuple[Claim, Check]]:
    return [(c, k) for c in claims for k in c.checks if not tiers or k.tier in tiers]


def run(claims: Iterable[Claim], *, tiers: list[str] | None = None, scale: str = "default", device: str = "cpu",
        seed: int = 0, progress: Callable[[Claim, Check, Result | None], None] | None = None) -> list[Result]:
    results = []
    for c, k in iter_checks(claims, tiers):
        if progress:
            progress(c, k, None)
        r = run_check(c, k, scale, device, seed)
        results.append(r)
        if progress:
            progress(c, k, r)
    return results


def write_json(path: str | os.PathLike, payload: dict) -> None:
    """Write JSON atomically: an interrupted run never leaves a truncated file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, indent=1, default=str)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
