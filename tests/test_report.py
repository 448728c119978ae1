"""posecoach.report: report.json (schema, verdict, no NaN), angles.csv, plots, report.html,
the annotated video, and the atomic swap of the output folder."""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

import av
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import posecoach.report as report_mod
from posecoach.exercises.base import Cue, Fault
from posecoach.kinematics import ANGLE_NAMES
from posecoach.report import build_report, load_schema, write_outputs
from posecoach.report.tables import COLUMNS
from tests.support.analyses import make_analysis, write_input_video

ROUNDED = Fault("rounded_back", 0.5, 1.5, "The back rounded instead of the hips hinging.")
FRONT_VIEW = Fault("not_side_view", 0.0, 2.0, "The camera sees you from the front. Turn side-on.")


def validate(report: dict) -> None:
    jsonschema.Draft202012Validator(load_schema(),
                                    format_checker=jsonschema.FormatChecker()).validate(report)


def test_schema_is_valid_draft_2020_12() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize("kwargs", [
    {},                                                             # good hold
    {"faults": [ROUNDED]},                                          # needs work
    {"conditions": [FRONT_VIEW]},                                   # not assessable
    {"exercise": "leg-swing", "holds": [], "swings": [{"swing": 1, "amplitude_deg": 40.0,
                                                       "forward_peak_t_s": 0.5}]},
    {"exercise": "curl-hip-lift", "holds": [], "reps": [{"rep": 1, "start_s": 0.2, "end_s": 1.2,
                                                         "peak_knee_flexion_deg": 95.0}]},
    {"missing": range(0, 60, 2)},                                   # person in half the frames
    {"kind": "image", "n": 1, "path": "still.jpg"},
])
def test_report_validates_against_schema(kwargs: dict) -> None:
    report = build_report(make_analysis(**kwargs))
    validate(report)
    assert report["schema_version"] == "1.0"
    assert set(report["versions"]) >= {"posecoach", "mediapipe", "numpy"}


def test_nan_and_infinity_become_null() -> None:
    analysis = make_analysis(summary={"score": float("nan"), "best": float("inf"), "list": [1.0, float("nan")]},
                             missing=[3, 4])
    report = build_report(analysis)
    assert report["summary"] == {"score": None, "best": None, "list": [1.0, None]}
    text = report_mod.dumps(report)
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text)


@pytest.mark.parametrize("kwargs, status, words", [
    ({}, "good", "Good form"),                                              # a clean hold
    ({"faults": [ROUNDED]}, "needs_work", "Keep your back flat"),          # the fault's cue
    ({"conditions": [FRONT_VIEW]}, "not_assessable", "turn side-on"),      # wrong view all along
    ({"missing": [i for i in range(60) if i % 4]}, "not_assessable", "25%"),   # person in 1 of 4 frames
    ({"holds": []}, "needs_work", "no complete hold"),                     # judged, but no hold
])
def test_verdict(kwargs: dict, status: str, words: str) -> None:
    verdict = build_report(make_analysis(**kwargs))["verdict"]
    assert verdict["status"] == status
    assert words in verdict["headline"]
    assert verdict["headline"].endswith(".") and verdict["headline"].count(". ") == 0  # one sentence


def test_report_fields_describe_the_clip() -> None:
    report = build_report(make_analysis(faults=[ROUNDED], cues=[Cue(0.6, "Keep your back flat", "rounded_back")]))
    assert report["input"] == {"path": "clip.mp4", "kind": "video", "fps": 30.0, "frames": 60,
                               "duration_s": 2.0, "width": 320, "height": 240, "rotation": 0}
    assert report["pose"]["detection_rate"] == 1.0
    assert (report["view"], report["facing"], report["working_side"]) == ("side", "right", "right")
    assert report["faults"][0]["code"] == "rounded_back" and report["faults"][0]["end_s"] == 1.5
    assert report["cues"] == [{"t_s": 0.6, "text": "Keep your back flat", "code": "rounded_back"}]
    assert report["settings"]["model"] == "full" and "exercises" in report["settings"]


# ---------------------------------------------------------------- files
@pytest.fixture()
def written(tmp_path: Path) -> tuple[Path, dict]:
    clip = write_input_video(tmp_path / "in.mp4")
    analysis = make_analysis(path=str(clip), faults=[ROUNDED], missing=[10],
                             cues=[Cue(0.6, "Keep your back flat", "rounded_back")])
    out = tmp_path / "out" / "clip"
    return out, write_outputs(analysis, out, video=True)


def test_writes_every_output(written: tuple[Path, dict]) -> None:
    out, report = written
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [".posecoach-report", "angles.csv", "annotated.mp4", "plots/angles.png",
                     "plots/timeline.png", "poster.jpg", "report.html", "report.json"]
    on_disk = json.loads((out / "report.json").read_text())
    assert on_disk == report
    validate(on_disk)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp folders left


def test_annotated_video_is_browser_playable(written: tuple[Path, dict]) -> None:
    out, _ = written
    with av.open(str(out / "annotated.mp4")) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert sum(1 for _ in container.decode(stream)) == 60


