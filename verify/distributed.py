"""Parallel and distributed ``theorycheck verify`` on Dask.

``theorycheck verify --jobs N`` (N >= 2) starts an embedded Dask ``LocalCluster`` of N worker processes
(one thread each) and runs the selected checks on it; ``--scheduler ADDRESS`` sends them to an existing
cluster (``dask scheduler`` and ``dask worker ADDRESS`` on any machines that have theorycheck installed).
``--jobs 1`` without ``--timeout`` keeps the in-process path of :func:`theorycheck.verify.runner.run`.

Guarantees (tests/test_distributed.py checks each on a real cluster):

* **Same results as a serial run.** A check is shipped as ``(claim id, check name, scale, device, seed)``
  and runs through the same :func:`runner.run_check` on the worker; every random number comes from
  ``Context.rng(offset)`` / ``Context.torch_generator(offset)``, i.e. from the run seed and a fixed
  per-check offset, never from the execution order or the process.  Results are reported in the
  serial order of the selection, whatever order they finish in.
* **Per-check timeouts.** At most one check per worker thread is dispatched at a time, so a check's
  clock starts when it is handed to the scheduler; a check that exceeds ``timeout`` seconds is reported
  as ``error`` ("timed out") and its worker is restarted (a thread cannot be interrupted; restarting the
  worker process through its nanny frees the slot).  Timeouts are not retried.
* **A dead worker loses only its check.** The embedded cluster's scheduler is configured with
  ``allowed-failures = 0``: when the worker running a check dies, the scheduler raises ``KilledWorker``
  for that check only; the dispatcher re-submits it once (on any live worker) and, if that attempt dies
  too, records it as ``error`` with the cause.  Results already finished live in the client and are
  never lost.  (An external scheduler applies its own ``allowed-failures`` first, default 3; start it
  with ``DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES=0`` for exactly one retry.)
* **Never hangs.** If the cluster has had no worker for ``no_worker_grace`` seconds, or the connection to
  the scheduler is lost, every unfinished check is recorded as ``error`` with that cause.
* **Shards.** A large simulation may split its work with :func:`map_shards` (seeds or grid blocks): on a
  worker the shards run as further Dask tasks in parallel, elsewhere one after the other; the results
  come back in shard order, so a reduction over them (in that order) is deterministic.

Worker processes must be able to import the same theorycheck: a task checks that the worker's
:func:`runner.code_version` equals the client's and reports a mismatch as ``error``.
"""
from __future__ import annotations

import contextlib
import importlib
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from distributed.diagnostics.plugin import WorkerPlugin

from theorycheck.verify.registry import Check, Claim, Result
from theorycheck.verify.runner import code_version, error_result, run_check

__all__ = ["cluster_client", "run_distributed", "map_shards", "ClusterError", "RunReport"]

# seconds without any worker before the unfinished checks are given up (an external cluster whose
# workers all died, or that never had any)
NO_WORKER_GRACE = 60.0
CONNECT_TIMEOUT = 20.0  # seconds to reach the scheduler of --scheduler
_POLL = 0.2  # seconds between looks at the running checks (timeouts, worker presence)


class ClusterError(RuntimeError):
    """The Dask cluster could not be started or reached (a clear message for the command line)."""


def _dask_config() -> dict:
    return {
        # a worker that dies while running a check fails that check at once (KilledWorker); the dispatcher
        # below retries it exactly once, the same for embedded and external clusters
        "distributed.scheduler.allowed-failures": 0,
        # no work stealing between queues: a check runs where it was scheduled (timeouts are per dispatch)
        "distributed.scheduler.work-stealing": False,
        # the nanny's memory limit would pause or kill a worker in the middle of a large simulation
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": False,
        "distributed.worker.memory.terminate": False,
    }


@contextlib.contextmanager
def cluster_client(jobs: int | None = None, scheduler: str | None = None, *, quiet: bool = True,
                   connect_timeout: float | None = None):
    """A ``distributed.Client``: of an embedded ``LocalCluster`` of ``jobs`` worker processes (one thread
    each, no dashboard, no memory limit), or connected to the scheduler at ``scheduler``.  Raises
    :class:`ClusterError` when the cluster cannot be started or reached."""
    import dask
    from distributed import Client, LocalCluster

    if (jobs is None) == (scheduler is None):
        raise ValueError("give exactly one of jobs (an embedded cluster) and scheduler (an existing one)")
    level = logging.ERROR if quiet else logging.WARNING
    connect_timeout = CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
    with dask.config.set(_dask_config()):
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout=connect_timeout)
            except (OSError, TimeoutError) as exc:
                raise ClusterError(f"--scheduler {scheduler!r}: cannot connect to a Dask scheduler there "
                                   f"within {connect_timeout:g} s ({type(exc).__name__}: {exc})") from None
            try:
                yield client
            finally:
                client.close()
            return
        if jobs < 1:
            raise ValueError(f"jobs = {jobs} must be a positive integer")
        try:
            cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None,
                                   memory_limit=0, silence_logs=level, host="127.0.0.1")
        except Exception as exc:
            raise ClusterError(f"cannot start a local Dask cluster of {jobs} worker processes "
                               f"({type(exc).__name__}: {exc})") from None
        try:
            client = Client(cluster)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()


