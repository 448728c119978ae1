"""`report.html`: one self-contained page (inline CSS, charts as data URIs, the annotated
video beside it by relative link) that opens from disk with no network.

Rendered with jinja2 with autoescaping on, so text from the input (file names, cue and
fault messages) cannot inject markup.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from posecoach.report.document import exercise_title
from posecoach.report.plots import FAULT_PALETTE, GREY, Chart

STATUS_LABEL = {"good": "Good", "needs_work": "Needs work", "not_assessable": "Not assessable"}
_UNITS = (("_deg", "degrees"), ("_s", "s"))


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("posecoach.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _pretty_key(key: str) -> str:
    for suffix, unit in _UNITS:
        if key.endswith(suffix):
            return f"{key[: -len(suffix)].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def _pretty_value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}" if math.isfinite(value) else "–"
    if isinstance(value, (list, tuple)):
        return ", ".join(_pretty_value(v) for v in value) or "–"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_pretty_value(v)}" for k, v in value.items()) or "–"
    return str(value)


def _events_table(report: Mapping[str, Any]) -> tuple[str, dict[str, Any] | None]:
    for key, title in (("holds", "Holds"), ("swings", "Swings"), ("reps", "Reps")):
        items = report.get(key) or []
        if items:
            keys: list[str] = []
            for item in items:
                keys += [k for k in item if k not in keys]
            return title, {"header": [_pretty_key(k) for k in keys],
                           "rows": [[_pretty_value(item.get(k)) for k in keys] for item in items]}
    return "", None


def _time(t: Any) -> str:
    if not isinstance(t, (int, float)) or not math.isfinite(t):
        return "–"
    minutes, seconds = divmod(float(t), 60.0)
    return f"{int(minutes)}:{seconds:04.1f}"


def _fault_rows(report: Mapping[str, Any], span_s: tuple[float, float]) -> list[dict[str, Any]]:
    t0, t1 = span_s
    length = max(t1 - t0, 1e-6)
    rows: list[dict[str, Any]] = []
    groups: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for kind, items in (("fault", report.get("faults") or []),
                        ("condition", report.get("conditions") or [])):
        for item in items:
            groups.setdefault((kind, item["code"]), []).append(item)
    fault_codes = sorted(code for kind, code in groups if kind == "fault")
    for (kind, code), items in groups.items():
        colour = GREY if kind == "condition" else FAULT_PALETTE[fault_codes.index(code) % len(FAULT_PALETTE)]
        spans = []
        for it in items:
            start, end = it.get("start_s"), it.get("end_s")
            s = float(start) if start is not None else t0
            e = float(end) if end is not None else s
            left = min(max((s - t0) / length * 100.0, 0.0), 100.0)
            width = min(max((e - s) / length * 100.0, 0.6), 100.0 - left)
            spans.append({"left": f"{left:.2f}", "width": f"{width:.2f}",
                          "title": f"{_time(s)}–{_time(e)}: {it.get('message', '')}"})
        rows.append({"label": code.replace("_", " "), "kind": kind, "colour": colour, "spans": spans})
    rows.sort(key=lambda r: (r["kind"] != "fault", r["label"]))
    return rows


def render_html(report: Mapping[str, Any], charts: Sequence[Chart], media: Mapping[str, str] | None,
                span_s: tuple[float, float]) -> str:
    """The page. `media` = {"kind": "video"|"image", "src": relative path} or None."""
    title = exercise_title(str(report.get("exercise", "")))
    events_title, events = _events_table(report)
    technical = {k: report.get(k) for k in ("input", "pose", "settings", "versions")}
    context = {
        "report": report,
        "title": title,
        "input_name": Path(str(report["input"]["path"])).name,
        "verdict": report["verdict"],
        "status_label": STATUS_LABEL.get(report["verdict"]["status"], report["verdict"]["status"]),
        "duration_s": max(span_s[1] - span_s[0], float(report["input"].get("duration_s") or 0.0)),
        "metrics": [(_pretty_key(k), _pretty_value(v)) for k, v in (report.get("summary") or {}).items()],
        "events_title": events_title,
        "events": events,
        "media": media,
        "charts": [{"name": c.name, "title": c.title, "caption": c.caption,
                    "b64": base64.b64encode(c.png).decode("ascii")} for c in charts],
        "fault_rows": _fault_rows(report, span_s),
        "axis": (_time(span_s[0]), _time(span_s[1])),
        "faults": [{"start": _time(f.get("start_s")), "end": _time(f.get("end_s")),
                    "label": f["code"].replace("_", " "), "message": f.get("message", "")}
                   for f in sorted(report.get("faults") or [],
                                   key=lambda f: f.get("start_s") or 0.0)],
        "cues": [{"time": _time(c.get("t_s")), "text": c.get("text", "")} for c in report.get("cues") or []],
        "technical": json.dumps(technical, indent=2, ensure_ascii=False),
    }
    return _environment().get_template("report.html.j2").render(**context)
