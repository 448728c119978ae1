"""`posecoach serve` when things go wrong around it: a second server on the same data
directory, a port already taken, a damaged database, the server killed with SIGKILL in
the middle of a job. Fake runners (see tests/support/web_runners.py), no pose model."""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from posecoach.cli import main  # noqa: E402
from posecoach.errors import ConfigError  # noqa: E402
from posecoach.limits import MediaLimits  # noqa: E402
from posecoach.web.app import create_app  # noqa: E402
from posecoach.web.jobs import JobQueue  # noqa: E402
from posecoach.web.settings import ServeSettings  # noqa: E402
from tests.support.web_client import files_under, settings, upload, wait_for  # noqa: E402
from tests.support.web_runners import GATE_NAME, GATED_RUNNER, HANGING_RUNNER, HUNG_PID_NAME, fake_runner, make_clip  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other program is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def interrupted_job(data_dir: Path, clip: Path) -> str:
    """A job another server is running right now (status running, first attempt)."""
    queue = JobQueue(data_dir / "posecoach.db")
    job_id = "a" * 32
    queue.add(job_id, "auto", "clip.mp4", clip, data_dir / "sessions" / job_id)
    claimed = queue.claim_next()
    assert claimed is not None and claimed.attempts == 1
    return job_id


def serve(data_dir: Path, port: int) -> int:
    return main(["serve", "--data-dir", str(data_dir), "--port", str(port)])


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("posecoach.web.cli._prepare_model", lambda: None)


# ------------------------------------------------------------------ one server per data dir
def test_a_second_server_on_the_same_data_dir_is_refused(tmp_path: Path, clip: Path, no_model: None,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER, workers=1))) as first:
        job_id = upload(first, clip).json()["id"]
        wait_for(first, job_id, ("running",))
        with pytest.raises(ConfigError, match="another posecoach serve is already using"):
            with TestClient(create_app(settings(data_dir))):
                pass
        assert serve(data_dir, free_port()) == ConfigError.exit_code
        err = capsys.readouterr().err
        assert err.count("posecoach: error:") == 1 and "another posecoach serve" in err and "Traceback" not in err
        assert first.get(f"/api/analyses/{job_id}").json()["attempts"] == 1    # its job untouched
        (data_dir / GATE_NAME).touch()
        assert wait_for(first, job_id)["status"] == "done"
    with TestClient(create_app(settings(data_dir))) as again:    # the lock goes with the server
        assert again.get("/api/analyses").status_code == 200


