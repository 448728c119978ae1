from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings


ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
REALCLIPS = ROOT.parent / "shared" / "realclips"

# Native MediaPipe/TFLite logging is noise in test output.
os.environ.setdefault("GLOG_minloglevel", "2")

# Property tests draw the same examples on every run (CI must be deterministic); a
# local database of past failures would make one machine's run differ from another's.
settings.register_profile("posecoach", derandomize=True, database=None)
settings.load_profile("posecoach")


@pytest.fixture(scope="session")
def full_model() -> Path:
    from posecoach.pose import resolve_model

    return resolve_model("full")


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; never a downloaded browser
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def playwright_or_skip():  # noqa: ANN201 - the module is optional
    """Playwright's sync API, or a skip with the reason (no Playwright, no Debian chromium)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="Playwright for Python is not installed (pip install playwright)")
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    return sync_api


@pytest.fixture(scope="module")
def browser():
    """Headless Debian chromium driven by Playwright; skips with the reason when missing.

    Module scope, not session: Playwright's sync API keeps an event loop running in this
    thread while it is open, which would break later tests that call asyncio.run()."""
    sync_api = playwright_or_skip()
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def sample_clips() -> list[Path]:
    return sorted(SAMPLES.glob("*.mp4"))


def realclip(name: str) -> Path:
    path = REALCLIPS / name
    if not path.exists():
        pytest.skip(f"real clip {name} not available (../shared/realclips absent)")
    return path
