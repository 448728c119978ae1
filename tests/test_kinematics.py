"""The angle definitions of docs/angles.md, pinned."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from posecoach import kinematics as k
from posecoach.kinematics import ANGLE_INDEX, View, angles_from_points
from posecoach.landmarks import PoseLandmark as L
from tests.builders import frame_from_xy, side_pose

A = ANGLE_INDEX


def expected(trunk: float, thigh: float, shank: float) -> dict[str, float]:
    return {"trunk_inclination": trunk, "thigh_angle": thigh, "hip_flexion": thigh + trunk,
            "knee_flexion": thigh - shank}


CASES = [
    # (trunk, thigh, shank, facing): comment
    (0, 0, 0, 1),       # standing tall, facing right: everything zero
    (0, 0, 0, -1),      # same, facing left
    (80, 5, -5, 1),     # deep flat-back hinge: hips flex ~85, soft knee 10
    (45, 0, 0, -1),     # half hinge, straight legs
    (10, 60, -20, 1),   # leg swung forward 60 with knee bent 80 (a squat-like leg)
    (0, -30, -35, 1),   # leg swung back 30 (hip extension), knee bent 5
    (90, -90, -90, -1), # lying prone, head left: hips neutral, knees straight
    (90, -108, 10, -1), # prone: thigh lifted 18 off the floor, knee curled 118
]


@pytest.mark.parametrize("trunk,thigh,shank,facing", CASES)
def test_angles_match_hand_computed_geometry(trunk, thigh, shank, facing):
    xy = side_pose(trunk, thigh, shank, facing=facing)
    out = angles_from_points(xy, facing)
    exp = expected(trunk, thigh, shank)
    assert out[A["trunk_inclination"]] == pytest.approx(exp["trunk_inclination"], abs=1e-6)
    for side in ("left", "right"):
        assert out[A[f"thigh_angle_{side}"]] == pytest.approx(exp["thigh_angle"], abs=1e-6)
        assert out[A[f"hip_flexion_{side}"]] == pytest.approx(exp["hip_flexion"], abs=1e-6)
        assert out[A[f"knee_flexion_{side}"]] == pytest.approx(abs(exp["knee_flexion"]), abs=1e-6)


def test_knee_flexion_is_180_minus_inner_angle():
    hip, knee, ankle = np.array([0.0, 0.0]), np.array([0.0, 10.0]), np.array([10.0, 10.0])
    assert 180 - k.inner_angle_deg(hip, knee, ankle) == pytest.approx(90.0)


def test_missing_landmark_gives_nan_not_a_number():
    xy = side_pose(30, 0, 0)
    xy[L.RIGHT_KNEE] = np.nan
    out = angles_from_points(xy, 1)
    assert np.isnan(out[A["knee_flexion_right"]]) and np.isnan(out[A["hip_flexion_right"]])
    assert np.isfinite(out[A["knee_flexion_left"]])


def test_low_visibility_is_gated_to_nan():
    frame = frame_from_xy(side_pose(30, 0, 0), visibility=0.2)
    kin = k.frame_kinematics(frame)
    assert np.isnan(kin.angles).all()


def test_unknown_facing_leaves_signed_angles_nan():
    out = angles_from_points(side_pose(30, 10, 0), 0)
    assert np.isnan(out[A["hip_flexion_left"]]) and np.isnan(out[A["trunk_inclination"]])
    assert np.isfinite(out[A["knee_flexion_left"]])


angle = st.floats(-60, 60)


@settings(max_examples=60, deadline=None)
@given(trunk=st.floats(0, 90), thigh=angle, shank=angle, facing=st.sampled_from([1, -1]),
       scale=st.floats(0.2, 5.0), dx=st.floats(-2000, 2000), dy=st.floats(-2000, 2000))
def test_invariant_to_scale_translation_and_mirroring(trunk, thigh, shank, facing, scale, dx, dy):
    base = angles_from_points(side_pose(trunk, thigh, shank, facing=facing), facing)
    moved = side_pose(trunk, thigh, shank, facing=facing, scale=scale, hip=(500 + dx, 500 + dy))
    np.testing.assert_allclose(angles_from_points(moved, facing), base, atol=1e-6)
    mirrored = side_pose(trunk, thigh, shank, facing=facing)
    mirrored[:, 0] = 1280.0 - mirrored[:, 0]
    np.testing.assert_allclose(angles_from_points(mirrored, -facing), base, atol=1e-6)


@pytest.mark.parametrize("trunk", [0, 30, 80])
@pytest.mark.parametrize("facing", [1, -1])
def test_facing_detected_and_flips_with_mirroring(trunk, facing):
    xy = side_pose(trunk, 0, 0, facing=facing)
    assert k.facing_sign(xy) == facing
    xy[:, 0] = 1280.0 - xy[:, 0]
    assert k.facing_sign(xy) == -facing


def test_facing_when_lying_prone():
    assert k.facing_sign(side_pose(90, -90, -90, facing=-1)) == -1
    assert k.facing_sign(side_pose(90, -90, -90, facing=1)) == 1


def test_near_side_follows_facing():
    assert k.near_side(1) == "right" and k.near_side(-1) == "left" and k.near_side(0) is None


def test_view_classification_side_oblique_front():
    xy = side_pose(0, 0, 0)
    assert k.classify_view(k.body_width_ratio(xy)) == View.SIDE
    # Spread left/right shoulders and hips across the body as the person turns.
    for spread, view in ((40.0, View.OBLIQUE), (80.0, View.FRONT)):
        turned = xy.copy()
        for left, right in ((11, 12), (23, 24)):
            turned[left, 0] -= spread / 2
            turned[right, 0] += spread / 2
        assert k.classify_view(k.body_width_ratio(turned)) == view


def _world_from_xy(xy: np.ndarray, facing: int, yaw_deg: float = 0.0) -> np.ndarray:
    """Metric, hip-centred 3D points of the side_pose, hips 20 cm apart in depth (the near
    hip closer to the camera), then turned by `yaw_deg` about the vertical."""
    world = np.zeros((33, 3))
    world[:, :2] = (xy - xy[L.LEFT_HIP]) / 100.0
    near, far = (L.RIGHT_HIP, L.LEFT_HIP) if facing == 1 else (L.LEFT_HIP, L.RIGHT_HIP)
    world[near, 2], world[far, 2] = -0.1, 0.1
    r = np.radians(yaw_deg)
    x, z = world[:, 0].copy(), world[:, 2].copy()
    world[:, 0], world[:, 2] = np.cos(r) * x - np.sin(r) * z, np.sin(r) * x + np.cos(r) * z
    return world


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("yaw", [0.0, 30.0, -30.0, 60.0])
def test_world_angles_are_sagittal_whatever_the_camera_yaw(facing, yaw):
    xy = side_pose(40, 10, 0, facing=facing)
    frame = frame_from_xy(xy)
    world = _world_from_xy(xy, facing, yaw)
    frame = type(frame)(frame.t_s, frame.width, frame.height, frame.image, world, None, 1)
    kin = k.frame_kinematics(frame, facing=facing)
    np.testing.assert_allclose(kin.angles_3d, kin.angles, atol=1e-6)
