"""Live coaching in a real browser: Debian chromium with a bundled sample clip as its webcam.

Chromium's fake camera plays an .mjpeg made at test time from the sample (the first frame
held while framing guidance and the countdown run, then the clip). The page runs
`/live?exercise=ID&autostart=1&duration=S`; the saved set must have the sample's swing
count (within one: live smooths causally, analyze zero-phase) and the same faults as
`analyze` on the same clip, with the pose in the page and with the pose on the server.
The origin stretch needs the segmentation mask (its rounded-back fault comes from it). The
page must make no request to any other host. Skips, with the reason, without chromium,
Playwright or (page mode) the npm web runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from posecoach.analysis import AnalysisOptions, analyze_media
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, SAMPLES, playwright_or_skip
from tests.live_harness import LiveRun, camera_args, fake_camera_file, live_server, run_live_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SWING_CLIP = SAMPLES / "leg_swing_trunk_sway_right.mp4"          # 8 swings, trunk sway
STRETCH_CLIP = SAMPLES / "origin_stretch_rounded_back_left.mp4"  # a hold with a rounded back (mask)
# The comparison with analyze needs the page to keep up with the camera roughly: the sample
# progresses by 12-14 degrees a swing against an 18-degree limit, and a swing peak missed
# between two far-apart frames shifts that. Below this rate (a machine busy with other
# work: the page measures it) a mismatch skips with the figures instead of failing.
MIN_FPS_FOR_VERDICTS = 12.0


@pytest.fixture(scope="module")
def lite_model() -> Path:
    """The model both modes use (installed on first use; skips when it cannot be)."""
    from posecoach.errors import ModelError
    from posecoach.pose import resolve_model

    try:
        return resolve_model("lite")
    except ModelError as exc:
        pytest.skip(f"the lite pose model is not available: {exc.message}")


def _needs_runtime() -> None:
    """The in-page runtime, provisioned as `posecoach models install` does (skips without npm)."""
    from posecoach import models

    if models.install_web_runtime() is None:
        pytest.skip("the web runtime is not installed and npm is missing (posecoach models install, with npm)")


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    sync_api = playwright_or_skip()
    with sync_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(tmp_path_factory.mktemp("browser-live") / "data") as url:
        yield url


def _reference(clip: Path, exercise: str) -> dict[str, Any]:
    """What `posecoach analyze` finds in the clip (the lite model, as the live page uses)."""
    result = analyze_media(clip, AnalysisOptions(exercise=exercise, model="lite")).result
    return {"swings": len(result.swings), "faults": sorted(result.fault_codes)}


def _run(playwright: Any, server: str, tmp_path: Path, clip: Path, exercise: str, mode: str) -> LiveRun:
    if not clip.exists():
        pytest.skip(f"{clip.name} is not in sample_videos/")
    camera, seconds = fake_camera_file(clip, tmp_path / "camera.mjpeg")
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + camera_args(camera))
    try:
        # The set's clock starts with the page's first frame, up to 3 s into the file: ending
        # 3.5 s before the file does leaves the whole clip in, and the loop out.
        run = run_live_page(browser, server, f"exercise={exercise}&autostart=1&mode={mode}"
                                             f"&duration={seconds - 3.5:.1f}", timeout_s=seconds + 60)
    finally:
        browser.close()
    assert run.stats["mode"] == mode, run.stats
    assert len(run.sets) == 1, run.sets
    return run


def _check_verdict(run: LiveRun, expected: dict[str, Any], exercise: str) -> None:
    import os

    report = run.sets[0]["report"]
    got = {"swings": len(report["swings"]), "holds": len(report["holds"]),
           "faults": sorted({f["code"] for f in report["faults"]})}
    ok = got["faults"] == expected["faults"] and (
        abs(got["swings"] - expected["swings"]) <= 1 if exercise == "leg-swing" else got["holds"] >= 1)
    if not ok and run.stats["fps"] < MIN_FPS_FOR_VERDICTS:
        pytest.skip(f"skipped, not failed: the {run.stats['mode']}-mode page analysed {run.stats['fps']:.1f} "
                    f"frames/s, under the {MIN_FPS_FOR_VERDICTS:g} a real-time comparison with analyze "
                    f"needs (the machine is busy: load average {os.getloadavg()[0]:.1f}); "
                    f"got {got}, analyze {expected}")
    assert ok, (got, expected, run.stats)


def _only_this_server(run: LiveRun, server: str) -> None:
    hosts = {urlsplit(url).netloc for url in run.requests if not url.startswith(("data:", "blob:"))}
    assert hosts == {urlsplit(server).netloc}, hosts


@pytest.fixture(scope="module")
def swing_reference() -> dict[str, Any]:
    return _reference(SWING_CLIP, "leg-swing")


@pytest.mark.parametrize("mode", ["page", "server"])
def test_live_page_counts_the_swings_and_finds_the_faults_of_analyze(
        lite_model: Path, playwright: Any, server: str, tmp_path: Path, swing_reference: dict[str, Any],
        mode: str) -> None:
    if mode == "page":
        _needs_runtime()
    run = _run(playwright, server, tmp_path, SWING_CLIP, "leg-swing", mode)
    report = run.sets[0]["report"]
    assert report["exercise"] == "leg-swing" and report["input"]["path"].startswith("browser camera")
    if mode == "page":  # the page's people counter ran and saw the one runner
        assert run.stats["people_counts"] >= 2 and run.stats["people_seen"] == 1, run.stats
    _only_this_server(run, server)
    # In the history like any session, with a result page.
    import urllib.request

    with urllib.request.urlopen(f"{server}/api/sessions/{run.sets[0]['id']}", timeout=30) as response:
        assert response.status == 200
    with urllib.request.urlopen(f"{server}/results/{run.sets[0]['id']}", timeout=30) as response:
        assert response.status == 200
    _check_verdict(run, swing_reference, "leg-swing")


def test_live_page_sends_the_mask_for_the_origin_stretch(lite_model: Path, playwright: Any, server: str,
                                                         tmp_path: Path) -> None:
    _needs_runtime()
    reference = _reference(STRETCH_CLIP, "origin-stretch")
    assert "rounded_back" in reference["faults"]  # found from the mask: without it, no such fault
    run = _run(playwright, server, tmp_path, STRETCH_CLIP, "origin-stretch", "page")
    _only_this_server(run, server)
    _check_verdict(run, reference, "origin-stretch")
