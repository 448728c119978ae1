"""`ExerciseSpec`: everything the rest of PoseCoach knows about one exercise, in one place.

Render, report, history, web, CLI and live read an exercise only through its spec (found
by id in the registry): its title and event noun, whether it needs the segmentation mask,
its analyser, the types of its records, what the overlay panel shows, which charts and
progression metrics it has, and its texts. Adding an exercise = one module that builds
an analyser and a spec, and one line in registry.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecoach.exercises.base import ExerciseAnalyser
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.records import Event, FieldDef, LiveCounters, Summary
from posecoach.exercises.thresholds import ExerciseConfig

# (config, *, arbiter=None) -> a fresh analyser
AnalyserFactory = Callable[..., ExerciseAnalyser]


# ---------------------------------------------------------------- the overlay panel
@dataclass(frozen=True)
class PanelLine:
    """One line of the overlay's counters panel: `label` and a live counter, formatted."""

    label: str
    counter: str                   # a field of the exercise's LiveCounters
    fmt: str = "{:.0f} deg"        # Hershey fonts have no degree sign
    shown_after: str | None = None  # only once this counter is above 0 (e.g. the first rep)


@dataclass(frozen=True)
class PanelMeter:
    """A bar under the panel lines: `value` / `full` (a counter name or a number), with an
    optional marker at `marker` / `full`; green (`good`) or neutral blue."""

    value: str
    full: str | float
    marker: str | None = None
    good: bool = False


@dataclass(frozen=True)
class PanelBars:
    """Bars of the last events' sizes: a bar of `value` each time counter `count` rises."""

    count: str
    value: str


@dataclass(frozen=True)
class Panel:
    """What the overlay's counters panel shows (big number first)."""

    headline: PanelLine
    lines: tuple[PanelLine, ...] = ()
    meter: PanelMeter | None = None
    bars: PanelBars | None = None

    def counter_names(self) -> tuple[str, ...]:
        """Every counter the panel reads (the contract with the LiveCounters type)."""
        names = [self.headline.counter, *(ln.counter for ln in self.lines)]
        names += [ln.shown_after for ln in (self.headline, *self.lines) if ln.shown_after]
        if self.meter is not None:
            names += [self.meter.value] + ([self.meter.full] if isinstance(self.meter.full, str)
                                           else [])
            names += [self.meter.marker] if self.meter.marker else []
        if self.bars is not None:
            names += [self.bars.count, self.bars.value]
        return tuple(dict.fromkeys(names))


# ---------------------------------------------------------------- progression
ReportReader = Callable[[Mapping[str, Any]], "float | None"]


@dataclass(frozen=True)
class ProgressionMetric:
    """A number tracked across sessions, read from a stored report.json."""

    key: str
    label: str                  # as a runner reads it ("Longest hold")
    unit: str
    what: str
    read: ReportReader
    higher_is_better: bool = True   # for "up 6 s from 12 s" in green or amber


def number(value: Any) -> float | None:
    """A finite number, else None (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def summary_of(report: Mapping[str, Any]) -> Mapping[str, Any]:
    summary = report.get("summary")
    return summary if isinstance(summary, Mapping) else {}


def events_of(report: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    events = report.get(name)
    return [e for e in events if isinstance(e, Mapping)] if isinstance(events, list) else []


def max_of(events: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = [v for v in (number(e.get(key)) for e in events) if v is not None]
    return max(values) if values else None


def from_summary(key: str, otherwise: ReportReader | None = None) -> ReportReader:
    """Reads summary[key]; where that is not a number, `otherwise` (if given)."""
    def read(report: Mapping[str, Any]) -> float | None:
        value = number(summary_of(report).get(key))
        return otherwise(report) if value is None and otherwise is not None else value
    return read


def max_over_events(events_name: str, key: str) -> ReportReader:
    """Reads the largest `key` over the report's `events_name` list."""
    return lambda report: max_of(events_of(report, events_name), key)


# ---------------------------------------------------------------- the spec
@dataclass(frozen=True)
class ExerciseSpec:
    """One exercise's contract (see module docstring)."""

    id: str
    title: str                           # "Leg swings"
    event_noun: tuple[str, str]          # ("swing", "swings")
    event_type: type[Event]              # Hold, Swing or Rep (its list in the result)
    summary_type: type[Summary]
    counters_type: type[LiveCounters]
    analyser: AnalyserFactory
    needs_mask: bool                     # the segmentation mask feeds one of its proxies
    panel: Panel
    angle_series: tuple[str, ...]        # angles charted; "{side}" / "{other}" filled in
    chart_events: str                    # how the angles chart marks events (caption)
    charts: tuple[str, ...] = ()         # extra report charts by name ("swings", "reps")
    timeline_title: str = "Timeline"
    progression: tuple[ProgressionMetric, ...] = ()
    # Summary -> the clause after "Good form: N events" in a good verdict ("" for none).
    good_detail: Callable[[Any], str] = lambda summary: ""

    def create(self, config: ExerciseConfig | None = None, *,
               arbiter: CueArbiter | None = None) -> ExerciseAnalyser:
        return self.analyser(config or ExerciseConfig(), arbiter=arbiter)

    @property
    def events_name(self) -> str:
        """The result's / report's list that holds its events: holds, swings or reps."""
        return self.event_type.list_name

    def count_phrase(self, n: int) -> str:
        return f"{n} {self.event_noun[0] if n == 1 else self.event_noun[1]}"

    def summary_fields(self) -> tuple[FieldDef, ...]:
        return self.summary_type.field_defs()

    def event_fields(self) -> tuple[FieldDef, ...]:
        return self.event_type.field_defs()

    def angles_for(self, side: str) -> list[str]:
        other = "right" if side == "left" else "left"
        return [a.format(side=side, other=other) for a in self.angle_series]
