"""What the Result page shows, built from a report dict through `posecoach.presentation`
(the same texts report.html uses). Defensive throughout: a report missing a section
shows less, never an error page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecoach.history import Session, SideBySide, compare, side_by_side
from posecoach.presentation import Change, ResultText, clock, number, result_text, timeline_lanes
from posecoach.exercises import title_of

# The timeline is drawn in a 360-unit wide viewBox: scaled to a phone's width its 12-unit
# text stays about 12 px, and on a desktop the card caps its width.
WIDTH = 360
LANE = 34


def timeline(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """`presentation.timeline_lanes` in viewBox units, with time ticks."""
    lanes = timeline_lanes(report)
    if not lanes:
        return None
    inp = report.get("input") if isinstance(report.get("input"), Mapping) else {}
    ends = [s.end_s for lane in lanes for s in lane.spans]
    duration = max(number(inp.get("duration_s")) or 0.0, max(ends), 0.1)
    step = next((s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if duration / s <= 6), 1200)
    ticks = [{"x": round(WIDTH * i * step / duration, 1), "label": clock(i * step).removesuffix(".0")}
             for i in range(int(duration / step) + 1)]
    rows = [{"label": lane.label, "kind": lane.kind, "y": i * LANE,
             "bars": [{"x": round(WIDTH * s.left, 1), "w": round(max(WIDTH * s.width, 3.0), 1),
                       "start_s": round(s.start_s, 2), "title": s.title} for s in lane.spans]}
            for i, lane in enumerate(lanes)]
    height = len(rows) * LANE
    return {"lanes": rows, "ticks": ticks, "height": height + 22, "axis_y": height, "width": WIDTH,
            "duration": clock(duration)}


@dataclass(frozen=True)
class Comparison:
    when: str                     # "3 Dec 09:12"
    url: str
    changes: tuple[Change, ...]


def comparison(session: Session | None, previous: Session | None, when: str) -> Comparison | None:
    if session is None or previous is None:
        return None
    changes = tuple(compare(session, previous))
    return Comparison(when, f"/results/{previous.id}", changes) if changes else None


def result_view(report: Mapping[str, Any], files: Mapping[str, Any], *, session: Session | None = None,
                previous: Session | None = None, previous_when: str = "",
                other_side: Session | None = None) -> dict[str, Any]:
    text: ResultText = result_text(report, title_of(str(report.get("exercise", ""))))
    sides: Sequence[SideBySide] = side_by_side(session, other_side) if session is not None else []
    return {"text": text, "timeline": timeline(report), "files": files,
            "compared": comparison(session, previous, previous_when),
            "sides": list(sides), "other_side_url": f"/results/{other_side.id}" if other_side else None,
            "suggested": ({"id": str(report["suggested_exercise"]),
                           "label": title_of(str(report["suggested_exercise"]))}
                          if report.get("suggested_exercise") else None)}
