"""`posecoach live --headless` on real video with the lite model: the same verdicts as
`analyze` when no frame is dropped, and a real-time paced run that completes and saves."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media
from posecoach.live import LiveOptions, LiveSession
from posecoach.live.cli import add_live_arguments, run_live
from posecoach.live.framing import FramingConfig
from tests import corpus
from tests.conftest import SAMPLES
from tests.support.exercise_clips import CLIPS, clip_for

pytestmark = pytest.mark.slow

def events(report: dict) -> int:
    return len(report["holds"]) + len(report["swings"]) + len(report["reps"])


def offline(clip: Path, exercise: str) -> ClipAnalysis:
    return analyze_media(clip, AnalysisOptions(exercise=exercise, model="lite"))


@pytest.mark.parametrize("exercise", list(CLIPS))
def test_live_without_dropping_frames_gives_the_verdicts_of_analyze(tmp_path: Path, exercise: str) -> None:
    clip = clip_for(exercise)
    reference = offline(clip, exercise).result
    summary = LiveSession(LiveOptions(
        exercise=exercise, camera=str(clip), headless=True, pace=False, model="lite",
        framing=FramingConfig(enabled=False), out_dir=tmp_path / "live",
        history_db=tmp_path / "history.db")).run()
    assert summary.reason == "ended" and summary.frames_dropped == 0
    live = json.loads((tmp_path / "live" / "report.json").read_text())
    # Live smooths causally (One-Euro) where analyze smooths zero-phase over the clip, so
    # event counts may differ by one; fault and condition codes must agree.
    assert {f["code"] for f in live["faults"]} == set(reference.fault_codes)
    assert {c["code"] for c in live["conditions"]} == set(reference.condition_codes)
    expected = len(reference.holds) + len(reference.swings) + len(reference.reps)
    assert abs(events(live) - expected) <= max(1, round(0.2 * expected))


def test_live_paced_in_real_time_completes_and_saves(tmp_path: Path, capsys) -> None:
    clip = clip_for("origin-stretch")
    args = add_live_arguments(argparse.ArgumentParser()).parse_args(
        ["--exercise", "origin-stretch", "--camera", str(clip), "--headless", "--record",
         "--duration", "3", "--no-countdown", "--out", str(tmp_path / "paced")])
    history = tmp_path / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSECOACH_DATA_DIR", str(history))
        assert run_live(args) == 0
    printed = capsys.readouterr().out
    assert "live session ended (duration)" in printed
    out = tmp_path / "paced"
    assert {"report.json", "angles.csv", "annotated.mp4"} <= {p.name for p in out.iterdir()}
    assert (history / "posecoach.db").exists()


def test_live_reports_a_second_person_in_view(tmp_path: Path) -> None:
    """Live counts people on its own thread (every 2 s) like analyze does offline."""
    person = SAMPLES / "origin_stretch_good_right.mp4"
    if not person.exists():
        pytest.skip("sample_videos not generated")
    clip = corpus.two_people(tmp_path, person, frames_n=120)
    summary = LiveSession(LiveOptions(
        exercise="origin-stretch", camera=str(clip), headless=True, model="lite",
        framing=FramingConfig(enabled=False), out_dir=tmp_path / "live",
        history_db=tmp_path / "history.db")).run()
    assert summary.reason == "ended" and not summary.notices
    live = json.loads((tmp_path / "live" / "report.json").read_text())
    assert "multiple_people" in {c["code"] for c in live["conditions"]}
