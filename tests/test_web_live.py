"""The live page's server side without a browser: the WebSocket protocol, its access
checks, saving when the socket drops, the page and its runtime files.

Landmarks come from a sample's ground truth (the synthetic body's exact joints), so no
pose model runs: what is tested is the path after the pose, which is the live path.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from posecoach import models
from posecoach.errors import InputError
from posecoach.landmarks import NUM_LANDMARKS, PoseLandmark
from posecoach.live.framing import ONE_PERSON
from posecoach.web import live as live_module
from posecoach.web.app import create_app
from posecoach.web.live_wire import CameraFrame, PoseMessage
from posecoach.web.security import LIVE_CSP
from posecoach.web.settings import ServeSettings
from tests.conftest import SAMPLES
from tests.support.live_fakes import SlowStartPool

TRUTH = SAMPLES / "leg_swing_trunk_sway_right.truth.json"


def _noop_runner(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = ServeSettings(data_dir=tmp_path / "data", isolation="thread", runner=_noop_runner)
    with TestClient(create_app(settings)) as c:
        yield c


def _pose_messages(limit: int | None = None, people_seen: int = 0) -> list[PoseMessage]:
    """The truth's joints as the page would send them (normalised, visibility 1)."""
    truth = json.loads(TRUTH.read_text())
    width, height = truth["width"], truth["height"]
    messages = []
    for seq, frame in enumerate(truth["frames"][:limit]):
        joints = frame["joints_2d"]
        landmarks = np.array([[joints[lm.name.lower()][0] / width, joints[lm.name.lower()][1] / height, 0.0, 1.0]
                              for lm in PoseLandmark])
        messages.append(PoseMessage(frame["t_s"] * 1000.0, seq, landmarks, people_seen=people_seen))
    return messages


def _start(exercise: str = "leg-swing", **extra: Any) -> dict[str, Any]:
    return {"type": "start", "exercise": exercise, "mode": "page", "width": 640, "height": 480,
            "countdown": False, **extra}


def test_a_set_coached_over_the_socket_is_saved_with_its_swings_and_faults(client: TestClient) -> None:
    truth = json.loads(TRUTH.read_text())
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(_start())
        ready = ws.receive_json()
        assert ready["type"] == "ready" and ready["mode"] == "page" and not ready["wants_mask"]
        steps = []
        for message in _pose_messages():
            ws.send_bytes(message.encode())
            steps.append(ws.receive_json())
        ws.send_json({"type": "finish", "reason": "finish"})
        saved = ws.receive_json()
    assert [s["seq"] for s in steps] == list(range(len(steps)))
    last = steps[-1]
    assert last["stage"] == "active" and last["panel"][0][0] == "swings"
    assert len(last["landmarks"]) == 33 and {a["joint"] for a in last["angles"]} == {"hip", "knee"}
    assert saved["type"] == "saved" and len(saved["sets"]) == 1
    result = saved["sets"][0]
    assert abs(result["swings"] - len(truth["events"]["swings"])) <= 1
    assert result["faults"] == sorted({f["code"] for f in truth["faults"]})
    assert client.get(result["url"]).status_code == 200
    assert client.get(f"/api/sessions/{result['id']}").status_code == 200


