"""The HTML report (verify/html_report.py), in a real headless Chromium driven by Selenium.

The results come from a real ``theorycheck verify`` at smoke scale (errata with symbolic residuals, passed
checks of every tier, a simulation) plus one failing and one raising test-only check, so that every status
appears.  In the browser: every page loads without console errors, every image loads, the filter by
status / tier / paper shows exactly the checks the JSON says, the counts on the pages match the JSON, the
errata show printed vs corrected side by side with rendered MathML, and the error-vs-tolerance bars are
drawn to scale.  The browser tests skip, saying why, where Chromium or chromedriver is not installed
(.ci/run installs Debian's chromium and chromium-driver).
"""
from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

from theorycheck.verify import figures as figures_mod
from theorycheck.verify import registry
from theorycheck.verify import tolerances as T
from theorycheck.verify.cli import main
from theorycheck.verify.html_report import claim_file, safe_mathml
from theorycheck.verify.registry import Outcome, claim
from theorycheck.verify.runner import load_results, run_check, write_json

SELECTION = ("saxe2013/supA-eq25-theta-dynamics", "saxe2013/eq11-timescale", "saxe2013/supG-qinf-sim")


def _cheap_figure(out, scale, seed):
    from theorycheck.verify.figures import canvas

    with canvas(out, figsize=(3, 2), dpi=60) as (fig, ax):
        ax.plot([0, 1, 2], [0, 1, 4])


def _broken_figure(out, scale, seed):
    raise RuntimeError("this figure fails on purpose")


def _extra_records() -> list[dict]:
    """One failing and one raising check (test-only claim, removed from the registry afterwards)."""
    c = claim("saxe2013/zz-test-html-report", "test only: a failing and a raising check <b>not bold</b>", "test")
    try:
        c.exact("fails")(lambda ctx: Outcome.compare(1.0, 1.5, T.criterion(0.1, "test")))

        def boom(ctx):
            raise RuntimeError("kaput <script>alert(1)</script>")

        c.exact("raises")(boom)
        return [json.loads(json.dumps(run_check(c, k, "smoke", "cpu", 0).as_dict(), default=str)) for k in c.checks]
    finally:
        registry._CLAIMS.pop(c.id)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    results = d / "results-in.json"
    assert main(["verify", *SELECTION, "--scale", "smoke", "--device", "cpu", "--quiet", "--json", str(results)]) == 0
    payload = json.loads(results.read_text())
    payload["results"] += _extra_records()
    payload["counts"] = {s: sum(r["status"] == s for r in payload["results"]) for s in registry.STATUSES}
    write_json(results, payload)
    load_results(results)  # still a valid results file
    mp = pytest.MonkeyPatch()
    figures_mod.load()
    mp.setattr(figures_mod, "FIGURES", {"saxe2013-fig8": ("Fig. 8 (a cheap test drawing)", _cheap_figure),
                                        "saxe2013-fig99": ("a figure that fails", _broken_figure)})
    try:
        out = d / "site"
        assert main(["report", str(results), "-o", str(out)]) == 0
    finally:
        mp.undo()
    return out, payload


# ------------------------------------------------------------------------------- without a browser
def test_site_files_and_counts_in_the_html(site):
    out, payload = site
    assert (out / "index.html").exists() and (out / "report.md").exists() and (out / "results.json").exists()
    assert (out / "style.css").exists() and (out / "report.js").exists()
    claims = {r["claim_id"] for r in payload["results"]}
    for cid in claims:
        assert (out / claim_file(cid)).exists(), cid
    html = (out / "index.html").read_text()
    c = Counter(r["status"] for r in payload["results"])
    assert set(c) == {"passed", "erratum", "failed", "error"}  # every status is exercised
    for s in ("passed", "erratum", "failed", "error"):
        assert f'<span id="total-{s}">{c[s]}</span>' in html
    assert "http://" not in html.replace("http://www.w3.org/1998/Math/MathML", "") and "https://" not in html


def test_text_from_the_results_is_escaped(site):
    out, _ = site
    page = (out / claim_file("saxe2013/zz-test-html-report")).read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>not bold</b>" not in page and "&lt;b&gt;not bold&lt;/b&gt;" in page


