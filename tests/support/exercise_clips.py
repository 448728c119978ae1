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


def held_stretch_photo(folder: Path) -> Path:
    """A photo of a held stretch (a valid input): frame 150, mid-hold, of the good origin
    stretch sample, written as PNG into `folder`; skips when the samples are absent."""
    import cv2

    from posecoach.video_io import iter_frames

    clip = SAMPLES / "origin_stretch_good_right.mp4"
    if not clip.exists():
        pytest.skip("sample_videos not generated")
    photo = folder / "held_stretch.png"
    frames = iter_frames(clip)
    for i, (_, rgb) in enumerate(frames):
        if i == 150:
            cv2.imwrite(str(photo), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            break
    frames.close()
    return photo


def clip_for(exercise: str) -> Path:
    pattern, real = CLIPS[exercise]
    found = sorted(SAMPLES.glob(pattern))
    if found:
        return found[0]
    if real is not None and (REALCLIPS / real).exists():
        return REALCLIPS / real
    pytest.skip(f"no clip for {exercise}: sample_videos/{pattern} not generated yet "
                "(posecoach samples generate)")
