"""Builders of small synthetic ClipAnalysis objects for the report/render tests.

No pose model: samples come from side-view landmark sets with known geometry
(tests.builders.side_pose), angles from the project's own kinematics, and the
ExerciseResult is written by hand so each test states exactly what it reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from posecoach.analysis import ClipAnalysis
from posecoach.exercises import find_spec
from posecoach.exercises.base import Cue, ExerciseResult, Fault, FrameFeedback, json_safe
from posecoach.exercises.records import Hold, LiveCounters, Record, Rep, Summary, Swing
from posecoach.kinematics import View, angles_from_points
from posecoach.pipeline import Measurement
from posecoach.sample import PoseSample
from posecoach.video_io import MediaInfo, VideoWriter
from tests.builders import side_pose

WIDTH, HEIGHT, FPS = 320, 240, 30.0


def pose_at(t_s: float, facing: int = 1, width: int = WIDTH, height: int = HEIGHT,
            trunk_deg: float | None = None) -> PoseSample:
    """A side-on person hinging forward and back once over two seconds."""
    trunk = 60.0 * np.sin(np.pi * min(t_s / 2.0, 1.0)) if trunk_deg is None else trunk_deg
    scale = height / 480.0
    xy = side_pose(trunk_deg=trunk, thigh_deg=10.0, shank_deg=0.0, facing=facing,
                   hip=(width * 0.5, height * 0.55), scale=scale * 1.2)
    return PoseSample(t_s=t_s, detected=True, angles=angles_from_points(xy, facing), xy=xy,
                      facing=facing, view=View.SIDE, width=width, height=height)


def nobody(t_s: float, width: int = WIDTH, height: int = HEIGHT) -> PoseSample:
    return PoseSample(t_s=t_s, detected=False, angles=np.full(7, np.nan), xy=np.full((33, 2), np.nan),
                      facing=0, view=View.UNKNOWN, width=width, height=height, num_people=0)


def measurement(s: PoseSample) -> Measurement:
    return Measurement(t_s=s.t_s, detected=s.detected, angles=s.angles, xy=s.xy,
                       facing=s.facing if s.detected else 0, view=s.view,
                       width_ratio=0.1 if s.detected else float("nan"),
                       in_frame=1.0 if s.detected else 0.0, num_people=s.num_people,
                       back_bulge=float("nan"))


R = TypeVar("R", bound=Record)


_EMPTY = {"bool": False, "int": 0}   # by annotation (the records use future annotations)


def record(cls: type[R], given: Mapping[str, Any] | R) -> R:
    """A typed record from the fields a test cares about (the rest empty: None, 0, False)."""
    if isinstance(given, cls):
        return given
    values = dict(given)
    return cls(**{f.name: values.get(f.name, _EMPTY.get(str(f.type))) for f in dataclasses.fields(cls)})


@dataclasses.dataclass(frozen=True)
class DictSummary(Summary):
    """A summary of arbitrary keys (for tests of what the report does with odd values)."""

    values: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe(self.values)
        return out


def summary_for(exercise: str, values: Mapping[str, Any] | None) -> Summary:
    """The exercise's typed summary with `values` (None: a few plausible defaults); a
    DictSummary where `values` has keys the exercise's summary does not."""
    spec = find_spec(exercise)
    if values is None:
        values = {"holds": 1, "total_hold_s": 1.0, "max_trunk_inclination_deg": 60.0}
        if spec is not None:
            values = {k: v for k, v in values.items() if k in spec.summary_type.field_names()}
    if spec is not None and set(values) <= set(spec.summary_type.field_names()):
        return record(spec.summary_type, values)
    return DictSummary(dict(values))


@dataclasses.dataclass(frozen=True)
class AnyCounters(LiveCounters):
    """Every live counter the shipped exercises have, for drawing tests."""

    hold_s: float = 0.0
    good_hold_s: float = 0.0
    swings: float = 0.0
    last_amplitude_deg: float = 0.0
    reps: float = 0.0
    knee_flexion_deg: float = 0.0
    last_peak_knee_flexion_deg: float = 0.0
    last_peak_thigh_lift_deg: float = 0.0


def make_analysis(exercise: str = "origin-stretch", n: int = 60, fps: float = FPS,
                  faults: Sequence[Fault] = (), conditions: Sequence[Fault] = (),
                  holds: Sequence[dict[str, Any]] | None = None,
                  swings: Sequence[dict[str, Any]] = (), reps: Sequence[dict[str, Any]] = (),
                  summary: dict[str, Any] | None = None, missing: Sequence[int] = (),
                  good_form: bool | None = True, path: str = "clip.mp4", kind: str = "video",
                  width: int = WIDTH, height: int = HEIGHT, cues: Sequence[Cue] = ()) -> ClipAnalysis:
    ts = [i / fps for i in range(n)]
    samples = [nobody(t, width, height) if i in set(missing) else pose_at(t, width=width, height=height)
               for i, t in enumerate(ts)]
    if holds is None:
        holds = [{"start_s": round(ts[n // 4], 3), "end_s": round(ts[3 * n // 4], 3),
                  "duration_s": round(ts[3 * n // 4] - ts[n // 4], 3), "good_form_s": 0.5,
                  "max_trunk_inclination_deg": 60.0}] if exercise == "origin-stretch" else []
    feedback = []
    for i, s in enumerate(samples):
        active = tuple(f.code for f in faults if f.start_s <= s.t_s <= f.end_s)
        cond = tuple(c.code for c in conditions if c.start_s <= s.t_s <= c.end_s)
        cue = next((c.text for c in cues if c.t_s <= s.t_s < c.t_s + 1.0), None)
        judged = None if not s.detected or cond else (False if active else good_form)
        feedback.append(FrameFeedback(
            t_s=s.t_s, phase="holding" if s.detected else "no_person", cue=cue, good_form=judged,
            counters=AnyCounters(hold_s=s.t_s, good_hold_s=s.t_s / 2, swings=float(i // 10),
                                 last_amplitude_deg=20.0 + i, reps=float(i // 20),
                                 last_peak_knee_flexion_deg=90.0),
            active_faults=active, active_conditions=cond))
    result = ExerciseResult(
        exercise=exercise, working_side="right",
        summary=summary_for(exercise, summary),
        holds=[record(Hold, h) for h in holds], swings=[record(Swing, x) for x in swings],
        reps=[record(Rep, r) for r in reps], faults=list(faults),
        cues=list(cues), conditions=list(conditions))
    duration = n / fps if kind == "video" else 0.0
    info = MediaInfo(path=path, kind=kind, fps=fps if kind == "video" else 0.0,
                     frames=n, duration_s=duration, width=width, height=height, rotation=0)
    return ClipAnalysis(info=info, exercise=exercise, model="full",
                        measurements=[measurement(s) for s in samples], samples=samples,
                        feedback=feedback, result=result)


def write_input_video(path: Path, n: int = 60, fps: float = FPS, width: int = WIDTH,
                      height: int = HEIGHT) -> Path:
    """A plain grey clip to annotate (the report needs an input file for its video pass)."""
    with VideoWriter(path, width, height, fps) as writer:
        for i in range(n):
            frame = np.full((height, width, 3), 60 + (i % 30), np.uint8)
            writer.write(frame)
    return path
