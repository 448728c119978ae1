"""A clip per exercise for the live-video tests: a bundled synthetic sample with a fault to
find, or a real clip where one gives stable verdicts; skips when neither is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REALCLIPS, SAMPLES

# Exercise -> a sample clip with a fault to find (sample_videos/, 640x480 so decoding is
# cheap) and a real-clip fallback where one gives stable verdicts.
CLIPS = {
    "origin-stretch": ("origin_stretch_knees_bent_right.mp4", "forwardfold_standing_side_istock.mp4"),
    "leg-swing": ("leg_swing_too_fast_left.mp4", None),
    "curl-hip-lift": ("curl_hip_lift_no_hip_lift_right.mp4", None),
}


def clip_for(exercise: str) -> Path:
    pattern, real = CLIPS[exercise]
    found = sorted(SAMPLES.glob(pattern))
    if found:
        return found[0]
    if real is not None and (REALCLIPS / real).exists():
        return REALCLIPS / real
    pytest.skip(f"no clip for {exercise}: sample_videos/{pattern} not generated yet "
                "(posecoach samples generate)")
