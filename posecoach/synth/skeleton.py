"""Forward kinematics of the mannequin: joint angles -> 3D joint positions.

World frame: metres, y up, the floor is y = 0. The person faces +x; their right side is
+z (forward x up = right). All flexion happens in the sagittal (x, y) plane, which is
what the exercises need; left and right limbs live in parallel planes at +-z.

Sagittal directions are angles from straight down, positive toward the front (+x):
`direction(0)` = down, `direction(90)` = forward, `direction(180)` = up. A segment tilted
forward by `tilt` degrees from upright points along `direction(180 - tilt)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, PoseLandmark as L
from posecoach.synth.body import Body

SIDES = ("left", "right")
_LATERAL = {"left": -1.0, "right": 1.0}  # sign of z for each body side


def direction(theta_deg: float) -> np.ndarray:
    """Unit 3D vector in the sagittal plane, `theta_deg` from down toward the front."""
    t = np.radians(theta_deg)
    return np.array([np.sin(t), -np.cos(t), 0.0])


@dataclass(frozen=True)
class Pose:
    """Joint angles (degrees) and root placement of one instant.

    pelvis_xy_m: hip-joint centre (x forward, y up), metres.
    pelvis_tilt_deg: forward tilt of the pelvis from upright (90 = lying prone, head +x).
    lumbar/thoracic/neck/head_deg: flexion of each spine segment relative to the one below
        (positive = curling forward); non-zero lumbar/thoracic values make a rounded back.
    hip_*_deg: hip flexion relative to the pelvis (negative = extension).
    knee_*_deg: knee flexion; ankle_*_deg: dorsiflexion (negative = toes pointed).
    shoulder_*_deg: arm flexion from hanging along the trunk; elbow_*_deg: elbow flexion.
    """

    pelvis_xy_m: tuple[float, float] = (0.0, 0.93)
    pelvis_tilt_deg: float = 0.0
    lumbar_deg: float = 0.0
    thoracic_deg: float = 0.0
    neck_deg: float = 0.0
    head_deg: float = 0.0
    hip_left_deg: float = 0.0
    hip_right_deg: float = 0.0
    knee_left_deg: float = 0.0
    knee_right_deg: float = 0.0
    ankle_left_deg: float = 0.0
    ankle_right_deg: float = 0.0
    shoulder_left_deg: float = 0.0
    shoulder_right_deg: float = 0.0
    elbow_left_deg: float = 0.0
    elbow_right_deg: float = 0.0
    arm_abduction_deg: float = 6.0
    stance_half_width_m: float = 0.0  # extra lateral spread of the feet

    def side(self, joint: str, side: str) -> float:
        return float(getattr(self, f"{joint}_{side}_deg"))

    def with_angles(self, angles: Mapping[str, float]) -> "Pose":
        """A copy with angle fields set by name, e.g. {"knee_left_deg": 30.0}."""
        unknown = set(angles) - _ANGLE_FIELDS
        if unknown:
            raise ValueError(f"unknown Pose angle(s) {sorted(unknown)}; valid: {sorted(_ANGLE_FIELDS)}")
        changes: dict[str, Any] = dict(angles)
        return replace(self, **changes)


_ANGLE_FIELDS = frozenset(f.name for f in fields(Pose) if f.name.endswith("_deg"))


@dataclass(frozen=True)
class Frame3:
    """A segment's origin and orientation (unit forward, up and right vectors)."""

    origin: np.ndarray
    forward: np.ndarray
    up: np.ndarray
    right: np.ndarray

    def point(self, fwd: float, up: float, right: float) -> np.ndarray:
        return self.origin + fwd * self.forward + up * self.up + right * self.right


def tilted_frame(origin: np.ndarray, tilt_deg: float) -> Frame3:
    return Frame3(origin, direction(90.0 - tilt_deg), direction(180.0 - tilt_deg),
                  np.array([0.0, 0.0, 1.0]))


