"""`posecoach serve`: the web app for uploading clips, reading results and tracking progress.

    from posecoach.web import ServeSettings, create_app
    app = create_app(ServeSettings(data_dir=Path("~/.local/share/posecoach")))

Modules: settings (ServeSettings), app (FastAPI wiring, start-up, error mapping), deps
(the per-app WebContext, a FastAPI dependency), services (what API and pages share:
lookups, output files, deletion), security (access guard, sign-in, security headers),
responses (JSON errors), api (JSON API), pages (HTML, output files, charts), jobs (the
SQLite queue), worker (the worker processes), runner (the default analysis job), uploads
(streaming, size-limited uploads), probe (checks an upload in a child process under the
media limits), datadir (one server per data directory; leftovers of killed uploads and
jobs), live (the live coaching page, its WebSocket and runtime files), live_session (one
browser live set on the server: the live path fed with the page's landmarks or frames),
tls (`serve --https`: a self-signed certificate), cli (the `serve` and `history` commands).
Imports run one way: app -> api/pages -> services -> deps; routers never import app. The session
history itself is posecoach.history, shared with live coaching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posecoach.web.app import create_app
    from posecoach.web.settings import ServeSettings

__all__ = ["ServeSettings", "create_app"]


def __getattr__(name: str) -> Any:
    # Lazy: `posecoach history` and the worker processes need no FastAPI import.
    if name == "create_app":
        from posecoach.web.app import create_app
        return create_app
    if name == "ServeSettings":
        from posecoach.web.settings import ServeSettings
        return ServeSettings
    raise AttributeError(name)
