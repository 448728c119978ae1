"""The coaching engine: one analyser per exercise, fed one PoseSample per frame.

Public API (everything a pipeline, CLI or web app needs)::

    from posecoach import exercises

    exercises.exercise_ids()                      # ("origin-stretch", "leg-swing", "curl-hip-lift")
    spec = exercises.spec_for("leg-swing")        # ExerciseSpec: title, panel, charts, metrics...
    analyser = exercises.create("leg-swing")      # ConfigError lists valid ids otherwise
    for sample in samples:                        # live or offline: the same code
        feedback = analyser.update(sample)        # FrameFeedback: phase, cue, counters, faults
    result = analyser.result()                    # ExerciseResult of typed records (records.py);
                                                  # result.to_dict() is report.json's part
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
from posecoach.exercises.records import Hold, LiveCounters, Rep, Summary, Swing
from posecoach.exercises.registry import (
    EXERCISE_IDS,
    SPECS,
    analyse,
    create,
    detect_exercise,
    exercise_ids,
    find_spec,
    spec_for,
    title_of,
)
from posecoach.exercises.spec import ExerciseSpec
from posecoach.exercises.thresholds import ExerciseConfig

__all__ = [
    "EXERCISE_IDS", "SPECS", "Cue", "ExerciseAnalyser", "ExerciseConfig", "ExerciseResult",
    "ExerciseSpec", "Fault", "FrameFeedback", "Hold", "LiveCounters", "Rep", "Summary", "Swing",
    "analyse", "create", "detect_exercise", "exercise_ids", "find_spec", "spec_for",
    "title_of",
]
