"""`report.html`: one self-contained page (inline CSS, charts as data URIs, the annotated
video beside it by relative link) that opens from disk with no network.

Every text on it comes from `posecoach.presentation`, the same module the web pages use,
so the page and the web Result page read the same. Rendered with jinja2 with autoescaping
on, so text from the input (file names, cue and fault messages) cannot inject markup.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from posecoach.presentation import clock, timeline_lanes
from posecoach.presentation import result_text as present
from posecoach.exercises import title_of
from posecoach.report.plots import Chart

COLOURS = {"event": "#2f6fd1", "fault": "#c53030", "condition": "#7d8793"}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.PackageLoader("posecoach.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def render_html(report: Mapping[str, Any], charts: Sequence[Chart], media: Mapping[str, str] | None,
                span_s: tuple[float, float]) -> str:
    """The page. `media` = {"kind": "video"|"image", "src": relative path, "poster"?: path} or None."""
    title = title_of(str(report.get("exercise", "")))
    technical = {k: report.get(k) for k in ("input", "pose", "settings", "versions")}
    lanes = [{"label": lane.label, "kind": lane.kind, "colour": COLOURS[lane.kind],
              "spans": [{"left": f"{100 * s.left:.2f}", "width": f"{100 * s.width:.2f}", "title": s.title}
                        for s in lane.spans]} for lane in timeline_lanes(report, span_s)]
    context = {
        "report": report,
        "text": present(report, title),
        "input_name": Path(str(report["input"]["path"])).name,
        "media": media,
        "charts": [{"name": c.name, "title": c.title, "caption": c.caption,
                    "b64": base64.b64encode(c.png).decode("ascii")} for c in charts],
        "lanes": lanes,
        "axis": (clock(span_s[0]), clock(span_s[1])),
        "technical": json.dumps(technical, indent=2, ensure_ascii=False),
    }
    return _environment().get_template("report.html.j2").render(**context)
