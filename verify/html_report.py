"""The HTML report: a static site written from a results file (``theorycheck report RESULTS.json -o DIR``,
``theorycheck verify --report DIR``).  Nothing is fetched from the network and no server is needed.

* ``index.html``: the run (scale, device, seed, code version, counts), an overview per paper (each claim ×
  tier with the statuses of its checks, and the paper's passed / erratum / failed / error counts), every
  check in one table with a filter by status, tier and paper (plain JavaScript, ``report.js``), the errata
  and the figures;
* ``claims/<paper>--<label>.html``: one page per claim — statement, citation, the definition's location,
  and per check the predicted and measured values, each term of the recorded comparison drawn to scale
  (value bar against the tolerance or limit line, on a linear axis from 0 to the larger of the two, the
  ratio printed beside it), the tolerance rule and its derivation, the check's docstring (from the
  registry, when the claim is installed), seed, sizes, device and timing, and the figures of the paper
  whose number the claim cites ("Fig. N").  An erratum shows the statement as printed beside the corrected
  one; a symbolic residual is shown as MathML rendered from the SymPy expression (recorded by the runner,
  see ``runner.math_markup``), which browsers display natively.

Every text from the results file is HTML-escaped; recorded MathML is re-parsed and only MathML elements
and attributes pass (anything else is shown as text), so a results file cannot inject markup or script.
"""
from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from html.entities import html5 as _HTML5
from pathlib import Path

STATUSES = ("passed", "erratum", "failed", "error")
ERR_CLS = ' class="erratum-row"'
TIER_ORDER = ("exact", "precise", "simulation")

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem auto; max-width: 75rem;
       padding: 0 1rem; color: #1d2430; line-height: 1.4; }
