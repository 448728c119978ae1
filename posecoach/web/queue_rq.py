"""Analysis jobs on Redis Queue (RQ), for more than one machine: an opt-in (`pip install
posecoach[scale]`), the local SQLite queue staying the default. See docs/deploy.md.

- `posecoach serve --queue redis://HOST:PORT/DB --storage DIR`: RQBackend enqueues each upload
  on Redis and a collector thread copies what the workers report (RQ job status and meta)
  into the API node's SQLite job rows and history; the API node stays their only writer.
- `posecoach worker --queue redis://... --storage DIR`: run_worker takes jobs on any machine
  that mounts the same storage; each job runs `run_queued_analysis` in RQ's work horse (a
  fresh forked process), the same analysis step as the local worker (worker.analyse).

Paths travel relative to the storage root, because each machine may mount it elsewhere.
Every attempt is its own RQ job, `<job id>-<attempt>`, so a late result of a lost attempt
is never mistaken for the current one.

Lost workers: RQ itself notices a dead worker only after the job's timeout (minutes). Each
running job here holds a lease, a Redis key with a TTL that the work horse refreshes; when
it has lapsed (and stayed lapsed for half a lease, which covers a Redis restart) the
collector re-queues the job once and fails it with a reason the second time, as the local
queue does for interrupted jobs (jobs.MAX_ATTEMPTS).
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from posecoach.errors import ConfigError, QueueUnavailable
from posecoach.history import HistoryStore
from posecoach.web.jobs import MAX_ATTEMPTS, Job, JobQueue, worker_dict, worker_name
from posecoach.web.settings import DEFAULT_RUNNER, ServeSettings
from posecoach.web.worker import PROGRESS_EVERY_S, analyse, remove_outputs

if TYPE_CHECKING:   # the optional extra is imported only when a Redis queue is used
    from redis import Redis
    from rq.job import Job as RQJob

log = logging.getLogger("posecoach.web")

QUEUE_NAME = "posecoach-analyses"
KEY_PREFIX = "posecoach:"
DEFAULT_LEASE_S = 15.0
START_GRACE_S = 30.0            # RQ says "started" but the job function has not taken its lease yet
RESULT_TTL_S = 7 * 24 * 3600    # results wait this long for an API node that is down
COLLECT_EVERY_S = 0.5
FRESH_ROW_S = 5.0               # a queued row younger than this is still being enqueued by its upload
SCALE_HINT = "install the optional dependencies: pip install 'posecoach[scale]'"
# What `posecoach worker` hands its work horses (forked: they inherit the environment).
ENV_STORAGE, ENV_RUNNER, ENV_LEASE, ENV_WORKER = ("POSECOACH_STORAGE", "POSECOACH_RUNNER",
                                                  "POSECOACH_LEASE_S", "POSECOACH_WORKER")


def is_redis_url(value: str) -> bool:
    return urlsplit(value).scheme in ("redis", "rediss", "unix")


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def rq_job_id(job_id: str, attempt: int) -> str:
    return f"{job_id}-{attempt}"


def lease_key(rq_id: str) -> str:
    return f"{KEY_PREFIX}lease:{rq_id}"


def deleted_key(job_id: str) -> str:
    return f"{KEY_PREFIX}deleted:{job_id}"


def unreachable(url: str, exc: BaseException) -> QueueUnavailable:
    reason = str(exc).split("\n")[0].rstrip(".") or type(exc).__name__
    return QueueUnavailable(f"cannot reach Redis at {redacted(url)} ({reason})",
                            "start redis-server there, or check the host, port and password in --queue")


def connect(url: str, *, timeout_s: float | None = 5.0) -> Redis:
    """A client for the queue's Redis server, checked with a PING (raises ConfigError or
    QueueUnavailable: one line and a hint for the CLI, a 503 for an upload)."""
    try:
        import redis
        import rq  # noqa: F401 - fail here, not in the first job, when only redis is installed
    except ImportError as exc:
        raise ConfigError(f"--queue {redacted(url)} needs the '{exc.name}' package", SCALE_HINT) from exc
    try:
        conn = redis.Redis.from_url(url, socket_connect_timeout=5.0, socket_timeout=timeout_s,
                                    health_check_interval=30)
    except ValueError as exc:
        raise ConfigError(f"--queue: {exc}", "use redis://[:PASSWORD@]HOST:PORT/DB") from exc
    try:
        conn.ping()
    except redis.AuthenticationError as exc:
        raise QueueUnavailable(f"Redis at {redacted(url)} refused the password ({exc})",
                               "put the password of Redis' requirepass in the URL: "
                               "redis://:PASSWORD@HOST:PORT/DB") from exc
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        raise unreachable(url, exc) from exc
    except redis.ResponseError as exc:   # e.g. NOAUTH: a password is required
        raise QueueUnavailable(f"Redis at {redacted(url)} refused the connection ({exc})",
                               "put the password in the URL: redis://:PASSWORD@HOST:PORT/DB") from exc
    return conn


# ------------------------------------------------------------------ worker side
@dataclass(frozen=True)
class WorkerConfig:
    storage: Path
    runner: str
    lease_s: float
    name: str            # "host:pid" of the `posecoach worker` process

    def export(self) -> None:
        os.environ.update({ENV_STORAGE: str(self.storage), ENV_RUNNER: self.runner,
                           ENV_LEASE: str(self.lease_s), ENV_WORKER: self.name})

    @classmethod
    def from_env(cls) -> WorkerConfig:
        storage = os.environ.get(ENV_STORAGE)
        if not storage:
            raise ConfigError("this job runs only in `posecoach worker` (no storage folder is set)")
        return cls(Path(storage), os.environ.get(ENV_RUNNER, DEFAULT_RUNNER),
                   float(os.environ.get(ENV_LEASE, DEFAULT_LEASE_S)),
                   os.environ.get(ENV_WORKER) or worker_name(socket.gethostname(), os.getpid()))


class _Lease(threading.Thread):
    """Keeps the job's lease key alive while the job runs (a daemon thread in the work horse).

    The key is never deleted: it lapses by itself after the job, which by then is finished."""

    def __init__(self, conn: Redis, rq_id: str, lease_s: float) -> None:
        super().__init__(name="posecoach-lease", daemon=True)
        self._conn, self._key, self._lease_s = conn, lease_key(rq_id), lease_s
        self._stop_event = threading.Event()

    def renew(self) -> None:
        self._conn.set(self._key, "1", px=int(self._lease_s * 1000))

    def run(self) -> None:
        while not self._stop_event.wait(self._lease_s / 4):
            try:
                self.renew()
            except Exception:  # noqa: BLE001 - Redis away for a moment: the collector allows for it
                log.warning("could not renew the lease of %s", self._key)

    def stop(self) -> None:
        self._stop_event.set()


class _MetaProgress:
    """Progress into the RQ job's meta (throttled like the local worker's), best effort."""

    def __init__(self, rq_job: RQJob) -> None:
        self._job = rq_job
        self._last_t, self._stage = 0.0, ""

    def __call__(self, fraction: float, stage: str = "") -> None:
        now = time.monotonic()
        if stage == self._stage and now - self._last_t < PROGRESS_EVERY_S:
            return
        self._last_t, self._stage = now, stage
        self._job.meta.update(progress=min(max(float(fraction), 0.0), 0.99), stage=stage)
        try:
            self._job.save_meta()
        except Exception:  # noqa: BLE001 - a lost progress update must not fail the analysis
            log.warning("could not report progress of %s", self._job.id)


def _inside(storage: Path, relative: str) -> Path:
    path = (storage / relative).resolve()
    if not path.is_relative_to(storage.resolve()):
        raise ConfigError(f"job path {relative!r} leaves the storage folder")
    return path


def run_queued_analysis(job_id: str, exercise: str, input_rel: str, out_rel: str) -> dict[str, Any]:
    """The RQ job function: returns {"report": ...} or {"error": ...}, plus the worker's name."""
    from rq import get_current_job
    from rq.timeouts import JobTimeoutException

    rq_job = get_current_job()
    assert rq_job is not None, "run_queued_analysis runs inside an RQ worker"
    config = WorkerConfig.from_env()
    conn = rq_job.connection
    if conn.exists(deleted_key(job_id)):
        return {"error": "deleted before it ran", "worker": config.name}
    lease = _Lease(conn, rq_job.id, config.lease_s)
    lease.renew()                                   # the lease first, then the meta that names it
    rq_job.meta.update(worker=config.name, lease_s=config.lease_s, progress=0.0, stage="starting")
    rq_job.save_meta()
    lease.start()
    try:
        out_dir = _inside(config.storage, out_rel)
        outcome = analyse(job_id, _inside(config.storage, input_rel), exercise, out_dir,
                          config.runner, _MetaProgress(rq_job), config.storage / "logs",
                          passthrough=(JobTimeoutException,))
    finally:
        lease.stop()
    if conn.exists(deleted_key(job_id)):            # deleted while it ran
        remove_outputs(out_dir)
        return {"error": "deleted while it ran", "worker": config.name}
    return {"report": outcome.report, "error": outcome.error, "worker": config.name}


