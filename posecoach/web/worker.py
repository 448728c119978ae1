"""Running analysis jobs: a bounded set of worker processes fed from the SQLite queue.

The supervisor (one thread in the server) claims queued jobs while fewer than `workers`
run, and starts each in its own fresh interpreter (`python -m posecoach.web.worker`,
not multiprocessing: nothing depends on how the server's main module was started): a
clip that crashes or hangs the decoder takes down only its own job. The worker writes progress (throttled), the
session and the final status to SQLite itself; the supervisor marks a job failed when
its process died without doing so. On shutdown running workers are stopped and their
jobs stay `running`, so the next start retries them once (see posecoach.web.jobs).
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from posecoach.errors import PoseCoachError
from posecoach.history import HistoryStore
from posecoach.limits import MediaLimits
from posecoach.web.jobs import Job, JobQueue, worker_name
from posecoach.web.probe import limits_env
from posecoach.web.settings import ServeSettings

log = logging.getLogger("posecoach.web")
PROGRESS_EVERY_S = 0.5
MAX_BACKOFF_S = 30.0     # the supervisor's longest wait between rounds while something fails
TIMEOUT_GRACE_S = 10.0   # a job past its limit gets this long to stop itself before it is killed


class ProgressFn(Protocol):
    def __call__(self, fraction: float, stage: str = "") -> None: ...


class JobRunner(Protocol):
    """Analyse one input and write its outputs into out_dir; return the report dict."""

    def __call__(self, input_path: Path, exercise: str, out_dir: Path,
                 progress: ProgressFn) -> dict[str, Any]: ...


def resolve_runner(ref: str | Callable[..., Any]) -> JobRunner:
    if callable(ref):
        return ref
    module, _, name = ref.partition(":")
    if not module or not name:
        raise ValueError(f"runner must be 'module:function', got {ref!r}")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


class JobTimedOut(PoseCoachError):
    pass


def timed_out(timeout_s: float) -> JobTimedOut:
    return JobTimedOut(f"the analysis took longer than the limit of {timeout_s / 60:g} min and was stopped",
                       "try a shorter clip (trim it to the exercise itself)")


class _Throttled:
    """Writes progress at most every PROGRESS_EVERY_S (and whenever the stage changes), and
    stops the job (JobTimedOut) once it is past its time limit: a runner reports progress
    often, so this ends even an in-process (thread) job; the supervisor kills a process
    that stops reporting."""

    def __init__(self, queue: JobQueue, job_id: str, timeout_s: float) -> None:
        self._queue, self._job_id, self._timeout_s = queue, job_id, timeout_s
        self._deadline = time.monotonic() + timeout_s
        self._last_t, self._stage = 0.0, ""

    def __call__(self, fraction: float, stage: str = "") -> None:
        now = time.monotonic()
        if now > self._deadline:
            raise timed_out(self._timeout_s)
        if stage == self._stage and now - self._last_t < PROGRESS_EVERY_S:
            return
        self._last_t, self._stage = now, stage
        self._queue.set_progress(self._job_id, min(fraction, 0.99), stage)


def remove_outputs(out_dir: Path) -> None:
    """A session's output folder and any half-written sibling (`.ID.partial-*` of an interrupted run)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    for leftover in out_dir.parent.glob(f".{out_dir.name}.*"):
        shutil.rmtree(leftover, ignore_errors=True)


@dataclass(frozen=True)
class JobOutcome:
    """What one analysis gave: the report, or the reason it failed (one of the two)."""

    report: dict[str, Any] | None = None
    error: str | None = None


def public_message(exc: PoseCoachError, input_path: Path, out_dir: Path, shown_name: str) -> str:
    """The error as the user may read it: their file's name, never the server's paths."""
    text = f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    for internal, shown in ((str(input_path), shown_name), (input_path.name, shown_name),
                            (str(out_dir), "the output folder"), (str(out_dir.parent.parent), "the server")):
        text = text.replace(internal, shown)
    return text


def log_failure(logs_dir: Path, job_id: str) -> str:
    """Write the current traceback to logs/<job id>.log under a new error id; returns the id."""
    error_id = uuid.uuid4().hex[:12]
    try:
        logs_dir.mkdir(parents=True, exist_ok=True)
        with open(logs_dir / f"{job_id}.log", "a") as log_file:
            log_file.write(f"error id {error_id} at {time.strftime('%Y-%m-%d %H:%M:%S')}\n{traceback.format_exc()}\n")
    except OSError:
        log.exception("error %s in job %s (its log file could not be written)", error_id, job_id)
    return error_id