def test_angles_csv(written: tuple[Path, dict]) -> None:
    out, _ = written
    with open(out / "angles.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS
    assert list(COLUMNS[:9]) == ["t_s", "detected", *ANGLE_NAMES]
    assert len(rows) == 60
    assert rows[10]["detected"] == "0" and all(rows[10][n] == "" for n in ANGLE_NAMES)
    assert re.fullmatch(r"-?\d+\.\d\d", rows[30]["trunk_inclination"])
    assert math.isclose(float(rows[30]["trunk_inclination"]), 60.0, abs_tol=0.5)
    assert rows[30]["active_faults"] == "rounded_back" and rows[30]["good_form"] == "0"
    assert rows[1]["t_s"] == "0.033"


def test_html_is_self_contained(written: tuple[Path, dict]) -> None:
    out, report = written
    html = (out / "report.html").read_text()
    assert report["verdict"]["headline"] in html
    assert 'class="verdict warn"' in html and 'data-status="needs_work"' in html
    assert html.index('id="verdict"') < html.index('id="metrics"') < html.index("<h2>Charts")
    assert len(re.findall(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', html)) == 2
    assert '<video id="annotated" src="annotated.mp4" controls' in html
    assert 'id="fault-timeline"' in html and "Back rounding" in html
    assert 'id="cues"' in html and "Keep your back flat" in html
    # Nothing fetched from the network.
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_html_escapes_input_names(tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    analysis = make_analysis(path=f"/clips/{evil}.mp4",
                             faults=[Fault("rounded_back", 0.2, 0.9, f"back {evil}")])
    write_outputs(analysis, tmp_path / "o", video=False)
    html = (tmp_path / "o" / "report.html").read_text()
    assert evil not in html and "&lt;script&gt;" in html


def test_no_video_and_chart_choice(tmp_path: Path) -> None:
    swings = [{"swing": i + 1, "amplitude_deg": 30.0 + 5 * i, "forward_peak_t_s": 0.3 * i,
               "backward_peak_t_s": 0.3 * i + 0.15} for i in range(5)]
    report = write_outputs(make_analysis("leg-swing", holds=[], swings=swings), tmp_path / "o", video=False)
    assert not (tmp_path / "o" / "annotated.mp4").exists()
    assert report["files"]["annotated"] is None
    assert report["files"]["plots"] == ["plots/angles.png", "plots/timeline.png", "plots/swings.png"]
    assert "<video" not in (tmp_path / "o" / "report.html").read_text()
    reps = [{"rep": 1, "start_s": 0.2, "end_s": 1.0, "peak_knee_flexion_deg": 95.0,
             "peak_hip_extension_deg": 9.0}]
    report = write_outputs(make_analysis("curl-hip-lift", holds=[], reps=reps), tmp_path / "c", video=False)
    assert "plots/reps.png" in report["files"]["plots"]


def test_still_image_gets_annotated_jpg(tmp_path: Path) -> None:
    import cv2
    import numpy as np

    still = tmp_path / "still.jpg"
    cv2.imwrite(str(still), np.full((240, 320, 3), 80, np.uint8))
    report = write_outputs(make_analysis(n=1, kind="image", path=str(still)), tmp_path / "o")
    assert (tmp_path / "o" / "annotated.jpg").stat().st_size > 0
    assert report["files"]["annotated"] == "annotated.jpg"
    assert '<img class="still" id="annotated" src="annotated.jpg"' in (tmp_path / "o" / "report.html").read_text()


# ---------------------------------------------------------------- atomicity
def _explode(*args: object, **kwargs: object) -> str:
    raise RuntimeError("disk on fire")


def test_failure_mid_write_leaves_no_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "clip"
    monkeypatch.setattr(report_mod, "render_html", _explode)  # after csv, plots and video
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_outputs(make_analysis(), out, video=False)
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_the_previous_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "clip"
    first = write_outputs(make_analysis(), out, video=False)
    before = (out / "report.json").read_text()
    monkeypatch.setattr(report_mod, "render_html", _explode)
    with pytest.raises(RuntimeError):
        write_outputs(make_analysis(faults=[ROUNDED]), out, video=False)
    assert (out / "report.json").read_text() == before
    assert first["verdict"]["status"] == "good"
    assert [p.name for p in tmp_path.iterdir()] == ["clip"]


def test_rerun_replaces_the_folder(tmp_path: Path) -> None:
    out = tmp_path / "clip"
    write_outputs(make_analysis(), out, video=False)
    (out / "plots" / "angles.png").unlink()         # a file the earlier run wrote, changed
    report = write_outputs(make_analysis(faults=[ROUNDED]), out, video=False)
    assert (out / "plots" / "angles.png").exists()
    assert json.loads((out / "report.json").read_text())["verdict"] == report["verdict"]
    assert [p.name for p in tmp_path.iterdir()] == ["clip"]


def test_a_report_folder_holding_a_users_file_is_never_replaced(tmp_path: Path) -> None:
    from posecoach.errors import OutputError

    out = tmp_path / "clip"
    write_outputs(make_analysis(), out, video=False)
    before = (out / "report.json").read_text()
    (out / "plots" / "my-sketch.png").write_bytes(b"mine")
    with pytest.raises(OutputError, match="holds files PoseCoach did not write"):
        write_outputs(make_analysis(faults=[ROUNDED]), out, video=False)
    assert (out / "plots" / "my-sketch.png").read_bytes() == b"mine"
    assert (out / "report.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["clip"]


def test_interrupted_run_leaves_only_a_hidden_partial_folder(tmp_path: Path) -> None:
    """A killed process cannot clean up; what it leaves must not look like a report."""
    from posecoach.report.atomic import atomic_output_dir

    out = tmp_path / "clip"
    with pytest.raises(KeyboardInterrupt), atomic_output_dir(out) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".clip.partial-")
        (tmp / "report.json").write_text("{}")
        raise KeyboardInterrupt
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_next_run_removes_what_a_killed_run_left_behind(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(done.stdout)   # that process has exited
    killed = tmp_path / f".clip.partial-{dead_pid}-x1"
    running = tmp_path / f".clip.partial-{os.getppid()}-x2"   # a live writer: keep
    for folder in (killed, running):
        folder.mkdir()
        (folder / "report.json").write_text("{}")
        (folder / ".posecoach-report").write_text('{"posecoach_report": 1, "source": "", "files": []}')
    write_outputs(make_analysis(), tmp_path / "clip", video=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["clip", running.name])


def test_out_path_that_is_a_file_is_an_output_error(tmp_path: Path) -> None:
    from posecoach.errors import OutputError

    (tmp_path / "clip").write_text("not a folder")
    with pytest.raises(OutputError):
        write_outputs(make_analysis(), tmp_path / "clip", video=False)


# ---------------------------------------------------------------- end to end
@pytest.mark.slow
def test_end_to_end_on_a_real_clip(tmp_path: Path) -> None:
    from posecoach.analysis import AnalysisOptions, analyze_media
    from tests.conftest import realclip

    clip = realclip("hinge_deadlift_barbell_side_posereader2.mp4")
    analysis = analyze_media(clip, AnalysisOptions(exercise="origin-stretch", model="lite"))
    report = write_outputs(analysis, tmp_path / "deadlift", video=True)
    validate(report)
    assert report["view"] == "side"   # what the analysers conclude is pinned by their own tests
    assert (tmp_path / "deadlift" / "report.html").read_text().count("data:image/png;base64,") >= 2
    with av.open(str(tmp_path / "deadlift" / "annotated.mp4")) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(analysis.samples)


def test_replacing_falls_back_without_an_atomic_exchange(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from posecoach.report import atomic

    out = tmp_path / "clip"
    write_outputs(make_analysis(), out, video=False)
    monkeypatch.setattr(atomic, "_exchange", lambda a, b: False)
    report = write_outputs(make_analysis(faults=[ROUNDED]), out, video=False)
    assert json.loads((out / "report.json").read_text())["verdict"] == report["verdict"]
    assert [p.name for p in tmp_path.iterdir()] == ["clip"]


def test_nobody_in_the_clip(tmp_path: Path) -> None:
    report = write_outputs(make_analysis(missing=range(60), holds=[]), tmp_path / "o", video=False)
    validate(report)
    assert report["verdict"]["status"] == "not_assessable"
    assert report["pose"]["detection_rate"] == 0.0
    assert report["view"] == "unknown" and report["facing"] == "unknown"
    assert report["files"]["plots"] == ["plots/timeline.png"]  # no angle was measurable


def test_video_failure_leaves_no_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import posecoach.render

    clip = write_input_video(tmp_path / "in.mp4", n=20)
    monkeypatch.setattr(posecoach.render, "render_video", _explode)  # the media worker fails
    with pytest.raises(RuntimeError, match="disk on fire"):
        write_outputs(make_analysis(n=20, path=str(clip)), tmp_path / "out", video=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_an_existing_annotated_video_is_included(tmp_path: Path) -> None:
    """The live session records its own annotated video; the report links it."""
    recording = write_input_video(tmp_path / "live.mp4", n=10)
    report = write_outputs(make_analysis(n=10), tmp_path / "o", video=False, annotated_video=recording)
    assert report["files"]["annotated"] == "annotated.mp4"
    assert (tmp_path / "o" / "annotated.mp4").read_bytes() == recording.read_bytes()
    assert recording.exists()
    assert '<video id="annotated" src="annotated.mp4"' in (tmp_path / "o" / "report.html").read_text()


# ---------------------------------------------------------------- property
_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=6), inner, max_size=4),
    max_leaves=12)


@settings(max_examples=40, deadline=None)
@given(summary=st.dictionaries(st.text(min_size=1, max_size=10), _values, max_size=6),
       start=st.floats(allow_nan=True, allow_infinity=True))
def test_any_summary_gives_strict_valid_json(summary: dict, start: float) -> None:
    fault = Fault("rounded_back", start, 1.0, "msg")
    # An exercise not in the registry: its summary is free-form (a registered one's is typed).
    report = build_report(make_analysis("yoga-flow", n=6, summary=summary, faults=[fault]))
    json.loads(report_mod.dumps(report))  # raises on NaN / infinity
    validate(report)
