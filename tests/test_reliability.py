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

needs_person = pytest.mark.skipif(not PERSON.exists(), reason="sample_videos not generated")


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corpus")


def _codes(a: ClipAnalysis) -> set[str]:
    return set(a.result.fault_codes) | set(a.result.condition_codes)


def _analyze(path: Path) -> ClipAnalysis:
    return analyze_media(path, OPTIONS)


@needs_person
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


@needs_person
def test_variable_frame_rate_uses_real_timestamps(folder, full_model):
    path = corpus.variable_frame_rate(folder, PERSON)
    decoded = [t for t, _ in iter_frames(path)]
    a = _analyze(path)
    np.testing.assert_allclose([m.t_s for m in a.measurements], decoded)
    gaps = np.diff(decoded)
    assert gaps.max() > 1.8 * gaps.min()  # really variable
    assert a.detection_rate >= 0.9


@needs_person
def test_no_person_is_reported_not_crashed(folder, full_model):
    a = _analyze(corpus.no_person(folder))
    assert a.detection_rate == 0.0
    assert "no_person" in _codes(a)


@needs_person
def test_person_leaving_and_returning_keeps_the_usable_parts(folder, full_model):
    a = _analyze(corpus.leaves_and_returns(folder, PERSON))
    assert 0.5 <= a.detection_rate <= 0.8
    assert _codes(a) & {"no_person", "body_out_of_frame"}
    gap = [c for c in a.result.conditions if c.code in ("no_person", "body_out_of_frame")]
    duration = a.measurements[-1].t_s
    assert any(c.start_s > 0.2 * duration and c.end_s < 0.85 * duration for c in gap)


@needs_person
def test_feet_cut_off_is_body_out_of_frame(folder, full_model):
    a = _analyze(corpus.feet_cut_off(folder, PERSON))
    assert "body_out_of_frame" in _codes(a)


@needs_person
def test_two_people_is_multiple_people(folder, full_model):
    a = _analyze(corpus.two_people(folder, PERSON))
    assert "multiple_people" in _codes(a)


@needs_person
def test_one_frame_video_and_huge_image_give_reports(folder, full_model, tmp_path):
    for path in (corpus.one_frame_video(folder, PERSON), corpus.huge_image(folder)):
        out = tmp_path / path.stem
        assert main(["analyze", str(path), "--out", str(out), "--no-video", "--quiet"]) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["input"]["frames"] >= 1


@needs_person
def test_ctrl_c_during_analysis_leaves_no_report(tmp_path, monkeypatch, capsys, full_model):
    import posecoach.analysis as analysis

    real = analysis.measure_detected

    def interrupted(*args, **kwargs):
        for i, item in enumerate(real(*args, **kwargs)):
            if i == 5:
                raise KeyboardInterrupt
            yield item

    monkeypatch.setattr(analysis, "measure_detected", interrupted)
    out = tmp_path / "out"
    assert main(["analyze", str(PERSON), "--out", str(out)]) == 130
    assert not out.exists()
    assert "interrupted" in capsys.readouterr().err


@needs_person
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
    from tests.support.web_client import settings, upload, wait_for
    from tests.support.web_runners import make_clip

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


@needs_person
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


# ---------------------------------------------------------------- resource limits (issue 12)
def _cli_in_subprocess(*args: str, timeout_s: float = 300) -> tuple[int, str, float, float]:
    """Run `posecoach analyze ARGS` in a fresh interpreter; returns (exit code, stderr,
    peak RSS in MB of that process, seconds taken)."""
    import subprocess
    import sys
    import time

    # VmHWM, not ru_maxrss: the latter carries over the parent's (pytest's) peak across
    # the fork and exec that started this process.
    script = ("import resource, sys\n"
              "from posecoach.cli import main\n"
              "code = main(sys.argv[1:])\n"
              "sys.stderr.flush()\n"
              "try:\n"
              "    status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
              "    peak_kb = int(status.split()[0])\n"
              "except (OSError, IndexError):\n"
              "    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "print('PEAK_KB', peak_kb, file=sys.stderr)\n"
              "sys.exit(code)\n")
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script, "analyze", *args], capture_output=True, text=True,
                          timeout=timeout_s)
    elapsed = time.monotonic() - start
    peak = [line for line in done.stderr.splitlines() if line.startswith("PEAK_KB ")]
    assert peak, done.stderr
    err = "\n".join(line for line in done.stderr.splitlines() if not line.startswith("PEAK_KB "))
    return done.returncode, err, int(peak[-1].split()[1]) / 1024, elapsed


