"""Is the exercise the runner chose the one the clip shows?

Coaching a prone curl as a standing stretch gives advice that is wrong on every line,
so an analysis of the wrong exercise is refused: `suggest_instead` names the exercise
the clip looks like when the recogniser is confident it is another one, or when the
chosen exercise's defining posture never appears (no hip hinge for the origin stretch,
never lying prone for the curl, no swinging thigh for the leg swing). `refuse` turns
the result into `not_assessable` with the condition `wrong_exercise`. The evidence is
evidence.py's, the same the ``auto`` guess reads. Pure numpy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from posecoach.exercises.base import ExerciseResult, Fault
from posecoach.exercises.common import finite
from posecoach.exercises.evidence import Evidence, gather, guess
from posecoach.exercises.plausible import _emptied
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.sample import PoseSample

WRONG_EXERCISE = "wrong_exercise"
# Confidence: how plainly the clip shows an exercise (docs/biomechanics.md#recognition).
PRONE_CONFIDENT_SHARE = 0.6     # of frames lying prone: plainly the curl
PRONE_SEEN_SHARE = 0.15         # lying prone at least this share: the curl's posture appears
HINGE_CONFIDENT_SHARE = 0.3     # of frames hinged (not lying): plainly a standing hinge
HINGE_SEEN_S = 0.5              # hinged at least this long: the stretch's posture appears
SWING_CONFIDENT_PEAKS = 4       # thigh-difference peaks of a plain swing set


def plainly(e: Evidence, cfg: ExerciseConfig) -> str | None:
    """The exercise the clip plainly shows, or None when no exercise is that clear."""
    if e.prone_share >= PRONE_CONFIDENT_SHARE:
        return "curl-hip-lift"
    if e.swinging(cfg) and e.swing_peaks >= SWING_CONFIDENT_PEAKS and e.prone_share < PRONE_SEEN_SHARE:
        return "leg-swing"
    if e.hinge_share >= HINGE_CONFIDENT_SHARE and not e.swinging(cfg) \
            and e.prone_share < PRONE_SEEN_SHARE:
        return "origin-stretch"
    return None


def posture_seen(exercise: str, e: Evidence, cfg: ExerciseConfig) -> bool:
    """Whether the exercise's defining posture appears at all."""
    if exercise == "curl-hip-lift":
        return e.prone_share >= PRONE_SEEN_SHARE
    if exercise == "leg-swing":
        return e.swinging(cfg)
    if exercise == "origin-stretch":
        return e.hinge_s >= HINGE_SEEN_S
    return True


def suggest_instead(chosen: str, samples: Iterable[PoseSample],
                    config: ExerciseConfig | None = None) -> str | None:
    """The exercise to suggest in place of `chosen`, or None when `chosen` fits (or the
    clip shows too little to tell)."""
    cfg = config or ExerciseConfig()
    e = gather(samples, cfg)
    if e.frames < 10:
        return None
    clear = plainly(e, cfg)
    if clear is not None and clear != chosen:
        return clear
    if not posture_seen(chosen, e, cfg):
        auto = guess(e, cfg)
        if auto != chosen and posture_seen(auto, e, cfg):
            return auto
    return None


def refuse(result: ExerciseResult, suggested: str, message: str) -> ExerciseResult:
    """The result of a clip of the wrong exercise: no number, no event, no fault; one
    condition over the set saying what the clip looks like."""
    times = [c.start_s for c in result.conditions] + [c.end_s for c in result.conditions]
    start = min((t for t in times if finite(t)), default=0.0)
    end = max((t for t in times if finite(t)), default=start)
    condition = Fault(WRONG_EXERCISE, start, end, message)
    return dataclasses.replace(result, working_side=None, summary=_emptied(result.summary),
                               holds=[], swings=[], reps=[], faults=[], conditions=[condition])
