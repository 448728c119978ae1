"""Progress of one set toward its targets (`thresholds.Targets`): "18 of 30 s", "2 of 3 holds".

Pure data in, data out: it reads the exercise's summary (the same keys in an
`ExerciseResult` and in report.json), so the verdict, the result pages and the
terminal all judge a set against the same numbers. The targets a report was made with
are in its settings (`settings.exercises.targets`); `targets_of` reads them back.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from posecoach.exercises.thresholds import Targets


@dataclass(frozen=True)
class Progress:
    """One target line: `label` "Longest hold", `text` "18 of 30 s", `met`, `share` 0..1."""

    key: str
    label: str
    text: str
    met: bool
    share: float


@dataclass(frozen=True)
class TargetCheck:
    """All target lines of a set. `met` is the one the verdict depends on (hold length,
    swing or rep count); `short_of` says what to do when it is not ("hold longer")."""

    items: tuple[Progress, ...]
    met: bool
    short_of: str
    next_step: str
    summary: str = ""          # the main line as a phrase: "longest hold 4 of 30 s"

    @property
    def headline(self) -> str:
        """The verdict's sentence when form was good but the target not met."""
        return f"Good form, {self.short_of}: {self.summary or self.main.text}."

    @property
    def main(self) -> Progress:
        return self.items[0]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _share(done: float, target: float) -> float:
    return 1.0 if target <= 0 else max(0.0, min(done / target, 1.0))


def _leg(side: Any) -> str:
    return f" with the {side} leg" if side in ("left", "right") else ""


def _origin_stretch(summary: Mapping[str, Any], side: Any, t: Targets) -> TargetCheck:
    longest = _num(summary.get("longest_hold_s")) or 0.0
    holds = int(_num(summary.get("holds")) or 0)
    hold_met = longest >= t.hold_s
    items = (Progress("hold_s", "Longest hold", f"{longest:.0f} of {t.hold_s:.0f} s", hold_met,
                      _share(longest, t.hold_s)),
             Progress("holds", "Holds" + (f" with the {side} leg forward" if side in ("left", "right") else ""),
                      f"{holds} of {t.holds_per_leg} holds",
                      holds >= t.holds_per_leg, _share(holds, t.holds_per_leg)))
    if not hold_met:
        step = f"Next time, hold the stretch for {t.hold_s:.0f} s, breathing slowly."
    elif holds < t.holds_per_leg:
        more = t.holds_per_leg - holds
        step = (f"Do {more} more {t.hold_s:.0f} s {_plural(more, 'hold', 'holds')} on this leg, "
                "then switch legs.")
    else:
        step = "Well done: switch to the other leg, or film the other side to compare them."
    return TargetCheck(items, hold_met, "hold longer", step,
                       f"{holds} {_plural(holds, 'hold', 'holds')}, the longest {items[0].text}")


def _leg_swing(summary: Mapping[str, Any], side: Any, t: Targets) -> TargetCheck:
    by_side = summary.get("swings_by_side")
    count = _num(by_side.get(side)) if isinstance(by_side, Mapping) and side in by_side else None
    n = int(count if count is not None else (_num(summary.get("swings")) or 0))
    amps = [a for a in (summary.get("amplitudes_deg") or []) if _num(a) is not None]
    count_met = n >= t.swings_per_leg_min
    items = [Progress("swings", f"Swings{_leg(side)}",
                      f"{n} of {t.swings_per_leg_min}-{t.swings_per_leg_max} swings", count_met,
                      _share(n, t.swings_per_leg_min))]
    if amps:
        best, last = max(amps), amps[-1]
        full = best > 0 and last >= t.full_range_share * best and len(amps) >= 3
        text = "reached" if full else f"last swing {last:.0f}° of your best {best:.0f}°"
        items.append(Progress("range", "Full range", text, full, _share(last, best or 1.0)))
    if not count_met:
        step = (f"Next time, swing {t.swings_per_leg_min}-{t.swings_per_leg_max} times with each leg, "
                "starting small and building up to full range.")
    elif n > t.swings_per_leg_max:
        step = (f"That is more than a set: {t.swings_per_leg_min}-{t.swings_per_leg_max} swings per leg "
                "are enough before a run.")
    else:
        step = "Good set: now swing the other leg the same number of times."
    return TargetCheck(tuple(items), count_met, "do more swings", step,
                       f"{n} {_plural(n, 'swing', 'swings')} of {t.swings_per_leg_min}-{t.swings_per_leg_max}"
                       + _leg(side))


def _curl_hip_lift(summary: Mapping[str, Any], side: Any, t: Targets) -> TargetCheck:
    n = int(_num(summary.get("reps")) or 0)
    met = n >= t.reps_min
    items = [Progress("reps", f"Reps{_leg(side)}", f"{n} of {t.reps_min}-{t.reps_max} reps", met,
                      _share(n, t.reps_min))]
    lifted = _num(summary.get("reps_with_hip_lift"))
    if lifted is not None and n:
        items.append(Progress("reps_with_hip_lift", "Reps with a thigh lift", f"{lifted:.0f} of {n} reps",
                              lifted >= n, _share(lifted, n)))
    if not met:
        step = f"Next time, do a set of {t.reps_min}-{t.reps_max} slow reps, then switch legs."
    else:
        step = "Good set: do the same with the other leg."
    return TargetCheck(tuple(items), met, "do more reps", step,
                       f"{n} {_plural(n, 'rep', 'reps')} of {t.reps_min}-{t.reps_max}" + _leg(side))


_CHECKS = {"origin-stretch": _origin_stretch, "leg-swing": _leg_swing, "curl-hip-lift": _curl_hip_lift}


def check_targets(exercise: str, summary: Mapping[str, Any], working_side: Any,
                  targets: Targets | None = None) -> TargetCheck | None:
    """The set's progress toward its targets; None for an exercise without targets."""
    check = _CHECKS.get(exercise)
    if check is None or not isinstance(summary, Mapping):
        return None
    return check(summary, working_side, targets or Targets())


def targets_of(report: Mapping[str, Any]) -> Targets:
    """The targets a report was made with (its settings), defaults where it has none."""
    settings = report.get("settings")
    exercises = settings.get("exercises") if isinstance(settings, Mapping) else None
    stored = exercises.get("targets") if isinstance(exercises, Mapping) else None
    if not isinstance(stored, Mapping):
        return Targets()
    known = {f.name: f.type for f in dataclasses.fields(Targets)}
    values: dict[str, Any] = {}
    for name, value in stored.items():
        if name in known and _num(value) is not None:
            default = getattr(Targets(), name)
            values[name] = type(default)(value)
    return Targets(**values)


def check_report(report: Mapping[str, Any]) -> TargetCheck | None:
    summary = report.get("summary")
    return check_targets(str(report.get("exercise", "")), summary if isinstance(summary, Mapping) else {},
                         report.get("working_side"), targets_of(report))
