"""The exercise-analyser interface and the value objects it produces.

An analyser is a stateful per-frame object with one verb, ``update(sample)``, and
read-only properties. It works causally (live use: one PoseSample per frame, feedback
at once); ``result()`` may refine what it buffered and can be called at any time.
Verdicts, counts and metrics never contain NaN: unmeasurable values are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from posecoach.exercises.records import (
    Hold,
    LiveCounters,
    Rep,
    Summary,
    Swing,
    json_safe,
    opt,
)
from posecoach.sample import PoseSample

__all__ = ["Cue", "ExerciseAnalyser", "ExerciseResult", "Fault", "FrameFeedback", "json_safe", "opt"]


@dataclass(frozen=True)
class Fault:
    """A form fault or recording condition over a time interval, with its guidance."""

    code: str
    start_s: float
    end_s: float
    message: str

    @property
    def duration_s(self) -> float:
        return max(0.0, self.end_s - self.start_s)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "start_s": opt(self.start_s, 3), "end_s": opt(self.end_s, 3),
                "duration_s": opt(self.duration_s, 3), "message": self.message}


@dataclass(frozen=True)
class Cue:
    """A coaching cue as it was shown: when, what, and which code prompted it."""

    t_s: float
    text: str
    code: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"t_s": opt(self.t_s, 3), "text": self.text, "code": self.code}


@dataclass(frozen=True)
class FrameFeedback:
    """What to show for one frame.

    phase: the analyser's phase name (e.g. "holding", "swinging", "curling", "setup").
    cue: the cue on screen now (already rate-limited by the shared arbiter), or None;
        `cue_is_new` is True only on the frame it first appears (e.g. for speech).
    good_form: True/False while form is being judged, None when it is not (standing,
        no person, wrong view).
    counters: the exercise's typed live numbers, never NaN (also a read-only mapping).
    active_faults / active_conditions: codes active on this frame.
    """

    t_s: float
    phase: str
    cue: str | None
    good_form: bool | None
    counters: LiveCounters
    active_faults: tuple[str, ...] = ()
    active_conditions: tuple[str, ...] = ()
    cue_is_new: bool = False

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "t_s": self.t_s, "phase": self.phase, "cue": self.cue, "cue_is_new": self.cue_is_new,
            "good_form": self.good_form, "counters": dict(self.counters),
            "active_faults": list(self.active_faults),
            "active_conditions": list(self.active_conditions),
        })


@dataclass(frozen=True)
class ExerciseResult:
    """The analysis of a whole set.

    holds / swings / reps: typed event records (an exercise fills the list of its spec's
    event type); faults: form faults; conditions: recording conditions (wrong view, out of
    frame, ...), each with its guidance text. summary: the exercise's typed Summary
    (None where unmeasurable).
    """

    exercise: str
    working_side: str | None
    summary: Summary
    holds: list[Hold] = field(default_factory=list)
    swings: list[Swing] = field(default_factory=list)
    reps: list[Rep] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    conditions: list[Fault] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)   # effective thresholds used

    @property
    def events(self) -> list[Hold] | list[Swing] | list[Rep]:
        """The set's events, whichever kind they are."""
        return self.holds or self.swings or self.reps

    @property
    def fault_codes(self) -> frozenset[str]:
        return frozenset(f.code for f in self.faults)

    @property
    def condition_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.conditions)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "exercise": self.exercise, "working_side": self.working_side,
            "summary": self.summary, "holds": self.holds, "swings": self.swings,
            "reps": self.reps, "faults": self.faults, "cues": self.cues,
            "conditions": self.conditions, "settings": self.settings,
        })


@runtime_checkable
class ExerciseAnalyser(Protocol):
    """A stateful per-frame analyser of one exercise (see module docstring)."""

    @property
    def exercise_id(self) -> str: ...

    @property
    def phase(self) -> str: ...

    def update(self, sample: PoseSample) -> FrameFeedback: ...

    def result(self) -> ExerciseResult: ...
