"""Report charts as PNG bytes, drawn with matplotlib's Agg canvas directly (no pyplot,
so no global figure state and no GUI backend).

Every chart function takes the analysis and returns a `Chart` (name, title, caption,
PNG bytes) or None when it has nothing to show; `make_charts` picks the ones that fit
the exercise.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from posecoach.exercises import find_spec
from posecoach.kinematics import ANGLE_INDEX
from posecoach.presentation import fault_label
from posecoach.results import ClipAnalysis

DPI = 100
GOOD, FIX, STOP, NEUTRAL, GREY = "#28a745", "#ff8c00", "#e03c32", "#3b82f6", "#9aa0a6"
FAULT_PALETTE = ("#e03c32", "#c2185b", "#8e24aa", "#d35400", "#6d4c41", "#b71c1c")
ANGLE_COLOURS = {"trunk_inclination": "#374151", "hip_flexion": "#2563eb", "knee_flexion": "#d97706",
                 "thigh_angle": "#059669"}
ANGLE_LABELS = {"trunk_inclination": "upper-body lean", "hip_flexion": "hip bend",
                "knee_flexion": "knee bend", "thigh_angle": "thigh (+ in front, − behind)"}
# 7 in at 100 dpi with 12 pt text: scaled to a 390 px phone the text stays about 8-9 px.
WIDTH_IN, FONT_PT = 7.0, 12


@dataclass(frozen=True)
class Chart:
    name: str       # file name under plots/
    title: str
    caption: str
    png: bytes


def _png(fig: Figure) -> bytes:
    # zlib level 1: a third of the encoding time of the default for ~20 % larger files.
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, pil_kwargs={"compress_level": 1})  # type: ignore[no-untyped-call]
    return buf.getvalue()


def _figure(height_in: float = 3.4) -> tuple[Figure, Any]:
    fig = Figure(figsize=(WIDTH_IN, height_in), dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    ax.tick_params(labelsize=FONT_PT - 1)
    ax.xaxis.label.set_fontsize(FONT_PT)
    ax.yaxis.label.set_fontsize(FONT_PT)
    ax.grid(True, color="#e5e7eb", linewidth=0.8)
    ax.set_axisbelow(True)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    return fig, ax


def _side(analysis: ClipAnalysis) -> str:
    return analysis.result.working_side or analysis.near_side or "left"


def _angle_series(analysis: ClipAnalysis) -> list[str]:
    spec, side = find_spec(analysis.exercise), _side(analysis)
    if spec is not None:
        return spec.angles_for(side)
    return ["trunk_inclination", f"hip_flexion_{side}", f"knee_flexion_{side}"]


def _noun(analysis: ClipAnalysis) -> str:
    spec = find_spec(analysis.exercise)
    return spec.event_noun[1] if spec is not None else "events"


def _time_and_angles(analysis: ClipAnalysis) -> tuple[np.ndarray, np.ndarray]:
    t = np.array([s.t_s for s in analysis.samples], dtype=float)
    a = np.array([s.angles for s in analysis.samples], dtype=float).reshape(len(t), -1)
    return t, a


def _fault_colours(codes: Sequence[str]) -> dict[str, str]:
    return {c: FAULT_PALETTE[i % len(FAULT_PALETTE)] for i, c in enumerate(sorted(set(codes)))}


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def angles_chart(analysis: ClipAnalysis) -> Chart | None:
    t, a = _time_and_angles(analysis)
    if t.size == 0 or not np.isfinite(a).any():
        return None
    result = analysis.result
    fig, ax = _figure(4.2)
    plotted = 0
    for name in _angle_series(analysis):
        y = a[:, ANGLE_INDEX[name]]
        if not np.isfinite(y).any():
            continue
        base = name.rsplit("_", 1)[0] if name != "trunk_inclination" else name
        side = name.rsplit("_", 1)[1] if name != "trunk_inclination" else ""
        dashed = side not in ("", _side(analysis))
        ax.plot(t, y, color=ANGLE_COLOURS.get(base, "#111"), linewidth=1.2 if dashed else 1.8,
                linestyle="--" if dashed else "-",
                label=f"{ANGLE_LABELS.get(base, base)}{' (' + side + ')' if side else ''}")
        plotted += 1
    if not plotted:
        return None
    for h in result.holds:
        s, e = _num(h.start_s), _num(h.end_s)
        if s is not None and e is not None:
            ax.axvspan(s, e, color=GOOD, alpha=0.12, linewidth=0)
    for r in result.reps:
        s, e = _num(r.start_s), _num(r.end_s)
        if s is not None and e is not None:
            ax.axvspan(s, e, color=NEUTRAL, alpha=0.10, linewidth=0)
    for sw in result.swings:
        tp = _num(sw.forward_peak_t_s)
        if tp is not None:
            ax.axvline(tp, color=NEUTRAL, alpha=0.5, linewidth=0.8)
    colours = _fault_colours([f.code for f in result.faults])
    for f in result.faults:
        ax.axvspan(f.start_s, max(f.end_s, f.start_s + 0.05), ymin=0.93, ymax=1.0,
                   color=colours[f.code], alpha=0.85, linewidth=0)
        ax.axvspan(f.start_s, max(f.end_s, f.start_s + 0.05), color=colours[f.code], alpha=0.07,
                   linewidth=0)
    for c in result.conditions:
        ax.axvspan(c.start_s, max(c.end_s, c.start_s + 0.05), ymin=0.0, ymax=0.05, color=GREY,
                   alpha=0.9, linewidth=0)
    handles, labels = ax.get_legend_handles_labels()
    from matplotlib.patches import Patch

    for code, colour in colours.items():
        handles.append(Patch(color=colour, alpha=0.85))
        labels.append(fault_label(code))
    ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2,
              fontsize=FONT_PT - 2, frameon=False)
    ax.set_xlim(float(t[0]), float(max(t[-1], t[0] + 0.1)))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("angle (°)")
    spec = find_spec(analysis.exercise)
    events = spec.chart_events if spec is not None else "events marked"
    caption = (f"Your joint angles over time; {events}; form faults shaded "
               f"(coloured bar at the top); filming problems as a grey bar at the bottom.")
    return Chart("angles.png", "Angles over time", caption, _png(fig))


def _runs(values: Sequence[Any]) -> list[tuple[int, int, Any]]:
    """(start index, end index exclusive, value) of runs of equal values."""
    out: list[tuple[int, int, Any]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i, values[start]))
            start = i
    return out


def _holds_only(analysis: ClipAnalysis) -> bool:
    """Whether good form counts only inside the events (an exercise of holds: its totals do)."""
    spec = find_spec(analysis.exercise)
    return spec is not None and spec.events_name == "holds"


def _form_states(analysis: ClipAnalysis, t: np.ndarray, ends: np.ndarray) -> list[bool | None]:
    """Per frame: good form (True), needs fixing (False) or not judged (None). A frame inside
    a fault span is never good form, whatever the per-frame state said, so the good-form lane
    cannot be green under a red fault; for the stretch only frames inside holds count, as in
    "total good form" (the sum over holds)."""
    form = [None if f is None else f.good_form for f in analysis.feedback][:len(t)]
    form += [None] * (len(t) - len(form))
    result = analysis.result
    holds = [(s, e) for s, e in (h.span_s() for h in result.holds) if s is not None and e is not None]
    for i, (start, end) in enumerate(zip(t, ends)):
        if form[i] is None:
            continue
        if any(f.start_s < end and f.end_s > start for f in result.faults):
            form[i] = False
        elif _holds_only(analysis) and not any(s <= start < e for s, e in holds):
            form[i] = None
    return form


def timeline_chart(analysis: ClipAnalysis) -> Chart | None:
    """Form state per frame, events, each fault and the recording problems as rows."""
    t = np.array([s.t_s for s in analysis.samples], dtype=float)
    if t.size < 2:
        return None
    dt = float(np.median(np.diff(t))) if t.size > 1 else 0.033
    ends = np.append(t[1:], t[-1] + dt)
    result = analysis.result
    rows: list[tuple[str, list[tuple[float, float]], Any]] = []
    form = _form_states(analysis, t, ends)
    for value, colour in ((True, GOOD), (False, FIX)):
        spans = [(t[i], ends[j - 1] - t[i]) for i, j, v in _runs(form) if v is value]
        rows.append(("good form" if value else "fix form", spans, colour))
    events = [e.span_s() for e in (*result.holds, *result.reps, *result.swings)]
    spans = []
    for s, e in events:
        s, e = _num(s), _num(e)
        if s is not None and e is not None:
            spans.append((min(s, e), max(abs(e - s), dt)))
    rows.append((_noun(analysis), spans, NEUTRAL))
    colours = _fault_colours([f.code for f in result.faults])
    for code in colours:
        rows.append((fault_label(code), [(f.start_s, max(f.end_s - f.start_s, dt))
                                         for f in result.faults if f.code == code], colours[code]))
    for code in sorted({c.code for c in result.conditions}):
        rows.append((fault_label(code), [(c.start_s, max(c.end_s - c.start_s, dt))
                                              for c in result.conditions if c.code == code], GREY))
    fig, ax = _figure(1.2 + 0.45 * len(rows))
    for i, (_, spans, colour) in enumerate(rows):
        if spans:
            ax.broken_barh(spans, (i - 0.35, 0.7), facecolors=colour, linewidth=0)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=FONT_PT - 1)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(float(t[0]), float(ends[-1]))
    ax.set_xlabel("time (s)")
    spec = find_spec(analysis.exercise)
    title = spec.timeline_title if spec is not None else "Timeline"
    caption = ("When form was good (green) or needed fixing (orange), the "
               f"{_noun(analysis)}, each fault and any filming problem. "
               "Good form is counted only where no fault is found"
               + (" and only inside holds, as in the totals." if _holds_only(analysis) else "."))
    return Chart("timeline.png", title, caption, _png(fig))


def swings_chart(analysis: ClipAnalysis) -> Chart | None:
    amps = [_num(s.amplitude_deg) for s in analysis.result.swings]
    pts = [(i + 1, a) for i, a in enumerate(amps) if a is not None]
    if not pts:
        return None
    x = np.array([p[0] for p in pts], dtype=float)
    y = np.array([p[1] for p in pts], dtype=float)
    fig, ax = _figure(3.0)
    ax.bar(x, y, color=NEUTRAL, width=0.65, label="thigh arc")
    caption = "Front-to-back arc of the swinging thigh, per swing"
    if len(pts) >= 2:
        slope, intercept = np.polyfit(x, y, 1)
        word = "grows" if slope >= 0 else "shrinks"
        ax.plot(x, slope * x + intercept, color=FIX, linewidth=2.0,
                label=f"trend: {word} {abs(slope):.1f}° per swing")
        caption += f"; the trend line {word} {abs(slope):.1f}° per swing"
        ax.legend(loc="upper left", fontsize=FONT_PT - 2, frameon=False)
    ax.set_xticks(x)
    ax.set_xlabel("swing")
    ax.set_ylabel("thigh arc (°)")
    return Chart("swings.png", "Swing amplitude", caption + ".", _png(fig))


def reps_chart(analysis: ClipAnalysis) -> Chart | None:
    """Knee range of each rep (lowest to highest flexion within the rep) and the thigh lift."""
    reps = analysis.result.reps
    if not reps:
        return None
    t, a = _time_and_angles(analysis)
    knee = a[:, ANGLE_INDEX[f"knee_flexion_{_side(analysis)}"]] if t.size else np.array([])
    lows, highs, lifts = [], [], []
    for r in reps:
        s, e = _num(r.start_s), _num(r.end_s)
        peak = _num(r.peak_knee_flexion_deg)
        inside = knee[(t >= s) & (t <= e)] if s is not None and e is not None and t.size else knee[:0]
        inside = inside[np.isfinite(inside)]
        lows.append(float(inside.min()) if inside.size else 0.0)
        highs.append(peak if peak is not None else (float(inside.max()) if inside.size else 0.0))
        lifts.append(_num(r.peak_hip_extension_deg))
    x = np.arange(1, len(reps) + 1, dtype=float)
    fig, ax = _figure(3.0)
    ax.bar(x, np.array(highs) - np.array(lows), bottom=lows, color="#d97706", width=0.6,
           label="knee bend range")
    for xi, hi, lift in zip(x, highs, lifts):
        if lift is not None:
            ax.annotate(f"lift {max(lift, 0.0):.0f}°", (xi, hi), textcoords="offset points", xytext=(0, 3),
                        ha="center", fontsize=FONT_PT - 2)
    ax.set_xticks(x)
    ax.set_xlabel("rep")
    ax.set_ylabel("knee bend (°)")
    ax.set_ylim(0, max(max(highs) * 1.15, 10.0))
    caption = ("Knee bend of each rep, from its lowest to its highest; the number "
               "above is how far the thigh lifted off the floor after the curl.")
    return Chart("reps.png", "Rep ranges", caption, _png(fig))


# Extra charts an exercise spec can ask for, by name.
EXTRA_CHARTS = {"swings": swings_chart, "reps": reps_chart}


def make_charts(analysis: ClipAnalysis) -> list[Chart]:
    """The angles and timeline charts, plus the extra charts of the exercise's spec."""
    spec = find_spec(analysis.exercise)
    makers = [angles_chart, timeline_chart]
    makers += [EXTRA_CHARTS[name] for name in (spec.charts if spec is not None else ())]
    charts = [m(analysis) for m in makers]
    return [c for c in charts if c is not None]
