"""Parallel and distributed verify (verify/distributed.py) on real Dask clusters.

* a real ``LocalCluster`` of 2 worker processes gives exactly the records of the serial in-process run
  (every field but the timing), for exact, precise and simulation checks;
* a worker killed (SIGKILL, from outside) while it runs a check: the check is retried once and passes,
  the other results are kept; a check whose worker dies on every attempt is ``error`` with the cause;
* a check over its ``--timeout`` is ``error`` and the cluster goes on with the next checks;
* a cluster without workers gives every check up as ``error`` (the run never hangs);
* :func:`map_shards` gives the serial value from shards run as separate tasks;
* ``verify --jobs 2`` and ``--scheduler`` (a real ``dask scheduler`` + ``dask worker`` pair as
  subprocesses on localhost) write the same results file as ``--jobs 1``;
* ``--resume`` keeps the finished checks of an interrupted run (by code version, scale and seed).

The test-only checks live in a module written to a temporary directory that the workers import (the
claim is removed from the registry afterwards).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from theorycheck.verify import registry
from theorycheck.verify.cli import main
from theorycheck.verify.registry import get_claim
from theorycheck.verify.runner import code_version, run_check

pytestmark = [
    # distributed's own shutdown chatter (closed streams of killed workers) is not the code under test
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore:.*Port .* is already in use.*:UserWarning"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning:distributed"),
]

PLUGIN = "tc_dist_test_plugin"
TEST_CLAIM = "saxe2013/zz-test-distributed"

PLUGIN_SOURCE = '''
"""Test-only checks for tests/test_distributed.py (imported by the client and by every Dask worker)."""
import os
import signal
import time
from pathlib import Path

import numpy as np

from theorycheck.verify import tolerances as T
from theorycheck.verify.distributed import map_shards
from theorycheck.verify.registry import Outcome, claim

MARKS = Path(os.environ["TC_DIST_MARKS"])
C = claim("saxe2013/zz-test-distributed", "test only: worker deaths, timeouts, shards", "test")


@C.exact("killed-once-from-outside")
def _(ctx):
    """Writes its pid and sleeps on the first attempt (the test kills that process); passes on the retry."""
    first = MARKS / "victim.pid"
    if not first.exists():
        first.write_text(str(os.getpid()))
        time.sleep(60)
    (MARKS / "retry.pid").write_text(str(os.getpid()))
    return Outcome.bound(0.0, T.criterion(1.0, "test"))


@C.exact("dies-every-time")
def _(ctx):
    """Kills its own worker process on every attempt."""
    with open(MARKS / "deaths", "a") as fh:
        fh.write(f"{os.getpid()}\\n")
    os.kill(os.getpid(), signal.SIGKILL)


@C.exact("sleeps-forever")
def _(ctx):
    """Never finishes in time (for --timeout)."""
    time.sleep(3600)


def shard_sum(args):
    seed, i = args
    return float(np.random.default_rng([seed, 99, i]).standard_normal(20_000).sum()), os.getpid()


@C.simulation("sharded-sum", sizes={"smoke": {"shards": 4}, "default": {"shards": 4}, "paper": {"shards": 4}})
def _(ctx):
    """The sum of 4 x 20000 standard normals computed in 4 shards (seed per shard), reduced in shard order."""
    parts = map_shards(shard_sum, [(ctx.seed, i) for i in range(ctx.sizes["shards"])])
    total = 0.0
    for value, _pid in parts:
        total += value
    n = 20_000 * ctx.sizes["shards"]
    return Outcome.bound(abs(total) / n ** 0.5, T.criterion(6.0, "test: |sum|/sqrt(n) of normals < 6"),
                         measured=total, extra={"processes": len({pid for _, pid in parts})})
'''


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The test-only claim, importable by this process and by worker processes started from now on."""
    d = tmp_path_factory.mktemp("plugin")
    (d / f"{PLUGIN}.py").write_text(PLUGIN_SOURCE)
    marks = tmp_path_factory.mktemp("marks")
    mp = pytest.MonkeyPatch()
    mp.setenv("PYTHONPATH", os.pathsep.join([str(d)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    mp.setenv("TC_DIST_MARKS", str(marks))
    mp.syspath_prepend(str(d))
    import importlib

    importlib.import_module(PLUGIN)
    yield marks
    registry._CLAIMS.pop(TEST_CLAIM, None)
    sys.modules.pop(PLUGIN, None)
    mp.undo()


@pytest.fixture(scope="module")
def client(plugin):
    from theorycheck.verify.distributed import cluster_client

    with cluster_client(jobs=2) as c:
        c.wait_for_workers(2, timeout=120)
        yield c


def _todo(*ids):
    out = []
    for spec in ids:
        cid, _, name = spec.partition(":")
        c = get_claim(cid)
        out += [(c, k) for k in c.checks if not name or k.name == name]
    return out


def _strip(rec: dict) -> dict:
    d = dict(rec)
    d.pop("seconds")
    return d


SERIAL_SELECTION = ("saxe2013/eq11-timescale", "saxe2013/supA-eq25-theta-dynamics", "saxe2013/supG-qinf-sim")


def test_local_cluster_results_equal_the_serial_run(client, plugin):
    from theorycheck.verify.distributed import run_distributed

    todo = _todo(*SERIAL_SELECTION, f"{TEST_CLAIM}:sharded-sum")
    assert any(k.tier == "simulation" for _, k in todo) and any(k.tier == "exact" for _, k in todo)
    serial = [run_check(c, k, "smoke", "cpu", 3).as_dict() for c, k in todo]
    seen = []
    par = run_distributed(client, todo, scale="smoke", device="cpu", seed=3, modules=(PLUGIN,),
                          on_result=lambda r: seen.append(r.check))
    assert [(r.claim_id, r.check) for r in par] == [(c.id, k.name) for c, k in todo]  # serial order
    assert sorted(seen) == sorted(k.name for _, k in todo)
    for s, p in zip(serial, par):
        p = p.as_dict()
        if s["check"] == "sharded-sum":  # which processes ran the shards differs; the value may not
            s["extra"].pop("processes"), p["extra"].pop("processes")
        assert _strip(s) == _strip(p), s["check"]
    assert {r.status for r in par} <= {"passed", "erratum"}


def test_verify_on_a_running_cluster_writes_the_results_of_the_serial_run(capsys, tmp_path, client):
    """`verify --scheduler ADDRESS` through the command line, on the module's LocalCluster."""
    address = client.scheduler.address
    code1, _, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "j1.json"))
    code2, out, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "j2.json"), "--scheduler", address)
    assert code1 == code2 == 0
    assert f"scheduler {address}" in out
    a, b = _records(tmp_path / "j1.json"), _records(tmp_path / "j2.json")
    assert a == b and len(a) >= 4
    payload = json.loads((tmp_path / "j2.json").read_text())
    assert payload["scheduler"] == address and payload["code_version"] == code_version() and "partial" not in payload


