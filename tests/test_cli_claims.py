"""`theorycheck list --json` and `theorycheck show`: from a claim id to its definition, checks, tolerance
derivations and last result."""
from __future__ import annotations

import json
from pathlib import Path

from theorycheck.verify.cli import main

ROOT = Path(__file__).resolve().parent.parent


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _line_at(location: str) -> str:
    path, line = location.rsplit(":", 1)
    return (ROOT / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_list_json_gives_papers_and_where_each_claim_and_check_is_defined(capsys):
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    d = json.loads(out)
    keys = {p["key"] for p in d["papers"]}
    assert {"saxe2013", "pretorius2018", "iclr2022", "yarotsky", "li2019"} <= keys
    for p in d["papers"]:
        assert p["source"].startswith("../shared/papers/") and p["title"] and p["authors"]
    assert d["claims"], "no claims listed"
    for c in d["claims"]:
        assert c["source"] and c["tiers"] and c["paper"] in keys
        assert c["id"] in _line_at(c["location"]) or f'"{c["id"]}"' in (ROOT / c["location"].rsplit(":", 1)[0]).read_text()
        for k in c["checks"]:
            path, line = k["location"].rsplit(":", 1)
            assert (ROOT / path).is_file() and int(line) > 0
            assert path.startswith(f"verify/claims/{c['paper']}/"), (c["id"], k["location"])


def test_show_prints_statement_checks_and_locations(capsys):
    code, out, _ = run(capsys, "show", "saxe2013/eq10-12-sigmoid")
    assert code == 0
    assert "statement:" in out and "Saxe et al. 2013" in out and "verify/claims/saxe2013/" in out
    assert "[exact]" in out and "[precise]" in out


def test_show_with_results_prints_the_last_result_and_its_tolerance(capsys, tmp_path):
    res = tmp_path / "r.json"
    code, _, _ = run(capsys, "verify", "saxe2013/eq11-timescale", "--quiet", "--json", str(res))
    assert code == 0
    code, out, _ = run(capsys, "show", "saxe2013/eq11-timescale", "--results", str(res))
    assert code == 0 and "last result" in out and "tolerance" in out
    code, out, _ = run(capsys, "show", "saxe2013/eq11-timescale", "--results", str(res), "--json")
    d = json.loads(out)
    assert all(k["result"]["status"] in ("passed", "erratum") for k in d["checks"])


def test_show_unknown_claim_and_bad_results_file(capsys, tmp_path):
    code, _, err = run(capsys, "show", "saxe2013/eq10-12-sigmoidd")
    assert code == 2 and "close matches" in err and "saxe2013/eq10-12-sigmoid" in err
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    code, _, err = run(capsys, "show", "saxe2013/eq10-12-sigmoid", "--results", str(bad))
    assert code == 2 and "results" in err


def test_a_declared_paper_without_claims_says_so(capsys, monkeypatch):
    from theorycheck.verify import registry

    registry.load_all()
    monkeypatch.setitem(registry._PAPERS, "empty2000",
                        registry.Paper("empty2000", "A paper", "A. Author", 2000, "x.txt", "pkg"))
    code, _, err = run(capsys, "verify", "empty2000", "--no-json")
    assert code == 2 and "declared but has no claims yet" in err and "A. Author 2000" in err
