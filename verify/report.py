"""``theorycheck verify --report DIR``: a Markdown report with the results, the errata and the figures."""
from __future__ import annotations

from pathlib import Path

from theorycheck.verify.runner import write_json


def _figure_ids_for(claims) -> list[str]:
    from theorycheck.verify.figures import load

    papers = {c.paper for c in claims}
    return sorted(fid for fid in load() if fid.split("-", 1)[0] in papers)


def write_report(directory, payload: dict, claims, scale: str, seed: int) -> Path:
    from theorycheck.verify.figures import FIGURES, make_figure

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    write_json(d / "results.json", payload)
    lines = [f"# theorycheck report — scale {payload['scale']}, device {payload['device']}, seed {payload['seed']}", ""]
    c = payload["counts"]
    lines += [f"{c['passed']} passed, {c['erratum']} errata, {c['failed']} failed, {c['error']} errors "
              f"in {payload['seconds']:.1f} s.", "", "| claim | tier | check | status | error | tolerance (rule) |",
              "|---|---|---|---|---|---|"]
    for r in payload["results"]:
        err = "" if r["error"] is None else f"{r['error']:.2e}"
        tol = "" if r["tolerance"] is None else f"{r['tolerance']:.1e} ({r['tolerance_rule']})"
        lines.append(f"| `{r['claim_id']}` | {r['tier']} | {r['check']} | {r['status']} | {err} | {tol} |")
    errata = [r for r in payload["results"] if r["status"] == "erratum"]
    if errata:
        lines += ["", "## Errata", ""]
        lines += [f"* `{r['claim_id']}` / {r['check']} ({r['source']}): {r['correction']}" for r in errata]
    bad = [r for r in payload["results"] if r["status"] in ("failed", "error")]
    if bad:
        lines += ["", "## Failures", ""]
        lines += [f"* `{r['claim_id']}` / {r['check']}: {r['detail'][:500]}" for r in bad]
    figs = _figure_ids_for(claims)
    if figs:
        lines += ["", "## Figures", ""]
        for fid in figs:
            png = d / f"{fid}.png"
            try:
                make_figure(fid, png, scale=scale, seed=seed)
                lines += [f"### {fid}", "", FIGURES[fid][0], "", f"![{fid}]({png.name})", ""]
            except Exception as exc:  # a figure that fails is reported, not fatal for the report
                lines += [f"### {fid}", "", f"figure failed: {type(exc).__name__}: {exc}", ""]
    out = d / "report.md"
    tmp = d / ".report.md.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out
