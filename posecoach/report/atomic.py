"""Atomic, marked output folders: PoseCoach only ever replaces what it wrote itself.

Everything is built in a hidden sibling and swapped in by rename, so an interrupted run
never leaves a complete-looking partial report. Every folder PoseCoach writes carries a
marker file, `.posecoach-report`, listing the files it wrote (and the input they came
from). An existing folder is replaced only if it is empty, or bears the marker and holds
nothing else than the files listed there (report folders nested inside, such as a live
session's `set-N`, count if they pass the same test). Anything else, such as a folder of
the user's files or a report folder the user added a note to, is left untouched and an
OutputError raised.

The hidden siblings carry the writer's process id (`.NAME.partial-PID-XXXX`) and the
marker from the start. A run that was killed outright (SIGKILL, power loss) cannot
delete its own; the next run writing into the same parent folder removes the marked
ones whose process is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from posecoach.errors import OutputError

MARKER = ".posecoach-report"
# Longest folder name PoseCoach makes (bytes), so that `.NAME.partial-PID-XXXXXXXX`
# stays well under the 255-byte limit of common file systems.
MAX_NAME_BYTES = 100
_SIBLING = re.compile(r"^\..*\.(partial|old)-(\d+)-[^/]*$")
# errno values that mean "this output location is unusable", with the words for them.
_OUTPUT_PROBLEMS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EROFS: "the folder is on a read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the path is too long",
    errno.ENOTDIR: "part of the path is a file, not a folder",
    errno.EBUSY: "the folder is in use (a mount point or the current folder)",
    errno.EXDEV: "the folder is a mount point",
    errno.EINVAL: "the folder cannot be replaced (a mount point or the current folder)",
}


def short_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`name` cut to at most `max_bytes` of UTF-8 on a character boundary; a cut name
    ends in 8 hex digits of its full text, so two long names stay apart."""
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    digest = hashlib.sha1(name.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    cut = name.encode("utf-8", "surrogateescape")[: max_bytes - 9].decode("utf-8", "ignore")
    return f"{cut}-{digest}"


def partial_prefix(out_dir: Path) -> str:
    return f".{short_name(out_dir.name, 60)}.partial-"


def _old_prefix(out_dir: Path) -> str:
    return f".{short_name(out_dir.name, 60)}.old-"


def output_error(path: Path, exc: OSError) -> OutputError | None:
    """An OutputError in plain words for an OSError that means `path` is unusable; None
    for other errors (those are bugs or input problems, raised as they are)."""
    problem = _OUTPUT_PROBLEMS.get(exc.errno or 0)
    if problem is None:
        return None
    hint = ("free some space or choose another --out folder" if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else "choose a shorter --out path" if exc.errno == errno.ENAMETOOLONG
            else "choose another --out folder, one you can write to")
    return OutputError(f"cannot write the report into {path}: {problem}", hint)


# ---------------------------------------------------------------- the marker
def _write_marker(folder: Path, source: str, files: list[str]) -> None:
    (folder / MARKER).write_text(json.dumps({"posecoach_report": 1, "source": source, "files": files},
                                            indent=1), encoding="utf-8")


def read_marker(folder: Path) -> dict[str, object] | None:
    """The marker of a folder PoseCoach wrote, or None (no marker, or not one of ours)."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("posecoach_report") == 1 else None


def _relative_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != MARKER)


def is_replaceable(folder: Path) -> bool:
    """True if `folder` is empty or a report folder holding only what PoseCoach wrote."""
    try:
        if not any(folder.iterdir()):
            return True
        marker = read_marker(folder)
        return marker is not None and _only_written(folder, folder, set(marker.get("files") or []))  # type: ignore[call-overload]
    except OSError:
        return False


def _only_written(root: Path, here: Path, written: set[str]) -> bool:
    for path in here.iterdir():
        rel = str(path.relative_to(root))
        if here == root and path.name == MARKER:
            continue
        if path.is_dir() and not path.is_symlink():
            if rel in written:
                if not _only_written(root, path, written):
                    return False
            elif read_marker(path) is None or not is_replaceable(path):  # not a nested report
                return False
        elif rel not in written:
            return False
    return True


# ---------------------------------------------------------------- leftovers
def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # someone else's live process
    return True


def remove_stale_siblings(out_dir: Path) -> list[Path]:
    """Delete hidden `.NAME.partial-PID-*` / `.NAME.old-PID-*` folders (of any NAME) in
    the folder that will hold `out_dir`, left by runs whose process no longer exists;
    returns what was removed. Only folders bearing PoseCoach's marker are touched:
    those of live processes, and anything else, are left alone."""
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    removed: list[Path] = []
    try:
        candidates = [p for p in parent.iterdir() if _SIBLING.match(p.name)]
    except OSError:
        return removed
    for path in candidates:
        pid = int(_SIBLING.match(path.name).group(2))  # type: ignore[union-attr]
        if path.is_dir() and not path.is_symlink() and read_marker(path) is not None \
                and not _alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


# ---------------------------------------------------------------- writing
@contextlib.contextmanager
def atomic_output_dir(out_dir: Path, source: str = "") -> Iterator[Path]:
    """Yield a fresh marked temporary folder `out_dir.parent/.NAME.partial-PID-XXXX`; on
    success it replaces `out_dir` (which must be absent, empty, or an earlier report,
    see the module docstring), on any error it is deleted. `source`: what the report is
    of (the input's path), kept in the marker. Unusable locations raise OutputError."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"output path {out_dir} exists and is not a folder",
                          "choose another --out folder")
    if out_dir.is_dir() and not is_replaceable(out_dir):
        raise OutputError(f"{out_dir} holds files PoseCoach did not write; nothing was changed",
                          "choose a new or empty --out folder")
    parent = out_dir.parent if str(out_dir.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_siblings(out_dir)
        tmp = Path(tempfile.mkdtemp(prefix=f"{partial_prefix(out_dir)}{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise output_error(out_dir, exc) or exc from exc
    try:
        _write_marker(tmp, source, [])
        yield tmp
        _write_marker(tmp, source, _relative_files(tmp))
        os.chmod(tmp, 0o755 & ~_umask())
        _swap_in(tmp, out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and (mapped := output_error(out_dir, exc)) is not None:
            raise mapped from exc
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
