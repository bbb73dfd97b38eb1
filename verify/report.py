"""``theorycheck verify --report DIR`` and ``theorycheck report RESULTS.json -o DIR``: the results as a
Markdown file (DIR/report.md) and a static HTML site (DIR/index.html, verify/html_report.py), with
DIR/results.json and the figures of the papers in the results as PNG."""
from __future__ import annotations

from pathlib import Path

from theorycheck.verify.runner import write_json


def figure_ids_for(papers) -> list[str]:
    from theorycheck.verify.figures import load

    papers = set(papers)
    return sorted(fid for fid in load() if fid.split("-", 1)[0] in papers)


def draw_figures(d: Path, papers, scale: str, seed: int) -> dict[str, dict]:
    """Draw the figures of ``papers`` into ``d`` as ``<id>.png``: {id: {"description", "file" or "error"}}."""
    from theorycheck.verify.figures import FIGURES, make_figure

    out = {}
    for fid in figure_ids_for(papers):
        png = d / f"{fid}.png"
        try:
            make_figure(fid, png, scale=scale, seed=seed)
            out[fid] = {"description": FIGURES[fid][0], "file": png.name}
        except Exception as exc:  # a figure that fails is reported, not fatal for the report
            out[fid] = {"description": FIGURES[fid][0], "error": f"{type(exc).__name__}: {exc}"}
    return out


def write_markdown(d: Path, payload: dict, figures: dict[str, dict]) -> Path:
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
    if figures:
        lines += ["", "## Figures", ""]
        for fid, f in figures.items():
            if "file" in f:
                lines += [f"### {fid}", "", f["description"], "", f"![{fid}]({f['file']})", ""]
            else:
                lines += [f"### {fid}", "", f"figure failed: {f['error']}", ""]
    out = d / "report.md"
    tmp = d / ".report.md.tmp"
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def write_report(directory, payload: dict, claims=None, scale: str | None = None, seed: int | None = None,
                 figures: bool = True) -> Path:
    """DIR/results.json, DIR/report.md, the HTML site DIR/index.html and the figures (of the papers of
    ``claims``, else of the papers in the results).  Returns the path of report.md."""
    from theorycheck.verify.html_report import write_site

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    write_json(d / "results.json", payload)
    papers = {c.paper for c in claims} if claims is not None else {r["claim_id"].split("/", 1)[0]
                                                                     for r in payload["results"]}
    figs = draw_figures(d, papers, scale or payload.get("scale", "default"),
                        payload.get("seed", 0) if seed is None else seed) if figures else {}
    md = write_markdown(d, payload, figs)
    write_site(d, payload, figs)
    return md
