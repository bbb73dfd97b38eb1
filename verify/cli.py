"""The ``theorycheck`` command line: list, show, verify, report, formula, codegen, figure, accuracy.

Exit codes: 0 success; 1 a check failed or errored (verify), generated code drifted (codegen --check) or a
formula is worse than its documented accuracy (accuracy);
2 refused input (``theorycheck: error: ...`` naming the parameter, its value and the valid domain;
for ``formula --batch`` after the good lines were printed); 70 an internal error (a bug; the variable
THEORYCHECK_TRACEBACK=1 shows its traceback); 130 interrupted by Ctrl-C (verify writes the results of
the finished checks first); 141 standard output closed by its reader.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _err(msg: str, code: int = 2) -> int:
    print(f"theorycheck: error: {msg}", file=sys.stderr)
    return code


# ------------------------------------------------------------------------------------------ list
def _claim_json(c) -> dict:
    return {"id": c.id, "paper": c.paper, "statement": c.statement, "source": c.source, "tiers": c.tiers,
            "location": c.location, "module": c.module,
            "checks": [{"name": k.name, "tier": k.tier, "location": k.location, "slow": k.slow,
                        "sizes": k.sizes or None} for k in c.checks]}


def cmd_list(args) -> int:
    from theorycheck.verify.registry import all_claims, papers

    claims = all_claims()
    if args.json:
        print(json.dumps({"papers": [{"key": p.key, "title": p.title, "authors": p.authors, "year": p.year,
                                      "source": f"../shared/papers/{p.source}", "package": p.package,
                                      "location": p.location,
                                      "claims": sum(c.paper == p.key for c in claims)} for p in papers()],
                          "claims": [_claim_json(c) for c in claims]}, indent=1))
        return 0
    if args.markdown:
        print("| claim | source | tiers | statement |")
        print("|---|---|---|---|")
        for c in claims:
            print(f"| `{c.id}` | {c.source} | {', '.join(c.tiers)} | {c.statement} |")
        return 0
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"{len(claims)} claims, {sum(len(c.checks) for c in claims)} checks", show_lines=False)
    for col in ("id", "source", "tiers", "statement"):
        t.add_column(col, overflow="fold")
    for c in claims:
        t.add_row(c.id, c.source, ",".join(c.tiers), c.statement)
    Console().print(t)
    return 0


# ------------------------------------------------------------------------------------------ show
def cmd_show(args) -> int:
    """A claim: statement, source, where it is defined, its checks with their tolerance derivations
    (the check's docstring) and, with --results, the last recorded result of each check."""
    from theorycheck.verify.registry import UnknownClaimError, get_claim
    from theorycheck.verify.runner import ResultsFileError, load_results

    try:
        c = get_claim(args.id)
    except UnknownClaimError as exc:
        return _err(str(exc))
    recorded = {}
    if args.results:
        try:
            payload = load_results(args.results)
        except ResultsFileError as exc:
            return _err(str(exc))
        recorded = {r["check"]: r for r in payload["results"] if r["claim_id"] == c.id}
    if args.json:
        d = _claim_json(c)
        for k in d["checks"]:
            k["doc"] = c.check(k["name"]).doc
            k["result"] = recorded.get(k["name"])
        print(json.dumps(d, indent=1, default=str))
        return 0
    lines = [f"{c.id}", f"  statement: {c.statement}", f"  source:    {c.source}", f"  defined:   {c.location}",
             f"  tiers:     {', '.join(c.tiers)}", ""]
    for k in c.checks:
        lines.append(f"  [{k.tier}] {k.name}    ({k.location}{', slow' if k.slow else ''})")
        if k.sizes:
            lines.append("      sizes: " + "; ".join(f"{s}: {v}" for s, v in k.sizes.items()))
        for dl in k.doc.splitlines():
            lines.append(f"      {dl}")
        r = recorded.get(k.name)
        if r is not None:
            from theorycheck.verify.registry import Comparison

            cmp = Comparison.from_dict(r["comparison"]).text() if r.get("comparison") else "(no comparison: the check raised)"
            lines.append(f"      last result ({r.get('scale')}, seed {r.get('seed')}): {r['status']}: {cmp}")
            if r.get("tolerance_rule"):
                lines.append(f"      tolerance {r.get('tolerance')!r} by {r['tolerance_rule']}: {r.get('tolerance_why', '')}")
            if r.get("correction"):
                lines.append(f"      correction: {r['correction']}")
            if r.get("detail"):
                lines.append(f"      detail: {r['detail'][:400]}")
        elif args.results:
            lines.append("      no result recorded for this check in the results file")
        lines.append("")
    print("\n".join(lines).rstrip())
    return 0


# ---------------------------------------------------------------------------------------- verify
def _writable_file(path: str, what: str) -> str | None:
    """Why ``path`` cannot be written as a file (checked before a long run), or None."""
    if not path.strip():
        return f"{what} {path!r} is not a file path"
    p = Path(path)
    if p.is_dir():
        return f"{what} {path!r} is a directory, not a file"
    return _writable_dir(p.parent, what, path)


def _writable_dir(d: Path, what: str, path: str) -> str | None:
    """Why the directory ``d`` cannot be created or written, or None."""
    d = Path(os.path.abspath(d))
    while not d.exists():  # the nearest existing ancestor must be a writable directory
        d = d.parent
    if not d.is_dir():
        return f"{what} {path!r}: {d} is not a directory"
    import tempfile

    try:  # a real probe: os.access says yes to root even on a read-only file system
        with tempfile.TemporaryFile(dir=d):
            pass
    except OSError as exc:
        return f"{what} {path!r}: directory {d} is not writable ({exc.strerror or exc})"
    return None


class _GracefulInterrupt:
    """Ctrl-C during `verify` stops between checks: the first SIGINT only sets a flag (raising
    KeyboardInterrupt inside a check can land in a C++ callback of torch, which then aborts the
    process and loses every result); ``check()``, called before each check, raises it.  A second
    Ctrl-C raises at once."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        os.write(2, b"\ninterrupt: stopping after the current check (Ctrl-C again to stop at once)\n")

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt

    def __enter__(self):
        try:
            self._previous = signal.signal(signal.SIGINT, self._handler)
        except ValueError:  # not the main thread: plain KeyboardInterrupt semantics
            self._previous = None
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _verify_plan(args, todo, json_path):
    """--jobs/--scheduler/--timeout/--resume of `verify`: (parallel?, resumed records, problem or None)."""
    from theorycheck.verify.runner import ResultsFileError, resumable

    if args.scheduler is not None and args.jobs is not None:
        return False, {}, "--jobs and --scheduler exclude each other (--scheduler runs on the workers of that cluster)"
    if args.scheduler is not None and not args.scheduler.strip():
        return False, {}, f"--scheduler {args.scheduler!r} is not an address (e.g. tcp://10.0.0.5:8786)"
    parallel = args.scheduler is not None or (args.jobs or 1) > 1 or args.timeout is not None
    if parallel:
        try:
            import distributed  # noqa: F401
        except ImportError:
            return False, {}, ("--jobs N > 1, --scheduler and --timeout run the checks on a Dask cluster: "
                               "install it with pip install 'dask[distributed]' (or the extra theorycheck[distributed])")
    resumed = {}
    if args.resume is not None:
        try:
            resumed = resumable(args.resume, args.scale, args.seed)
        except ResultsFileError as exc:
            return False, {}, str(exc) if str(exc).startswith("--resume") else f"--resume: {exc}"
        wanted = {(c.id, k.name) for c, k in todo}
        resumed = {key: r for key, r in resumed.items() if key in wanted}
    return parallel, resumed, None


def _run_verify_parallel(args, todo, device, progress, stop, on_result, cluster_report):
    """The selected checks on a Dask cluster (embedded for --jobs/--timeout, external for --scheduler)."""
    from theorycheck.verify.distributed import cluster_client, run_distributed

    jobs = None if args.scheduler is not None else (args.jobs or 1)
    with cluster_client(jobs=jobs, scheduler=args.scheduler) as client:
        run_distributed(client, todo, scale=args.scale, device=device, seed=args.seed, timeout=args.timeout,
                        progress=progress, on_result=on_result, interrupted=stop.check, report=cluster_report)


def cmd_verify(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from theorycheck.verify.context import resolve_device
    from theorycheck.verify.registry import UnknownClaimError, select
    from theorycheck.verify.runner import code_version, iter_checks, result_from_dict, run, write_json

    try:
        claims = select(args.claims)
        device = resolve_device(args.device)
    except (UnknownClaimError, ValueError) as exc:
        return _err(str(exc))
    json_path = None if args.no_json else (args.json if args.json is not None else "theorycheck-results.json")
    problem = json_path is not None and _writable_file(json_path, "--json")
    if not problem and args.report is not None:
        rp = Path(args.report)
        problem = (f"--report {args.report!r} is not a directory path" if not args.report.strip() else
                   f"--report {args.report!r} is a file, not a directory" if rp.exists() and not rp.is_dir() else
                   _writable_dir(rp, "--report", args.report))
    if problem:
        return _err(problem)
    tiers = [args.tier] if args.tier else None
    todo = iter_checks(claims, tiers)
    if not todo:
        return _err("no checks selected (claims %s, tier %s)" % (args.claims or "all", args.tier or "all"))
    parallel, resumed, problem = _verify_plan(args, todo, json_path)
    if problem:
        return _err(problem)
    console = Console(stderr=True)
    t0 = time.time()
    # filled as each check finishes, so an interrupt keeps the finished ones; --resume's records first
    results = [result_from_dict(r) for r in resumed.values()]
    interrupted = False
    stop = _GracefulInterrupt()
    if parallel:  # Dask is imported only for a parallel run
        from theorycheck.verify.distributed import RunReport

        cluster_report = RunReport()
    else:
        cluster_report = None

    def make_payload(final: bool) -> dict:
        order = {(c.id, k.name): i for i, (c, k) in enumerate(todo)}
        ordered = sorted(results, key=lambda r: order.get((r.claim_id, r.check), len(order)))
        counts = {s: sum(r.status == s for r in ordered) for s in ("passed", "erratum", "failed", "error")}
        payload = {"scale": args.scale, "device": device, "seed": args.seed, "seconds": time.time() - t0,
                   "counts": counts, "code_version": code_version(),
                   "jobs": None if args.scheduler else (args.jobs or 1), "scheduler": args.scheduler,
                   "results": [r.as_dict() for r in ordered]}
        if resumed:
            payload["resumed"] = {"from": args.resume, "checks": len(resumed)}
        if cluster_report is not None and cluster_report.retried:
            payload["retried"] = dict(cluster_report.retried)
        if not final:
            payload["partial"] = {"finished": len(results), "selected": len(todo)}
        return payload

    def checkpoint(r) -> None:  # the results file is rewritten (atomically) after every finished check
        if json_path:
            write_json(json_path, make_payload(final=False))

    with stop, Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=args.quiet) as prog:
        task = prog.add_task("verify", total=len(todo), completed=len(results))

        def progress(c, k, r):
            if r is None:
                stop.check()
                prog.update(task, description=f"{c.id} [{k.tier}] {k.name}")
            else:
                results.append(r)
                prog.advance(task)
                if r.status in ("failed", "error"):
                    console.print(f"[red]{r.status.upper()}[/red] {c.id} [{k.tier}] {k.name}: {r.detail[:300]}")

        try:
            if parallel:
                remaining = [(c, k) for c, k in todo if (c.id, k.name) not in resumed]
                if remaining:
                    _run_verify_parallel(args, remaining, device, progress, stop, checkpoint, cluster_report)
            else:
                run(claims, tiers=tiers, scale=args.scale, device=device, seed=args.seed, skip=resumed,
                    progress=lambda c, k, r: (progress(c, k, r), r is not None and checkpoint(r)))
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:
            if not parallel:
                raise
            from theorycheck.verify.distributed import ClusterError

            if not isinstance(exc, ClusterError):
                raise
            if json_path and results:
                write_json(json_path, make_payload(final=False))
            return _err(str(exc), 1 if results else 2)
    elapsed = time.time() - t0
    payload = make_payload(final=True)
    payload["seconds"] = elapsed
    counts = payload["counts"]
    order = {(c.id, k.name): i for i, (c, k) in enumerate(todo)}
    results.sort(key=lambda r: order.get((r.claim_id, r.check), len(order)))
    out = Console(width=None if sys.stdout.isatty() else 200)
    where = (f", scheduler {args.scheduler}" if args.scheduler else f", {args.jobs or 1} jobs" if parallel else "")
    table = Table(title=f"theorycheck verify — scale {args.scale}, device {device}, seed {args.seed}{where}")
    for col in ("claim", "tier", "check", "status", "comparison (the verdict)", "tolerance rule", "s"):
        table.add_column(col, overflow="fold")
    style = {"passed": "green", "erratum": "yellow", "failed": "red", "error": "red"}
    from theorycheck.verify.registry import Comparison

    for r in results:
        cmp = Comparison.from_dict(r.comparison) if r.comparison else None
        shown = "" if cmp is None else (cmp.text() if len(cmp.terms) == 1 else
                                        f"{sum(t.holds() for t in cmp.terms)}/{len(cmp.terms)} terms hold "
                                        f"({cmp.kind}, {cmp.combine})")
        table.add_row(r.claim_id, r.tier, r.check, f"[{style[r.status]}]{r.status}[/]", shown, r.tolerance_rule,
                      "resumed" if (r.claim_id, r.check) in resumed else f"{r.seconds:.2f}")
    out.print(table)
    errata = [r for r in results if r.status == "erratum"]
    if errata:
        out.print("[yellow]Errata (printed statement fails, corrected statement passes):[/yellow]")
        for r in errata:
            out.print(f"  {r.claim_id} / {r.check}: {r.correction}")
    if resumed:
        out.print(f"{len(resumed)} checks kept from {args.resume} (--resume: passed/erratum, same code, scale, seed)")
    for name, cause in (cluster_report.retried if cluster_report is not None else {}).items():
        out.print(f"[yellow]retried[/yellow] {name} once after: {cause[:200]}")
    out.print(f"{counts['passed']} passed, {counts['erratum']} errata, {counts['failed']} failed, "
              f"{counts['error']} errors in {elapsed:.1f} s")
    if interrupted:
        payload["interrupted"] = {"finished": len(results), "selected": len(todo)}
        out.print(f"[red]interrupted[/red]: {len(results)} of {len(todo)} checks finished")
    if json_path:
        write_json(json_path, payload)
        out.print(f"results written to {json_path}")
    if interrupted:
        return 130
    if args.report:
        from theorycheck.verify.report import write_report

        path = write_report(args.report, payload, claims, scale=args.scale, seed=args.seed)
        out.print(f"report written to {path} (and {Path(args.report) / 'index.html'})")
    return 0 if counts["failed"] == 0 and counts["error"] == 0 else 1


# ---------------------------------------------------------------------------------------- report
def cmd_report(args) -> int:
    """A static HTML site (and report.md) from a results file of `theorycheck verify --json`."""
    from theorycheck.verify.runner import ResultsFileError, load_results

    try:
        payload = load_results(args.results)
    except ResultsFileError as exc:
        return _err(str(exc))
    if not args.out.strip():
        return _err(f"-o {args.out!r} is not a directory path")
    rp = Path(args.out)
    problem = (f"-o {args.out!r} is a file, not a directory" if rp.exists() and not rp.is_dir() else
               _writable_dir(rp, "-o", args.out))
    if problem:
        return _err(problem)
    from theorycheck.verify.report import write_report

    md = write_report(rp, payload, figures=not args.no_figures)
    print(f"wrote {rp / 'index.html'} and {md}")
    return 0


# --------------------------------------------------------------------------------------- formula
_MAX_SHOWN_BAD_LINES = 20


_MAX_LINE_BYTES = 1 << 20  # a parameter set is a few dozen bytes; /dev/zero must not fill the memory
_MAX_BAD_LINES = 1000      # then the input is not a parameter file at all: stop reading


def _lines(fh):
    """(1-based number, bytes or None if longer than _MAX_LINE_BYTES) for each line of ``fh``."""
    i = 0
    while True:
        raw = fh.readline(_MAX_LINE_BYTES + 1)
        if not raw:
            return
        i += 1
        if len(raw) > _MAX_LINE_BYTES:
            yield i, None  # the caller stops: the rest of such a line may never end (/dev/zero)
            return
        yield i, raw


def _read_batch(path: str, base: dict, errors: list) -> list[tuple[int, dict]]:
    """The parameter sets of ``--batch`` as (1-based line number, text parameters); a bad line is
    appended to ``errors`` as (line number, message) and skipped.  Raises OSError for the file."""
    if path == "-":
        return _parse_batch(_lines(sys.stdin.buffer), base, errors)
    with open(path, "rb") as fh:
        return _parse_batch(_lines(fh), base, errors)


def _parse_batch(lines, base: dict, errors: list) -> list[tuple[int, dict]]:
    rows = []
    decode = json.JSONDecoder(parse_float=str, parse_int=str).decode  # numbers keep their text
    for i, raw in lines:
        if len(errors) >= _MAX_BAD_LINES:
            errors.append((i, f"stopped reading after {_MAX_BAD_LINES} bad lines"))
            break
        if raw is None:
            errors.append((i, f"longer than {_MAX_LINE_BYTES} bytes: stopped reading"))
            break
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append((i, "not UTF-8 text"))
            continue
        if not line.strip():
            continue
        try:
            row = decode(line)
        except json.JSONDecodeError as exc:
            errors.append((i, f"not JSON ({exc})"))
            continue
        except RecursionError:
            errors.append((i, "not JSON (nested too deeply)"))
            continue
        if not isinstance(row, dict):
            errors.append((i, "expected a JSON object of parameters, e.g. {\"s\": 2, \"t\": 0.5}"))
            continue
        given = dict(base)
        given.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in row.items()})
        rows.append((i, given))
    return rows


def cmd_formula(args) -> int:
    from theorycheck.symbolic.registry import UnknownFormulaError, all_formulas, get
    from theorycheck.verify.formulas import ParameterError, evaluate_rows, parse_assignments

    if args.list or not args.id:
        for f in all_formulas():
            print(f"{f.id:32s} {f.source}")
            print(f"{'':32s}   ({', '.join(p.name for p in f.params)}) — {f.summary}")
        return 0
    try:
        f = get(args.id)
    except UnknownFormulaError as exc:
        return _err(str(exc))
    if args.show:
        return _show(f, args.show)
    try:
        base = parse_assignments(args.params)
    except ParameterError as exc:
        return _err(str(exc))
    if not args.batch:
        try:
            (e,) = evaluate_rows(f.id, [base], backend=args.backend, dps=args.dps)
        except ValueError as exc:
            return _err(str(exc))
        if isinstance(e, Exception):
            return _err(str(e))
        print(json.dumps(e.as_dict()) if args.json else e.value)
        return 0
    errors: list[tuple[int, str]] = []
    try:
        rows = _read_batch(args.batch, base, errors)
    except OSError as exc:
        return _err(f"--batch {args.batch!r}: {exc.strerror or exc}")
    if not rows and not errors:
        return _err(f"--batch {args.batch!r} has no parameter sets (it is empty or has only blank lines)")
    try:
        evals = evaluate_rows(f.id, [g for _, g in rows], backend=args.backend, dps=args.dps)
    except ValueError as exc:
        return _err(str(exc))
    for (line, _), e in zip(rows, evals):
        if isinstance(e, Exception):
            errors.append((line, str(e)))
        else:
            print(json.dumps(e.as_dict()))
    if errors:
        errors.sort()
        shown = errors[:_MAX_SHOWN_BAD_LINES]
        if len(errors) > _MAX_SHOWN_BAD_LINES and "stopped reading" in errors[-1][1]:
            shown.append(errors[-1])  # why the rest of the input was not read
        for line, msg in shown:
            _err(f"--batch {args.batch} line {line}: {msg}")
        if len(errors) > len(shown):
            _err(f"--batch {args.batch}: {len(errors) - len(shown)} more bad lines not shown")
        _err(f"--batch {args.batch}: {len(errors)} bad line(s) skipped, "
             f"{sum(not isinstance(e, Exception) for e in evals)} evaluated")
        return 2
    return 0


def _show(f, what: str) -> int:
    import sympy as sp

    if not f.generated:
        print(f"{f.id} has no closed form: mpmath reference {getattr(f.mp_impl, '__qualname__', f.mp_impl)}, "
              f"fast kernel {f.numeric_impl} (and its _torch twin)")
        if f.expr is None:
            return 0
    if what == "latex":
        print(sp.latex(f.expr))
    elif what == "sympy":
        print(sp.srepr(f.expr) if False else str(f.expr))
        if f.stable is not None:
            print(f"# stable rewrite used by codegen: {f.stable}")
    elif what == "code" and not f.generated:
        # a hand-written kernel (its expression is for the mpmath backend and the docs): show its source
        import importlib
        import inspect

        mod, name = f.numeric_impl.split(":")
        print(inspect.getsource(getattr(importlib.import_module(mod), name)).rstrip())
    elif what == "code":
        from theorycheck.symbolic.codegen import generate_topic
        from theorycheck.symbolic.registry import topics

        src = generate_topic(f.topic, topics()[f.topic])
        start = src.index(f"\ndef {f.func_name}(")
        end = src.index(f"\ndef {f.func_name}_torch(")
        print(src[start:end].strip())
    return 0


# --------------------------------------------------------------------------------------- codegen
def cmd_codegen(args) -> int:
    from theorycheck.symbolic.codegen import check_all, write_all

    if args.check:
        problems = check_all()
        if problems:
            for p in problems:
                print(f"codegen drift: {p}", file=sys.stderr)
            print("run `theorycheck codegen` and commit numeric/generated/", file=sys.stderr)
            return 1
        print("numeric/generated/ is up to date")
        return 0
    changed = write_all()
    for p in changed:
        print(f"wrote {p}")
    if not changed:
        print("numeric/generated/ is up to date")
    return 0


# -------------------------------------------------------------------------------------- accuracy
def _fmt_ulps(x) -> str:
    return "-" if x is None else (f"{x:.3g}" if x < 1e4 else f"{x:.2e}")


def cmd_accuracy(args) -> int:
    """Max/median error in ulps of NumPy float64, Torch float64 and Torch float32 against mpmath for every
    formula (verify/accuracy.py); exit 1 when a formula is worse than its documented bound."""
    from rich.console import Console
    from rich.table import Table

    from theorycheck.symbolic.registry import UnknownFormulaError
    from theorycheck.verify.accuracy import accuracy_rows, summary
    from theorycheck.verify.runner import write_json

    if args.samples < 0 or args.samples > 10000:
        return _err(f"--samples {args.samples} is outside the integers in [0, 10000]")
    if args.json:
        problem = _writable_file(args.json, "--json")
        if problem:
            return _err(problem)
    err = Console(stderr=True)
    t0 = time.perf_counter()
    try:
        with err.status("accuracy") as status:
            rows = accuracy_rows(args.ids or None, samples=args.samples, seed=args.seed,
                                 progress=lambda fid: status.update(f"accuracy: {fid}"))
    except UnknownFormulaError as exc:
        return _err(str(exc).strip('"'))
    seconds = time.perf_counter() - t0
    t = Table(title=f"float error in ulps (|err| / (eps |f|)) vs mpmath; {args.samples} random points per formula "
                    "plus the domain's edges; documented bound: k eps (|f| + sum |x df/dx| + S)")
    for col in ("formula", "backend", "compared", "refused", "skipped", "max ulps", "median ulps",
                "worst err/bound", "status"):
        t.add_column(col, justify="left" if col in ("formula", "backend", "status") else "right")
    for r in rows:
        style = {"failed": "bold red", "passed": "green"}.get(r["status"], "dim")
        t.add_row(r["formula"], r["backend"], str(r["compared"]), str(r["refused"]), str(r["skipped"]),
                  _fmt_ulps(r["max_ulps"]), _fmt_ulps(r["median_ulps"]), _fmt_ulps(r["worst_ratio"]),
                  f"[{style}]{r['status']}[/{style}]")
    out = Console(width=None if sys.stdout.isatty() else 200)
    out.print(t)
    failed = [r for r in rows if r["status"] == "failed"]
    for r in failed:
        w = (r["failures"] or r["errors"])[0]
        out.print(f"[red]FAILED[/red] {r['formula']} ({r['backend']}): {w}")
    n_f = len({r["formula"] for r in rows})
    out.print(f"{n_f} formulas, {len(rows)} rows, {len(failed)} failed, {seconds:.1f} s")
    if args.json:
        write_json(args.json, {"samples": args.samples, "seed": args.seed, "seconds": seconds,
                               "summary": summary(rows), "rows": rows})
        out.print(f"wrote {args.json}")
    return 1 if failed else 0


# ---------------------------------------------------------------------------------------- figure
def cmd_figure(args) -> int:
    from theorycheck.verify.figures import load, make_figure

    FIGURES = load()
    if args.list or not args.id:
        for k, (desc, _) in sorted(FIGURES.items()):
            print(f"{k:24s} {desc}")
        return 0
    if args.id not in FIGURES:
        import difflib

        close = difflib.get_close_matches(args.id, list(FIGURES), n=5, cutoff=0.4)
        return _err(f"unknown figure {args.id!r}" + (f"; close matches: {', '.join(close)}" if close else ""))
    if args.out is not None and not args.out.strip():
        return _err(f"--out {args.out!r} is not a file path")
    out = Path(args.out if args.out is not None else f"{args.id}.png")
    if out.is_dir():
        out = out / f"{args.id}.png"
    elif not out.suffix:  # matplotlib would append .png itself; name the file that is really written
        out = out.with_name(out.name + ".png")
    formats = _figure_formats()
    fmt = out.suffix[1:].lower()
    if fmt not in formats:
        return _err(f"--out {args.out!r}: unsupported figure format {fmt!r}; supported: {', '.join(sorted(formats))}")
    problem = _writable_file(str(out), "--out")
    if problem:
        return _err(problem)
    make_figure(args.id, out, scale=args.scale, seed=args.seed)
    print(f"wrote {out}")
    return 0


def _figure_formats() -> set[str]:
    """The file formats matplotlib's Agg canvas can save (png, pdf, svg, eps, ...)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    return set(FigureCanvasAgg.get_supported_filetypes())


SEED_RANGE = (0, 2**32 - 1)  # one 32-bit word of entropy for numpy.random.SeedSequence([seed, ...])


def _seed(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed {text!r} is not an integer") from None
    if not SEED_RANGE[0] <= v <= SEED_RANGE[1]:
        raise argparse.ArgumentTypeError(f"seed {text} is outside the integers in [{SEED_RANGE[0]}, {SEED_RANGE[1]}]")
    return v


def _dps(text: str) -> int:
    from theorycheck.verify.formulas import MAX_DPS

    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"dps {text!r} is not an integer") from None
    if not 1 <= v <= MAX_DPS:
        raise argparse.ArgumentTypeError(
            f"dps {text} is outside the integers in [1, {MAX_DPS}] (the cost grows faster than the digits; "
            f"{MAX_DPS} digits are far beyond any float64 comparison)")
    return v


def _jobs(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"jobs {text!r} is not an integer") from None
    if not 1 <= v <= 1024:
        raise argparse.ArgumentTypeError(f"jobs {text} is outside the integers in [1, 1024]")
    return v


def _timeout(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"timeout {text!r} is not a number of seconds") from None
    if not 0 < v < float("inf"):
        raise argparse.ArgumentTypeError(f"timeout {text} is outside (0, inf) seconds")
    return v


def build_parser() -> argparse.ArgumentParser:
    from theorycheck.verify.registry import TIERS

    p = argparse.ArgumentParser(prog="theorycheck", description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("list", help="list the claims")
    s.add_argument("--json", action="store_true")
    s.add_argument("--markdown", action="store_true", help="a Markdown table (used for the README)")
    s.set_defaults(func=cmd_list)

    s = sub.add_parser("show", help="a claim's statement, checks, definitions, tolerance derivations and last result")
    s.add_argument("id", help="claim id, e.g. saxe2013/eq10-12-sigmoid")
    s.add_argument("--results", metavar="FILE", help="a results file of `theorycheck verify --json` for the last result")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_show)

    s = sub.add_parser("verify", help="run the checks (the main job)")
    s.add_argument("claims", nargs="*", help="claim ids or prefixes (default: all)")
    s.add_argument("--tier", choices=list(TIERS))
    s.add_argument("--scale", choices=["smoke", "default", "paper"], default="default")
    s.add_argument("--device", default="auto", help="auto | cpu | cuda")
    s.add_argument("--seed", type=_seed, default=0, help="integer in [0, 2**32 - 1]")
    g = s.add_mutually_exclusive_group()
    g.add_argument("--json", metavar="FILE", help="results file (default theorycheck-results.json)")
    g.add_argument("--no-json", action="store_true", help="do not write a results file")
    s.add_argument("--report", metavar="DIR", help="also write the HTML report DIR/index.html, DIR/report.md, "
                   "DIR/results.json and the figures of the selected papers as PNG")
    s.add_argument("--quiet", action="store_true", help="no progress display")
    s.add_argument("--jobs", type=_jobs, metavar="N", help="run the checks in parallel on an embedded Dask cluster "
                   "of N worker processes (default 1: in this process)")
    s.add_argument("--scheduler", metavar="ADDRESS", help="run the checks on an existing Dask cluster "
                   "(`dask scheduler`, then `dask worker ADDRESS` on each machine), e.g. tcp://10.0.0.5:8786")
    s.add_argument("--timeout", type=_timeout, metavar="SECONDS", help="per-check time limit: a check that "
                   "exceeds it is an error (runs the checks on worker processes, even with --jobs 1)")
    s.add_argument("--resume", metavar="FILE", help="keep the passed/erratum results of FILE (same code version, "
                   "scale and seed) and run only the other checks")
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("report", help="write a static HTML report (and report.md) from a results file")
    s.add_argument("results", metavar="RESULTS.json", help="a results file of `theorycheck verify --json`")
    s.add_argument("-o", "--out", required=True, metavar="DIR", help="output directory (index.html)")
    s.add_argument("--no-figures", action="store_true", help="do not draw the papers' figures")
    s.set_defaults(func=cmd_report)

    s = sub.add_parser("formula", help="evaluate or show a registered formula")
    s.add_argument("id", nargs="?")
    s.add_argument("params", nargs="*", metavar="name=value")
    s.add_argument("--backend", choices=["numpy", "torch", "mpmath"], default="numpy")
    s.add_argument("--dps", type=_dps, default=30, help="significant digits for the mpmath backend (1 to 1000)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--batch", metavar="FILE", help="JSON lines of parameter sets ('-' for stdin)")
    s.add_argument("--show", choices=["latex", "sympy", "code"])
    s.add_argument("--list", action="store_true")
    s.set_defaults(func=cmd_formula)

    s = sub.add_parser("codegen", help="write (or --check) numeric/generated/")
    s.add_argument("--check", action="store_true")
    s.set_defaults(func=cmd_codegen)

    s = sub.add_parser("figure", help="reproduce a paper figure as PNG")
    s.add_argument("id", nargs="?")
    s.add_argument("--out")
    s.add_argument("--scale", choices=["smoke", "default", "paper"], default="default")
    s.add_argument("--seed", type=_seed, default=0, help="integer in [0, 2**32 - 1]")
    s.add_argument("--list", action="store_true")
    s.set_defaults(func=cmd_figure)

    s = sub.add_parser("accuracy", help="error in ulps of NumPy/Torch float64 and Torch float32 vs mpmath, per formula")
    s.add_argument("ids", nargs="*", help="formula ids or topic prefixes (default: all)")
    s.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    s.add_argument("--samples", type=int, default=4, help="random points per formula besides the domain's edges")
    s.add_argument("--seed", type=_seed, default=0, help="integer in [0, 2**32 - 1]")
    s.set_defaults(func=cmd_accuracy)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:  # `verify` handles its own (partial results); elsewhere nothing to keep
        return _err("interrupted", 130)
    except BrokenPipeError:  # e.g. `theorycheck formula ... --batch f | head -1`: the reader is gone
        try:  # no further writes (nor the interpreter's final flush) to the closed pipe
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 141  # 128 + SIGPIPE, what a shell reports for a command killed by a closed pipe
    except Exception as exc:  # a bug: one line, not a traceback (THEORYCHECK_TRACEBACK=1 shows it)
        if os.environ.get("THEORYCHECK_TRACEBACK"):
            raise
        return _err(f"internal error: {type(exc).__name__}: {str(exc)[:300]} (a bug: please report it with the "
                    f"command line; THEORYCHECK_TRACEBACK=1 shows the traceback)", 70)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
