"""The coaching engine: one analyser per exercise, fed one PoseSample per frame.

Public API (everything a pipeline, CLI or web app needs)::

    from posecoach import exercises

    exercises.EXERCISE_IDS                        # ("origin-stretch", "leg-swing", "curl-hip-lift")
    analyser = exercises.create("leg-swing")      # ConfigError lists valid ids otherwise
    for sample in samples:                        # live or offline: the same code
        feedback = analyser.update(sample)        # FrameFeedback: phase, cue, counters, faults
    result = analyser.result()                    # ExerciseResult; result.to_dict() is JSON-safe
    exercises.detect_exercise(samples)            # for --exercise auto
    exercises.analyse(samples, "origin-stretch")  # update() over a clip, then result()
    exercises.ExerciseConfig.from_dict({...})     # every threshold; unknown keys are errors

Pure numpy: no OpenCV, no MediaPipe. Thresholds and their sources: thresholds.py and
docs/biomechanics.md.
"""

from posecoach.exercises.base import (
    Cue,
    ExerciseAnalyser,
    ExerciseResult,
    Fault,
    FrameFeedback,
)
from posecoach.exercises.registry import (
    ANALYSERS,
    EXERCISE_IDS,
    analyse,
    create,
    detect_exercise,
)
from posecoach.exercises.thresholds import ExerciseConfig

create_analyser = create

__all__ = [
    "ANALYSERS", "EXERCISE_IDS", "Cue", "ExerciseAnalyser", "ExerciseConfig", "ExerciseResult",
    "Fault", "FrameFeedback", "analyse", "create", "create_analyser", "detect_exercise",
]
