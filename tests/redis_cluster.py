"""A throwaway Redis queue set-up on this machine, for the Redis tests and bench/queue_scale.py:
Debian's redis-server on 127.0.0.1 at a free port, `posecoach serve --queue` and any number
of `posecoach worker` processes, each in its own working folder. Everything started here is
stopped by `Cluster.close()` (the tests' teardown). This module holds no tests.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
LITE_RUNNER = "posecoach.web.runner:run_analysis_lite"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def redis_missing() -> str | None:
    """Why the Redis tests cannot run here (None: they can)."""
    if not Path(REDIS_SERVER).exists():
        return "Debian's redis-server is not installed (apt-get install -y redis-server)"
    for module in ("redis", "rq"):
        try:
            __import__(module)
        except ImportError:
            return f"the '{module}' package is missing (pip install 'posecoach[scale]')"
    return None


def wait_for(check: Any, timeout_s: float, what: str, every_s: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        time.sleep(every_s)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.setdefault("GLOG_minloglevel", "2")
    return env


@dataclass
class RedisServer:
    """redis-server with an append-only file, so a stop and a start keep the queue."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder / "redis.log", "ab")  # noqa: SIM115 - the child keeps it
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--save", "", "--protected-mode", "yes", "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log.close()

        def answers() -> bool:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 0.2) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
            return False
        wait_for(answers, 10, "redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()           # SIGTERM: Redis syncs its append-only file and exits
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


@dataclass
class Proc:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def descendants(self) -> list[int]:
        found, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            with contextlib.suppress(OSError):
                children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
                found += children
                todo += children
        return found

    def kill_hard(self) -> None:
        """SIGKILL the process and everything it started (RQ's work horse has its own group)."""
        for pid in [*self.descendants(), self.pid]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self, timeout_s: float = 10.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.kill_hard()
        for pid in self.descendants():      # an orphaned work horse never outlives a test
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _spawn(args: list[str], cwd: Path, name: str) -> Proc:
    cwd.mkdir(parents=True, exist_ok=True)
    log_path = cwd / f"{name}.log"
    log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115 - the child keeps it
    process = subprocess.Popen([sys.executable, "-m", "posecoach.cli", *args], cwd=cwd, env=_env(),
                               stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               start_new_session=True)
    log.close()
    return Proc(process, log_path)


@dataclass
class Cluster:
    """One API node (`serve --queue`) and its workers, all on this machine."""

    root: Path
    redis: RedisServer
    api_port: int = field(default_factory=free_port)
    api: Proc | None = None
    workers: list[Proc] = field(default_factory=list)

    @property
    def storage(self) -> Path:
        return self.root / "storage"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_api(self) -> Proc:
        self.api = _spawn(["serve", "--port", str(self.api_port), "--data-dir", str(self.root / "api-data"),
                           "--queue", self.redis.url, "--storage", str(self.storage)], self.root / "api", "serve")

        def up() -> bool:
            assert self.api is not None and self.api.process.poll() is None, self.api.log() if self.api else ""
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.api_port), 0.2):
                return True
            return False
        wait_for(up, 60, "posecoach serve to listen")
        return self.api

    def start_worker(self, runner: str = LITE_RUNNER, lease_s: float = 15.0, burst: bool = False) -> Proc:
        n = len(self.workers) + 1
        args = ["worker", "--queue", self.redis.url, "--storage", str(self.storage), "--runner", runner,
                "--lease-s", f"{lease_s:g}"] + (["--burst"] if burst else [])
        worker = _spawn(args, self.root / f"worker{n}", "worker")     # its own working folder
        self.workers.append(worker)
        return worker

    def wait_for_workers(self, count: int, timeout_s: float = 60) -> None:
        from redis import Redis
        from rq import Worker

        conn = Redis.from_url(self.redis.url)
        try:
            wait_for(lambda: len(Worker.all(connection=conn)) >= count, timeout_s, f"{count} workers on Redis")
        finally:
            conn.close()

    def close(self) -> None:
        for proc in [*self.workers, *([self.api] if self.api else [])]:
            proc.stop()
        self.redis.stop()
