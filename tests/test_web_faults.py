"""`posecoach serve` when things go wrong around it: a second server on the same data
directory, a port already taken, a damaged database, the server killed with SIGKILL in
the middle of a job. Fake runners (see test_web_support), no pose model."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("httpx", reason="TestClient needs httpx (pip install httpx)")

import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from posecoach.cli import main  # noqa: E402
from posecoach.errors import ConfigError  # noqa: E402
from posecoach.web.app import create_app  # noqa: E402
from posecoach.web.jobs import JobQueue  # noqa: E402
from tests.test_web_api import settings, upload, wait_for  # noqa: E402
from tests.test_web_support import GATE_NAME, GATED_RUNNER, make_clip  # noqa: E402

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
from tests.test_web_api import settings
from tests.test_web_support import GATED_RUNNER
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
