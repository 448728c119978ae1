"""What the JSON API and the HTML pages share: looking up an upload or session, its output
files, and deleting it. Routes stay thin: they parse the request, call these, and format."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from posecoach.output_files import (
    ANGLES_CSV,
    IMAGE,
    MEDIA_TYPES,
    PLOTS,
    POSTER,
    REPORT_HTML,
    REPORT_JSON,
    VIDEO,
)
from posecoach.web.deps import WebContext
from posecoach.web.jobs import Job
from posecoach.web.worker import remove_outputs

_ID = re.compile(r"^[0-9a-f]{32}$")
OUTPUT_FILES = {"report_json": REPORT_JSON, "angles_csv": ANGLES_CSV, "video": VIDEO,
                "image": IMAGE, "report_html": REPORT_HTML, "poster": POSTER}
# Output files a browser may fetch: a fixed list, so no request can name anything else.
SERVED = MEDIA_TYPES
PLOT_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}


def check_id(value: str) -> str:
    if not _ID.match(value):
        raise HTTPException(404, f"no analysis or session '{value[:40]}'")
    return value


def out_dir_of(ctx: WebContext, session_id: str) -> Path | None:
    """Where an upload's or a live session's outputs are (None: no such session)."""
    job = ctx.queue.get(session_id)
    if job is not None:
        return job.out_dir
    session = ctx.history.get(session_id)
    return session.files_dir if session is not None else None


def file_links(session_id: str, out_dir: Path | None) -> dict[str, Any]:
    links: dict[str, Any] = {key: None for key in OUTPUT_FILES}
    links["plots"] = []
    if out_dir is None:
        return links
    for key, name in OUTPUT_FILES.items():
        if (out_dir / name).is_file():
            links[key] = f"/files/{session_id}/{name}"
    plots = out_dir / PLOTS
    if plots.is_dir():
        links["plots"] = [f"/files/{session_id}/plots/{p.name}" for p in sorted(plots.iterdir())
                          if p.suffix.lower() in (".png", ".svg") and p.is_file()]
    return links


def output_file(ctx: WebContext, session_id: str, name: str) -> tuple[Path, str]:
    """(path, media type) of a served output file; HTTPException 404 for anything else."""
    check_id(session_id)
    parts = name.split("/")
    if len(parts) == 1 and name in SERVED:
        media_type = SERVED[name]
    elif (len(parts) == 2 and parts[0] == PLOTS and not parts[1].startswith(".")
          and Path(parts[1]).suffix.lower() in PLOT_TYPES):
        media_type = PLOT_TYPES[Path(parts[1]).suffix.lower()]
    else:
        raise HTTPException(404, "no such file")
    out_dir = out_dir_of(ctx, session_id)
    if out_dir is None:
        raise HTTPException(404, "no such file")
    base = out_dir.resolve()
    path = (base / name).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        raise HTTPException(404, "no such file")
    return path, media_type


MAX_RANGES = 100


def range_problem(header: str, size: int) -> tuple[int, str] | None:
    """Why a Range header cannot be served from a file of `size` bytes: (status, message), or None.

    Checked before the file response so a bad Range gets a JSON error like every other one
    (the file response itself would answer in plain text)."""
    units, _, specs = header.partition("=")
    if units.strip().lower() != "bytes" or not specs.strip():
        return 400, "only 'Range: bytes=START-END' is supported"
    parts = [p.strip() for p in specs.split(",") if p.strip()]
    if not parts or len(parts) > MAX_RANGES:
        return 400, f"send between 1 and {MAX_RANGES} byte ranges"
    for part in parts:
        first, dash, last = part.partition("-")
        if not dash or not (first or last) or not (first.isdigit() or not first) or not (last.isdigit() or not last):
            return 400, f"malformed byte range '{part[:40]}'"
        if first and last and int(first) > int(last):
            return 400, f"byte range '{part[:40]}' ends before it starts"
        if (first and int(first) >= size) or (not first and int(last) == 0):
            return 416, f"byte range '{part[:40]}' starts past the end of the file ({size} bytes)"
    return None


def analysis_body(ctx: WebContext, job: Job, full: bool = True) -> dict[str, Any]:
    body = {**job.to_dict(), "url": f"/api/analyses/{job.id}", "result_url": f"/results/{job.id}"}
    if full and job.status == "done":
        session = ctx.history.get(job.id)
        report = session.report if session is not None else read_report(job.out_dir)
        body["report"] = report
        body["files"] = file_links(job.id, job.out_dir)
    return body


def read_report(out_dir: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out_dir / REPORT_JSON).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def delete_everything(ctx: WebContext, session_id: str) -> bool:
    """Forget an upload or live session: stop its worker, drop its rows, remove the files we own."""
    job = ctx.queue.get(session_id)
    session = ctx.history.get(session_id)
    if job is None and session is None:
        return False
    ctx.backend.cancel(session_id)
    ours = (ctx.settings.data_dir.resolve(), ctx.settings.sessions_dir.resolve())
    if job is not None:
        ctx.queue.delete(session_id)
        remove_outputs(job.out_dir)
        job.input_path.unlink(missing_ok=True)
    if session is not None:
        files = session.files_dir
        owned = files is not None and any(files.resolve().is_relative_to(folder) for folder in ours)
        ctx.history.delete(session_id, remove_files=owned)   # a live session's own folder is kept
    return True
