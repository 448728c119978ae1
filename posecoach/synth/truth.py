"""Ground truth for a synthetic clip: per-frame angles and 2D joints, events and faults.

Truth angles are `posecoach.kinematics.angles_from_points` applied to the true joints
projected through the clip's camera, with the script's facing: the same 2D definitions
the app measures with, so any difference in the benchmark is the pose model's error.
Events are measured on those truth series inside the windows the motion's plan gives.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.kinematics import (ANGLE_INDEX, ANGLE_NAMES, angles_from_points, body_width_ratio,
                                  classify_view)
from posecoach.landmarks import PoseLandmark
from posecoach.synth.camera import Camera
from posecoach.synth.motions import Motion, Span

SCHEMA_VERSION = 1
_LANDMARK_NAMES = [lm.name.lower() for lm in PoseLandmark]


@dataclass(frozen=True)
class FrameTruth:
    t_s: float
    angles: np.ndarray  # ANGLE_NAMES order, degrees
    xy: np.ndarray  # (33, 2) pixels


def frame_truth(t_s: float, landmarks_world: np.ndarray, camera: Camera, facing: str) -> FrameTruth:
    xy, _ = camera.project(landmarks_world)
    sign = 1 if facing == "right" else -1
    return FrameTruth(t_s, angles_from_points(xy, sign), xy)


def sagittal_angles(landmarks_world: np.ndarray) -> np.ndarray:
    """The ANGLE_NAMES vector of the true joints seen exactly side-on (orthographic, in
    the body's own sagittal plane): what a joint angle *is*, whatever the camera's yaw.
    The synthetic person faces +x with y up, so the side view is (x, -y), facing +1."""
    pts = np.asarray(landmarks_world, dtype=float)
    return angles_from_points(np.stack([pts[:, 0], -pts[:, 1]], axis=1), 1)


def _series(frames: list[FrameTruth], name: str) -> tuple[np.ndarray, np.ndarray]:
    t = np.array([f.t_s for f in frames])
    v = np.array([f.angles[ANGLE_INDEX[name]] for f in frames])
    return t, v


def _in(t: np.ndarray, span: Span) -> np.ndarray:
    return (t >= span[0] - 1e-9) & (t <= span[1] + 1e-9)


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def swing_events(frames: list[FrameTruth], spans: tuple[Span, ...], side: str) -> list[dict[str, Any]]:
    t, thigh = _series(frames, f"thigh_angle_{side}")
    out = []
    for span in spans:
        m = _in(t, span)
        if not m.any():
            continue
        tt, vv = t[m], thigh[m]
        i_f, i_b = int(np.argmax(vv)), int(np.argmin(vv))
        out.append({"start_s": _r(span[0]), "end_s": _r(span[1]),
                    "peak_forward_s": _r(tt[i_f]), "peak_forward_deg": _r(vv[i_f], 2),
                    "peak_backward_s": _r(tt[i_b]), "peak_backward_deg": _r(vv[i_b], 2),
                    "amplitude_deg": _r(vv[i_f] - vv[i_b], 2), "side": side})
    return out


def rep_events(frames: list[FrameTruth], spans: tuple[Span, ...], side: str) -> list[dict[str, Any]]:
    t, knee = _series(frames, f"knee_flexion_{side}")
    _, hip = _series(frames, f"hip_flexion_{side}")
    out = []
    for span in spans:
        m = _in(t, span)
        if not m.any():
            continue
        # Extension is reported positive: how far the thigh rose behind the trunk line.
        out.append({"start_s": _r(span[0]), "end_s": _r(span[1]), "side": side,
                    "peak_knee_flexion_deg": _r(np.max(knee[m]), 2),
                    "peak_hip_extension_deg": _r(max(0.0, -float(np.min(hip[m]))), 2)})
    return out


def clip_view(frames: list[FrameTruth]) -> str:
    """The camera view the app's own rule gives for the true joints (median over frames)."""
    ratios = [body_width_ratio(f.xy) for f in frames]
    return classify_view(float(np.nanmedian(ratios)) if ratios else float("nan")).value


def build(motion: Motion, frames: list[FrameTruth], *, fps: float, camera: Camera, facing: str,
          near_side: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The truth document (see docs/synthetic.md for the schema)."""
    plan = motion.plan
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "exercise": motion.exercise,
        "fps": float(fps),
        "width": camera.width,
        "height": camera.height,
        "view": clip_view(frames),
        "facing": facing,
        "near_side": near_side,
        "angle_names": list(ANGLE_NAMES),
        "frames": [
            {"t_s": _r(f.t_s, 4),
             "angles": {n: (None if not np.isfinite(a) else _r(a)) for n, a in zip(ANGLE_NAMES, f.angles)},
             "joints_2d": {n: [_r(x, 2), _r(y, 2)] for n, (x, y) in zip(_LANDMARK_NAMES, f.xy)}}
            for f in frames
        ],
        "events": {
            "swings": swing_events(frames, plan.swings, plan.side) if plan.swings and plan.side else [],
            "reps": rep_events(frames, plan.reps, plan.side) if plan.reps and plan.side else [],
            "holds": [{"start_s": _r(a), "end_s": _r(b), "duration_s": _r(b - a)} for a, b in plan.holds],
        },
        "faults": [{"code": f.code, "start_s": f.start_s, "end_s": f.end_s} for f in plan.faults],
    }
    if extra:
        doc.update(extra)
    return doc


def write(doc: dict[str, Any], path: Path) -> None:
    # Compact separators: a 10 s clip has 300 frames x 33 joints.
    path.write_text(json.dumps(doc, separators=(",", ":")) + "\n")


def load(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def truth_path(video: Path) -> Path:
    """NAME.mp4 -> NAME.truth.json beside it."""
    return video.with_suffix("").with_suffix(".truth.json")
