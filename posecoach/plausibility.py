"""The range a human body can reach, and the frame gate that enforces it.

A joint angle outside these limits is not a fact about the person but a measurement
error: a landmark on the wrong leg, a limb foreshortened by the camera angle. Such
values are dropped (NaN) before smoothing, so no report, CSV row, overlay or history
entry shows them. Limits and their sources: docs/biomechanics.md#plausibility.
Pure numpy; the per-set verdict on too many dropped values lives in
posecoach.exercises.plausible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from posecoach.kinematics import ANGLE_INDEX, ANGLE_NAMES

SIDES = ("left", "right")


def _frame_limits() -> dict[str, tuple[float, float]]:
    return {
        # Forward lean of the hip-shoulder line: a deep standing fold with a curled
        # back reaches 160-170; a backward lean (lumbar + hip extension) about -40.
        "trunk_inclination": (-50.0, 175.0),
        # Thigh against the hip-shoulder line: the hip flexes about 120 active and 140
        # passive, and a curled spine adds to the line's angle (chest on thighs ~170);
        # extension 20-30.
        "hip_flexion": (-45.0, 175.0),
        # Knee flexion: 140-150 active, about 160 passive; hyperextension to about -10.
        "knee_flexion": (-15.0, 165.0),
        # Thigh against the vertical: forward at most ~140 (hip flexion plus a little
        # pelvic tilt); backward to -135 to cover lying prone (-90) with a hip lift.
        "thigh_angle": (-135.0, 140.0),
    }


def _event_limits() -> dict[str, tuple[float, float]]:
    return {
        "amplitude_deg": (0.0, 160.0),           # a leg swing's forward-back arc
        "hip_amplitude_deg": (-160.0, 160.0),
        "forward_peak_deg": (-135.0, 140.0),     # thigh angle at the forward peak
        "backward_peak_deg": (-135.0, 140.0),
        "peak_knee_flexion_deg": (-15.0, 165.0),
        "peak_hip_extension_deg": (0.0, 45.0),
        "peak_thigh_lift_deg": (-45.0, 60.0),
        "trunk_inclination_deg": (-50.0, 175.0),
        "mean_trunk_inclination_deg": (-50.0, 175.0),
        "max_trunk_inclination_deg": (-50.0, 175.0),
    }


@dataclass(frozen=True)
class HumanRange:
    """Per-angle limits (by angle family: the suffix _left/_right is dropped) and
    per-event limits (by record key), both in degrees, inclusive."""

    frame: Mapping[str, tuple[float, float]] = field(default_factory=_frame_limits)
    event: Mapping[str, tuple[float, float]] = field(default_factory=_event_limits)

    def frame_limits(self, angle_name: str) -> tuple[float, float]:
        family = angle_name.removesuffix("_left").removesuffix("_right")
        return self.frame.get(family, (-np.inf, np.inf))

    def event_ok(self, key: str, value: object) -> bool:
        """False only for a finite number outside the key's limits."""
        if key not in self.event or isinstance(value, bool) or not isinstance(value, (int, float)):
            return True
        lo, hi = self.event[key]
        return not np.isfinite(value) or lo <= float(value) <= hi


HUMAN_RANGE = HumanRange()

_LO = np.array([HUMAN_RANGE.frame_limits(n)[0] for n in ANGLE_NAMES])
_HI = np.array([HUMAN_RANGE.frame_limits(n)[1] for n in ANGLE_NAMES])
# Angles that share a landmark: an impossible one discredits its partners too.
_SIDE_GROUP = {s: [ANGLE_INDEX[f"{a}_{s}"] for a in ("hip_flexion", "knee_flexion", "thigh_angle")]
               for s in SIDES}
_TRUNK_GROUP = [ANGLE_INDEX["trunk_inclination"]] + [ANGLE_INDEX[f"hip_flexion_{s}"] for s in SIDES]


def gate_angles(angles: np.ndarray, limits: HumanRange = HUMAN_RANGE) -> tuple[np.ndarray, bool]:
    """(angles with impossible values and their partners set to NaN, whether any was).

    Partners: one side's hip, knee and thigh angles share that side's knee and hip
    landmarks; the trunk line enters both hip flexions.
    """
    if limits is HUMAN_RANGE:
        lo, hi = _LO, _HI
    else:
        lo = np.array([limits.frame_limits(n)[0] for n in ANGLE_NAMES])
        hi = np.array([limits.frame_limits(n)[1] for n in ANGLE_NAMES])
    with np.errstate(invalid="ignore"):
        bad = np.isfinite(angles) & ((angles < lo) | (angles > hi))
    if not bad.any():
        return angles, False
    out = np.array(angles, dtype=float, copy=True)
    for group in _SIDE_GROUP.values():
        if bad[group].any():
            out[group] = np.nan
    if bad[_TRUNK_GROUP[0]]:
        out[_TRUNK_GROUP] = np.nan
    return out, True