def test_a_server_that_cannot_bind_leaves_jobs_untouched(tmp_path: Path, clip: Path, taken_port: int,
                                                         no_model: None,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    job_id = interrupted_job(data_dir, clip)
    assert serve(data_dir, taken_port) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{taken_port}" in err and "--port" in err and "Traceback" not in err
    job = JobQueue(data_dir / "posecoach.db").get(job_id)
    assert job is not None and (job.status, job.attempts) == ("running", 1)   # old code: retry used up


def test_a_damaged_database_stops_the_start_with_a_hint(tmp_path: Path, no_model: None,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "posecoach.db").write_bytes(b"this is not an SQLite database\n" * 200)
    assert serve(data_dir, free_port()) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert err.count("posecoach: error:") == 1 and "is damaged" in err and "mv " in err
    assert "Traceback" not in err
    with pytest.raises(ConfigError, match="is damaged"):
        with TestClient(create_app(settings(data_dir))):
            pass
    assert (data_dir / "posecoach.db").read_bytes().startswith(b"this is not")   # never overwritten


# ------------------------------------------------------------------ SIGKILL mid-job
_SERVER = """
import sys, uvicorn
from pathlib import Path
from posecoach.web.app import create_app
from posecoach.web.cli import bind_socket
from tests.support.web_client import settings
from tests.support.web_runners import GATED_RUNNER
sock = bind_socket("127.0.0.1", 0)
print(sock.getsockname()[1], flush=True)
app = create_app(settings(Path(sys.argv[1]), runner=GATED_RUNNER, workers=1))
uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
"""


def test_server_killed_mid_job_then_restarted(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    server = subprocess.Popen([sys.executable, "-c", _SERVER, str(data_dir)], stdout=subprocess.PIPE,
                              env=env, cwd=REPO, text=True)
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        with httpx.Client(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    http.get("/api/analyses")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.1)
            job_id = upload(http, clip).json()["id"]      # type: ignore[arg-type]
            wait_for(http, job_id, ("running",))            # type: ignore[arg-type]
        # What a killed upload and a killed output writer leave behind:
        (data_dir / "uploads" / ("b" * 32 + ".mp4.part")).write_bytes(b"half an upload")
        (data_dir / "sessions" / f".{job_id}.partial-999999-x").mkdir()
        server.send_signal(signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
    time.sleep(1.5)                                        # its worker notices the server is gone
    (data_dir / GATE_NAME).touch()
    with TestClient(create_app(settings(data_dir, runner=GATED_RUNNER, workers=1))) as client:
        retried = wait_for(client, job_id)
        assert retried["status"] == "done" and retried["attempts"] == 2
        assert client.get(f"/api/sessions/{job_id}").status_code == 200
    assert sorted(p.name for p in (data_dir / "uploads").iterdir()) == [
        p.name for p in (data_dir / "uploads").iterdir() if p.name.startswith(job_id)]
    assert [p.name for p in (data_dir / "sessions").iterdir()] == [job_id]


# ------------------------------------------------------------------ storage faults
def inline(data_dir: Path, **overrides: object) -> ServeSettings:
    values: dict[str, object] = {"runner": fake_runner, "isolation": "thread", "workers": 1}
    values.update(overrides)
    return settings(data_dir, **values)


def test_a_read_only_database_gives_503s_keeps_no_file_and_does_not_flood_the_log(
        tmp_path: Path, clip: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    data_dir = tmp_path / "data"
    real_connect = sqlite3.connect

    def read_only(database: str, *args: object, **kwargs: object) -> sqlite3.Connection:
        # What a read-only file or folder gives (chmod does not stop root, so do it in SQLite).
        return real_connect(f"file:{database}?mode=ro", *args, uri=True, **kwargs)  # type: ignore[arg-type]

    with TestClient(create_app(inline(data_dir)), raise_server_exceptions=False) as client:
        with caplog.at_level(logging.INFO, logger="posecoach.web"):
            monkeypatch.setattr(sqlite3, "connect", read_only)
            refused = upload(client, clip)
            time.sleep(1.5)                                     # ~30 supervisor rounds at poll_s=0.05
            monkeypatch.setattr(sqlite3, "connect", real_connect)
        assert refused.status_code == 503, refused.text          # old code: 500, the file left behind
        body = refused.json()
        assert body["error"] and re.fullmatch(r"[0-9a-f]{12}", body["id"]) and str(tmp_path) not in refused.text
        assert files_under(data_dir / "uploads") == []
        tracebacks = [r for r in caplog.records if r.exc_info and "supervisor" in r.getMessage()]
        assert len(tracebacks) <= 1, len(tracebacks)              # old code: one every poll
        later = upload(client, clip)                              # and it recovers by itself
        assert later.status_code == 202 and wait_for(client, later.json()["id"])["status"] == "done"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (needs root: mount); skips with the reason otherwise."""
    if os.geteuid() != 0:
        pytest.skip("a full disk needs a small tmpfs, and mounting one needs root")
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    out = open(filler, "wb", buffering=0)  # noqa: SIM115 - closed below, whatever the disk says
    try:
        while True:
            out.write(b"\0" * 4096)
    except OSError:
        pass
    finally:
        out.close()
    return filler


def test_a_full_disk_gives_507_and_keeps_no_partial_file(tiny_disk: Path, clip: Path) -> None:
    data_dir = tiny_disk / "data"
    with TestClient(create_app(inline(data_dir)), raise_server_exceptions=False) as client:
        too_big = upload(client, clip, content=clip.read_bytes() * 600)     # ~1.4 MB > the whole disk
        assert too_big.status_code == 507, too_big.text          # old code: 400 "not a valid multipart form"
        assert "disk is full" in too_big.json()["error"]
        filler = fill(tiny_disk)
        refused = upload(client, clip)
        assert refused.status_code == 507, refused.text
        assert files_under(data_dir / "uploads") == []
        filler.unlink()
        later = upload(client, clip)
        assert later.status_code == 202 and wait_for(client, later.json()["id"])["status"] == "done"


def test_a_multipart_body_cut_before_its_closing_boundary_is_refused(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    boundary = "posecoach-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.mp4\"\r\n"
            "Content-Type: video/mp4\r\n\r\n").encode() + clip.read_bytes() + f"\r\n--{boundary}".encode()
    with TestClient(create_app(inline(data_dir))) as client:
        cut = client.post("/api/analyses", content=body,
                          headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert cut.status_code == 400 and "ended before" in cut.json()["error"]    # old code: 202
        whole = client.post("/api/analyses", content=body + b"--\r\n",
                            headers={"content-type": f"multipart/form-data; boundary={boundary}"})
        assert whole.status_code == 202
        assert client.get("/api/analyses").json()["analyses"][0]["id"] == whole.json()["id"]
        assert len(client.get("/api/analyses").json()["analyses"]) == 1
    assert [p.name.split(".")[0] for p in files_under(data_dir / "uploads")] == [whole.json()["id"]]


# ------------------------------------------------------------------ limits
def test_a_hung_job_is_killed_at_its_time_limit_and_frees_the_worker(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(settings(data_dir, runner=HANGING_RUNNER, workers=1, job_timeout_s=1.0))) as client:
        hung = upload(client, clip, exercise="curl-hip-lift").json()["id"]
        after = upload(client, clip, exercise="leg-swing").json()["id"]
        failed = wait_for(client, hung, timeout_s=30)
        assert failed["status"] == "failed" and "longer than the limit" in failed["error"]
        assert wait_for(client, after, timeout_s=30)["status"] == "done"      # the one worker is free again
        pid = int((data_dir / HUNG_PID_NAME).read_text())
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)                                                  # its process was killed
        assert not (data_dir / "sessions" / hung).exists()


def test_an_in_process_job_stops_at_its_time_limit(tmp_path: Path, clip: Path) -> None:
    def busy(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
        while True:                     # a long analysis that keeps reporting progress
            progress(0.5, "analysing movement")
            time.sleep(0.01)

    with TestClient(create_app(inline(tmp_path / "data", runner=busy, job_timeout_s=0.5))) as client:
        job = wait_for(client, upload(client, clip).json()["id"], timeout_s=30)
    assert job["status"] == "failed" and "longer than the limit of" in job["error"]


def test_an_over_long_clip_is_refused_at_upload(tmp_path: Path, clip: Path) -> None:
    data_dir = tmp_path / "data"
    with TestClient(create_app(inline(data_dir, limits=MediaLimits(max_clip_s=0.5)))) as client:
        refused = upload(client, clip)                     # 1 s long
        assert refused.status_code == 415 and "too long" in refused.json()["error"]
        assert refused.json()["error"].startswith("clip.mp4: ")     # the client's name, not the stored one
        assert client.get("/api/analyses").json()["analyses"] == []
    assert files_under(data_dir / "uploads") == []


def test_the_server_process_never_decodes_an_upload(tmp_path: Path, clip: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import posecoach.video_io

    def no_decoding_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server process decoded an upload")

    monkeypatch.setattr(posecoach.video_io, "probe", no_decoding_here)
    monkeypatch.setattr(posecoach.video_io, "read_image", no_decoding_here)
    monkeypatch.setattr("posecoach.web.uploads.probe", no_decoding_here, raising=False)   # a direct import
    with TestClient(create_app(inline(tmp_path / "data"))) as client:
        created = upload(client, clip)
        assert created.status_code == 202, created.text             # checked in a child process


def test_an_unexpected_job_error_shows_an_id_not_its_text(tmp_path: Path, clip: Path) -> None:
    def broken(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
        raise RuntimeError(f"internal detail: cannot read {input_path}")

    data_dir = tmp_path / "data"
    with TestClient(create_app(inline(data_dir, runner=broken))) as client:
        job = wait_for(client, upload(client, clip).json()["id"])
    assert job["status"] == "failed" and "internal detail" not in job["error"] and str(tmp_path) not in job["error"]
    error_id = re.search(r"error id ([0-9a-f]{12})", job["error"])
    assert error_id is not None
    assert error_id.group(1) in (data_dir / "logs" / f"{job['id']}.log").read_text()


@pytest.mark.parametrize("build", ["hour_long_clip", "png_bomb", "huge_frame_video"])
def test_hostile_uploads_are_refused_from_their_header(tmp_path: Path, build: str) -> None:
    """The one-hour 64x64 clip never reaches a worker; the bombs are never decoded."""
    from tests import corpus

    hostile = getattr(corpus, build)(tmp_path)
    data_dir = tmp_path / "data"
    with TestClient(create_app(inline(data_dir))) as client:
        start = time.monotonic()
        refused = upload(client, hostile, filename=hostile.name)
        assert refused.status_code == 415, refused.text
        assert time.monotonic() - start < 20
        assert re.search(r"too (long|large)", refused.json()["error"]), refused.json()
        assert client.get("/api/analyses").json()["analyses"] == []
    assert files_under(data_dir / "uploads") == []
