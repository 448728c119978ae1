"""The result types of an analysis, free of MediaPipe and OpenCV: `AnalysisOptions` (how a
clip is analysed) and `ClipAnalysis` (what came out). The report, render and live layers
take these; posecoach.analysis (which runs the pose model) produces them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.exercises.base import ExerciseResult, FrameFeedback
from posecoach.exercises.registry import spec_for
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.kinematics import View, near_side
from posecoach.limits import MediaLimits
from posecoach.media import MediaInfo
from posecoach.pipeline import MeasureConfig, Measurement
from posecoach.sample import PoseSample
from posecoach.view import set_yaw_deg

AUTO = "auto"


@dataclass(frozen=True)
class AnalysisOptions:
    """How a clip (or a live set) is analysed; written into every report's `settings`."""

    exercise: str = AUTO
    model: str = "full"
    # The model for a photo. None: the most accurate one installed (heavy) when `model` is
    # the default full, else `model` (posecoach.analysis.photo_model).
    photo_model: str | None = None
    # The mask feeds the exercises whose spec `needs_mask` (the origin stretch). None: from
    # the exercise (videos: masks only on the frames that check reads, see
    # posecoach.masking); True: a mask on every frame; False: none.
    segmentation: bool | None = None
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    # Pixel, length and downscaling limits for decoding (posecoach.limits).
    limits: MediaLimits = field(default_factory=MediaLimits)
    # Every coaching threshold (defaults, or a --config file's overrides).
    exercises: ExerciseConfig = field(default_factory=ExerciseConfig)

    def wants_mask(self) -> bool:
        """Whether any frame gets a segmentation mask (live: then every frame does)."""
        if self.segmentation is not None:
            return self.segmentation
        return self.exercise == AUTO or spec_for(self.exercise).needs_mask


@dataclass(frozen=True)
class ClipAnalysis:
    """One analysed clip or live set: what the report, charts and annotated video are
    made from. `result` is the analyser's typed result; `options` how it was analysed."""

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
    masked_frames: int = 0  # frames given a segmentation mask (all of them for a mask on every frame)

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