def _run_one(claim_id: str, check_name: str, scale: str, device: str, seed: int, expect_version: str,
             modules: tuple[str, ...]) -> Result:
    """The task a worker runs: import the claims (and ``modules``), run one check as the serial path does."""
    for m in modules:
        importlib.import_module(m)
    # one Torch thread per worker process (Dask also sets OMP_NUM_THREADS=1): float reductions then run in
    # the same order as in a serial run with OMP_NUM_THREADS=1, and the results are bit-identical
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)
    mine = code_version()
    if mine != expect_version:
        raise RuntimeError(f"the worker runs theorycheck {mine}, the client {expect_version}: install the same "
                           f"code on every worker")
    from theorycheck.verify.registry import get_claim

    c = get_claim(claim_id)
    return run_check(c, c.check(check_name), scale, device, seed)


class _Warmup(WorkerPlugin):
    """A Dask worker plugin: import theorycheck's claims (and the extra ``modules``) when a worker starts,
    also a worker restarted after a death or a timeout, so that a check's clock does not run while its
    worker imports SymPy, Torch and the claim modules."""

    def __init__(self, modules: tuple[str, ...] = ()):
        self.modules = tuple(modules)

    def setup(self, worker=None):
        for m in self.modules:
            importlib.import_module(m)
        import torch  # noqa: F401  (the first import of Torch takes seconds)

        from theorycheck.verify.registry import load_all

        load_all()
        code_version()

    def teardown(self, worker=None):
        pass


def _warm_up(client, modules: tuple[str, ...]) -> None:
    try:
        client.register_plugin(_Warmup(modules), name=f"theorycheck-warmup-{'-'.join(modules) or 'claims'}")
    except Exception:  # e.g. theorycheck missing on a worker: each check then reports the cause itself
        pass


@dataclass
class RunReport:
    """What happened on the cluster besides the results: retried checks and their first failure."""

    retried: dict[str, str] = field(default_factory=dict)   # "claim/check" -> cause of the first failure
    timed_out: list[str] = field(default_factory=list)
    workers: int = 0


@dataclass
class _Task:
    index: int
    claim: Claim
    check: Check
    attempt: int = 0
    started: float = 0.0


def _is_killed_worker(exc: BaseException) -> bool:
    from distributed import KilledWorker

    return isinstance(exc, KilledWorker)


