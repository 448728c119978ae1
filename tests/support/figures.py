"""Builders for the exercise tests: stick figures with known joint angles, and angle
trajectories made of smooth (minimum-jerk) moves between waypoints, plus whole clips of
each exercise (tests/test_exercises_builders.py pins the builders themselves).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from posecoach.kinematics import ANGLE_NAMES, View, angles_from_points
from posecoach.landmarks import PoseLandmark as L
from posecoach.sample import PoseSample

FPS = 30.0
TRUNK_PX, THIGH_PX, SHANK_PX, NECK_PX = 160.0, 140.0, 140.0, 45.0


def _dir_from_up(deg: float, s: int) -> np.ndarray:
    """Unit vector `deg` from vertical-up toward the facing direction (image, y down)."""
    r = np.radians(deg)
    return np.array([s * np.sin(r), -np.cos(r)])


def _dir_from_down(deg: float, s: int) -> np.ndarray:
    r = np.radians(deg)
    return np.array([s * np.sin(r), np.cos(r)])


def figure_xy(trunk: float = 0.0, thigh_l: float = 0.0, thigh_r: float = 0.0,
              knee_l: float = 0.0, knee_r: float = 0.0, neck: float = 10.0, facing: int = 1,
              hip: Sequence[float] = (640.0, 330.0)) -> np.ndarray:
    """(33, 2) landmarks of a side-on stick figure with these sagittal angles (degrees).

    trunk: lean from vertical toward the facing side; thigh_*: from vertical-down, +
    forward; knee_*: flexion, 0 = straight; neck: ear-shoulder line vs trunk line, +
    toward the front (head tucked). Left and right landmarks of the trunk coincide.
    """
    s = facing
    xy = np.full((33, 2), np.nan)
    h = np.asarray(hip, dtype=float)
    sh = h + TRUNK_PX * _dir_from_up(trunk, s)
    ear = sh + NECK_PX * _dir_from_up(trunk + neck, s)
    xy[L.NOSE] = ear + 18.0 * _dir_from_up(trunk + neck + 90.0, s)
    for lm in (L.LEFT_EAR, L.RIGHT_EAR):
        xy[lm] = ear
    for lm in (L.LEFT_SHOULDER, L.RIGHT_SHOULDER):
        xy[lm] = sh
    legs = {"left": (thigh_l, knee_l, L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL,
                     L.LEFT_FOOT_INDEX),
            "right": (thigh_r, knee_r, L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL,
                      L.RIGHT_FOOT_INDEX)}
    for thigh, knee, hip_i, knee_i, ankle_i, heel_i, toe_i in legs.values():
        k = h + THIGH_PX * _dir_from_down(thigh, s)
        a = k + SHANK_PX * _dir_from_down(thigh - knee, s)
        xy[hip_i], xy[knee_i], xy[ankle_i] = h, k, a
        xy[heel_i] = a + np.array([-s * 12.0, 6.0])
        xy[toe_i] = a + np.array([s * 30.0, 8.0])
    return xy


def figure(t_s: float, facing: int = 1, view: View = View.SIDE, back_bulge: float = np.nan,
           num_people: int = 1, in_frame: float = 1.0, hide: Sequence[L] = (),
           **angles: float) -> PoseSample:
    """A PoseSample whose angles come from the stick figure via kinematics; landmarks in
    `hide` are missing (NaN), as the far side often is in a side view."""
    xy = figure_xy(facing=facing, **angles)
    xy[list(hide)] = np.nan
    return PoseSample(t_s=t_s, detected=True, angles=angles_from_points(xy, facing), xy=xy,
                      facing=facing, view=view, width=1280, height=720, num_people=num_people,
                      in_frame=in_frame, back_bulge=back_bulge)


def nobody(t_s: float) -> PoseSample:
    return PoseSample(t_s=t_s, detected=False, angles=np.full(len(ANGLE_NAMES), np.nan),
                      xy=np.full((33, 2), np.nan), facing=0, view=View.UNKNOWN, width=1280,
                      height=720, num_people=0)


def moves(waypoints: Iterable[tuple[float, float]], fps: float = FPS,
          t0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """A trajectory through (value, seconds-to-reach-it) waypoints, each reached along a
    minimum-jerk path (the quintic "smootherstep", as people and the synthetic renderer
    move); the first waypoint's seconds is a hold at it."""
    pts = list(waypoints)
    values: list[float] = []
    current, hold = pts[0]
    values += [current] * round(hold * fps)
    for target, dur in pts[1:]:
        n = max(1, round(dur * fps))
        w = np.arange(1, n + 1) / n
        u = w ** 3 * (w * (6 * w - 15) + 10)
        values += list(current + (target - current) * u)
        current = target
    v = np.asarray(values, dtype=float)
    return t0 + np.arange(len(v)) / fps, v


def swap_sides(sample: PoseSample) -> PoseSample:
    """The same sample with every left/right label swapped (as MediaPipe sometimes does)."""
    ang = sample.angles.copy()
    for name in ("hip_flexion", "knee_flexion", "thigh_angle"):
        i, j = ANGLE_NAMES.index(f"{name}_left"), ANGLE_NAMES.index(f"{name}_right")
        ang[i], ang[j] = ang[j], ang[i]
    xy = sample.xy.copy()
    for lm in L:
        if lm.name.startswith("LEFT_"):
            r = L[lm.name.replace("LEFT_", "RIGHT_")]
            xy[[lm, r]] = xy[[r, lm]]
    return PoseSample(t_s=sample.t_s, detected=sample.detected, angles=ang, xy=xy,
                      facing=sample.facing, view=sample.view, width=sample.width,
                      height=sample.height, num_people=sample.num_people,
                      in_frame=sample.in_frame, back_bulge=sample.back_bulge)


