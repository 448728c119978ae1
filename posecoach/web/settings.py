"""Settings of one `posecoach serve` instance (a plain frozen dataclass; tests build their own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import ConfigError
from posecoach.history import db_path_for
from posecoach.limits import MediaLimits

DEFAULT_RUNNER = "posecoach.web.runner:run_analysis"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def exercise_ids() -> tuple[str, ...]:
    """The registered exercises (read when called: the registry is the one list)."""
    from posecoach.exercises import exercise_ids as registered

    return registered()


def exercise_label(exercise_id: str) -> str:
    """The exercise's title from its spec (the id spelled out for an unknown one)."""
    from posecoach.exercises import title_of

    return title_of(exercise_id)


@dataclass(frozen=True)
class ServeSettings:
    """data_dir holds posecoach.db, uploads/, sessions/<id>/ (the outputs) and logs/.

    runner: "module:function" (or, with isolation="thread", any callable) called as
        runner(input_path, exercise, out_dir, progress) -> report dict; see posecoach.web.runner.
    isolation: "process" runs each job in its own spawned process (a crash or a hung decoder
        takes only that job down); "thread" runs jobs in-process (tests, debugging).
    allowed_hosts: Host header names accepted (None: any). `posecoach serve` sets the
        loopback names when it binds to localhost, which defeats DNS rebinding.
    queue_url: None runs jobs on this machine (posecoach.web.worker); "redis://HOST:PORT/DB"
        enqueues them on Redis Queue for `posecoach worker` processes (posecoach.web.queue_rq).
    storage_dir: where uploads/ and sessions/ live when they must be shared with workers on
        other machines (default: data_dir). The database and logs/ stay in data_dir.
    limits: what an upload may be (pixels, clip length, frames; posecoach.limits), checked
        at upload from the file's header, and again by the worker while it decodes.
    job_timeout_s: a job running longer is stopped (a local worker process is killed) and failed, so one
        clip cannot hold a worker for ever.
    """

    data_dir: Path
    workers: int = 1
    max_upload_bytes: int = 500 * 1024 * 1024
    token: str | None = None
    runner: str | Callable[..., Any] = DEFAULT_RUNNER
    isolation: str = "process"
    allowed_hosts: tuple[str, ...] | None = None
    poll_s: float = 0.2
    config_path: Path | None = None    # --config: threshold overrides, read by each analysis
    queue_url: str | None = None
    storage_dir: Path | None = None
    limits: MediaLimits = field(default_factory=MediaLimits)
    job_timeout_s: float = 30 * 60      # an analysis running longer than this is stopped and failed

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ConfigError(f"--workers must be at least 1 (got {self.workers})")
        if not self.job_timeout_s > 0:
            raise ConfigError(f"--job-timeout-s must be positive (got {self.job_timeout_s:g})")
        if self.max_upload_bytes < 1:
            raise ConfigError("--max-upload-mb must be positive")
        if self.isolation not in ("process", "thread"):
            raise ConfigError(f"unknown isolation '{self.isolation}'", "use 'process' or 'thread'")
        if self.isolation == "process" and not isinstance(self.runner, str):
            raise ConfigError("a process worker needs the runner as 'module:function'",
                              "pass a dotted reference, or use isolation='thread'")
        object.__setattr__(self, "data_dir", Path(self.data_dir).expanduser())
        if self.storage_dir is not None:
            object.__setattr__(self, "storage_dir", Path(self.storage_dir).expanduser())
        if self.queue_url is not None and not isinstance(self.runner, str):
            raise ConfigError("jobs on Redis need the runner as 'module:function'")

    @property
    def storage_root(self) -> Path:
        return self.storage_dir if self.storage_dir is not None else self.data_dir

    @property
    def db_path(self) -> Path:
        return db_path_for(self.data_dir)

    @property
    def uploads_dir(self) -> Path:
        return self.storage_root / "uploads"

    @property
    def sessions_dir(self) -> Path:
        return self.storage_root / "sessions"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"
