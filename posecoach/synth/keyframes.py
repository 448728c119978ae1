"""Time -> Pose by smooth interpolation between keyframes, and feet planted on the floor.

Interpolation uses the quintic "smootherstep", so velocity and acceleration are zero at
each keyframe: holds look held and starts look like a person starting, not a robot.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from posecoach.synth.body import Body
from posecoach.synth.skeleton import Pose, forward_kinematics, leg_ik, planted


def smootherstep(w: float) -> float:
    w = min(max(w, 0.0), 1.0)
    return w * w * w * (w * (6.0 * w - 15.0) + 10.0)


def blend(p0: Pose, p1: Pose, w: float) -> Pose:
    """Field-wise linear blend of two poses (w = 0 -> p0, 1 -> p1)."""
    values: dict[str, Any] = {}
    for f in fields(Pose):
        a, b = getattr(p0, f.name), getattr(p1, f.name)
        if isinstance(a, tuple):
            values[f.name] = tuple(x + w * (y - x) for x, y in zip(a, b))
        else:
            values[f.name] = a + w * (b - a)
    return Pose(**values)


def offset(pose: Pose, **deltas: float) -> Pose:
    """`pose` with the named angle fields increased by the given amounts."""
    return replace(pose, **{k: getattr(pose, k) + v for k, v in deltas.items()})


@dataclass(frozen=True)
class Keyframes:
    """Poses at increasing times; before the first / after the last the pose is held."""

    times_s: tuple[float, ...]
    poses: tuple[Pose, ...]

    def __post_init__(self) -> None:
        if len(self.times_s) != len(self.poses) or not self.times_s:
            raise ValueError(f"keyframes: {len(self.times_s)} times for {len(self.poses)} poses")
        if any(b < a for a, b in zip(self.times_s, self.times_s[1:])):
            raise ValueError("keyframe times must not decrease")

    @classmethod
    def of(cls, *pairs: tuple[float, Pose]) -> "Keyframes":
        return cls(tuple(t for t, _ in pairs), tuple(p for _, p in pairs))

    def at(self, t_s: float) -> Pose:
        i = bisect.bisect_right(self.times_s, t_s)
        if i == 0:
            return self.poses[0]
        if i == len(self.times_s):
            return self.poses[-1]
        t0, t1 = self.times_s[i - 1], self.times_s[i]
        w = 0.0 if t1 == t0 else smootherstep((t_s - t0) / (t1 - t0))
        return blend(self.poses[i - 1], self.poses[i], w)


@dataclass(frozen=True)
class Stance:
    """How a standing pose meets the floor.

    anchor_side's foot is planted with its ankle at x = 0; sides in flat_feet get the
    ankle angle that keeps the sole on the floor. If other_foot_x_m is set, the other leg
    is solved (2-link IK) to put its ankle that far from the anchor ankle (negative =
    behind), its foot pitched up onto the toes by other_foot_pitch_deg (0 = flat): a
    staggered stance whose rear heel is raised, as people do it.
    """

    anchor_side: str = "left"
    flat_feet: tuple[str, ...] = ("left", "right")
    other_foot_x_m: float | None = None
    other_foot_pitch_deg: float = 0.0


def _flatten_feet(pose: Pose, sides: tuple[str, ...], pitch_deg: float = 0.0) -> Pose:
    changes: dict[str, float] = {}
    for side in sides:
        shank = -pose.pelvis_tilt_deg + pose.side("hip", side) - pose.side("knee", side)
        changes[f"ankle_{side}_deg"] = -shank - pitch_deg  # foot direction 90 = along the floor
    return pose.with_angles(changes)


def stand(pose: Pose, body: Body, stance: Stance) -> Pose:
    """Place a standing pose: feet flat where asked, anchor foot on the floor at x = 0."""
    pose = _flatten_feet(pose, stance.flat_feet)
    pose = planted(pose, body, stance.anchor_side, 0.0)
    if stance.other_foot_x_m is None:
        return pose
    other = "right" if stance.anchor_side == "left" else "left"
    sk = forward_kinematics(pose, body)
    anchor_ankle = sk.points[f"ankle_{stance.anchor_side}"]
    contact_y = sk.points[f"toe_{stance.anchor_side}"][1]
    # Ankle height that puts the pitched foot's toe on the floor (see skeleton's toe point).
    foot_theta = np.radians(90.0 - stance.other_foot_pitch_deg)
    ankle_y = (contact_y + 0.74 * body.foot_m * np.cos(foot_theta)
               + 0.75 * body.ankle_height_m * np.sin(foot_theta))
    target = np.array([anchor_ankle[0] + stance.other_foot_x_m, ankle_y])
    hip = sk.points[f"hip_{other}"]
    thigh_theta, knee = leg_ik(hip[:2], target, body.thigh_m, body.shank_m)
    pose = pose.with_angles({f"hip_{other}_deg": thigh_theta + pose.pelvis_tilt_deg,
                             f"knee_{other}_deg": knee})
    return _flatten_feet(pose, (other,), stance.other_foot_pitch_deg)
