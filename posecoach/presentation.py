"""Everything a runner reads about a result, in one place: labels, units, signs as words,
value formatting, titles and one "what this means" line per metric.

report.html, the web pages and the terminal all format through this module, so a number
reads the same everywhere: one unit style ("37°", "4.2 s", "85%"), a signed angle in
words ("37° behind you"), never a raw key. Every function takes plain report data
(the report.json dict or parts of it) and never raises on a missing or odd field: a
report missing a section shows less, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from posecoach.exercises.targets import TargetCheck, check_report

DASH = "–"


# ------------------------------------------------------------------ numbers and units
def number(value: Any) -> float | None:
    """A finite number, else None (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def degrees(value: Any) -> str:
    v = number(value)
    return DASH if v is None else f"{v:.0f}°"


def seconds(value: Any) -> str:
    v = number(value)
    if v is None:
        return DASH
    text = f"{v:.1f}"
    return f"{text[:-2] if text.endswith('.0') else text} s"


def clock(value: Any) -> str:
    """A time in the clip, "0:04.2"."""
    v = number(value)
    if v is None:
        return DASH
    minutes, secs = divmod(max(v, 0.0), 60.0)
    return f"{int(minutes)}:{secs:04.1f}"


def count(value: Any) -> str:
    v = number(value)
    return DASH if v is None else f"{v:.0f}"


def percent(value: Any) -> str:
    """A share 0..1 as "85%"."""
    v = number(value)
    return DASH if v is None else f"{100 * v:.0f}%"


def side_word(value: Any) -> str:
    return {"left": "left", "right": "right", "both": "both legs", "none": "feet side by side"}.get(
        str(value), DASH) if value is not None else DASH


def yes_no(value: Any) -> str:
    return DASH if not isinstance(value, bool) else ("yes" if value else "no")


def signed(positive: str, negative: str) -> Callable[[Any], str]:
    """A signed angle in words: signed("in front of you", "behind you")(-37) -> "37° behind you"."""
    def fmt(value: Any) -> str:
        v = number(value)
        if v is None:
            return DASH
        if round(v) == 0:
            return "0°"
        return f"{abs(v):.0f}° {positive if v > 0 else negative}"
    return fmt


def _trend(value: Any) -> str:
    v = number(value)
    if v is None:
        return DASH
    if abs(v) < 0.5:
        return "stayed about the same"
    return f"{'grew' if v > 0 else 'shrank'} {abs(v):.1f}° per swing"


def _swing_number(value: Any) -> str:
    v = number(value)
    return "not reached" if v is None else f"from swing {v:.0f}"


def _rounding(value: Any) -> str:
    v = number(value)
    if v is None:
        return DASH
    word = "none to slight" if v < 0.3 else "some" if v < 0.45 else "rounded"
    return f"{word} ({100 * v:.0f} of 100)"


def _jump(value: Any) -> str:
    v = number(value)
    return DASH if v is None else ("none" if v <= 0 else f"{v:.0f}°")


def _lift(value: Any) -> str:
    v = number(value)
    return DASH if v is None else ("none" if v <= 0.5 else f"{v:.0f}°")


def _per_leg(value: Any) -> str:
    if not isinstance(value, Mapping):
        return DASH
    parts = [f"{side} {count(n)}" for side, n in value.items() if number(n)]
    return ", ".join(parts) or "0"


def _list_of(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda value: ", ".join(fmt(v) for v in value) or DASH if isinstance(value, list) else DASH


# ------------------------------------------------------------------ metric texts
@dataclass(frozen=True)
class MetricText:
    """How one field reads: its label, its formatter, one line of what it means."""

    label: str
    fmt: Callable[[Any], str]
    meaning: str = ""


_LEAN = signed("forward", "back")
_THIGH = signed("in front of you", "behind you")

# Summary fields (report.json "summary"), in the order a runner reads them. Fields not
# listed are technical and stay in report.json.
SUMMARY: dict[str, MetricText] = {
    # Origin stretch
    "holds": MetricText("Holds", count, "Times you held the stretch still for at least 1 s."),
    "longest_hold_s": MetricText("Longest hold", seconds, "Your longest still hold."),
    "total_hold_s": MetricText("Time holding", seconds, "All holds added together."),
    "total_good_form_s": MetricText("Time holding with good form", seconds,
                                    "The part of your holds with no form fault."),
    "max_trunk_inclination_deg": MetricText("Deepest forward lean", _LEAN,
                                            "How far your upper body leaned from upright "
                                            "(0° standing tall, 90° flat like a table)."),
    "max_hip_flexion_deg": MetricText("Deepest hip bend", degrees,
                                      "How far you folded at the hip (0° standing straight): "
                                      "the hinge that stretches the hamstring."),
    "hip_hinge": MetricText("Hinged from the hips", yes_no,
                            "Whether you leaned far enough to judge the hinge (40° or more)."),
    "forward_leg": MetricText("Front leg", side_word, "The leg in front, the one being stretched."),
    "max_rounded_back_score": MetricText("Back rounding", _rounding,
                                         "How strongly the back rounded instead of the hips hinging; "
                                         "from 45 of 100 it counts as a fault."),
    # Leg swings
    "swings": MetricText("Swings", count, "Full forward-and-back swings counted."),
    "swings_by_side": MetricText("Swings per leg", _per_leg, "Which leg did the swinging."),
    "max_amplitude_deg": MetricText("Biggest swing", degrees,
                                    "The widest front-to-back arc of your thigh in one swing."),
    "mean_amplitude_deg": MetricText("Average swing", degrees, "The typical front-to-back arc."),
    "trend_deg_per_swing": MetricText("Build-up", _trend,
                                      "How your swings grew from one to the next; "
                                      "a steady build-up is the aim."),
    "plateau_swing_index": MetricText("Full range", _swing_number,
                                      "The swing from which your arc stopped growing."),
    "max_jump_deg": MetricText("Biggest jump between swings", _jump,
                               "A sudden jump means building up too fast."),
    "max_trunk_sway_deg": MetricText("Most upper-body rocking", degrees,
                                     "How much your upper body moved with the leg; "
                                     "less is better."),
    # Prone curl + hip lift
    "reps": MetricText("Reps", count, "Complete curls counted."),
    "reps_with_hip_lift": MetricText("Reps with a thigh lift", count,
                                     "Reps where the thigh left the floor after the curl."),
    "best_peak_knee_flexion_deg": MetricText("Best curl", degrees,
                                             "The furthest your heel came toward your bottom "
                                             "(knee bend: 0° straight, 90° shin upright)."),
    "max_knee_flexion_deg": MetricText("Deepest knee bend", degrees,
                                       "The most the knee bent anywhere in the clip."),
    "mean_peak_thigh_lift_deg": MetricText("Average thigh lift", _lift,
                                           "How far the thigh rose off the floor after each curl."),
    "mean_peak_hip_extension_deg": MetricText("Average hip lift", _lift,
                                              "How far the thigh moved behind the line of your "
                                              "body at the hip."),
    "mean_duration_s": MetricText("Average rep time", seconds, "Slow, controlled reps work best."),
    "prone_share": MetricText("Time lying face down", percent, "Share of the clip spent lying prone."),
}

# Fields of one hold, swing or rep (report.json "holds"/"swings"/"reps").
EVENT: dict[str, MetricText] = {
    "rep": MetricText("Rep", count), "swing": MetricText("Swing", count),
    "side": MetricText("Leg", side_word),
    "start_s": MetricText("From", clock), "end_s": MetricText("To", clock),
    "duration_s": MetricText("Length", seconds),
    "good_form_s": MetricText("In good form", seconds),
    "max_trunk_inclination_deg": MetricText("Forward lean", _LEAN),
    "max_hip_flexion_deg": MetricText("Hip bend", degrees),
    "knee_flexion_deg": MetricText("Knee bend", degrees),
    "bounced": MetricText("Bounced", yes_no),
    "forward_peak_deg": MetricText("Thigh in front", _THIGH),
    "backward_peak_deg": MetricText("Thigh behind", _THIGH),
    "amplitude_deg": MetricText("Thigh arc", degrees,
                                "Front-to-back arc of the thigh against vertical."),
    "hip_amplitude_deg": MetricText("Hip arc", degrees,
                                    "The same arc measured against your upper body: smaller "
                                    "than the thigh arc when the upper body rocks along."),
    "trunk_sway_deg": MetricText("Upper-body rocking", degrees),
    "stance_knee_deg": MetricText("Standing knee bend", degrees),
    "peak_knee_flexion_deg": MetricText("Curl (knee bend)", degrees),
    "peak_thigh_lift_deg": MetricText("Thigh lift", _lift),
    "peak_hip_extension_deg": MetricText("Hip lift", _lift),
    "peak_pelvis_rise_deg": MetricText("Hips rising", degrees),
}

EVENT_TITLE = {"holds": "Holds", "swings": "Swings", "reps": "Reps"}

# Fields kept in report.json for tools, not shown to a runner (times of peaks, raw lists,
# calibration values). Every other field of an exercise's records is shown: with a label
# above, or, for a field this module does not know (a new exercise), with the label and
# meaning its record declares (`records.described`).
TECHNICAL = {"baseline_hip_offset", "amplitudes_deg", "forward_peaks_deg"}
TECHNICAL_EVENT = {"forward_peak_t_s", "backward_peak_t_s", "peak_t_s", "pelvis_rise_at_lift_deg"}

# Fault and recording-condition codes as a runner reads them.
FAULT_LABEL = {
    "rounded_back": "Back rounding", "knees_bent": "Knee bending", "hips_not_back": "Hips not going back",
    "bouncing": "Bouncing", "trunk_sway": "Upper body rocking", "stance_knee_bent": "Standing knee bent",
    "progressing_too_fast": "Building up too fast", "pelvis_lift": "Hips lifting off the floor",
    "no_hip_lift": "No thigh lift", "partial_range": "Short curl",
    "no_person": "Nobody in view", "multiple_people": "More than one person in view",
    "body_out_of_frame": "Body out of the picture", "not_side_view": "Not filmed side-on",
    "not_prone": "Not lying face down", "far_leg_swinging": "Swinging the leg away from the camera",
}

STATUS_LABEL = {"good": "Good form", "needs_work": "Needs work", "not_assessable": "Could not assess"}
STATUS_CLASS = {"good": "good", "needs_work": "warn", "not_assessable": "neutral"}
VIEW_LABEL = {"side": "side-on", "front": "from the front", "back": "from behind"}
FILM_CODES = ("not_side_view", "body_out_of_frame", "no_person", "far_leg_swinging", "not_prone")


def fault_label(code: Any) -> str:
    text = str(code or "")
    return FAULT_LABEL.get(text, text.replace("_", " ").capitalize() or "Fault")


def status_label(status: Any, check: TargetCheck | None = None) -> str:
    """"Good form", or "Good form, hold longer" when the form was good but the set short."""
    label = STATUS_LABEL.get(str(status), "Result")
    if status == "good" and check is not None and not check.met:
        label += f", {check.short_of}"
    return label


def status_class(status: Any, check: TargetCheck | None = None) -> str:
    if status == "good" and check is not None and not check.met:
        return "short"
    return STATUS_CLASS.get(str(status), "neutral")


# ------------------------------------------------------------------ rows and tables
@dataclass(frozen=True)
class Row:
    label: str
    value: str
    meaning: str = ""


def _by_unit(key: str) -> Callable[[Any], str]:
    if key.endswith("_deg"):
        return degrees
    if key.endswith("_s"):
        return seconds
    return lambda v: yes_no(v) if isinstance(v, bool) else count(v) if number(v) is not None else (
        DASH if v is None else str(v).replace("_", " "))


def _declared(exercise: str, events: bool) -> dict[str, MetricText]:
    """The exercise's own field labels for the fields this module has no text for."""
    from posecoach.exercises import find_spec

    spec = find_spec(exercise) if exercise else None
    if spec is None:
        return {}
    known, hidden = (EVENT, TECHNICAL_EVENT) if events else (SUMMARY, TECHNICAL)
    fields = spec.event_fields() if events else spec.summary_fields()
    return {f.key: MetricText(f.label[:1].upper() + f.label[1:], _by_unit(f.key), f.what[:1].upper() + f.what[1:])
            for f in fields if f.key not in known and f.key not in hidden}


def summary_rows(summary: Any, exercise: str = "") -> list[Row]:
    """The summary fields a runner reads, labelled and formatted, in a fixed order."""
    if not isinstance(summary, Mapping):
        return []
    texts = {**SUMMARY, **_declared(exercise, events=False)}
    return [Row(text.label, text.fmt(summary[key]), text.meaning)
            for key, text in texts.items() if key in summary and summary[key] is not None]


@dataclass(frozen=True)
class EventTable:
    title: str                       # "Holds"
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[Row, ...]           # what the less obvious columns mean
    count: int = 0
    keys: tuple[str, ...] = ()       # the report fields of the columns


def event_table(report: Mapping[str, Any], limit: int = 60) -> EventTable | None:
    """The holds, swings or reps of a report as a table with runner labels."""
    for name, title in EVENT_TITLE.items():
        events = [e for e in (report.get(name) or []) if isinstance(e, Mapping)]
        if not events:
            continue
        texts = {**EVENT, **_declared(str(report.get("exercise", "")), events=True)}
        keys = [k for k in texts if any(k in e for e in events)]
        if name == "holds":
            keys = [k for k in keys if k != "bounced" or any(e.get("bounced") for e in events)]
        rows = tuple(tuple(texts[k].fmt(e.get(k)) for k in keys) for e in events[:limit])
        notes = tuple(Row(texts[k].label, "", texts[k].meaning) for k in keys if texts[k].meaning)
        return EventTable(f"{title} ({len(events)})", tuple(texts[k].label for k in keys), rows, notes,
                          len(events), tuple(keys))
    return None


@dataclass(frozen=True)
class FaultLine:
    code: str
    label: str
    kind: str                        # "fault" or "condition"
    start_s: float
    end_s: float
    when: str                        # "0:01.2–0:03.4"
    message: str


def fault_lines(report: Mapping[str, Any]) -> list[FaultLine]:
    out = []
    for kind, key in (("fault", "faults"), ("condition", "conditions")):
        for f in report.get(key) or []:
            if not isinstance(f, Mapping) or number(f.get("start_s")) is None:
                continue
            start = number(f.get("start_s")) or 0.0
            end = number(f.get("end_s")) or start
            out.append(FaultLine(str(f.get("code", "")), fault_label(f.get("code")), kind, start, end,
                                 f"{clock(start)}–{clock(end)}", str(f.get("message", ""))))
    return sorted(out, key=lambda f: (f.kind != "fault", f.start_s))


@dataclass(frozen=True)
class Span:
    start_s: float
    end_s: float
    left: float                      # share of the clip, 0..1
    width: float
    title: str


@dataclass(frozen=True)
class Lane:
    label: str
    kind: str                        # "event" (holds, swings, reps), "fault" or "condition"
    spans: tuple[Span, ...]


def _event_spans(report: Mapping[str, Any]) -> tuple[str, list[tuple[float, float]]]:
    for key, start_key, end_key in (("holds", "start_s", "end_s"), ("reps", "start_s", "end_s"),
                                    ("swings", "start_s", "backward_peak_t_s")):
        spans = [(number(e.get(start_key)), number(e.get(end_key))) for e in report.get(key) or []
                 if isinstance(e, Mapping)]
        found = [(a, b) for a, b in spans if a is not None and b is not None]
        if found:
            return EVENT_TITLE[key], found
    return "", []


def timeline_lanes(report: Mapping[str, Any], span_s: tuple[float, float] | None = None) -> list[Lane]:
    """The holds/swings/reps, each fault and each filming problem as lanes on one time axis.
    Only what the report says happened is drawn: no "good form" lane claims seconds a
    fault covers, and the event lane is the same holds the totals count."""
    noun, events = _event_spans(report)
    faults = fault_lines(report)
    inp = report.get("input") if isinstance(report.get("input"), Mapping) else {}
    t0, t1 = span_s if span_s is not None else (0.0, number(inp.get("duration_s")) or 0.0)
    t1 = max(t1, max([b for _, b in events] + [f.end_s for f in faults], default=t0), t0 + 0.1)

    def span(a: float, b: float, title: str) -> Span:
        left = min(max((a - t0) / (t1 - t0), 0.0), 1.0)
        return Span(a, b, left, min(max((b - a) / (t1 - t0), 0.006), 1.0 - left), title)

    lanes = [Lane(noun, "event", tuple(span(a, b, f"{clock(a)}–{clock(b)}") for a, b in events))] if events else []
    for kind in ("fault", "condition"):
        for label in dict.fromkeys(f.label for f in faults if f.kind == kind):
            lanes.append(Lane(label + (" (filming)" if kind == "condition" else ""), kind,
                              tuple(span(f.start_s, f.end_s, f"{f.when}: {f.message}")
                                    for f in faults if f.kind == kind and f.label == label)))
    return lanes


# Cues that name a leg the analysis could not find: said without it.
_CUE_WITHOUT_FRONT_LEG = {"knees_bent": "Keep your knees nearly straight"}


def cue_text(cue: Mapping[str, Any], report: Mapping[str, Any]) -> str:
    """A cue as it fits what was filmed: "Straighten your front knee" only when there is a
    front leg (a staggered stance), otherwise the same advice without it."""
    code, text = str(cue.get("code", "")), str(cue.get("text", ""))
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    if code in _CUE_WITHOUT_FRONT_LEG and summary.get("forward_leg") not in ("left", "right"):
        return _CUE_WITHOUT_FRONT_LEG[code]
    return text


def needs_filming_help(report: Mapping[str, Any]) -> bool:
    """True when the result says the clip was filmed in a way that cannot be judged."""
    verdict = report.get("verdict") if isinstance(report.get("verdict"), Mapping) else {}
    codes = {str(c.get("code")) for c in report.get("conditions") or [] if isinstance(c, Mapping)}
    text = str(verdict.get("headline", "")).lower()
    return verdict.get("status") == "not_assessable" and (
        bool(codes & set(FILM_CODES)) or "side-on" in text or "film" in text or "view" in text)


def facts(report: Mapping[str, Any], title: str) -> list[Row]:
    """Exercise, leg, how it was filmed, clip length."""
    rows = [Row("Exercise", title)]
    summary = report.get("summary") if isinstance(report.get("summary"), Mapping) else {}
    side = report.get("working_side")
    noun = "Front leg (stretched)" if "forward_leg" in summary else "Working leg"
    leg = side_word(side) if side else side_word(summary.get("forward_leg"))
    rows.append(Row(noun, "not clear from the clip" if leg == DASH else leg))
    view = report.get("view")
    if view:
        rows.append(Row("Filmed", VIEW_LABEL.get(str(view), str(view).replace("_", " "))))
    inp = report.get("input") if isinstance(report.get("input"), Mapping) else {}
    if number(inp.get("duration_s")) is not None:
        rows.append(Row("Clip length", seconds(inp.get("duration_s"))))
    pose = report.get("pose") if isinstance(report.get("pose"), Mapping) else {}
    if number(pose.get("detection_rate")) is not None:
        rows.append(Row("You were seen in", f"{percent(pose.get('detection_rate'))} of the frames"))
    return rows


# ------------------------------------------------------------------ the whole result
@dataclass(frozen=True)
class ResultText:
    """One result as a runner reads it; report.html and the web Result page render this."""

    title: str
    status: str
    status_label: str
    status_class: str
    headline: str
    details: tuple[str, ...]
    facts: tuple[Row, ...]
    targets: TargetCheck | None
    metrics: tuple[Row, ...]
    events: EventTable | None
    faults: tuple[FaultLine, ...]
    cues: tuple[tuple[float, str, str], ...]      # (t_s, "0:04.2", text)
    next_step: str
    film_help: bool


def result_text(report: Mapping[str, Any], title: str) -> ResultText:
    verdict = report.get("verdict") if isinstance(report.get("verdict"), Mapping) else {}
    status = str(verdict.get("status", ""))
    check = check_report(report) if status != "not_assessable" else None
    cues = tuple((number(c.get("t_s")) or 0.0, clock(c.get("t_s")), cue_text(c, report))
                 for c in (report.get("cues") or [])[:40] if isinstance(c, Mapping))
    return ResultText(
        title=title, status=status, status_label=status_label(status, check),
        status_class=status_class(status, check),
        headline=str(verdict.get("headline") or "Analysis finished"),
        details=tuple(str(d) for d in verdict.get("details") or []),
        facts=tuple(facts(report, title)), targets=check,
        metrics=tuple(summary_rows(report.get("summary"), str(report.get("exercise", "")))),
        events=event_table(report),
        faults=tuple(fault_lines(report)), cues=cues,
        next_step=next_step(report, check), film_help=needs_filming_help(report))


def next_step(report: Mapping[str, Any], check: TargetCheck | None) -> str:
    """The one thing to do next: refilm, fix the main fault, or the next target."""
    verdict = report.get("verdict") if isinstance(report.get("verdict"), Mapping) else {}
    status = verdict.get("status")
    if status == "not_assessable":
        suggested = report.get("suggested_exercise")
        if suggested:
            from posecoach.exercises import title_of

            return f"Analyse the clip again as {title_of(str(suggested)).lower()}, or film the exercise you chose."
        if needs_filming_help(report):
            return "Film it again side-on, whole body in the picture (see How to film)."
        return "Film it again with one whole set in the clip."
    faults = [f for f in fault_lines(report) if f.kind == "fault"]
    if status == "needs_work" and faults:
        longest = max(faults, key=lambda f: f.end_s - f.start_s)
        cue = next((cue_text(c, report) for c in report.get("cues") or []
                    if isinstance(c, Mapping) and c.get("code") == longest.code), "")
        return f"Next set, focus on one thing: {(cue or longest.label).rstrip('.')}."
    if check is not None:
        return check.next_step
    return "Film your next set the same way to track your progress."


# ------------------------------------------------------------------ comparisons
@dataclass(frozen=True)
class Change:
    label: str
    text: str            # "18 s, up 6 s from 12 s"
    better: bool | None  # None: no direction (or no change)


def change(label: str, unit: str, now: float | None, before: float | None,
           higher_is_better: bool = True) -> Change | None:
    if now is None or before is None:
        return None
    fmt = _unit_fmt(unit)
    diff = now - before
    if abs(diff) < (0.5 if unit in ("s", "deg") else 0.5):
        return Change(label, f"{fmt(now)}, the same as last time", None)
    word = "up" if diff > 0 else "down"
    return Change(label, f"{fmt(now)}, {word} {fmt(abs(diff))} from {fmt(before)}",
                  (diff > 0) == higher_is_better)


def asymmetry_percent(left: float | None, right: float | None) -> float | None:
    """|L - R| as a share of the larger side, in percent (0 = the same on both legs)."""
    if left is None or right is None or max(abs(left), abs(right)) == 0:
        return None
    return 100.0 * abs(left - right) / max(abs(left), abs(right))


def _unit_fmt(unit: str) -> Callable[[Any], str]:
    return {"s": seconds, "deg": degrees, "°": degrees}.get(unit, count)


def metric_value(unit: str, value: Any) -> str:
    """A progression metric's value in the one unit style."""
    return _unit_fmt(unit)(value)


def unit_suffix(unit: str) -> str:
    return {"s": "s", "deg": "°"}.get(unit, "")


def join(items: Sequence[str]) -> str:
    return ", ".join(i for i in items if i)
