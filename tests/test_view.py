"""Camera yaw from the body (posecoach.view) and the yaw correction of image angles."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.kinematics import ANGLE_INDEX, View, angles_from_points, sagittal_image_xy
from posecoach.pipeline import FrameMeasurer
from posecoach.landmarks import PoseFrame
from posecoach.synth import motions
from posecoach.synth.body import Body
from posecoach.synth.camera import Camera
from posecoach.synth.skeleton import forward_kinematics
from posecoach.synth.truth import sagittal_angles
from posecoach.view import DEFAULT_POLICY, ViewPolicy, YawTracker, camera_yaw_deg


def _seen(yaw_deg: float, t_s: float = 5.0, motion=None):
    """True joints of the synthetic person at t_s, seen by a camera `yaw_deg` off
    side-on: (image px, MediaPipe-style world: hip-centred, camera-aligned, y down)."""
    body = Body()
    motion = motion or motions.origin_stretch("good")
    lm = forward_kinematics(motion.pose_at(t_s, body), body).landmarks(body)
    cam = Camera.orbit(1280, 720, distance_m=4.0, height_m=1.0, yaw_deg=yaw_deg,
                       target=(0.0, 0.9, 0.0))
    xy, _ = cam.project(lm)
    world = cam.to_camera(lm)
    world -= (world[23] + world[24]) / 2.0
    return xy, world, lm


@pytest.mark.parametrize("yaw", [0.0, 15.0, 30.0, 45.0, 60.0, 90.0])
@pytest.mark.parametrize("t_s", [0.5, 5.0])   # standing, hinged
def test_camera_yaw_reads_the_true_yaw(yaw, t_s):
    xy, world, _ = _seen(yaw, t_s)
    assert camera_yaw_deg(xy, world) == pytest.approx(yaw, abs=4.0)


def test_camera_yaw_is_nan_without_landmarks():
    nan = np.full((33, 2), np.nan)
    assert np.isnan(camera_yaw_deg(nan, np.full((33, 3), np.nan)))


@pytest.mark.parametrize("yaw", [15.0, 30.0, 45.0])
def test_undoing_the_yaw_restores_side_on_angles(yaw):
    # Perspective at 4 m adds a little; image-plane angles at 45 degrees are ~10 off.
    xy, world, lm = _seen(yaw)
    truth = sagittal_angles(lm)
    fixed = angles_from_points(sagittal_image_xy(xy, yaw), 1)
    for name in ("trunk_inclination", "hip_flexion_right", "knee_flexion_right"):
        i = ANGLE_INDEX[name]
        assert abs(fixed[i] - truth[i]) <= 3.0, name
    raw = angles_from_points(xy, 1)
    i = ANGLE_INDEX["trunk_inclination"]
    assert abs(fixed[i] - truth[i]) <= abs(raw[i] - truth[i])


@pytest.mark.parametrize("yaw, view", [(5.0, View.SIDE), (35.0, View.OBLIQUE), (80.0, View.FRONT),
                                       (float("nan"), View.UNKNOWN)])
def test_policy_view(yaw, view):
    assert DEFAULT_POLICY.view(yaw) is view


def test_policy_measures_nothing_beyond_its_limit():
    xy = np.zeros((33, 2))
    policy = ViewPolicy(side_max_deg=20.0, measure_max_deg=55.0)
    assert policy.angle_points(xy, 10.0) is xy
    assert policy.angle_points(xy, 40.0) is not None
    assert policy.angle_points(xy, 70.0) is None


def test_yaw_tracker_is_a_running_median():
    tracker = YawTracker(span_s=1.0)
    values = [tracker.update(i / 10, y) for i, y in enumerate([10, 50, 10, 10, 50, 10])]
    assert values[-1] == 10.0
    assert np.isnan(YawTracker().update(0.0, float("nan")))


def test_front_view_frames_measure_nothing():
    xy, world, _ = _seen(90.0)
    image = np.zeros((33, 5))
    image[:, :2] = xy
    image[:, 3:] = 1.0
    frame = PoseFrame(0.0, 1280, 720, image, world, None, 1)
    m = FrameMeasurer().measurement_of(frame)
    assert m.view is View.FRONT and m.yaw_deg > 80
    assert np.isnan(m.angles).all()
