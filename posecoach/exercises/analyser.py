"""The skeleton every exercise analyser shares; an exercise supplies only its own parts.

`BaseAnalyser.update` takes in a frame the same way for every exercise: the coach
starts it (a never-decreasing clock, the recording conditions), the plausibility screen
counts it, the exercise reads it (`_read_frame`: its measurements, phase, faults and
live counters) and the coach finishes it (active conditions and faults -> one cue).
`result` asks the exercise for its part of the set (`_set_result`: summary, events,
working side) and adds what every exercise reports alike (the faults and conditions as
recorded, the cues shown, the effective thresholds), then lets the plausibility screen
refuse a set where too much was impossible. Helpers for the rest of the shared
bookkeeping: `_judged` (the view gate), `_keep_event` / `_event_fault` (events and the
faults judged per event), `_form_ok` (no form fault among the active codes).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

from posecoach.exercises.base import ExerciseResult, Fault, FrameFeedback
from posecoach.exercises.common import Coach, finite
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.plausible import PlausibilityScreen
from posecoach.exercises.records import Event, Hold, LiveCounters, Rep, Summary, Swing
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.kinematics import View
from posecoach.sample import PoseSample


@dataclass(frozen=True)
class FrameOutcome:
    """An exercise's reading of one frame: form now (None: not judged) and its counters;
    `extra_cues`: cue codes of its own for this frame (e.g. praise for a good hold)."""

    good_form: bool | None
    counters: LiveCounters
    extra_cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetOutcome:
    """An exercise's part of the set's result: its summary, working side and events (the
    list of its spec's event type). `faults`: None for the faults as recorded frame by
    frame; an exercise that re-judges them over the whole set gives its own list."""

    summary: Summary
    working_side: str | None
    holds: list[Hold] = field(default_factory=list)
    swings: list[Swing] = field(default_factory=list)
    reps: list[Rep] = field(default_factory=list)
    faults: list[Fault] | None = None


class BaseAnalyser(ABC):
    """An exercise analyser (the `ExerciseAnalyser` protocol): the frame intake and the
    result are here; a subclass sets `exercise_id` and `form_faults`, keeps `_phase`
    current and implements `_read_frame` and `_set_result`.

    `settings_section`: the ExerciseConfig section the report lists as the settings used
    (with [common] and [cues]); None for an exercise without thresholds of its own.
    `max_yaw_deg`: the camera yaw past which the exercise cannot be judged (the view is
    then `not_side_view`); beyond the front view's, an exercise may have a tighter one.
    """

    exercise_id: str
    form_faults: tuple[str, ...] = ()

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None, settings_section: str | None = None,
                 max_yaw_deg: float = math.inf) -> None:
        cfg = config or ExerciseConfig()
        self._cfg = cfg
        self._settings = cfg.settings_for(settings_section) if settings_section else {}
        self._max_yaw_deg = max_yaw_deg
        self._shown_s = cfg.common.event_fault_shown_s
        self._coach = Coach(cfg.common, cfg.cues, arbiter, max_yaw_deg=max_yaw_deg)
        self._screen = PlausibilityScreen()
        self._phase = "setup"

    @property
    def phase(self) -> str:
        return self._phase

    def update(self, sample: PoseSample) -> FrameFeedback:
        dt = self._coach.begin(sample)
        self._screen.frame(sample)
        frame = self._read_frame(sample, self._coach.last_t, dt)
        return self._coach.finish(self._phase, frame.good_form, frame.counters,
                                  frame.extra_cues)

    def result(self) -> ExerciseResult:
        part = self._set_result()
        faults = self._coach.faults.faults() if part.faults is None else part.faults
        return self._screen.apply(ExerciseResult(
            settings=self._settings, exercise=self.exercise_id,
            working_side=part.working_side, summary=part.summary,
            holds=part.holds, swings=part.swings, reps=part.reps, faults=faults,
            cues=self._coach.cue_history(), conditions=self._coach.conditions.conditions()))

    # -- what each exercise supplies ------------------------------------------------------

    @abstractmethod
    def _read_frame(self, sample: PoseSample, t: float, dt: float) -> FrameOutcome:
        """Read one frame (`t`: its time on the coach's clock; `dt`: since the last one)."""

    @abstractmethod
    def _set_result(self) -> SetOutcome:
        """The set so far, the exercise's own part."""

    # -- shared bookkeeping ---------------------------------------------------------------

    def _judged(self, sample: PoseSample) -> bool:
        """Whether form can be judged on this frame: a person, not seen from the front,
        and turned no further than the exercise's yaw limit."""
        turned = finite(sample.yaw_deg) and sample.yaw_deg > self._max_yaw_deg
        return bool(sample.detected) and sample.view != View.FRONT and not turned

    def _form_ok(self, codes: Iterable[str]) -> bool:
        """No form fault among `codes` (recording conditions do not count)."""
        return not any(c in self.form_faults for c in codes)

    def _keep_event(self, record: Event) -> bool:
        """Count an event kept as it happens; False (drop it) when any number of it is
        impossible (see plausible.py)."""
        return self._screen.accept(record)

    def _event_fault(self, code: str, start_s: float, end_s: float, now_s: float,
                     merge_gap_s: float | None = None) -> None:
        """A fault judged on one event, shown from `now_s` for the common display time."""
        self._coach.faults.add_event(code, start_s, end_s, now_s + self._shown_s,
                                     merge_gap_s=merge_gap_s)
