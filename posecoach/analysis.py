"""Offline analysis of one video or still image: the library entry point behind
`posecoach analyze` and the web app's workers.

Pass 1 streams frames through pose estimation and keeps compact measurements; the
clip is then smoothed, the exercise recognised (when `auto`) and the analyser run over
the samples. Rendering and report files are separate (posecoach.report).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach import exercises, stills
from posecoach.errors import ConfigError
from posecoach.exercises import recognise as wrong_exercise
from posecoach.exercises.base import ExerciseResult, FrameFeedback
from posecoach.kinematics import View, near_side
from posecoach.limits import MediaLimits
from posecoach.pipeline import MeasureConfig, Measurement, measure_stream, smooth_clip
from posecoach.pose import PeopleCounter, PoseEstimator, PoseOptions
from posecoach.sample import PoseSample
from posecoach.video_io import MediaInfo, iter_frames, prefetch, probe
from posecoach.view import set_yaw_deg

AUTO = "auto"
# (frames done, frames expected) -> None
ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class AnalysisOptions:
    exercise: str = AUTO
    model: str = "full"
    # The mask feeds the rounded-back proxy of the origin stretch; other exercises skip
    # its cost. None = decide from the exercise.
    segmentation: bool | None = None
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    # Pixel, length and downscaling limits for decoding (posecoach.limits).
    limits: MediaLimits = field(default_factory=MediaLimits)

    def wants_mask(self) -> bool:
        if self.segmentation is not None:
            return self.segmentation
        return self.exercise == AUTO or exercises.spec_for(self.exercise).needs_mask


@dataclass(frozen=True)
class ClipAnalysis:
    info: MediaInfo
    exercise: str
    model: str
    measurements: list[Measurement]
    samples: list[PoseSample]
    feedback: list[FrameFeedback]
    result: ExerciseResult
    options: AnalysisOptions = field(default_factory=AnalysisOptions)  # written into reports
    # The exercise the clip looks like when it is not the one chosen (result refused).
    suggested_exercise: str | None = None

    @property
    def detection_rate(self) -> float:
        if not self.measurements:
            return 0.0
        return float(np.mean([m.detected for m in self.measurements]))

    @property
    def facing(self) -> str:
        facing = self.samples[0].facing if self.samples else 0
        return {1: "right", -1: "left"}.get(facing, "unknown")

    @property
    def near_side(self) -> str | None:
        return near_side(self.samples[0].facing) if self.samples else None

    @property
    def yaw_deg(self) -> float:
        """The set's camera yaw off side-on (median over frames; NaN if unknown)."""
        return set_yaw_deg([m.yaw_deg for m in self.measurements if m.detected])

    @property
    def view(self) -> str:
        yaw = self.yaw_deg
        if np.isfinite(yaw):
            return self.options.measure.view.view(yaw).value
        views = [m.view for m in self.measurements if m.detected and m.view != View.UNKNOWN]
        if not views:
            return View.UNKNOWN.value
        values, counts = np.unique([v.value for v in views], return_counts=True)
        return str(values[int(np.argmax(counts))])


def _check_exercise(name: str) -> None:
    if name != AUTO and name not in exercises.exercise_ids():
        raise ConfigError(f"unknown exercise '{name}'",
                          f"choose one of: {AUTO}, {', '.join(exercises.exercise_ids())}")


def run_exercise(exercise: str, samples: list[PoseSample]) -> tuple[list[FrameFeedback], ExerciseResult]:
    """Feed samples one at a time to the exercise's analyser (the same code live uses)."""
    analyser = exercises.create(exercise)
    feedback = [analyser.update(s) for s in samples]
    return feedback, analyser.result()


def analyze_media(path: Path | str, options: AnalysisOptions = AnalysisOptions(),
                  progress: ProgressCallback | None = None) -> ClipAnalysis:
    """Analyse a video or image file end to end (no files written)."""
    _check_exercise(options.exercise)
    info = probe(path, options.limits)
    factory = PoseEstimator.for_images if info.kind == "image" else PoseEstimator.for_video
    measurements: list[Measurement] = []
    with factory(options.model, segmentation=options.wants_mask()) as estimator, \
            PeopleCounter(options.model) as people, \
            closing(prefetch(people.watch(iter_frames(path, options.limits)))) as frames:
        # Decoding and people counting run on the prefetch thread, overlapping inference;
        # `closing` stops that thread before the counter's landmarker is closed.
        # A still: a person small in the frame is looked for and refined in crops.
        detect = stills.refined_detect(estimator.detect) if info.kind == "image" else estimator.detect
        for _, m in measure_stream(frames, detect, options.measure,
                                   lambda rgb, t_s: people.count):
            measurements.append(m)
            if progress is not None:
                progress(len(measurements), max(info.frames, len(measurements)))
    samples = smooth_clip(measurements, info.width, info.height, options.measure)
    exercise = options.exercise
    if exercise == AUTO:
        exercise = exercises.detect_exercise(samples)
    if info.kind == "image":
        feedback, result = stills.judge_still(exercise, samples)
    else:
        feedback, result = run_exercise(exercise, samples)
    seen = stills.as_hold(samples[0]) if info.kind == "image" and samples else samples
    suggested = None if options.exercise == AUTO else wrong_exercise.suggest_instead(exercise, seen)
    if suggested is not None:
        result = wrong_exercise.refuse(result, suggested, looks_like(suggested))
    return ClipAnalysis(info=info, exercise=exercise, model=str(options.model),
                        measurements=measurements, samples=samples, feedback=feedback, result=result,
                        options=options, suggested_exercise=suggested)


def looks_like(exercise: str) -> str:
    """The runner-facing line of a wrong-exercise refusal."""
    return f"This looks like {exercises.title_of(exercise).lower()}: choose it, or record again."


def pose_options_for(options: AnalysisOptions) -> PoseOptions:
    return PoseOptions(model=options.model, segmentation=options.wants_mask())