def _one_clear_error(err: str, name: str, words: str) -> None:
    lines = err.strip().splitlines()
    assert lines[0].startswith("posecoach: error: ") and name in lines[0] and words in lines[0], err
    assert len(lines) == 2 and lines[1].startswith("  hint: "), err
    assert "Traceback" not in err


# An interpreter with PoseCoach imported is ~250 MB; anything decoded shows above that.
REFUSED_BEFORE_DECODING_MB = 450
ANY_INPUT_MB = 1500


def test_png_bomb_is_refused_from_its_header(tmp_path, full_model):
    bomb = corpus.png_bomb(tmp_path)           # 875 KB file, 30000x30000 = 900 MB of pixels
    assert bomb.stat().st_size < 1_000_000
    code, err, peak_mb, _ = _cli_in_subprocess(str(bomb), "--out", str(tmp_path / "out"))
    assert code == 2
    _one_clear_error(err, "bomb.png", "image is too large")
    assert peak_mb < REFUSED_BEFORE_DECODING_MB, f"peak {peak_mb:.0f} MB: the pixels were decoded"
    assert not (tmp_path / "out").exists()


def test_huge_video_frames_are_refused_from_the_header(tmp_path, full_model):
    huge = corpus.huge_frame_video(tmp_path)    # 8192x8192 H.264, a few hundred KB
    code, err, peak_mb, _ = _cli_in_subprocess(str(huge), "--out", str(tmp_path / "out"))
    assert code == 2
    _one_clear_error(err, huge.name, "video is too large (8192x8192")
    assert peak_mb < REFUSED_BEFORE_DECODING_MB, f"peak {peak_mb:.0f} MB: frames were decoded"


@pytest.mark.slow
def test_largest_accepted_frames_are_downscaled_and_stay_under_1_5_gb(tmp_path, full_model):
    large = corpus.large_frame_video(tmp_path)  # 4096x4096, the default maximum
    out = tmp_path / "out"
    code, err, peak_mb, _ = _cli_in_subprocess(str(large), "--out", str(out), "--quiet")
    assert code == 0, err
    assert peak_mb < ANY_INPUT_MB, f"peak {peak_mb:.0f} MB"
    report = json.loads((out / "report.json").read_text())
    assert (report["input"]["width"], report["input"]["height"]) == (1920, 1920)  # decoded downscaled
    import av

    with av.open(str(out / "annotated.mp4")) as video:
        assert (video.streams.video[0].width, video.streams.video[0].height) == (1920, 1920)


def test_hour_long_clip_is_refused_from_its_metadata_at_once(tmp_path, capsys, full_model):
    import time

    clip = corpus.hour_long_clip(tmp_path)
    start = time.monotonic()
    code = main(["analyze", str(clip), "--out", str(tmp_path / "out"), "--no-video"])
    assert time.monotonic() - start < 5
    assert code == 2
    _one_clear_error(capsys.readouterr().err, clip.name, "clip is too long (60:10 min")
    assert not (tmp_path / "out").exists()


def test_clip_length_limit_is_configurable(tmp_path, capsys, monkeypatch, full_model):
    clip = corpus.timestamp_gap(tmp_path)       # 3 s long
    assert main(["analyze", str(clip), "--max-clip-s", "2", "--out", str(tmp_path / "a")]) == 2
    assert "clip is too long" in capsys.readouterr().err
    monkeypatch.setenv("POSECOACH_MAX_CLIP_S", "2")
    assert main(["analyze", str(clip), "--out", str(tmp_path / "b")]) == 2
    assert "clip is too long" in capsys.readouterr().err
    monkeypatch.setenv("POSECOACH_MAX_CLIP_S", "two")
    assert main(["analyze", str(clip), "--out", str(tmp_path / "c")]) == 4
    assert "POSECOACH_MAX_CLIP_S='two' is not a number" in capsys.readouterr().err


