"""The live coaching page: `/live`, its WebSocket and the files its pose runtime loads.

    GET  /live                      the page (?exercise=ID&side=S&mode=auto|page|server
                                    &autostart=1&duration=S&countdown=0)
    GET  /live/runtime/{file}       MediaPipe Tasks Vision (WASM), provisioned from npm by
                                    `posecoach models install`; a fixed list of files
    GET  /live/models/{variant}.task  the project's own pose bundle, for the page
    WS   /live/ws                   one set: see posecoach.web.live_session

The WebSocket gets the checks the HTTP middleware gives every request (it sees only HTTP):
the Host allow-list, the same-origin check (a page on another site must not drive the
camera session) and the access token (the sign-in cookie, or ?token=). Each socket's
analysis runs on its own worker thread, so the event loop never waits for a frame.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse

from posecoach import models
from posecoach.errors import PoseCoachError
from posecoach.exercises.base import json_safe
from posecoach.web.deps import WebContext
from posecoach.web.live_session import (
    PAGE_MODELS,
    BrowserLiveSession,
    StartRequest,
    new_out_dir,
    saved_message,
)
from posecoach.web.security import COOKIE_NAME, session_cookie_value
from posecoach.web.settings import ServeSettings, exercise_ids, exercise_label

log = logging.getLogger("posecoach.web.live")
router = APIRouter(include_in_schema=False)
RUNTIME_TYPES = {".mjs": "text/javascript", ".js": "text/javascript", ".wasm": "application/wasm"}
MAX_LIVE_SESSIONS = 4          # sockets at once (server mode runs a pose model per socket)
START_TIMEOUT_S = 30.0
MAX_MESSAGE_BYTES = 2 * 1024 * 1024
POLICY_VIOLATION, UNSUPPORTED, TRY_AGAIN = 1008, 1003, 1013


def runtime_status() -> tuple[bool, str]:
    """(in-page pose available, why not)."""
    if not models.web_runtime_installed():
        return False, ("this server has no in-browser pose runtime (run `posecoach models install` "
                       "with Node.js/npm installed), so the pose model runs on the server")
    if not models.bundle_path("lite").exists():
        return False, "the 'lite' pose model is not installed, so the pose model runs on the server"
    return True, ""


@router.get("/live", response_class=HTMLResponse)
def live_page(request: Request, exercise: str = "", side: str = "", mode: str = "auto") -> HTMLResponse:
    from posecoach.web.pages import render

    in_page, reason = runtime_status()
    response = render(request, "live.html", page="live", exercises=exercise_ids(),
                      exercise_label=exercise_label, exercise=exercise if exercise in exercise_ids() else "",
                      side=side if side in ("left", "right") else "",
                      mode=mode if mode in ("auto", "page", "server") else "auto",
                      runtime=f"/live/runtime/{models.WEB_RUNTIME_NAME}" if in_page else "",
                      runtime_reason=reason)
    return response  # its CSP (LIVE_CSP: the WebAssembly runtime) comes from the security middleware


@router.get(f"/live/runtime/{models.WEB_RUNTIME_NAME}/{{name:path}}")
def runtime_file(name: str) -> FileResponse:
    if name not in models.WEB_RUNTIME_FILES or not models.web_runtime_installed():
        raise HTTPException(404, "no such runtime file")
    path = models.web_runtime_dir() / name
    suffix = path.suffix.lower()
    return FileResponse(path, media_type=RUNTIME_TYPES[suffix],
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/live/models/{variant}.task")
def model_file(variant: str) -> FileResponse:
    if variant not in PAGE_MODELS:
        raise HTTPException(404, f"no page model '{variant[:20]}'")
    path = models.bundle_path(variant)
    if not path.exists():
        raise HTTPException(404, f"the '{variant}' pose model is not installed",)
    return FileResponse(path, media_type="application/octet-stream",
                        headers={"Cache-Control": "public, max-age=86400"})


def refusal(websocket: WebSocket, settings: ServeSettings) -> str | None:
    """Why this WebSocket may not connect (None: it may)."""
    host = websocket.headers.get("host", "")
    hostname = urlsplit(f"//{host}").hostname or ""
    if settings.allowed_hosts is not None and hostname not in {h.strip("[]") for h in settings.allowed_hosts}:
        return f"unknown host '{host[:60]}'"
    origin = websocket.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != host:
        return "cross-site connection refused"
    if settings.token:
        offered = websocket.query_params.get("token", "")
        cookie = websocket.cookies.get(COOKIE_NAME, "")
        if not (hmac.compare_digest(offered.encode(), settings.token.encode())
                or hmac.compare_digest(cookie.encode(), session_cookie_value(settings.token).encode())):
            return "an access token is required"
    return None


async def _send(websocket: WebSocket, message: dict[str, Any]) -> None:
    await websocket.send_text(json.dumps(json_safe(message)))


async def _report(websocket: WebSocket, message: str, hint: str) -> bool:
    """Tell the page what went wrong; False when it is gone."""
    try:
        await _send(websocket, {"type": "error", "message": message, "hint": hint})
        return True
    except (WebSocketDisconnect, RuntimeError):
        return False


@router.websocket("/live/ws")
async def live_socket(websocket: WebSocket) -> None:
    ctx: WebContext = websocket.app.state.ctx
    problem = refusal(websocket, ctx.settings)
    if problem is not None:
        await websocket.close(code=POLICY_VIOLATION, reason=problem)
        return
    active: set[int] | None = getattr(websocket.app.state, "live_sockets", None)
    if active is None:
        active = websocket.app.state.live_sockets = set()
    if len(active) >= MAX_LIVE_SESSIONS:
        await websocket.close(code=TRY_AGAIN, reason="too many live sessions at once; try again shortly")
        return
    await websocket.accept()
    active.add(id(websocket))
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posecoach-live")
    try:
        await _serve(websocket, ctx, executor)
    finally:
        active.discard(id(websocket))
        executor.shutdown(wait=False)


async def _serve(websocket: WebSocket, ctx: WebContext, executor: ThreadPoolExecutor) -> None:
    loop = asyncio.get_running_loop()
    session: BrowserLiveSession | None = None
    connected = True

    async def on_worker(fn: Any, *args: Any) -> Any:  # all of a session's analysis on one thread
        return await loop.run_in_executor(executor, fn, *args)

    try:
        first = json.loads(await asyncio.wait_for(websocket.receive_text(), START_TIMEOUT_S))
        if not isinstance(first, dict) or first.get("type") != "start":
            raise PoseCoachError("the first message must be 'start'", "reload the page")
        start = StartRequest.parse(first, exercise_ids())
        session = await on_worker(BrowserLiveSession, start, new_out_dir(ctx.settings.sessions_dir),
                                  ctx.settings.db_path)
        await _send(websocket, session.ready_message())
        while not session.full:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                connected = False
                break
            data, text = message.get("bytes"), message.get("text")
            if len(data or text or "") > MAX_MESSAGE_BYTES:
                raise PoseCoachError("message too large")
            if data is not None:  # one camera frame: its landmarks (page mode) or its JPEG
                await _send(websocket, await on_worker(session.handle_frame, data))
                continue
            request = json.loads(text or "null")
            kind = request.get("type") if isinstance(request, dict) else None
            if kind == "command":
                await on_worker(session.command, request.get("name"))
            elif kind == "finish":
                break
            else:
                raise PoseCoachError(f"unknown message type '{str(kind)[:20]}'")
    except WebSocketDisconnect:
        connected = False
    except (TimeoutError, PoseCoachError, ValueError) as exc:
        problem = exc.message if isinstance(exc, PoseCoachError) else (
            "no start message" if isinstance(exc, TimeoutError) else "a message could not be read")
        hint = exc.hint if isinstance(exc, PoseCoachError) else "reload the page"
        connected = connected and await _report(websocket, problem, hint)
    except Exception:  # noqa: BLE001 - logged in full; the page gets one line
        log.exception("live session failed")
        connected = connected and await _report(websocket, "the live session failed on the server",
                                                "see the server log; reload the page to start again")
    finally:
        # Every way a set ends saves it, the socket dropping included.
        if session is not None:
            try:
                # The task is cancelled when the server stops or the client leaves, often right
                # after the drop: a cancelled await would also cancel the save still queued
                # for the worker thread, and the set would be lost. Both kinds of cancel
                # (anyio's scope, asyncio's task.cancel) wait for the save.
                with anyio.CancelScope(shield=True):
                    saved = await asyncio.shield(on_worker(session.save))
            except Exception:  # noqa: BLE001 - logged; the page is told when it is still there
                log.exception("saving a live session failed")
                saved = None
            if connected:
                try:
                    await _send(websocket, saved_message(saved) if saved is not None else
                                {"type": "error", "message": "the set could not be saved",
                                 "hint": "see the server log"})
                except (WebSocketDisconnect, RuntimeError):
                    connected = False
    if connected:
        try:
            await websocket.close()
        except RuntimeError:
            pass
