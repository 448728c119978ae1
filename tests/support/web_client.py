"""Talking to the web app under test: its settings with the fake runners, an upload, and
waiting for a job (the API tests and the fault, page, security and reliability tests)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posecoach.web.settings import ServeSettings
from tests.support.web_runners import RUNNER

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

TIMEOUT_S = 60


def settings(data_dir: Path, **overrides: Any) -> ServeSettings:
    values: dict[str, Any] = {"data_dir": data_dir, "workers": 2, "runner": RUNNER, "poll_s": 0.05}
    values.update(overrides)
    return ServeSettings(**values)


def upload(client: TestClient, clip: Path, exercise: str = "auto", filename: str = "clip.mp4",
           content: bytes | None = None) -> Any:
    data = clip.read_bytes() if content is None else content
    return client.post("/api/analyses", data={"exercise": exercise},
                       files={"file": (filename, data, "video/mp4")})


def wait_for(client: TestClient, job_id: str, statuses: tuple[str, ...] = ("done", "failed"),
             timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        body = client.get(f"/api/analyses/{job_id}").json()
        if body["status"] in statuses:
            return body  # type: ignore[no-any-return]
        assert time.monotonic() < deadline, f"job stuck in {body}"
        time.sleep(0.05)


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []
