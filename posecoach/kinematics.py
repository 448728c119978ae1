"""Landmarks -> sagittal-plane joint angles (degrees), facing, near side and camera view.

Pure numpy: no OpenCV, no MediaPipe. Definitions are documented in docs/angles.md and
pinned by tests/test_kinematics.py. All angles are measured in the image plane from pixel
coordinates (the primary values for a side view); `angles_3d` gives the same
definitions from world landmarks.

Body frame. Let a = unit(mid_hip -> mid_shoulder) (the trunk axis) and s = +1 when the
person faces image-right, -1 when image-left. The *front* of the body is
n = s * rot90(a) with rot90(x, y) = (-y, x) in image coordinates (y down). For a
standing person facing right that is +x; for a person lying prone with the head to the
left (s = -1) it is "down", toward the floor, as it should be. Signed angles are
positive toward the front, so they are unchanged by mirroring the image (which flips
both x and s) and by rotating it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from posecoach.landmarks import VISIBILITY, PoseFrame, PoseLandmark as L

ANGLE_NAMES: tuple[str, ...] = (
    "trunk_inclination",
    "hip_flexion_left",
    "hip_flexion_right",
    "knee_flexion_left",
    "knee_flexion_right",
    "thigh_angle_left",
    "thigh_angle_right",
)
ANGLE_INDEX: dict[str, int] = {name: i for i, name in enumerate(ANGLE_NAMES)}

DEFAULT_MIN_VISIBILITY = 0.5

_SIDE_LANDMARKS = {
    "left": (L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
    "right": (L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE),
}


class View(str, enum.Enum):
    SIDE = "side"
    OBLIQUE = "oblique"
    FRONT = "front"
    UNKNOWN = "unknown"


# Camera-view thresholds on the body's apparent width / trunk length (see docs/angles.md).
SIDE_MAX_WIDTH_RATIO = 0.30
FRONT_MIN_WIDTH_RATIO = 0.60


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _rot90(v: np.ndarray) -> np.ndarray:
    return np.array([-v[1], v[0]])


def _signed_angle_deg(ref: np.ndarray, vec: np.ndarray, positive_dir: np.ndarray) -> float:
    """Angle from `ref` to `vec` in degrees, signed + when `vec` leans toward `positive_dir`."""
    return float(np.degrees(np.arctan2(np.dot(vec, positive_dir), np.dot(vec, ref))))


def inner_angle_deg(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
    """Angle ABC at vertex b, in degrees [0, 180]; NaN if any point is missing.

    atan2(|u x v|, u . v) rather than arccos: exact near 0 and 180 degrees, where a
    straight knee sits.
    """
    u, v = a - b, c - b
    if not (np.linalg.norm(u) > 0 and np.linalg.norm(v) > 0):
        return float("nan")
    cross = u[0] * v[1] - u[1] * v[0]
    return float(np.degrees(np.arctan2(abs(cross), float(np.dot(u, v)))))


def _midpoint(xy: np.ndarray, i: int, j: int) -> np.ndarray:
    """Midpoint of two landmarks; if one is missing, the other (a side view hides one)."""
    p, q = xy[i], xy[j]
    if np.isfinite(p).all() and np.isfinite(q).all():
        return (p + q) / 2.0
    return p if np.isfinite(p).all() else q


def facing_sign(xy: np.ndarray) -> int:
    """+1 if the person faces image-right, -1 if image-left, 0 if undecidable.

    A vote of independent cues, so one mislabelled landmark cannot flip it: nose ahead
    of the ears; toes ahead of the heels (standing); shoulders ahead of the hips once the
    trunk leans (hinged or lying prone). Each cue is normalised by trunk length.
    """
    shoulder = _midpoint(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hip = _midpoint(xy, L.LEFT_HIP, L.RIGHT_HIP)
    trunk = shoulder - hip
    length = float(np.linalg.norm(trunk))
    if not length > 0:
        return 0
    votes = 0.0
    ear = _midpoint(xy, L.LEFT_EAR, L.RIGHT_EAR)
    nose = xy[L.NOSE]
    if np.isfinite(ear).all() and np.isfinite(nose).all():
        votes += 2.0 * (nose[0] - ear[0]) / length
    inclination = abs(trunk[0]) / length  # sin of the lean from vertical
    if inclination > 0.5:
        votes += 2.0 * trunk[0] / length
    else:
        for heel, toe in ((L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)):
            if np.isfinite(xy[heel]).all() and np.isfinite(xy[toe]).all():
                votes += 0.5 * (xy[toe][0] - xy[heel][0]) / length
    if abs(votes) < 0.05:
        return 0
    return 1 if votes > 0 else -1


def body_width_ratio(xy: np.ndarray) -> float:
    """Apparent shoulder+hip width across the trunk axis, over trunk length.

    Near 0 in a true side view (left and right landmarks overlap), near 1 facing the camera.
    Measured perpendicular to the trunk so it works standing, hinged and lying down.
    """
    shoulder = _midpoint(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hip = pelvis_centre(xy)
    axis = _unit(shoulder - hip)
    length = float(np.linalg.norm(shoulder - hip))
    if not length > 0 or not np.isfinite(axis).all():
        return float("nan")
    perp = _rot90(axis)
    widths = []
    for left, right in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP)):
        d = xy[left] - xy[right]
        if np.isfinite(d).all():
            widths.append(abs(float(np.dot(d, perp))))
    if not widths:
        return float("nan")
    return float(np.mean(widths)) / length


def classify_view(width_ratio: float) -> View:
    if not np.isfinite(width_ratio):
        return View.UNKNOWN
    if width_ratio <= SIDE_MAX_WIDTH_RATIO:
        return View.SIDE
    if width_ratio >= FRONT_MIN_WIDTH_RATIO:
        return View.FRONT
    return View.OBLIQUE


def pelvis_centre(xy: np.ndarray) -> np.ndarray:
    """Midpoint of the hip landmarks (the visible one if the other is missing); in a side
    view both hip joints project onto it."""
    return _midpoint(xy, L.LEFT_HIP, L.RIGHT_HIP)


def angles_from_points(xy: np.ndarray, facing: int, hip_pivot: np.ndarray | None = None) -> np.ndarray:
    """The ANGLE_NAMES vector (degrees) from (33, 2) points; NaN where not measurable.

    Works for 2D pixel points and for the (x, y) of 3D world points alike (both y-down).
    `facing` is +1 / -1 (see facing_sign); with 0 the signed angles are NaN.
    `hip_pivot`: the point both thighs turn about for the thigh and hip-flexion angles,
    in place of each side's hip landmark (the leg-swing analyser passes a pelvis-fixed
    estimate; knee flexion always uses the landmarks).
    """
    out = np.full(len(ANGLE_NAMES), np.nan)
    shoulder = _midpoint(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hip = pelvis_centre(xy)
    axis = _unit(shoulder - hip)
    s = float(facing) if facing in (1, -1) else float("nan")
    front = s * _rot90(axis) if np.isfinite(axis).all() else np.full(2, np.nan)
    down = np.array([0.0, 1.0])
    forward = np.array([s, 0.0])
    if np.isfinite(axis).all() and np.isfinite(s):
        # Signed: + when the trunk leans toward where the person faces.
        out[ANGLE_INDEX["trunk_inclination"]] = _signed_angle_deg(-down, axis, forward)
    for side, (_shoulder_i, hip_i, knee_i, ankle_i) in _SIDE_LANDMARKS.items():
        hip_p, knee_p, ankle_p = xy[hip_i], xy[knee_i], xy[ankle_i]
        thigh = knee_p - (hip_p if hip_pivot is None else hip_pivot)
        thigh_ok = np.isfinite(thigh).all() and np.linalg.norm(thigh) > 0
        out[ANGLE_INDEX[f"knee_flexion_{side}"]] = 180.0 - inner_angle_deg(hip_p, knee_p, ankle_p)
        if thigh_ok and np.isfinite(front).all():
            out[ANGLE_INDEX[f"hip_flexion_{side}"]] = _signed_angle_deg(-axis, thigh, front)
        if thigh_ok and np.isfinite(s):
            out[ANGLE_INDEX[f"thigh_angle_{side}"]] = _signed_angle_deg(down, thigh, forward)
    return out


def sagittal_image_xy(xy: np.ndarray, yaw_deg: float) -> np.ndarray:
    """Image points with the camera's yaw undone: x stretched by 1 / cos(yaw).

    A segment moving in the body's sagittal plane, seen by a level camera turned
    `yaw_deg` away from side-on, keeps its vertical extent and shows its forward extent
    times cos(yaw) (orthographic approximation); stretching x back restores the
    side-on angles. Lateral offsets (left vs right) do not enter the per-side and
    mid-line angles. bench/accuracy.py --yaw shows it keeps trunk, hip and knee within
    5 degrees to 45 degrees of yaw for standing exercises, where the world-landmark
    projection below (`sagittal_world_xy`) does not (docs/angles.md#yaw).
    """
    if not np.isfinite(yaw_deg) or yaw_deg <= 0.0:
        return xy
    out = np.array(xy, dtype=float, copy=True)
    out[:, 0] /= np.cos(np.radians(min(float(yaw_deg), 80.0)))
    return out


def sagittal_world_xy(world: np.ndarray, facing: int) -> np.ndarray:
    """(33, 2) world points seen exactly side-on, whatever the camera's yaw.

    MediaPipe's world landmarks are metric, hip-centred and camera-aligned (y down). We
    rotate them about the vertical so the hip line (left -> right) points along the
    camera axis and the body's forward direction (world-up x hip line) points toward
    `facing`, then drop depth. In a true side view this is (almost) the identity; in an
    oblique view it undoes the foreshortening that distorts 2D image angles.
    """
    hips = world[L.RIGHT_HIP] - world[L.LEFT_HIP]
    if facing not in (1, -1) or not np.isfinite(hips).all():
        return np.full((world.shape[0], 2), np.nan)
    forward = np.cross(np.array([0.0, -1.0, 0.0]), hips)
    if not np.hypot(forward[0], forward[2]) > 1e-9:
        return np.full((world.shape[0], 2), np.nan)
    yaw = np.arctan2(forward[2], forward[0])
    target = 0.0 if facing == 1 else np.pi
    angle = target - yaw  # rotate about y by this so `forward` lands on +/- x
    c, s = np.cos(angle), np.sin(angle)
    # Rotation about the y axis in (x, z): x' = c*x - s*z.
    x = c * world[:, 0] - s * world[:, 2]
    return np.stack([x, world[:, 1]], axis=1)


@dataclass(frozen=True)
class FrameKinematics:
    """Everything measured from one frame. `angles` follows ANGLE_NAMES (2D, degrees)."""

    t_s: float
    detected: bool
    angles: np.ndarray
    angles_3d: np.ndarray
    facing: int
    width_ratio: float
    view: View

    def angle(self, name: str) -> float:
        return float(self.angles[ANGLE_INDEX[name]])


def frame_kinematics(frame: PoseFrame, facing: int | None = None,
                     min_visibility: float = DEFAULT_MIN_VISIBILITY) -> FrameKinematics:
    """Angles of one frame. `facing` overrides the per-frame estimate (a clip-level or
    tracked value is steadier); landmarks below `min_visibility` give NaN."""
    nan = np.full(len(ANGLE_NAMES), np.nan)
    if not frame.detected:
        return FrameKinematics(frame.t_s, False, nan, nan.copy(), 0, float("nan"), View.UNKNOWN)
    xy = frame.xy(min_visibility)
    own_facing = facing_sign(xy)
    use_facing = facing if facing in (1, -1) else own_facing
    ratio = body_width_ratio(frame.xy(0.0))
    world = sagittal_world_xy(frame.world, use_facing)
    world[~(frame.image[:, VISIBILITY] >= min_visibility)] = np.nan
    return FrameKinematics(
        t_s=frame.t_s,
        detected=True,
        angles=angles_from_points(xy, use_facing),
        angles_3d=angles_from_points(world, use_facing),
        facing=own_facing,
        width_ratio=ratio,
        view=classify_view(ratio),
    )


def near_side(facing: int) -> str | None:
    """The body side toward the camera for a real (unmirrored) view.

    Facing image-right shows the right side; any in-plane rotation (e.g. lying prone)
    keeps this, because it does not change which side faces the lens.
    """
    if facing == 1:
        return "right"
    if facing == -1:
        return "left"
    return None
