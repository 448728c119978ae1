"""report.html in a real browser: Debian's chromium driven by Playwright, from disk,
with the network unreachable. Skips (with the reason) when either is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecoach.exercises.base import Cue, Fault
from posecoach.report import write_outputs
from tests.support.analyses import make_analysis, write_input_video

pytestmark = pytest.mark.browser





@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("browser")
    clip = write_input_video(root / "in.mp4")
    analysis = make_analysis(path=str(clip), faults=[Fault("rounded_back", 0.5, 1.5, "Keep it flat.")],
                             cues=[Cue(0.6, "Keep your back flat", "rounded_back")])
    out = root / "report"
    return out, write_outputs(analysis, out, video=True)


def test_report_opens_from_disk(browser, report_dir: tuple[Path, dict]) -> None:
    out, report = report_dir
    context = browser.new_context()
    requests: list[str] = []
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.goto((out / "report.html").as_uri())
    page.wait_for_load_state("load")

    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-status") == "needs_work"
    assert report["verdict"]["headline"] in verdict.inner_text()
    # The verdict comes first, in view without scrolling.
    box = verdict.bounding_box()
    assert box is not None and box["y"] < 200
    assert box["y"] < page.locator("#metrics").bounding_box()["y"]

    # Charts are embedded images that decoded.
    widths = page.eval_on_selector_all("figure.chart img", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
    assert len(widths) == len(report["files"]["plots"]) >= 2
    assert all(w > 0 for w in widths)

    # The annotated video element points at the file beside the page and can load it.
    video = page.locator("video#annotated")
    assert video.get_attribute("src") == "annotated.mp4"
    page.wait_for_function("document.querySelector('video#annotated').readyState >= 1", timeout=10_000)
    duration = page.evaluate("document.querySelector('video#annotated').duration")
    assert duration == pytest.approx(2.0, abs=0.2)

    assert page.locator("#fault-timeline .track span").count() == 2       # the hold and the fault
    assert "Back rounding" in page.locator("#fault-timeline").inner_text()
    assert "Keep your back flat" in page.locator("#cues").inner_text()
    # Only local files were requested.
    assert requests and all(u.startswith(("file://", "data:")) for u in requests)
    context.close()


def test_report_fits_a_phone(browser, report_dir: tuple[Path, dict]) -> None:
    """At 390 px nothing is wider than the screen: tables become cards, charts scale down."""
    out, _ = report_dir
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto((out / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    wider = page.evaluate("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391)"
                          ".map(e => e.tagName + '#' + e.id)")
    assert wider == []
    assert "Target for this set" in page.inner_text("body") and page.is_visible("#next-step")
    context.close()


def test_still_image_report(browser, tmp_path: Path) -> None:
    import cv2
    import numpy as np

    still = tmp_path / "still.jpg"
    cv2.imwrite(str(still), np.full((240, 320, 3), 90, np.uint8))
    write_outputs(make_analysis(n=1, kind="image", path=str(still)), tmp_path / "o")
    page = browser.new_page()
    page.goto((tmp_path / "o" / "report.html").as_uri())
    page.wait_for_load_state("load")
    assert page.eval_on_selector("img#annotated", "i => i.naturalWidth") == 320
    assert page.locator("video").count() == 0
    page.close()