def analyse(job_id: str, input_path: Path, exercise: str, out_dir: Path,
            runner_ref: str | Callable[..., Any], progress: ProgressFn, logs_dir: Path,
            passthrough: tuple[type[BaseException], ...] = (), shown_name: str = "the clip") -> JobOutcome:
    """The analysis step of a job, wherever it runs (a local worker process or a Redis worker):
    a clean output folder, the runner, and any failure turned into a reason for the job.
    `passthrough` exceptions are not the job's result but its runner's (RQ's time limit).
    The reason never carries exception text or server paths: an unexpected error is
    logged in logs/<job id>.log under an error id, and the reason shows only that id."""
    try:
        remove_outputs(out_dir)                          # a retry starts from a clean folder
        out_dir.mkdir(parents=True, exist_ok=True)
        runner = resolve_runner(runner_ref)
        return JobOutcome(report=runner(input_path, exercise, out_dir, progress))
    except PoseCoachError as exc:
        if isinstance(exc, JobTimedOut):
            remove_outputs(out_dir)
        return JobOutcome(error=public_message(exc, input_path, out_dir, shown_name))
    except passthrough:
        raise
    except Exception:  # noqa: BLE001 - any failure of one job is that job's result
        error_id = log_failure(logs_dir, job_id)
        return JobOutcome(error=f"the analysis failed unexpectedly (error id {error_id}; the server log "
                                "has the details)")


# The threshold-overrides file a worker process analyses with (set from `serve --config`
# for local workers; set it in a Redis worker's environment for `posecoach worker`).
CONFIG_ENV = "POSECOACH_CONFIG"


def this_worker() -> str:
    """The name a job's record shows for the process that ran it."""
    return worker_name(socket.gethostname(), os.getpid())


def run_job(db_path: str, job_id: str, runner_ref: str | Callable[..., Any], logs_dir: str,
            timeout_s: float | str = 30 * 60) -> None:
    """Worker entry point (a spawned process, or a thread with isolation='thread')."""
    queue, history = JobQueue(Path(db_path)), HistoryStore(db_path)
    job = queue.get(job_id)
    if job is None or job.status != "running":
        return
    queue.set_worker(job_id, this_worker())
    outcome = analyse(job_id, job.input_path, job.exercise, job.out_dir, runner_ref,
                      _Throttled(queue, job_id, float(timeout_s)), Path(logs_dir), shown_name=job.filename)
    if outcome.report is None:
        queue.fail(job_id, outcome.error or "the analysis ended without a result")
        return
    if queue.get(job_id) is None:                      # deleted while it ran
        remove_outputs(job.out_dir)
        return
    history.add_session(outcome.report, "upload", job.out_dir, session_id=job_id, created_at=job.created_at)
    queue.finish(job_id)


def main(argv: list[str]) -> int:
    """`python -m posecoach.web.worker DB_PATH JOB_ID RUNNER LOGS_DIR TIMEOUT_S`: run one job."""
    if len(argv) != 5:
        print("usage: python -m posecoach.web.worker DB_PATH JOB_ID RUNNER LOGS_DIR TIMEOUT_S", file=sys.stderr)
        return 2
    # Ctrl-C in the terminal reaches the whole process group: the server decides when a
    # worker stops (its job then counts as interrupted), so the worker ignores SIGINT...
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # ...and it never outlives the server (a killed server would otherwise leave it running
    # while the restarted one retries the same job).
    parent = os.getppid()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        run_job(*argv)
    except Exception:  # noqa: BLE001 - e.g. the database failed while recording the result
        log_failure(Path(argv[3]), argv[1])
        return 1       # the supervisor marks the job failed (exit code) once the database works
    return 0


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(3)


class _Process:
    """A worker interpreter, with the is_alive/exitcode/terminate surface of a Thread's peer."""

    def __init__(self, args: tuple[str, ...], limits: MediaLimits,
                 config_path: Path | None = None) -> None:
        env = {**os.environ, **limits_env(limits)}     # the runner decodes under the server's limits
        if config_path is not None:   # serve --config: the runner reads it (web/runner.py)
            env[CONFIG_ENV] = str(config_path)
        # The child imports what the parent can (e.g. a runner module found via sys.path).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        self._popen = subprocess.Popen([sys.executable, "-m", "posecoach.web.worker", *args],
                                       stdin=subprocess.DEVNULL, env=env)

    def is_alive(self) -> bool:
        return self._popen.poll() is None

    @property
    def exitcode(self) -> int | None:
        return self._popen.poll()

    def stop(self, timeout_s: float = 5.0) -> None:
        if self._popen.poll() is not None:
            return
        self._popen.terminate()
        try:
            self._popen.wait(timeout_s)
        except subprocess.TimeoutExpired:
            self._popen.kill()
            self._popen.wait(timeout_s)


