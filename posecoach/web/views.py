"""Turning a report dict into what the Result page shows. Defensive throughout: a report
missing a section shows less, never an error page."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from posecoach.web.settings import exercise_label

_STATUS_CLASS = {"good": "good", "ok": "good", "pass": "good", "great": "good",
                 "warn": "warn", "warning": "warn", "needs_work": "warn", "needs-work": "warn", "fair": "warn",
                 "bad": "bad", "fail": "bad", "poor": "bad", "error": "bad",
                 "unusable": "bad", "no_person": "bad", "inconclusive": "neutral", "not_assessable": "neutral"}
_UNITS = (("_deg_s", "°/s"), ("_deg", "°"), ("_s", " s"), ("_px", " px"), ("_pct", " %"))
TIMELINE_WIDTH = 1000
ROW_HEIGHT = 26


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def label(key: str) -> str:
    for suffix, _ in _UNITS:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
            break
    return key.replace("_", " ").strip().capitalize()


def fmt_value(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        unit = next((u for s, u in _UNITS if key.endswith(s)), "")
        text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}" if abs(value) >= 1 else f"{value:.2f}"
        return text + unit
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value("", v) for v in value) or "–"
    return str(value).replace("_", " ")


def metric_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            rows += [(f"{label(key)}: {label(k)}", fmt_value(k, v)) for k, v in value.items()
                     if not isinstance(v, (Mapping, list))]
        else:
            rows.append((label(key), fmt_value(key, value)))
    return rows


def event_table(events: list[Any], limit: int = 60) -> dict[str, Any] | None:
    rows = [e for e in events if isinstance(e, Mapping)][:limit]
    if not rows:
        return None
    keys: list[str] = []
    for e in rows:
        keys += [k for k, v in e.items() if k not in keys and not isinstance(v, (Mapping, list))]
    return {"headers": [label(k) + next((f" ({u.strip()})" for s, u in _UNITS if k.endswith(s)), "")
                        for k in keys],
            "rows": [[fmt_value("", e.get(k)) if k in ("start_s", "end_s") else fmt_value(k, e.get(k))
                      for k in keys] for e in rows],
            "count": len([e for e in events if isinstance(e, Mapping)])}


def _intervals(report: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    return [f for f in _list(report.get(key)) if isinstance(f, Mapping) and _num(f.get("start_s")) is not None]


def timeline(report: Mapping[str, Any]) -> dict[str, Any] | None:
    """Fault and recording-condition bars on a shared time axis, one row per code (SVG user units)."""
    items = [(f, "fault") for f in _intervals(report, "faults")]
    items += [(c, "condition") for c in _intervals(report, "conditions")]
    if not items:
        return None
    ends = [_num(f.get("end_s")) or _num(f.get("start_s")) or 0.0 for f, _ in items]
    duration = _num(_map(report.get("input")).get("duration_s")) or 0.0
    duration = max(duration, max(ends), 0.1)
    codes = list(dict.fromkeys(str(f.get("code", "fault")) for f, _ in items))
    bars = []
    for (f, kind), end in zip(items, ends):
        start = _num(f.get("start_s")) or 0.0
        code = str(f.get("code", "fault"))
        bars.append({"x": round(TIMELINE_WIDTH * start / duration, 1), "y": codes.index(code) * ROW_HEIGHT + 4,
                     "w": round(max(TIMELINE_WIDTH * (end - start) / duration, 4.0), 1), "kind": kind,
                     "code": code, "start_s": round(start, 2), "end_s": round(end, 2),
                     "message": str(f.get("message", ""))})
    ticks = [{"x": round(TIMELINE_WIDTH * t / duration, 1), "label": f"{t:g} s"}
             for t in _tick_times(duration)]
    return {"bars": bars, "codes": [{"code": c, "y": i * ROW_HEIGHT + 4 + 13} for i, c in enumerate(codes)],
            "height": len(codes) * ROW_HEIGHT + 8, "duration_s": round(duration, 2), "ticks": ticks,
            "width": TIMELINE_WIDTH}


def _tick_times(duration: float) -> list[float]:
    step = next((s for s in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if duration / s <= 10), 1200)
    return [i * step for i in range(int(duration / step) + 1)]


def result_view(report: Mapping[str, Any], files: Mapping[str, Any]) -> dict[str, Any]:
    verdict = _map(report.get("verdict"))
    status = str(verdict.get("status", "")).lower()
    info = [("Exercise", exercise_label(str(report.get("exercise", "unknown")))),
            ("Camera view", fmt_value("", report.get("view"))),
            ("Facing", fmt_value("", report.get("facing"))),
            ("Working side", fmt_value("", report.get("working_side")))]
    pose = _map(report.get("pose"))
    rate = _num(pose.get("detection_rate"))
    if rate is not None:
        info.append(("Person found in", f"{rate * 100:.0f}% of frames"))
    duration = _num(_map(report.get("input")).get("duration_s"))
    if duration is not None:
        info.append(("Clip length", f"{duration:.1f} s"))
    return {
        "status": status or "unknown", "status_class": _STATUS_CLASS.get(status, "neutral"),
        "headline": str(verdict.get("headline") or "Analysis finished"),
        "info": info, "metrics": metric_rows(_map(report.get("summary"))),
        "events": [(name.capitalize(), table) for name in ("holds", "swings", "reps")
                   if (table := event_table(_list(report.get(name)))) is not None],
        "details": [str(d) for d in _list(verdict.get("details"))],
        "faults": [f for f in _list(report.get("faults")) if isinstance(f, Mapping)],
        "conditions": [c for c in _list(report.get("conditions")) if isinstance(c, Mapping)],
        "timeline": timeline(report),
        "cues": [c for c in _list(report.get("cues")) if isinstance(c, Mapping)][:40],
        "files": files,
        "suggested": ({"id": str(report["suggested_exercise"]),
                       "label": exercise_label(str(report["suggested_exercise"]))}
                      if report.get("suggested_exercise") else None),
    }
