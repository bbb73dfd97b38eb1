"""The ``theorycheck`` command line: list, verify, formula, codegen, figure."""
from __future__ import annotations

import argparse
import json
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
def cmd_verify(args) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from rich.table import Table

    from theorycheck.verify.context import resolve_device
    from theorycheck.verify.registry import UnknownClaimError, select
    from theorycheck.verify.runner import iter_checks, run, write_json

    try:
        claims = select(args.claims)
        device = resolve_device(args.device)
    except (UnknownClaimError, ValueError) as exc:
        return _err(str(exc))
    tiers = [args.tier] if args.tier else None
    todo = iter_checks(claims, tiers)
    if not todo:
        return _err("no checks selected (claims %s, tier %s)" % (args.claims or "all", args.tier or "all"))
    console = Console(stderr=True)
    t0 = time.time()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True, disable=args.quiet) as prog:
        task = prog.add_task("verify", total=len(todo))

        def progress(c, k, r):
            if r is None:
                prog.update(task, description=f"{c.id} [{k.tier}] {k.name}")
            else:
                prog.advance(task)
                if r.status in ("failed", "error"):
                    console.print(f"[red]{r.status.upper()}[/red] {c.id} [{k.tier}] {k.name}: {r.detail[:300]}")

        results = run(claims, tiers=tiers, scale=args.scale, device=device, seed=args.seed, progress=progress)
    elapsed = time.time() - t0
    counts = {s: sum(r.status == s for r in results) for s in ("passed", "erratum", "failed", "error")}
    out = Console(width=None if sys.stdout.isatty() else 200)
    table = Table(title=f"theorycheck verify — scale {args.scale}, device {device}, seed {args.seed}")
    for col in ("claim", "tier", "check", "status", "error", "tolerance", "s"):
        table.add_column(col, overflow="fold")
    style = {"passed": "green", "erratum": "yellow", "failed": "red", "error": "red"}
    for r in results:
        err = "" if r.error is None else f"{r.error:.2e}"
        tol = "" if r.tolerance is None else f"{r.tolerance:.1e} {r.tolerance_rule}"
        table.add_row(r.claim_id, r.tier, r.check, f"[{style[r.status]}]{r.status}[/]", err, tol, f"{r.seconds:.2f}")
    out.print(table)
    errata = [r for r in results if r.status == "erratum"]
    if errata:
        out.print("[yellow]Errata (printed statement fails, corrected statement passes):[/yellow]")
        for r in errata:
            out.print(f"  {r.claim_id} / {r.check}: {r.correction}")
    out.print(f"{counts['passed']} passed, {counts['erratum']} errata, {counts['failed']} failed, "
              f"{counts['error']} errors in {elapsed:.1f} s")
    payload = {"scale": args.scale, "device": device, "seed": args.seed, "seconds": elapsed, "counts": counts,
               "results": [r.as_dict() for r in results]}
    json_path = args.json or (None if args.no_json else "theorycheck-results.json")
    if json_path:
        write_json(json_path, payload)
        out.print(f"results written to {json_path}")
    if args.report:
        from theorycheck.verify.report import write_report

        path = write_report(args.report, payload, claims, scale=args.scale, seed=args.seed)
        out.print(f"report written to {path}")
    return 0 if counts["failed"] == 0 and counts["error"] == 0 else 1


# --------------------------------------------------------------------------------------- formula
def cmd_formula(args) -> int:
    from theorycheck.symbolic.registry import UnknownFormulaError, all_formulas, get
    from theorycheck.verify.formulas import ParameterError, evaluate_batch, parse_assignments

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
        if args.batch:
            stream = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")
            rows = []
            with stream:
                for i, line in enumerate(stream, 1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line, parse_float=str, parse_int=str)
                    except json.JSONDecodeError as exc:
                        return _err(f"--batch line {i}: not JSON ({exc})")
                    if not isinstance(row, dict):
                        return _err(f"--batch line {i}: expected a JSON object of parameters")
                    base = parse_assignments(args.params)
                    base.update({k: str(v) for k, v in row.items()})
                    rows.append(base)
        else:
            rows = [parse_assignments(args.params)]
        evals = evaluate_batch(f.id, rows, backend=args.backend, dps=args.dps)
    except (ParameterError, ValueError) as exc:
        return _err(str(exc))
    for e in evals:
        if args.json or args.batch:
            print(json.dumps(e.as_dict()))
        else:
            print(e.value)
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
    out = Path(args.out or f"{args.id}.png")
    make_figure(args.id, out, scale=args.scale, seed=args.seed)
    print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
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
    s.add_argument("--tier", choices=["exact", "precise", "simulation"])
    s.add_argument("--scale", choices=["smoke", "default", "paper"], default="default")
    s.add_argument("--device", default="auto", help="auto | cpu | cuda")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--json", metavar="FILE", help="results file (default theorycheck-results.json)")
    s.add_argument("--no-json", action="store_true", help="do not write a results file")
    s.add_argument("--report", metavar="DIR", help="also write DIR/report.md, DIR/results.json and the figures "
                   "of the selected papers as PNG")
    s.add_argument("--quiet", action="store_true", help="no progress display")
    s.set_defaults(func=cmd_verify)

    s = sub.add_parser("formula", help="evaluate or show a registered formula")
    s.add_argument("id", nargs="?")
    s.add_argument("params", nargs="*", metavar="name=value")
    s.add_argument("--backend", choices=["numpy", "torch", "mpmath"], default="numpy")
    s.add_argument("--dps", type=int, default=30, help="significant digits for the mpmath backend")
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
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--list", action="store_true")
    s.set_defaults(func=cmd_figure)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
