"""A fourth exercise, as a plug-in: this module plus one registry line (`register()`).

Throwaway fixture for tests/test_fourth_exercise.py: a standing toe touch, held while the
trunk leans past 60 degrees. It shows what an exercise has to provide and nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

from posecoach.exercises.base import ExerciseResult, FrameFeedback, opt
from posecoach.exercises.common import Coach, angle, finite
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


class ToeTouchAnalyser:
    exercise_id = EXERCISE_ID

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None) -> None:
        cfg = config or ExerciseConfig()
        self._coach = Coach(cfg.common, cfg.cues, arbiter)
        self._start: float | None = None
        self._last = 0.0
        self._holds: list[tuple[float, float]] = []
        self._phase = "setup"

    @property
    def phase(self) -> str:
        return self._phase

    def update(self, sample: PoseSample) -> FrameFeedback:
        self._coach.begin(sample)
        t = self._coach.last_t
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
        return self._coach.finish(self._phase, True if down else None, ToeTouchCounters(hold))

    def result(self) -> ExerciseResult:
        spans = self._holds + ([(self._start, self._last)] if self._start is not None else [])
        holds = [Hold(start_s=opt(a, 3), end_s=opt(b, 3), duration_s=opt(b - a, 3),
                      good_form_s=opt(b - a, 3), max_trunk_inclination_deg=None,
                      max_hip_flexion_deg=None, knee_flexion_deg=None, bounced=False)
                 for a, b in spans if b > a]
        longest = max((h.duration_s or 0.0 for h in holds), default=None)
        return ExerciseResult(
            exercise=EXERCISE_ID, working_side=None,
            summary=ToeTouchSummary(holds=len(holds), longest_hold_s=longest), holds=holds,
            faults=self._coach.faults.faults(), cues=self._coach.cue_history(),
            conditions=self._coach.conditions.conditions())


SPEC = ExerciseSpec(
    id=EXERCISE_ID, title="Toe touch", event_noun=("toe touch", "toe touches"),
    event_type=Hold, summary_type=ToeTouchSummary, counters_type=ToeTouchCounters,
    analyser=ToeTouchAnalyser, needs_mask=False,
    panel=Panel(headline=PanelLine("toe touch", "hold_s", "{:.1f}s")),
    angle_series=("trunk_inclination",), chart_events="toe touches shaded green",
    progression=(ProgressionMetric("longest_hold_s", "Longest toe touch", "s",
                                   "the longest toe touch", from_summary("longest_hold_s")),),
)
