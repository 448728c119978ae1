"""The JSON API (documented at /openapi.json): analyses (uploads and their jobs), sessions
(the history, uploads and live sets alike) and progression."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from posecoach.history import tracked_exercises
from posecoach.web.backends import QueueUnavailable
from posecoach.web.deps import WebContext, get_ctx
from posecoach.web.responses import error_response
from posecoach.web.services import analysis_body, check_id, delete_everything, file_links
from posecoach.web.settings import exercise_ids
from posecoach.web.uploads import UploadError, check_media, receive_multipart

router = APIRouter(prefix="/api")
AUTO = "auto"


class ErrorBody(BaseModel):
    error: str
    hint: str | None = None


class Created(BaseModel):
    id: str
    status: str
    url: str
    result_url: str


class Analysis(BaseModel):
    id: str
    status: str          # queued | running | done | failed
    progress: float      # 0..1
    stage: str
    exercise: str        # as requested ("auto" or an exercise id)
    filename: str
    created_at: float
    updated_at: float
    attempts: int
    error: str | None = None
    worker: dict[str, Any] | None = None        # {"host", "pid"} of the process that ran it
    url: str
    result_url: str
    report: dict[str, Any] | None = None        # once done
    files: dict[str, Any] | None = None         # once done: links to the outputs


class AnalysisList(BaseModel):
    analyses: list[Analysis]


_ERRORS: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody}}


_UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "a video (mp4 mov m4v avi mkv webm) or photo (jpg png); checked by decoding"},
        "exercise": {"type": "string", "enum": [AUTO, *exercise_ids()], "default": AUTO}}}}}}}


@router.post("/analyses", status_code=202, response_model=Created, openapi_extra=_UPLOAD_BODY,
             tags=["analyses"], summary="Upload a clip and queue its analysis",
             responses={400: {"model": ErrorBody}, 413: {"model": ErrorBody}, 415: {"model": ErrorBody},
                        422: {"model": ErrorBody}, 503: {"model": ErrorBody}})
async def create_analysis(request: Request, ctx: WebContext = Depends(get_ctx)) -> JSONResponse:
    settings = ctx.settings
    await run_in_threadpool(ctx.backend.check_available)   # a 503 before the body is read, not after
    job_id = uuid.uuid4().hex
    length = request.headers.get("content-length")
    try:
        upload = await receive_multipart(request.stream(), request.headers.get("content-type"),
                                         settings.uploads_dir / job_id, settings.max_upload_bytes,
                                         int(length) if length and length.isdigit() else None)
    except UploadError as exc:
        return error_response(exc.status, exc.message, exc.hint)
    assert upload.path is not None
    exercise = upload.fields.get("exercise") or AUTO
    if exercise not in (AUTO, *exercise_ids()):
        upload.path.unlink(missing_ok=True)
        return error_response(422, f"unknown exercise '{exercise[:40]}'",
                              f"choose one of: {', '.join((AUTO, *exercise_ids()))}")
    stored = upload.path.with_suffix("")          # drop ".part": complete now
    try:
        upload.path.rename(stored)
        await run_in_threadpool(check_media, stored, upload.filename, settings.limits)
        job = ctx.queue.add(job_id, exercise, upload.filename, stored, settings.sessions_dir / job_id)
    except UploadError as exc:
        _forget(upload.path, stored)
        return error_response(exc.status, exc.message, exc.hint)
    except BaseException:
        # The database or the disk failed after the file arrived (the app maps the error to
        # 503/507): no file is kept without a job row pointing at it.
        _forget(upload.path, stored)
        raise
    try:
        await run_in_threadpool(ctx.backend.submit, job)
    except QueueUnavailable:
        ctx.queue.delete(job_id)                   # nothing half-queued: the client uploads again
        stored.unlink(missing_ok=True)
        raise
    body = Created(id=job_id, status="queued", url=f"/api/analyses/{job_id}", result_url=f"/results/{job_id}")
    return JSONResponse(body.model_dump(), status_code=202, headers={"Location": body.url})


def _forget(*paths: Path) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass          # a read-only folder: start-up removes what has no job (datadir)


@router.get("/analyses", response_model=AnalysisList, tags=["analyses"], summary="All uploads, newest first")
def list_analyses(ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    return {"analyses": [analysis_body(ctx, job, full=False) for job in ctx.queue.list_jobs()]}


@router.get("/analyses/{analysis_id}", response_model=Analysis, response_model_exclude_none=False,
            tags=["analyses"], summary="Status and progress; the report and file links once done",
            responses=_ERRORS)
def get_analysis(analysis_id: str, ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    job = ctx.queue.get(check_id(analysis_id))
    if job is None:
        raise HTTPException(404, f"no analysis '{analysis_id}'")
    return analysis_body(ctx, job)


@router.delete("/analyses/{analysis_id}", tags=["analyses"], responses=_ERRORS,
               summary="Delete an upload: stops its job, removes its files and its history entry")
def delete_analysis(analysis_id: str, ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    if not delete_everything(ctx, check_id(analysis_id)):
        raise HTTPException(404, f"no analysis '{analysis_id}'")
    return {"id": analysis_id, "deleted": True}


# ------------------------------------------------------------------ history
@router.get("/sessions", tags=["history"], summary="Every analysed or live-coached session, newest first")
def list_sessions(exercise: str | None = None, side: str | None = None,
                  ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    sessions = ctx.history.list_sessions(exercise or None, side or None)
    return {"sessions": [{**s.to_dict(), "result_url": f"/results/{s.id}"} for s in sessions]}


@router.get("/sessions/{session_id}", tags=["history"], responses=_ERRORS)
def get_session(session_id: str, ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    session = ctx.history.get(check_id(session_id))
    if session is None:
        raise HTTPException(404, f"no session '{session_id}'")
    job = ctx.queue.get(session_id)
    out_dir = job.out_dir if job is not None else session.files_dir
    return {**session.to_dict(), "report": session.report, "files": file_links(session_id, out_dir)}


@router.delete("/sessions/{session_id}", tags=["history"], responses=_ERRORS)
def delete_session(session_id: str, ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    if not delete_everything(ctx, check_id(session_id)):
        raise HTTPException(404, f"no session '{session_id}'")
    return {"id": session_id, "deleted": True}


@router.get("/progression/{exercise}", tags=["history"], responses=_ERRORS,
            summary="Key metrics per session over time, oldest first")
def progression(exercise: str, side: str | None = None, ctx: WebContext = Depends(get_ctx)) -> dict[str, Any]:
    if exercise not in tracked_exercises() and exercise not in exercise_ids():
        raise HTTPException(404, f"unknown exercise '{exercise[:40]}'")
    prog = ctx.history.progression(exercise, side or None)
    return {"exercise": exercise,
            "metrics": [{"key": m.key, "label": m.label, "unit": m.unit} for m in prog.metrics],
            "rows": prog.rows()}
