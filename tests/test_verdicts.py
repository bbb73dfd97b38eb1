"""Verdicts follow from what the result records; claims are laid out so that anything is found by its id.

* Every status is re-derivable from its JSON record (registry.derive_status), for each comparison kind,
  for errata, and for a whole ``theorycheck verify --scale smoke`` run (slow: the CI script re-derives
  the smoke run's file too, through theorycheck.load_results).
* A tampered record (status changed by hand) is rejected by load_results.
* Check names are kebab-case literals that can be found in the source at the recorded location.
* The family-wise false-failure budget covers the registry's statistical checks.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from theorycheck.verify import tolerances as T
from theorycheck.verify.registry import (Comparison, Outcome, Term, all_claims, claim, derive_status, erratum,
                                         papers)
from theorycheck.verify.runner import ResultsFileError, load_results, run_check, write_json

ROOT = Path(__file__).resolve().parent.parent


def _record(out):
    """Run a one-off check returning ``out`` and give its JSON record."""
    from theorycheck.verify import registry

    c = claim("saxe2013/test-only-verdict", "test", "test")
    try:
        c.exact("verdict")(lambda ctx: out)
        r = run_check(c, c.checks[0], scale="smoke", device="cpu", seed=0)
    finally:
        registry._CLAIMS.pop(c.id)
    return json.loads(json.dumps(r.as_dict(), default=str))


@pytest.mark.parametrize("out,status", [
    (Outcome.compare(1.0, 1.0 + 1e-10, T.ulps(1e7, "test")), "passed"),
    (Outcome.compare(1.0, 1.1, T.ulps(1e7, "test")), "failed"),
    (Outcome.bound(0.5, T.criterion(1.0, "test")), "passed"),
    (Outcome.bound(float("nan"), T.criterion(1.0, "test")), "failed"),
    (Outcome.at_least(0.2, T.criterion(0.0, "test")), "passed"),
    (Outcome.at_least(-0.2, T.criterion(0.0, "test")), "failed"),
    (Outcome.criterion([("a", 1, "<", 2), ("b", 3, ">=", 3)], T.criterion(0, "test")), "passed"),
    (Outcome.criterion([("a", 1, "<", 2), ("b", 2, ">=", 3)], T.criterion(0, "test")), "failed"),
    (Outcome.criterion([("a", 5, "<", 2), ("b", 3, ">=", 3)], T.criterion(0, "test"), combine="any"), "passed"),
])
def test_status_is_derived_from_the_recorded_comparison(out, status):
    rec = _record(out)
    assert rec["status"] == status
    assert derive_status(rec) == status
    assert rec["comparison"]["holds"] is (status == "passed")


def test_two_sided_error_is_recomputable_from_predicted_and_measured():
    rec = _record(Outcome.compare(2.0, 2.5, T.criterion(0.3, "test")))
    (term,) = rec["comparison"]["terms"]
    assert term["value"] == abs(rec["measured"] - rec["predicted"]) == rec["error"]
    assert term["limit"] == rec["tolerance"]


def test_erratum_status_from_both_comparisons():
    good = Outcome.compare(1.0, 1.0, T.criterion(0.1, "test"))
    bad = Outcome.compare(1.0, 2.0, T.criterion(0.1, "test"))
    assert _record(erratum(bad, good, "x"))["status"] == "erratum"
    assert _record(erratum(good, good, "x"))["status"] == "passed"
    assert _record(erratum(bad, bad, "x"))["status"] == "failed"
    rec = _record(erratum(bad, good, "x"))
    assert derive_status(rec) == "erratum" and rec["printed"]["comparison"]["holds"] is False


def test_a_raising_check_is_an_error_without_comparison():
    def boom(ctx):
        raise RuntimeError("kaput")

    from theorycheck.verify import registry

    c = claim("saxe2013/test-only-raise", "test", "test")
    try:
        c.exact("raises")(boom)
        r = run_check(c, c.checks[0], scale="smoke", device="cpu", seed=0)
    finally:
        registry._CLAIMS.pop(c.id)
    assert r.status == "error" and derive_status(r.as_dict()) == "error"


def test_load_results_rejects_a_tampered_status(tmp_path):
    rec = _record(Outcome.compare(1.0, 1.1, T.criterion(0.01, "test")))
    assert rec["status"] == "failed"
    write_json(tmp_path / "ok.json", {"results": [rec]})
    assert load_results(tmp_path / "ok.json")["results"][0]["status"] == "failed"
    rec["status"] = "passed"
    write_json(tmp_path / "bad.json", {"results": [rec]})
    with pytest.raises(ResultsFileError, match="implies 'failed'"):
        load_results(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(ResultsFileError, match="cannot be read"):
        load_results(tmp_path / "junk.json")


def test_results_file_has_ordinary_permissions(tmp_path):
    import os

    write_json(tmp_path / "r.json", {"results": []})
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "r.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_terms_reject_unknown_operators_and_nan_never_passes():
    with pytest.raises(ValueError, match="operator"):
        Term("x", 1, "=<", 2)
    assert not Comparison("upper", (Term("x", float("nan"), "<=", 1.0),)).holds()
    assert not Comparison("lower", (Term("x", float("nan"), ">=", 1.0),)).holds()


def test_check_names_are_kebab_case_literals_found_at_their_location():
    for c in all_claims():
        names = [k.name for k in c.checks]
        assert len(names) == len(set(names)), c.id
        path, line = c.location.rsplit(":", 1)
        src = (ROOT / path).read_text(encoding="utf-8")
        assert f'"{c.id}"' in src, f"claim id {c.id} is not a literal in {path}"
        for k in c.checks:
            assert re.fullmatch(r"[a-z0-9]+(?:\.[a-z0-9]+)*(?:-[a-z0-9]+(?:\.[a-z0-9]+)*)*", k.name), k.name
            kpath, kline = k.location.rsplit(":", 1)
            lines = (ROOT / kpath).read_text(encoding="utf-8").splitlines()
            # the literal name stands at the check's location or in the few lines above it (a decorator
            # call split over lines, or a table of (regime, name) pairs feeding a registration loop)
            window = "\n".join(lines[max(0, int(kline) - 8):int(kline) + 1])
            assert f'"{k.name}"' in window or f'"{k.name}"' in "\n".join(lines), (c.id, k.name, k.location)


def test_each_paper_package_declares_its_metadata_and_source_file():
    for p in papers():
        assert p.title and p.authors and p.source
        assert p.package.endswith("." + p.key)
        shared = ROOT.parent / "shared" / "papers"
        if shared.is_dir():
            assert (shared / p.source).is_file(), p.source


def test_statistical_checks_fit_the_family_wise_budget():
    n = sum(k.tier == "simulation" for c in all_claims() for k in c.checks)
    assert n <= T.STAT_CHECK_BUDGET, (n, T.STAT_CHECK_BUDGET)
    assert T.ALPHA * T.STAT_CHECK_BUDGET == pytest.approx(T.ALPHA_FAMILY)


def test_no_tolerance_or_message_cites_an_issue():
    bad = []
    for folder in ("symbolic", "numeric", "verify", "tests", "benchmarks"):
        for p in (ROOT / folder).rglob("*.py"):
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"\bissue\s*#?\d|\bissue('s)? (target|text)|\bissue \d", line, re.I):
                    bad.append(f"{p.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not bad, "\n".join(bad)


@pytest.mark.slow
def test_full_smoke_run_statuses_rederive_from_json(tmp_path):
    from theorycheck.verify.cli import main

    out = tmp_path / "smoke.json"
    main(["verify", "--scale", "smoke", "--quiet", "--json", str(out)])
    payload = load_results(out)  # raises on any status that does not follow from its record
    assert len(payload["results"]) == sum(len(c.checks) for c in all_claims())


# ------------------------------------------------------------------------------ certified (interval) kind
_CT = T.certified(104, "test")


@pytest.mark.parametrize("terms,status", [
    ([("x", ["0.1", "0.2"], "<", 0.25)], "passed"),
    ([("x", ["0.1", "0.3"], "<", 0.25)], "failed"),          # straddles the limit: not proven
    ([("x", ["0.1", "0.25"], "<", 0.25)], "failed"),         # strict: hi == limit is not < limit
    ([("x", ["0.1", "0.25"], "<=", "0.25")], "passed"),
    ([("x", ["1.5", "2"], ">", 1)], "passed"),
    ([("x", ["0.999", "2"], ">", 1)], "failed"),
    ([("x", ["0.1", "0.2"], "in", ["0.05", "0.25"])], "passed"),
    ([("x", ["0.1", "0.3"], "in", ["0.05", "0.25"])], "failed"),
    ([("x", ["0.3", "0.4"], "outside", ["0.05", "0.25"])], "passed"),
    ([("x", ["0.2", "0.4"], "outside", ["0.05", "0.25"])], "failed"),
    ([("n", ["0", "0"], "==", 0)], "passed"),
    ([("n", ["0", "1"], "==", 0)], "failed"),                # a non-degenerate interval proves no equality
    # exact decimal comparison: 0.1 as a double is above the decimal 0.1
    ([("x", ["0.0", "0.1"], "<=", 0.1)], "passed"),
    ([("x", ["0.0", "0.10000000000000000556"], "<=", 0.1)], "failed"),
])
def test_certified_status_follows_from_the_recorded_interval(terms, status):
    rec = _record(Outcome.certified(terms, _CT))
    assert rec["comparison"]["kind"] == "certified"
    assert rec["status"] == status and derive_status(rec) == status
    assert rec["comparison"]["terms"][0]["value"] == terms[0][1]  # the interval is recorded as strings


def test_certified_rejects_values_that_are_not_enclosures():
    with pytest.raises(ValueError, match="enclosure"):
        Outcome.certified([("x", 0.5, "<", 1)], _CT)
    with pytest.raises(ValueError, match="enclosure"):
        Outcome.certified([("x", ["2", "1"], "<", 3)], _CT)  # lo > hi
    with pytest.raises(ValueError, match="interval limit"):
        Outcome.certified([("x", ["1", "2"], "in", 3)], _CT)
    # a malformed interval in a record never holds (it cannot prove anything)
    assert not Term("x", ["nan", "1"], "<", 2).holds() and not Term("x", ["2", "1"], "<", 3).holds()
    # 'in' / 'outside' are defined for enclosures only
    assert not Term("x", 0.5, "in", ["0", "1"]).holds()


def test_load_results_rejects_a_tampered_certified_record(tmp_path):
    rec = _record(Outcome.certified([("q*", ["0.61", "0.62"], ">", 0), ("nu'(q*)", ["0.55", "0.56"], "<", 1)], _CT))
    assert rec["status"] == "passed"
    write_json(tmp_path / "ok.json", {"results": [rec]})
    assert load_results(tmp_path / "ok.json")["results"][0]["status"] == "passed"
    # widen the recorded enclosure so that it no longer proves nu'(q*) < 1, keeping status 'passed'
    bad = json.loads(json.dumps(rec))
    bad["comparison"]["terms"][1]["value"] = ["0.55", "1.01"]
    write_json(tmp_path / "bad.json", {"results": [bad]})
    with pytest.raises(ResultsFileError, match="implies 'failed'"):
        load_results(tmp_path / "bad.json")
    # the recorded 'holds' flags are not trusted either: only the interval end points decide
    bad2 = json.loads(json.dumps(rec))
    bad2["comparison"]["terms"][1]["value"] = ["1.2", "1.3"]
    bad2["comparison"]["terms"][1]["holds"] = True
    write_json(tmp_path / "bad2.json", {"results": [bad2]})
    with pytest.raises(ResultsFileError, match="implies 'failed'"):
        load_results(tmp_path / "bad2.json")


def test_all_of_keeps_interval_semantics():
    a = Outcome.certified([("x", ["0.1", "0.2"], "<", 1)], _CT)
    b = Outcome.certified([("y", ["0.9", "1.1"], "<", 1)], _CT)
    assert Outcome.all_of([a]).passed and not Outcome.all_of([a, b]).passed
    assert Outcome.all_of([a, b]).comparison.kind == "certified"
