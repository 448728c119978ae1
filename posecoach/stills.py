"""Photos are judged as postures: the posture checks of the exercise on one frame.

A photo has no time, so nothing that needs time can be judged: no hold duration, no
swing, no rep. What a still does show is the position: for the origin stretch the
hinge depth, a rounded back and bent knees; for the curl how far the knee is curled.
The analyser is the same one video uses: the photo's one sample is shown to it as a
still hold of `HOLD_S` seconds (long enough for every debounced fault to register);
events and timings are then dropped, and the faults it found on that position are
the photo's. The verdict is good or needs work with those faults, never "no complete
hold" (report.document.verdict reads `input.kind == image`).
"""

from __future__ import annotations

import dataclasses

from posecoach import exercises
from posecoach.exercises import recognise
from posecoach.exercises.base import ExerciseResult, FrameFeedback
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.sample import PoseSample

HOLD_S = 3.0
RATE_HZ = 10.0


def as_hold(still: PoseSample) -> list[PoseSample]:
    """The photo's sample repeated as a motionless hold of HOLD_S seconds."""
    return [dataclasses.replace(still, t_s=i / RATE_HZ) for i in range(int(HOLD_S * RATE_HZ) + 1)]


def judge_still(exercise: str, samples: list[PoseSample], config: ExerciseConfig | None = None,
                ) -> tuple[list[FrameFeedback], ExerciseResult]:
    """(feedback for the photo's frame, result) of a still image's sample(s)."""
    analyser = exercises.create(exercise, config)
    still = next((s for s in samples if s.detected), samples[0] if samples else None)
    if still is None:
        return [], analyser.result()
    held = as_hold(still)
    feedback = [analyser.update(s) for s in held]
    result = analyser.result()
    if still.detected and not recognise.posture_seen(exercise, recognise.gather(held), ExerciseConfig()):
        title = exercises.title_of(exercise).lower()
        message = (f"This photo does not show the {title} position: take it during the "
                   "exercise, or choose the one it shows.")
        return [feedback[-1]] * len(samples), recognise.refuse(result, exercise, message)
    # One photo, one instant: faults and conditions hold at t = 0, no events, no times.
    at_zero = [dataclasses.replace(f, start_s=0.0, end_s=0.0) for f in result.faults]
    conditions = [dataclasses.replace(c, start_s=0.0, end_s=0.0) for c in result.conditions]
    unique = list({f.code: f for f in at_zero}.values())
    result = dataclasses.replace(result, holds=[], swings=[], reps=[], faults=unique,
                                 conditions=list({c.code: c for c in conditions}.values()))
    last = dataclasses.replace(feedback[-1], t_s=still.t_s)
    return [last] * len(samples), result
