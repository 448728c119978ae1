"""`posecoach serve` in a real browser: Debian's chromium driven by Playwright for Python.

The server runs for real (uvicorn on a free localhost port, worker processes); the page
uploads a clip, follows its progress, shows the result, and History lists the session.
Screenshots of both pages go to the test's temporary folder; with
POSECOACH_SCREENSHOTS=docs/img (and the real analysis) they refresh the README's images,
so an ordinary test run never rewrites tracked files. Skips, with the reason, when chromium
or Playwright is missing; never downloads a browser.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REALCLIPS, SAMPLES
from tests.test_web_support import RUNNER, make_clip

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ["POSECOACH_SCREENSHOTS"]) if os.environ.get("POSECOACH_SCREENSHOTS") else None
UPLOAD_CLIP = REALCLIPS / "hinge_deadlift_barbell_side_posereader2.mp4"   # 3.6 s deadlift, side view
EARLIER_CLIP = REALCLIPS / "forwardfold_standing_side_istock.mp4"          # a second origin-stretch session


def _real_analysis_possible() -> bool:
    from posecoach.models import list_models

    return (importlib.util.find_spec("posecoach.report") is not None
            and any(m.variant == "full" for m in list_models()))




@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, bool]]:
    """uvicorn in a thread on a free port, with real worker processes; yields (url, clip, real)."""
    import uvicorn

    from posecoach.web.app import create_app
    from posecoach.web.settings import DEFAULT_RUNNER, ServeSettings

    root = tmp_path_factory.mktemp("browser-web")
    real = _real_analysis_possible()
    clip = UPLOAD_CLIP if real and UPLOAD_CLIP.exists() else None
    if clip is None and real:
        clip = min(SAMPLES.glob("*.mp4"), key=lambda p: p.stat().st_size, default=None)
    if clip is None:
        real, clip = False, make_clip(root / "tiny.mp4", frames=24, size=(320, 240))
    settings = ServeSettings(data_dir=root / "data", workers=2, runner=DEFAULT_RUNNER if real else RUNNER,
                             allowed_hosts=("127.0.0.1", "localhost"))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.05)
    try:
        yield url, clip, real
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _post_clip(url: str, clip: Path, exercise: str) -> str:
    """Upload through the API (a second, earlier session so History has a trend to chart)."""
    boundary = "posecoach-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"exercise\"\r\n\r\n{exercise}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{clip.name}\"\r\n"
            f"Content-Type: video/mp4\r\n\r\n").encode() + clip.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/api/analyses", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["id"])


def _wait_done(url: str, job_id: str, timeout_s: float = 300) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        with urllib.request.urlopen(f"{url}/api/analyses/{job_id}", timeout=10) as response:
            body = json.loads(response.read())
        if body["status"] in ("done", "failed"):
            return body
        assert time.monotonic() < deadline, body
        time.sleep(0.3)


def _wait_js(page, expression: str, timeout_s: float = 30) -> None:
    """Poll with evaluate(): wait_for_function evaluates strings, which the app's CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def test_upload_result_and_history_in_a_browser(browser, server: tuple[str, Path, bool],
                                               tmp_path: Path) -> None:
    url, clip, real = server
    shots = SCREENSHOTS if (real and SCREENSHOTS is not None) else tmp_path
    earlier = None
    if real and EARLIER_CLIP.exists():
        earlier = _post_clip(url, EARLIER_CLIP, "origin-stretch")

    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:")) else None)
    page.goto(url + "/")
    page.set_input_files("#file-input", str(clip))
    assert clip.name in page.inner_text("#file-name")
    page.select_option("#exercise", "origin-stretch" if clip == UPLOAD_CLIP else "auto")
    page.click("#submit")
    page.wait_for_selector("#upload-status:not([hidden])")
    page.wait_for_url(f"{url}/results/*", timeout=300_000)        # the page follows the job to its result

    job_id = page.url.rsplit("/", 1)[-1]
    with urllib.request.urlopen(f"{url}/api/analyses/{job_id}", timeout=10) as response:
        report = json.loads(response.read())["report"]
    headline = page.inner_text("#verdict-headline")
    assert headline == report["verdict"]["headline"] and headline
    assert page.is_visible("#verdict")

    # The annotated video loads and can play (the server answers its Range requests).
    _wait_js(page, "document.querySelector('#annotated-video').readyState >= 2")
    played = page.evaluate("""async () => {
        const v = document.querySelector('#annotated-video');
        v.muted = true;
        try { await v.play(); v.pause(); return true; } catch (e) { return String(e); }
    }""")
    assert played is True
    page.evaluate("document.querySelector('#annotated-video').currentTime = 0.5")
    _wait_js(page, "document.querySelector('#annotated-video').readyState >= 2", 10)
    assert page.evaluate("document.querySelector('img.chart') === null || "
                         "[...document.querySelectorAll('img.chart')].every(i => i.naturalWidth > 0)")
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "result.png"), full_page=True)

    if earlier is not None:
        _wait_done(url, earlier)
    page.click("nav >> text=History")
    page.wait_for_url(f"{url}/history")
    row = page.locator(f"li[data-id='{job_id}']")
    assert row.count() == 1
    if clip == UPLOAD_CLIP:
        assert "origin stretch" in row.inner_text().lower()
    assert page.locator("svg.progress-chart").count() >= 1
    page.screenshot(path=str(shots / "history.png"), full_page=True)
    assert outside == []                                            # fully offline: nothing but the app
    context.close()
