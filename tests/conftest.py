from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
REALCLIPS = ROOT.parent / "shared" / "realclips"

# Native MediaPipe/TFLite logging is noise in test output.
os.environ.setdefault("GLOG_minloglevel", "2")


@pytest.fixture(scope="session")
def full_model() -> Path:
    from posecoach.models import ensure_model

    return ensure_model("full")


def sample_clips() -> list[Path]:
    return sorted(SAMPLES.glob("*.mp4"))


def realclip(name: str) -> Path:
    path = REALCLIPS / name
    if not path.exists():
        pytest.skip(f"real clip {name} not available (../shared/realclips absent)")
    return path
