"""Progression charts for the History page: server-rendered SVG, readable on a phone.

One panel per tracked quantity, sessions evenly spaced left to right (oldest first) and
labelled with their date, so a week's gap and a minute's gap read the same way; the two
legs of a per-leg metric (`..._left_...` / `..._right_...`) share a panel, one line each.
Each panel is drawn in a 360-unit wide viewBox with 12-unit text: scaled to a 390 px
phone the text stays about 12 px. Only assessable sessions are in a Progression, so a
clip that could not be judged is never drawn as a 0 s hold.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from posecoach.history import SIDES, Metric, Progression
from posecoach.presentation import metric_value, unit_suffix

COLOURS = {"left": "#2a7de1", "right": "#d9531e", "": "#1d232b"}
DASHES = {"left": "", "right": "6 3", "": ""}
WIDTH, HEIGHT = 360, 190
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 40
MAX_TICKS = 5
Y_LABEL = {"s": "time (s)", "deg": "angle (°)"}


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    lines: tuple[tuple[str, Metric], ...]      # (side or "", metric)


def panels(metrics: tuple[Metric, ...]) -> list[Panel]:
    """The two legs of a metric in one panel."""
    found: dict[str, tuple[str, str, list[tuple[str, Metric]]]] = {}
    for m in metrics:
        side = next((s for s in SIDES if f"_{s}_" in m.key), "")
        group = m.key.replace(f"_{side}_", "_") if side else m.key
        title = m.label.replace(f", {side} leg", "") if side else m.label
        found.setdefault(group, (title, m.unit, []))[2].append((side, m))
    return [Panel(title, unit, tuple(lines)) for title, unit, lines in found.values()]


def _nice_range(values: list[float]) -> tuple[float, float, list[float]]:
    lo, hi = min(values + [0.0]), max(values)
    hi = hi if hi > lo else lo + 1.0
    raw = (hi - lo) / 4
    step = next(s * 10 ** e for e in range(-1, 5) for s in (1, 2, 2.5, 5) if s * 10 ** e >= raw)
    lo = step * (lo // step)
    top = step * -(-hi // step)
    ticks = [lo + i * step for i in range(int(round((top - lo) / step)) + 1)]
    return lo, top, ticks


def panel_svg(panel: Panel, progression: Progression) -> dict[str, Any]:
    """Coordinates for one panel (templates/chart.svg.html draws them)."""
    sessions = progression.sessions
    n = len(sessions)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(i: int) -> float:
        return round(LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1)), 1)

    series = []
    values: list[float] = []
    for side, metric in panel.lines:
        pts = [(i, v) for i, s in enumerate(sessions) if (v := s.metrics.get(metric.key)) is not None]
        values += [v for _, v in pts]
        series.append((side, metric, pts))
    if not values:
        return {"title": panel.title, "empty": True, "width": WIDTH, "height": 60}
    lo, hi, yticks = _nice_range(values)

    def y_of(v: float) -> float:
        return round(TOP + plot_h * (1 - (v - lo) / (hi - lo)), 1)

    lines = []
    for side, metric, pts in series:
        if not pts:
            continue
        lines.append({"side": side, "colour": COLOURS[side], "dash": DASHES[side],
                      "label": f"{side} leg" if side else metric.label,
                      "points": " ".join(f"{x_of(i)},{y_of(v)}" for i, v in pts),
                      "dots": [{"x": x_of(i), "y": y_of(v), "title": f"{_date(sessions[i].created_at)}: "
                                f"{metric_value(metric.unit, v)}"} for i, v in pts]})
    step = max(1, -(-n // MAX_TICKS))
    shown = list(range(0, n, step))
    xticks = [{"x": x_of(i), "label": time.strftime("%d %b", time.localtime(sessions[i].created_at)),
               "anchor": "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"}
              for i in shown]
    suffix = unit_suffix(panel.unit)
    return {"title": panel.title + (f" ({suffix})" if suffix else ""), "empty": False,
            "width": WIDTH, "height": HEIGHT, "lines": lines, "legend": len(lines) > 1 or any(
                line["side"] for line in lines),
            "yticks": [{"y": y_of(v), "label": f"{v:g}"} for v in yticks], "xticks": xticks,
            "left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM,
            "x_label": "session date", "y_label": Y_LABEL.get(panel.unit, "count")}


def _date(epoch: float) -> str:
    return time.strftime("%d %b %H:%M", time.localtime(epoch))


def progression_charts(progression: Progression) -> list[dict[str, Any]]:
    return [panel_svg(p, progression) for p in panels(progression.metrics)]
