"""The contract between each exercise and the rest of PoseCoach.

Each analyser's *real* output (clean synthetic sets, no pose model) is pushed through
every consumer: the overlay panel, report.json (validated against the schema), the
history's progression metrics and the web result view; each must find every field the
exercise's spec and records declare. Plus: no exercise id is written as a literal outside
posecoach/exercises/ (and synth/), and live sets report the settings the session ran with.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import posecoach
from posecoach import exercises
from posecoach.exercises import records
from posecoach.analysis import ClipAnalysis
from posecoach.history import key_metrics
from posecoach.render import Annotator
from posecoach.render import annotator as annotator_module
from posecoach.report import build_report, load_schema
from posecoach.video_io import MediaInfo
from posecoach.web.views import result_view
from tests.support.figures import curl_clip, hinge_clip, swing_clip
from tests.support.analyses import measurement

# One clean set per shipped exercise, with events in it.
CLIPS = {"origin-stretch": lambda: hinge_clip(hold_s=3.0),
         "leg-swing": lambda: swing_clip([(60, -25)] * 4),
         "curl-hip-lift": lambda: curl_clip(n=3)}


def analyse_clip(exercise: str) -> ClipAnalysis:
    samples = CLIPS[exercise]()
    analyser = exercises.create(exercise)
    feedback = [analyser.update(s) for s in samples]
    duration = samples[-1].t_s - samples[0].t_s
    info = MediaInfo(path=f"{exercise}.mp4", kind="video", fps=30.0, frames=len(samples),
                     duration_s=duration, width=samples[0].width, height=samples[0].height,
                     rotation=0)
    return ClipAnalysis(info=info, exercise=exercise, model="full",
                        measurements=[measurement(s) for s in samples], samples=samples,
                        feedback=feedback, result=analyser.result())


@pytest.fixture(scope="module", params=list(CLIPS))
def real(request: pytest.FixtureRequest) -> ClipAnalysis:
    return analyse_clip(request.param)


def drawn_texts(monkeypatch: pytest.MonkeyPatch, analysis: ClipAnalysis) -> list[str]:
    """The texts the annotator draws for the set's last frame."""
    texts: list[str] = []
    draw = annotator_module._text

    def spy(img: Any, text: str, *args: Any, **kwargs: Any) -> None:
        texts.append(text)
        draw(img, text, *args, **kwargs)

    monkeypatch.setattr(annotator_module, "_text", spy)
    sample = analysis.samples[-1]
    import numpy as np

    frame = np.zeros((sample.height, sample.width, 3), np.uint8)
    Annotator().annotate(frame, sample, analysis.feedback[-1], analysis.exercise)
    return texts


# ---------------------------------------------------------------- the overlay panel
def test_the_curl_panel_draws_the_thigh_lift_of_the_last_rep(monkeypatch) -> None:
    """The bug this contract exists for: the panel read a counter no analyser emits."""
    texts = drawn_texts(monkeypatch, analyse_clip("curl-hip-lift"))
    assert any(t.startswith("thigh lift 20") for t in texts), texts
    assert any(t.startswith("last curl to 115") for t in texts), texts


def test_the_panel_shows_every_line_of_the_spec(monkeypatch, real: ClipAnalysis) -> None:
    spec = exercises.spec_for(real.exercise)
    counters = real.feedback[-1].counters
    assert isinstance(counters, spec.counters_type)
    assert set(spec.panel.counter_names()) <= set(spec.counters_type.field_names())
    texts = drawn_texts(monkeypatch, real)
    for line in spec.panel.lines:
        assert any(t.startswith(line.label + " ") for t in texts), (line.label, texts)
    assert spec.panel.headline.label in texts


# ---------------------------------------------------------------- report.json
def test_the_report_has_every_field_and_validates(real: ClipAnalysis) -> None:
    spec = exercises.spec_for(real.exercise)
    report = build_report(real)
    jsonschema.Draft202012Validator(load_schema()).validate(report)
    assert list(report["summary"]) == list(spec.summary_type.field_names())
    events = report[spec.events_name]
    assert events, "a clean set has events"
    for event in events:
        assert list(event) == list(spec.event_type.field_names())
    assert report["verdict"]["status"] == "good"
    assert spec.count_phrase(len(events)) in report["verdict"]["headline"]


def test_the_schema_rejects_a_report_missing_an_exercise_field(real: ClipAnalysis) -> None:
    spec = exercises.spec_for(real.exercise)
    report = build_report(real)
    first_key = spec.event_type.field_names()[-1]
    del report[spec.events_name][0][first_key]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(report)
    report = build_report(real)
    del report["summary"][spec.summary_type.field_names()[0]]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(report)


# ---------------------------------------------------------------- history and web
def test_history_reads_every_progression_metric(real: ClipAnalysis) -> None:
    spec = exercises.spec_for(real.exercise)
    report = build_report(real)
    metrics = key_metrics(report)
    assert list(metrics) == [m.key for m in spec.progression]
    other_side = {"left": "right", "right": "left"}.get(str(report["working_side"]), "")
    for key, value in metrics.items():
        if other_side and f"_{other_side}_" in key:
            continue   # a one-legged set measures nothing for the other leg
        assert value is not None, key


def test_the_web_result_view_shows_every_field(real: ClipAnalysis) -> None:
    """Every summary and event field reaches the result page, labelled for a runner, unless
    presentation declares it technical (kept in report.json only)."""
    from posecoach.presentation import SUMMARY, TECHNICAL, TECHNICAL_EVENT

    spec = exercises.spec_for(real.exercise)
    report = build_report(real)
    text = result_view(report, {})["text"]
    shown = {m.label for m in text.metrics}
    for key in spec.summary_type.field_names():
        if key in TECHNICAL or report["summary"][key] is None:
            continue
        assert key in SUMMARY and SUMMARY[key].label in shown, key
    table = text.events
    assert table is not None and table.title.lower().startswith(spec.events_name)
    assert set(table.keys) == set(spec.event_type.field_names()) - TECHNICAL_EVENT - (
        {"bounced"} if not any(e.get("bounced") for e in report[spec.events_name]) else set())
    assert table.count == len(report[spec.events_name])


# ---------------------------------------------------------------- one source of truth
def test_no_exercise_id_literal_outside_the_exercises_package() -> None:
    root = Path(posecoach.__file__).parent
    ids = set(exercises.exercise_ids())
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] in ("exercises", "synth"):
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ids:
                found.append(f"{rel}:{node.lineno}: {node.value!r}")
    assert not found, "exercise ids belong in posecoach/exercises/:\n" + "\n".join(found)


# ---------------------------------------------------------------- live sets
@pytest.mark.parametrize("exercise, mask", [("leg-swing", False), ("origin-stretch", True)])
def test_a_live_set_reports_the_settings_the_session_ran_with(tmp_path, exercise, mask) -> None:
    from tests.support.live_fakes import FakeSource, run_session

    summary = run_session(tmp_path, FakeSource(20), exercise=exercise, model="lite")
    [saved] = summary.saved
    settings = saved.report["settings"]
    assert settings["segmentation"] is mask
    assert settings["model"] == "lite" and settings["exercise"] == exercise


@pytest.mark.parametrize("record", records.EVENT_TYPES, ids=lambda r: r.__name__)
def test_the_schema_file_describes_each_event_record_exactly(record) -> None:
    definition = load_schema()["$defs"][record.__name__.lower()]
    assert definition["required"] == list(record.field_names())
    assert list(definition["properties"]) == list(record.field_names())
