"""A fourth exercise (tests/support/toe_touch.py: one module) registered with one line
shows up in the CLI choices, the overlay panel, the report and the history, with no
other file touched."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import numpy as np
import pytest

from posecoach.analysis import ClipAnalysis
from posecoach.cli import build_parser
from posecoach.exercises import registry
from posecoach.history import HistoryStore, format_progression, tracked_exercises
from posecoach.render import Annotator
from posecoach.render import annotator as annotator_module
from posecoach.report import load_schema, write_outputs
from posecoach.video_io import MediaInfo
from tests.support import toe_touch
from tests.support.figures import hinge_clip
from tests.support.analyses import measurement


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.SPECS, toe_touch.SPEC.id, toe_touch.SPEC)   # the registry line


@pytest.fixture
def analysis(registered: None) -> ClipAnalysis:
    samples = hinge_clip(trunk=70.0, hold_s=3.0)
    analyser = registry.create("toe-touch")
    feedback = [analyser.update(s) for s in samples]
    info = MediaInfo(path="toe.mp4", kind="video", fps=30.0, frames=len(samples),
                     duration_s=samples[-1].t_s, width=samples[0].width,
                     height=samples[0].height, rotation=0)
    return ClipAnalysis(info=info, exercise="toe-touch", model="full",
                        measurements=[measurement(s) for s in samples], samples=samples,
                        feedback=feedback, result=analyser.result())


def test_cli_choices(registered: None) -> None:
    parser = build_parser()
    assert parser.parse_args(["analyze", "x.mp4", "--exercise", "toe-touch"]).exercise == "toe-touch"
    assert parser.parse_args(["live", "--exercise", "toe-touch"]).exercise == "toe-touch"
    assert parser.parse_args(["history", "--exercise", "toe-touch"]).exercise == "toe-touch"


def test_overlay_panel(monkeypatch: pytest.MonkeyPatch, analysis: ClipAnalysis) -> None:
    texts: list[str] = []
    draw = annotator_module._text
    monkeypatch.setattr(annotator_module, "_text",
                        lambda img, text, *a, **k: (texts.append(text), draw(img, text, *a, **k)))
    holding = next(f for f in reversed(analysis.feedback) if f.phase == "holding")
    sample = analysis.samples[0]
    Annotator().annotate(np.zeros((sample.height, sample.width, 3), np.uint8), sample, holding,
                         "toe-touch")
    assert "toe touch" in texts and "Toe touch | holding" in texts


def test_report(tmp_path: Path, analysis: ClipAnalysis) -> None:
    report = write_outputs(analysis, tmp_path / "out", video=False)
    jsonschema.Draft202012Validator(load_schema()).validate(report)
    assert report["verdict"]["headline"] == "Good form: 1 toe touch, no faults found."
    assert report["summary"]["holds"] == 1 and len(report["holds"]) == 1
    assert "Toe touch" in (tmp_path / "out" / "report.html").read_text("utf-8")
    assert json.loads((tmp_path / "out" / "report.json").read_text())["exercise"] == "toe-touch"


def test_history(tmp_path: Path, analysis: ClipAnalysis) -> None:
    report = write_outputs(analysis, tmp_path / "out", video=False)
    store = HistoryStore(tmp_path / "posecoach.db")
    store.add_session(report, "cli", tmp_path / "out")
    assert "toe-touch" in tracked_exercises()
    progression = store.progression("toe-touch")
    [row] = progression.rows()
    assert row["longest_hold_s"] == pytest.approx(report["summary"]["longest_hold_s"])
    assert row["longest_hold_s"] > 2.0
    assert "Longest toe touch (s)" in format_progression(progression)
