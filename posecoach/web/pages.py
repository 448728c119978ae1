"""Server-rendered pages (Upload, Result, History), the output files and the charts.

Pages work offline: every script and stylesheet comes from /static, and a strict
Content-Security-Policy keeps it that way. Small vanilla scripts add upload progress
and polling; without them the pages still show their content.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from posecoach.exercises import title_of
from posecoach.history import SIDES, tracked_exercises
from posecoach.presentation import STATUS_LABEL
from posecoach.web.charts import progression_charts
from posecoach.web.deps import WebContext, get_ctx
from posecoach.web.history_view import history_csv, session_cards
from posecoach.web.howto import film_picture_png
from posecoach.web.responses import error_response
from posecoach.output_files import DOWNLOADS
from posecoach.web.services import (analysis_body, check_id, delete_everything, file_links,
                                    range_problem)
from posecoach.web.services import output_file as find_output_file
from posecoach.web.settings import exercise_ids, exercise_label
from posecoach.web.views import result_view

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


templates.env.filters["when"] = _when
templates.env.filters["exercise_label"] = exercise_label
templates.env.filters["exercise_title"] = title_of
templates.env.filters["source_label"] = lambda source: {"upload": "uploaded", "live": "live coaching",
                                                        "cli": "from the command line"}.get(source, source)
templates.env.filters["status_word"] = lambda status: STATUS_LABEL.get(str(status), "result")
templates.env.filters["job_word"] = lambda status: {"queued": "waiting", "running": "analysing", "failed": "failed",
                                                    "done": "done"}.get(str(status), str(status))


def render(request: Request, name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    """A page (the security headers are added to every response by posecoach.web.security)."""
    return templates.TemplateResponse(request, name, context, status_code=http_status)


def render_error_page(request: Request, status: int, message: str, error_id: str = "") -> HTMLResponse:
    return render(request, "error.html", http_status=status, status_code=status, message=message,
                  error_id=error_id)


@router.get("/", response_class=HTMLResponse)
def upload_page(request: Request, exercise: str = "auto",
                ctx: WebContext = Depends(get_ctx)) -> HTMLResponse:
    recent = []
    for job in ctx.queue.list_jobs()[:8]:
        body = analysis_body(ctx, job, full=False)
        session = ctx.history.get(job.id) if job.status == "done" else None
        recent.append({**body, "session": session})
    # ?exercise=ID preselects it (the result page's "analyse again as ..." link).
    chosen = exercise if exercise in exercise_ids() else "auto"
    return render(request, "upload.html", page="upload", exercises=exercise_ids(), chosen=chosen,
                  max_bytes=ctx.settings.max_upload_bytes,
                  max_mb=f"{ctx.settings.max_upload_bytes / (1024 * 1024):g}", recent=recent)


@router.get("/how-to-film", response_class=HTMLResponse)
def how_to_film_page(request: Request) -> HTMLResponse:
    return render(request, "how_to_film.html", page="how-to-film")


@router.get("/how-to-film.png")
async def how_to_film_picture() -> Response:
    png = await run_in_threadpool(film_picture_png)
    return Response(png, media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@router.get("/results/{session_id}", response_class=HTMLResponse)
def result_page(session_id: str, request: Request, ctx: WebContext = Depends(get_ctx)) -> HTMLResponse:
    check_id(session_id)
    job = ctx.queue.get(session_id)
    session = ctx.history.get(session_id)
    if job is None and session is None:
        raise HTTPException(404, "no such analysis or session (it may have been deleted)")
    status = job.status if job is not None else "done"
    view = None
    if status == "done" and session is not None:
        out_dir = job.out_dir if job is not None else session.files_dir
        previous = ctx.history.previous(session) if session.assessable else None
        view = result_view(session.report, file_links(session_id, out_dir), session=session,
                           previous=previous, previous_when=_when(previous.created_at) if previous else "",
                           other_side=ctx.history.other_side(session) if session.assessable else None)
    return render(request, "result.html", page="result", id=session_id, status=status,
                  job=job.to_dict() if job is not None else None, view=view,
                  session=session, title=_title(job, session))


def _title(job: Any, session: Any) -> str:
    """The clip's own name; a live set or a report without one by its exercise."""
    if job is not None:
        return str(job.filename)
    if session is not None and session.input_name != "–":
        return str(session.input_name)
    return title_of(session.exercise) if session is not None else "live session"


def _history(ctx: WebContext, exercise: str, side: str) -> dict[str, Any]:
    sessions = ctx.history.list_sessions(exercise or None, side if side in SIDES else None)
    tracked = tracked_exercises()
    shown = sorted({s.exercise for s in sessions if s.assessable} & set(tracked), key=tracked.index)
    charts = [{"exercise": e, "label": title_of(e),
               "panels": progression_charts(ctx.history.progression(e, side if side in SIDES else None))}
              for e in shown]
    known = sorted(set(exercise_ids()) | set(ctx.history.exercises()))
    names = {job.id: job.filename for job in ctx.queue.list_jobs()}
    return {"sessions": session_cards(sessions, names), "charts": charts, "exercises": known, "sides": SIDES,
            "exercise": exercise, "side": side,
            "query": "&".join(f"{k}={v}" for k, v in (("exercise", exercise), ("side", side)) if v)}


@router.get("/history", response_class=HTMLResponse)
def history_page(request: Request, exercise: str = "", side: str = "",
                 ctx: WebContext = Depends(get_ctx)) -> HTMLResponse:
    return render(request, "history.html", page="history", **_history(ctx, exercise, side))


@router.get("/history/print", response_class=HTMLResponse)
def history_print(request: Request, exercise: str = "", side: str = "",
                  ctx: WebContext = Depends(get_ctx)) -> HTMLResponse:
    """One page a physio can read: every session with its numbers, and the charts."""
    return render(request, "history_print.html", page="history", printed=_when(time.time()),
                  **_history(ctx, exercise, side))


@router.get("/history.csv")
def history_export(ctx: WebContext = Depends(get_ctx)) -> Response:
    names = {job.id: job.filename for job in ctx.queue.list_jobs()}
    return Response(history_csv(ctx.history.list_sessions(), names), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="posecoach-history.csv"'})


@router.post("/history/{session_id}/delete")
def delete_from_history(session_id: str, ctx: WebContext = Depends(get_ctx)) -> RedirectResponse:
    if not delete_everything(ctx, check_id(session_id)):
        raise HTTPException(404, "no such session")
    return RedirectResponse("/history", status_code=303)


@router.get("/files/{session_id}/{name:path}")
def output_file(session_id: str, name: str, request: Request, ctx: WebContext = Depends(get_ctx)) -> Response:
    """An output of a finished session. FileResponse honours Range requests (seekable video)."""
    path, media_type = find_output_file(ctx, session_id, name)
    requested = request.headers.get("range")
    if requested is not None and "if-range" not in request.headers:
        problem = range_problem(requested, path.stat().st_size)
        if problem is not None:
            status, message = problem
            response = error_response(status, message)
            if status == 416:
                response.headers["Content-Range"] = f"bytes */{path.stat().st_size}"
            return response
    download = name if name in DOWNLOADS else None
    return FileResponse(path, media_type=media_type, filename=download,
                        content_disposition_type="attachment" if download else "inline")