def test_clip_whose_metadata_hides_its_length_stops_at_the_limit(tmp_path):
    from posecoach.errors import InputError
    from posecoach.limits import MediaLimits
    from posecoach.video_io import probe

    clip = corpus.clip_without_duration(tmp_path, seconds=4)
    assert probe(clip).duration_s == 0.0          # nothing to refuse it by up front
    decoded = []
    with pytest.raises(InputError, match="clip is too long") as exc:
        for t_s, _ in iter_frames(clip, MediaLimits(max_clip_s=2)):
            decoded.append(t_s)
    assert decoded[-1] <= 2.0 and len(decoded) <= 61
    assert "--max-clip-s" in exc.value.hint
    with pytest.raises(InputError, match="over 50 frames"):
        list(iter_frames(clip, MediaLimits(max_frames=50)))


@pytest.mark.parametrize("build", [
    lambda d: corpus.tiny_image(d, 4),          # a still under 8 px a side
    lambda d: corpus.tiny_image(d, 7),
    corpus.one_pixel_video,                     # a 1x1 video
], ids=["still_4px", "still_7px", "video_1x1"])
def test_tiny_inputs_are_one_clear_error(build, tmp_path, capsys, full_model):
    path = build(tmp_path)
    code = main(["analyze", str(path), "--out", str(tmp_path / "out")])
    assert code == 2
    _one_clear_error(capsys.readouterr().err, path.name, "too small to see a person")
    assert not (tmp_path / "out").exists()


def test_smallest_accepted_still_gives_a_report(tmp_path, full_model):
    path = corpus.tiny_image(tmp_path, 8)
    assert main(["analyze", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert json.loads((tmp_path / "out" / "report.json").read_text())["input"]["width"] == 8


@pytest.mark.parametrize("case", sorted(corpus.ENCODINGS))
def test_other_encodings_decode_to_the_same_picture(case, tmp_path):
    """10-bit, 4:4:4, HEVC, VP9, AV1: decoded to 8-bit RGB at the right size and colours."""
    build, what = corpus.ENCODINGS[case]
    try:
        path = build(tmp_path)
    except corpus.EncoderMissing as exc:
        pytest.skip(f"{what}: {exc}")
    expected = corpus.gradient_frames(64, 64, 8)
    frames = [rgb for _, rgb in iter_frames(path)]
    assert len(frames) == len(expected)
    for got, want in zip(frames, expected):
        assert got.shape == (64, 64, 3) and got.dtype == np.uint8
        assert np.abs(got.astype(int) - want).mean() < 12, what   # lossy codecs, not a different picture


def test_resolution_change_mid_stream_is_rescaled_to_the_first_size(tmp_path):
    from posecoach.render import render_video
    from posecoach.video_io import probe

    path = corpus.resolution_change(tmp_path)   # 10 frames 128x96, then 10 frames 64x64
    info = probe(path)
    frames = [rgb for _, rgb in iter_frames(path)]
    assert len(frames) == 20
    assert {rgb.shape for rgb in frames} == {(info.height, info.width, 3)} == {(96, 128, 3)}
    written = render_video(path, tmp_path / "annotated.mp4", [], [], "origin-stretch", info.fps)
    assert written == 20


def test_annotated_video_of_a_clip_with_a_gap_plays_at_real_speed(tmp_path):
    from posecoach.render import render_video
    from posecoach.video_io import probe

    source = corpus.timestamp_gap(tmp_path, gap_s=2.0)
    dest = tmp_path / "annotated.mp4"
    render_video(source, dest, [], [], "origin-stretch", probe(source).fps)
    source_times = [t for t, _ in iter_frames(source)]
    annotated_times = [t for t, _ in iter_frames(dest)]
    assert max(np.diff(source_times)) > 1.5      # the gap is there
    np.testing.assert_allclose(annotated_times, source_times, atol=0.002)
