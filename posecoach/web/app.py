"""The FastAPI application: wiring, start-up and error mapping.

Routers by resource (posecoach.web.api for JSON, posecoach.web.pages for HTML and
files) read the per-app state through posecoach.web.deps, and never import this module.
Every error leaves as JSON `{"error": message}` (an HTML page for a browser asking for a
page), never a stack trace: an unexpected one is logged under an error id, and the
response shows only that id.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posecoach.errors import PoseCoachError
from posecoach.history import HistoryStore
from posecoach.web import api, live, pages
from posecoach.web.backends import QueueUnavailable, backend_for
from posecoach.web.datadir import DataDirLock, remove_leftovers
from posecoach.web.deps import WebContext
from posecoach.web.jobs import JobQueue
from posecoach.web.responses import error_response, wants_html
from posecoach.web.security import AccessGuard, SecurityHeaders, apply_security_headers
from posecoach.web.settings import ServeSettings

log = logging.getLogger("posecoach.web")
STATIC_DIR = Path(__file__).resolve().parent / "static"


def new_error_id() -> str:
    return uuid.uuid4().hex[:12]


def database_problem(exc: sqlite3.Error) -> tuple[int, str, str]:
    """(status, message, hint) for a failed database call; sqlite says which in its message."""
    text = str(exc).lower()
    if "full" in text:
        return 507, "the server's disk is full", "free some space on the server, then try again"
    if "locked" in text or "busy" in text:
        return 503, "the database is busy", "try again in a few seconds"
    if isinstance(exc, sqlite3.OperationalError) and "malformed" not in text:
        return 503, "the database cannot be written right now", \
            "the server's data folder may be read-only; the server log has the details under this id"
    return 503, "the database is damaged", "restart the server: it says how to recover"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"not found: {request.url.path[:200]}"
        if wants_html(request):
            return pages.render_error_page(request, exc.status_code, message)
        return error_response(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                             for e in exc.errors())
        return error_response(422, f"invalid request: {problems}")

    @app.exception_handler(QueueUnavailable)
    async def queue_unavailable(request: Request, exc: QueueUnavailable) -> Response:
        return error_response(503, exc.message, exc.hint)

    @app.exception_handler(PoseCoachError)
    async def posecoach_error(request: Request, exc: PoseCoachError) -> Response:
        return error_response(400, exc.message, exc.hint)

    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: sqlite3.Error) -> Response:
        status, message, hint = database_problem(exc)
        error_id = new_error_id()
        log.warning("error %s: database problem on %s %s: %s", error_id, request.method, request.url.path, exc)
        response = (pages.render_error_page(request, status, f"{message}: {hint}", error_id)
                    if wants_html(request) else error_response(status, message, hint, error_id))
        if status == 503:
            response.headers["Retry-After"] = "10"
        return response

    @app.exception_handler(OSError)
    async def storage_error(request: Request, exc: OSError) -> Response:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        error_id = new_error_id()
        log.warning("error %s: storage problem on %s %s: %s", error_id, request.method, request.url.path, exc)
        status, message, hint = ((507, "the server's disk is full", "free some space on the server, then try again")
                                 if full else (503, "the server cannot read or write its data right now",
                                               "try again later; the server log has the details under this id"))
        if wants_html(request):
            return pages.render_error_page(request, status, f"{message}: {hint}", error_id)
        return error_response(status, message, hint, error_id)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        error_id = new_error_id()
        log.error("error %s on %s %s", error_id, request.method, request.url.path, exc_info=exc)
        if wants_html(request):
            response: Response = pages.render_error_page(request, 500, "Something went wrong on the server.",
                                                         error_id)
        else:
            response = error_response(500, "internal server error",
                                      "the server log has the details under this id", error_id)
        # This handler answers from outside every middleware: stamp the headers here.
        return apply_security_headers(response, request.url.path)


class HeadAsGet:
    """Answers HEAD on every route as GET without the body (FastAPI routes are GET-only).

    A served file is still read to produce its headers; its chunks are dropped as they come."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)


def create_app(settings: ServeSettings, data_lock: DataDirLock | None = None) -> FastAPI:
    """data_lock: the data directory's lock when the caller took it already (`posecoach serve`
    does, before binding its port); otherwise start-up takes it."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Order matters: the lock before anything reads a job, so a second server on this
        # data directory stops here without touching the first one's work.
        lock = data_lock or DataDirLock.acquire(settings.data_dir)
        try:
            for folder in (settings.uploads_dir, settings.sessions_dir, settings.logs_dir):
                folder.mkdir(parents=True, exist_ok=True)
            queue = JobQueue(settings.db_path, verify=True)
            history = HistoryStore(settings.db_path)
            # Workers on other machines may be writing partial outputs right now: theirs to clean.
            remove_leftovers(settings.uploads_dir, settings.sessions_dir,
                             {job.input_path.resolve() for job in queue.list_jobs()},
                             partial_outputs=settings.queue_url is None)
            backend = backend_for(settings, queue, history)
            app.state.ctx = WebContext(settings, queue, history, backend)
            backend.start()
            try:
                yield
            finally:
                backend.stop()
        finally:
            if data_lock is None:
                lock.release()

    app = FastAPI(title="PoseCoach", version="1", lifespan=lifespan,
                  description="Upload a clip of a hamstring exercise, follow its analysis, read the "
                              "result and track progress over time. Errors are `{\"error\": message}`.",
                  docs_url=None, redoc_url=None)   # their pages load scripts from a CDN; the app is offline
    app.add_middleware(HeadAsGet)
    app.add_middleware(AccessGuard, token=settings.token, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)           # added last = outermost: also on the guard's answers
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(live.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