def run_distributed(client, todo: Sequence[tuple[Claim, Check]], *, scale: str, device: str, seed: int,
                    timeout: float | None = None, retries: int = 1, modules: Iterable[str] = (),
                    progress: Callable[[Claim, Check, Result | None], None] | None = None,
                    on_result: Callable[[Result], None] | None = None, interrupted: Callable[[], None] | None = None,
                    no_worker_grace: float = NO_WORKER_GRACE, report: RunReport | None = None) -> list[Result]:
    """Run the checks ``todo`` on the cluster of ``client``; return their results in the order of ``todo``.

    ``progress(claim, check, None)`` is called when a check is dispatched and ``progress(claim, check,
    result)`` when its result exists; ``on_result(result)`` too (e.g. to checkpoint the results file).
    ``interrupted()`` is polled and may raise ``KeyboardInterrupt``: the running checks are cancelled and
    the exception propagates (the finished results were already handed to ``on_result``).
    """
    from distributed import wait

    report = report if report is not None else RunReport()
    version = code_version()
    mods = tuple(modules)
    pending = deque(_Task(i, c, k) for i, (c, k) in enumerate(todo))
    inflight: dict = {}  # future -> _Task
    done: dict[int, Result] = {}
    no_worker_since: float | None = None
    _warm_up(client, mods)

    def finish(task: _Task, r: Result) -> None:
        done[task.index] = r
        if progress:  # the CLI collects the result here ...
            progress(task.claim, task.check, r)
        if on_result:  # ... and checkpoints the results file here
            on_result(r)

    def submit(task: _Task) -> None:
        key = f"theorycheck-{task.claim.id}:{task.check.name}-a{task.attempt}-{uuid.uuid4().hex[:8]}"
        fut = client.submit(_run_one, task.claim.id, task.check.name, scale, device, seed, version, mods,
                            key=key, pure=False, retries=0)
        task.started = time.monotonic()
        inflight[fut] = task

    def fail(task: _Task, why: str) -> None:
        finish(task, error_result(task.claim, task.check, scale, device, seed, why,
                                  seconds=time.monotonic() - task.started if task.started else 0.0))

    def give_up_all(why: str) -> None:
        for fut, task in list(inflight.items()):
            fut.cancel()
            fail(task, why)
        inflight.clear()
        while pending:
            fail(pending.popleft(), why)

    try:
        while pending or inflight:
            if interrupted:
                interrupted()
            try:
                workers = client.scheduler_info(n_workers=-1).get("workers", {})
            except Exception as exc:  # the scheduler is gone: nothing more can finish
                give_up_all(f"lost the connection to the Dask scheduler ({type(exc).__name__}: {exc})")
                break
            report.workers = max(report.workers, len(workers))
            slots = sum(int(w.get("nthreads", 1)) for w in workers.values())
            now = time.monotonic()
            if not workers:
                no_worker_since = no_worker_since or now
                if now - no_worker_since > no_worker_grace:
                    give_up_all(f"the Dask cluster had no worker for {no_worker_grace:g} s")
                    break
            else:
                no_worker_since = None
            while pending and len(inflight) < slots:  # one check per worker thread: its clock starts now
                task = pending.popleft()
                if progress:
                    progress(task.claim, task.check, None)
                submit(task)
            if not inflight:
                time.sleep(_POLL)
                continue
            try:
                wait(list(inflight), timeout=_POLL, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within the poll interval
                pass
            except Exception as exc:  # the client lost the scheduler while waiting
                give_up_all(f"lost the connection to the Dask scheduler ({type(exc).__name__}: {exc})")
                break
            finished = [f for f in inflight if f.done()]
            for fut in finished:
                task = inflight.pop(fut)
                if fut.status == "finished":
                    try:
                        finish(task, fut.result())
                    except Exception as exc:  # the result could not be transferred / unpickled
                        fail(task, f"the result could not be received from the worker ({type(exc).__name__}: {exc})")
                    continue
                try:
                    exc = fut.exception() if fut.status == "error" else None
                except Exception as e:  # the exception itself could not be fetched
                    exc = e
                cause = (f"{type(exc).__name__}: {exc}" if exc is not None else f"task {fut.status} by the cluster")
                retryable = exc is None or _is_killed_worker(exc)
                name = f"{task.claim.id}:{task.check.name}"
                if retryable and task.attempt < retries:
                    report.retried.setdefault(name, cause)
                    task.attempt += 1
                    pending.appendleft(task)  # before the others: a retry keeps its place in line
                elif retryable:
                    fail(task, f"the worker running this check died ({task.attempt + 1} attempts, retried "
                               f"{task.attempt}x); last cause: {cause}")
                else:
                    fail(task, f"the check could not run on the cluster: {cause}")
            if timeout is not None:
                now = time.monotonic()
                for fut, task in list(inflight.items()):
                    if now - task.started > timeout:
                        inflight.pop(fut)
                        _stop_runaway(client, fut)
                        report.timed_out.append(f"{task.claim.id}:{task.check.name}")
                        fail(task, f"timed out: the check did not finish within --timeout {timeout:g} s "
                                   f"(its worker was restarted)")
    except BaseException:
        for fut in inflight:
            fut.cancel()
        raise
    return [done[i] for i in sorted(done)]


def _stop_runaway(client, fut) -> None:
    """Cancel a timed-out check and restart the worker that runs it (a running thread cannot be stopped)."""
    key = fut.key
    try:
        busy = client.processing()
        holders = [w for w, keys in busy.items() if key in keys]
    except Exception:
        holders = []
    fut.cancel()
    if holders:
        def restart():
            try:
                client.restart_workers(holders, timeout=120, raise_for_error=False)
            except Exception:  # unreachable, or no nanny: its slot stays busy, the run goes on without it
                pass

        # in the background: the other checks go on while the nanny replaces the worker process
        threading.Thread(target=restart, name="theorycheck-restart-worker", daemon=True).start()


def map_shards(fn: Callable, shards: Sequence) -> list:
    """``[fn(s) for s in shards]``, in parallel on the cluster when called inside a check that runs on a
    Dask worker (the shards become tasks of their own; the calling task leaves its thread to them while
    it waits), else serially.  The results are returned in the order of ``shards``, whatever order they
    finish in, so reducing them in that order is deterministic.  ``fn`` must be a module-level function
    and every shard must carry its own seed (e.g. ``(ctx.seed, offset, shard_index)``), never rely on
    execution order.
    """
    shards = list(shards)
    try:
        from distributed import get_worker, worker_client

        get_worker()
    except (ImportError, ValueError):
        return [fn(s) for s in shards]
    with worker_client() as client:
        futures = client.map(fn, shards, pure=False)
        return client.gather(futures)