def test_safe_mathml_keeps_mathml_and_rejects_anything_else():
    import sympy as sp

    th, c0 = sp.symbols("theta c0")
    frag = sp.mathml(c0 * sp.sinh(th) / 2, printer="presentation")
    m = safe_mathml(frag, "x")
    assert m.startswith("<math") and "&#952;" in m or "θ" in m
    assert safe_mathml("<mi>x</mi><script>alert(1)</script>") is None
    assert safe_mathml('<mi onclick="alert(1)">x</mi>') is None
    assert safe_mathml("<mi>x</mi><img src=x>") is None
    assert safe_mathml("not <markup") is None and safe_mathml(None) is None


def test_report_refuses_a_file_that_is_not_a_results_file(tmp_path, capsys):
    (tmp_path / "x.json").write_text('{"a": 1}')
    assert main(["report", str(tmp_path / "x.json"), "-o", str(tmp_path / "out")]) == 2
    assert "no 'results' list" in capsys.readouterr().err
    (tmp_path / "afile").write_text("")
    good = tmp_path / "g.json"
    write_json(good, {"results": []})
    assert main(["report", str(good), "-o", str(tmp_path / "afile")]) == 2
    assert "is a file, not a directory" in capsys.readouterr().err


# ------------------------------------------------------------------------------------ in Chromium
CHROMIUM = os.environ.get("THEORYCHECK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("THEORYCHECK_CHROMEDRIVER", shutil.which("chromedriver") or "/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(f"no headless browser: Chromium ({CHROMIUM}) and chromedriver ({CHROMEDRIVER}) are needed "
                    "(Debian: apt-get install chromium chromium-driver; .ci/run does this)")
    selenium = pytest.importorskip("selenium", reason="selenium is not installed (pip install -e '.[test]')")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--allow-file-access-from-files", "--window-size=1400,1000"):
        opts.add_argument(a)
    opts.binary_location = CHROMIUM
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    assert selenium
    yield drv
    drv.quit()


def _open(drv, path: Path) -> list[dict]:
    """Load a page; return its console messages of level SEVERE or WARNING."""
    drv.get_log("browser")  # drop earlier messages
    drv.get(path.resolve().as_uri())
    drv.execute_script("return document.readyState")
    return [m for m in drv.get_log("browser") if m.get("level") in ("SEVERE", "WARNING")]


def _images(drv) -> list[list]:
    return drv.execute_script("return Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, "
                              "i.naturalWidth])")


def test_every_page_loads_without_console_errors_and_every_image_loads(site, browser):
    out, payload = site
    pages = [out / "index.html"] + [out / claim_file(c) for c in sorted({r["claim_id"] for r in payload["results"]})]
    seen_images = 0
    for p in pages:
        problems = _open(browser, p)
        assert problems == [], (p.name, problems)
        assert browser.title
        for src, complete, width in _images(browser):
            assert complete and width > 0, (p.name, src)
            seen_images += 1
    assert seen_images >= 2  # the figure on the index and on the claim page citing "Fig. 8"
    _open(browser, out / "index.html")
    assert "this figure fails on purpose" in browser.page_source  # a failed figure is text, not a broken image


def test_counts_on_the_pages_match_the_json(site, browser):
    out, payload = site
    _open(browser, out / "index.html")
    by = browser.find_element
    c = Counter(r["status"] for r in payload["results"])
    for s in ("passed", "erratum", "failed", "error"):
        assert int(by("id", f"total-{s}").text) == c[s]
    rows = browser.find_elements("css selector", "#checks tbody tr")
    assert len(rows) == len(payload["results"]) == int(by("id", "visible-count").text)
    for paper in {r["claim_id"].split("/")[0] for r in payload["results"]}:
        pc = Counter(r["status"] for r in payload["results"] if r["claim_id"].startswith(paper + "/"))
        for el in browser.find_elements("css selector", f".paper-count[data-paper='{paper}']"):
            assert int(el.text) == pc[el.get_attribute("data-status")]
    cid = "saxe2013/supA-eq25-theta-dynamics"
    _open(browser, out / claim_file(cid))
    cc = Counter(r["status"] for r in payload["results"] if r["claim_id"] == cid)
    for s in ("passed", "erratum", "failed", "error"):
        assert int(browser.find_element("css selector", f".count-{s}").text) == cc[s]
    assert len(browser.find_elements("css selector", "section.check")) == sum(cc.values())


def test_the_filter_shows_exactly_the_selected_checks(site, browser):
    from selenium.webdriver.support.ui import Select

    out, payload = site
    _open(browser, out / "index.html")
    res = payload["results"]

    def visible():
        rows = browser.find_elements("css selector", "#checks tbody tr")
        return [(r.get_attribute("data-status"), r.get_attribute("data-tier"), r.get_attribute("data-paper"))
                for r in rows if r.is_displayed()]

    cases = [("erratum", "", ""), ("passed", "exact", ""), ("", "simulation", ""), ("failed", "", "saxe2013"),
             ("error", "precise", "")]
    for status, tier, paper in cases:
        for k, v in (("status", status), ("tier", tier), ("paper", paper)):
            Select(browser.find_element("id", f"filter-{k}")).select_by_value(v)
        want = [r for r in res if (not status or r["status"] == status) and (not tier or r["tier"] == tier)
                and (not paper or r["claim_id"].startswith(paper + "/"))]
        got = visible()
        assert len(got) == len(want) == int(browser.find_element("id", "visible-count").text), (status, tier, paper)
        assert all((not status or s == status) and (not tier or t == tier) and (not paper or p == paper)
                   for s, t, p in got)
    browser.find_element("id", "filter-reset").click()
    assert len(visible()) == len(res)
    # the filter is kept in the address (#status=...) and restored from it
    browser.get((out / "index.html").resolve().as_uri() + "#status=erratum")
    browser.refresh()
    assert len(visible()) == sum(r["status"] == "erratum" for r in res)


def test_errata_side_by_side_with_rendered_mathml(site, browser):
    out, payload = site
    _open(browser, out / claim_file("saxe2013/supA-eq25-theta-dynamics"))
    sections = browser.find_elements("css selector", "section.erratum-check")
    assert len(sections) == sum(r["status"] == "erratum" and r["claim_id"] == "saxe2013/supA-eq25-theta-dynamics"
                                for r in payload["results"]) > 0
    for sec in sections:
        printed = sec.find_element("css selector", ".printed")
        corrected = sec.find_element("css selector", ".corrected")
        assert printed.location["x"] < corrected.location["x"]  # side by side
        assert abs(printed.location["y"] - corrected.location["y"]) < 5
    # the printed residual of eq. (25) is a non-zero SymPy expression, rendered as MathML with real extent
    maths = browser.execute_script(
        "return Array.from(document.querySelectorAll('.printed math')).map(m => {"
        "const r = m.getBoundingClientRect(); return [r.width, r.height, m.textContent]; })")
    assert maths and all(w > 10 and h > 5 for w, h, _ in maths)
    rec = next(r for r in payload["results"] if r["check"] == "eq25")
    assert rec["printed"]["measured"] != "0" and "measured_mathml" in rec["printed"]
    import xml.etree.ElementTree as ET

    from theorycheck.verify.html_report import _entities_to_chars

    expect = "".join(ET.fromstring(f"<m>{_entities_to_chars(rec['printed']['measured_mathml'])}</m>").itertext())
    assert expect.strip() and expect in [t for _, _, t in maths]


def test_error_against_tolerance_is_drawn_to_scale(site, browser):
    out, payload = site
    checked = 0
    for cid in sorted({r["claim_id"] for r in payload["results"]}):
        _open(browser, out / claim_file(cid))
        bars = browser.execute_script(
            "return Array.from(document.querySelectorAll('svg.scale')).map(s => {"
            "const rs = s.querySelectorAll('rect'); const l = s.querySelector('line');"
            "return [parseFloat(s.dataset.value), parseFloat(s.dataset.limit), rs[0].getBBox().x,"
            " rs[0].getBBox().width, rs[1].getBBox().width, l.x1.baseVal.value]; })")
        for v, lim, x0, full, bar, line in bars:
            top = max(abs(v), abs(lim)) or 1.0
            assert bar == pytest.approx(max(full * abs(v) / top, 0.5), rel=1e-3, abs=0.02)
            assert line - x0 == pytest.approx(full * abs(lim) / top, rel=1e-3, abs=0.02)
            checked += 1
    assert checked >= 5
