"""Where `posecoach analyze` writes each input's report: the `--out` rule.

- `--out DIR` with one input: the report goes into DIR itself if DIR does not exist
  yet, or is a report folder PoseCoach wrote earlier (it is replaced). If DIR exists and
  is anything else (a folder of your files, `.`, a mount point, even an empty folder),
  the report goes into `DIR/<input name>/`.
- Several inputs, or no `--out` (DIR = `./posecoach-out`): `DIR/<input name>/` each.
- `<input name>` is the file name without its extension (cut to 100 bytes, with a short
  hash, if longer). If that folder exists and is not an earlier report *of the same
  input file*, or another input of the same run has the name already (`clip.mp4` and
  `clip.webm`), the next free `<input name>-2`, `-3`, ... is used.

So nothing PoseCoach did not write is ever replaced, and two inputs never share a folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from posecoach.errors import OutputError
from posecoach.report.atomic import is_replaceable, output_error, read_marker, short_name

DEFAULT_OUT_ROOT = Path("posecoach-out")


def folder_name(path: Path) -> str:
    """The report folder name of an input: its stem, never hidden, at most 100 bytes."""
    name = path.stem.strip().lstrip(".") or path.name.strip().lstrip(".") or "input"
    return short_name(name)


def report_source(path: Path | str) -> str:
    """What a report's marker records as its input: the resolved path of a file, else
    the label as given (a camera, a stream)."""
    candidate = Path(path)
    try:
        return str(candidate.resolve()) if candidate.exists() else str(path)
    except OSError:
        return str(path)


def _is_report(folder: Path) -> bool:
    return (folder.is_dir() and not folder.is_symlink() and read_marker(folder) is not None
            and is_replaceable(folder))


def _reusable(folder: Path, source: str) -> bool:
    """May the report of `source` go into `folder`? Yes if it is new, an empty folder,
    or an earlier report of the same input."""
    if not folder.exists() and not folder.is_symlink():
        return True
    if not folder.is_dir() or folder.is_symlink():
        return False
    marker = read_marker(folder)
    if marker is None:
        return is_replaceable(folder)   # empty: nothing to lose
    return marker.get("source") == source and is_replaceable(folder)


def choose_out_dirs(inputs: Sequence[Path], out: str | None,
                    default_root: Path = DEFAULT_OUT_ROOT) -> list[Path]:
    """One report folder per input, following the module's rule, all different."""
    try:
        return _choose(inputs, out, default_root)
    except OSError as exc:   # e.g. a name too long to even look up
        where = Path(out) if out is not None else default_root
        raise output_error(where, exc) or exc from exc


def _choose(inputs: Sequence[Path], out: str | None, default_root: Path) -> list[Path]:
    if out is not None:
        target = Path(out)
        if target.exists() and not target.is_dir():
            raise OutputError(f"--out {target} is a file, not a folder", "choose a folder for --out")
        if len(inputs) == 1 and (not target.exists() or _is_report(target)):
            return [target]
        root = target
    else:
        root = default_root
    taken: set[str] = set()
    chosen = []
    for path in inputs:
        source, base = report_source(path), folder_name(path)
        n = 1
        while True:
            name = base if n == 1 else f"{base}-{n}"
            if name.casefold() not in taken and _reusable(root / name, source):
                break
            n += 1
        taken.add(name.casefold())
        chosen.append(root / name)
    return chosen
