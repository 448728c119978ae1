"""Progression charts for the History page, rendered server-side as PNG.

One panel per tracked quantity, sessions evenly spaced left to right (oldest first)
and labelled with their date, so a week's gap and a minute's gap read the same way;
per-leg metrics (`..._left_...` / `..._right_...`) share a panel, one line per leg.
Uses matplotlib's object API (Figure + Agg canvas, no pyplot), so request threads never
share global figure state.
"""

from __future__ import annotations

import io
import time

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from posecoach.history import SIDES, Metric, Progression
from posecoach.web.settings import exercise_label

_COLOURS = {"left": "#2a7de1", "right": "#e1662a", "": "#3a3a3a"}
MAX_TICKS = 10


def _panels(metrics: tuple[Metric, ...]) -> list[tuple[str, str, list[tuple[str, Metric]]]]:
    """(title, unit, [(side or "", metric)]) with the two legs of a metric in one panel."""
    panels: dict[str, tuple[str, str, list[tuple[str, Metric]]]] = {}
    for m in metrics:
        side = next((s for s in SIDES if f"_{s}_" in m.key), "")
        group = m.key.replace(f"_{side}_", "_") if side else m.key
        title = m.label.replace(f", {side} leg", "") if side else m.label
        panels.setdefault(group, (title, m.unit, []))[2].append((side, m))
    return list(panels.values())


def progression_png(progression: Progression) -> bytes:
    panels = _panels(progression.metrics)
    n = max(len(panels), 1)
    fig = Figure(figsize=(8.0, 2.2 * n + 0.8), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(f"{exercise_label(progression.exercise)}: progress per session", fontsize=12)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    sessions = progression.sessions
    if not panels or not sessions:
        axes[0].text(0.5, 0.5, "no sessions yet", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
    for ax, (title, unit, lines) in zip(axes, panels):
        drawn = False
        for side, metric in lines:
            points = [(i, s.metrics.get(metric.key)) for i, s in enumerate(sessions)]
            points = [(i, v) for i, v in points if v is not None]
            if points:
                drawn = True
                ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", linewidth=1.5,
                        color=_COLOURS[side], label=f"{side} leg" if side else None)
        if not drawn:
            ax.text(0.5, 0.5, "not measured yet", ha="center", va="center", transform=ax.transAxes,
                    color="#777777")
        if any(side for side, _ in lines) and drawn:
            ax.legend(loc="best", fontsize=8)
        ax.set_ylabel(unit or "count")
        ax.set_title(title, fontsize=10, loc="left")
        ax.grid(True, alpha=0.3)
    if sessions:
        step = max(1, -(-len(sessions) // MAX_TICKS))
        ticks = list(range(0, len(sessions), step))
        axes[-1].set_xticks(ticks, [time.strftime("%d %b\n%H:%M", time.localtime(sessions[i].created_at))
                                    for i in ticks], fontsize=8)
        axes[-1].set_xlim(-0.5, len(sessions) - 0.5)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
