"""One real analysis through the web app: the default runner (pose model, exercise
analyser, report writer) in a worker process, on a short real clip."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest

from tests.conftest import REALCLIPS, SAMPLES

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

pytestmark = pytest.mark.slow

CLIP = REALCLIPS / "hinge_deadlift_barbell_side_posereader2.mp4"   # 3.6 s, side view, one hinge


def short_clip() -> Path:
    if CLIP.exists():
        return CLIP
    samples = sorted(SAMPLES.glob("*.mp4"), key=lambda p: p.stat().st_size)
    if not samples:
        pytest.skip("no short clip: ../shared/realclips and sample_videos/ are both absent")
    return samples[0]


def test_real_analysis_through_the_api(tmp_path: Path, full_model: Path) -> None:
    if importlib.util.find_spec("posecoach.report") is None:
        pytest.skip("posecoach.report (write_outputs) is not available yet")
    from fastapi.testclient import TestClient

    from posecoach.web.app import create_app
    from posecoach.web.settings import ServeSettings

    clip = short_clip()
    exercise = "origin-stretch" if clip == CLIP else "auto"
    with TestClient(create_app(ServeSettings(data_dir=tmp_path / "data", poll_s=0.1))) as client:
        created = client.post("/api/analyses", data={"exercise": exercise},
                              files={"file": (clip.name, clip.read_bytes(), "video/mp4")})
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        seen_progress, deadline = set(), time.monotonic() + 300
        while (body := client.get(f"/api/analyses/{job_id}").json())["status"] not in ("done", "failed"):
            seen_progress.add(round(body["progress"], 1))
            assert time.monotonic() < deadline, body
            time.sleep(0.2)
        assert body["status"] == "done", body["error"]
        assert len(seen_progress) >= 3                          # progress moved while it ran
        report = body["report"]
        assert report["verdict"]["headline"] and report["exercise"] in ("origin-stretch", "leg-swing",
                                                                        "curl-hip-lift")
        files = body["files"]
        assert files["video"] and files["plots"] and files["angles_csv"]
        part = client.get(files["video"], headers={"range": "bytes=0-1023"})
        assert part.status_code == 206 and len(part.content) == 1024
        page = client.get(body["result_url"])
        assert report["verdict"]["headline"] in page.text.replace("&#39;", "'")
        session = client.get(f"/api/sessions/{job_id}").json()
        if clip == CLIP:
            assert report["view"] == "side"
            assert session["metrics"]["hinge_depth_deg"] > 40      # a deadlift is a deep hinge
