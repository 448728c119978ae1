"""Offline analysis of one video or still image: the library entry point behind
`posecoach analyze` and the web app's workers.

Pass 1 streams frames through pose estimation and keeps compact measurements; the
clip is then smoothed, the exercise recognised (when `auto`) and the analyser run over
the samples. Rendering and report files are separate (posecoach.report).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing, nullcontext
from pathlib import Path

import numpy as np

from posecoach import exercises, models, photo_pose, stills
from posecoach.errors import ConfigError
from posecoach.exercises import recognise as wrong_exercise
from posecoach.exercises.base import ExerciseResult, FrameFeedback
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.masking import MaskScheduler
from posecoach.landmarks import PoseFrame
from posecoach.pipeline import Measurement, detect_stream, measure_detected, smooth_clip
from posecoach.pose import PeopleCounter, PoseEstimator
from posecoach.results import AUTO, AnalysisOptions, ClipAnalysis
from posecoach.sample import PoseSample
from posecoach.video_io import iter_frames, prefetch, probe

__all__ = ["AUTO", "AnalysisOptions", "ClipAnalysis", "analyze_media", "run_exercise"]
# (frames done, frames expected) -> None
ProgressCallback = Callable[[int, int], None]


def _check_exercise(name: str) -> None:
    if name != AUTO and name not in exercises.exercise_ids():
        raise ConfigError(f"unknown exercise '{name}'",
                          f"choose one of: {AUTO}, {', '.join(exercises.exercise_ids())}")


def run_exercise(exercise: str, samples: list[PoseSample], config: ExerciseConfig | None = None,
                 ) -> tuple[list[FrameFeedback], ExerciseResult]:
    """Feed samples one at a time to the exercise's analyser (the same code live uses)."""
    analyser = exercises.create(exercise, config)
    feedback = [analyser.update(s) for s in samples]
    return feedback, analyser.result()


def _mask_scheduler(options: AnalysisOptions) -> MaskScheduler:
    """Masks on the frames the origin stretch reads; with `auto`, none before a hinge and
    none while lying prone (posecoach.masking)."""
    return MaskScheduler(lambda: PoseEstimator.for_video(options.model, segmentation=True),
                         armed=options.exercise != AUTO, skip_prone=options.exercise == AUTO,
                         prone=options.exercises.curl_hip_lift)


def photo_model(options: AnalysisOptions) -> str:
    """The model a photo is read with: `options.photo_model` if set; else heavy when
    `options.model` is the default full and heavy is installed (a photo is one frame,
    so the most accurate model costs little; docs/angles.md#photos), else `options.model`.
    Heavy is never installed from here: `make models` / `posecoach models install
    --variant heavy` provision it, and without it photos use full."""
    if options.photo_model:
        return options.photo_model
    if options.model == models.DEFAULT_VARIANT and models.bundle_path(models.PHOTO_VARIANT).exists():
        return models.PHOTO_VARIANT
    return options.model


def _detect_for(estimator: PoseEstimator, image: bool) -> Callable[[np.ndarray, float], PoseFrame]:
    """The landmarker's detect; for a photo, the still-image path (posecoach.photo_pose)."""
    return photo_pose.photo_detect(estimator.detect) if image else estimator.detect


def analyze_media(path: Path | str, options: AnalysisOptions = AnalysisOptions(),
                  progress: ProgressCallback | None = None) -> ClipAnalysis:
    """Analyse a video or image file end to end (no files written)."""
    _check_exercise(options.exercise)
    info = probe(path, options.limits)
    image = info.kind == "image"
    factory = PoseEstimator.for_images if image else PoseEstimator.for_video
    model = photo_model(options) if image else options.model
    # One landmarker with masks on every frame when asked (or for a photo); by default a
    # video's masks come from a second one, on the few frames that need them.
    every_mask = options.segmentation is True or (image and options.wants_mask())
    scheduled = not every_mask and options.wants_mask()
    measurements: list[Measurement] = []
    with factory(model, segmentation=every_mask) as estimator, \
            (_mask_scheduler(options) if scheduled else nullcontext()) as masks, \
            PeopleCounter(options.model) as people, \
            closing(prefetch(people.watch(iter_frames(path, options.limits)))) as frames, \
            closing(prefetch(detect_stream(frames, _detect_for(estimator, image),
                                           lambda rgb, t_s: people.count_before(t_s)))) as detected:
        # Three threads in a row: decoding and people counting, then the landmarker, then
        # (here) measuring, so each overlaps the others' work. `closing` stops them in
        # reverse order, before the landmarkers they use are closed.
        for rgb, frame, m in measure_detected(detected, options.measure):
            measurements.append(m)
            if masks is not None:
                masks.observe(len(measurements) - 1, rgb, frame, m)
            if progress is not None:
                progress(len(measurements), max(info.frames, len(measurements)))
        masked = len(measurements) if every_mask else 0
        if masks is not None:  # waits for the masks still being computed
            measurements = masks.apply(measurements)
            masked = len(masks.masked_times)
    samples = smooth_clip(measurements, info.width, info.height, options.measure)
    exercise = options.exercise
    if exercise == AUTO:
        exercise = exercises.detect_exercise(samples, options.exercises)
    if info.kind == "image":
        feedback, result = stills.judge_still(exercise, samples, options.exercises)
    else:
        feedback, result = run_exercise(exercise, samples, options.exercises)
    seen = stills.as_hold(samples[0]) if info.kind == "image" and samples else samples
    suggested = None if options.exercise == AUTO else wrong_exercise.suggest_instead(exercise, seen)
    if suggested is not None:
        result = wrong_exercise.refuse(result, suggested, looks_like(suggested))
    return ClipAnalysis(info=info, exercise=exercise, model=str(model),
                        measurements=measurements, samples=samples, feedback=feedback, result=result,
                        options=options, suggested_exercise=suggested, masked_frames=masked)


def looks_like(exercise: str) -> str:
    """The runner-facing line of a wrong-exercise refusal."""
    return f"This looks like {exercises.title_of(exercise).lower()}: choose it, or record again."