def run_worker(url: str, storage: Path, *, burst: bool = False, runner: str = DEFAULT_RUNNER,
               lease_s: float = DEFAULT_LEASE_S, say: Callable[[str], None] = log.warning) -> int:
    """`posecoach worker`: take jobs until stopped (or, with burst, until the queue is empty).
    `say` gets the start-up line and warnings (the CLI prints them).

    SIGTERM or Ctrl-C: RQ's warm shutdown, the current job finishes first; a second one stops
    it at once (and its lease lapses, so the API node re-queues it)."""
    import redis
    from rq import Queue, Worker

    conn = connect(url, timeout_s=None)
    config = WorkerConfig(storage.expanduser().resolve(), runner, lease_s,
                          worker_name(socket.gethostname(), os.getpid()))
    config.export()
    until = " (until the queue is empty)" if burst else " (Ctrl-C finishes the current job, then stops)"
    say(f"posecoach worker {config.name}: jobs from {redacted(url)}, storage {config.storage}{until}")
    while True:
        worker = Worker([Queue(QUEUE_NAME, connection=conn)], connection=conn)
        try:
            worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
            return 0
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # RQ waits out a lost connection while idle; one lost in the middle of a job ends
            # work(): start again (the job's lease lapses and the API node re-queues it).
            say(f"posecoach: warning: {unreachable(url, exc).message}; retrying in 5 s")
            time.sleep(5.0)
            if burst:
                return 1