@dataclass(frozen=True)
class Skeleton:
    """3D joint centres (metres, world frame) and the frames the renderer dresses.

    `points` holds named joints: hip_centre, pelvis_top, lumbar_top, thoracic_top,
    neck_top, head_centre and per side shoulder/elbow/wrist/hip/knee/ankle/heel/toe.
    """

    points: dict[str, np.ndarray]
    head: Frame3
    pelvis: Frame3
    thorax: Frame3
    foot_dirs: dict[str, np.ndarray]
    hand_dirs: dict[str, np.ndarray]

    def landmarks(self, body: Body) -> np.ndarray:
        """(33, 3) world positions with MediaPipe landmark semantics."""
        out = np.full((NUM_LANDMARKS, 3), np.nan)
        r = body.head_radius_m
        h = self.head
        out[L.NOSE] = h.point(1.08 * r, -0.12 * r, 0.0)
        for side, sign in _LATERAL.items():
            up = side.upper()
            out[L[f"{up}_EYE_INNER"]] = h.point(0.90 * r, 0.14 * r, sign * 0.17 * r)
            out[L[f"{up}_EYE"]] = h.point(0.86 * r, 0.14 * r, sign * 0.33 * r)
            out[L[f"{up}_EYE_OUTER"]] = h.point(0.76 * r, 0.14 * r, sign * 0.50 * r)
            out[L[f"{up}_EAR"]] = h.point(-0.05 * r, 0.0, sign * 0.98 * r)
            out[L[f"MOUTH_{up}"]] = h.point(0.86 * r, -0.48 * r, sign * 0.2 * r)
            p = self.points
            out[L[f"{up}_SHOULDER"]] = p[f"shoulder_{side}"]
            out[L[f"{up}_ELBOW"]] = p[f"elbow_{side}"]
            out[L[f"{up}_WRIST"]] = p[f"wrist_{side}"]
            hand, inward = self.hand_dirs[side], np.array([0.0, 0.0, -sign])
            knuckles = p[f"wrist_{side}"] + 0.45 * body.hand_m * hand
            out[L[f"{up}_INDEX"]] = knuckles + 0.022 * body.height_m * self.thorax.forward
            out[L[f"{up}_PINKY"]] = knuckles - 0.018 * body.height_m * self.thorax.forward
            out[L[f"{up}_THUMB"]] = (p[f"wrist_{side}"] + 0.3 * body.hand_m * hand
                                     + 0.03 * body.height_m * self.thorax.forward
                                     + 0.005 * body.height_m * inward)
            out[L[f"{up}_HIP"]] = p[f"hip_{side}"]
            out[L[f"{up}_KNEE"]] = p[f"knee_{side}"]
            out[L[f"{up}_ANKLE"]] = p[f"ankle_{side}"]
            out[L[f"{up}_HEEL"]] = p[f"heel_{side}"]
            out[L[f"{up}_FOOT_INDEX"]] = p[f"toe_{side}"]
        return out


