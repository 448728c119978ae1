"""Camera yaw: the angle between the camera axis and the body's sagittal plane.

0 degrees is a true side view (the hip line points along the camera axis), 90 a front
or back view. Pure numpy. Three cues, each in degrees, combined by their median so
one bad cue cannot move the result:

- the hip line (left -> right hip) of MediaPipe's world landmarks, its angle out of
  the depth axis in the horizontal plane;
- the shoulder line, the same way (it turns with the arms and the trunk, the hip line
  with a swinging leg: the median keeps the steadier);
- the apparent width: the image width of shoulders and hips across the trunk axis
  over trunk length, divided by the same ratio of the body's own world landmarks
  (what that width would be facing the camera), read as sin(yaw).

Measured on real clips (docs/angles.md): side views 2-16 degrees, 45-degree obliques
25-45, front views 85-90. `ViewPolicy` turns a yaw into a View and into what may be
measured at it; its limits come from bench/accuracy.py --yaw (docs/angles.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from posecoach.kinematics import View, body_width_ratio, classify_view, sagittal_image_xy
from posecoach.landmarks import PoseLandmark as L


def _line_yaw_deg(world: np.ndarray, left: L, right: L) -> float:
    d = world[right] - world[left]
    if not np.isfinite(d).all() or not np.hypot(d[0], d[2]) > 1e-6:
        return float("nan")
    return float(np.degrees(np.arctan2(abs(d[0]), abs(d[2]))))


def world_width_ratio(world: np.ndarray) -> float:
    """Shoulder and hip widths over trunk length of the body itself (metric world
    landmarks): the apparent-width ratio a camera facing the body would see."""
    shoulders = world[L.RIGHT_SHOULDER] - world[L.LEFT_SHOULDER]
    hips = world[L.RIGHT_HIP] - world[L.LEFT_HIP]
    trunk = (world[L.LEFT_SHOULDER] + world[L.RIGHT_SHOULDER]
             - world[L.LEFT_HIP] - world[L.RIGHT_HIP]) / 2.0
    length = float(np.linalg.norm(trunk))
    if not (np.isfinite(shoulders).all() and np.isfinite(hips).all() and length > 0):
        return float("nan")
    return float(np.linalg.norm(shoulders) + np.linalg.norm(hips)) / 2.0 / length


def width_yaw_deg(xy: np.ndarray, world: np.ndarray) -> float:
    """Yaw from the apparent width (see module docstring); NaN without both inputs."""
    seen, full = body_width_ratio(xy), world_width_ratio(world)
    if not (np.isfinite(seen) and np.isfinite(full) and full > 0):
        return float("nan")
    return float(np.degrees(np.arcsin(min(1.0, seen / full))))


def camera_yaw_deg(xy: np.ndarray, world: np.ndarray) -> float:
    """This frame's camera yaw in [0, 90] degrees (NaN when no cue is measurable).

    xy: (33, 2) image landmarks (all of them: a hidden hip still has a position);
    world: (33, 3) MediaPipe world landmarks in metres.
    """
    cues = [_line_yaw_deg(world, L.LEFT_HIP, L.RIGHT_HIP),
            _line_yaw_deg(world, L.LEFT_SHOULDER, L.RIGHT_SHOULDER),
            width_yaw_deg(xy, world)]
    ok = [c for c in cues if np.isfinite(c)]
    if not ok:
        return float("nan")
    return float(np.median(ok))


@dataclass(frozen=True)
class ViewPolicy:
    """What the camera angle allows. Limits in degrees of yaw, from the synthetic
    yaw benchmark (bench/accuracy.py --yaw; table in docs/angles.md):

    side_max_deg: up to here image-plane angles are within the 5-degree target;
    measure_max_deg: up to here angles from the body's own sagittal plane are; beyond
        it nothing is measured and the view is `front` (not_side_view, film side-on).
    """

    side_max_deg: float = 20.0
    measure_max_deg: float = 55.0

    def view(self, yaw_deg: float) -> View:
        if not np.isfinite(yaw_deg):
            return View.UNKNOWN
        if yaw_deg <= self.side_max_deg:
            return View.SIDE
        if yaw_deg <= self.measure_max_deg:
            return View.OBLIQUE
        return View.FRONT

    def measurable(self, yaw_deg: float) -> bool:
        """False when angles at this yaw cannot be trusted (unknown yaw is allowed:
        the apparent-width view still guards it)."""
        return not (np.isfinite(yaw_deg) and yaw_deg > self.measure_max_deg)

    def angle_points(self, xy: np.ndarray, yaw_deg: float) -> np.ndarray | None:
        """The points to measure angles on at this yaw: the image points near side-on,
        with the yaw undone when moderate, None beyond what is validated."""
        if not self.measurable(yaw_deg):
            return None
        if not np.isfinite(yaw_deg) or yaw_deg <= self.side_max_deg:
            return xy
        return sagittal_image_xy(xy, yaw_deg)

    def frame_view(self, yaw_deg: float, width_ratio: float) -> View:
        """The view of one frame: from the yaw, else from the apparent width alone."""
        return self.view(yaw_deg) if np.isfinite(yaw_deg) else classify_view(width_ratio)


DEFAULT_POLICY = ViewPolicy()


def set_yaw_deg(yaws: list[float] | np.ndarray) -> float:
    """A set's camera yaw: the median over its frames (NaN if none measured)."""
    arr = np.asarray(yaws, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(np.median(arr)) if arr.size else float("nan")


class YawTracker:
    """Causal running median of the frame yaw over the last `span_s` seconds.

    The hip line turns with a swinging leg and the shoulders with the arms, so a
    single frame's yaw jitters by 10-30 degrees on real clips; the camera does not.
    Causal, so live and offline read the same value.
    """

    def __init__(self, span_s: float = 1.0) -> None:
        self._span_s = span_s
        self._items: deque[tuple[float, float]] = deque()

    def update(self, t_s: float, yaw_deg: float) -> float:
        if np.isfinite(yaw_deg):
            self._items.append((t_s, float(yaw_deg)))
        while self._items and self._items[0][0] < t_s - self._span_s:
            self._items.popleft()
        if not self._items:
            return float("nan")
        return float(np.median([y for _, y in self._items]))
