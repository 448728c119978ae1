"""`report.json`: the versioned, machine-readable result of one analysis.

Built from a ClipAnalysis alone (no files read). Everything is plain JSON: NaN and
infinity become null (`json_safe`), and `dumps` refuses any that slip through. The
schema is `report.schema.json` beside this module; docs/report-schema.md explains
every field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import platform
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import metadata, resources
from typing import Any

import numpy as np

from posecoach.exercises import SPECS, ExerciseSpec, find_spec, title_of
from posecoach.exercises.base import ExerciseResult, Fault, json_safe
from posecoach.exercises.targets import check_targets
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.output_files import ANGLES_CSV, REPORT_HTML
from posecoach.results import ClipAnalysis

SCHEMA_VERSION = "1.0"
GOOD, NEEDS_WORK, NOT_ASSESSABLE = "good", "needs_work", "not_assessable"

# Below this share of frames with a person, nothing is judged.
MIN_DETECTION_RATE = 0.5
# Recording conditions covering this share of the detected time block a verdict.
BLOCKING_CONDITION_SHARE = 0.5

# What `files` says when the caller does not (build_report without writing anything).
DEFAULT_FILES: dict[str, Any] = {"report_html": REPORT_HTML, "angles_csv": ANGLES_CSV,
                                 "annotated": None, "plots": []}



exercise_title = title_of


def event_noun(exercise: str) -> tuple[str, str]:
    """(singular, plural) of what the exercise counts: ("hold", "holds"), ..."""
    spec = find_spec(exercise)
    return spec.event_noun if spec is not None else ("event", "events")


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of report.json: report.schema.json (the shape of
    every report, events included) plus, per registered exercise, its summary's fields
    (from the exercise's Summary record, so the two cannot drift)."""
    schema: dict[str, Any] = json.loads(_schema_text())
    schema["allOf"] = [_summary_rule(spec) for spec in SPECS.values()]
    return schema


def _summary_rule(spec: ExerciseSpec) -> dict[str, Any]:
    fields = list(spec.summary_type.field_names())
    return {"if": {"properties": {"exercise": {"const": spec.id}}, "required": ["exercise"]},
            "then": {"properties": {"summary": {
                "type": "object", "required": fields, "additionalProperties": False,
                "properties": {name: {} for name in fields}}}}}


@cache
def _schema_text() -> str:
    return resources.files("posecoach.report").joinpath("report.schema.json").read_text("utf-8")


