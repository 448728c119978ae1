"""The live page in a real browser, for tests/test_browser_live.py and bench/browser_live.py.

- `fake_camera_file`: an .mjpeg for chromium's fake webcam, made from a clip (decoded with
  PyAV): the first frame held for `lead_s` (the page starting up, then the runner standing
  still through framing guidance and the countdown), the clip, and its last frame held for
  `tail_s` (so a set that ends a little late still ends before the file loops round), at
  30 fps (the rate chromium plays .mjpeg at), padded to 16:9 (chromium stretches any file
  to 16:9).
- `live_server`: the web app under uvicorn on a free localhost port, in a thread.
- `open_live_browser`: Debian chromium through Playwright with that file as the camera.
- `run_live_page`: open /live with the query, wait until the set is saved, return the
  page's figures and the saved sets.
"""

from __future__ import annotations

import contextlib
import json
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.app_server import serve_in_thread

CAMERA_FPS = 30


def _pad_to_16_9(rgb: Any) -> Any:
    """Chromium's fake camera shows any file as 16:9 (a 4:3 clip comes out squashed, which
    would change every angle): pad the sides (or top and bottom) with the edge pixels."""
    import cv2

    height, width = rgb.shape[:2]
    unit = max(-(-width // 16), -(-height // 9))
    top, left = (9 * unit - height) // 2, (16 * unit - width) // 2
    return cv2.copyMakeBorder(rgb, top, 9 * unit - height - top, left, 16 * unit - width - left,
                              cv2.BORDER_REPLICATE)


def fake_camera_file(clip: Path, out: Path, width: int = 864, lead_s: float = 6.0,
                     tail_s: float = 3.0) -> tuple[Path, float]:
    """(path, seconds of camera footage) of an .mjpeg made from `clip` (see module docstring);
    `width` a multiple of 16 (the height is 9/16 of it)."""
    import cv2

    from posecoach.video_io import iter_frames  # PyAV decoding, rotation applied like analyze

    out.parent.mkdir(parents=True, exist_ok=True)
    frames = 0
    last = b""
    with open(out, "wb") as fh:  # MJPEG as chromium reads it: JPEG images back to back
        for index, (_, rgb) in enumerate(iter_frames(clip)):
            rgb = _pad_to_16_9(rgb)
            if rgb.shape[1] != width:
                rgb = cv2.resize(rgb, (width, width * 9 // 16), interpolation=cv2.INTER_AREA)
            ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
            if not ok:
                raise RuntimeError(f"could not encode a frame of {clip.name}")
            repeat = round(lead_s * CAMERA_FPS) if index == 0 else 1
            last = jpeg.tobytes()
            fh.write(last * repeat)
            frames += repeat
        tail = round(tail_s * CAMERA_FPS)
        fh.write(last * tail)
        frames += tail
    return out, frames / CAMERA_FPS


@contextlib.contextmanager
def live_server(data_dir: Path, token: str | None = None) -> Iterator[str]:
    """The web app on a free localhost port; yields its base URL."""
    from posecoach.web.settings import ServeSettings

    settings = ServeSettings(data_dir=data_dir, isolation="thread", runner=lambda *a, **k: {},
                             token=token, allowed_hosts=("127.0.0.1", "localhost"))
    with serve_in_thread(settings) as url:
        yield url


def camera_args(camera_file: Path) -> list[str]:
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}", "--autoplay-policy=no-user-gesture-required"]


@dataclass
class LiveRun:
    stats: dict[str, Any]
    sets: list[dict[str, Any]]          # {"id", "report"} per saved set
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


def run_live_page(browser: Any, base_url: str, query: str, timeout_s: float = 90.0,
                  viewport: tuple[int, int] = (900, 900)) -> LiveRun:
    """Open /live?query in a new page, wait for the saved set, collect what it did."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    requests: list[str] = []
    console: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    try:
        page.goto(f"{base_url}/live?{query}")
        try:
            page.wait_for_selector("body[data-live-state=saved]", state="attached", timeout=timeout_s * 1000)
        except Exception as exc:
            error = page.locator("#live-error").text_content() if page.locator("#live-error").is_visible() else ""
            raise AssertionError(f"the set was not saved: {error!r}; console: {console[-15:]}") from exc
        stats = page.evaluate("window.posecoachLive.stats()")
        ids = page.eval_on_selector_all("a.live-result", "els => els.map(e => e.dataset.id)")
    finally:
        context.close()
    sets = []
    for set_id in ids:
        with urllib.request.urlopen(f"{base_url}/files/{set_id}/report.json", timeout=30) as response:
            sets.append({"id": set_id, "report": json.loads(response.read())})
    return LiveRun(stats, sets, requests, console)
