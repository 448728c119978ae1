"""Property tests: arbitrary landmarks (noise, NaN, swaps, gaps) never crash the angle
engine or the measurement/smoothing path, and never turn missing data into numbers."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from posecoach import kinematics
from posecoach.landmarks import PoseFrame
from posecoach.pipeline import FrameMeasurer, smooth_clip
from posecoach.tracking import swap_sides

coords = st.one_of(st.floats(-5000, 5000), st.just(float("nan")))
landmarks = arrays(np.float64, (33, 2), elements=coords)


@settings(max_examples=150, deadline=None)
@given(xy=landmarks, facing=st.sampled_from([-1, 0, 1]))
def test_angles_never_crash_and_stay_in_range(xy, facing):
    out = kinematics.angles_from_points(xy, facing)
    finite = out[np.isfinite(out)]
    assert out.shape == (len(kinematics.ANGLE_NAMES),)
    assert np.all(np.abs(finite) <= 180.0 + 1e-9)
    assert kinematics.facing_sign(xy) in (-1, 0, 1)
    kinematics.classify_view(kinematics.body_width_ratio(xy))


@settings(max_examples=100, deadline=None)
@given(xy=landmarks)
def test_nan_landmarks_give_nan_angles_that_need_them(xy):
    xy = xy.copy()
    xy[25] = np.nan  # LEFT_KNEE
    out = kinematics.angles_from_points(xy, 1)
    for name in ("knee_flexion_left", "hip_flexion_left", "thigh_angle_left"):
        assert np.isnan(out[kinematics.ANGLE_INDEX[name]])


frame_st = st.builds(
    lambda xy, vis, present, swap: (xy, vis, present, swap),
    landmarks, arrays(np.float64, (33,), elements=st.floats(0, 1)), st.booleans(), st.booleans())


@settings(max_examples=30, deadline=None)
@given(frames=st.lists(frame_st, min_size=1, max_size=40))
def test_measurement_and_smoothing_survive_any_sequence(frames):
    measurer = FrameMeasurer()
    ms = []
    for i, (xy, vis, present, swap) in enumerate(frames):
        image = np.zeros((33, 5))
        image[:, :2] = xy
        image[:, 3] = vis
        image[:, 4] = vis
        if swap:
            image = swap_sides(image)
        frame = (PoseFrame(i / 30, 640, 480, image, num_people=1) if present
                 else PoseFrame.empty(i / 30, 640, 480))
        ms.append(measurer.measurement_of(frame))
    samples = smooth_clip(ms, 640, 480)
    assert len(samples) == len(frames)
    for s in samples:
        assert s.facing in (-1, 0, 1)
        assert np.all(np.abs(s.angles[np.isfinite(s.angles)]) <= 360.0)
    # Nothing is invented where no frame had a body at all.
    if not any(m.detected for m in ms):
        assert all(np.isnan(s.angles).all() for s in samples)