# -- whole clips ------------------------------------------------------------------------

def run(exercise: str, samples: Iterable[PoseSample]):
    """Feed the samples one by one; returns (feedback list, result)."""
    from posecoach import exercises
    analyser = exercises.create(exercise)
    feedback = [analyser.update(s) for s in samples]
    return feedback, analyser.result()


def hinge_clip(trunk: float = 65.0, thigh: float = 14.0, knee: float = 14.0, neck: float = 5.0,
               hold_s: float = 6.0, down_s: float = 1.6, up_s: float = 1.5, stand_s: float = 1.5,
               back_leg: dict | None = None, bulge: float = np.nan, wobble=None,
               **figure_kw) -> list[PoseSample]:
    """Stand, hinge to (trunk, thigh, knee, neck), hold, return, stand. The hold starts at
    stand_s + down_s and lasts hold_s. `back_leg` overrides the right leg's thigh/knee
    (a staggered stance); `wobble(t)` adds degrees to the trunk lean during the hold."""
    way = [(0.0, stand_s), (1.0, down_s), (1.0, hold_s), (0.0, up_s), (0.0, 1.0)]
    t, w = moves(way)
    hold = (stand_s + down_s, stand_s + down_s + hold_s)
    back = back_leg or {}
    out = []
    for ti, wi in zip(t, w):
        extra = wobble(ti) if wobble is not None and hold[0] <= ti <= hold[1] else 0.0
        out.append(figure(
            ti, trunk=trunk * wi + extra, thigh_l=thigh * wi, knee_l=2 + (knee - 2) * wi,
            thigh_r=back.get("thigh", thigh) * wi, knee_r=2 + (back.get("knee", knee) - 2) * wi,
            neck=10 + (neck - 10) * wi, back_bulge=bulge * wi, **figure_kw))
    return out


def swing_clip(arcs: Sequence[tuple[float, float]], seg_s: float = 0.5, trunk_sway: float = 0.0,
               stance_knee: float = 4.0, swap_every: int = 0, swing_leg: str = "right",
               noise: float = 0.0, seed: int = 0) -> list[PoseSample]:
    """Stand 1 s, then one swing per (forward, backward) thigh-angle pair, then stand.
    `trunk_sway` degrees of trunk lean per 60 deg of thigh; `swap_every` swaps the labels
    in alternate blocks of that many frames."""
    way = [(0.0, 1.0)]
    for fwd, back in arcs:
        way += [(fwd, seg_s), (back, seg_s)]
    way += [(0.0, seg_s), (0.0, 1.0)]
    t, th = moves(way)
    rng = np.random.default_rng(seed)
    out = []
    for i, (ti, x) in enumerate(zip(t, th)):
        legs = {"left": (0.0, stance_knee), "right": (0.0, stance_knee)}
        legs[swing_leg] = (x, 8.0 + max(0.0, -x) * 0.4)
        jit = rng.normal(0.0, noise, 3) if noise else np.zeros(3)
        s = figure(ti, trunk=3.0 - trunk_sway * x / 60.0 + jit[0],
                   thigh_l=legs["left"][0] + jit[1], knee_l=legs["left"][1],
                   thigh_r=legs["right"][0] + jit[2], knee_r=legs["right"][1])
        if swap_every and (i // swap_every) % 2:
            s = swap_sides(s)
        out.append(s)
    return out


def curl_clip(n: int = 3, knee: float | Sequence[float] = 115.0, lift: float = 20.0,
              pelvis: float = 0.0, facing: int = -1, side: str = "left", noise: float = 0.0,
              seed: int = 0) -> list[PoseSample]:
    """Lying prone (head toward `facing`): rest 1 s, then per rep curl (0.8 s), lift the
    thigh `lift` deg (0.6 s), hold 0.4 s, lower (0.6 s), uncurl (0.8 s), rest 0.4 s.
    `pelvis` deg of trunk-line tilt (hips up) rise with the lift; the hip then extends
    only lift - pelvis. Each rep spans 3.2 s from the start of the curl."""
    peaks = [knee] * n if np.isscalar(knee) else list(knee)
    wk, wl, wp = [(3.0, 1.0)], [(0.0, 1.0)], [(0.0, 1.0)]
    for pk in peaks:
        wk += [(pk, 0.8), (pk, 0.6), (pk, 0.4), (pk, 0.6), (3.0, 0.8), (3.0, 0.4)]
        wl += [(0.0, 0.8), (lift, 0.6), (lift, 0.4), (0.0, 0.6), (0.0, 0.8), (0.0, 0.4)]
        wp += [(0.0, 0.8), (pelvis, 0.6), (pelvis, 0.4), (0.0, 0.6), (0.0, 0.8), (0.0, 0.4)]
    t, k = moves(wk)
    _, lf = moves(wl)
    _, pv = moves(wp)
    rng = np.random.default_rng(seed)
    other = "right" if side == "left" else "left"
    out = []
    for ti, ki, li, pi in zip(t, k, lf, pv):
        jit = rng.normal(0.0, noise, 3) if noise else np.zeros(3)
        trunk = 90.0 + pi + jit[0]
        thigh = -92.0 - li + jit[1]
        angles = {"trunk_inclination": trunk, f"knee_flexion_{side}": ki + jit[2],
                  f"thigh_angle_{side}": thigh, f"hip_flexion_{side}": trunk + thigh,
                  f"knee_flexion_{other}": 3.0, f"thigh_angle_{other}": -92.0,
                  f"hip_flexion_{other}": trunk - 92.0}
        out.append(PoseSample.from_angles(ti, facing=facing, **angles))
    return out