# ------------------------------------------------------------------ API side
def _failure_reason(rq_job: RQJob) -> tuple[str, bool]:
    """(why an RQ job failed, whether its run was lost rather than failed), from RQ's text."""
    result = rq_job.latest_result()
    text = ((result.exc_string if result is not None else None) or "").strip()
    if "JobTimeoutException" in text:
        return f"the analysis took longer than the limit of {_duration(rq_job.timeout)}", False
    if "AbandonedJobError" in text:
        return "its worker stopped while it ran", True
    if "Work-horse terminated unexpectedly" in text:   # crashed, killed, out of memory: as locally
        return "the analysis process stopped unexpectedly", False
    last = text.splitlines()[-1] if text else "no reason given"
    return f"the analysis failed on its worker: {last[:200]}", False


class RQBackend:
    """The API node's side of the Redis queue (a posecoach.web.backends.JobBackend)."""

    def __init__(self, settings: ServeSettings, queue: JobQueue, history: HistoryStore) -> None:
        assert settings.queue_url is not None
        self._settings, self._queue, self._history = settings, queue, history
        self._url = settings.queue_url
        self._conn: Redis | None = None
        self._lapsed_since: dict[str, float] = {}     # rq id -> when its lease was first seen lapsed
        self._reported: dict[str, tuple[float, str]] = {}   # rq id -> progress last written
        self._down = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- JobBackend
    def start(self) -> None:
        import redis

        if self._conn is None:
            self._conn = redis.Redis.from_url(self._url, socket_connect_timeout=3.0, socket_timeout=5.0,
                                              health_check_interval=30)
        self._thread = threading.Thread(target=self._loop, name="posecoach-rq-collector", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop collecting; jobs go on running on the workers and are collected at the next start."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def check_available(self) -> None:
        try:
            self._redis().ping()
        except Exception as exc:  # noqa: BLE001 - any failure to talk to Redis means "not now"
            raise self._unavailable(exc) from exc

    def submit(self, job: Job) -> None:
        try:
            self._enqueue(job, attempt=job.attempts + 1)
        except Exception as exc:  # noqa: BLE001
            raise self._unavailable(exc) from exc

    def cancel(self, job_id: str) -> None:
        from rq.command import send_stop_job_command
        from rq.job import Job as RQJob

        job = self._queue.get(job_id)
        if job is None:
            return
        conn = self._redis()
        try:
            conn.set(deleted_key(job_id), "1", ex=RESULT_TTL_S)
            for attempt in range(1, MAX_ATTEMPTS + 1):
                rq_job = RQJob.fetch_many([rq_job_id(job_id, attempt)], connection=conn)[0]
                if rq_job is None:
                    continue
                if rq_job.get_status() == "started":
                    send_stop_job_command(conn, rq_job.id)
                else:
                    rq_job.delete()
        except Exception:  # noqa: BLE001 - the deleted mark, when it got there, stops the rest
            log.warning("could not cancel job %s on Redis", job_id)

    # -- internals
    def _redis(self) -> Redis:
        assert self._conn is not None, "start() first"
        return self._conn

    def _unavailable(self, exc: BaseException) -> QueueUnavailable:
        log.warning("Redis at %s: %s", redacted(self._url), exc)
        return QueueUnavailable(f"the job queue (Redis at {redacted(self._url)}) cannot be reached, so "
                                "the upload was not kept", "try again in a minute; if it keeps failing, the "
                                "server's admin should check Redis")

    def _enqueue(self, job: Job, attempt: int) -> None:
        from rq import Queue

        root = self._settings.storage_root
        Queue(QUEUE_NAME, connection=self._redis()).enqueue(
            run_queued_analysis, job.id, job.exercise, str(job.input_path.relative_to(root)),
            str(job.out_dir.relative_to(root)), job_id=rq_job_id(job.id, attempt),
            job_timeout=math.ceil(self._settings.job_timeout_s), result_ttl=RESULT_TTL_S, failure_ttl=RESULT_TTL_S,
            description=f"posecoach analysis {job.id} attempt {attempt} ({job.exercise})")

    def _loop(self) -> None:
        import redis

        every = max(self._settings.poll_s, COLLECT_EVERY_S)
        while not self._stop.wait(every):
            try:
                self.collect()
                if self._down:
                    log.warning("Redis at %s is back", redacted(self._url))
                    self._down = False
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if not self._down:
                    log.warning("Redis at %s cannot be reached (%s); jobs wait until it is back",
                                redacted(self._url), exc)
                self._down = True
                self._lapsed_since.clear()    # leases could not be renewed meanwhile: count afresh
            except Exception:  # noqa: BLE001 - the collector must survive a bad moment
                log.exception("job collector error")

    def collect(self) -> None:
        """One pass: bring every queued or running job's row up to date with Redis."""
        from rq.job import Job as RQJob

        jobs = self._queue.active()
        if not jobs:
            return
        conn = self._redis()
        ids = [rq_job_id(j.id, j.attempts + (1 if j.status == "queued" else 0)) for j in jobs]
        rq_jobs = RQJob.fetch_many(ids, connection=conn)
        with conn.pipeline(transaction=False) as pipe:
            for rq_id in ids:
                pipe.exists(lease_key(rq_id))
            leases = [bool(n) for n in pipe.execute()]
        for job, rq_job, leased in zip(jobs, rq_jobs, leases, strict=True):
            self._sync(job, rq_job, leased)

    def _sync(self, job: Job, rq_job: RQJob | None, leased: bool) -> None:
        if job.status == "queued":
            if rq_job is None:
                # Redis lost it (no persistence), or submit() failed after the row was added. A
                # row this fresh may be one an upload is enqueuing right now: leave it to that.
                if time.time() - job.updated_at >= FRESH_ROW_S:
                    log.warning("job %s was missing from Redis; queued again", job.id)
                    self._enqueue(job, attempt=job.attempts + 1)
                return
            if rq_job.get_status(refresh=False) in ("queued", "deferred", "scheduled"):
                return
            self._queue.start(job.id, rq_job.meta.get("worker"))
            job = self._queue.get(job.id) or job
        if rq_job is None:
            self._lost(job, "its run was lost on Redis")
            return
        status = rq_job.get_status(refresh=False)
        if status == "finished":
            self._finished(job, rq_job)
        elif status == "failed":
            reason, lost = _failure_reason(rq_job)
            self._lost(job, reason) if lost else self._fail(job, reason)
        elif status in ("stopped", "canceled"):
            self._fail(job, "the analysis was stopped on its worker")
        elif status == "started":
            self._running(job, rq_job, leased)

    def _running(self, job: Job, rq_job: RQJob, leased: bool) -> None:
        meta = rq_job.meta
        if meta.get("worker") and meta["worker"] != job.worker:
            self._queue.set_worker(job.id, meta["worker"])
        shown = (float(meta.get("progress", 0.0)), str(meta.get("stage", "")))
        if self._reported.get(rq_job.id) != shown:
            self._queue.set_progress(job.id, *shown)
            self._reported[rq_job.id] = shown
        if leased:
            self._lapsed_since.pop(rq_job.id, None)
            return
        lapsed_at = self._lapsed_since.setdefault(rq_job.id, time.monotonic())
        lease_s = meta.get("lease_s")
        grace = float(lease_s) / 2 if lease_s else START_GRACE_S
        if time.monotonic() - lapsed_at >= grace:
            self._lost(job, "its worker stopped responding")

    def _finished(self, job: Job, rq_job: RQJob) -> None:
        result = rq_job.return_value()
        result = result if isinstance(result, dict) else {}
        report = result.get("report")
        if result.get("worker"):
            self._queue.set_worker(job.id, result["worker"])
        if report is None:
            self._fail(job, str(result.get("error") or "the analysis ended without a result"))
            return
        self._history.add_session(report, "upload", job.out_dir, session_id=job.id, created_at=job.created_at)
        self._queue.finish(job.id)
        self._forget(job)

    def _fail(self, job: Job, reason: str) -> None:
        self._queue.fail(job.id, reason)
        self._forget(job)

    def _lost(self, job: Job, why: str) -> None:
        """A run that ended without a result: once more on another worker, then a failure."""
        from rq.command import send_stop_job_command

        old = rq_job_id(job.id, job.attempts)
        self._forget(job)
        with_worker = f"{why} ({_shown(job.worker)})" if job.worker else why
        try:                                  # a worker that is only slow to renew stops its run
            send_stop_job_command(self._redis(), old)
        except Exception:  # noqa: BLE001 - most often the worker is gone: nothing to stop
            pass
        if job.attempts < MAX_ATTEMPTS:
            log.warning("job %s: %s; queued again", job.id, with_worker)
            self._queue.requeue(job.id, f"retrying: {why}")
            self._enqueue(job, attempt=job.attempts + 1)
            return
        self._fail(job, f"{with_worker}, {MAX_ATTEMPTS} times; not retried again - upload the clip "
                        "again to retry")

    def _forget(self, job: Job) -> None:
        rq_id = rq_job_id(job.id, job.attempts)
        self._reported.pop(rq_id, None)
        self._lapsed_since.pop(rq_id, None)


def _duration(seconds: float | None) -> str:
    if not seconds or seconds < 0:
        return "the job time limit"
    return f"{seconds / 60:g} minutes" if seconds >= 120 else f"{seconds:g} s"


def _shown(worker: str | None) -> str:
    info = worker_dict(worker)
    return f"worker {info['host']} pid {info['pid']}" if info else "unknown worker"
