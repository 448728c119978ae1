"""The analysis queue: one SQLite row per uploaded clip (same file as the history, WAL mode).

Life of a job: queued -> running -> done | failed. `attempts` counts starts. A job found
`running` when the server starts was interrupted (the server stopped or crashed): it is
queued again once, and failed with a reason when that happens a second time. The same
rows are the API's record of jobs that run on Redis (posecoach.web.queue_rq): there the
API node alone writes them, from what the workers report through Redis.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import ConfigError
from posecoach.history import open_db

STATUSES = ("queued", "running", "done", "failed")
MAX_ATTEMPTS = 2   # the first run + one retry after an interruption

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    stage TEXT NOT NULL DEFAULT '',
    exercise TEXT NOT NULL,
    filename TEXT NOT NULL,
    input_path TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    worker TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
"""


@dataclass(frozen=True)
class Job:
    id: str
    created_at: float
    updated_at: float
    status: str
    progress: float
    stage: str
    exercise: str           # as requested (may be "auto")
    filename: str           # the client's name, for display only; never used as a path
    input_path: Path
    out_dir: Path
    attempts: int
    error: str | None
    worker: str | None = None   # "host:pid" of the process that ran (or runs) the analysis

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "progress": round(self.progress, 3),
                "stage": self.stage, "exercise": self.exercise, "filename": self.filename,
                "created_at": self.created_at, "updated_at": self.updated_at,
                "attempts": self.attempts, "error": self.error, "worker": worker_dict(self.worker)}


def worker_name(host: str, pid: int) -> str:
    return f"{host}:{pid}"


def worker_dict(name: str | None) -> dict[str, Any] | None:
    """"host:pid" as {"host": ..., "pid": ...} for the API (None before a worker took the job)."""
    if not name:
        return None
    host, _, pid = name.rpartition(":")
    return {"host": host, "pid": int(pid)} if pid.isdigit() else {"host": name, "pid": None}


def _job(row: Any) -> Job:
    return Job(id=row["id"], created_at=row["created_at"], updated_at=row["updated_at"],
               status=row["status"], progress=row["progress"], stage=row["stage"],
               exercise=row["exercise"], filename=row["filename"], input_path=Path(row["input_path"]),
               out_dir=Path(row["out_dir"]), attempts=row["attempts"], error=row["error"],
               worker=row["worker"])


def damaged_database(db_path: Path, exc: BaseException) -> ConfigError:
    return ConfigError(f"the database {db_path} is damaged ({exc})",
                       f"move it aside (mv {db_path} {db_path}.damaged) and start again: a new, empty "
                       "history begins; uploads and session folders are kept")