def test_a_worker_killed_mid_check_is_retried_once_and_nothing_else_is_lost(client, plugin):
    from theorycheck.verify.distributed import RunReport, run_distributed

    todo = _todo("saxe2013/eq11-timescale", f"{TEST_CLAIM}:killed-once-from-outside", "saxe2013/eq14-17-deep-dynamics")
    victim = plugin / "victim.pid"

    def killer():
        for _ in range(1200):
            if victim.exists() and victim.read_text():
                time.sleep(0.3)
                os.kill(int(victim.read_text()), signal.SIGKILL)
                return
            time.sleep(0.05)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    rep = RunReport()
    res = run_distributed(client, todo, scale="smoke", device="cpu", seed=0, modules=(PLUGIN,), report=rep)
    t.join(5)
    by = {r.check: r for r in res}
    assert len(res) == len(todo)
    assert by["killed-once-from-outside"].status == "passed"
    assert int((plugin / "retry.pid").read_text()) != int(victim.read_text())  # the retry ran in a new process
    assert f"{TEST_CLAIM}:killed-once-from-outside" in rep.retried
    assert "KilledWorker" in rep.retried[f"{TEST_CLAIM}:killed-once-from-outside"]
    assert all(r.status in ("passed", "erratum") for r in res)


def test_timeout_is_an_error_and_the_cluster_goes_on(client, plugin):
    from theorycheck.verify.distributed import RunReport, run_distributed

    rep = RunReport()
    t0 = time.monotonic()
    (slow,) = run_distributed(client, _todo(f"{TEST_CLAIM}:sleeps-forever"), scale="smoke", device="cpu", seed=0,
                              timeout=2.0, modules=(PLUGIN,), report=rep)
    assert time.monotonic() - t0 < 120
    assert slow.status == "error" and "timed out" in slow.detail and "--timeout 2 s" in slow.detail
    assert slow.seconds >= 2.0 and slow.comparison is None
    assert rep.timed_out == [f"{TEST_CLAIM}:sleeps-forever"]
    ok = run_distributed(client, _todo("saxe2013/eq11-timescale"), scale="smoke", device="cpu", seed=0)
    assert ok and all(r.status == "passed" for r in ok)


