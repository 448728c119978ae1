"""The exercises PoseCoach knows: id -> `ExerciseSpec`; and `detect_exercise` for ``auto``.

Adding an exercise: one new module with its analyser and its `SPEC`, and one line in
`SPECS` below. Everything else (CLI choices, overlay panel, report, charts, history, web,
live) reads the registry when it runs, so nothing else changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from posecoach.errors import ConfigError
from posecoach.exercises import curl_hip_lift, evidence, leg_swing, origin_stretch
from posecoach.exercises.base import ExerciseAnalyser, ExerciseResult
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.spec import ExerciseSpec
from posecoach.exercises.thresholds import ExerciseConfig
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


def detect_exercise(samples: Iterable[PoseSample], config: ExerciseConfig | None = None) -> str:
    """Guess the exercise of a clip (for ``auto``; the rule: evidence.guess)."""
    return evidence.guess(evidence.gather(samples, config), config)
