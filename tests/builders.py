"""Builders for landmark sets with known geometry (pure side views)."""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import PoseFrame, PoseLandmark as L

TRUNK_PX = 100.0
THIGH_PX = 90.0
SHANK_PX = 85.0


def _dir_from_down(deg: float, facing: int) -> np.ndarray:
    r = np.radians(deg)
    return np.array([facing * np.sin(r), np.cos(r)])


def side_pose(trunk_deg: float = 0.0, thigh_deg: float = 0.0, shank_deg: float = 0.0,
              facing: int = 1, hip: tuple[float, float] = (500.0, 500.0), scale: float = 1.0,
              far_thigh_deg: float | None = None, far_shank_deg: float | None = None) -> np.ndarray:
    """(33, 2) points of a person seen exactly side-on.

    Angles are absolute, in degrees, + toward where the person faces:
    trunk from vertical-up, thigh and shank from vertical-down. So the expected values are
    trunk_inclination = trunk_deg, thigh_angle = thigh_deg,
    hip_flexion = thigh_deg + trunk_deg, knee_flexion = thigh_deg - shank_deg.
    The near leg (right when facing +1, left when -1) gets thigh/shank; the far leg
    gets far_* (default: the same).
    """
    xy = np.full((33, 2), np.nan)
    h = np.asarray(hip, dtype=float)
    r = np.radians(trunk_deg)
    axis = np.array([facing * np.sin(r), -np.cos(r)])
    front = facing * np.array([-axis[1], axis[0]])
    shoulder = h + axis * TRUNK_PX * scale
    near, far = ("RIGHT", "LEFT") if facing == 1 else ("LEFT", "RIGHT")
    legs = {near: (thigh_deg, shank_deg),
            far: (thigh_deg if far_thigh_deg is None else far_thigh_deg,
                  shank_deg if far_shank_deg is None else far_shank_deg)}
    for side, (thigh, shank) in legs.items():
        knee = h + _dir_from_down(thigh, facing) * THIGH_PX * scale
        ankle = knee + _dir_from_down(shank, facing) * SHANK_PX * scale
        foot = _dir_from_down(shank + 90.0, facing)  # toes point forward of the shank
        xy[L[f"{side}_SHOULDER"]] = shoulder
        xy[L[f"{side}_HIP"]] = h
        xy[L[f"{side}_KNEE"]] = knee
        xy[L[f"{side}_ANKLE"]] = ankle
        xy[L[f"{side}_HEEL"]] = ankle - foot * 8 * scale
        xy[L[f"{side}_FOOT_INDEX"]] = ankle + foot * 22 * scale
        xy[L[f"{side}_ELBOW"]] = shoulder + (h - shoulder) * 0.5
        xy[L[f"{side}_WRIST"]] = h
    head = shoulder + axis * 25 * scale
    xy[L.NOSE] = head + front * 10 * scale
    for name in ("LEFT_EAR", "RIGHT_EAR"):
        xy[L[name]] = head - front * 2 * scale
    for name in ("LEFT_EYE", "RIGHT_EYE"):
        xy[L[name]] = head + front * 8 * scale + axis * 3 * scale
    return xy


def frame_from_xy(xy: np.ndarray, t_s: float = 0.0, width: int = 1280, height: int = 720,
                  visibility: float = 0.99) -> PoseFrame:
    image = np.zeros((33, 5))
    image[:, :2] = xy
    image[:, 2] = 0.0
    image[:, 3] = np.where(np.isfinite(xy).all(axis=1), visibility, 0.0)
    image[:, 4] = image[:, 3]
    return PoseFrame(t_s=t_s, width=width, height=height, image=image, num_people=1)
