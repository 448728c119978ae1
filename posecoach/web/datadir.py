"""One server per data directory, and what a killed one left behind.

`DataDirLock` is an exclusive `flock` on `<data dir>/serve.lock`, taken before any job is
looked at and held for the server's lifetime: a second `posecoach serve` on the same data
directory stops with a clear error instead of re-running the first one's jobs. The kernel
drops the lock when the process dies, however it dies, so a crash never blocks a restart.

`remove_leftovers` runs once the lock is held (so no other server is writing): it removes
half-received uploads (`uploads/*.part`), uploads that never got a job row (the database
failed after the file arrived), and the hidden partial output folders of killed jobs.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

from posecoach.errors import ConfigError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no flock; one server per data dir is then on the user
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger("posecoach.web")
LOCK_NAME = "serve.lock"
_UPLOAD_NAME = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")       # uploads/<job id>.<ext>
_PARTIAL_OUTPUT = re.compile(r"^\.[0-9a-f]{32}\.(partial|old)-")  # sessions/.<job id>.partial-*


class DataDirLock:
    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, data_dir: Path) -> DataDirLock:
        path = Path(data_dir) / LOCK_NAME
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigError(f"cannot use the data directory {data_dir} ({exc.strerror or exc})",
                              "pass --data-dir (or set POSECOACH_DATA_DIR) to a writable folder") from exc
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
                os.close(fd)
                raise ConfigError(
                    f"another posecoach serve is already using {data_dir}"
                    + (f" (process {holder})" if holder.isdigit() else ""),
                    "stop that server first, or give this one its own --data-dir") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return cls(path, fd)

    def release(self) -> None:
        if self._fd < 0:
            return
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = -1


def remove_leftovers(uploads_dir: Path, sessions_dir: Path, known_inputs: set[Path],
                     partial_outputs: bool = True) -> list[Path]:
    """Delete what killed uploads and killed jobs left; only names this app generates are touched.
    partial_outputs=False keeps the hidden output folders (workers elsewhere may be writing them)."""
    removed: list[Path] = []
    if uploads_dir.is_dir():
        for path in uploads_dir.iterdir():
            half_received = path.name.endswith(".part") and _UPLOAD_NAME.match(path.name[:-5])
            orphan = _UPLOAD_NAME.match(path.name) and path.resolve() not in known_inputs
            if path.is_file() and (half_received or orphan):
                path.unlink(missing_ok=True)
                removed.append(path)
    if partial_outputs and sessions_dir.is_dir():
        for path in sessions_dir.iterdir():
            if path.is_dir() and _PARTIAL_OUTPUT.match(path.name):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    if removed:
        log.info("removed %d leftover file(s) of interrupted uploads and jobs", len(removed))
    return removed
