"""FastAPI dependencies: the per-app context every route reads its state from.

`create_app` builds one `WebContext` at start-up and stores it on `app.state`; routes ask
for it with `ctx: WebContext = Depends(get_ctx)` (tests may override `get_ctx`). Routers
import this module, never posecoach.web.app, so the web package has no import cycle:
app -> routers (api, pages) -> services -> deps.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from posecoach.history import HistoryStore
from posecoach.web.backends import JobBackend
from posecoach.web.jobs import JobQueue
from posecoach.web.settings import ServeSettings


@dataclass(frozen=True)
class WebContext:
    settings: ServeSettings
    queue: JobQueue
    history: HistoryStore
    backend: JobBackend     # runs the queued jobs: local worker processes or Redis workers


def get_ctx(request: Request) -> WebContext:
    return request.app.state.ctx  # type: ignore[no-any-return]
