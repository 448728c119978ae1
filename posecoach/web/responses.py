"""How errors leave the app: JSON `{"error": message, "hint"?: ..., "id"?: ...}` for clients,
an HTML page for a browser asking for a page (posecoach.web.pages renders that one)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse

# Paths that never answer with an HTML page, whatever the Accept header says.
_NOT_PAGES = ("/api/", "/files/", "/static/")


def error_response(status: int, message: str, hint: str = "", error_id: str = "") -> JSONResponse:
    """`error_id` names the server-log entry that has the details (never sent to the client)."""
    body = {"error": message, **({"hint": hint} if hint else {}), **({"id": error_id} if error_id else {})}
    return JSONResponse(body, status_code=status)


def wants_html(request: Request) -> bool:
    return (request.method in ("GET", "HEAD") and not request.url.path.startswith(_NOT_PAGES)
            and "text/html" in request.headers.get("accept", ""))
