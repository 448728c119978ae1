"""Per-set plausibility: impossible events are dropped, and a set where too much was
impossible is not measured at all.

Frames are gated in the pipeline (posecoach.plausibility.gate_angles); events (a swing,
a rep, a hold) are judged here, by each record's own keys against HumanRange.event.
When too many frames or events were impossible, the camera angle is what is wrong,
not the person: the set keeps no number, no fault and no event, only the condition
`not_side_view` with guidance to film side-on (docs/biomechanics.md#plausibility).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from posecoach.exercises.base import ExerciseResult, Fault
from posecoach.exercises.common import finite
from posecoach.plausibility import HUMAN_RANGE, HumanRange
from posecoach.sample import PoseSample

E = TypeVar("E")
CANNOT_MEASURE = "Cannot measure from this camera angle: film side-on."
# Shares above which the set is refused (see docs/biomechanics.md#plausibility).
MAX_IMPLAUSIBLE_FRAME_SHARE = 0.25
MAX_DROPPED_EVENT_SHARE = 0.34


def _emptied(value: Any) -> Any:
    """A summary value with its measurement removed, keeping its JSON type (a typed
    summary record keeps its class)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _emptied(getattr(value, f.name))
                                              for f in dataclasses.fields(value) if f.init})
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return None
    if isinstance(value, list):
        return []
    if isinstance(value, Mapping):
        return {k: _emptied(v) for k, v in value.items()}
    return value if isinstance(value, str) else None


class PlausibilityScreen:
    """Counts one analyser's frames and events; `accept` says whether an event may be
    kept, `apply` turns the final result into a refusal when too much was impossible."""

    def __init__(self, limits: HumanRange = HUMAN_RANGE) -> None:
        self._limits = limits
        self._frames = 0
        self._implausible = 0
        self._events = 0
        self._dropped = 0
        self._rebuilt = (0, 0)          # (events, dropped) of the last filter()
        self._first_t = float("nan")
        self._last_t = float("nan")

    @property
    def dropped_events(self) -> int:
        return self._dropped

    def frame(self, sample: PoseSample) -> None:
        if not sample.detected:
            return
        self._frames += 1
        self._implausible += int(bool(getattr(sample, "implausible", False)))
        if finite(sample.t_s):
            self._first_t = sample.t_s if not finite(self._first_t) else self._first_t
            self._last_t = sample.t_s

    def plausible(self, record: Any) -> bool:
        """Whether every number of an event record (typed, or a mapping) is possible."""
        items = record.to_dict() if hasattr(record, "to_dict") else record
        return all(self._limits.event_ok(k, v) for k, v in items.items())

    def accept(self, record: Any) -> bool:
        """For events kept as they happen (live counters): count this one; False (drop
        it) when any of its numbers is impossible."""
        self._events += 1
        ok = self.plausible(record)
        self._dropped += int(not ok)
        return ok

    def filter(self, records: list[E]) -> list[E]:
        """For events rebuilt by each result(): the plausible ones (the count of this
        call replaces the previous call's)."""
        kept = [r for r in records if self.plausible(r)]
        self._rebuilt = (len(records), len(records) - len(kept))
        return kept

    def refused(self) -> bool:
        events, dropped = self._events, self._dropped
        events, dropped = events + self._rebuilt[0], dropped + self._rebuilt[1]
        frames = self._frames and self._implausible / self._frames > MAX_IMPLAUSIBLE_FRAME_SHARE
        return bool(frames or (events and dropped / events > MAX_DROPPED_EVENT_SHARE))

    def apply(self, result: ExerciseResult) -> ExerciseResult:
        if not self.refused():
            return result
        start = self._first_t if finite(self._first_t) else 0.0
        end = self._last_t if finite(self._last_t) else start
        condition = Fault("not_side_view", start, end, CANNOT_MEASURE)
        return dataclasses.replace(
            result, working_side=None, summary=_emptied(result.summary), holds=[], swings=[],
            reps=[], faults=[],
            conditions=[c for c in result.conditions if c.code != "not_side_view"] + [condition])
