"""Benchmark: wall time of ``theorycheck verify --scale default`` at ``--jobs 1`` (in one process, the
baseline) beside ``--jobs 2`` (an embedded Dask LocalCluster of 2 worker processes), in the same run.

Each is a fresh ``theorycheck`` process, as a user runs it, with ``OMP_NUM_THREADS=1`` (so the two runs use
the same Torch thread count and their records are identical, which is asserted: the speed-up may not
change a result).  The cluster's start-up (spawning the workers, importing Torch, SymPy and the claims in
each) is part of the ``--jobs 2`` time.  The ratio is printed and stored in ``extra_info``.

Slow (two full default-scale runs, minutes each), so it runs only on request:

    THEORYCHECK_BENCH_JOBS=1 pytest benchmarks/bench_jobs.py --benchmark-enable -s

``THEORYCHECK_BENCH_JOBS_CLAIMS`` (space-separated ids or prefixes) restricts the selection.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(os.environ.get("THEORYCHECK_BENCH_JOBS") != "1",
                                reason="two full `verify --scale default` runs: set THEORYCHECK_BENCH_JOBS=1")


CPU: dict[int, float] = {}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished children and what they waited for
    return r.ru_utime + r.ru_stime


def _verify(jobs: int, out, claims: list[str]) -> float:
    env = dict(os.environ, OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "theorycheck.verify.cli", "verify", *claims, "--scale", "default", "--device", "cpu",
           "--quiet", "--json", str(out), "--jobs", str(jobs)]
    c0, t0 = _cpu(), time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    CPU[jobs] = _cpu() - c0
    assert r.returncode in (0, 1), r.stderr[-2000:]  # 1: a check failed; the timing still counts
    return wall


def _records(path):
    return [{k: v for k, v in r.items() if k != "seconds"} for r in json.loads(path.read_text())["results"]]


def test_bench_verify_default_jobs_1_vs_2(benchmark, tmp_path):
    claims = os.environ.get("THEORYCHECK_BENCH_JOBS_CLAIMS", "").split()
    serial = _verify(1, tmp_path / "j1.json", claims)
    parallel = benchmark.pedantic(_verify, args=(2, tmp_path / "j2.json", claims), rounds=1, iterations=1)
    a, b = _records(tmp_path / "j1.json"), _records(tmp_path / "j2.json")
    assert a == b  # the parallel run gives the serial run's records
    n = len(a)
    check_seconds = sum(r["seconds"] for r in json.loads((tmp_path / "j1.json").read_text())["results"])
    load = os.getloadavg()[0]
    benchmark.extra_info.update({"checks": n, "jobs1_wall_s": round(serial, 1), "jobs2_wall_s": round(parallel, 1),
                                 "speedup": round(serial / parallel, 2), "sum_check_seconds": round(check_seconds, 1),
                                 "jobs1_cpu_s": round(CPU[1], 1), "jobs2_cpu_s": round(CPU[2], 1),
                                 "load_average_1min": load})
    print(f"\nverify --scale default, {n} checks: --jobs 1 {serial:.1f} s wall ({CPU[1]:.0f} s CPU), --jobs 2 "
          f"{parallel:.1f} s wall ({CPU[2]:.0f} s CPU); speed-up {serial / parallel:.2f}x; the checks themselves took "
          f"{check_seconds:.1f} s in the serial run; load average at the end {load:.1f} (other processes share "
          f"the cores: under load, two processes get a larger share of the machine than one)")
