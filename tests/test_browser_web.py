"""`posecoach serve` in a real browser: Debian's chromium driven by Playwright for Python.

The server runs for real (uvicorn on a free localhost port, worker processes); the page
uploads a clip, follows its progress and shows the result; History lists the session.
Then every page (upload, result, history, how to film) is opened on a 1280x800 desktop
and a 390x844 phone: nothing may be wider than the screen, buttons are big enough to tap,
the result shows the target progress and the comparison with last time, and a session
that could not be assessed is listed but not in the progression API's rows.
Screenshots go to the test's temporary folder; with POSECOACH_SCREENSHOTS=docs/img (and
the real analysis) they refresh the README's images, so an ordinary test run never
rewrites tracked files. Skips, with the reason, when chromium or Playwright is missing;
never downloads a browser.
"""

from __future__ import annotations

import importlib.util
import json
import os
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REALCLIPS, SAMPLES
from tests.support.app_server import serve_in_thread
from tests.support.web_runners import RUNNER, make_clip

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ["POSECOACH_SCREENSHOTS"]) if os.environ.get("POSECOACH_SCREENSHOTS") else None
UPLOAD_CLIP = REALCLIPS / "hinge_deadlift_barbell_side_posereader2.mp4"   # 3.6 s deadlift, side view
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# The screenshots the README shows (the others go to the test's temporary folder only).
README_SHOTS = {"result", "history", "upload-phone", "result-phone", "history-phone", "how-to-film-phone"}


def _real_analysis_possible() -> bool:
    from posecoach.models import list_models

    return (importlib.util.find_spec("posecoach.report") is not None
            and any(m.variant == "full" for m in list_models()))




@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, bool, Path]]:
    """uvicorn in a thread on a free port, with real worker processes; yields (url, clip, real, data dir)."""
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
    with serve_in_thread(settings) as url:
        yield url, clip, real, root / "data"


def _wait_js(page, expression: str, timeout_s: float = 30) -> None:
    """Poll with evaluate(): wait_for_function evaluates strings, which the app's CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.1)


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def _fits(page, width: int) -> list[str]:
    """Elements reaching past the right edge of the screen (none on a page that fits)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    return page.evaluate(f"""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > {width} + 1 && e.getClientRects().length)
        .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + e.className)""")


def _small_targets(page) -> list[str]:
    """Buttons and navigation links shorter than 40 px (a finger needs about 44)."""
    return page.evaluate("""[...document.querySelectorAll('button, .button, nav a, select, .session-link')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().height < 40)
        .map(e => e.outerHTML.slice(0, 80))""")


def _seed_history(data_dir: Path, report: dict, created_at: float) -> tuple[str, str]:
    """A session of the same exercise and leg a day earlier (smaller numbers), and one from
    two days earlier that could not be assessed (filmed from the front)."""
    from posecoach.history import HistoryStore

    store = HistoryStore(data_dir / "posecoach.db")
    summary = {k: (v * 0.8 if isinstance(v, float) else v) for k, v in (report.get("summary") or {}).items()}
    earlier = {**report, "summary": summary,
               "holds": [{**h, "duration_s": (h.get("duration_s") or 1.0) * 0.8} for h in report.get("holds") or []],
               "swings": [{**w, "amplitude_deg": (w.get("amplitude_deg") or 10.0) * 0.8}
                          for w in report.get("swings") or []],
               "verdict": {"status": "good", "headline": "Good form.", "details": []},
               "input": {**report["input"], "path": "stretch-yesterday.mp4"}}
    before = store.add_session(earlier, "upload", None, created_at=created_at - 86400)
    front = {**report, "verdict": {"status": "not_assessable", "details": [],
                                   "headline": "Could not assess: turn side-on to the camera and record again."},
             "conditions": [{"code": "not_side_view", "start_s": 0.0, "end_s": 3.0, "message": "Turn side-on."}],
             "input": {**report["input"], "path": "stretch-from-the-front.mp4"}}
    blocked = store.add_session(front, "upload", None, created_at=created_at - 2 * 86400)
    return before, blocked


