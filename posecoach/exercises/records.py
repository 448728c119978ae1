"""Typed records an analyser hands to the rest of PoseCoach: the events of a set (Hold,
Swing, Rep), the set's summary and the live counters of one frame.

All are frozen dataclasses. Each field says what it measures (`described(...)`), so the
report, the result page and the terminal label a number from the field that holds it,
and `to_dict()` gives the JSON of report.json (field order = column order). A value that
could not be measured is None, never NaN.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np


def json_safe(value: Any) -> Any:
    """Plain JSON types: NaN/inf -> None, numpy -> Python, tuples -> lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_safe(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


def opt(value: float, ndigits: int = 2) -> float | None:
    """A metric for a result: rounded, or None when not measurable."""
    f = float(value)
    return round(f, ndigits) if math.isfinite(f) else None


def described(what: str, label: str = "") -> Any:
    """A dataclass field that says what it measures (and its short label, if not the key's)."""
    return field(metadata={"what": what, "label": label})


@dataclass(frozen=True)
class FieldDef:
    """One number of a record: its key (unit in the suffix), short label and meaning."""

    key: str
    label: str
    what: str

    @property
    def unit(self) -> str:
        for suffix, unit in (("_deg_per_swing", "°/swing"), ("_deg", "°"), ("_s", "s")):
            if self.key.endswith(suffix):
                return unit
        return ""


@dataclass(frozen=True)
class Record:
    """Base of every typed record: JSON-safe `to_dict()` and field definitions."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = json_safe({f.name: getattr(self, f.name)
                                         for f in dataclasses.fields(self)})
        return out

    @classmethod
    def field_defs(cls) -> tuple[FieldDef, ...]:
        return tuple(FieldDef(f.name, f.metadata.get("label") or f.name.replace("_", " "),
                              f.metadata.get("what", "")) for f in dataclasses.fields(cls))

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))


# ---------------------------------------------------------------- events
@dataclass(frozen=True)
class Event(Record):
    """One hold, swing or rep. `span_s` is the stretch of time it covers (for charts)."""

    list_name: ClassVar[str] = ""          # its list in the result and in report.json

    def span_s(self) -> tuple[float | None, float | None]:
        raise NotImplementedError


@dataclass(frozen=True)
class Hold(Event):
    """One held hinge of the origin stretch."""

    list_name: ClassVar[str] = "holds"

    start_s: float | None = described("when the hold began (bounds timed from the movements around it)")
    end_s: float | None = described("when the hold ended")
    duration_s: float | None = described("how long the position was held", "hold")
    good_form_s: float | None = described("time of the hold without a form fault", "good form")
    max_trunk_inclination_deg: float | None = described(
        "deepest trunk lean from vertical during the hold", "hinge depth")
    max_hip_flexion_deg: float | None = described("largest hip flexion during the hold", "hip flexion")
    knee_flexion_deg: float | None = described(
        "median knee flexion of the stretched leg during the hold", "knee bend")
    bounced: bool = described("whether the hold bounced (repeated small dips)")

    def span_s(self) -> tuple[float | None, float | None]:
        return self.start_s, self.end_s


@dataclass(frozen=True)
class Swing(Event):
    """One forward-and-back leg swing (forward peak, then the backward peak after it)."""

    list_name: ClassVar[str] = "swings"

    swing: int = described("swing number, from 1")
    side: str | None = described("the swinging leg (label at the forward peak)")
    start_s: float | None = described("when the swing began (the backward peak before it)")
    forward_peak_t_s: float | None = described("time of the forward peak", "forward peak at")
    forward_peak_deg: float | None = described("thigh angle from vertical at the forward peak",
                                               "forward peak")
    backward_peak_t_s: float | None = described("time of the backward peak", "backward peak at")
    backward_peak_deg: float | None = described("thigh angle from vertical at the backward peak",
                                                "backward peak")
    amplitude_deg: float | None = described("forward minus backward thigh angle", "arc")
    hip_amplitude_deg: float | None = described("the same arc measured against the trunk line",
                                                "hip arc")
    trunk_sway_deg: float | None = described("trunk lean that moved with the thigh", "trunk sway")
    stance_knee_deg: float | None = described("median knee flexion of the standing leg",
                                              "standing knee")

    def span_s(self) -> tuple[float | None, float | None]:
        a, b = self.backward_peak_t_s, self.forward_peak_t_s
        if a is None or b is None:
            return a, b
        return min(a, b), max(a, b)


@dataclass(frozen=True)
class Rep(Event):
    """One prone curl followed by a thigh lift."""

    list_name: ClassVar[str] = "reps"

    rep: int = described("rep number, from 1")
    side: str | None = described("the curling leg")
    start_s: float | None = described("when the curl began")
    end_s: float | None = described("when the leg was back down")
    duration_s: float | None = described("time from start to end (tempo)", "tempo")
    peak_t_s: float | None = described("time of the highest curl", "peak at")
    peak_knee_flexion_deg: float | None = described("largest knee flexion of the rep", "curl")
    peak_hip_extension_deg: float | None = described(
        "largest hip extension behind the trunk line", "hip extension")
    peak_thigh_lift_deg: float | None = described(
        "largest thigh elevation above the resting thigh line", "thigh lift")
    peak_pelvis_rise_deg: float | None = described("largest rise of the hips (trunk-line tilt)",
                                                   "pelvis rise")
    pelvis_rise_at_lift_deg: float | None = described("pelvis rise at the highest thigh lift",
                                                      "pelvis rise at lift")

    def span_s(self) -> tuple[float | None, float | None]:
        return self.start_s, self.end_s


EVENT_TYPES: tuple[type[Event], ...] = (Hold, Swing, Rep)


# ---------------------------------------------------------------- summary and live counters
@dataclass(frozen=True)
class Summary(Record):
    """The metrics of a whole set; each exercise defines its own fields."""


@dataclass(frozen=True)
class LiveCounters(Record, Mapping[str, float]):
    """The live numbers of one frame; each exercise defines its own fields (floats).

    Also a read-only mapping key -> value, for generic consumers (JSON, CSV, HUD)."""

    def __getitem__(self, key: str) -> float:
        if key not in self.field_names():
            raise KeyError(key)
        value: float = getattr(self, key)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self.field_names())

    def __len__(self) -> int:
        return len(self.field_names())

    def cleaned(self) -> LiveCounters:
        """The same counters with every unmeasurable value as 0.0 (never NaN on screen)."""
        bad = {k: 0.0 for k in self.field_names()
               if not (isinstance(v := getattr(self, k), (int, float)) and math.isfinite(v))}
        return dataclasses.replace(self, **bad) if bad else self

