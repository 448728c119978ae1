"""The exercises PoseCoach knows: id -> `ExerciseSpec`; and `detect_exercise` for ``auto``.

Adding an exercise: one new module with its analyser and its `SPEC`, and one line in
`SPECS` below. Everything else (CLI choices, overlay panel, report, charts, history, web,
live) reads the registry when it runs, so nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from posecoach.errors import ConfigError
from posecoach.exercises import curl_hip_lift, leg_swing, origin_stretch
from posecoach.exercises.base import ExerciseAnalyser, ExerciseResult
from posecoach.exercises.common import SIDES, Zigzag, angle, finite
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.spec import ExerciseSpec
from posecoach.exercises.thresholds import CurlHipLiftThresholds, ExerciseConfig
from posecoach.sample import PoseSample

SPECS: dict[str, ExerciseSpec] = {spec.id: spec for spec in (
    origin_stretch.SPEC,
    leg_swing.SPEC,
    curl_hip_lift.SPEC,
)}
# The exercises shipped with PoseCoach (read `exercise_ids()` for what is registered now).
EXERCISE_IDS: tuple[str, ...] = tuple(SPECS)


def exercise_ids() -> tuple[str, ...]:
    """The registered exercise ids, in registry order."""
    return tuple(SPECS)


def spec_for(exercise_id: str) -> ExerciseSpec:
    """The spec of `exercise_id`; ConfigError listing the valid ids otherwise."""
    spec = SPECS.get(exercise_id)
    if spec is None:
        raise ConfigError(f"unknown exercise '{exercise_id}'",
                          f"choose one of: {', '.join(SPECS)}")
    return spec


def find_spec(exercise_id: str) -> ExerciseSpec | None:
    """The spec of `exercise_id`, or None (e.g. an old report of a removed exercise)."""
    return SPECS.get(exercise_id)


def title_of(exercise_id: str) -> str:
    """The exercise's title (the id spelled out for one not registered, e.g. an old report)."""
    spec = SPECS.get(exercise_id)
    return spec.title if spec is not None else exercise_id.replace("-", " ").capitalize()


def create(exercise_id: str, config: ExerciseConfig | None = None, *,
           arbiter: CueArbiter | None = None) -> ExerciseAnalyser:
    """A fresh analyser for `exercise_id`; ConfigError listing the valid ids otherwise.
    `arbiter`: a cue arbiter to share with other analysers (live sessions)."""
    return spec_for(exercise_id).create(config, arbiter=arbiter)


def analyse(samples: Iterable[PoseSample], exercise_id: str,
            config: ExerciseConfig | None = None) -> ExerciseResult:
    """Run one analyser over a whole clip, frame by frame (the same code live uses)."""
    analyser = create(exercise_id, config)
    for sample in samples:
        analyser.update(sample)
    return analyser.result()


def is_lying_prone(trunk_deg: float, thigh_degs: Iterable[float], th: CurlHipLiftThresholds) -> bool:
    """A body lying face down: trunk near horizontal and a thigh near horizontal too."""
    ok = [v for v in thigh_degs if finite(v)]
    return (finite(trunk_deg) and abs(trunk_deg - 90.0) <= th.prone_trunk_tol_deg
            and bool(ok) and min(ok) <= th.prone_max_thigh_deg)


def detect_exercise(samples: Iterable[PoseSample], config: ExerciseConfig | None = None) -> str:
    """Guess the exercise of a clip: lying prone -> curl-hip-lift; one thigh oscillating
    widely and repeatedly against the other -> leg-swing; otherwise origin-stretch."""
    cfg = config or ExerciseConfig()
    det, prone_th = cfg.detect, cfg.curl_hip_lift
    prone: list[bool] = []
    diffs: list[float] = []
    for s in samples:
        if not s.detected:
            continue
        trunk = angle(s, "trunk_inclination")
        thighs = [angle(s, f"thigh_angle_{side}") for side in SIDES]
        ok = [v for v in thighs if finite(v)]
        if finite(trunk):
            prone.append(is_lying_prone(trunk, thighs, prone_th))
        if len(ok) == 2:
            diffs.append(abs(ok[0] - ok[1]))
    if prone and float(np.mean(prone)) >= det.prone_min_share:
        return curl_hip_lift.EXERCISE_ID
    if len(diffs) >= 10:
        arr = np.asarray(diffs)
        spread = float(np.percentile(arr, 95) - np.percentile(arr, 5))
        zig = Zigzag(det.swing_reversal_deg)
        peaks = sum(1 for i, v in enumerate(arr) if (t := zig.update(float(i), float(v)))
                    and t.kind > 0)
        if spread >= det.swing_min_range_deg and peaks >= det.swing_min_peaks:
            return leg_swing.EXERCISE_ID
    return origin_stretch.EXERCISE_ID
