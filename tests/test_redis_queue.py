"""Jobs on Redis Queue (`posecoach serve --queue redis://...` + `posecoach worker`), end to end:
Debian's redis-server on 127.0.0.1 at a free port, the API node and the workers as real
processes in their own working folders (tests/redis_cluster.py). Skips with the reason when
redis-server or the `scale` extra is missing. Every process is stopped in the teardown."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES
from tests.redis_cluster import Cluster, RedisServer, free_port, redis_missing, wait_for
from tests.support.web_runners import GATE_NAME, GATED_RUNNER, make_clip

httpx = pytest.importorskip("httpx", reason="the Redis tests talk HTTP through httpx")

# Short real clips of each exercise (640x480 samples, cut to their first seconds).
CLIP_SOURCES = ("origin_stretch_knees_bent_right", "leg_swing_too_fast_left",
                "curl_hip_lift_no_hip_lift_right", "origin_stretch_bouncing_right")
CLIP_SECONDS = 2.0
FINAL = ("done", "failed")


def _skip_without_redis() -> None:
    reason = redis_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    _skip_without_redis()
    redis = RedisServer(tmp_path / "redis")
    redis.start()
    cluster = Cluster(tmp_path, redis)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def short_clips(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    from posecoach.video_io import VideoWriter, iter_frames, probe

    folder = tmp_path_factory.mktemp("clips")
    clips = []
    for name in CLIP_SOURCES:
        source = SAMPLES / f"{name}.mp4"
        if not source.exists():
            pytest.skip(f"sample clip {source.name} is missing (posecoach samples generate)")
        info = probe(source)
        clip = folder / f"{name}.mp4"
        with VideoWriter(clip, info.width, info.height, info.fps) as writer:
            for t, rgb in iter_frames(source):
                if t >= CLIP_SECONDS:
                    break
                writer.write(rgb)
        clips.append(clip)
    return clips


@pytest.fixture
def tiny_clip(tmp_path: Path) -> Path:
    return make_clip(tmp_path / "tiny.mp4")


def upload(client: httpx.Client, clip: Path, exercise: str = "auto") -> httpx.Response:
    return client.post("/api/analyses", data={"exercise": exercise},
                       files={"file": (clip.name, clip.read_bytes(), "video/mp4")})


def queued(client: httpx.Client, clip: Path, exercise: str = "auto") -> str:
    response = upload(client, clip, exercise)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def analysis(client: httpx.Client, job_id: str) -> dict[str, Any]:
    response = client.get(f"/api/analyses/{job_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_final(client: httpx.Client, job_ids: list[str], timeout_s: float,
               cluster: Cluster) -> list[dict[str, Any]]:
    def finished() -> list[dict[str, Any]] | None:
        bodies = [analysis(client, i) for i in job_ids]
        return bodies if all(b["status"] in FINAL for b in bodies) else None
    try:
        return list(wait_for(finished, timeout_s, "the jobs to finish", every_s=0.3))
    except AssertionError:
        logs = "\n".join(f"--- {p.log_path}\n{p.log()[-3000:]}" for p in [*cluster.workers, cluster.api] if p)
        raise AssertionError(f"{[analysis(client, i) for i in job_ids]}\n{logs}") from None


def running_on(client: httpx.Client, job_id: str, attempt: int = 1, timeout_s: float = 60) -> dict[str, Any]:
    """Wait until the job's attempt runs at the gate (progress 0.5) and names its worker."""
    def at_gate() -> dict[str, Any] | None:
        body = analysis(client, job_id)
        return body if (body["status"] == "running" and body["attempts"] == attempt and body["worker"]
                        and body["progress"] >= 0.5) else None
    return dict(wait_for(at_gate, timeout_s, f"job {job_id} to run"))


@pytest.mark.slow      # the lite pose model over four 2 s clips: about half a minute
def test_four_uploads_finish_spread_over_two_workers(cluster: Cluster, short_clips: list[Path]) -> None:
    cluster.start_api()
    workers = [cluster.start_worker(), cluster.start_worker()]
    cluster.wait_for_workers(2)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        ids = [queued(client, clip) for clip in short_clips]
        bodies = wait_final(client, ids, 300, cluster)
        assert [b["status"] for b in bodies] == ["done"] * 4, [b["error"] for b in bodies]
        ran_on = {(b["worker"]["host"], b["worker"]["pid"]) for b in bodies}
        assert ran_on == {(socket.gethostname(), w.pid) for w in workers}     # both workers took jobs
        for body in bodies:                     # the same outputs as a local analysis, served by the API
            assert body["report"]["verdict"]["headline"]
            assert body["files"]["video"] and body["files"]["plots"] and body["attempts"] == 1
            assert client.get(body["files"]["video"], headers={"range": "bytes=0-99"}).status_code == 206
        history = client.get("/api/sessions").json()["sessions"]
        assert {s["id"] for s in history} == set(ids)              # the API node wrote the history


