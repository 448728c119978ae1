"""`posecoach serve`: the JSON API and the job queue, through TestClient with fake runners
in real worker processes (see tests/support/web_runners.py)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

from fastapi.testclient import TestClient  # noqa: E402

from posecoach.web.app import create_app  # noqa: E402
from tests.support.web_client import TIMEOUT_S, files_under, settings, upload, wait_for  # noqa: E402
from tests.support.web_runners import (  # noqa: E402
    CHAOS_RUNNER, GATE_NAME, GATED_RUNNER, make_clip)

@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings(tmp_path / "data"))) as c:
        yield c


# ------------------------------------------------------------------ the happy path
def test_upload_reports_progress_then_the_result(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER))) as client:
        created = upload(client, clip, exercise="leg-swing")
        assert created.status_code == 202, created.text
        body = created.json()
        assert body["status"] == "queued" and len(body["id"]) == 32
        assert created.headers["location"] == f"/api/analyses/{body['id']}"

        running = wait_for(client, body["id"], ("running",))
        deadline = time.monotonic() + TIMEOUT_S
        while running["progress"] < 0.5:        # the worker's progress reaches the API
            assert time.monotonic() < deadline
            running = client.get(f"/api/analyses/{body['id']}").json()
        assert running["stage"] == "waiting at the gate" and "report" not in running or running["report"] is None

        (data_dir / GATE_NAME).touch()
        done = wait_for(client, body["id"])
        assert done["status"] == "done", done
        assert done["progress"] == 1.0 and done["attempts"] == 1 and done["error"] is None
        assert done["report"]["verdict"]["headline"] == "Good swings: big and controlled"
        files = done["files"]
        assert files["video"] == f"/files/{body['id']}/annotated.mp4"
        assert files["plots"] == [f"/files/{body['id']}/plots/angles.png"]
        assert client.get(files["report_json"]).json()["exercise"] == "leg-swing"
        csv = client.get(files["angles_csv"])
        assert csv.status_code == 200 and csv.text.startswith("t_s,")
        assert "attachment" in csv.headers["content-disposition"]

        page = client.get(done["result_url"])
        assert page.status_code == 200
        assert "Good swings: big and controlled" in page.text
        assert page.text.index("verdict-headline") < page.text.index("Your numbers")   # verdict first
        assert "Torso lean" in page.text and files["video"] in page.text

        listed = client.get("/api/analyses").json()["analyses"]
        assert [a["id"] for a in listed] == [body["id"]] and listed[0]["status"] == "done"


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/analyses"]["post"]
    schema = post["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(schema["properties"]) == {"file", "exercise"}
    assert "202" in post["responses"] and "413" in post["responses"]
    assert {"get", "delete"} <= set(spec["paths"]["/api/analyses/{analysis_id}"])
    assert client.get("/docs").status_code == 404      # its page would load scripts from a CDN


# ------------------------------------------------------------------ safety
def test_upload_over_the_limit_is_refused_with_413(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, max_upload_bytes=20_000))) as client:
        response = upload(client, clip, content=b"\0" * 200_000)
        assert response.status_code == 413
        assert "larger than the limit" in response.json()["error"]
        assert files_under(data_dir / "uploads") == []
        assert client.get("/api/analyses").json()["analyses"] == []


@pytest.mark.parametrize("filename, content, words", [
    ("clip.mp4", b"\x00\x01garbage" * 500, "not a readable video"),   # random bytes
    ("photo.png", b"this is text, not a PNG", "not a readable image"),  # lying extension
    ("clip.mp4", b"", "empty"),                                          # nothing at all
])
def test_undecodable_upload_is_a_4xx_json_error(tmp_path: Path, clip: Path, filename: str,
                                                content: bytes, words: str) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir))) as client:
        response = upload(client, clip, filename=filename, content=content)
        assert 400 <= response.status_code < 500
        error = response.json()["error"]
        assert words in error and filename in error and "Traceback" not in response.text
        assert files_under(data_dir / "uploads") == []


@pytest.mark.parametrize("filename", ["../../etc/passwd", "..\\..\\windows\\evil.mp4", "/abs/path/x.mov",
                                      "name\x00with\nnul.mp4"])
def test_filename_with_path_components_is_harmless(tmp_path: Path, clip: Path, filename: str) -> None:
    data_dir = tmp_path / "data"
    before = set(tmp_path.rglob("*"))
    with TestClient(create_app(settings(data_dir))) as client:
        response = upload(client, clip, filename=filename)
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        done = wait_for(client, job_id)
    assert done["status"] == "done"
    assert "/" not in done["filename"] and "\\" not in done["filename"] and "\x00" not in done["filename"]
    stored = files_under(data_dir / "uploads")
    assert [p.stem for p in stored] == [job_id]                      # named by the generated id
    assert all(p.is_relative_to(data_dir) for p in set(tmp_path.rglob("*")) - before)


def test_bad_requests_answer_json_errors(client: TestClient, clip: Path) -> None:
    cases = [
        (client.post("/api/analyses", content=b"x", headers={"content-type": "text/plain"}), 415),
        (client.post("/api/analyses", data={"exercise": "auto"}), 415),            # no file at all
        (client.post("/api/analyses", data={"exercise": "auto"},
                     files={"other": ("a.txt", b"x", "text/plain")}), 400),
        (upload(client, clip, exercise="yoga"), 422),
        (client.get("/api/analyses/" + "0" * 32), 404),
        (client.get("/api/analyses/../../etc/passwd"), 404),
        (client.get("/api/nothing-here"), 404),
        (client.delete("/api/analyses/not-an-id"), 404),
    ]
    for response, status in cases:
        assert response.status_code == status, (response.request.url, response.text)
        assert isinstance(response.json()["error"], str) and "Traceback" not in response.text
    assert client.get("/api/analyses").json()["analyses"] == []


def test_streaming_stops_reading_at_the_limit(tmp_path: Path) -> None:
    import asyncio

    from posecoach.web.uploads import UploadError, receive_multipart

    consumed = []

    async def body() -> Any:
        yield (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp4\"\r\n"
               b"Content-Type: video/mp4\r\n\r\n")
        for i in range(1000):            # 64 MB on offer; the limit is 1 MB
            consumed.append(i)
            yield b"\0" * 65536

    with pytest.raises(UploadError) as info:
        asyncio.run(receive_multipart(body(), "multipart/form-data; boundary=b", tmp_path / "x", 1 << 20))
    assert info.value.status == 413
    assert len(consumed) <= 17           # stopped right after the 1 MB mark
    assert list(tmp_path.iterdir()) == []


def test_token_protects_everything(tmp_path: Path) -> None:
    token = "s3cret-token"
    with TestClient(create_app(settings(tmp_path / "data", token=token))) as client:
        for path in ("/api/analyses", "/openapi.json", "/static/style.css", "/files/" + "0" * 32 + "/report.json"):
            denied = client.get(path)
            assert denied.status_code == 401 and "token" in denied.json()["error"], path
        assert client.get("/", headers={"accept": "text/html"}).status_code == 401     # login page
        assert client.get("/api/analyses", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert client.get("/api/analyses", headers={"authorization": f"Bearer {token}"}).status_code == 200
        assert client.get("/?token=wrong", follow_redirects=False).status_code == 401

        login = client.get(f"/history?exercise=leg-swing&token={token}", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/history?exercise=leg-swing"
        assert token not in login.headers["set-cookie"]            # the cookie holds a keyed hash
        assert client.get("/api/analyses").status_code == 200       # the cookie now opens everything
        assert client.get("/static/upload.js").status_code == 200


def test_cross_site_and_foreign_host_requests_are_refused(tmp_path: Path, clip: Path) -> None:
    app = create_app(settings(tmp_path / "data", allowed_hosts=("localhost", "127.0.0.1")))
    with TestClient(app, base_url="http://localhost:8000") as client:
        assert client.get("/api/analyses").status_code == 200
        forged = client.post("/api/analyses", headers={"origin": "http://evil.example"},
                             files={"file": ("clip.mp4", clip.read_bytes(), "video/mp4")})
        assert forged.status_code == 403
        rebound = client.get("/api/analyses", headers={"host": "evil.example:8000"})
        assert rebound.status_code == 400 and "unknown host" in rebound.json()["error"]


# ------------------------------------------------------------------ files
def test_video_is_served_with_range_requests(tmp_path: Path, clip: Path) -> None:
    with TestClient(create_app(settings(tmp_path / "data"))) as client:
        job_id = upload(client, clip).json()["id"]
        video = wait_for(client, job_id)["files"]["video"]
        full = client.get(video)
        assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes"
        assert full.headers["content-type"] == "video/mp4" and full.content == clip.read_bytes()
        part = client.get(video, headers={"range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-199/{len(full.content)}"
        assert part.content == full.content[100:200]
        for bad in ("/files/{id}/%2e%2e/%2e%2e/posecoach.db", "/files/{id}/timing.json",
                    "/files/{id}/plots/%2e%2e/report.json", "/files/{id}/plots/..%2f..%2fposecoach.db"):
            assert client.get(bad.format(id=job_id)).status_code == 404, bad


# ------------------------------------------------------------------ concurrency and isolation
def test_concurrent_uploads_and_a_bad_job_do_not_disturb_the_others(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=CHAOS_RUNNER, workers=2))) as client:
        exercises = ["leg-swing", "curl-hip-lift", "auto", "origin-stretch", "leg-swing", "auto"]
        results: dict[int, Any] = {}

        def send(i: int) -> None:
            results[i] = upload(client, clip, exercise=exercises[i])

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(exercises))]
        for t in threads:
            t.start()
        garbage = upload(client, clip, content=b"not a video at all" * 100)     # meanwhile, a bad upload
        for t in threads:
            t.join()
        assert garbage.status_code == 415
        assert all(r.status_code == 202 for r in results.values())
        ids = [results[i].json()["id"] for i in range(len(exercises))]
        assert len(set(ids)) == len(ids)
        final = {i: wait_for(client, job_id) for i, job_id in enumerate(ids)}

    crashed, failed = final[1], final[3]
    assert crashed["status"] == "failed" and "stopped unexpectedly" in crashed["error"]
    assert failed["status"] == "failed" and failed["error"].startswith("no person found")
    assert "film the whole body" in failed["error"]
    good = [final[i] for i in (0, 2, 4, 5)]
    assert all(g["status"] == "done" for g in good)
    spans = [json.loads((data_dir / "sessions" / g["id"] / "timing.json").read_text()) for g in good]
    assert len({s["pid"] for s in spans}) == len(spans)                  # one process per job
    # Never more than 2 at once: concurrency peaks at some job's start, so count the jobs
    # running at each start. (Counting every job that overlaps a span would also count two
    # short jobs that ran one after the other beside a long one.)
    for s in spans:
        assert sum(o["start"] <= s["start"] < o["end"] for o in spans) <= 2


# ------------------------------------------------------------------ delete
def test_delete_removes_the_job_its_files_and_its_history(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER))) as client:
        first = upload(client, clip).json()["id"]
        second = upload(client, clip).json()["id"]
        wait_for(client, second, ("running",))
        assert client.delete(f"/api/analyses/{second}").json() == {"id": second, "deleted": True}  # running

        (data_dir / GATE_NAME).touch()
        assert wait_for(client, first)["status"] == "done"
        assert len(client.get("/api/sessions").json()["sessions"]) == 1
        assert client.delete(f"/api/analyses/{first}").status_code == 200
        assert client.get(f"/api/analyses/{first}").status_code == 404
        assert client.delete(f"/api/analyses/{first}").status_code == 404
        assert client.get(f"/files/{first}/annotated.mp4").status_code == 404
        assert client.get("/api/sessions").json()["sessions"] == []
        assert client.get("/api/analyses").json()["analyses"] == []
        time.sleep(0.3)
    assert files_under(data_dir / "sessions") == [] and files_under(data_dir / "uploads") == []


# ------------------------------------------------------------------ restart
def test_restart_runs_queued_jobs_and_retries_interrupted_ones_once(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER, workers=1))) as client:
        running = upload(client, clip).json()["id"]
        queued = upload(client, clip).json()["id"]
        wait_for(client, running, ("running",))
        assert client.get(f"/api/analyses/{queued}").json()["status"] == "queued"
    # the server stopped with one job running (its worker killed) and one still queued

    with TestClient(create_app(settings(data_dir, workers=1))) as client:
        retried, waited = wait_for(client, running), wait_for(client, queued)
    assert retried["status"] == "done" and retried["attempts"] == 2
    assert waited["status"] == "done" and waited["attempts"] == 1


def test_a_job_interrupted_twice_is_failed_with_a_reason(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    for _ in range(2):                   # start, get interrupted mid-run, twice
        with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER, workers=1))) as client:
            if not client.get("/api/analyses").json()["analyses"]:
                job_id = upload(client, clip).json()["id"]
            wait_for(client, job_id, ("running",))
    with TestClient(create_app(settings(data_dir, workers=1))) as client:
        final = wait_for(client, job_id)
        assert final["status"] == "failed" and final["attempts"] == 2
        assert "interrupted 2 times" in final["error"]
        later = upload(client, clip).json()["id"]          # and the server keeps working
        assert wait_for(client, later)["status"] == "done"


def test_thread_isolation_accepts_an_inline_runner(tmp_path: Path, clip: Path) -> None:
    calls = []

    def inline(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
        from tests.support.web_runners import fake_runner

        calls.append(exercise)
        return fake_runner(input_path, exercise, out_dir, progress)

    with TestClient(create_app(settings(tmp_path / "data", runner=inline, isolation="thread"))) as client:
        job_id = upload(client, clip, exercise="origin-stretch").json()["id"]
        assert wait_for(client, job_id)["status"] == "done"
    assert calls == ["origin-stretch"]
