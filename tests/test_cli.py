"""The CLI through main(argv): exit codes, one clear stderr line, nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pytest

from posecoach.cli import main
from tests import corpus


@pytest.mark.parametrize("case", sorted(set(corpus.UNREADABLE) - {"huge_image"}))
def test_unreadable_input_is_one_clear_line_and_nonzero_exit(case, tmp_path, capsys):
    path = corpus.UNREADABLE[case](tmp_path)
    out = tmp_path / "out"
    code = main(["analyze", str(path), "--out", str(out), "--no-video"])
    err = capsys.readouterr().err
    assert code == 2
    first = err.strip().splitlines()[0]
    assert first.startswith("posecoach: error: ") and path.name in first
    assert "Traceback" not in err
    assert not out.exists()


def test_missing_file(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.mp4")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_folder_without_media(tmp_path, capsys):
    assert main(["analyze", str(tmp_path)]) == 2
    assert "no video or image files" in capsys.readouterr().err


def test_bad_jobs_value_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["analyze", str(tmp_path), "--jobs", "0"])
    assert exc.value.code == 2


def test_models_list_shows_the_installed_full_model(full_model, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "full" in out and str(full_model) in out


def test_models_list_json_is_parseable(capsys):
    import json

    assert main(["models", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert isinstance(listed, list)
    assert all({"variant", "path", "size_bytes", "sha256", "source"} <= set(m) for m in listed)


def test_analyze_with_history_records_each_result_as_a_session(full_model, tmp_path, monkeypatch, capsys):
    import cv2

    from posecoach.history import HistoryStore, db_path_for
    from posecoach.video_io import iter_frames
    from tests.conftest import SAMPLES

    clip = SAMPLES / "origin_stretch_good_right.mp4"
    if not clip.exists():
        pytest.skip("sample_videos not generated")
    photo = tmp_path / "held_stretch.png"   # a photo of a held stretch is a valid input
    frames = iter_frames(clip)
    for i, (_, rgb) in enumerate(frames):
        if i == 150:   # mid-hold
            cv2.imwrite(str(photo), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            break
    frames.close()
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["analyze", str(photo), "--out", str(out)]) == 0
    assert not db_path_for(tmp_path / "data").exists()          # only when asked
    assert main(["analyze", str(photo), "--out", str(out), "--history"]) == 0
    assert "added 1 session to your history" in capsys.readouterr().out
    sessions = HistoryStore(db_path_for(tmp_path / "data")).list_sessions()
    assert [(s.source, s.exercise) for s in sessions] == [("cli", "origin-stretch")]
    assert sessions[0].files_dir == out.resolve()


def test_analyze_history_into_an_unusable_folder_keeps_the_report(full_model, tmp_path, monkeypatch, capsys):
    from tests.conftest import SAMPLES

    clip = SAMPLES / "origin_stretch_good_right.mp4"
    if not clip.exists():
        pytest.skip("sample_videos not generated")
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(blocker))
    out = tmp_path / "out"
    assert main(["analyze", str(clip), "--out", str(out), "--no-video", "--history", "--quiet"]) == 4
    err = capsys.readouterr().err
    assert "cannot use the history store" in err and "Traceback" not in err
    assert (out / "report.json").exists()
