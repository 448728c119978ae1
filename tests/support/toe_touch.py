"""A fourth exercise, as a plug-in: this module plus one registry line (`register()`).

Throwaway fixture for tests/test_fourth_exercise.py: a standing toe touch, held while the
trunk leans past 60 degrees. It shows what an exercise has to provide and nothing more:
records, a spec, and an analyser that reads a frame and sums up the set (the frame
intake, view gating, faults, cues and the result's shared parts come from BaseAnalyser).
"""

from __future__ import annotations

from dataclasses import dataclass

from posecoach.exercises.analyser import BaseAnalyser, FrameOutcome, SetOutcome
from posecoach.exercises.base import opt
from posecoach.exercises.common import angle, finite
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.records import Hold, LiveCounters, Summary, described
from posecoach.exercises.spec import ExerciseSpec, Panel, PanelLine, ProgressionMetric, from_summary
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.sample import PoseSample

EXERCISE_ID = "toe-touch"
DOWN_DEG = 60.0


@dataclass(frozen=True)
class ToeTouchCounters(LiveCounters):
    hold_s: float = described("time in the current toe touch", "hold")


@dataclass(frozen=True)
class ToeTouchSummary(Summary):
    holds: int = described("number of toe touches")
    longest_hold_s: float | None = described("the longest toe touch", "longest")


class ToeTouchAnalyser(BaseAnalyser):
    exercise_id = EXERCISE_ID

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None) -> None:
        super().__init__(config, arbiter=arbiter)
        self._start: float | None = None
        self._last = 0.0
        self._holds: list[tuple[float, float]] = []

    def _read_frame(self, sample: PoseSample, t: float, dt: float) -> FrameOutcome:
        trunk = angle(sample, "trunk_inclination")
        down = sample.detected and finite(trunk) and trunk >= DOWN_DEG
        if down:
            self._start = t if self._start is None else self._start
            self._last = t
        elif self._start is not None:
            self._holds.append((self._start, self._last))
            self._start = None
        self._phase = "holding" if down else "standing"
        hold = t - self._start if self._start is not None else 0.0
        return FrameOutcome(True if down else None, ToeTouchCounters(hold))

    def _set_result(self) -> SetOutcome:
        spans = self._holds + ([(self._start, self._last)] if self._start is not None else [])
        holds = [Hold(start_s=opt(a, 3), end_s=opt(b, 3), duration_s=opt(b - a, 3),
                      good_form_s=opt(b - a, 3), max_trunk_inclination_deg=None,
                      max_hip_flexion_deg=None, knee_flexion_deg=None, bounced=False)
                 for a, b in spans if b > a]
        longest = max((h.duration_s or 0.0 for h in holds), default=None)
        return SetOutcome(ToeTouchSummary(holds=len(holds), longest_hold_s=longest), None,
                          holds=holds)


SPEC = ExerciseSpec(
    id=EXERCISE_ID, title="Toe touch", event_noun=("toe touch", "toe touches"),
    event_type=Hold, summary_type=ToeTouchSummary, counters_type=ToeTouchCounters,
    analyser=ToeTouchAnalyser, needs_mask=False,
    panel=Panel(headline=PanelLine("toe touch", "hold_s", "{:.1f}s")),
    angle_series=("trunk_inclination",), chart_events="toe touches shaded green",
    progression=(ProgressionMetric("longest_hold_s", "Longest toe touch", "s",
                                   "the longest toe touch", from_summary("longest_hold_s")),),
)