def forward_kinematics(pose: Pose, body: Body) -> Skeleton:
    """Place every joint for `pose` (root at `pose.pelvis_xy_m`, z = 0)."""
    pts: dict[str, np.ndarray] = {}
    hip_c = np.array([pose.pelvis_xy_m[0], pose.pelvis_xy_m[1], 0.0])
    pts["hip_centre"] = hip_c
    tilt = pose.pelvis_tilt_deg
    pelvis = tilted_frame(hip_c, tilt)
    pts["pelvis_top"] = hip_c + body.pelvis_m * pelvis.up
    tilt += pose.lumbar_deg
    pts["lumbar_top"] = pts["pelvis_top"] + body.lumbar_m * direction(180.0 - tilt)
    tilt += pose.thoracic_deg
    thorax = tilted_frame(pts["lumbar_top"], tilt)
    pts["thoracic_top"] = pts["lumbar_top"] + body.thoracic_m * thorax.up
    shoulder_c = pts["thoracic_top"] - body.shoulder_drop_m * thorax.up
    pts["shoulder_centre"] = shoulder_c
    tilt += pose.neck_deg
    pts["neck_top"] = pts["thoracic_top"] + body.neck_m * direction(180.0 - tilt)
    tilt += pose.head_deg
    r = body.head_radius_m
    head_centre = pts["neck_top"] + 0.75 * r * direction(180.0 - tilt) + 0.12 * r * direction(90.0 - tilt)
    head = tilted_frame(head_centre, tilt)
    pts["head_centre"] = head_centre

    foot_dirs: dict[str, np.ndarray] = {}
    hand_dirs: dict[str, np.ndarray] = {}
    for side, sign in _LATERAL.items():
        z = np.array([0.0, 0.0, sign])
        hip = hip_c + body.hip_half_width_m * z
        thigh_theta = -pose.pelvis_tilt_deg + pose.side("hip", side)
        shank_theta = thigh_theta - pose.side("knee", side)
        foot_theta = shank_theta + 90.0 + pose.side("ankle", side)
        spread = pose.stance_half_width_m * z
        knee = hip + body.thigh_m * direction(thigh_theta) + 0.5 * spread
        ankle = knee + body.shank_m * direction(shank_theta) + 0.5 * spread
        foot = direction(foot_theta)
        sole = direction(foot_theta - 90.0)  # from the ankle toward the sole
        pts[f"hip_{side}"], pts[f"knee_{side}"], pts[f"ankle_{side}"] = hip, knee, ankle
        pts[f"heel_{side}"] = ankle - 0.22 * body.foot_m * foot + 0.9 * body.ankle_height_m * sole
        pts[f"toe_{side}"] = ankle + 0.74 * body.foot_m * foot + 0.75 * body.ankle_height_m * sole
        foot_dirs[side] = foot

        shoulder = shoulder_c + body.shoulder_half_width_m * z
        arm_theta = -(pose.pelvis_tilt_deg + pose.lumbar_deg + pose.thoracic_deg) + pose.side("shoulder", side)
        abd = np.radians(pose.arm_abduction_deg)
        upper = np.cos(abd) * direction(arm_theta) + np.sin(abd) * z
        fore = np.cos(abd) * direction(arm_theta + pose.side("elbow", side)) + np.sin(abd) * 0.3 * z
        fore /= np.linalg.norm(fore)
        elbow = shoulder + body.upper_arm_m * upper
        wrist = elbow + body.forearm_m * fore
        pts[f"shoulder_{side}"], pts[f"elbow_{side}"], pts[f"wrist_{side}"] = shoulder, elbow, wrist
        hand_dirs[side] = fore
    return Skeleton(points=pts, head=head, pelvis=pelvis, thorax=thorax,
                    foot_dirs=foot_dirs, hand_dirs=hand_dirs)


def lowest_point_y(skeleton: Skeleton, body: Body) -> float:
    """Height of the lowest foot contact (heel or toe), for planting the feet on the floor."""
    ys = [skeleton.points[f"{k}_{s}"][1] for k in ("heel", "toe") for s in SIDES]
    return float(min(ys))


def planted(pose: Pose, body: Body, side: str, ankle_x_m: float) -> Pose:
    """`pose` translated so that `side`'s ankle is at `ankle_x_m` and its foot touches the floor."""
    sk = forward_kinematics(pose, body)
    ankle = sk.points[f"ankle_{side}"]
    contact = min(sk.points[f"heel_{side}"][1], sk.points[f"toe_{side}"][1])
    x, y = pose.pelvis_xy_m
    return replace(pose, pelvis_xy_m=(x + ankle_x_m - float(ankle[0]), y - contact))


def leg_ik(hip_xy: np.ndarray, ankle_xy: np.ndarray, thigh_m: float, shank_m: float) -> tuple[float, float]:
    """World thigh direction and knee flexion (degrees) that put the ankle at `ankle_xy`.

    The knee bends forward (the only way a knee bends), so the solution is unique.
    """
    d = np.asarray(ankle_xy, float) - np.asarray(hip_xy, float)
    dist = float(np.clip(np.hypot(*d), abs(thigh_m - shank_m) + 1e-6, thigh_m + shank_m - 1e-9))
    to_ankle = float(np.degrees(np.arctan2(d[0], -d[1])))  # from down toward +x
    cos_knee_inner = (thigh_m ** 2 + shank_m ** 2 - dist ** 2) / (2 * thigh_m * shank_m)
    knee = 180.0 - float(np.degrees(np.arccos(np.clip(cos_knee_inner, -1, 1))))
    cos_hip = (thigh_m ** 2 + dist ** 2 - shank_m ** 2) / (2 * thigh_m * dist)
    offset = float(np.degrees(np.arccos(np.clip(cos_hip, -1, 1))))
    return to_ankle + offset, knee
