"""The command line, run in-process through verify.cli.main (and once as a subprocess)."""
from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal

import pytest

from theorycheck.verify.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_formula_mpmath_40_digits_and_numpy_agree(capsys):
    args = ["formula", "saxe.u_sigmoid", "s=2", "tau=1", "u0=0.001", "t=3", "--json"]
    code, out, _ = run(capsys, *args, "--backend", "mpmath", "--dps", "40")
    assert code == 0
    mp = json.loads(out)
    assert set(mp) == {"id", "params", "backend", "dps", "value"}
    assert mp["dps"] == 40 and mp["backend"] == "mpmath"
    digits = mp["value"].replace(".", "").lstrip("0")
    assert len(digits) >= 40
    # independent check: eq. (12) by hand in Decimal at 50 digits
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        e = (Decimal(2) * 2 * 3).exp()
        ref = 2 * e / (e - 1 + Decimal(2) / Decimal("0.001"))
    assert abs(Decimal(mp["value"]) - ref) / ref < Decimal("1e-39")
    code, out, _ = run(capsys, *args)
    npv = json.loads(out)
    assert abs(Decimal(npv["value"]) - ref) / ref < Decimal("1e-13")


def test_mpmath_parses_decimals_exactly(capsys):
    # t_learn(s=1, tau=1, u0=0.05, uf=0.5) = (1/2) ln(0.5*0.95/(0.05*0.5)) = (1/2) ln 19 exactly
    code, out, _ = run(capsys, "formula", "saxe.t_learn", "s=1", "tau=1", "u0=0.05", "uf=0.5", "--backend", "mpmath",
                       "--dps", "50", "--json")
    import mpmath

    with mpmath.workdps(60):
        ref = mpmath.log(19) / 2
        assert abs(mpmath.mpf(json.loads(out)["value"]) - ref) < mpmath.mpf(10) ** -48


@pytest.mark.parametrize("argv,needle", [
    (["s=2", "tau=1", "u0=-1", "t=3"], "'u0' = -1 is outside its domain (0, inf)"),
    (["s=2", "tau=1", "t=3"], "missing parameter 'u0'"),
    (["s=2", "tau=1", "u0=1", "t=3", "w=1"], "unknown parameter(s) ['w']"),
    (["s=2", "tau=1", "u0=abc", "t=3"], "'u0' = 'abc' is not a number"),
    (["s=2", "tau=1", "u0=__import__('os')", "t=3"], "is not a number"),
    (["s=2", "tau=1", "u0=nan", "t=3"], "is not a number"),
])
def test_formula_bad_input(capsys, argv, needle):
    code, _, err = run(capsys, "formula", "saxe.u_sigmoid", *argv)
    assert code != 0
    assert needle in err


def test_unknown_formula_lists_close_matches(capsys):
    code, _, err = run(capsys, "formula", "saxe.u_sigmod", "s=1")
    assert code != 0 and "saxe.u_sigmoid" in err


def test_batch_from_file_vectorized(capsys, tmp_path):
    p = tmp_path / "pts.jsonl"
    p.write_text('{"s": 2, "tau": 1, "u0": 0.001, "t": 3}\n{"s": 1, "tau": 1, "u0": 0.5, "t": 0}\n')
    for backend in ("numpy", "torch", "mpmath"):
        code, out, _ = run(capsys, "formula", "saxe.u_sigmoid", "--batch", str(p), "--backend", backend)
        assert code == 0
        rows = [json.loads(line) for line in out.splitlines()]
        assert len(rows) == 2
        assert abs(float(rows[1]["value"]) - 0.5) < 1e-15
        assert abs(float(rows[0]["value"]) - 1.9757334871290929) < 1e-13


def test_batch_bad_line_names_the_line(capsys, tmp_path):
    p = tmp_path / "pts.jsonl"
    p.write_text('{"s": 2, "tau": 1, "u0": 0.001, "t": 3}\n{"s": 2, "tau": 1, "u0": -5, "t": 3}\n')
    code, _, err = run(capsys, "formula", "saxe.u_sigmoid", "--batch", str(p))
    assert code != 0 and "'u0'" in err


def test_show(capsys):
    for what, needle in (("latex", "\\frac"), ("sympy", "exp"), ("code", "def u_sigmoid(")):
        code, out, _ = run(capsys, "formula", "saxe.u_sigmoid", "--show", what)
        assert code == 0 and needle in out


def test_list_json(capsys):
    code, out, _ = run(capsys, "list", "--json")
    claims = json.loads(out)["claims"]
    ids = {c["id"] for c in claims}
    assert "saxe2013/eq10-12-sigmoid" in ids
    assert all(c["source"] and c["tiers"] and c["location"] for c in claims)


def test_verify_unknown_prefix_lists_close_matches(capsys):
    code, _, err = run(capsys, "verify", "saxe2031", "--no-json")
    assert code != 0 and "saxe2013" in err


def test_verify_writes_json_and_reports_errata(capsys, tmp_path):
    out_file = tmp_path / "r.json"
    code, out, _ = run(capsys, "verify", "saxe2013/supA-eq25", "--tier", "exact", "--scale", "smoke",
                       "--device", "cpu", "--json", str(out_file), "--quiet")
    assert code == 0
    data = json.loads(out_file.read_text())
    statuses = {r["check"]: r["status"] for r in data["results"]}
    assert statuses["eq25"] == "erratum"
    r = next(r for r in data["results"] if r["check"] == "eq25")
    assert r["printed"]["passed"] is False and "2s - c0 sinh" in r["correction"]
    assert {"predicted", "measured", "error", "tolerance", "tolerance_rule", "seed", "device", "scale", "sizes",
            "seconds"} <= set(r)
    assert not list(tmp_path.glob(".*.tmp"))  # atomic write leaves no temporary file


def test_codegen_check_is_clean(capsys):
    code, out, _ = run(capsys, "codegen", "--check")
    assert code == 0, out


def test_console_script_runs():
    r = subprocess.run([sys.executable, "-m", "theorycheck.verify.cli", "formula", "--list"], capture_output=True, text=True)
    assert r.returncode == 0 and "saxe.u_sigmoid" in r.stdout


def test_verify_report_writes_markdown_results_and_figures(capsys, tmp_path):
    code, _, _ = run(capsys, "verify", "saxe2013/eq11", "--scale", "smoke", "--no-json", "--quiet",
                     "--report", str(tmp_path / "rep"))
    assert code == 0
    rep = (tmp_path / "rep" / "report.md").read_text()
    assert "saxe2013/eq11-timescale" in rep and "| passed |" in rep
    assert (tmp_path / "rep" / "results.json").exists()
    assert (tmp_path / "rep" / "saxe2013-fig3.png").stat().st_size > 10_000


def test_readme_claims_table_is_current(capsys):
    """The README's claims table is `theorycheck list --markdown`; regenerate it when claims change."""
    from pathlib import Path

    code, out, _ = run(capsys, "list", "--markdown")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    a = readme.index("<!-- claims-table:start -->") + len("<!-- claims-table:start -->")
    b = readme.index("<!-- claims-table:end -->")
    assert readme[a:b].strip() == out.strip(), "README claims table is stale: paste `theorycheck list --markdown`"
