"""Progression charts for the History page, rendered server-side as PNG.

Uses matplotlib's object API (Figure + Agg canvas, no pyplot), so request threads
never share global figure state.
"""

from __future__ import annotations

import io
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from posecoach.history import Progression
from posecoach.web.settings import exercise_label

_COLOURS = {"left": "#2a7de1", "right": "#e1662a"}


def progression_png(progression: Progression) -> bytes:
    metrics = progression.metrics
    n = max(len(metrics), 1)
    fig = Figure(figsize=(8.0, 2.3 * n + 0.6), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    fig.suptitle(f"{exercise_label(progression.exercise)}: progress per session", fontsize=12)
    axes = fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0]
    when = [datetime.fromtimestamp(s.created_at) for s in progression.sessions]
    if not metrics or not progression.sessions:
        axes[0].text(0.5, 0.5, "no sessions yet", ha="center", va="center", transform=axes[0].transAxes)
        axes[0].set_axis_off()
    for ax, metric in zip(axes, metrics):
        values = [s.metrics.get(metric.key) for s in progression.sessions]
        points = [(t, v) for t, v in zip(when, values) if v is not None]
        side = next((s for s in _COLOURS if f"_{s}_" in metric.key), None)
        colour = _COLOURS.get(side or "", "#3a3a3a")
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", color=colour, linewidth=1.5)
        else:
            ax.text(0.5, 0.5, "not measured yet", ha="center", va="center", transform=ax.transAxes,
                    color="#777777")
        ax.set_ylabel(metric.unit or "count")
        ax.set_title(metric.label, fontsize=10, loc="left")
        ax.grid(True, alpha=0.3)
    if progression.sessions:
        locator = AutoDateLocator()
        axes[-1].xaxis.set_major_locator(locator)
        axes[-1].xaxis.set_major_formatter(ConciseDateFormatter(locator))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()