class JobQueue:
    def __init__(self, db_path: Path, verify: bool = False) -> None:
        """verify: also run SQLite's quick integrity check (the server does, once at start-up)."""
        self._db_path = db_path
        try:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            with open_db(db_path) as conn:
                conn.executescript(_SCHEMA)
                columns = {r["name"] for r in conn.execute("PRAGMA table_info(jobs)")}
                if "worker" not in columns:        # a database from before jobs named their worker
                    conn.execute("ALTER TABLE jobs ADD COLUMN worker TEXT")
                problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0] if verify else "ok"
        except sqlite3.OperationalError as exc:     # unwritable, locked, no space: not damage
            raise ConfigError(f"cannot use the database {db_path} ({exc})",
                              "make the data directory writable (or pass another --data-dir), and check "
                              "that no other program holds the database") from exc
        except sqlite3.DatabaseError as exc:        # "file is not a database", "malformed"
            raise damaged_database(db_path, exc) from exc
        except OSError as exc:
            raise ConfigError(f"cannot use the data directory {db_path.parent} ({exc.strerror or exc})",
                              "pass --data-dir (or set POSECOACH_DATA_DIR) to a writable folder") from exc
        if problem != "ok":
            raise damaged_database(db_path, sqlite3.DatabaseError(problem))

    def add(self, job_id: str, exercise: str, filename: str, input_path: Path, out_dir: Path) -> Job:
        now = time.time()
        with open_db(self._db_path) as conn:
            conn.execute("INSERT INTO jobs (id, created_at, updated_at, status, exercise, filename,"
                         " input_path, out_dir) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)",
                         (job_id, now, now, exercise, filename, str(input_path), str(out_dir)))
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        with open_db(self._db_path) as conn:
            row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row is not None else None

    def list_jobs(self) -> list[Job]:
        with open_db(self._db_path) as conn:
            rows = conn.execute("SELECT * FROM jobs ORDER BY created_at DESC, id").fetchall()
        return [_job(r) for r in rows]

    def claim_next(self) -> Job | None:
        """Mark the oldest queued job running (one more attempt) and return it."""
        with open_db(self._db_path) as conn:
            row = conn.execute(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, progress = 0, stage = '',"
                " updated_at = ? WHERE id = (SELECT id FROM jobs WHERE status = 'queued'"
                " ORDER BY created_at, id LIMIT 1) RETURNING *", (time.time(),)).fetchone()
        return _job(row) if row is not None else None

    def active(self) -> list[Job]:
        """Queued and running jobs, oldest first."""
        with open_db(self._db_path) as conn:
            rows = conn.execute("SELECT * FROM jobs WHERE status IN ('queued', 'running')"
                                " ORDER BY created_at, id").fetchall()
        return [_job(r) for r in rows]

    def start(self, job_id: str, worker: str | None) -> bool:
        """A queued job was taken by a worker elsewhere (the Redis queue): one more attempt."""
        with open_db(self._db_path) as conn:
            cur = conn.execute("UPDATE jobs SET status = 'running', attempts = attempts + 1, progress = 0,"
                               " stage = '', worker = ?, updated_at = ? WHERE id = ? AND status = 'queued'",
                               (worker, time.time(), job_id))
        return cur.rowcount == 1

    def set_worker(self, job_id: str, worker: str) -> None:
        with open_db(self._db_path) as conn:
            conn.execute("UPDATE jobs SET worker = ?, updated_at = ? WHERE id = ?", (worker, time.time(), job_id))

    def requeue(self, job_id: str, stage: str) -> bool:
        """A running job whose run was lost goes back to the queue (the caller counts attempts)."""
        with open_db(self._db_path) as conn:
            cur = conn.execute("UPDATE jobs SET status = 'queued', progress = 0, stage = ?, updated_at = ?"
                               " WHERE id = ? AND status = 'running'", (stage, time.time(), job_id))
        return cur.rowcount == 1

    def set_progress(self, job_id: str, progress: float, stage: str = "") -> None:
        with open_db(self._db_path) as conn:
            conn.execute("UPDATE jobs SET progress = ?, stage = ?, updated_at = ? "
                         "WHERE id = ? AND status = 'running'",
                         (min(max(float(progress), 0.0), 1.0), stage, time.time(), job_id))

    def finish(self, job_id: str) -> bool:
        with open_db(self._db_path) as conn:
            cur = conn.execute("UPDATE jobs SET status = 'done', progress = 1, stage = 'done', error = NULL,"
                               " updated_at = ? WHERE id = ? AND status = 'running'", (time.time(), job_id))
        return cur.rowcount == 1

    def fail(self, job_id: str, error: str) -> bool:
        """Mark a queued or running job failed (a finished job stays as it is)."""
        with open_db(self._db_path) as conn:
            cur = conn.execute("UPDATE jobs SET status = 'failed', stage = 'failed', error = ?, updated_at = ?"
                               " WHERE id = ? AND status IN ('queued', 'running')",
                               (error, time.time(), job_id))
        return cur.rowcount == 1

    def recover(self) -> tuple[list[str], list[str]]:
        """At start-up: jobs left running were interrupted. Returns (requeued, failed) ids."""
        now = time.time()
        with open_db(self._db_path) as conn:
            rows = conn.execute("SELECT id, attempts FROM jobs WHERE status = 'running'").fetchall()
            requeued = [r["id"] for r in rows if r["attempts"] < MAX_ATTEMPTS]
            failed = [r["id"] for r in rows if r["attempts"] >= MAX_ATTEMPTS]
            conn.executemany("UPDATE jobs SET status = 'queued', progress = 0, stage = 'retrying after a "
                             "restart', updated_at = ? WHERE id = ?", [(now, i) for i in requeued])
            conn.executemany(
                "UPDATE jobs SET status = 'failed', stage = 'failed', updated_at = ?, error = ? WHERE id = ?",
                [(now, f"interrupted {MAX_ATTEMPTS} times (the server stopped while it was running); "
                  "not retried again - upload the clip again to retry", i) for i in failed])
        return requeued, failed

    def delete(self, job_id: str) -> bool:
        with open_db(self._db_path) as conn:
            cur = conn.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        return cur.rowcount == 1
