"""Small causal trackers that steady per-frame estimates: facing and leg labels.

Both are used unchanged offline and live (fed one frame at a time).
"""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import PoseLandmark as L

_LEFT_LEG = np.array([L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX])
_RIGHT_LEG = np.array([L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX])
_LEFT_ARM = np.array([L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX,
                      L.LEFT_THUMB])
_RIGHT_ARM = np.array([L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_PINKY, L.RIGHT_INDEX,
                       L.RIGHT_THUMB])
_TRACKED = (L.LEFT_KNEE, L.LEFT_ANKLE, L.RIGHT_KNEE, L.RIGHT_ANKLE)


class FacingTracker:
    """Exponentially weighted vote over per-frame facing signs, with hysteresis.

    A single frame (e.g. a head turn or a mislabelled nose) cannot flip the answer; a
    person who really turns around flips it within about a second.
    """

    def __init__(self, decay: float = 0.9, flip_margin: float = 0.5) -> None:
        self._decay = decay
        self._margin = flip_margin
        self._score = 0.0
        self._facing = 0

    @property
    def facing(self) -> int:
        return self._facing

    def update(self, facing_sign: int) -> int:
        self._score = self._decay * self._score + (1.0 - self._decay) * float(facing_sign)
        if self._facing == 0 and abs(self._score) > 0.05:
            self._facing = 1 if self._score > 0 else -1
        elif self._facing * self._score < -self._margin:
            self._facing = -self._facing
        return self._facing


def _mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Mean distance between corresponding finite points (NaN if there are none)."""
    d = np.linalg.norm(a - b, axis=1)
    d = d[np.isfinite(d)]
    return float(d.mean()) if len(d) else float("nan")


def swap_sides(image: np.ndarray) -> np.ndarray:
    """Landmark array with left and right legs and arms exchanged."""
    out = image.copy()
    for left, right in ((_LEFT_LEG, _RIGHT_LEG), (_LEFT_ARM, _RIGHT_ARM)):
        out[left], out[right] = image[right], image[left]
    return out


def _trunk_length(image: np.ndarray) -> float:
    """Mid-shoulder to mid-hip distance in the image (NaN if either is missing, 0 for a
    degenerate pose)."""
    shoulder = (image[L.LEFT_SHOULDER, :2] + image[L.RIGHT_SHOULDER, :2]) / 2.0
    hip = (image[L.LEFT_HIP, :2] + image[L.RIGHT_HIP, :2]) / 2.0
    return float(np.linalg.norm(shoulder - hip))


class LegSwapGuard:
    """Undo MediaPipe's frame-to-frame left/right leg label swaps in side views.

    In a side view the two legs overlap and the model sometimes exchanges their labels
    for a few frames. If exchanging them brings the knees and ankles much closer to
    where they were in the previous frame, the frame's labels are swapped back. Legs
    closer together than `min_separation_trunk` trunk lengths cannot be told apart and
    are left alone: a share of the body's size, not pixels, so a copy of the clip at
    half the resolution is treated the same.
    """

    def __init__(self, ratio: float = 0.5, min_separation_trunk: float = 0.06) -> None:
        self._previous: np.ndarray | None = None
        self._ratio = ratio
        self._min_sep = min_separation_trunk

    def update(self, image: np.ndarray) -> np.ndarray:
        current = image
        if self._previous is not None:
            prev = self._previous[list(_TRACKED), :2]
            same = current[list(_TRACKED), :2]
            swapped_all = swap_sides(current)
            swapped = swapped_all[list(_TRACKED), :2]
            trunk = _trunk_length(current)
            sep = _mean_distance(same[:2], same[2:]) / trunk if trunk > 0 else float("nan")
            cost_same = _mean_distance(same, prev)
            cost_swap = _mean_distance(swapped, prev)
            if (np.isfinite(cost_same) and np.isfinite(cost_swap) and sep > self._min_sep
                    and cost_swap < self._ratio * cost_same):
                current = swapped_all
        if np.isfinite(current[list(_TRACKED), :2]).all():
            self._previous = current
        return current