def test_upload_result_history_and_how_to_film_on_desktop_and_phone(
        browser, server: tuple[str, Path, bool, Path], tmp_path: Path) -> None:
    url, clip, real, data_dir = server
    shots = SCREENSHOTS if (real and SCREENSHOTS is not None) else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((url, "data:")) else None)

    # An upload the server refuses: the error is shown and no stale "Uploading... 100%" stays.
    page.goto(url + "/")
    bogus = tmp_path / "notes.mp4"
    bogus.write_text("this is not a video")
    page.set_input_files("#file-input", str(bogus))
    page.click("#submit")
    page.wait_for_selector("#upload-error:not([hidden])", timeout=30_000)
    assert page.is_hidden("#upload-status") and "100%" not in page.inner_text("#upload-form")
    assert "((" not in page.inner_text("#upload-error") and "))" not in page.inner_text("#upload-error")

    page.set_input_files("#file-input", str(clip))
    assert clip.name in page.inner_text("#file-name")
    page.select_option("#exercise", "origin-stretch" if clip == UPLOAD_CLIP else "auto")
    page.click("#submit")
    page.wait_for_selector("#upload-status:not([hidden])")
    page.wait_for_url(f"{url}/results/*", timeout=300_000)        # the page follows the job to its result
    job_id = page.url.rsplit("/", 1)[-1]
    body = _get(f"{url}/api/analyses/{job_id}")
    report = body["report"]
    assert page.inner_text("#verdict-headline") == report["verdict"]["headline"]

    # The annotated video has a poster, loads and can play (the server answers Range requests).
    if real:
        assert page.get_attribute("#annotated-video", "poster")
    _wait_js(page, "document.querySelector('#annotated-video').readyState >= 2")
    played = page.evaluate("""async () => {
        const v = document.querySelector('#annotated-video');
        v.muted = true;
        try { await v.play(); v.pause(); return true; } catch (e) { return String(e); }
    }""")
    assert played is True

    session = _get(f"{url}/api/sessions/{job_id}")
    before, blocked = _seed_history(data_dir, report, session["created_at"])
    rows = _get(f"{url}/api/progression/{report['exercise']}")["rows"]
    assert blocked not in [r["id"] for r in rows] and {before, job_id} <= {r["id"] for r in rows}

    for name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        suffix = "-phone" if name == "phone" else ""
        for path, shot in (("/", "upload"), (f"/results/{job_id}", "result"), ("/history", "history"),
                           ("/how-to-film", "how-to-film")):
            page.goto(url + path)
            page.wait_for_load_state("load")
            assert _fits(page, viewport["width"]) == [], (path, name)
            if name == "phone":
                assert _small_targets(page) == [], path
            folder = shots if f"{shot}{suffix}" in README_SHOTS else tmp_path
            page.screenshot(path=str(folder / f"{shot}{suffix}.png"), full_page=True)
            text = page.inner_text("main")
            assert "_deg" not in text and "_s " not in text and " deg" not in text, path   # no raw keys
            if shot == "result":
                assert " of " in page.inner_text("#targets")                # "4 of 30 s", "8 of 10-15 swings"
                assert "Compared with last time" in page.inner_text("#compared")
                assert page.is_visible("#next-step")
            if shot == "history":
                assert page.locator(f"li[data-id='{job_id}']").count() == 1
                assert page.locator(f"li[data-id='{blocked}']").count() == 1   # listed, not plotted
                if clip == UPLOAD_CLIP:
                    assert "origin stretch" in page.locator(f"li[data-id='{job_id}']").inner_text().lower()
                assert page.locator("svg.progress-chart").count() >= 1
            if shot == "upload":
                assert report["verdict"]["headline"] in page.inner_text("#recent")
            if shot == "how-to-film":
                assert page.evaluate("document.querySelector('#howto-picture').naturalWidth") > 0
    assert outside == []                                            # fully offline: nothing but the app
    context.close()