def dumps(report: Mapping[str, Any]) -> str:
    """Strict JSON text (raises ValueError on NaN/inf rather than writing invalid JSON)."""
    return json.dumps(report, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


# ---------------------------------------------------------------- verdict
def _cue_text(code: str, summary: Mapping[str, Any] | None = None) -> str:
    """The code's cue as it fits the clip (no "front knee" when the feet were side by side)."""
    from posecoach.exercises.cues import CUE_SPECS
    from posecoach.presentation import cue_text

    spec = CUE_SPECS.get(code)
    text = spec.text if spec is not None else code.replace("_", " ").capitalize()
    return cue_text({"code": code, "text": text}, {"summary": summary or {}})


def _label(code: str) -> str:
    from posecoach.presentation import fault_label

    return fault_label(code).lower()


def _durations(items: Sequence[Fault]) -> dict[str, tuple[int, float, str]]:
    """code -> (count, total seconds, message), longest total first."""
    out: dict[str, tuple[int, float, str]] = {}
    for f in items:
        n, total, _ = out.get(f.code, (0, 0.0, f.message))
        dur = f.duration_s if math.isfinite(f.duration_s) else 0.0
        out[f.code] = (n + 1, total + dur, f.message)
    return dict(sorted(out.items(), key=lambda kv: -kv[1][1]))


def _count_phrase(n: int, exercise: str) -> str:
    one, many = event_noun(exercise)
    return f"{n} {one if n == 1 else many}"


def _events(result: ExerciseResult) -> int:
    return len(result.holds) + len(result.swings) + len(result.reps)


def _good_headline(result: ExerciseResult) -> str:
    spec = find_spec(result.exercise)
    detail = spec.good_detail(result.summary) \
        if spec is not None and isinstance(result.summary, spec.summary_type) else ""
    return f"Good form: {_count_phrase(_events(result), result.exercise)}{detail}, no faults found."


def judged_share(analysis: ClipAnalysis) -> float:
    """Share of frames on which form was judged (good_form not None)."""
    fb = analysis.feedback
    if not fb:
        return 0.0
    return float(np.mean([f.good_form is not None for f in fb]))


def verdict(analysis: ClipAnalysis) -> dict[str, Any]:
    """{status, headline (one sentence), details [...]} from the analysis."""
    result: ExerciseResult = analysis.result
    ex = result.exercise
    faults, conditions = _durations(result.faults), _durations(result.conditions)
    details = [f"{_label(c)}: {n}x, {t:.1f} s in total. {msg}".strip()
               for c, (n, t, msg) in faults.items()]
    details += [f"Recording problem, {_label(c)} for {t:.1f} s: {msg}".strip().rstrip(":")
                for c, (_, t, msg) in conditions.items()]
    rate = analysis.detection_rate
    if rate < 0.95:
        details.append(f"A person was found in {rate:.0%} of the frames.")
    detected_s = _detected_seconds(analysis)
    blocking = [c for c, (_, t, _) in conditions.items()
                if detected_s <= 0 or t >= BLOCKING_CONDITION_SHARE * detected_s]
    title = exercise_title(ex).lower()
    wrong = next((c for c in result.conditions if c.code == "wrong_exercise"), None)
    if wrong is not None:
        return {"status": NOT_ASSESSABLE, "headline": wrong.message, "details": details}
    if rate < MIN_DETECTION_RATE or (blocking and not faults) or judged_share(analysis) == 0.0:
        if blocking:
            reason = _cue_text(blocking[0]).rstrip(".")
            headline = f"Could not assess the {title}: {reason.lower()} and record again."
        elif rate < MIN_DETECTION_RATE:
            headline = (f"Could not assess the {title}: a person was visible in only "
                        f"{rate:.0%} of the frames.")
        else:
            noun = event_noun(ex)[1]
            headline = f"Could not assess the {title}: no {noun} were found to judge."
        return {"status": NOT_ASSESSABLE, "headline": headline, "details": details}
    # A photo is judged as a posture (posecoach.stills): no durations, no events.
    still = getattr(getattr(analysis, "info", None), "kind", "") == "image"
    if faults:
        code, (_, total, _) = next(iter(faults.items()))
        more = len(faults) - 1
        tail = f" and {more} more fault{'s' if more > 1 else ''}" if more else ""
        during = "" if still else f" for {total:.1f} s"
        headline = (f"Needs work: {_cue_text(code, _summary_dict(result)).rstrip('.')} "
                    f"({_label(code)}{during}{tail}).")
        return {"status": NEEDS_WORK, "headline": headline, "details": details}
    if still:
        return {"status": GOOD, "headline": "Good position: no faults found in this photo.",
                "details": details}
    if _events(result) == 0:
        one = event_noun(ex)[0]
        return {"status": NEEDS_WORK,
                "headline": f"Needs work: no complete {one} was found in this clip.",
                "details": details}
    check = check_targets(ex, _summary_dict(result), result.working_side, _config(analysis).targets)
    if check is not None and not check.met:
        # Good form on too short a set is not "good" yet: say what the target asks for.
        return {"status": GOOD, "details": details, "headline": check.headline}
    return {"status": GOOD, "headline": _good_headline(result), "details": details}


def _summary_dict(result: ExerciseResult) -> Mapping[str, Any]:
    summary = result.summary
    return summary.to_dict() if hasattr(summary, "to_dict") else summary if isinstance(summary, Mapping) else {}


def _config(analysis: ClipAnalysis) -> ExerciseConfig:
    """The thresholds the analysis ran with (its options carry them)."""
    return analysis.options.exercises


def _detected_seconds(analysis: ClipAnalysis) -> float:
    t = np.array([m.t_s for m in analysis.measurements if m.detected])
    if t.size < 2:
        return 0.0
    return float(t[-1] - t[0])


# ---------------------------------------------------------------- report
def _versions() -> dict[str, str | None]:
    def dist(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    import cv2

    return {"posecoach": dist("posecoach"), "mediapipe": dist("mediapipe"),
            "numpy": np.__version__, "opencv": cv2.__version__, "av": dist("av"),
            "python": platform.python_version()}


def effective_settings(analysis: ClipAnalysis) -> dict[str, Any]:
    """The configuration that produced this analysis: its options, every coaching
    threshold (`exercises`) and whether the segmentation mask was computed."""
    options = analysis.options
    settings: dict[str, Any] = {f.name: getattr(options, f.name) for f in dataclasses.fields(options)}
    settings["exercise"] = analysis.exercise
    settings["model"] = analysis.model
    settings["segmentation"] = options.wants_mask()
    settings = {k: (dataclasses.asdict(v) if dataclasses.is_dataclass(v) and not isinstance(v, type)
                    else v) for k, v in settings.items()}
    safe: dict[str, Any] = json_safe(settings)
    return safe


def build_report(analysis: ClipAnalysis, files: Mapping[str, Any] | None = None,
                 generated_at: dt.datetime | None = None) -> dict[str, Any]:
    """report.json as a dict (see report.schema.json)."""
    info, result = analysis.info, analysis.result
    when = generated_at or dt.datetime.now(dt.UTC)
    rest = result.to_dict()
    measured = len(analysis.measurements)
    people = [m.num_people for m in analysis.measurements if m.detected]
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": when.isoformat(timespec="seconds"),
        "exercise": analysis.exercise,
        "verdict": verdict(analysis),
        "input": {"path": info.path, "kind": info.kind, "fps": info.fps,
                  "frames": measured if measured else info.frames,
                  "duration_s": info.duration_s, "width": info.width, "height": info.height,
                  "rotation": info.rotation},
        "pose": {"model": analysis.model, "detection_rate": round(analysis.detection_rate, 4),
                 "frames_analysed": measured,
                 "multiple_people_rate": round(float(np.mean([p > 1 for p in people])), 4)
                 if people else 0.0},
        "view": analysis.view,
        "camera_yaw_deg": _rounded(getattr(analysis, "yaw_deg", None)),
        "suggested_exercise": getattr(analysis, "suggested_exercise", None),
        "facing": analysis.facing,
        "near_side": analysis.near_side,
        "working_side": result.working_side,
        "summary": rest["summary"],
        "holds": rest["holds"], "swings": rest["swings"], "reps": rest["reps"],
        "faults": rest["faults"], "cues": rest["cues"], "conditions": rest["conditions"],
        "form": {"judged_share": round(judged_share(analysis), 4),
                 "good_share": _good_share(analysis)},
        "settings": effective_settings(analysis),
        "versions": _versions(),
        "files": {**DEFAULT_FILES, **(files or {})},
    }
    safe: dict[str, Any] = json_safe(report)
    return safe


def _rounded(value: Any, ndigits: int = 1) -> float | None:
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return round(float(value), ndigits)


def _good_share(analysis: ClipAnalysis) -> float | None:
    judged = [f.good_form for f in analysis.feedback if f.good_form is not None]
    return round(float(np.mean(judged)), 4) if judged else None
