"""The per-frame state of a live session, on one thread: pose -> measurement -> One-Euro
smoothing -> framing gate -> exercise analyser.

`LiveCoach.update(pose_frame)` is the same path as `analyze` (`FrameMeasurer`, then the
analyser's `update(sample)`), with the pipeline's causal `LiveSmoother` in place of the
offline zero-phase filter. Frames before the countdown ends are measured (for framing
guidance and the skeleton) but not analysed. Each set (`reset_set`, `switch_side`)
keeps its own measurements, samples and feedback, so nothing done before a reset is lost.
Pausing is the session's business: paused time is taken off the clock it passes here,
so hold timers do not count it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from posecoach import exercises
from posecoach.exercises.base import ExerciseAnalyser, ExerciseResult, FrameFeedback
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.landmarks import PoseFrame
from posecoach.live.framing import FramingConfig, FramingGate, FramingStatus
from posecoach.pipeline import FrameMeasurer, LiveSmoother, MeasureConfig, Measurement
from posecoach.sample import PoseSample

_MEASURE, _FRAMING = MeasureConfig(), FramingConfig()  # frozen: safe to share as defaults


@dataclass(frozen=True)
class CoachStep:
    """What one frame produced: the result to draw on that frame."""

    measurement: Measurement
    sample: PoseSample
    framing: FramingStatus
    feedback: FrameFeedback | None   # None until the set is active
    set_number: int


@dataclass
class SetRecord:
    """The analysed frames of one set, in the shape `ClipAnalysis` wants."""

    number: int
    analyser: ExerciseAnalyser
    measurements: list[Measurement] = field(default_factory=list)
    samples: list[PoseSample] = field(default_factory=list)
    feedback: list[FrameFeedback] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not any(m.detected for m in self.measurements)

    def result(self) -> ExerciseResult:
        return self.analyser.result()


class LiveCoach:
    """Stateful per-frame coaching for one exercise (see module docstring)."""

    def __init__(self, exercise: str, measure: MeasureConfig = _MEASURE,
                 framing: FramingConfig = _FRAMING, config: ExerciseConfig | None = None) -> None:
        self._exercise = exercise
        self._config = config or ExerciseConfig()
        self._measure_config = measure
        self._gate = FramingGate(framing)
        self._number = 0
        self._set = self._new_set()
        self._new_tracking()

    @property
    def exercise(self) -> str:
        return self._exercise

    @property
    def current_set(self) -> SetRecord:
        return self._set

    def _new_set(self) -> SetRecord:
        self._number += 1
        return SetRecord(self._number, exercises.create(self._exercise, self._config))

    def _new_tracking(self) -> None:
        self._measurer = FrameMeasurer(self._measure_config)
        self._smoother = LiveSmoother(self._measure_config)

    def update(self, frame: PoseFrame) -> CoachStep:
        m = self._measurer.measurement_of(frame)
        sample = self._smoother.update(m, self._measurer.facing, frame.width, frame.height)
        status = self._gate.update(m)
        feedback = None
        if status.active:
            feedback = self._set.analyser.update(sample)
            self._set.measurements.append(m)
            self._set.samples.append(sample)
            self._set.feedback.append(feedback)
        return CoachStep(m, sample, status, feedback, self._set.number)

    def reset_set(self) -> SetRecord:
        """Start the set again (after a new countdown); returns the set that ended."""
        done, self._set = self._set, self._new_set()
        self._gate.reset()
        return done

    def switch_side(self) -> SetRecord:
        """The runner turns round for the other leg: a new set, facing and legs re-learnt."""
        done = self.reset_set()
        self._new_tracking()
        return done


def shift_time(frame: PoseFrame, offset_s: float) -> PoseFrame:
    """The same pose on a clock `offset_s` earlier (paused time taken off)."""
    return frame if offset_s == 0.0 else dataclasses.replace(frame, t_s=frame.t_s - offset_s)