def test_a_job_whose_worker_is_killed_finishes_on_the_other(cluster: Cluster, tiny_clip: Path) -> None:
    cluster.start_api()
    first = cluster.start_worker(GATED_RUNNER, lease_s=2)
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        job_id = queued(client, tiny_clip)
        assert running_on(client, job_id)["worker"]["pid"] == first.pid
        second = cluster.start_worker(GATED_RUNNER, lease_s=2)
        cluster.wait_for_workers(2)
        first.kill_hard()                                       # worker and work horse, mid-job
        killed_at = time.monotonic()
        (cluster.storage / GATE_NAME).touch()                  # the next run goes straight through
        [body] = wait_final(client, [job_id], 60, cluster)
        assert body["status"] == "done", body["error"]
        assert body["attempts"] == 2 and body["worker"]["pid"] == second.pid
        assert time.monotonic() - killed_at < 30               # not RQ's own minutes-long timeout


def test_a_job_whose_worker_dies_twice_fails_with_a_reason(cluster: Cluster, tiny_clip: Path) -> None:
    cluster.start_api()
    workers = [cluster.start_worker(GATED_RUNNER, lease_s=2)]
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        job_id = queued(client, tiny_clip)
        for attempt in (1, 2):
            body = running_on(client, job_id, attempt)
            assert body["worker"]["pid"] == workers[-1].pid
            workers[-1].kill_hard()
            if attempt == 1:
                workers.append(cluster.start_worker(GATED_RUNNER, lease_s=2))
        [body] = wait_final(client, [job_id], 60, cluster)
        assert body["status"] == "failed" and body["attempts"] == 2
        assert "stopped responding" in body["error"] and "not retried again" in body["error"]
        assert f"pid {workers[-1].pid}" in body["error"]


def test_sigterm_finishes_the_current_job_then_stops(cluster: Cluster, tiny_clip: Path) -> None:
    cluster.start_api()
    worker = cluster.start_worker(GATED_RUNNER)
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        job_id = queued(client, tiny_clip)
        running_on(client, job_id)
        worker.process.terminate()
        time.sleep(1.0)
        assert worker.process.poll() is None                  # still finishing its job
        (cluster.storage / GATE_NAME).touch()
        [body] = wait_final(client, [job_id], 60, cluster)
        assert body["status"] == "done" and body["attempts"] == 1, body["error"]
        assert worker.process.wait(30) == 0


def test_redis_stopped_mid_run_clear_errors_and_nothing_lost(cluster: Cluster, tiny_clip: Path) -> None:
    cluster.start_api()
    cluster.start_worker(GATED_RUNNER, lease_s=4)
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        running, waiting = queued(client, tiny_clip), queued(client, tiny_clip, "leg-swing")
        running_on(client, running)
        cluster.redis.stop()
        refused = upload(client, tiny_clip)
        assert refused.status_code == 503
        assert "cannot be reached" in refused.json()["error"] and refused.json()["hint"]
        listed = client.get("/api/analyses").json()["analyses"]            # the API still answers
        assert {a["id"] for a in listed} == {running, waiting}
        assert analysis(client, waiting)["status"] == "queued"
        assert sorted(p.name for p in (cluster.storage / "uploads").iterdir()) == sorted(
            f"{i}.mp4" for i in (running, waiting))                          # the refused file is gone
        cluster.redis.start()
        (cluster.storage / GATE_NAME).touch()
        later = queued(client, tiny_clip)
        bodies = wait_final(client, [running, waiting, later], 60, cluster)
        assert [b["status"] for b in bodies] == ["done"] * 3, [b["error"] for b in bodies]
        assert bodies[0]["attempts"] == 1                 # the lease allowed for the restart
    assert "Traceback" not in cluster.api.log() if cluster.api else True