def _coach_then_close_the_tab(client: TestClient, frames: int) -> list[dict[str, Any]]:
    """Coach `frames` frames, leave without "finish" (the tab closing), and return the
    sessions saved once the server has saved on the drop (after the socket is gone)."""
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(_start())
        ws.receive_json()
        for message in _pose_messages(limit=frames):
            ws.send_bytes(message.encode())
            ws.receive_json()
    deadline = time.monotonic() + 120   # writing the report and charts: seconds on a busy machine
    while not (items := _sessions(client)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return items


def test_the_socket_dropping_saves_what_was_done(client: TestClient) -> None:
    items = _coach_then_close_the_tab(client, frames=150)
    assert len(items) == 1 and items[0]["exercise"] == "leg-swing"


def test_a_client_leaving_at_once_still_saves(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test client cancels the server's task right after the drop, as a server stopping
    does. The save must not be cancelled while it waits for the session's worker thread."""
    monkeypatch.setattr(live_module, "ThreadPoolExecutor", SlowStartPool)
    assert len(_coach_then_close_the_tab(client, frames=60)) == 1


def _sessions(client: TestClient) -> list[dict[str, Any]]:
    body = client.get("/api/sessions").json()
    return body["sessions"] if isinstance(body, dict) else body


def test_pause_stops_the_clock_and_commands_are_checked(client: TestClient) -> None:
    messages = _pose_messages(limit=40)
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(_start())
        ws.receive_json()
        ws.send_bytes(messages[0].encode())
        assert ws.receive_json()["paused"] is False
        ws.send_json({"type": "command", "name": "pause"})
        ws.send_bytes(messages[1].encode())
        assert ws.receive_json()["paused"] is True
        ws.send_json({"type": "command", "name": "jump"})
        error = ws.receive_json()
    assert error["type"] == "error" and "unknown command" in error["message"]


@pytest.mark.parametrize("first, problem", [
    ({"type": "pose"}, "first message must be 'start'"),
    (_start(exercise="yoga"), "unknown exercise"),
    (_start(width=10**6), "camera size"),
    (_start(mode="cloud"), "unknown mode"),
])
def test_a_bad_start_gets_one_clear_error(client: TestClient, first: dict[str, Any], problem: str) -> None:
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(first)
        reply = ws.receive_json()
    assert reply["type"] == "error" and problem in reply["message"] and "Traceback" not in json.dumps(reply)


def test_a_second_person_seen_by_the_page_gets_the_one_person_framing_message(client: TestClient) -> None:
    # The page's people counter says two: the same framing gate as server mode holds the set.
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(_start(countdown=True))
        ws.receive_json()
        steps = []
        for message in _pose_messages(limit=30, people_seen=2):
            ws.send_bytes(message.encode())
            steps.append(ws.receive_json())
    assert {s["guidance"] for s in steps} == {ONE_PERSON} and {s["stage"] for s in steps} == {"framing"}


def _one_pose(**changes: Any) -> bytes:
    return dataclasses.replace(_pose_messages(limit=1)[0], **changes).encode()


@pytest.mark.parametrize("bad, problem", [
    (_one_pose()[:-4], "bytes, expected"),                                     # cut short
    (_one_pose()[:10], "shorter than its header"),
    (_one_pose() + b"\0" * 16, "bytes, expected"),                              # a mask the header does not name
    (PoseMessage(0.0, 1, mask=np.zeros((4, 4), np.uint8)).encode(), "poses"),  # a mask without a pose
    (_one_pose(mask=np.zeros((300, 300), np.uint8)), "mask"),                  # over the size limit
])
def test_bad_pose_messages_get_one_clear_error(client: TestClient, bad: bytes, problem: str) -> None:
    with client.websocket_connect("/live/ws") as ws:
        ws.send_json(_start())
        ws.receive_json()
        ws.send_bytes(bad)
        reply = ws.receive_json()
    assert reply["type"] == "error" and problem in reply["message"], reply


def test_a_pose_message_reads_back_what_was_written() -> None:
    landmarks = np.random.default_rng(1).uniform(0, 1, (NUM_LANDMARKS, 4))
    landmarks[3] = np.nan                                   # a missing landmark stays missing
    mask = np.arange(12, dtype=np.uint8).reshape(3, 4)
    back = PoseMessage.decode(PoseMessage(1234.5, 7, landmarks, None, people_seen=2, mask=mask).encode())
    assert (back.t_ms, back.seq, back.people_seen) == (1234.5, 7, 2)
    assert back.landmarks is not None and back.world is not None and back.mask is not None
    np.testing.assert_allclose(back.landmarks, landmarks, atol=1e-6)
    assert np.isnan(back.world).all() and (back.mask == mask).all()
    frame = back.pose_frame(0.0, 640, 480)
    assert frame.num_people == 2 and frame.mask is not None and frame.mask.shape == (480, 640)
    assert PoseMessage.decode(PoseMessage(5.0, 8).encode()).pose_frame(0.0, 640, 480).num_people == 0


def test_a_large_camera_frame_is_decoded_at_half_size_and_a_huge_one_refused() -> None:
    rgb = np.full((900, 1600, 3), 128, np.uint8)
    assert CameraFrame.decode(CameraFrame(1.0, 2, rgb).encode()).rgb.shape == (450, 800, 3)
    assert CameraFrame.decode(CameraFrame(1.0, 2, rgb[:480, :640]).encode()).rgb.shape == (480, 640, 3)
    with pytest.raises(InputError, match="usable size"):
        CameraFrame.decode(CameraFrame(1.0, 2, np.zeros((16, 4200, 3), np.uint8)).encode())
    with pytest.raises(InputError, match="usable size"):
        CameraFrame.decode(b"\0" * 12 + b"not a jpeg")


def test_the_token_protects_the_socket_too(tmp_path: Path) -> None:
    settings = ServeSettings(data_dir=tmp_path / "data", isolation="thread", runner=_noop_runner, token="s3cret")
    with TestClient(create_app(settings)) as c:
        with pytest.raises(WebSocketDisconnect) as refused:
            with c.websocket_connect("/live/ws") as ws:
                ws.receive_json()
        assert refused.value.code == 1008
        with c.websocket_connect("/live/ws?token=s3cret") as ws:
            ws.send_json(_start())
            assert ws.receive_json()["type"] == "ready"


def test_another_site_cannot_open_the_socket(client: TestClient) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/live/ws", headers={"origin": "http://evil.example"}) as ws:
            ws.receive_json()
    assert refused.value.code == 1008


def test_the_page_talks_only_to_this_server_and_says_when_pose_runs_on_it(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    page = client.get("/live?exercise=leg-swing")
    assert page.status_code == 200 and page.headers["content-security-policy"] == LIVE_CSP
    # The pose worker runs under its own script's CSP: the same one (WebAssembly, this origin only).
    assert client.get("/static/live_pose_worker.js").headers["content-security-policy"] == LIVE_CSP
    assert "connect-src 'self'" in LIVE_CSP and "'unsafe-eval'" not in LIVE_CSP.replace("'wasm-unsafe-eval'", "")
    assert '<option value="leg-swing" selected>' in page.text
    monkeypatch.setattr(models, "web_runtime_installed", lambda directory=None: False)
    page = client.get("/live")
    assert 'data-runtime=""' in page.text and "runs on the server" in page.text


def test_only_the_runtime_files_are_served(client: TestClient) -> None:
    base = f"/live/runtime/{models.WEB_RUNTIME_NAME}"
    assert client.get(f"{base}/package.json").status_code == 404
    assert client.get(f"{base}/../../installed.json").status_code == 404
    assert client.get("/live/models/heavy.task").status_code == 404
    if models.web_runtime_installed():
        wasm = client.get(f"{base}/wasm/vision_wasm_internal.wasm")
        assert wasm.status_code == 200 and wasm.headers["content-type"] == "application/wasm"


def test_without_npm_the_runtime_is_not_provisioned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models.shutil, "which", lambda name: None)
    assert models.install_web_runtime(tmp_path) is None
    assert not models.web_runtime_installed(tmp_path)


def test_https_serves_with_a_self_signed_certificate_made_here(tmp_path: Path) -> None:
    import socket
    import ssl
    import threading
    import urllib.request

    import uvicorn

    from posecoach.web.tls import self_signed_certificate

    cert, key = self_signed_certificate(tmp_path / "tls", "192.168.1.20")
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert self_signed_certificate(tmp_path / "tls", "192.168.1.20") == (cert, key)
    before = cert.read_bytes()
    self_signed_certificate(tmp_path / "tls", "192.168.1.20")
    assert cert.read_bytes() == before  # reused while it is valid and names the address
    settings = ServeSettings(data_dir=tmp_path / "data", isolation="thread", runner=_noop_runner)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning",
                                           ssl_certfile=str(cert), ssl_keyfile=str(key)))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        context = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(f"https://localhost:{port}/live", context=context, timeout=30) as page:
            assert page.status == 200
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def test_models_install_does_not_fail_when_npm_cannot_fetch_the_runtime(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from posecoach.cli import _install_web_runtime
    from posecoach.errors import ModelError

    def unreachable(**kwargs: Any) -> None:
        raise ModelError("could not download @mediapipe/tasks-vision@0.10.35", "check access to the npm registry")

    monkeypatch.setattr(models, "install_web_runtime", unreachable)
    assert _install_web_runtime(models) == 0        # `make demo` goes on offline
    assert "warning: could not download" in capsys.readouterr().err
