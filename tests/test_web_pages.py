"""The server-rendered pages: offline assets, Result and History (incl. live sessions), charts."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

from fastapi.testclient import TestClient  # noqa: E402

from posecoach.history import HistoryStore  # noqa: E402
from posecoach.web.app import create_app  # noqa: E402
from posecoach.web.settings import ServeSettings  # noqa: E402
from posecoach.web.views import fmt_value, result_view  # noqa: E402
from tests.test_history import CURL, ORIGIN, SWING  # noqa: E402
from tests.test_web_support import RUNNER, fake_report, make_clip, write_fake_outputs  # noqa: E402

HTML = {"accept": "text/html"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    settings = ServeSettings(data_dir=data_dir, runner=RUNNER, poll_s=0.05)
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def live_session(tmp_path: Path, data_dir: Path, client: TestClient) -> tuple[str, Path]:
    """A live-coached set as posecoach.live writes it: its own folder, outside the data dir."""
    folder = tmp_path / "live-out" / "session-1"
    write_fake_outputs(make_clip(tmp_path / "rec.mp4"), folder, fake_report("leg-swing"))
    sid = HistoryStore(data_dir / "posecoach.db").add_session(fake_report("leg-swing"), "live", folder)
    return sid, folder


def test_pages_use_only_local_assets(client: TestClient) -> None:
    for path in ("/", "/history"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200
        assert "script-src 'self'" in page.headers["content-security-policy"]
        refs = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert refs and all(r.startswith("/") for r in refs), refs          # no CDN, no external host
        for asset in (r for r in refs if r.startswith("/static/")):
            assert client.get(asset).status_code == 200, asset
        assert "<script>" not in page.text and "style=" not in page.text    # nothing inline (CSP)


def test_upload_page_offers_every_exercise_and_the_limit(client: TestClient) -> None:
    page = client.get("/").text
    for value in ("auto", "origin-stretch", "leg-swing", "curl-hip-lift"):
        assert f'value="{value}"' in page
    assert 'id="drop-zone"' in page and 'data-max-bytes="524288000"' in page and "500 MB" in page


def test_live_session_result_page_and_files(client: TestClient, live_session: tuple[str, Path]) -> None:
    sid, folder = live_session
    page = client.get(f"/results/{sid}", headers=HTML)
    assert page.status_code == 200
    assert "Good swings: big and controlled" in page.text and "live" in page.text
    assert f"/files/{sid}/annotated.mp4" in page.text and f"/files/{sid}/plots/angles.png" in page.text
    assert 'data-start="0.2"' in page.text                          # fault timeline seeks the video
    video = client.get(f"/files/{sid}/annotated.mp4", headers={"range": "bytes=0-9"})
    assert video.status_code == 206 and len(video.content) == 10
    api = client.get(f"/api/sessions/{sid}").json()
    assert api["source"] == "live" and api["files"]["angles_csv"] == f"/files/{sid}/angles.csv"

    assert client.delete(f"/api/sessions/{sid}").status_code == 200
    assert folder.exists()                                           # the user's own folder is kept
    assert client.get(f"/results/{sid}", headers=HTML).status_code == 404


def test_history_lists_filters_charts_and_deletes(client: TestClient, data_dir: Path) -> None:
    store = HistoryStore(data_dir / "posecoach.db")
    ids = {name: store.add_session(rep, "upload", None, created_at=1_700_000_000 + i * 86400)
           for i, (name, rep) in enumerate((("origin", ORIGIN), ("swing", SWING), ("curl", CURL)))}
    page = client.get("/history").text
    assert all(f'data-id="{sid}"' in page for sid in ids.values())
    for exercise in ("origin-stretch", "leg-swing", "curl-hip-lift"):
        assert f"/history/charts/{exercise}.png" in page
        chart = client.get(f"/history/charts/{exercise}.png")
        assert chart.status_code == 200 and chart.content.startswith(PNG_MAGIC)

    only_swings = client.get("/history?exercise=leg-swing&side=left").text
    assert f'data-id="{ids["swing"]}"' in only_swings and f'data-id="{ids["origin"]}"' not in only_swings
    assert "/history/charts/leg-swing.png?side=left" in only_swings
    assert "No sessions match" in client.get("/history?exercise=curl-hip-lift&side=left").text

    deleted = client.post(f"/history/{ids['curl']}/delete", follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/history"
    assert f'data-id="{ids["curl"]}"' not in client.get("/history").text
    assert client.get("/api/progression/leg-swing").json()["rows"][0]["max_amplitude_left_deg"] == 95.5


def test_chart_of_an_empty_history_is_still_an_image(client: TestClient) -> None:
    chart = client.get("/history/charts/origin-stretch.png")
    assert chart.status_code == 200 and chart.content.startswith(PNG_MAGIC)
    assert client.get("/history/charts/yoga.png").status_code == 404


def test_missing_pages_are_html_for_browsers_and_json_for_clients(client: TestClient) -> None:
    page = client.get("/results/" + "f" * 32, headers=HTML)
    assert page.status_code == 404 and "<html" in page.text and "deleted" in page.text
    api = client.get("/results/" + "f" * 32)
    assert api.status_code == 404 and "error" in api.json()


@pytest.mark.parametrize("report", [
    {},                                                               # nothing at all
    {"exercise": "leg-swing", "verdict": "good", "summary": None, "faults": "x"},  # wrong types
    {"exercise": "origin-stretch", "summary": {"nested": {"a_deg": 1.5}, "list": [1, 2]},
     "faults": [{"code": "rounded_back", "start_s": 1.0, "end_s": None, "message": "m"}],
     "conditions": [{"code": "not_side_view", "start_s": 0.0, "end_s": 2.0, "message": "turn"}]},
])
def test_result_view_survives_any_report(report: dict) -> None:
    view = result_view(report, {"video": None, "plots": []})
    assert view["headline"] and view["status_class"] in ("good", "warn", "bad", "neutral")


def test_values_are_formatted_with_units() -> None:
    assert fmt_value("max_trunk_inclination_deg", 61.96) == "62.0°"
    assert fmt_value("longest_hold_s", 21) == "21 s"
    assert fmt_value("hip_hinge", True) == "yes" and fmt_value("x", None) == "–"


def test_result_page_follows_a_running_job_and_shows_a_failure(tmp_path: Path) -> None:
    from tests.test_web_api import upload, wait_for
    from tests.test_web_support import CHAOS_RUNNER

    clip = make_clip(tmp_path / "clip.mp4")
    settings = ServeSettings(data_dir=tmp_path / "data", runner=CHAOS_RUNNER, poll_s=0.05)
    with TestClient(create_app(settings)) as client:
        failing = upload(client, clip, exercise="origin-stretch").json()["id"]
        wait_for(client, failing)
        page = client.get(f"/results/{failing}", headers=HTML).text
        assert "Analysis failed" in page and "no person found in the clip" in page

    settings = ServeSettings(data_dir=tmp_path / "data2", runner="tests.test_web_support:gated_runner",
                             poll_s=0.05)
    with TestClient(create_app(settings)) as client:
        running = upload(client, clip).json()["id"]
        wait_for(client, running, ("running",))
        deadline = time.monotonic() + 60
        while client.get(f"/api/analyses/{running}").json()["progress"] < 0.5:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        page = client.get(f"/results/{running}", headers=HTML).text
        assert 'data-status="running"' in page and "Waiting at the gate" in page and "50%" in page
        (tmp_path / "data2" / "release-gate").touch()
        wait_for(client, running)