def test_serve_and_worker_say_in_one_line_when_redis_is_unreachable(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("redis", reason="the 'scale' extra is not installed")
    from posecoach.cli import main

    (tmp_path / "storage" / "uploads").mkdir(parents=True)
    url = f"redis://:secret@127.0.0.1:{free_port()}/0"      # nothing listens there
    for argv in (["serve", "--data-dir", str(tmp_path / "data"), "--queue", url, "--storage", str(tmp_path)],
                 ["worker", "--queue", url, "--storage", str(tmp_path / "storage")]):
        assert main(argv) == 6
        err = capsys.readouterr().err
        first, hint = err.strip().splitlines()
        assert first.startswith("posecoach: error: cannot reach Redis at redis://:***@127.0.0.1:"), err
        assert hint.startswith("  hint: ") and "secret" not in err and "Traceback" not in err


def test_worker_refuses_without_a_redis_queue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.cli import main

    env_queue = os.environ.pop("POSECOACH_QUEUE", None)
    try:
        assert main(["worker", "--storage", str(tmp_path)]) == 4
    finally:
        if env_queue is not None:
            os.environ["POSECOACH_QUEUE"] = env_queue
    assert "needs a Redis queue" in capsys.readouterr().err


def test_the_local_queue_names_its_worker_too(tmp_path: Path, tiny_clip: Path) -> None:
    from fastapi.testclient import TestClient

    from posecoach.web.app import create_app
    from posecoach.web.settings import ServeSettings
    from tests.support.web_runners import RUNNER

    settings = ServeSettings(data_dir=tmp_path / "data", runner=RUNNER, poll_s=0.05)
    with TestClient(create_app(settings)) as client:
        job_id = queued(client, tiny_clip)
        body = wait_for(lambda: (b := client.get(f"/api/analyses/{job_id}").json())["status"] in FINAL and b,
                        60, "the local job")
    assert body["status"] == "done", body["error"]
    assert body["worker"]["host"] == socket.gethostname() and body["worker"]["pid"] not in (None, os.getpid())


def test_a_database_from_before_workers_were_named_gains_the_column(tmp_path: Path) -> None:
    import sqlite3

    from posecoach.web.jobs import JobQueue

    db = tmp_path / "posecoach.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at REAL NOT NULL, updated_at REAL NOT NULL,"
                     " status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT '',"
                     " exercise TEXT NOT NULL, filename TEXT NOT NULL, input_path TEXT NOT NULL,"
                     " out_dir TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, error TEXT)")
        conn.execute("INSERT INTO jobs VALUES ('a', 1, 1, 'done', 1, 'done', 'auto', 'x.mp4', '/x', '/y', 1, NULL)")
    queue = JobQueue(db)
    assert queue.get("a") is not None and queue.get("a").to_dict()["worker"] is None  # type: ignore[union-attr]
    queue.set_worker("a", "host:12")
    assert queue.get("a").to_dict()["worker"] == {"host": "host", "pid": 12}  # type: ignore[union-attr]


def test_deleting_a_running_job_stops_it_and_frees_the_worker(cluster: Cluster, tiny_clip: Path) -> None:
    cluster.start_api()
    cluster.start_worker(GATED_RUNNER)
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        doomed = queued(client, tiny_clip)
        running_on(client, doomed)
        assert client.delete(f"/api/analyses/{doomed}").status_code == 200
        (cluster.storage / GATE_NAME).touch()
        [body] = wait_final(client, [queued(client, tiny_clip)], 60, cluster)   # the worker takes the next
        assert body["status"] == "done", body["error"]
        assert client.get(f"/api/analyses/{doomed}").status_code == 404
        assert not (cluster.storage / "sessions" / doomed).exists()
        assert not list((cluster.storage / "uploads").glob(f"{doomed}*"))


def test_a_job_past_its_time_limit_fails_with_the_reason_and_frees_the_worker(
        cluster: Cluster, tiny_clip: Path) -> None:
    from fastapi.testclient import TestClient

    from posecoach.web.app import create_app
    from posecoach.web.settings import ServeSettings

    settings = ServeSettings(data_dir=cluster.root / "api-data", storage_dir=cluster.storage,
                             queue_url=cluster.redis.url, job_timeout_s=2)
    with TestClient(create_app(settings)) as client:          # the API node in-process, its worker apart
        cluster.start_worker(GATED_RUNNER)                    # no gate: the first job hangs
        cluster.wait_for_workers(1)
        hung = queued(client, tiny_clip)
        [body] = wait_final(client, [hung], 60, cluster)
        assert body["status"] == "failed" and body["error"] == "the analysis took longer than the limit of 2 s"
        (cluster.storage / GATE_NAME).touch()
        [body] = wait_final(client, [queued(client, tiny_clip)], 60, cluster)
        assert body["status"] == "done", body["error"]


def test_results_that_finish_while_the_api_node_is_down_are_collected_at_its_restart(
        cluster: Cluster, tiny_clip: Path) -> None:
    api = cluster.start_api()
    cluster.start_worker(GATED_RUNNER)
    cluster.wait_for_workers(1)
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        job_id = queued(client, tiny_clip)
        running_on(client, job_id)
    api.stop()
    (cluster.storage / GATE_NAME).touch()                     # the worker finishes with nobody watching
    wait_for(lambda: (cluster.storage / "sessions" / job_id / "report.json").exists(), 60, "the outputs")
    cluster.start_api()
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        [body] = wait_final(client, [job_id], 60, cluster)
        assert body["status"] == "done" and body["attempts"] == 1 and body["report"], body["error"]
        assert [s["id"] for s in client.get("/api/sessions").json()["sessions"]] == [job_id]


def test_a_job_that_redis_lost_is_queued_again_from_the_api_record(cluster: Cluster, tiny_clip: Path) -> None:
    import shutil

    cluster.start_api()
    with httpx.Client(base_url=cluster.base_url, timeout=30) as client:
        job_id = queued(client, tiny_clip)                   # no worker yet: it waits on Redis
        cluster.redis.stop()
        shutil.rmtree(cluster.redis.folder)                  # a Redis without persistence, restarted
        cluster.redis.start()
        (cluster.storage / GATE_NAME).touch()
        cluster.start_worker(GATED_RUNNER)
        [body] = wait_final(client, [job_id], 60, cluster)
        assert body["status"] == "done" and body["attempts"] == 1, body["error"]
    assert "missing from Redis; queued again" in cluster.api.log() if cluster.api else False