@pytest.mark.slow  # two worker restarts (each imports Torch, SymPy and the claims again)
def test_a_check_whose_worker_always_dies_is_an_error_with_the_cause(client, plugin):
    from theorycheck.verify.distributed import run_distributed

    todo = _todo(f"{TEST_CLAIM}:dies-every-time", "saxe2013/eq11-timescale")
    res = run_distributed(client, todo, scale="smoke", device="cpu", seed=0, modules=(PLUGIN,))
    dead, ok = res[0], res[1:]
    assert dead.status == "error" and dead.comparison is None
    assert "died" in dead.detail and "KilledWorker" in dead.detail and "retried 1x" in dead.detail
    assert registry.derive_status(dead.as_dict()) == "error"
    assert len((plugin / "deaths").read_text().split()) == 2  # the first attempt and exactly one retry
    assert ok and all(r.status == "passed" for r in ok)


def test_a_cluster_without_workers_gives_up_instead_of_hanging(plugin):
    from distributed import Client, LocalCluster

    from theorycheck.verify.distributed import run_distributed

    todo = _todo("saxe2013/eq11-timescale")
    with LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster, Client(cluster) as c:
        t0 = time.monotonic()
        res = run_distributed(c, todo, scale="smoke", device="cpu", seed=0, no_worker_grace=1.0)
    assert time.monotonic() - t0 < 30
    assert [r.status for r in res] == ["error"] * len(todo)
    assert "no worker" in res[0].detail


def test_map_shards_is_serial_outside_a_worker():
    from theorycheck.verify.distributed import map_shards

    assert map_shards(abs, [-3, 2, -1]) == [3, 2, 1]


# --------------------------------------------------------------------------------------- the CLI
def _verify(capsys, *argv):
    code = main(["verify", *argv, "--scale", "smoke", "--device", "cpu", "--quiet"])
    out, err = capsys.readouterr()
    return code, out, err


def _records(path):
    return [_strip(r) for r in json.loads(Path(path).read_text())["results"]]


CLI_SELECTION = ("saxe2013/eq11-timescale", "saxe2013/supG-qinf-sim")


@pytest.mark.slow  # starts its own cluster of 2 fresh worker processes
def test_verify_jobs_2_writes_the_results_of_jobs_1(capsys, tmp_path):
    code1, _, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "j1.json"))
    code2, out, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "j2.json"), "--jobs", "2")
    assert code1 == code2 == 0
    assert "2 jobs" in out
    a, b = _records(tmp_path / "j1.json"), _records(tmp_path / "j2.json")
    assert a == b and len(a) >= 4
    payload = json.loads((tmp_path / "j2.json").read_text())
    assert payload["jobs"] == 2 and payload["code_version"] == code_version() and "partial" not in payload


def test_resume_keeps_the_finished_checks_of_an_interrupted_run(capsys, tmp_path, monkeypatch):
    from theorycheck.verify import runner

    sel = ("saxe2013/eq11-timescale", "saxe2013/supA-eq23-24-coordinates")
    real, calls = runner.run_check, []

    def interrupted_after_two(*a, **kw):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append((a[0].id, a[1].name))
        return real(*a, **kw)

    monkeypatch.setattr(runner, "run_check", interrupted_after_two)
    code, _, _ = _verify(capsys, *sel, "--json", str(tmp_path / "r.json"))
    assert code == 130
    first = json.loads((tmp_path / "r.json").read_text())
    assert first["interrupted"]["finished"] == 2 and len(first["results"]) == 2
    monkeypatch.setattr(runner, "run_check", lambda *a, **kw: (calls.append((a[0].id, a[1].name)), real(*a, **kw))[1])
    calls.clear()
    code, out, _ = _verify(capsys, *sel, "--json", str(tmp_path / "r.json"), "--resume", str(tmp_path / "r.json"))
    assert code == 0
    done = json.loads((tmp_path / "r.json").read_text())
    kept = {(r["claim_id"], r["check"]) for r in first["results"]}
    total = sum(len(get_claim(c).checks) for c in sel)
    assert len(done["results"]) == total and done["resumed"]["checks"] == 2
    assert len(calls) == total - 2 and not kept & set(calls)  # only the unfinished checks ran
    for r in done["results"]:  # the kept records are the recorded ones, timing included
        if (r["claim_id"], r["check"]) in kept:
            assert r == next(x for x in first["results"] if (x["claim_id"], x["check"]) == (r["claim_id"], r["check"]))
    assert "2 checks kept" in out


