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
from posecoach.web.views import result_view  # noqa: E402
from tests.support.history_reports import CURL, ORIGIN, SWING  # noqa: E402
from tests.support.web_runners import RUNNER, fake_report, make_clip, write_fake_outputs  # noqa: E402

HTML = {"accept": "text/html"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FRONT_VIEW = {**ORIGIN, "verdict": {"status": "not_assessable",
                                    "headline": "Could not assess the stretch: turn side-on to the camera "
                                                "and record again."},
              "summary": {"holds": 0, "longest_hold_s": 0.0}, "holds": [],
              "conditions": [{"code": "not_side_view", "start_s": 0.0, "end_s": 3.0, "message": "Turn side-on."}]}


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
        assert f'data-exercise="{exercise}"' in page                 # an inline SVG chart per exercise
    assert page.count("<svg class=\"progress-chart\"") >= 6 and "session date" in page

    only_swings = client.get("/history?exercise=leg-swing&side=left").text
    assert f'data-id="{ids["swing"]}"' in only_swings and f'data-id="{ids["origin"]}"' not in only_swings
    assert "No sessions match" in client.get("/history?exercise=curl-hip-lift&side=left").text

    deleted = client.post(f"/history/{ids['curl']}/delete", follow_redirects=False)
    assert deleted.status_code == 303 and deleted.headers["location"] == "/history"
    assert f'data-id="{ids["curl"]}"' not in client.get("/history").text
    assert client.get("/api/progression/leg-swing").json()["rows"][0]["max_amplitude_left_deg"] == 95.5


def test_a_session_that_could_not_be_assessed_is_listed_but_never_plotted(client: TestClient,
                                                                          data_dir: Path) -> None:
    store = HistoryStore(data_dir / "posecoach.db")
    good = store.add_session(ORIGIN, "upload", None, created_at=1_700_000_000)
    front = store.add_session(FRONT_VIEW, "upload", None, created_at=1_700_086_400)
    page = client.get("/history").text
    assert f'data-id="{front}"' in page and "Could not assess" in page
    rows = client.get("/api/progression/origin-stretch").json()["rows"]
    assert [r["id"] for r in rows] == [good]                        # no 0 s hold from the front view
    assert page.count("<circle") == 3                               # one dot per metric, of one session
    result = client.get(f"/results/{front}", headers=HTML).text
    assert 'href="/how-to-film"' in result and 'id="film-help"' in result


def test_history_exports_csv_and_a_printable_page(client: TestClient, data_dir: Path) -> None:
    store = HistoryStore(data_dir / "posecoach.db")
    store.add_session({**ORIGIN, "input": {"path": "/clips/monday stretch.mp4"}}, "upload", None,
                      created_at=1_700_000_000)
    store.add_session(SWING, "live", None, created_at=1_700_086_400)
    csv_text = client.get("/history.csv").text
    lines = csv_text.splitlines()
    assert lines[0].startswith("date,exercise,leg,file,source,verdict") and len(lines) == 3
    assert "monday stretch.mp4" in lines[1] and "21.5" in lines[1] and "live session" in lines[2]
    printed = client.get("/history/print", headers=HTML).text
    assert "training record" in printed and "monday stretch.mp4" in printed and "Hamstring origin stretch" in printed


def test_how_to_film_page_and_its_rendered_picture(client: TestClient) -> None:
    page = client.get("/how-to-film", headers=HTML).text
    for words in ("Side-on", "hip height", "3 m", "Whole body", "nearest the camera", "light"):
        assert words in page
    picture = client.get("/how-to-film.png")
    assert picture.status_code == 200 and picture.content.startswith(PNG_MAGIC)
    assert 'href="/how-to-film"' in client.get("/").text              # linked from upload


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
    assert view["text"].headline and view["text"].status_class in ("good", "warn", "short", "neutral")


def test_result_page_shows_target_progress_last_time_and_left_against_right(client: TestClient,
                                                                           data_dir: Path) -> None:
    store = HistoryStore(data_dir / "posecoach.db")
    short = {"holds": 1, "longest_hold_s": 12.0, "total_hold_s": 12.0, "max_trunk_inclination_deg": 55.0}
    left = store.add_session({**ORIGIN, "working_side": "left", "summary": short,
                              "holds": [{"duration_s": 12.0, "knee_flexion_deg": 10.0}]}, "upload", None,
                             created_at=1_700_000_000)
    before = store.add_session({**ORIGIN, "summary": {**short, "longest_hold_s": 15.5},
                                "holds": [{"duration_s": 15.5, "knee_flexion_deg": 14.0}]}, "upload", None,
                               created_at=1_700_050_000)
    now = store.add_session(ORIGIN, "upload", None, created_at=1_700_086_400)
    page = client.get(f"/results/{now}", headers=HTML).text
    assert "21.5 of 30 s" not in page and "22 of 30 s" in page and "2 of 3 holds" in page
    assert "Good form, hold longer" in page                          # a 21.5 s hold is not the 30 s target
    assert 'id="compared"' in page and "21.5 s, up 6 s from 15.5 s" in page and f"/results/{before}" in page
    assert 'id="sides"' in page and f"/results/{left}" in page and "44% difference" in page
    assert 'id="next-step"' in page and "hold the stretch for 30 s" in page
    assert "_deg" not in page and "_s<" not in page and " deg" not in page   # no raw keys, one unit style


def test_result_page_follows_a_running_job_and_shows_a_failure(tmp_path: Path) -> None:
    from tests.support.web_client import upload, wait_for
    from tests.support.web_runners import CHAOS_RUNNER

    clip = make_clip(tmp_path / "clip.mp4")
    settings = ServeSettings(data_dir=tmp_path / "data", runner=CHAOS_RUNNER, poll_s=0.05)
    with TestClient(create_app(settings)) as client:
        failing = upload(client, clip, exercise="origin-stretch").json()["id"]
        wait_for(client, failing)
        page = client.get(f"/results/{failing}", headers=HTML).text
        assert "Analysis failed" in page and "no person found in the clip" in page

    settings = ServeSettings(data_dir=tmp_path / "data2", runner="tests.support.web_runners:gated_runner",
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
