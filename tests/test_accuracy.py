"""verify/accuracy.py and ``theorycheck accuracy``: deterministic sampling inside the domain (edges
included), errors in ulps recomputed independently with mpmath, a perturbed kernel fails its documented
bound, float32 is n/a for hand-written kernels, and the CLI's exit code and JSON follow the rows.
"""
from __future__ import annotations

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from theorycheck.symbolic.registry import get
from theorycheck.verify import accuracy as A
from theorycheck.verify.cli import main as cli_main
from theorycheck.verify.formulas import constraint_holds, generated_function


@pytest.mark.parametrize("fid", ["gauss.cov.leaky_relu", "saxe.t_learn", "meanfield.qstar.erf", "hermite.coeff.relu"])
def test_sample_points_are_deterministic_in_domain_and_include_edges(fid):
    f = get(fid)
    pts = A.sample_points(f, samples=5, seed=3)
    assert pts == A.sample_points(f, samples=5, seed=3)
    assert pts != A.sample_points(f, samples=5, seed=4)
    assert sum(lab == "random" for lab, _ in pts) == 5
    for _, v in pts:
        ex = {k: Fraction(x) for k, x in v.items()}
        assert all(p.contains(ex[p.name]) for p in f.params)
        assert all(constraint_holds(f, c, ex) for c in f.constraints)
    # every closed finite end point of a parameter appears (when the other parameters allow it)
    for p in f.params:
        for end, is_open in ((p.lower, p.lower_open), (p.upper, p.upper_open)):
            if end is not None and not is_open and not p.integer:
                assert any(v[p.name] == float(end) for _, v in pts), (p.name, end)


def _ulps_by_hand(fid, backend):
    """max error in ulps of the float64 kernel over the sampled points, recomputed here with mpmath."""
    f = get(fid)
    fn = generated_function(f, "numpy")
    worst = 0.0
    for _, v in A.sample_points(f, samples=4, seed=0):
        with mpmath.workdps(50):
            ref = mpmath.mpf(str(mpmath.nstr(A.evaluate_mpmath(f, {k: Fraction(x) for k, x in v.items()}, 40), 45)))
            got = float(fn(*[v[p.name] for p in f.params]))
            err = abs(mpmath.mpf(got) - ref) / (A.EPS * max(abs(ref), A.TINY64))
        worst = max(worst, float(err))
    return worst


def test_rows_for_closed_forms_pass_and_match_an_independent_ulps_computation():
    rows = A.accuracy_rows(["gauss.cov.erf", "gauss.norm2.erf"], samples=4, seed=0)
    assert [(r["formula"], r["backend"]) for r in rows] == [(fid, b) for fid in ("gauss.cov.erf", "gauss.norm2.erf")
                                                              for b in A.BACKENDS]
    for r in rows:
        assert r["status"] == "passed", r
        assert r["compared"] > 0 and r["max_ulps"] >= r["median_ulps"] >= 0
        assert r["worst_ratio"] <= 1
    for fid in ("gauss.cov.erf", "gauss.norm2.erf"):
        row = next(r for r in rows if r["formula"] == fid and r["backend"] == "numpy-f64")
        assert row["max_ulps"] == pytest.approx(_ulps_by_hand(fid, "numpy"), rel=1e-6, abs=1e-9)
    # float32 errors are measured in float32 ulps: a correct float32 evaluation is a few of them, and in
    # float64 ulps it would be ~2^29 times more
    f32 = next(r for r in rows if r["formula"] == "gauss.cov.erf" and r["backend"] == "torch-f32")
    assert 0 < f32["max_ulps"] < 100


def test_a_perturbed_kernel_fails_its_documented_bound(monkeypatch):
    real = A.generated_function

    def perturbed(f, backend):
        fn = real(f, backend)
        if backend != "numpy":
            return fn
        return lambda *xs: np.asarray(fn(*xs)) * (1 + 1e-9)

    monkeypatch.setattr(A, "generated_function", perturbed)
    rows = A.accuracy_rows(["gauss.cov.erf"], samples=3, seed=0)
    by = {r["backend"]: r for r in rows}
    assert by["numpy-f64"]["status"] == "failed" and by["numpy-f64"]["worst_ratio"] > 1
    assert by["numpy-f64"]["failures"] and by["numpy-f64"]["max_ulps"] > 1e5
    assert by["torch-f64"]["status"] == "passed"


def test_a_crashing_kernel_is_a_failure_not_a_refusal(monkeypatch):
    real = A.generated_function

    def crashing(f, backend):
        if backend == "torch":
            def boom(*xs):
                raise ZeroDivisionError("float division by zero")
            return boom
        return real(f, backend)

    monkeypatch.setattr(A, "generated_function", crashing)
    (row,) = [r for r in A.accuracy_rows(["saxe.t_learn"], samples=2) if r["backend"] == "torch-f64"]
    assert row["status"] == "failed" and "ZeroDivisionError" in row["errors"][0]["error"]


def test_hand_written_kernels_have_no_float32_column():
    rows = A.accuracy_rows(["meanfield.qstar.erf"], samples=2, seed=0)
    by = {r["backend"]: r for r in rows}
    assert by["torch-f32"]["status"] == "n/a" and by["torch-f32"]["compared"] == 0
    assert by["numpy-f64"]["compared"] > 0


def test_cli_accuracy_exit_code_and_json(tmp_path, capsys):
    out = tmp_path / "acc.json"
    rc = cli_main(["accuracy", "gauss.cov.relu", "saxe.u_sigmoid", "--samples", "2", "--json", str(out)])
    data = json.loads(out.read_text())
    failed = [r for r in data["rows"] if r["status"] == "failed"]
    assert rc == (1 if failed else 0)
    assert {r["formula"] for r in data["rows"]} == {"gauss.cov.relu", "saxe.u_sigmoid"}
    assert data["summary"]["failed_formulas"] == sorted({r["formula"] for r in failed})
    assert sum(data["summary"]["by_status"].values()) == len(data["rows"]) == 6
    assert "max ulps" in capsys.readouterr().out
    assert cli_main(["accuracy", "no.such.formula"]) == 2
    assert "unknown formula" in capsys.readouterr().err
    assert cli_main(["accuracy", "gauss.cov.relu", "--samples", "-1"]) == 2