h1, h2, h3 { line-height: 1.2; }
a { color: #1f5fbf; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; width: 100%; }
th, td { border: 1px solid #d0d5dd; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #f2f4f7; }
.status { font-weight: 600; padding: 0 0.35rem; border-radius: 0.25rem; white-space: nowrap; }
.passed { color: #05603a; background: #d1fadf; }
.erratum { color: #7a4a00; background: #fef0c7; }
.failed, .error { color: #912018; background: #fee4e2; }
tr.erratum-row, section.erratum-check { background: #fffaeb; }
section.check { border: 1px solid #d0d5dd; border-radius: 0.4rem; padding: 0.5rem 1rem; margin: 1rem 0; }
section.erratum-check { border: 2px solid #f79009; }
.side-by-side { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; }
.side-by-side > div, section.check { overflow-x: auto; }
.side-by-side > div { border: 1px solid #d0d5dd; border-radius: 0.3rem; padding: 0.5rem; background: #fff; }
.printed h4 { color: #912018; } .corrected h4 { color: #05603a; }
.mono, code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 0.9em; }
pre { white-space: pre-wrap; background: #f8f9fb; padding: 0.5rem; border-radius: 0.3rem; }
.filters { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; margin: 0.5rem 0; }
.counts span { margin-right: 1rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; border: 1px solid #d0d5dd; }
svg.scale text { font-size: 11px; font-family: ui-monospace, monospace; }
math { font-size: 1.1em; }
"""

JS = """
// theorycheck report: filter the checks table by status, tier and paper (no server, no library).
(function () {
  'use strict';
  function applyFilter() {
    var want = {};
    ['status', 'tier', 'paper'].forEach(function (k) {
      var el = document.getElementById('filter-' + k);
      want[k] = el ? el.value : '';
    });
    var rows = document.querySelectorAll('#checks tbody tr');
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!want.status || r.dataset.status === want.status) &&
               (!want.tier || r.dataset.tier === want.tier) &&
               (!want.paper || r.dataset.paper === want.paper);
      r.hidden = !ok;
      if (ok) { shown++; }
    }
    var papers = document.querySelectorAll('section.paper');
    for (var j = 0; j < papers.length; j++) {
      papers[j].hidden = !!want.paper && papers[j].dataset.paper !== want.paper;
    }
    var out = document.getElementById('visible-count');
    if (out) { out.textContent = String(shown); }
    if (window.history && window.history.replaceState) {
      var q = Object.keys(want).filter(function (k) { return want[k]; })
        .map(function (k) { return k + '=' + encodeURIComponent(want[k]); }).join('&');
      window.history.replaceState(null, '', q ? '#' + q : window.location.pathname);
    }
  }
  function fromHash() {
    var h = window.location.hash.replace(/^#/, '');
    if (!h) { return; }
    h.split('&').forEach(function (kv) {
      var p = kv.split('=');
      var el = document.getElementById('filter-' + p[0]);
      if (el && p.length === 2) { el.value = decodeURIComponent(p[1]); }
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    fromHash();
    ['status', 'tier', 'paper'].forEach(function (k) {
      var el = document.getElementById('filter-' + k);
      if (el) { el.addEventListener('change', applyFilter); }
    });
    var reset = document.getElementById('filter-reset');
    if (reset) {
      reset.addEventListener('click', function () {
        ['status', 'tier', 'paper'].forEach(function (k) { document.getElementById('filter-' + k).value = ''; });
        applyFilter();
      });
    }
    applyFilter();
  });
}());
"""

# --------------------------------------------------------------------------------------- MathML
_MATHML_TAGS = {"math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac",
                "msqrt", "mroot", "munder", "mover", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded",
                "mphantom", "menclose", "semantics", "annotation", "mfenced"}
_MATHML_ATTRS = {"mathvariant", "display", "fence", "separator", "stretchy", "lspace", "rspace", "linethickness",
                 "encoding", "form", "open", "close", "separators", "columnalign", "scriptlevel", "displaystyle"}
_ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")


def _entities_to_chars(text: str) -> str:
    """Named HTML entities (SymPy prints ``&InvisibleTimes;``) as characters; XML's five stay entities."""
    def sub(m):
        name = m.group(1)
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return m.group(0)
        ch = _HTML5.get(name + ";")
        return ch if ch is not None else m.group(0)
    return _ENTITY.sub(sub, text)


def safe_mathml(fragment: str | None, latex: str | None = None) -> str | None:
    """``<math>`` markup from a recorded presentation-MathML fragment, with only MathML elements and
    attributes (re-serialized, text escaped); None when the fragment is anything else."""
    if not fragment or not isinstance(fragment, str) or len(fragment) > 200_000:
        return None
    try:
        root = ET.fromstring(f"<math>{_entities_to_chars(fragment)}</math>")
    except ET.ParseError:
        return None
    for el in root.iter():
        if el.tag not in _MATHML_TAGS or any(a not in _MATHML_ATTRS for a in el.attrib):
            return None
    root.set("display", "block")
    if latex:
        root.set("title", latex if len(latex) < 2000 else latex[:2000] + "...")  # the LaTeX, as a tooltip
    root.set("xmlns", "http://www.w3.org/1998/Math/MathML")
    return ET.tostring(root, encoding="unicode", method="xml")


# ------------------------------------------------------------------------------------------ helpers
def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def fmt(x, digits: int = 4) -> str:
    if isinstance(x, bool) or x is None:
        return "" if x is None else str(x)
    if isinstance(x, float):
        return f"{x:.{digits}g}" if x == x else "nan"
    if isinstance(x, list):
        s = "[" + ", ".join(fmt(v, digits) for v in x[:12]) + (", ..." if len(x) > 12 else "") + "]"
        return s
    s = str(x)
    return s if len(s) <= 400 else s[:400] + " ..."


def claim_file(claim_id: str) -> str:
    """The page of a claim, relative to the site root: claims/<paper>--<label>.html (safe characters only)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", claim_id.replace("/", "--"))
    return f"claims/{safe}.html"


def badge(status: str) -> str:
    s = status if status in STATUSES else "error"
    return f'<span class="status {s}">{esc(status)}</span>'


def _page(title: str, body: str, root: str = "") -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<link rel=\"icon\" href=\"data:,\">\n"
            f"<link rel=\"stylesheet\" href=\"{root}style.css\">\n"
            f"<script src=\"{root}report.js\" defer></script>\n</head>\n<body>\n{body}\n</body>\n</html>\n")


def _num(x) -> float | None:
    if isinstance(x, bool):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if v == v and abs(v) != float("inf") else None


def scale_svg(term: dict) -> str:
    """A term ``value op limit`` drawn to scale: a bar of |value| and a line at |limit| on a linear axis
    from 0 to the larger one; green when the term holds, red when not."""
    v, lim = _num(term.get("value")), _num(term.get("limit"))
    if v is None or lim is None or term.get("op") not in ("<=", "<", ">=", ">"):
        return ""  # an equality (a symbolic residual == "0") is not a magnitude against a tolerance
    w, h, pad = 320, 26, 4
    top = max(abs(v), abs(lim)) or 1.0
    xv = pad + (w - 2 * pad) * abs(v) / top
    xl = pad + (w - 2 * pad) * abs(lim) / top
    color = "#12b76a" if term.get("holds") else "#f04438"
    ratio = f"{abs(v) / abs(lim):.3g}" if lim else ("0" if not v else "inf")
    label = (f"|value| / |limit| = {ratio}" + ("" if (v >= 0) == (lim >= 0) else " (signs differ)"))
    return (f'<svg class="scale" width="{w + 190}" height="{h}" role="img" aria-label="{esc(label)}" '
            f'data-value="{v!r}" data-limit="{lim!r}">'
            f'<rect x="{pad}" y="6" width="{w - 2 * pad}" height="12" fill="#f2f4f7"/>'
            f'<rect x="{pad}" y="6" width="{max(xv - pad, 0.5):.2f}" height="12" fill="{color}"/>'
            f'<line x1="{xl:.2f}" x2="{xl:.2f}" y1="2" y2="{h - 2}" stroke="#1d2430" stroke-width="2"/>'
            f'<text x="{w + 6}" y="17">{esc(label)}</text></svg>')


def comparison_html(cmp: dict | None, limit_terms: int = 12) -> str:
    if not cmp:
        return "<p>No comparison recorded: the check raised (see the detail).</p>"
    rel = " (relative)" if cmp.get("relative") else ""
    rows = []
    terms = cmp.get("terms", [])
    for t in terms[:limit_terms]:
        rows.append(f"<tr><td>{esc(t.get('name'))}</td><td class=\"mono\">{esc(fmt(t.get('value'), 6))}</td>"
                    f"<td class=\"mono\">{esc(t.get('op'))}</td><td class=\"mono\">{esc(fmt(t.get('limit'), 6))}</td>"
                    f"<td>{'holds' if t.get('holds') else '<b>fails</b>'}</td><td>{scale_svg(t)}</td></tr>")
    more = (f"<p>{len(terms) - limit_terms} more terms (see results.json).</p>" if len(terms) > limit_terms else "")
    return (f"<p>Comparison: {esc(cmp.get('kind'))}{rel}, {esc(cmp.get('combine'))} of {len(terms)} term(s) "
            f"{'hold' if cmp.get('combine') == 'all' else 'holds'}: <b>{'yes' if cmp.get('holds') else 'no'}</b></p>"
            "<table class=\"terms\"><thead><tr><th>quantity</th><th>value</th><th>op</th><th>limit (tolerance)</th>"
            f"<th>verdict</th><th>drawn to scale</th></tr></thead><tbody>{''.join(rows)}</tbody></table>{more}")


def _value_html(value, mathml: str | None = None, latex: str | None = None) -> str:
    m = safe_mathml(mathml, latex)
    if m:
        return m + (f"<details><summary>LaTeX</summary><pre>{esc(latex)}</pre></details>" if latex else "")
    return f"<span class=\"mono\">{esc(fmt(value, 10))}</span>"


# ---------------------------------------------------------------------------------------- pages
def _fig_numbers(source: str) -> set[str]:
    return set(re.findall(r"Fig(?:ure)?s?\.?\s*(\d+)", source or ""))


def _claim_figures(claim_id: str, source: str, figures: dict) -> list[str]:
    paper = claim_id.split("/", 1)[0]
    nums = _fig_numbers(source)
    out = []
    for fid in figures:
        m = re.fullmatch(rf"{re.escape(paper)}-fig(\d+)", fid)
        if m and m.group(1) in nums and "file" in figures[fid]:
            out.append(fid)
    return out


def _figure_html(fid: str, f: dict, root: str = "") -> str:
    if "file" not in f:
        return f"<p>Figure {esc(fid)} failed: {esc(f.get('error'))}</p>"
    return (f"<figure id=\"fig-{esc(fid)}\"><img src=\"{root}{esc(f['file'])}\" alt=\"{esc(fid)}\" loading=\"eager\">"
            f"<figcaption><b>{esc(fid)}</b>: {esc(f.get('description'))}</figcaption></figure>")


def _check_doc(claim_id: str, check: str) -> str:
    try:
        from theorycheck.verify.registry import get_claim

        return get_claim(claim_id).check(check).doc
    except Exception:  # a results file from other code: the docstring is not available here
        return ""


def _check_section(r: dict) -> str:
    status = r.get("status", "error")
    cls = "check erratum-check" if status == "erratum" else "check"
    parts = [f"<section class=\"{cls}\" id=\"check-{esc(r.get('check'))}\" data-status=\"{esc(status)}\">",
             f"<h3>{badge(status)} [{esc(r.get('tier'))}] {esc(r.get('check'))}</h3>"]
    doc = _check_doc(r.get("claim_id", ""), r.get("check", ""))
    if doc:
        parts.append(f"<details open><summary>What is compared, and the tolerance's derivation</summary>"
                     f"<pre>{esc(doc)}</pre></details>")
    extra = r.get("extra") or {}
    if r.get("printed"):
        p = r["printed"]
        parts.append("<div class=\"side-by-side\">"
                     "<div class=\"printed\"><h4>As printed (fails)</h4>"
                     f"<p>predicted: {_value_html(p.get('predicted'))}</p>"
                     f"<p>measured: {_value_html(p.get('measured'), p.get('measured_mathml'), p.get('measured_latex'))}</p>"
                     f"<p>tolerance {esc(fmt(p.get('tolerance')))} ({esc(p.get('tolerance_rule'))})</p>"
                     f"{comparison_html(p.get('comparison'))}<p>{esc(p.get('detail'))}</p></div>"
                     "<div class=\"corrected\"><h4>Corrected</h4>"
                     f"<p>predicted: {_value_html(r.get('predicted'))}</p>"
                     f"<p>measured: {_value_html(r.get('measured'), extra.get('measured_mathml'), extra.get('measured_latex'))}</p>"
                     f"<p>tolerance {esc(fmt(r.get('tolerance')))} ({esc(r.get('tolerance_rule'))})</p>"
                     f"{comparison_html(r.get('comparison'))}</div></div>"
                     f"<p><b>Correction:</b> {esc(r.get('correction'))}</p>")
    else:
        parts.append("<table class=\"values\"><tr><th>predicted</th><th>measured</th><th>error</th><th>tolerance</th></tr>"
                     f"<tr><td>{_value_html(r.get('predicted'))}</td><td>{_value_html(r.get('measured'))}</td>"
                     f"<td class=\"mono\">{esc(fmt(r.get('error')))}</td><td class=\"mono\">{esc(fmt(r.get('tolerance')))}</td>"
                     "</tr></table>")
        parts.append(comparison_html(r.get("comparison")))
    parts.append(f"<p>Tolerance rule <b>{esc(r.get('tolerance_rule'))}</b>: {esc(r.get('tolerance_why'))}</p>")
    sizes = r.get("sizes") or {}
    parts.append("<p class=\"meta\">"
                 f"seed {esc(r.get('seed') if r.get('seed') is not None else '— (deterministic)')}; "
                 f"sizes {esc(', '.join(f'{k}={fmt(v)}' for k, v in sizes.items()) or '—')}; "
                 f"scale {esc(r.get('scale'))}; device {esc(r.get('device'))}; "
                 f"time <span class=\"seconds\">{esc(fmt(r.get('seconds'), 3))}</span> s; "
                 f"defined at <code>{esc(r.get('location'))}</code></p>")
    if r.get("detail"):
        parts.append(f"<details{' open' if status in ('failed', 'error') else ''}><summary>detail</summary>"
                     f"<pre>{esc(r.get('detail'))}</pre></details>")
    parts.append("</section>")
    return "\n".join(parts)


def claim_page(claim_id: str, records: list[dict], figures: dict) -> str:
    first = records[0]
    counts = Counter(r.get("status") for r in records)
    body = [f"<p><a href=\"../index.html\">&larr; all claims</a></p>",
            f"<h1>{esc(claim_id)}</h1>",
            f"<p class=\"statement\">{esc(first.get('statement'))}</p>",
            f"<p><b>Source:</b> <span class=\"citation\">{esc(first.get('source'))}</span></p>",
            "<p class=\"counts\">" + " ".join(f"<span>{badge(s)} <span class=\"count-{s}\">{counts.get(s, 0)}</span></span>"
                                               for s in STATUSES) + "</p>"]
    body += [_check_section(r) for r in records]
    figs = _claim_figures(claim_id, first.get("source", ""), figures)
    if figs:
        body.append("<h2>Figures</h2>")
        body += [_figure_html(fid, figures[fid], root="../") for fid in figs]
    return _page(f"{claim_id} — theorycheck", "\n".join(body), root="../")


def _paper_titles() -> dict[str, str]:
    """``{key: "Saxe 2013: Exact solutions ..."}`` from the registry, where the papers are installed."""
    try:
        from theorycheck.verify.registry import papers

        return {p.key: f"{p.short}: {p.title}" for p in papers()}
    except Exception:  # a results file read elsewhere: the keys alone
        return {}


def index_page(payload: dict, by_claim: dict[str, list[dict]], figures: dict) -> str:
    results = payload["results"]
    counts = Counter(r.get("status") for r in results)
    papers = sorted({cid.split("/", 1)[0] for cid in by_claim})
    tiers = [t for t in TIER_ORDER if any(r.get("tier") == t for r in results)] + \
        sorted({r.get("tier") for r in results} - set(TIER_ORDER))
    head = [f"<h1>theorycheck report</h1>",
            f"<p>Scale <b>{esc(payload.get('scale'))}</b>, device {esc(payload.get('device'))}, seed "
            f"{esc(payload.get('seed'))}, code version <code>{esc(payload.get('code_version', 'not recorded'))}</code>, "
            f"{len(results)} checks of {len(by_claim)} claims in {esc(fmt(payload.get('seconds'), 4))} s"
            + (f", {esc(payload.get('jobs'))} jobs" if payload.get("jobs") and payload.get("jobs") != 1 else "")
            + (f", scheduler {esc(payload.get('scheduler'))}" if payload.get("scheduler") else "") + ".</p>",
            "<p class=\"counts\" id=\"totals\">" + " ".join(
                f"<span>{badge(s)} <span id=\"total-{s}\">{counts.get(s, 0)}</span></span>" for s in STATUSES) + "</p>"]
    if payload.get("interrupted") or payload.get("partial"):
        head.append("<p><b>This run did not finish</b>: only the finished checks are shown.</p>")
    if payload.get("resumed"):
        head.append(f"<p>{esc(payload['resumed'].get('checks'))} checks were kept from "
                    f"<code>{esc(payload['resumed'].get('from'))}</code> (<code>--resume</code>).</p>")
    if isinstance(payload.get("retried"), dict) and payload["retried"]:
        head.append("<p>Retried once after their worker died: " + "; ".join(
            f"{esc(k)} ({esc(str(v)[:200])})" for k, v in payload["retried"].items()) + "</p>")
    titles = _paper_titles()
    body = head + ["<h2>Papers</h2>"]
    for p in papers:
        claims = [cid for cid in by_claim if cid.split("/", 1)[0] == p]
        recs = [r for cid in claims for r in by_claim[cid]]
        pc = Counter(r.get("status") for r in recs)
        body.append(f"<section class=\"paper\" data-paper=\"{esc(p)}\" id=\"paper-{esc(p)}\"><h3>{esc(p)}</h3>"
                    + (f"<p class=\"paper-title\">{esc(titles[p])}</p>" if p in titles else ""))
        body.append("<p class=\"counts\">" + " ".join(
            f"<span>{badge(s)} <span class=\"paper-count\" data-paper=\"{esc(p)}\" data-status=\"{s}\">{pc.get(s, 0)}</span></span>"
            for s in STATUSES) + f" <span>{len(claims)} claims, {len(recs)} checks</span></p>")
        rows = []
        for cid in claims:
            cells = []
            for t in tiers:
                st = Counter(r.get("status") for r in by_claim[cid] if r.get("tier") == t)
                cells.append("<td>" + " ".join(f"{badge(s)}&nbsp;{n}" for s, n in
                                                sorted(st.items(), key=lambda kv: STATUSES.index(kv[0])
                                                       if kv[0] in STATUSES else 9)) + "</td>")
            erratum = any(r.get("status") == "erratum" for r in by_claim[cid])
            rows.append(f"<tr{ERR_CLS if erratum else ''}><td><a href=\"{esc(claim_file(cid))}\">"
                        f"{esc(cid)}</a></td><td>{esc(by_claim[cid][0].get('source'))}</td>{''.join(cells)}</tr>")
        body.append("<table class=\"overview\"><thead><tr><th>claim</th><th>source</th>" +
                    "".join(f"<th>{esc(t)}</th>" for t in tiers) + "</tr></thead><tbody>" + "".join(rows) +
                    "</tbody></table></section>")
    opts = lambda name, values: (f"<label>{name} <select id=\"filter-{name}\"><option value=\"\">all</option>" +
                                 "".join(f"<option value=\"{esc(v)}\">{esc(v)}</option>" for v in values) + "</select></label>")
    body += ["<h2>Checks</h2>",
             "<div class=\"filters\">" + opts("status", STATUSES) + opts("tier", tiers) + opts("paper", papers) +
             "<button id=\"filter-reset\" type=\"button\">show all</button>"
             f"<span><span id=\"visible-count\">{len(results)}</span> of {len(results)} checks shown</span></div>",
             "<table id=\"checks\"><thead><tr><th>claim</th><th>tier</th><th>check</th><th>status</th><th>error</th>"
             "<th>tolerance (rule)</th><th>s</th></tr></thead><tbody>"]
    for r in results:
        cid = r.get("claim_id", "")
        st = r.get("status", "error")
        tol = "" if r.get("tolerance") is None else f"{fmt(r.get('tolerance'), 3)} ({r.get('tolerance_rule')})"
        body.append(f"<tr data-status=\"{esc(st)}\" data-tier=\"{esc(r.get('tier'))}\" data-paper=\"{esc(cid.split('/', 1)[0])}\""
                    f"{ERR_CLS if st == 'erratum' else ''}>"
                    f"<td><a href=\"{esc(claim_file(cid))}#check-{esc(r.get('check'))}\">{esc(cid)}</a></td>"
                    f"<td>{esc(r.get('tier'))}</td><td>{esc(r.get('check'))}</td><td>{badge(st)}</td>"
                    f"<td class=\"mono\">{esc(fmt(r.get('error'), 3))}</td><td class=\"mono\">{esc(tol)}</td>"
                    f"<td class=\"mono\">{esc(fmt(r.get('seconds'), 3))}</td></tr>")
    body.append("</tbody></table>")
    errata = [r for r in results if r.get("status") == "erratum"]
    if errata:
        body.append("<h2>Errata</h2><p>The statement as printed fails, the corrected statement passes.</p><ul>")
        body += [f"<li class=\"erratum-row\"><a href=\"{esc(claim_file(r['claim_id']))}#check-{esc(r.get('check'))}\">"
                 f"{esc(r['claim_id'])} / {esc(r.get('check'))}</a> ({esc(r.get('source'))}): {esc(r.get('correction'))}</li>"
                 for r in errata]
        body.append("</ul>")
    if figures:
        body.append("<h2>Figures</h2>")
        body += [_figure_html(fid, f) for fid, f in figures.items()]
    return _page("theorycheck report", "\n".join(body))


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def write_site(directory, payload: dict, figures: dict | None = None) -> Path:
    """Write the site into ``directory`` (figures already drawn there: ``{id: {"description", "file"}}``);
    returns the path of index.html."""
    d = Path(directory)
    (d / "claims").mkdir(parents=True, exist_ok=True)
    figures = dict(figures or {})
    by_claim: dict[str, list[dict]] = defaultdict(list)
    for r in payload["results"]:
        by_claim[r.get("claim_id", "?")].append(r)
    _write(d / "style.css", CSS.lstrip())
    _write(d / "report.js", JS.lstrip())
    for cid, recs in by_claim.items():
        _write(d / claim_file(cid), claim_page(cid, recs, figures))
    _write(d / "index.html", index_page(payload, dict(by_claim), figures))
    (d / "summary.json").write_text(json.dumps({"counts": dict(Counter(r.get("status") for r in payload["results"])),
                                               "claims": len(by_claim)}, indent=1) + "\n", encoding="utf-8")
    return d / "index.html"
