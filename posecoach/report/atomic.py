"""Atomic output folders: everything is built in a hidden sibling and swapped in by
rename, so an interrupted run never leaves a complete-looking partial report.

The hidden siblings carry the writer's process id (`.NAME.partial-PID-XXXX`). A run that
was killed outright (SIGKILL, power loss) cannot delete its own; the next run writing
the same folder removes those whose process is gone."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posecoach.errors import InputError


def partial_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.partial-"


def _old_prefix(out_dir: Path) -> str:
    return f".{out_dir.name}.old-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # someone else's live process
    return True


def remove_stale_siblings(out_dir: Path) -> list[Path]:
    """Delete hidden `.NAME.partial-PID-*` / `.NAME.old-PID-*` folders next to `out_dir`
    left by runs whose process no longer exists; returns what was removed. Folders of
    live processes, and any not named with a process id, are left alone."""
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    removed = []
    for prefix in (partial_prefix(out_dir), _old_prefix(out_dir)):
        for path in parent.glob(f"{prefix}*"):
            pid_text = path.name[len(prefix):].split("-", 1)[0]
            if path.is_dir() and pid_text.isdigit() and not _alive(int(pid_text)):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed


@contextlib.contextmanager
def atomic_output_dir(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder `out_dir.parent/.NAME.partial-XXXX`; on success it
    replaces `out_dir` (an older report there is removed), on any error it is deleted."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"output path {out_dir} exists and is not a folder",
                         "choose another --out folder")
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    remove_stale_siblings(out_dir)
    tmp = Path(tempfile.mkdtemp(prefix=f"{partial_prefix(out_dir)}{os.getpid()}-", dir=parent))
    try:
        yield tmp
        os.chmod(tmp, 0o755 & ~_umask())
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    result: int = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Rename `tmp` to `out_dir`. An existing `out_dir` is exchanged with `tmp` in one
    atomic step where the system allows (readers never see it missing), else moved
    aside first; the old report is then deleted."""
    if not out_dir.exists():
        os.rename(tmp, out_dir)
        return
    if _exchange(tmp, out_dir):
        shutil.rmtree(tmp, ignore_errors=True)  # now holds the previous report
        return
    old = Path(tempfile.mkdtemp(prefix=f"{_old_prefix(out_dir)}{os.getpid()}-", dir=out_dir.parent))
    os.rmdir(old)
    os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        os.rename(old, out_dir)  # put the previous report back
        raise
    shutil.rmtree(old, ignore_errors=True)
