"""Motion scripts: the three exercises, done well and done with each common fault.

A `Motion` maps time to a placed `Pose` and carries its `Plan`: where the holds, swings
and reps are, which leg works, and the spans where each fault is shown. The ground
truth events are measured from the rendered angles inside those windows (truth.py);
the plan only says where to look.

Angles below are the script's intent (pelvis tilt, joint flexion relative to the parent
segment). What the truth file reports is the 2D definition of posecoach.kinematics
applied to the projected joints, which for a pure side view equals the intent's
sagittal geometry (tests/test_synth.py checks that).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from posecoach.synth.body import Body
from posecoach.synth.keyframes import Keyframes, Stance, offset, smootherstep, stand
from posecoach.synth.skeleton import Pose

Span = tuple[float, float]

ORIGIN_FAULTS = ("rounded_back", "knees_bent", "hips_not_back", "bouncing")
SWING_FAULTS = ("progressing_too_fast", "trunk_sway", "stance_knee_bent")
CURL_FAULTS = ("partial_range", "pelvis_lift", "no_hip_lift")


@dataclass(frozen=True)
class Fault:
    code: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Plan:
    holds: tuple[Span, ...] = ()
    swings: tuple[Span, ...] = ()  # one full cycle each: forward peak, then backward peak
    reps: tuple[Span, ...] = ()
    side: str | None = None  # the swinging / curling leg
    faults: tuple[Fault, ...] = ()


@dataclass(frozen=True)
class Motion:
    exercise: str
    duration_s: float
    pose_at: Callable[[float, Body], Pose]
    plan: Plan


def _other(side: str) -> str:
    return "right" if side == "left" else "left"


def _both(pose: Pose, joint: str, value: float) -> Pose:
    return pose.with_angles({f"{joint}_left_deg": value, f"{joint}_right_deg": value})


# -- origin stretch ----------------------------------------------------------------------

_UPRIGHT = Pose(shoulder_left_deg=4.0, shoulder_right_deg=-3.0, elbow_left_deg=12.0,
                elbow_right_deg=10.0, knee_left_deg=2.0, knee_right_deg=2.0,
                hip_left_deg=2.0, hip_right_deg=2.0, neck_deg=-2.0)


def _hinged(tilt: float, thigh_world: float, knee: float, lumbar: float = 0.0,
            thoracic: float = 0.0, neck: float = -18.0) -> Pose:
    """A bent-over pose: pelvis tilted `tilt`, thighs at `thigh_world` from vertical.
    Arms hang plumb (shoulder flexion cancels the trunk's tilt); the neck extends so the
    eyes look at the floor ahead, as people do."""
    trunk = tilt + lumbar + thoracic
    p = Pose(pelvis_tilt_deg=tilt, lumbar_deg=lumbar, thoracic_deg=thoracic, neck_deg=neck,
             shoulder_left_deg=trunk - 4.0, shoulder_right_deg=trunk - 2.0,
             elbow_left_deg=8.0, elbow_right_deg=6.0)
    p = _both(p, "hip", tilt + thigh_world)
    return _both(p, "knee", knee)


_ORIGIN_TARGETS: dict[str, Pose] = {
    # Flat back, hips pushed back: ~80 deg hip flexion, soft knees, shins near vertical.
    "good": _hinged(tilt=68.0, thigh_world=13.0, knee=13.0),
    # Spine curls, the pelvis barely tilts (~22 deg). The hips still go back a little, so
    # the clip shows this one fault and not hips_not_back as well.
    "rounded_back": _hinged(tilt=22.0, thigh_world=10.0, knee=8.0, lumbar=26.0, thoracic=38.0,
                            neck=14.0),
    # A squat: knees well forward, hips down.
    "knees_bent": _hinged(tilt=42.0, thigh_world=48.0, knee=72.0),
    # The trunk leans but the pelvis stays over (or ahead of) the ankles.
    "hips_not_back": _hinged(tilt=58.0, thigh_world=-4.0, knee=6.0),
    # Reaches the good hinge, then bounces instead of holding.
    "bouncing": _hinged(tilt=64.0, thigh_world=12.0, knee=12.0),
}


def origin_stretch(variant: str = "good", *, staggered: bool = False, front_leg: str = "right",
                   stand_s: float = 1.5, down_s: float = 1.6, hold_s: float = 4.0,
                   up_s: float = 1.5, end_s: float = 0.9) -> Motion:
    """Stand, hinge, hold, return. `staggered` puts `front_leg` a short step ahead."""
    if variant not in _ORIGIN_TARGETS:
        raise ValueError(f"unknown origin-stretch variant {variant!r}; valid: {sorted(_ORIGIN_TARGETS)}")
    t1 = stand_s
    t2 = t1 + down_s
    t3 = t2 + hold_s
    t4 = t3 + up_s
    duration = t4 + end_s
    target = _ORIGIN_TARGETS[variant]
    keys = Keyframes.of((0.0, _UPRIGHT), (t1, _UPRIGHT), (t2, target),
                        (t3, offset(target, pelvis_tilt_deg=2.0, hip_left_deg=2.0, hip_right_deg=2.0)),
                        (t4, _UPRIGHT), (duration, _UPRIGHT))
    # Staggered: the front leg is the one stretched (planted, flat); the rear foot sits a
    # short step behind on its toes.
    stance = Stance(anchor_side=front_leg if staggered else "left",
                    flat_feet=(front_leg,) if staggered else ("left", "right"),
                    other_foot_x_m=-0.34 if staggered else None, other_foot_pitch_deg=35.0)

    def pose_at(t: float, body: Body) -> Pose:
        pose = keys.at(t)
        if variant == "bouncing" and t2 < t < t3:
            # Pulses of ~8 deg at 1.4 Hz on top of the hold, faded in and out.
            env = smootherstep((t - t2) / 0.4) * smootherstep((t3 - t) / 0.4)
            pulse = 8.0 * env * 0.5 * (1 - math.cos(2 * math.pi * 1.4 * (t - t2)))
            pose = offset(pose, pelvis_tilt_deg=pulse, hip_left_deg=pulse, hip_right_deg=pulse,
                          shoulder_left_deg=pulse, shoulder_right_deg=pulse)
        else:
            # Breathing: the trunk moves a fraction of a degree, so a hold is not a still frame.
            breath = 0.6 * math.sin(2 * math.pi * 0.25 * t)
            pose = offset(pose, thoracic_deg=breath)
        return stand(pose, body, stance)

    faults: tuple[Fault, ...] = ()
    if variant != "good":
        # The fault is visible from part-way down until part-way back up.
        span = (t2, t3) if variant == "bouncing" else (t1 + 0.5 * down_s, t3 + 0.5 * up_s)
        faults = (Fault(variant, round(span[0], 3), round(span[1], 3)),)
    return Motion("origin-stretch", duration, pose_at, Plan(holds=((t2, t3),), faults=faults))


# -- leg swings --------------------------------------------------------------------------

def _swing_arcs(variant: str, n: int) -> list[float]:
    """Total arc (deg) of each swing: grows ~40 -> 90 over five swings, then plateaus."""
    if variant == "progressing_too_fast":
        return [40.0, 42.0] + [92.0] * (n - 2)
    return [min(40.0 + 12.5 * i, 90.0) for i in range(n)]


def leg_swing(variant: str = "good", *, side: str = "right", swings: int = 8,
              period_s: float = 1.05, lead_s: float = 1.0, tail_s: float = 0.8) -> Motion:
    """Forward/back swings of `side`'s leg, standing on the other; arms slightly forward."""
    valid = ("good",) + SWING_FAULTS
    if variant not in valid:
        raise ValueError(f"unknown leg-swing variant {variant!r}; valid: {sorted(valid)}")
    arcs = _swing_arcs(variant, swings)
    stance_side = _other(side)
    t_end_swings = lead_s + swings * period_s
    duration = t_end_swings + tail_s
    stance_knee = 30.0 if variant == "stance_knee_bent" else 4.0
    stance = Stance(anchor_side=stance_side, flat_feet=(stance_side,))

    def arc_at(t: float) -> float:
        k = (t - lead_s) / period_s
        if k <= 0 or k >= swings:
            return 0.0
        i = int(k)
        # Change amplitude smoothly around each cycle boundary (the backward-to-forward
        # crossing); fade in over the first half-swing and out over the last.
        a = arcs[i]
        frac = k - i
        if i > 0 and frac < 0.15:
            a = arcs[i - 1] + (arcs[i] - arcs[i - 1]) * smootherstep((frac + 0.15) / 0.3)
        elif i + 1 < swings and frac > 0.85:
            a = arcs[i] + (arcs[i + 1] - arcs[i]) * smootherstep((frac - 0.85) / 0.3)
        fade = smootherstep(k / 0.25) * smootherstep((swings - k) / 0.25)
        return a * fade

    def pose_at(t: float, body: Body) -> Pose:
        arc = arc_at(t)
        phase = 2 * math.pi * (t - lead_s) / period_s
        s = math.sin(phase) if lead_s < t < t_end_swings else 0.0
        # Forward reach is larger than backward (hip extension is limited): 60/40 split.
        thigh = arc * (0.1 + 0.5 * s)
        # The swinging knee flexes on the back swing and as the leg passes under the body.
        knee = 8.0 + 0.35 * arc * max(0.0, -s) + 10.0 * (1 - abs(s)) * min(1.0, arc / 30.0)
        tilt = 3.0 - (12.0 * s if variant == "trunk_sway" else 1.5 * s)
        stance_thigh = stance_knee * 0.5
        p = Pose(pelvis_tilt_deg=tilt, neck_deg=-tilt, shoulder_left_deg=15.0 + tilt,
                 shoulder_right_deg=12.0 + tilt, elbow_left_deg=25.0, elbow_right_deg=22.0,
                 arm_abduction_deg=12.0)
        p = p.with_angles({f"hip_{side}_deg": tilt + thigh, f"knee_{side}_deg": knee,
                           f"ankle_{side}_deg": -10.0 - 0.15 * arc * max(0.0, -s),
                           f"hip_{stance_side}_deg": tilt + stance_thigh,
                           f"knee_{stance_side}_deg": stance_knee})
        return stand(p, body, stance)

    swing_spans = tuple((lead_s + i * period_s, lead_s + (i + 1) * period_s) for i in range(swings))
    faults: tuple[Fault, ...] = ()
    if variant == "progressing_too_fast":
        faults = (Fault(variant, round(swing_spans[1][1] - 0.15 * period_s, 3),
                        round(swing_spans[2][1], 3)),)
    elif variant in ("trunk_sway", "stance_knee_bent"):
        faults = (Fault(variant, round(lead_s, 3), round(t_end_swings, 3)),)
    return Motion("leg-swing", duration, pose_at, Plan(swings=swing_spans, side=side, faults=faults))


# -- prone curl + hip lift ---------------------------------------------------------------

def _prone(height_m: float) -> Pose:
    """Lying face down, head toward +x, arms along the body, toes on the floor."""
    p = Pose(pelvis_xy_m=(0.0, 0.052 * height_m), pelvis_tilt_deg=90.0, lumbar_deg=-4.0,
             thoracic_deg=-2.0, neck_deg=-22.0, head_deg=-8.0,
             shoulder_left_deg=8.0, shoulder_right_deg=8.0, elbow_left_deg=4.0,
             elbow_right_deg=4.0, arm_abduction_deg=4.0)
    p = _both(p, "hip", 5.0)
    p = _both(p, "knee", 3.0)
    return _both(p, "ankle", -62.0)


def curl_hip_lift(variant: str = "good", *, side: str = "right", reps: int = 3,
                  lead_s: float = 1.0, curl_s: float = 0.8, lift_s: float = 0.6,
                  top_s: float = 0.4, rest_s: float = 0.3) -> Motion:
    """Prone: curl `side`'s knee, lift the thigh, lower, uncurl; `reps` times."""
    valid = ("good",) + CURL_FAULTS
    if variant not in valid:
        raise ValueError(f"unknown curl-hip-lift variant {variant!r}; valid: {sorted(valid)}")
    peak_knee = 52.0 if variant == "partial_range" else 110.0
    lift = 0.0 if variant == "no_hip_lift" else 22.0  # hip extension from the resting +5
    rep_s = 2 * curl_s + 2 * lift_s + top_s + rest_s
    duration = lead_s + reps * rep_s + 0.5

    def pose_at(t: float, body: Body) -> Pose:
        base = _prone(body.height_m)
        knee, hip, pelvis_lift = 3.0, 5.0, 0.0
        k = (t - lead_s) / rep_s
        if 0 <= k < reps:
            u = (k - int(k)) * rep_s
            marks = (curl_s, curl_s + lift_s, curl_s + lift_s + top_s,
                     curl_s + 2 * lift_s + top_s, 2 * curl_s + 2 * lift_s + top_s)
            curl_w = smootherstep(u / curl_s) if u < marks[0] else (
                1.0 if u < marks[3] else 1.0 - smootherstep((u - marks[3]) / curl_s))
            lift_w = 0.0
            if marks[0] <= u < marks[1]:
                lift_w = smootherstep((u - marks[0]) / lift_s)
            elif marks[1] <= u < marks[2]:
                lift_w = 1.0
            elif marks[2] <= u < marks[3]:
                lift_w = 1.0 - smootherstep((u - marks[2]) / lift_s)
            knee = 3.0 + (peak_knee - 3.0) * curl_w
            hip = 5.0 - lift * lift_w
            pelvis_lift = lift_w if variant == "pelvis_lift" else 0.0
        p = base.with_angles({f"knee_{side}_deg": knee, f"hip_{side}_deg": hip,
                              f"ankle_{side}_deg": -62.0 + 40.0 * min(1.0, knee / 90.0)})
        if pelvis_lift > 0:
            # The fault: the pelvis rises off the floor, pivoting the trunk about the chest,
            # so the thigh goes up with little hip extension relative to the trunk.
            roll = 14.0 * pelvis_lift
            trunk_m = body.pelvis_m + body.lumbar_m + body.thoracic_m - body.shoulder_drop_m
            x, y = p.pelvis_xy_m
            rad = math.radians(roll)
            p = replace(p, pelvis_xy_m=(x - trunk_m * (1 - math.cos(rad)), y + trunk_m * math.sin(rad)))
            p = p.with_angles({"pelvis_tilt_deg": 90.0 + roll, "neck_deg": p.neck_deg - roll,
                               f"hip_{side}_deg": hip + roll,
                               f"hip_{_other(side)}_deg": 5.0 + roll + 13.0 * pelvis_lift})
        return p

    rep_spans = tuple((lead_s + i * rep_s, lead_s + i * rep_s + rep_s - rest_s) for i in range(reps))
    faults: tuple[Fault, ...] = ()
    if variant != "good":
        faults = tuple(Fault(variant, round(a, 3), round(b, 3)) for a, b in rep_spans)
    return Motion("curl-hip-lift", duration, pose_at, Plan(reps=rep_spans, side=side, faults=faults))