def test_resume_refuses_another_scale_seed_or_code(capsys, tmp_path):
    code, _, _ = _verify(capsys, "saxe2013/eq11-timescale", "--json", str(tmp_path / "r.json"))
    assert code == 0
    code, _, err = _verify(capsys, "saxe2013/eq11-timescale", "--no-json", "--seed", "5", "--resume", str(tmp_path / "r.json"))
    assert code == 2 and "seed 0" in err and "seed 5" in err
    p = json.loads((tmp_path / "r.json").read_text())
    p["code_version"] = "0.0.0+000000000000"
    (tmp_path / "old.json").write_text(json.dumps(p))
    code, _, err = _verify(capsys, "saxe2013/eq11-timescale", "--no-json", "--resume", str(tmp_path / "old.json"))
    assert code == 2 and "code changed" in err
    code, _, err = _verify(capsys, "saxe2013/eq11-timescale", "--no-json", "--jobs", "2", "--scheduler", "tcp://x:1")
    assert code == 2 and "exclude each other" in err


def _dask_cli() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.exists() else [shutil.which("dask") or "dask"]


scheduler_and_worker_procs: dict[str, list] = {}


@pytest.fixture
def scheduler_and_worker(tmp_path):
    """A real `dask scheduler` and `dask worker` on localhost, as subprocesses (the README's commands)."""
    env = dict(os.environ, DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="0")
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen(_dask_cli() + ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                             "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)]
    try:
        for _ in range(600):
            if sched_file.exists() and sched_file.stat().st_size:
                break
            time.sleep(0.1)
        address = json.loads(sched_file.read_text())["address"]
        procs.append(subprocess.Popen(_dask_cli() + ["worker", address, "--nthreads", "1", "--nworkers", "2",
                                                     "--no-dashboard", "--memory-limit", "0"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                      start_new_session=True))
        scheduler_and_worker_procs[address] = procs
        yield address
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait(10)


@pytest.mark.slow  # a scheduler and two fresh worker processes
def test_verify_on_a_dask_scheduler_and_worker_started_as_subprocesses(capsys, tmp_path, scheduler_and_worker):
    from distributed import Client

    with Client(scheduler_and_worker, timeout=60) as c:
        c.wait_for_workers(2, timeout=120)
    code1, _, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "s1.json"))
    code2, out, _ = _verify(capsys, *CLI_SELECTION, "--json", str(tmp_path / "s2.json"), "--scheduler", scheduler_and_worker)
    assert code1 == code2 == 0
    assert f"scheduler {scheduler_and_worker}" in out
    assert _records(tmp_path / "s1.json") == _records(tmp_path / "s2.json")
    assert json.loads((tmp_path / "s2.json").read_text())["scheduler"] == scheduler_and_worker


def test_verify_scheduler_unreachable_is_a_clear_error(capsys, tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT", "2s")
    from theorycheck.verify import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 3.0)
    code, _, err = _verify(capsys, "saxe2013/eq11-timescale", "--no-json", "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 2 and "cannot connect to a Dask scheduler" in err and str(port) in err


@pytest.mark.slow  # a scheduler and two fresh worker processes, then the scheduler is killed
def test_a_lost_scheduler_ends_the_run_with_errors_instead_of_hanging(plugin, scheduler_and_worker, tmp_path):
    from distributed import Client

    from theorycheck.verify.distributed import run_distributed

    procs = scheduler_and_worker_procs[scheduler_and_worker]
    todo = _todo(f"{TEST_CLAIM}:sleeps-forever", "saxe2013/eq11-timescale")
    finished = []
    with Client(scheduler_and_worker, timeout=60) as c:
        c.wait_for_workers(2, timeout=120)

        def kill_scheduler():
            time.sleep(5)
            os.killpg(procs[0].pid, signal.SIGKILL)

        threading.Thread(target=kill_scheduler, daemon=True).start()
        t0 = time.monotonic()
        res = run_distributed(c, todo, scale="smoke", device="cpu", seed=0, modules=(PLUGIN,),
                              on_result=finished.append)
        took = time.monotonic() - t0
    assert took < 240
    assert len(res) == len(todo)
    by = {r.check: r for r in res}
    assert by["sleeps-forever"].status == "error"
    assert "scheduler" in by["sleeps-forever"].detail or "no worker" in by["sleeps-forever"].detail
    assert all(r.status in ("passed", "error") for r in res) and len(finished) == len(todo)
