"""Frames -> measurements -> samples, without a model (synthetic landmarks)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from posecoach.kinematics import ANGLE_INDEX, View
from posecoach.landmarks import PoseFrame, PoseLandmark as L
from posecoach.pipeline import FrameMeasurer, LiveSmoother, in_frame_fraction, smooth_clip
from posecoach.silhouette import back_bulge
from posecoach.tracking import FacingTracker, LegSwapGuard, swap_sides
from tests.builders import frame_from_xy, side_pose


def test_measurer_gives_angles_facing_and_view():
    m = FrameMeasurer().measurement_of(frame_from_xy(side_pose(60, 5, -5, facing=-1)))
    assert m.detected and m.view == View.SIDE and m.facing == -1
    assert m.angles[ANGLE_INDEX["trunk_inclination"]] == pytest.approx(60, abs=1e-6)
    assert m.angles[ANGLE_INDEX["hip_flexion_left"]] == pytest.approx(65, abs=1e-6)


def test_no_person_is_an_empty_measurement():
    m = FrameMeasurer().measurement_of(PoseFrame.empty(0.0, 640, 480))
    assert not m.detected and np.isnan(m.angles).all() and m.num_people == 0


def test_in_frame_fraction_drops_when_feet_are_cut_off():
    xy = side_pose(0, 0, 0, hip=(500, 600))  # ankles at y ~ 775 > 720
    assert in_frame_fraction(frame_from_xy(xy, height=720)) == pytest.approx(0.75)
    assert in_frame_fraction(frame_from_xy(side_pose(0, 0, 0, hip=(500, 300)))) == 1.0


def test_facing_tracker_ignores_one_bad_frame_but_follows_a_turn():
    tracker = FacingTracker()
    for _ in range(30):
        tracker.update(1)
    assert tracker.update(-1) == 1
    for _ in range(30):
        tracker.update(-1)
    assert tracker.facing == -1


def test_leg_swap_guard_undoes_a_one_frame_label_swap():
    guard = LegSwapGuard()
    # Legs apart (one swung forward) so the labels are distinguishable.
    base = frame_from_xy(side_pose(0, 40, 40, far_thigh_deg=-10, far_shank_deg=-10)).image
    guard.update(base)
    fixed = guard.update(swap_sides(base))
    np.testing.assert_allclose(fixed[[L.LEFT_KNEE, L.RIGHT_KNEE], :2], base[[L.LEFT_KNEE, L.RIGHT_KNEE], :2])


@pytest.mark.parametrize("scale", [1.0, 0.5, 0.25])
def test_leg_swap_guard_works_at_any_image_size(scale):
    # Legs close together (a quarter of a trunk length apart), as in a side view: their
    # separation is judged against the body's size, not in pixels, so a copy of the clip
    # at a quarter of the resolution has its swaps undone the same.
    guard = LegSwapGuard()
    base = frame_from_xy(side_pose(0, 40, 40, far_thigh_deg=30, far_shank_deg=30,
                                   hip=(500.0 * scale, 500.0 * scale), scale=scale)).image
    guard.update(base)
    fixed = guard.update(swap_sides(base))
    np.testing.assert_allclose(fixed[[L.LEFT_KNEE, L.RIGHT_KNEE], :2], base[[L.LEFT_KNEE, L.RIGHT_KNEE], :2])


def test_offline_and_live_paths_agree_on_a_steady_pose():
    measurer = FrameMeasurer()
    frames = [frame_from_xy(side_pose(70, 10, 0), t_s=i / 30) for i in range(60)]
    ms = [measurer.measurement_of(f) for f in frames]
    offline = smooth_clip(ms, 1280, 720)
    live = LiveSmoother()
    online = [live.update(m, measurer.facing, 1280, 720) for m in ms]
    assert offline[-1].angle("hip_flexion_right") == pytest.approx(80, abs=0.01)
    assert online[-1].angle("hip_flexion_right") == pytest.approx(80, abs=0.01)
    assert offline[0].facing == 1


def _trunk_mask(rounded: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A side-view trunk silhouette: hip (300, 400) to shoulder (500, 300), back above."""
    mask = np.zeros((600, 800), np.float32)
    hip, shoulder = np.array([300.0, 400.0]), np.array([500.0, 300.0])
    axis = (shoulder - hip) / np.linalg.norm(shoulder - hip)
    normal_up = np.array([axis[1], -axis[0]])  # toward the back (up in the image)
    pts_back = []
    for f in np.linspace(0, 1, 20):
        bulge = 40.0 * np.sin(np.pi * f) if rounded else 0.0
        pts_back.append(hip + f * (shoulder - hip) + normal_up * (25 + bulge))
    pts_front = [hip + f * (shoulder - hip) - normal_up * 25 for f in np.linspace(1, 0, 20)]
    cv2.fillPoly(mask, [np.array(pts_back + pts_front, np.int32)], 1.0)
    return mask, shoulder, hip


def test_back_bulge_separates_flat_and_rounded_backs():
    mask, shoulder, hip = _trunk_mask(rounded=False)
    front = np.array([(shoulder - hip)[1], -(shoulder - hip)[0]]) * -1  # away from the back
    flat = back_bulge(mask, shoulder, hip, front)
    mask_r, _, _ = _trunk_mask(rounded=True)
    rounded = back_bulge(mask_r, shoulder, hip, front)
    assert flat < 0.03 and rounded > 0.06
    assert np.isnan(back_bulge(None, shoulder, hip, front))


def test_people_count_of_a_frame_does_not_depend_on_the_decoding_threads_lead():
    # The counter runs on the decoding thread, up to a few frames ahead of pose
    # inference. Each frame gets the count sampled before it, whatever that lead, so an
    # analysis gives the same multiple_people condition on every run.
    import time

    from posecoach.pose import PeopleCounter
    from posecoach.video_io import prefetch

    class ScriptedCounter(PeopleCounter):
        def update(self, rgb, t_s):  # noqa: ANN001, ANN201 - a second person from 1 s on
            if t_s - self._last_t >= self._interval_s or t_s < self._last_t:
                self._count, self._last_t = (2 if t_s >= 1.0 else 1), t_s
            return self._count

    frames = [(i / 10, np.zeros((4, 4, 3), np.uint8)) for i in range(30)]
    seen = {}
    for consumer_s in (0.0, 0.01):   # a fast and a slow consumer (the producer gets ahead)
        counter = ScriptedCounter(interval_s=0.5)
        got = []
        for t_s, _ in prefetch(counter.watch(iter(frames)), depth=4):
            time.sleep(consumer_s)
            got.append(counter.count_before(t_s))
        seen[consumer_s] = got
    assert seen[0.0] == seen[0.01]
    assert seen[0.0][:6] == [1] * 6 and seen[0.0][-1] == 2
