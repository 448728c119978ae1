"""The awkward-input corpus end to end: every case ends well (docs/reliability.md).

Readable inputs with person-level problems give a report whose conditions say what
happened, with analysis of the usable parts; rotation and variable frame rate are
honoured; interruptions leave nothing that looks complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media
from posecoach.cli import main
from posecoach.video_io import iter_frames
from tests import corpus
from tests.conftest import SAMPLES

PERSON = SAMPLES / "origin_stretch_good_right.mp4"
OPTIONS = AnalysisOptions(exercise="origin-stretch", model="full")

pytestmark = pytest.mark.skipif(not PERSON.exists(), reason="sample_videos not generated")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def _codes(a: ClipAnalysis) -> set[str]:
    return set(a.result.fault_codes) | set(a.result.condition_codes)


def _analyze(path: Path) -> ClipAnalysis:
    return analyze_media(path, OPTIONS)


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotation_metadata_is_honoured(folder, full_model, rotation):
    path = corpus.rotated_video(folder, PERSON, rotation)
    upright = corpus.write_video(folder / f"upright_{rotation}.mp4", corpus.load_frames(PERSON, 60))
    a, b = _analyze(path), _analyze(upright)
    assert (a.info.width, a.info.height) == (b.info.width, b.info.height)
    assert a.detection_rate >= 0.9
    # The skeleton lines up with the body: same landmarks as the upright clip.
    both = [(m, n) for m, n in zip(a.measurements, b.measurements) if m.detected and n.detected]
    err = np.nanmedian([np.nanmedian(np.linalg.norm(m.xy - n.xy, axis=1)) for m, n in both])
    assert err < 0.02 * max(a.info.width, a.info.height)


def test_variable_frame_rate_uses_real_timestamps(folder, full_model):
    path = corpus.variable_frame_rate(folder, PERSON)
    decoded = [t for t, _ in iter_frames(path)]
    a = _analyze(path)
    np.testing.assert_allclose([m.t_s for m in a.measurements], decoded)
    gaps = np.diff(decoded)
    assert gaps.max() > 1.8 * gaps.min()  # really variable
    assert a.detection_rate >= 0.9


def test_no_person_is_reported_not_crashed(folder, full_model):
    a = _analyze(corpus.no_person(folder))
    assert a.detection_rate == 0.0
    assert "no_person" in _codes(a)


def test_person_leaving_and_returning_keeps_the_usable_parts(folder, full_model):
    a = _analyze(corpus.leaves_and_returns(folder, PERSON))
    assert 0.5 <= a.detection_rate <= 0.8
    assert _codes(a) & {"no_person", "body_out_of_frame"}
    gap = [c for c in a.result.conditions if c.code in ("no_person", "body_out_of_frame")]
    duration = a.measurements[-1].t_s
    assert any(c.start_s > 0.2 * duration and c.end_s < 0.85 * duration for c in gap)


def test_feet_cut_off_is_body_out_of_frame(folder, full_model):
    a = _analyze(corpus.feet_cut_off(folder, PERSON))
    assert "body_out_of_frame" in _codes(a)


def test_two_people_is_multiple_people(folder, full_model):
    a = _analyze(corpus.two_people(folder, PERSON))
    assert "multiple_people" in _codes(a)


def test_one_frame_video_and_huge_image_give_reports(folder, full_model, tmp_path):
    for path in (corpus.one_frame_video(folder, PERSON), corpus.huge_image(folder)):
        out = tmp_path / path.stem
        assert main(["analyze", str(path), "--out", str(out), "--no-video", "--quiet"]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["input"]["frames"] >= 1


def test_ctrl_c_during_analysis_leaves_no_report(tmp_path, monkeypatch, capsys, full_model):
    import posecoach.analysis as analysis

    real = analysis.measure_stream

    def interrupted(*args, **kwargs):
        for i, item in enumerate(real(*args, **kwargs)):
            if i == 5:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(analysis, "measure_stream", interrupted)
    out = tmp_path / "out"
    assert main(["analyze", str(PERSON), "--out", str(out)]) == 130
    assert not out.exists()
    assert "interrupted" in capsys.readouterr().err


def test_ctrl_c_while_writing_outputs_leaves_nothing_that_looks_complete(tmp_path, monkeypatch, full_model):
    import posecoach.report as report

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_angles_csv", boom)
    out = tmp_path / "out"
    assert main(["analyze", str(PERSON), "--out", str(out), "--no-video"]) == 130
    assert not (out / "report.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no partial folder left behind


def test_web_answers_every_unreadable_case_with_json_4xx_and_keeps_serving(tmp_path):
    pytest.importorskip("httpx", reason="TestClient needs httpx")
    from fastapi.testclient import TestClient

    from posecoach.web.app import create_app
    from tests.test_web_api import settings, upload, wait_for
    from tests.test_web_support import make_clip

    good = make_clip(tmp_path / "good.mp4")
    cases = tmp_path / "cases"
    cases.mkdir()
    with TestClient(create_app(settings(tmp_path / "data"))) as client:
        for name, build in corpus.UNREADABLE.items():
            path = build(cases)
            response = upload(client, good, filename=path.name, content=path.read_bytes())
            if response.status_code == 202:  # readable after all (e.g. a large still): a report
                assert wait_for(client, response.json()["id"])["status"] in ("done", "failed")
                continue
            assert 400 <= response.status_code < 500, name
            assert response.json()["error"] and "Traceback" not in response.text
        ok = upload(client, good)
        assert ok.status_code == 202
        assert wait_for(client, ok.json()["id"])["status"] == "done"


def test_truncated_video_is_a_clear_error_or_keeps_what_was_recorded(folder, tmp_path, capsys, full_model):
    from posecoach.video_io import VideoWriter

    plain = corpus.write_video(folder / "plain.mp4", corpus.load_frames(PERSON, 60))  # index at the end
    cut = corpus.truncated_mp4(folder, plain)
    assert main(["analyze", str(cut), "--out", str(tmp_path / "a"), "--no-video"]) == 2
    assert "truncated.mp4" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()

    faststart = folder / "faststart.mp4"  # how PoseCoach records: index first
    with VideoWriter(faststart, 1280, 720, 30.0) as writer:
        for rgb in corpus.load_frames(PERSON, 60):
            writer.write(rgb)
    data = faststart.read_bytes()
    partial = folder / "partial.mp4"
    partial.write_bytes(data[: len(data) // 2])
    code = main(["analyze", str(partial), "--out", str(tmp_path / "b"), "--no-video", "--quiet"])
    err = capsys.readouterr().err
    if code == 0:  # the decodable part was analysed
        assert json.loads((tmp_path / "b" / "report.json").read_text())["input"]["frames"] >= 1
    else:
        assert code == 2 and "partial.mp4" in err and "Traceback" not in err
        assert not (tmp_path / "b").exists()
