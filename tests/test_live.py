"""`posecoach live` without a model or a camera: the hand-over slot, the framing gate, the
voice queue, source errors, and whole sessions with a scripted source, estimator and
display (keys, every way of ending, saved outputs)."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import ConfigError, InputError
from posecoach.history import HistoryStore
from posecoach.kinematics import ANGLE_NAMES, View
from posecoach.landmarks import NUM_LANDMARKS
from posecoach.live import LiveOptions, LiveSession
from posecoach.live import framing as fr
from posecoach.live.cli import (
    add_live_arguments,
    format_summary,
    options_from_args,
    run_live,
)
from posecoach.live.display import Command
from posecoach.live.sources import LatestSlot, open_source
from posecoach.live.voice import Voice, find_engine
from posecoach.pipeline import Measurement
from tests.support.live_fakes import H, W, FakeEstimator, FakeSource, ScriptedDisplay, run_session



def measurement(t_s: float = 0.0, detected: bool = True, in_frame: float = 1.0,
                view: View = View.SIDE, people: int = 1) -> Measurement:
    return Measurement(t_s=t_s, detected=detected, angles=np.full(len(ANGLE_NAMES), np.nan),
                       xy=np.full((NUM_LANDMARKS, 2), np.nan), facing=1, view=view,
                       width_ratio=0.1, in_frame=in_frame, num_people=people if detected else 0,
                       back_bulge=np.nan)


# ---------------------------------------------------------------- LatestSlot
def test_slot_keeps_only_the_newest_item_and_counts_the_dropped() -> None:
    slot: LatestSlot[int] = LatestSlot()
    for i in range(5):
        slot.put(i)
    assert slot.get(0) == 4
    assert slot.dropped == 4
    assert slot.get(0.01) is None and not slot.closed  # timeout, not the end


def test_slot_in_keep_all_mode_hands_over_every_item_in_order() -> None:
    slot: LatestSlot[int] = LatestSlot(keep_all=True)

    def produce() -> None:
        for i in range(200):
            slot.put(i)
        slot.close()

    threading.Thread(target=produce).start()
    got = []
    while (item := slot.get(1.0)) is not None or not slot.closed:
        if item is not None:
            got.append(item)
    assert got == list(range(200)) and slot.dropped == 0


def test_closed_slot_gives_the_last_item_then_none_and_refuses_more() -> None:
    slot: LatestSlot[str] = LatestSlot()
    slot.put("last")
    slot.close()
    assert slot.get(0) == "last"
    assert slot.get(0) is None and slot.closed
    assert slot.put("late") is False


# ---------------------------------------------------------------- framing
@pytest.mark.parametrize("m, expected", [
    (measurement(detected=False), fr.STEP_IN),             # nobody there
    (measurement(people=2), fr.ONE_PERSON),                # a second person would be tracked
    (measurement(in_frame=0.75), fr.STEP_BACK),            # feet (or head) cut off
    (measurement(view=View.FRONT), fr.TURN_SIDE_ON),       # facing the camera
    (measurement(view=View.UNKNOWN), fr.TURN_SIDE_ON),     # view not measurable
    (measurement(view=View.OBLIQUE), None),                # analysers accept a 3/4 view
    (measurement(), None),                                 # side-on, whole body in frame
])
def test_framing_guidance_names_the_one_thing_to_fix(m: Measurement, expected: str | None) -> None:
    assert fr.framing_problem(m) == expected


def test_gate_waits_for_steady_framing_then_counts_down_then_opens() -> None:
    gate = fr.FramingGate(fr.FramingConfig(hold_s=0.5, countdown_s=3.0))
    assert gate.update(measurement(0.0, in_frame=0.5)).message == fr.STEP_BACK
    assert gate.update(measurement(0.1)).message == fr.HOLD_STILL          # good, not yet steady
    status = gate.update(measurement(0.7))                                  # steady for 0.6 s
    assert status.stage == fr.Stage.COUNTDOWN and status.countdown_s == pytest.approx(3.0)
    assert gate.update(measurement(2.0)).countdown_s == pytest.approx(1.7)
    assert gate.update(measurement(3.8)).active
    assert gate.update(measurement(3.9, detected=False)).active             # open for good


def test_losing_the_framing_during_the_countdown_goes_back_to_guidance() -> None:
    gate = fr.FramingGate(fr.FramingConfig(hold_s=0.0, countdown_s=3.0))
    assert gate.update(measurement(0.0)).stage == fr.Stage.COUNTDOWN
    assert gate.update(measurement(1.0, view=View.FRONT)).message == fr.TURN_SIDE_ON
    assert gate.update(measurement(1.1)).countdown_s == pytest.approx(3.0)  # starts again


def test_disabled_gate_is_open_from_the_first_frame() -> None:
    assert fr.FramingGate(fr.FramingConfig(enabled=False)).update(measurement(detected=False)).active


# ---------------------------------------------------------------- HUD
def test_stats_measure_fps_over_the_window_and_latency_percentiles() -> None:
    from posecoach.live.hud import LiveStats

    stats = LiveStats(window_s=1.0)
    for i in range(60):  # 30 fps for 2 s, each frame shown 40 ms after capture
        stats.tick(captured_at=i / 30 - 0.040, now=i / 30)
    assert stats.fps == pytest.approx(30.0, rel=0.01)
    assert stats.percentile_ms(50) == pytest.approx(40.0) and stats.last_latency_ms == pytest.approx(40.0)


def test_hud_draws_status_guidance_and_countdown_in_place() -> None:
    from posecoach.live.hud import draw_hud

    img = np.full((H, W, 3), 128, np.uint8)
    out = draw_hud(img, fps=29.7, latency_ms=35.0, guidance=fr.STEP_BACK)
    assert out is img
    assert (img[H // 2 - 30: H // 2 + 10] != 128).any()          # guidance across the middle
    assert (img[:, W - 60:] != 128).any()                        # fps / latency at the right
    counting = np.full((H, W, 3), 128, np.uint8)
    draw_hud(counting, fps=0.0, latency_ms=float("nan"), countdown_s=2.2)
    assert (counting[H // 3: 2 * H // 3] != 128).sum() > 500       # a big "3"


# ---------------------------------------------------------------- voice
@pytest.fixture
def fake_engine(tmp_path: Path) -> tuple[list[str], Path]:
    """A 'speech engine' that logs start/end of each utterance and takes 0.2 s."""
    log = tmp_path / "speech.log"
    script = tmp_path / "say.py"
    script.write_text(
        "import sys, time\n"
        f"log = open({str(log)!r}, 'a')\n"
        "log.write('start ' + sys.argv[-1] + '\\n'); log.flush()\n"
        "time.sleep(0.2)\n"
        "log.write('end ' + sys.argv[-1] + '\\n')\n")
    return [sys.executable, str(script)], log


def test_voice_never_blocks_never_overlaps_and_newest_pending_cue_wins(fake_engine) -> None:
    command, log = fake_engine
    voice = Voice(command)
    started = time.monotonic()
    for text in ("one", "two", "three"):  # "two" is replaced while "one" is spoken
        voice.say(text)
        time.sleep(0.02)
    assert time.monotonic() - started < 0.4  # say() returned at once (a blocking one waits 0.2 s + a start-up each)
    deadline = time.monotonic() + 10
    while len(voice.spoken) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    voice.close()
    lines = log.read_text().split()
    assert voice.spoken == ("one", "three")
    assert lines == ["start", "one", "end", "one", "start", "three", "end", "three"]  # no overlap


def test_missing_speech_engine_is_a_notice_not_a_failure(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_engine() is None
    session = LiveSession(LiveOptions(exercise="leg-swing", voice=True, headless=True,
                                      out_dir=tmp_path / "o", use_history=False, count_people=False),
                          source=FakeSource(3), estimator=FakeEstimator())
    assert len(session.notices) == 1 and "espeak-ng" in session.notices[0]
    assert session.run().reason == "ended"


# ---------------------------------------------------------------- sources
@pytest.mark.parametrize("camera, message", [
    ("definitely-not-here.mp4", "not found"),                # neither index, file nor URL
    ("{tmp}/notes.txt", "not a video file"),                 # a file, but not a video
    ("{tmp}/photo.png", "not a video file"),                 # a still is not a stream
    ("97", "camera 97 could not be opened"),                 # no such camera
    ("/dev/null", "camera /dev/null could not be opened"),   # a device node, but no camera
    ("http://127.0.0.1:9/video", "could not be opened"),     # nothing listens there
])
def test_unusable_cameras_give_one_clear_input_error(tmp_path: Path, camera: str, message: str) -> None:
    import cv2

    (tmp_path / "notes.txt").write_text("hello")
    cv2.imwrite(str(tmp_path / "photo.png"), np.zeros((8, 8, 3), np.uint8))
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        open_source(camera.format(tmp=tmp_path))
    assert message in err.value.message and err.value.hint
    assert "\n" not in err.value.message
    assert time.monotonic() - started < 10


def test_url_passwords_are_not_shown_in_errors() -> None:
    with pytest.raises(InputError) as err:
        open_source("rtsp://user:secret@127.0.0.1:9/stream")
    assert "secret" not in err.value.message


# ---------------------------------------------------------------- sessions
def test_camera_that_stops_mid_session_ends_it_with_everything_saved(tmp_path: Path) -> None:
    estimator = FakeEstimator()
    summary = run_session(tmp_path, FakeSource(90), estimator)
    out = tmp_path / "out"
    assert summary.reason == "ended"
    assert summary.frames_analysed == 90 and summary.frames_dropped == 0
    report = json.loads((out / "report.json").read_text())
    assert report["exercise"] == "curl-hip-lift" and report["pose"]["frames_analysed"] == 90
    assert (out / "angles.csv").read_text().count("\n") == 91  # header + one row per frame
    assert estimator.closed
    [entry] = HistoryStore(tmp_path / "history.db").list_sessions()
    assert entry.source == "live" and Path(entry.files_dir) == out.resolve()


def test_camera_that_hangs_without_closing_ends_the_session_after_the_stall_time(tmp_path: Path) -> None:
    class HangingSource(FakeSource):
        def frames(self) -> Iterator[tuple[float, np.ndarray]]:
            yield from super().frames()
            while not self.closed:  # no more frames, but no end either
                time.sleep(0.01)

    summary = run_session(tmp_path, HangingSource(30), stall_s=0.5)
    assert summary.reason == "stalled" and summary.frames_analysed == 30
    assert (tmp_path / "out" / "report.json").exists()


@pytest.fixture
def mjpeg_stream() -> Iterator[str]:
    """A phone-camera-app-like MJPEG stream over HTTP that stops after 45 frames."""
    import http.server
    import socketserver

    import cv2

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
            self.end_headers()
            for i in range(45):
                jpg = cv2.imencode(".jpg", np.full((H, W, 3), 40 + i, np.uint8))[1].tobytes()
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                                 % len(jpg) + jpg + b"\r\n")
                time.sleep(1 / 60)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/video"
    finally:
        server.shutdown()
        server.server_close()


def test_stream_url_that_ends_mid_session_ends_it_with_outputs_saved(tmp_path: Path, mjpeg_stream: str) -> None:
    source = open_source(mjpeg_stream)
    assert (source.width, source.height) == (W, H)
    summary = run_session(tmp_path, source, pace=True)
    assert summary.reason == "ended"
    assert 10 <= summary.frames_analysed <= 45
    assert (tmp_path / "out" / "report.json").exists() and (tmp_path / "out" / "angles.csv").exists()


def test_inference_error_still_saves_the_session_then_raises(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="blew up"):
        run_session(tmp_path, FakeSource(90), FakeEstimator(fail_at=40))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["pose"]["frames_analysed"] == 39


def test_display_error_still_saves_the_session_then_raises(tmp_path: Path) -> None:
    class BrokenDisplay(ScriptedDisplay):
        def show(self, rgb: np.ndarray) -> None:
            super().show(rgb)
            if len(self.shown) == 30:
                raise OSError("display gone")

    with pytest.raises(OSError, match="display gone"):
        run_session(tmp_path, FakeSource(300), display=BrokenDisplay())
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert 29 <= report["pose"]["frames_analysed"] <= 32


def test_duration_ends_the_session(tmp_path: Path) -> None:
    summary = run_session(tmp_path, FakeSource(300), duration_s=2.0)
    assert summary.reason == "duration" and summary.frames_analysed == 60


def test_quit_key_ends_and_saves(tmp_path: Path) -> None:
    display = ScriptedDisplay({20: Command.QUIT})
    summary = run_session(tmp_path, FakeSource(300, pace=True), display=display)
    assert summary.reason == "quit" and display.closed
    assert 15 <= summary.frames_analysed <= 30
    assert (tmp_path / "out" / "report.json").exists()


def test_ctrl_c_ends_and_saves(tmp_path: Path) -> None:
    display = ScriptedDisplay({20: KeyboardInterrupt})
    summary = run_session(tmp_path, FakeSource(300, pace=True), display=display)
    assert summary.reason == "interrupted"
    assert (tmp_path / "out" / "report.json").exists()


def test_reset_and_switch_side_keep_every_set(tmp_path: Path) -> None:
    display = ScriptedDisplay({30: Command.RESET, 60: Command.SWITCH_SIDE})
    summary = run_session(tmp_path, FakeSource(90), display=display)
    out = tmp_path / "out"
    assert [s.number for s in summary.saved] == [1, 2, 3]
    assert [s.out_dir for s in summary.saved] == [out / "set-1", out / "set-2", out]
    frames = [json.loads((s.out_dir / "report.json").read_text())["pose"]["frames_analysed"]
              for s in summary.saved]
    assert sum(frames) == 90 and all(f >= 25 for f in frames)
    assert len(HistoryStore(tmp_path / "history.db").list_sessions()) == 3


def test_pause_stops_the_analysis_and_its_clock(tmp_path: Path) -> None:
    display = ScriptedDisplay({10: Command.PAUSE, 40: Command.PAUSE})
    summary = run_session(tmp_path, FakeSource(60), display=display)
    assert summary.frames_analysed < 60 - 25  # about 30 frames went by paused
    rows = (tmp_path / "out" / "angles.csv").read_text().splitlines()[1:]
    times = [float(r.split(",")[0]) for r in rows]
    assert max(np.diff(times)) < 0.05  # the paused second is not a gap in the set's clock


def test_mirror_key_flips_the_picture_but_not_the_analysis(tmp_path: Path) -> None:
    display = ScriptedDisplay({5: Command.MIRROR})
    run_session(tmp_path, FakeSource(10), display=display)
    plain, mirrored = display.shown[2], display.shown[8]
    assert plain[H // 2, 5, 0] == 60 and mirrored[H // 2, 5, 0] == 90  # the dark half moved


def test_framing_guidance_then_countdown_before_the_set_starts(tmp_path: Path) -> None:
    summary = run_session(tmp_path, FakeSource(150), framing=fr.FramingConfig(hold_s=0.5, countdown_s=1.0))
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    # 0.5 s steady framing + 1 s countdown at 30 fps are not part of the set.
    assert report["pose"]["frames_analysed"] == pytest.approx(150 - 45, abs=2)
    assert summary.frames_analysed == 150


def test_nothing_to_save_when_the_set_never_started(tmp_path: Path) -> None:
    summary = run_session(tmp_path, FakeSource(20), FakeEstimator(present=False),
                          framing=fr.FramingConfig())
    assert summary.saved == [] and not (tmp_path / "out" / "report.json").exists()
    assert "nothing to save" in format_summary(summary)


def test_record_writes_the_annotated_view_in_real_time(tmp_path: Path) -> None:
    from posecoach.video_io import probe

    summary = run_session(tmp_path, FakeSource(60), record=True)
    assert summary.recording == tmp_path / "out" / "annotated.mp4"
    info = probe(summary.recording)
    assert (info.width, info.height) == (W, H)
    assert info.duration_s == pytest.approx(2.0, abs=0.15)
    assert (tmp_path / "out" / "report.json").exists()  # the report swap kept the video


class RecordingVoice:
    def __init__(self) -> None:
        self.said: list[str] = []

    def say(self, text: str) -> None:
        self.said.append(text)

    def close(self) -> None:
        pass


def test_voice_speaks_framing_guidance_once_not_every_frame(tmp_path: Path) -> None:
    voice = RecordingVoice()
    session = LiveSession(LiveOptions(exercise="leg-swing", headless=True, pace=False,
                                      out_dir=tmp_path / "o", use_history=False, count_people=False),
                          source=FakeSource(30), estimator=FakeEstimator(present=False), voice=voice)
    session.run()
    assert voice.said == [fr.STEP_IN]  # 1 s of "nobody there": said once, not 30 times


def _status(stage: fr.Stage, message: str | None = None) -> fr.FramingStatus:
    return fr.FramingStatus(stage, message, 2.0 if stage == fr.Stage.COUNTDOWN else None)


def test_speaker_says_guidance_when_it_changes_then_get_ready_go_then_new_cues_only() -> None:
    from posecoach.exercises.base import FrameFeedback
    from posecoach.exercises.origin_stretch import StretchCounters
    from posecoach.live.voice import CueSpeaker

    def fb(cue: str | None, new: bool) -> FrameFeedback:
        return FrameFeedback(0.0, "holding", cue, True, StretchCounters(0.0, 0.0, 0.0, 0.0),
                             cue_is_new=new)

    speaker = CueSpeaker()
    said = [
        speaker.update(_status(fr.Stage.FRAMING, fr.STEP_IN), None, 0.0),      # said
        speaker.update(_status(fr.Stage.FRAMING, fr.STEP_IN), None, 1.0),      # same, too soon
        speaker.update(_status(fr.Stage.FRAMING, fr.STEP_BACK), None, 1.2),    # new, but < 1.5 s
        speaker.update(_status(fr.Stage.FRAMING, fr.STEP_BACK), None, 2.0),    # said
        speaker.update(_status(fr.Stage.FRAMING, fr.HOLD_STILL), None, 5.0),   # transient: silent
        speaker.update(_status(fr.Stage.COUNTDOWN), None, 5.5),                # "Get ready"
        speaker.update(_status(fr.Stage.COUNTDOWN), None, 6.5),
        speaker.update(_status(fr.Stage.ACTIVE), fb(None, False), 8.5),        # "Go"
        speaker.update(_status(fr.Stage.ACTIVE), fb("Straighten your knee", True), 9.0),
        speaker.update(_status(fr.Stage.ACTIVE), fb("Straighten your knee", False), 9.1),
    ]
    assert said == [fr.STEP_IN, None, None, fr.STEP_BACK, None, "Get ready", None, "Go",
                    "Straighten your knee", None]


def test_window_without_a_display_is_an_input_error_not_a_crash(monkeypatch) -> None:
    from posecoach.live.display import CvWindow

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    with pytest.raises(InputError, match="no display"):
        CvWindow()


# ---------------------------------------------------------------- CLI hooks
def parse(*argv: str) -> argparse.Namespace:
    return add_live_arguments(argparse.ArgumentParser()).parse_args(list(argv))


def test_cli_flags_map_onto_options() -> None:
    opts = options_from_args(parse("--exercise", "leg-swing", "--camera", "2", "--model", "full", "--mirror",
                                   "--record", "--headless", "--out", "x", "--duration", "5"))
    assert (opts.exercise, opts.camera, opts.model, opts.mirror, opts.record, opts.headless,
            opts.out_dir, opts.duration_s, opts.pace) == ("leg-swing", "2", "full", True, True, True,
                                                          Path("x"), 5.0, True)
    defaults = options_from_args(parse("--exercise", "origin-stretch"))
    assert (defaults.camera, defaults.model, defaults.voice, defaults.out_dir) == ("0", "lite", False, None)


def test_unknown_exercise_is_a_config_error_before_anything_is_opened(tmp_path: Path) -> None:
    source = FakeSource(3)
    with pytest.raises(ConfigError):
        LiveSession(LiveOptions(exercise="yoga", headless=True), source=source, estimator=FakeEstimator())
    assert not source.closed  # never touched: nothing was opened for it


def test_cli_rejects_a_bad_duration_and_a_bad_camera() -> None:
    with pytest.raises(ConfigError):
        options_from_args(parse("--exercise", "leg-swing", "--duration", "-1"))
    with pytest.raises(InputError):
        run_live(parse("--exercise", "leg-swing", "--camera", "no-such-video.mp4", "--headless"))


def test_posecoach_live_through_the_main_cli_prints_one_error_line_and_a_hint(capsys) -> None:
    from posecoach import cli

    code = cli.main(["live", "--exercise", "leg-swing", "--camera", "no-such-video.mp4", "--headless"])
    err = capsys.readouterr().err.splitlines()
    assert code == InputError.exit_code
    assert err[0].startswith("posecoach: error: camera 'no-such-video.mp4' not found")
    assert err[1].startswith("  hint:") and len(err) == 2
