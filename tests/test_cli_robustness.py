"""Hostile input to the command line: right values or a clear refusal (exit code 2, ``theorycheck: error:``
naming the parameter, its value and the valid domain), never a traceback, never a wrong value with exit 0.

Most tests run in-process through verify.cli.main; signals and pipes need the real console script.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest

from theorycheck.verify.cli import main

SIG = ["formula", "saxe.u_sigmoid"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def parse_error(capsys, *argv):
    """argparse refusals exit 2 through SystemExit."""
    with pytest.raises(SystemExit) as e:
        main(list(argv))
    _, err = capsys.readouterr()
    return e.value.code, err


# ------------------------------------------------------------------ numbers outside float64
@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("param,value", [("t", "1e400"), ("s", "1e-400"), ("u0", "1" + "0" * 400),
                                         ("s", "1e-310")])  # 1e-310 is subnormal: precision lost
def test_float_backends_refuse_values_outside_float64(capsys, backend, param, value):
    params = {"s": "2", "tau": "1", "u0": "0.001", "t": "1", param: value}
    code, out, err = run(capsys, *SIG, *[f"{k}={v}" for k, v in params.items()], "--backend", backend)
    assert code == 2 and out == ""
    assert err.startswith("theorycheck: error:")
    assert f"parameter {param!r} = {value}" in err and "not representable in float64" in err
    assert "1.7976931348623157e+308" in err and "2.2250738585072014e-308" in err


def test_mpmath_takes_values_beyond_float64_exactly(capsys):
    # u_sigmoid -> s as t -> inf (eq. (12)): at t = 1e400 the value is s to every digit shown
    code, out, _ = run(capsys, *SIG, "s=2", "tau=1", "u0=0.001", "t=1e400", "--backend", "mpmath", "--dps", "25")
    assert code == 0 and Fraction(out.strip()) == 2


def test_mpmath_cancellation_at_tiny_s_gives_the_right_value(capsys):
    # at t = 0 eq. (12) is u0 exactly; s/u0 + exp(0) - 1 cancels to 1e-97 (a ZeroDivisionError before)
    code, out, err = run(capsys, *SIG, "s=1e-100", "tau=1", "u0=0.001", "t=0", "--backend", "mpmath")
    assert code == 0, err
    assert Fraction(out.strip()) == Fraction(1, 1000)


def test_mpmath_unsettled_value_is_a_clear_refusal(capsys):
    # s = 1e-400 at t = 1 cancels ~400 digits, beyond the reference's guard digits: refused with the
    # parameters as given (no Fraction(1, 10**400) dump, no traceback) -- or right, if it ever settles
    code, out, err = run(capsys, *SIG, "s=1e-400", "tau=1", "u0=0.001", "t=1", "--backend", "mpmath")
    if code == 0:  # eq. (12), x = 2st/tau = 2s: s e^x/(s/u0 + e^x - 1) = u0/(1 + 2 u0) + O(s), 30 digits of ~1e-3
        assert abs(Fraction(out.strip()) - Fraction(1, 1000) / (1 + Fraction(2, 1000))) < Fraction(1, 10**32)
    else:
        assert code == 2 and "'s': '1e-400'" in err and "Fraction" not in err


@pytest.mark.parametrize("value,needle", [
    ("1e99999999999", "a nonzero magnitude must lie in [1e-1000, 1e1000]"),
    ("1e1001", "a nonzero magnitude must lie in [1e-1000, 1e1000]"),
    ("-1" + "0" * 1001, "a nonzero magnitude must lie in [1e-1000, 1e1000]"),
    ("1/" + "1" * 1002, "a nonzero magnitude must lie in [1e-1000, 1e1000]"),
    ("1" * 5000, "more than 4300 digits"),
    ("٣", "is not a number"),          # non-ASCII digits are not numbers here
    ("", "is not a number"),
    ("inf", "is not a number"),
    ("-Infinity", "is not a number"),
    ("1/0", "is not a number"),
    ("0x10", "is not a number"),
])
def test_hostile_number_text(capsys, value, needle):
    t0 = time.perf_counter()
    code, out, err = run(capsys, *SIG, "s=2", "tau=1", f"u0={value}", "t=1", "--backend", "mpmath")
    assert time.perf_counter() - t0 < 10  # no 10**99999999999 being built
    assert code == 2 and out == "" and needle in err and "'u0'" in err


@pytest.mark.parametrize("argv,needle", [
    (["s=2", "tau=1", "u0", "t=1"], "'u0' is not of the form name=value"),
    (["s=2", "tau=1", "u0=1", "u0=2", "t=1"], "'u0' given twice"),
    (["s=2", "tau=1", "u0=1", "t=1", "ü=1"], "unknown parameter(s) ['ü']"),
    (["=1", "s=2", "tau=1", "u0=1", "t=1"], "unknown parameter(s) ['']"),
])
def test_malformed_assignments(capsys, argv, needle):
    code, _, err = run(capsys, *SIG, *argv)
    assert code == 2 and needle in err


def test_unknown_formula_id_unicode_and_empty(capsys):
    for fid in ("saxe.ü", "", "x" * 10_000):
        code, _, err = run(capsys, "formula", fid, "s=1")
        assert code == 2 if fid else code == 0  # an empty id lists the formulas
        if fid:
            assert err.startswith("theorycheck: error:")


# -------------------------------------------------------------------------------- exact echo
def test_json_echoes_parameter_text_exactly(capsys):
    code, out, _ = run(capsys, *SIG, "s=2", "tau=1.50", "u0=1/3", "t=1e-3", "--backend", "mpmath", "--json")
    assert code == 0
    assert json.loads(out)["params"] == {"s": "2", "tau": "1.50", "u0": "1/3", "t": "1e-3"}


# ------------------------------------------------------------------------------------ --batch
def write(tmp_path, text, name="b.jsonl"):
    p = tmp_path / name
    if isinstance(text, bytes):
        p.write_bytes(text)
    else:
        p.write_text(text)
    return str(p)


@pytest.mark.parametrize("backend", ["numpy", "torch", "mpmath"])
def test_batch_reports_bad_lines_by_line_number_and_evaluates_the_rest(capsys, tmp_path, backend):
    lines = ['{"s": 2, "tau": 1, "u0": 0.5, "t": 0}',       # 1: u(0) = u0 = 0.5
             '{"s": -2, "tau": 1, "u0": 0.5, "t": 0}',      # 2: s outside (0, inf)
             '',                                            # 3: blank, skipped silently
             'not json',                                    # 4
             '[1, 2]',                                      # 5: not an object
             '{"s": 2, "tau": 1, "u0": 0.25, "t": 0}',      # 6: u(0) = 0.25
             '{"s": 2, "tau": 1, "u0": 0.25, "t": true}',   # 7: not a number
             '{"s": 2, "tau": 1, "u0": 0.25, "t": "nan"}',  # 8
             '{"s": 2, "tau": 1, "u0": 0.25, "zz": 1}']     # 9: unknown parameter
    p = write(tmp_path, "\n".join(lines) + "\n")
    code, out, err = run(capsys, *SIG, "--batch", p, "--backend", backend)
    assert code == 2
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["params"]["u0"] for r in rows] == ["0.5", "0.25"]
    assert [Fraction(r["value"]) for r in rows] == [Fraction(1, 2), Fraction(1, 4)]
    bad = sorted(int(x.split(" line ")[1].split(":")[0]) for x in err.splitlines() if " line " in x)
    assert bad == [2, 4, 5, 7, 8, 9]
    assert "line 2: saxe.u_sigmoid: parameter 's' = -2 is outside its domain (0, inf)" in err
    assert "6 bad line(s) skipped, 2 evaluated" in err


def test_batch_kernel_refusal_isolates_the_row(capsys, tmp_path, monkeypatch):
    """If the vectorized kernel refuses the vector (a rounding-level domain failure), each row is
    evaluated on its own so that only the refused row is reported."""
    from theorycheck.numeric import DomainError
    from theorycheck.verify import formulas

    real = formulas.generated_function

    def picky(f, backend):
        fn = real(f, backend)

        def g(s, tau, u0, t):
            if (t == 7).any():
                raise DomainError("t = 7 refused by the kernel")
            return fn(s, tau, u0, t)
        return g

    monkeypatch.setattr(formulas, "generated_function", picky)
    p = write(tmp_path, '{"s": 2, "tau": 1, "u0": 0.5, "t": 0}\n{"s": 2, "tau": 1, "u0": 0.5, "t": 7}\n')
    code, out, err = run(capsys, *SIG, "--batch", p)
    assert code == 2 and len(out.splitlines()) == 1 and "line 2: t = 7 refused" in err


def test_kernel_crash_is_a_refused_row_not_a_traceback(capsys, tmp_path, monkeypatch):
    from theorycheck.verify import formulas

    def broken(f, backend):
        def g(*cols):
            raise MemoryError("Unable to allocate 449. PiB")
        return g

    monkeypatch.setattr(formulas, "generated_function", broken)
    code, out, err = run(capsys, *SIG, "s=2", "tau=1", "u0=0.5", "t=0")
    assert code == 2 and out == "" and "kernel failed" in err and "MemoryError" in err and "a bug" in err


def test_internal_error_is_one_line_with_exit_70(capsys, monkeypatch):
    from theorycheck.verify import formulas

    monkeypatch.setattr(formulas, "evaluate_rows", lambda *a, **k: {}["boom"])
    monkeypatch.delenv("THEORYCHECK_TRACEBACK", raising=False)
    code, out, err = run(capsys, *SIG, "s=2", "tau=1", "u0=0.5", "t=0")
    assert code == 70 and "internal error: KeyError" in err and "Traceback" not in err
    monkeypatch.setenv("THEORYCHECK_TRACEBACK", "1")
    with pytest.raises(KeyError):
        main([*SIG, "s=2", "tau=1", "u0=0.5", "t=0"])


def test_batch_many_bad_lines_are_summarized(capsys, tmp_path):
    p = write(tmp_path, "x\n" * 100)
    code, out, err = run(capsys, *SIG, "--batch", p)
    assert code == 2 and out == ""
    assert err.count(": not JSON") == 20 and "80 more bad lines not shown" in err


@pytest.mark.parametrize("content,needle", [
    ("", "has no parameter sets"),
    ("\n  \n\n", "has no parameter sets"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not UTF-8 text"),
])
def test_batch_empty_or_binary_file(capsys, tmp_path, content, needle):
    code, out, err = run(capsys, *SIG, "--batch", write(tmp_path, content))
    assert code == 2 and out == "" and needle in err


def test_batch_missing_file_and_directory(capsys, tmp_path):
    code, _, err = run(capsys, *SIG, "--batch", str(tmp_path / "missing.jsonl"))
    assert code == 2 and "No such file or directory" in err and "missing.jsonl" in err
    code, _, err = run(capsys, *SIG, "--batch", str(tmp_path))
    assert code == 2 and "Is a directory" in err


def test_batch_endless_line_and_endless_garbage_stop_reading(capsys, tmp_path):
    p = write(tmp_path, b"0" * (2 << 20))  # like /dev/zero: no newline in sight
    code, out, err = run(capsys, *SIG, "--batch", p)
    assert code == 2 and out == "" and "line 1: longer than 1048576 bytes: stopped reading" in err
    p = write(tmp_path, "x\n" * 5000 + '{"s": 2, "tau": 1, "u0": 0.5, "t": 0}\n')
    code, out, err = run(capsys, *SIG, "--batch", p)
    assert code == 2 and out == "" and "line 1001: stopped reading after 1000 bad lines" in err


def test_batch_deeply_nested_json_line(capsys, tmp_path):
    p = write(tmp_path, "[" * 100_000 + "\n" + '{"s": 2, "tau": 1, "u0": 0.5, "t": 0}\n')
    code, out, err = run(capsys, *SIG, "--batch", p)
    assert code == 2 and "line 1: not JSON" in err and len(out.splitlines()) == 1


def test_batch_from_stdin_with_base_parameters(capsys, monkeypatch):
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"t": 0}\n{"t": 0, "u0": 0.125}\n')))
    code, out, _ = run(capsys, *SIG, "s=2", "tau=1", "u0=0.5", "--batch", "-")
    assert code == 0
    assert [Fraction(json.loads(x)["value"]) for x in out.splitlines()] == [Fraction(1, 2), Fraction(1, 8)]


# ----------------------------------------------------------------------------- option domains
@pytest.mark.parametrize("dps", ["0", "-3", "1001", "10000", "abc"])
def test_dps_outside_1_to_1000_refused(capsys, dps):
    code, err = parse_error(capsys, *SIG, "s=2", "tau=1", "u0=0.5", "t=0", "--backend", "mpmath", "--dps", dps)
    assert code == 2 and "--dps" in err and dps in err


def test_dps_1000_accepted(capsys):
    code, out, _ = run(capsys, *SIG, "s=2", "tau=1", "u0=1/3", "t=0", "--backend", "mpmath", "--dps", "1000")
    assert code == 0 and out.strip().startswith("0." + "3" * 999)


@pytest.mark.parametrize("cmd", [["verify", "saxe2013/eq11"], ["figure", "saxe2013-fig3"]])
@pytest.mark.parametrize("seed", ["-1", str(2**32), "1.5", ""])
def test_seed_outside_uint32_refused(capsys, cmd, seed):
    code, err = parse_error(capsys, *cmd, "--seed", seed)
    assert code == 2 and "--seed" in err and ("[0, 4294967295]" in err or "not an integer" in err)


# ------------------------------------------------------------------------ verify output paths
@pytest.mark.parametrize("make,needle", [
    (lambda d: "", "is not a file path"),
    (lambda d: str(d), "is a directory, not a file"),
    (lambda d: str(d / "afile" / "r.json"), "is not a directory"),
])
def test_verify_json_path_checked_before_running(capsys, tmp_path, monkeypatch, make, needle):
    (tmp_path / "afile").write_text("x")
    from theorycheck.verify import runner

    monkeypatch.setattr(runner, "run_check", lambda *a, **k: pytest.fail("ran checks before refusing the path"))
    code, _, err = run(capsys, "verify", "saxe2013/eq11", "--scale", "smoke", "--quiet", "--json", make(tmp_path))
    assert code == 2 and needle in err


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs a directory nobody can create files in")
def test_verify_unwritable_directory_checked_before_running(capsys, monkeypatch):
    # /proc refuses new files even to root (for whom os.access always says yes): a real probe is needed
    from theorycheck.verify import runner

    monkeypatch.setattr(runner, "run_check", lambda *a, **k: pytest.fail("ran checks before refusing the path"))
    code, _, err = run(capsys, "verify", "saxe2013/eq11", "--quiet", "--json", "/proc/theorycheck-results.json")
    assert code == 2 and "directory /proc is not writable" in err


def test_verify_report_path_checked_before_running(capsys, tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    from theorycheck.verify import runner

    monkeypatch.setattr(runner, "run_check", lambda *a, **k: pytest.fail("ran checks before refusing the path"))
    code, _, err = run(capsys, "verify", "saxe2013/eq11", "--no-json", "--quiet", "--report", str(tmp_path / "afile"))
    assert code == 2 and "is a file, not a directory" in err


def test_verify_json_and_no_json_conflict(capsys):
    code, err = parse_error(capsys, "verify", "--json", "x.json", "--no-json")
    assert code == 2 and "not allowed with" in err


def test_verify_interrupt_keeps_finished_results(capsys, tmp_path, monkeypatch):
    """Ctrl-C after two finished checks: summary of those two, results file with them, exit 130."""
    from theorycheck.verify import runner

    real, calls = runner.run_check, []

    def interrupting(*a, **k):
        calls.append(a)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(runner, "run_check", interrupting)
    out_file = tmp_path / "r.json"
    code, out, _ = run(capsys, "verify", "saxe2013/eq10-12", "--tier", "exact", "--scale", "smoke", "--quiet",
                       "--json", str(out_file))
    assert code == 130
    data = json.loads(out_file.read_text())
    assert len(data["results"]) == 2 and data["interrupted"]["finished"] == 2
    assert data["interrupted"]["selected"] > 3
    assert "interrupted" in out and "2 of" in out
    assert sum(data["counts"].values()) == 2


def test_verify_sigint_finishes_the_current_check_then_stops(capsys, tmp_path, monkeypatch):
    """A real SIGINT (to this process) during the third check: that check finishes, no fourth starts."""
    from theorycheck.verify import runner

    real, calls = runner.run_check, []

    def signalling(*a, **k):
        calls.append(a)
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGINT)
        return real(*a, **k)

    monkeypatch.setattr(runner, "run_check", signalling)
    out_file = tmp_path / "r.json"
    code, out, err = run(capsys, "verify", "saxe2013/eq10-12", "--tier", "exact", "--scale", "smoke", "--quiet",
                         "--json", str(out_file))
    assert code == 130 and len(calls) == 3
    assert len(json.loads(out_file.read_text())["results"]) == 3
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored


# -------------------------------------------------------------------------------- figure --out
def test_figure_out_without_suffix_names_the_written_file(capsys, tmp_path, monkeypatch):
    from theorycheck.verify import figures

    written = []
    monkeypatch.setattr(figures, "make_figure", lambda id, out, **k: written.append(out) or out)
    code, out, _ = run(capsys, "figure", "saxe2013-fig3", "--out", str(tmp_path / "name"))
    assert code == 0 and written == [tmp_path / "name.png"] and out.strip() == f"wrote {tmp_path / 'name.png'}"
    code, out, _ = run(capsys, "figure", "saxe2013-fig3", "--out", str(tmp_path))  # a directory
    assert code == 0 and written[-1] == tmp_path / "saxe2013-fig3.png"


@pytest.mark.parametrize("name,needle", [("f.txt", "unsupported figure format 'txt'"), ("", "is not a file path"),
                                         ("afile/f.png", "is not a directory")])
def test_figure_out_checked_before_the_work(capsys, tmp_path, monkeypatch, name, needle):
    from theorycheck.verify import figures

    (tmp_path / "afile").write_text("x")
    monkeypatch.setattr(figures, "make_figure", lambda *a, **k: pytest.fail("made the figure before refusing --out"))
    code, _, err = run(capsys, "figure", "saxe2013-fig3", "--out", str(tmp_path / name) if name else "")
    assert code == 2 and needle in err


def test_figure_svg_and_pdf_are_accepted(capsys, tmp_path, monkeypatch):
    from theorycheck.verify import figures

    monkeypatch.setattr(figures, "make_figure", lambda id, out, **k: out)
    for ext in ("svg", "pdf", "PNG"):
        code, out, _ = run(capsys, "figure", "saxe2013-fig3", "--out", str(tmp_path / f"f.{ext}"))
        assert code == 0, ext


def test_unknown_ids_everywhere(capsys):
    assert run(capsys, "figure", "nope-ü")[0] == 2
    assert run(capsys, "verify", "ü", "--no-json")[0] == 2
    code, err = parse_error(capsys, "list", "--bogus")
    assert code == 2


# ---------------------------------------------------------------- the real console script
def _script():
    exe = shutil.which("theorycheck")
    return [exe] if exe else [sys.executable, "-m", "theorycheck.verify.cli"]


def test_closed_pipe_is_quiet(tmp_path):
    p = tmp_path / "b.jsonl"
    p.write_text('{"s": 2, "tau": 1, "u0": 0.5, "t": 0}\n' * 5_000)  # ~0.6 MB of output: more than a pipe holds
    with subprocess.Popen(_script() + SIG + ["--batch", str(p)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as proc:
        first = proc.stdout.readline()
        proc.stdout.close()  # like `| head -1`
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert json.loads(first)["value"] == "0.5"
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 141


_SIGINT_CHILD = """
import sys
import time
from theorycheck.verify import runner
from theorycheck.verify.cli import main

real = runner.run_check


def announcing(*a, **k):  # tell the parent when the first check runs, and make that check last 3 s
    if announcing.first:
        announcing.first = False
        print("running", file=sys.stderr, flush=True)
        time.sleep(3)
    return real(*a, **k)


announcing.first = True


runner.run_check = announcing
sys.exit(main(["verify", "saxe2013/eq10-12", "--tier", "exact", "--scale", "smoke", "--quiet", "--json",
               sys.argv[1]]))
"""


def test_sigint_during_verify_writes_partial_results(tmp_path):
    """A real SIGINT to a subprocess while a check runs: that check finishes (a KeyboardInterrupt raised
    inside torch's C++ callbacks aborts the process), then partial summary, results file, exit 130."""
    out_file = tmp_path / "r.json"
    with subprocess.Popen([sys.executable, "-c", _SIGINT_CHILD, str(out_file)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr.readline().strip() == "running"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err[-2000:]
    assert "Traceback" not in err and "stopping after the current check" in err
    data = json.loads(out_file.read_text())
    assert data["interrupted"] == {"finished": 1, "selected": 4} and len(data["results"]) == 1
    assert "checks finished" in out
