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
    from posecoach.history import HistoryStore, db_path_for
    from tests.support.exercise_clips import held_stretch_photo

    photo = held_stretch_photo(tmp_path)   # a photo of a held stretch is a valid input
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


# ---------------------------------------------------------------- --out never loses anything (issue 12)
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402


@pytest.fixture(scope="module")
def small_clip(tmp_path_factory) -> Path:
    """A tiny clip (no person: the analysis is quick and still writes a report)."""
    return corpus.write_video(tmp_path_factory.mktemp("clip") / "clip.mp4", corpus.gradient_frames(64, 64, 12))


def _user_files(folder: Path) -> dict[str, bytes]:
    """Someone's folder: files, a hidden one and a subfolder."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"notes.txt": b"my training notes\n", ".hidden": b"settings", "photos/run.jpg": b"\xff\xd8 not a photo",
             "report.json": b'{"mine": true}'}
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return files


def _unchanged(folder: Path, files: dict[str, bytes]) -> bool:
    return all((folder / name).read_bytes() == data for name, data in files.items())


def _analyze(*args: str) -> int:
    return main(["analyze", *args, "--no-video", "--quiet"])


def test_out_pointed_at_a_folder_of_user_files_keeps_every_file(small_clip, tmp_path, full_model):
    documents = tmp_path / "Documents"
    files = _user_files(documents)
    assert _analyze(str(small_clip), "--out", str(documents)) == 0
    assert _unchanged(documents, files)
    assert (documents / "clip" / "report.json").exists()      # the report went into DIR/<input name>/
    assert _analyze(str(small_clip), "--out", str(documents)) == 0  # and again: its own report replaced
    assert _unchanged(documents, files)
    assert sorted(p.name for p in documents.iterdir()) == sorted([".hidden", "clip", "notes.txt", "photos",
                                                                  "report.json"])


def test_a_report_folder_is_replaced_only_while_it_holds_nothing_else(small_clip, tmp_path, full_model):
    out = tmp_path / "out"
    assert _analyze(str(small_clip), "--out", str(out)) == 0
    assert (out / ".posecoach-report").exists()
    first = (out / "report.json").read_text()
    assert _analyze(str(small_clip), "--out", str(out)) == 0      # an earlier report: replaced in place
    assert (out / "report.json").exists() and not (out / "clip").exists()
    assert json.loads(first)["input"] == json.loads((out / "report.json").read_text())["input"]
    (out / "my comments.txt").write_text("knee felt tight")      # the user adds a note to it
    assert _analyze(str(small_clip), "--out", str(out)) == 0
    assert (out / "my comments.txt").read_text() == "knee felt tight"
    assert (out / "clip" / "report.json").exists()


def test_out_dot_writes_a_subfolder_of_the_current_folder(small_clip, tmp_path, monkeypatch, full_model):
    monkeypatch.chdir(tmp_path)
    files = _user_files(tmp_path)
    assert _analyze(str(small_clip), "--out", ".") == 0
    assert _unchanged(tmp_path, files)
    assert (tmp_path / "clip" / "report.json").exists()


@contextlib.contextmanager
def _tmpfs(where: Path, options: str):
    """A small tmpfs mounted at `where` (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "posecoach-test", str(where)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_out_on_a_mount_point_writes_a_subfolder(small_clip, tmp_path, full_model):
    with _tmpfs(tmp_path / "usb", "size=4m") as usb:
        assert _analyze(str(small_clip), "--out", str(usb)) == 0
        assert (usb / "clip" / "report.json").exists()


def test_inputs_with_the_same_name_get_separate_folders(small_clip, tmp_path, capsys, full_model):
    import shutil

    inputs = [tmp_path / "a" / "clip.mp4", tmp_path / "b" / "clip.mp4", tmp_path / "a" / "clip.mkv"]
    for path in inputs:
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(small_clip, path)
    out = tmp_path / "out"
    assert main(["analyze", *map(str, inputs), "--out", str(out), "--no-video", "--json"]) == 0
    reports = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == ["clip", "clip-2", "clip-3"]
    assert [r["input"]["path"] for r in reports] == [str(p) for p in inputs]
    assert main(["analyze", *map(str, inputs), "--out", str(out), "--no-video", "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["clip", "clip-2", "clip-3"]   # each replaced its own
    for name, path in zip(["clip", "clip-2", "clip-3"], inputs):
        assert json.loads((out / name / "report.json").read_text())["input"]["path"] == str(path)
    assert main(["analyze", str(inputs[1]), "--no-video", "--quiet", "--out", str(out)]) == 0
    assert not (out / "clip-4").exists()    # out holds other things: b/clip.mp4 found its own clip-2


def test_a_batch_with_bad_inputs_analyses_the_others(small_clip, tmp_path, capsys, monkeypatch, full_model):
    import posecoach.analysis as analysis

    empty = corpus.empty_file(tmp_path)
    crashing = tmp_path / "crashing.mp4"
    crashing.write_bytes(small_clip.read_bytes())
    real = analysis.analyze_media

    def analyze_media(path, *args, **kwargs):   # an unexpected failure inside the library
        if Path(path).name == "crashing.mp4":
            raise RuntimeError("decoder exploded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(analysis, "analyze_media", analyze_media)
    out = tmp_path / "out"
    code = main(["analyze", str(empty), str(crashing), str(small_clip), "--out", str(out), "--no-video",
                 "--json"])
    captured = capsys.readouterr()
    assert code == 1
    reports = json.loads(captured.out)
    assert [r["input"]["path"] for r in reports] == [str(small_clip)]
    assert "Traceback" not in captured.err
    assert "posecoach: error: empty.mp4: file is empty" in captured.err
    assert "posecoach: error: crashing.mp4: could not be analysed (RuntimeError: decoder exploded)" in captured.err
    assert "posecoach: error: 2 of 3 inputs failed: empty.mp4, crashing.mp4" in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["clip"]


def test_a_244_character_file_name_gets_a_shortened_folder(small_clip, tmp_path, monkeypatch, full_model):
    long_name = tmp_path / ("hamstring-" * 24 + ".mp4")
    assert len(long_name.name) == 244
    long_name.write_bytes(small_clip.read_bytes())
    monkeypatch.chdir(tmp_path)
    assert _analyze(str(long_name)) == 0        # into ./posecoach-out/<input name>/
    (folder,) = (tmp_path / "posecoach-out").iterdir()
    assert len(folder.name.encode()) <= 100 and folder.name.startswith("hamstring-hamstring")
    assert (folder / "report.json").exists()


def _out_error(err: str, words: str) -> None:
    lines = err.strip().splitlines()
    assert lines[0].startswith("posecoach: error: cannot write the report into ") and words in lines[0], err
    assert lines[1].startswith("  hint: ") and len(lines) == 2 and "Traceback" not in err


def test_read_only_out_is_one_clear_error(small_clip, tmp_path, capsys, full_model):
    if os.geteuid() == 0:
        context = _tmpfs(tmp_path / "ro", "ro,size=1m")     # root writes through permissions
        words = "read-only file system"
    else:
        (tmp_path / "ro").mkdir()
        (tmp_path / "ro").chmod(0o555)
        context = contextlib.nullcontext(tmp_path / "ro")
        words = "permission denied"
    with context as ro:
        assert _analyze(str(small_clip), "--out", str(ro / "out")) == 5
        _out_error(capsys.readouterr().err, words)


def test_too_long_out_is_one_clear_error(small_clip, tmp_path, capsys, full_model):
    assert _analyze(str(small_clip), "--out", str(tmp_path / ("x" * 300))) == 5
    _out_error(capsys.readouterr().err, "the path is too long")


def test_full_disk_is_one_clear_error_and_leaves_nothing(small_clip, tmp_path, capsys, full_model):
    with _tmpfs(tmp_path / "full", "size=16k") as full:
        assert _analyze(str(small_clip), "--out", str(full / "out")) == 5
        _out_error(capsys.readouterr().err, "the disk is full")
        assert list(full.iterdir()) == []       # the partial folder was removed


def test_a_killed_runs_leftovers_are_removed_by_the_next_run(small_clip, tmp_path, full_model):
    """Leftovers of a run killed outright (pid gone), whatever folder it was writing;
    hidden folders that are not PoseCoach's, and those of live runs, stay."""
    from posecoach.report.atomic import MARKER

    dead = _dead_pid()
    out = tmp_path / "out"
    out.mkdir()
    killed_other = out / f".other-clip.partial-{dead}-ab12"     # another input's half-written report
    killed_old = out / f".clip.old-{dead}-cd34"                 # an earlier report moved aside
    live = out / f".clip.partial-{os.getpid()}-ef56"
    not_ours = out / f".backup.partial-{dead}-keep"             # the same pattern, no marker
    for folder in (killed_other, killed_old, live, not_ours):
        folder.mkdir()
        (folder / "report.json").write_text("{}")
    for folder in (killed_other, killed_old, live):
        (folder / MARKER).write_text('{"posecoach_report": 1, "source": "", "files": []}')
    assert _analyze(str(small_clip), "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(["clip", live.name, not_ours.name])


def _dead_pid() -> int:
    done = subprocess.run(["sh", "-c", "echo $$"], capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_kill_9_while_writing_then_rerun_leaves_one_complete_report(small_clip, tmp_path, full_model):
    """A real SIGKILL mid-write: only a hidden partial folder remains, and the next run
    removes it and writes the report."""
    import signal
    import sys

    out = tmp_path / "out"
    child = ("import sys, time\n"
             "import posecoach.report as report\n"
             "def stuck(*a, **k):\n"
             "    print('writing', flush=True)\n"
             "    time.sleep(120)\n"
             "report.write_angles_csv = stuck\n"
             "from posecoach.cli import main\n"
             "sys.exit(main(sys.argv[1:]))\n")
    proc = subprocess.Popen([sys.executable, "-c", child, "analyze", str(small_clip), "--out", str(out),
                             "--no-video", "--quiet"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    left = [p.name for p in tmp_path.iterdir()]
    assert not out.exists() and len(left) == 1 and left[0].startswith(f".out.partial-{proc.pid}-")
    assert _analyze(str(small_clip), "--out", str(out)) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (out / "report.json").exists()


def test_live_out_pointed_at_a_folder_of_user_files_chooses_a_subfolder_up_front(tmp_path):
    from posecoach.cli import build_parser
    from posecoach.live.cli import options_from_args

    documents = tmp_path / "Documents"
    files = _user_files(documents)
    args = build_parser().parse_args(["live", "--exercise", "origin-stretch", "--out", str(documents)])
    out_dir = options_from_args(args).out_dir
    assert out_dir is not None and out_dir.parent == documents and out_dir.name.startswith("live-")
    assert _unchanged(documents, files)
    args = build_parser().parse_args(["live", "--exercise", "origin-stretch", "--out", str(tmp_path / "new")])
    assert options_from_args(args).out_dir == tmp_path / "new"