@dataclass
class _Running:
    job_id: str
    handle: Any            # _Process or threading.Thread
    started: float = field(default_factory=time.monotonic)


class Supervisor:
    """Feeds queued jobs to at most `settings.workers` workers; see the module docstring.
    The embedded posecoach.web.backends.JobBackend (the default of `posecoach serve`)."""

    def __init__(self, settings: ServeSettings, queue: JobQueue) -> None:
        self._settings, self._queue = settings, queue
        self._running: dict[str, _Running] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        requeued, failed = self._queue.recover()
        if requeued or failed:
            log.info("recovered interrupted jobs: %d requeued, %d failed", len(requeued), len(failed))
        self._thread = threading.Thread(target=self._loop, name="posecoach-supervisor", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def check_available(self) -> None:
        """The local queue is this server's own database: always there when the server is."""

    def submit(self, job: Job) -> None:
        self.wake()

    def stop(self) -> None:
        """Stop feeding; stop running workers (their jobs are retried at the next start)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for r in running:
            self._terminate(r)

    def cancel(self, job_id: str) -> None:
        """Stop the worker of a job that is being deleted (threads just finish unnoticed)."""
        with self._lock:
            running = self._running.pop(job_id, None)
        if running is not None:
            self._terminate(running)

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def _terminate(self, running: _Running) -> None:
        handle = running.handle
        if isinstance(handle, threading.Thread):
            handle.join(timeout=5)
        else:
            handle.stop()

    def _loop(self) -> None:
        failing: str | None = None     # the error the last round failed with
        delay = self._settings.poll_s
        while not self._stop.is_set():
            try:
                self._reap()
                self._fill()
            except Exception as exc:  # noqa: BLE001 - the supervisor must survive a bad moment (e.g. a locked db)
                # One traceback per kind of failure, then quiet retries that back off to
                # MAX_BACKOFF_S: an unwritable database must not flood the log.
                summary = f"{type(exc).__name__}: {exc}"
                if summary != failing:
                    log.exception("job supervisor error (retrying every %g s at most until it clears)",
                                  MAX_BACKOFF_S)
                    failing = summary
                delay = min(max(delay, self._settings.poll_s) * 2, MAX_BACKOFF_S)
            else:
                if failing is not None:
                    log.warning("job supervisor working again after: %s", failing)
                failing, delay = None, self._settings.poll_s
            self._wake.wait(delay)
            self._wake.clear()

    def _reap(self) -> None:
        now = time.monotonic()
        timeout_s = self._settings.job_timeout_s
        with self._lock:
            finished = [r for r in self._running.values() if not r.handle.is_alive()]
            overdue = [r for r in self._running.values()
                       if r not in finished and now - r.started > timeout_s + min(TIMEOUT_GRACE_S, timeout_s)]
            for r in finished + overdue:
                del self._running[r.job_id]
        for r in overdue:                  # stopped reporting progress (e.g. a hung decoder): kill it
            self._terminate(r)
            job = self._queue.get(r.job_id)
            if job is not None:
                remove_outputs(job.out_dir)
                self._queue.fail(r.job_id, public_message(timed_out(timeout_s), job.input_path,
                                                          job.out_dir, job.filename))
        if self._stop.is_set():
            return                         # shutting down: unfinished jobs are retried at the next start
        for r in finished:
            code = getattr(r.handle, "exitcode", 0)
            if code:   # died without recording a result (crash, killed, out of memory)
                self._queue.fail(r.job_id, f"the analysis process stopped unexpectedly (exit code {code})")
            elif (job := self._queue.get(r.job_id)) is not None and job.status == "running":
                self._queue.fail(r.job_id, "the analysis ended without a result")

    def _fill(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if len(self._running) >= self._settings.workers:
                    return
            job = self._queue.claim_next()
            if job is None:
                return
            settings = self._settings
            args = (str(settings.db_path), job.id, settings.runner, str(settings.logs_dir),
                    str(settings.job_timeout_s))
            try:
                if settings.isolation == "thread":
                    handle: Any = threading.Thread(target=run_job, name=f"job-{job.id[:8]}", daemon=True,
                                                   args=args)
                    handle.start()
                else:
                    assert isinstance(settings.runner, str)
                    handle = _Process(args, settings.limits, settings.config_path)  # type: ignore[arg-type]
            except (OSError, RuntimeError):   # cannot start a process: fail this job, keep serving
                error_id = log_failure(settings.logs_dir, job.id)
                self._queue.fail(job.id, f"could not start the analysis (error id {error_id}); try again later")
                continue
            with self._lock:
                self._running[job.id] = _Running(job.id, handle)


if __name__ == "__main__":  # pragma: no cover - the worker process entry
    sys.exit(main(sys.argv[1:]))
