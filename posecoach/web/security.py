"""Who may talk to the app, and what every response tells the browser.

Two pure ASGI middlewares (they leave upload streaming untouched):
- `SecurityHeaders` stamps CSP, nosniff, Referrer-Policy and frame-ancestors onto every
  response: pages, JSON, errors, the sign-in page, static files and served report files.
- `AccessGuard`: Host allow-list, same-origin check for state-changing requests, and the
  optional access token (Bearer header, or the cookie the sign-in form sets).

The sign-in form always posts to SIGNIN_PATH and carries the page to return to as a
`next` field that is only ever a same-origin relative path (`safe_next`): the request
path is never used as a form action or as a redirect target on its own.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posecoach.web.responses import error_response, wants_html

COOKIE_NAME = "posecoach_session"
SIGNIN_PATH = "/signin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_SIGNIN_BODY_BYTES = 4096

# Pages: everything from this origin, nothing inline, never framed.
PAGE_CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
            "script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'")
# The live page also compiles the pose runtime's WebAssembly: 'wasm-unsafe-eval', never
# 'unsafe-eval'; it still talks only to this origin (connect-src 'self' covers ws:/wss: to it).
LIVE_PATH = "/live"
LIVE_WORKER_PATH = "/static/live_pose_worker.js"   # a worker runs under its own script's CSP
LIVE_CSP = PAGE_CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'")
# Served output files (report.html has inline styles and data: charts): no scripts at all,
# a sandbox, and no way to reach anything but this origin's files.
FILES_CSP = ("default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
             "frame-ancestors 'none'; base-uri 'none'; form-action 'none'; sandbox")
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                  "X-Frame-Options": "DENY", "Cross-Origin-Opener-Policy": "same-origin"}


def security_headers(path: str) -> dict[str, str]:
    csp = FILES_CSP if path.startswith("/files/") else LIVE_CSP if path in (LIVE_PATH, LIVE_WORKER_PATH) else PAGE_CSP
    return {"Content-Security-Policy": csp, **COMMON_HEADERS}


def apply_security_headers(response: Response, path: str) -> Response:
    """For responses sent outside the middleware (the 500 handler runs outermost)."""
    for name, value in security_headers(path).items():
        response.headers.setdefault(name, value)
    return response


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site (`/results/...`), else "/".

    Refused: absolute URLs and schemes, protocol-relative `//host`, `/\\host` (browsers read
    a backslash as a slash), and anything with whitespace or control characters (browsers
    drop tabs and newlines, so `/\\t/host` would become `//host`)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def session_cookie_value(token: str) -> str:
    """What the login cookie holds: a keyed hash, so the token itself is not stored in the browser."""
    return hmac.new(token.encode(), b"posecoach-web-session", hashlib.sha256).hexdigest()


_SIGNIN_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>PoseCoach: sign in</title>
</head><body><main><h1>PoseCoach</h1>
<p>This server is protected by an access token. Enter the token given to <code>posecoach serve --token</code>.</p>
<form method="post" action="{action}"><input type="hidden" name="next" value="{next}">
<input type="password" name="token" autofocus required aria-label="access token">
<button type="submit">Sign in</button></form>{message}</main></body></html>"""


def signin_page(next_path: str, message: str = "", status: int = 401) -> HTMLResponse:
    shown = f"<p class='error'>{html.escape(message)}</p>" if message else ""
    return HTMLResponse(_SIGNIN_PAGE.format(action=SIGNIN_PATH, next=html.escape(safe_next(next_path)),
                                            message=shown), status_code=status)


def _path_and_query(request: Request, drop: str = "") -> str:
    rest = [(k, v) for k, v in request.query_params.multi_items() if k != drop]
    return request.url.path + (f"?{urlencode(rest)}" if rest else "")


class AccessGuard:
    def __init__(self, app: ASGIApp, token: str | None, allowed_hosts: tuple[str, ...] | None) -> None:
        self.app, self.token, self.allowed_hosts = app, token, allowed_hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        response = self._check(request)
        if response is None and self.token and request.url.path == SIGNIN_PATH:
            response = await self._sign_in(request)
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    def _check(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        hostname = urlsplit(f"//{host}").hostname or ""
        if self.allowed_hosts is not None and hostname not in {h.strip("[]") for h in self.allowed_hosts}:
            return error_response(400, f"unknown host '{host[:100]}'",
                                  "open the app via localhost, or start it with --host")
        origin = request.headers.get("origin")
        if request.method not in SAFE_METHODS and origin is not None and urlsplit(origin).netloc != host:
            return error_response(403, "cross-site request refused")
        if not self.token or request.url.path == SIGNIN_PATH:
            return None
        offered = request.query_params.get("token")
        if offered is not None and request.method in ("GET", "HEAD"):
            if not hmac.compare_digest(offered.encode(), self.token.encode()):
                return self._denied(request, "wrong access token")
            return self._signed_in(_path_and_query(request, drop="token"))
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and hmac.compare_digest(auth[7:].strip().encode(),
                                                                      self.token.encode()):
            return None
        expected = session_cookie_value(self.token)
        if hmac.compare_digest(request.cookies.get(COOKIE_NAME, "").encode(), expected.encode()):
            return None
        return self._denied(request, "an access token is required")

    async def _sign_in(self, request: Request) -> Response:
        assert self.token is not None
        if request.method in ("GET", "HEAD"):
            return signin_page(request.query_params.get("next", "/"), status=200)
        if request.method != "POST":
            return error_response(405, "sign in with POST")
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_SIGNIN_BODY_BYTES:
                return error_response(413, "the sign-in form is too large")
        form = parse_qs(body.decode("utf-8", "replace"))
        offered = (form.get("token") or [""])[0]
        next_path = (form.get("next") or ["/"])[0]
        if not hmac.compare_digest(offered.encode(), self.token.encode()):
            return signin_page(next_path, "wrong access token")
        return self._signed_in(next_path)

    def _signed_in(self, next_path: str) -> Response:
        assert self.token is not None
        redirect = RedirectResponse(safe_next(next_path), status_code=303)
        redirect.set_cookie(COOKIE_NAME, session_cookie_value(self.token), httponly=True, samesite="strict")
        return redirect

    @staticmethod
    def _denied(request: Request, message: str) -> Response:
        if wants_html(request):
            return signin_page(_path_and_query(request, drop="token"), message if "wrong" in message else "")
        response = error_response(401, message, "send 'Authorization: Bearer <token>' or sign in "
                                  f"at {SIGNIN_PATH} in the browser")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
