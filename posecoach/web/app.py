"""The FastAPI application: wiring, access control and error mapping.

Routers by resource (posecoach.web.api for JSON, posecoach.web.pages for HTML and
files); the per-app state (settings, queue, history, supervisor) lives in one
`WebContext` reached through the `get_ctx` dependency, so tests build as many apps as
they like. Every error leaves as JSON `{"error": message}` (an HTML page for a browser
asking for a page), never a stack trace.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from posecoach.errors import PoseCoachError
from posecoach.history import HistoryStore
from posecoach.web.jobs import JobQueue
from posecoach.web.settings import ServeSettings
from posecoach.web.worker import Supervisor

log = logging.getLogger("posecoach.web")
WEB_DIR = Path(__file__).resolve().parent
COOKIE_NAME = "posecoach_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WebContext:
    settings: ServeSettings
    queue: JobQueue
    history: HistoryStore
    supervisor: Supervisor


def get_ctx(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]


def error_response(status: int, message: str, hint: str = "") -> JSONResponse:
    body = {"error": message, **({"hint": hint} if hint else {})}
    return JSONResponse(body, status_code=status)


def wants_html(request: Request) -> bool:
    return (request.method == "GET" and not request.url.path.startswith(("/api/", "/files/", "/static/"))
            and "text/html" in request.headers.get("accept", ""))


def session_cookie_value(token: str) -> str:
    """What the login cookie holds: a keyed hash, so the token itself is not stored in the browser."""
    return hmac.new(token.encode(), b"posecoach-web-session", hashlib.sha256).hexdigest()


_LOGIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>PoseCoach: sign in</title>
</head><body><main><h1>PoseCoach</h1>
<p>This server is protected by an access token. Enter the token given to <code>posecoach serve --token</code>.</p>
<form method="get" action="{path}"><input type="password" name="token" autofocus required
 aria-label="access token"> <button type="submit">Sign in</button></form>{message}</main></body></html>"""


class AccessGuard:
    """Pure ASGI middleware (leaves upload streaming untouched): Host allow-list,
    same-origin check for state-changing requests, and the optional access token
    (Bearer header, or a cookie set by visiting any page with ?token=...)."""

    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: tuple[str, ...] | None) -> None:
        self.app, self.token, self.allowed_hosts = app, token, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        response = self._check(request)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _check(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        if self.allowed_hosts is not None and hostname not in {h.strip("[]") for h in self.allowed_hosts}:
            return error_response(400, f"unknown host '{host}'",
                                  "open the app via localhost, or start it with --host")
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None and urlsplit(origin).netloc != host:
            return error_response(403, "cross-site request refused")
        if not self.token:
            return None
        expected = session_cookie_value(self.token)
        offered = request.query_params.get("token")
        if offered is not None and request.method == "GET":
            if not hmac.compare_digest(offered.encode(), self.token.encode()):
                return self._denied(request, "wrong access token")
            rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
            target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
            redirect = RedirectResponse(target, status_code=303)
            redirect.set_cookie(COOKIE_NAME, expected, httponly=True, samesite="strict")
            return redirect
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(),
                                                                      self.token.encode()):
            return None
        if hmac.compare_digest(request.cookies.get(COOKIE_NAME, "").encode(), expected.encode()):
            return None
        return self._denied(request, "an access token is required")

    @staticmethod
    def _denied(request: Request, message: str) -> Response:
        if wants_html(request):
            page = _LOGIN_PAGE.format(path=html.escape(request.url.path), message=f"<p class='error'>{message}</p>"
                                      if "wrong" in message else "")
            return HTMLResponse(page, status_code=401)
        response = error_response(401, message, "send 'Authorization: Bearer <token>' or sign in "
                                  "by opening /?token=<token> in the browser")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response


def _install_error_handlers(app: FastAPI) -> None:
    from posecoach.web.pages import render_error_page

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"not found: {request.url.path}"
        if wants_html(request):
            return render_error_page(request, exc.status_code, message)
        return error_response(exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
                             for e in exc.errors())
        return error_response(422, f"invalid request: {problems}")

    @app.exception_handler(PoseCoachError)
    async def posecoach_error(request: Request, exc: PoseCoachError) -> Response:
        return error_response(400, exc.message, exc.hint)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal server error (details are in the server log)")


def create_app(settings: ServeSettings) -> FastAPI:
    from posecoach.web import api, pages

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        for folder in (settings.uploads_dir, settings.sessions_dir, settings.logs_dir):
            folder.mkdir(parents=True, exist_ok=True)
        queue = JobQueue(settings.db_path)
        history = HistoryStore(settings.db_path)
        supervisor = Supervisor(settings, queue)
        app.state.ctx = WebContext(settings, queue, history, supervisor)
        supervisor.start()
        try:
            yield
        finally:
            supervisor.stop()

    app = FastAPI(title="PoseCoach", version="1", lifespan=lifespan,
                  description="Upload a clip of a hamstring exercise, follow its analysis, read the "
                              "result and track progress over time. Errors are `{\"error\": message}`.",
                  docs_url=None, redoc_url=None)   # their pages load scripts from a CDN; the app is offline
    app.add_middleware(AccessGuard, token=settings.token, allowed_hosts=settings.allowed_hosts)
    _install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    return app
