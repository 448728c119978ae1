"""One live coaching session: capture, inference and display on separate threads.

    capture thread  -> LatestSlot (newest frame wins) -> inference thread
    inference thread: FramePoser (PoseEstimator in VIDEO mode; a frame every 2 s to the
                    people-counting thread) -> CoachFeed (LiveCoach) -> LatestSlot of LiveSteps
    main thread:    newest LiveStep -> Annotator + HUD on the frame it belongs to -> window,
                    recorder, voice; keys -> commands for the inference thread

The analysis after the pose (`CoachFeed`) is the very same object the web app's live
page feeds with landmarks from the browser. Each step carries its own frame, so the
overlay is drawn on the very frame inference used (zero frames behind). All stateful
analysis stays on the inference thread; the window, the annotator (it keeps swing
history) and the recorder stay on the main one.
Whatever ends the session (q, Esc, closing the window, Ctrl-C, the camera or stream
stopping, --duration, an error) the sets are saved like `analyze` saves a clip.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.live.coach import CoachStep
from posecoach.live.display import Command, CvWindow, Display, NullDisplay
from posecoach.live.feed import CoachFeed, FramePoser, PoseDetector
from posecoach.live.framing import FramingConfig
from posecoach.live.hud import LiveStats, draw_hud
from posecoach.live.outputs import (
    VIDEO_NAME,
    SavedSet,
    SessionMeta,
    default_out_dir,
)
from posecoach.live.recorder import LiveRecorder
from posecoach.live.sources import (
    CapturedFrame,
    FrameGrabber,
    FrameSource,
    LatestSlot,
    open_source,
)
from posecoach.live.voice import CueSpeaker, Voice, find_engine
from posecoach.pipeline import MeasureConfig
from posecoach.render import Annotator
from posecoach.results import AnalysisOptions
from posecoach.sample import PoseSample

__all__ = ["LiveOptions", "LiveSession", "LiveStep", "LiveSummary", "PoseDetector"]


@dataclass(frozen=True)
class LiveOptions:
    """Settings of one session (`posecoach live` flags; the rest for tests and the bench)."""

    exercise: str
    camera: str = "0"
    model: str = "lite"
    mirror: bool = False
    voice: bool = False
    record: bool = False
    headless: bool = False
    out_dir: Path | None = None
    duration_s: float | None = None
    pace: bool = True                 # video files: real time (frames dropped when slow)
    framing: FramingConfig = field(default_factory=FramingConfig)
    measure: MeasureConfig = field(default_factory=MeasureConfig)
    segmentation: bool | None = None  # None: as `analyze` decides for the exercise
    draw_headless: bool = False       # draw the overlay even without a window (bench)
    use_history: bool = True
    history_db: Path | None = None
    stall_s: float = 10.0             # no frame for this long: the camera stopped delivering
    count_people: bool = True         # look for a second person every 2 s (own thread)
    exercises: ExerciseConfig = field(default_factory=ExerciseConfig)  # coaching thresholds

    def wants_mask(self) -> bool:
        return AnalysisOptions(exercise=self.exercise, segmentation=self.segmentation).wants_mask()

    def analysis_options(self) -> AnalysisOptions:
        """The settings this session analyses with, as `analyze` would write them."""
        return AnalysisOptions(exercise=self.exercise, model=self.model,
                               segmentation=self.wants_mask(), measure=self.measure,
                               exercises=self.exercises)


@dataclass(frozen=True)
class LiveStep:
    """A captured frame and what inference made of it (None while paused)."""

    frame: CapturedFrame
    coach: CoachStep | None
    paused: bool = False


@dataclass(frozen=True)
class LiveSummary:
    out_dir: Path
    reason: str                 # quit, interrupted, ended, stalled, duration, error
    saved: list[SavedSet]
    recording: Path | None
    frames_captured: int
    frames_analysed: int
    frames_dropped: int         # captured but never analysed (newest frame won)
    frames_shown: int
    fps: float                  # frames shown per second of session
    latency_p50_ms: float       # capture -> overlay drawn
    latency_p95_ms: float
    notices: tuple[str, ...] = ()


def _mirror_sample(sample: PoseSample) -> PoseSample:
    xy = sample.xy.copy()
    xy[:, 0] = sample.width - 1 - xy[:, 0]
    return dataclasses.replace(sample, xy=xy)


class LiveSession:
    """Build with options (and, for tests, a ready source / estimator / display); `run()`."""

    def __init__(self, options: LiveOptions, source: FrameSource | None = None,
                 estimator: PoseDetector | None = None, display: Display | None = None,
                 voice: Voice | None = None) -> None:
        self._options = options
        self._feed = CoachFeed(options.exercise, options.measure, options.framing,  # checks the id first
                               options.exercises)
        self._source = source if source is not None else open_source(options.camera, pace=options.pace)
        self._notices: list[str] = []
        try:
            self._poser = FramePoser(options.model, segmentation=options.wants_mask(), estimator=estimator)
            self._display = display if display is not None else (
                NullDisplay() if options.headless else CvWindow(f"PoseCoach live - {options.exercise}"))
        except BaseException:
            self._source.close()
            if hasattr(self, "_poser"):
                self._poser.close()
            raise
        self._voice = voice if voice is not None or not options.voice else self._open_voice()
        self._out_dir = options.out_dir or default_out_dir()
        self._stop = threading.Event()
        self._reason = "ended"
        self._error: BaseException | None = None
        self._people_error: BaseException | None = None
        self._mirror = options.mirror
        self._stats = LiveStats()
        self._shown = 0

    @property
    def notices(self) -> tuple[str, ...]:
        """One-line notices for the user (for example: no speech engine)."""
        return tuple(self._notices)

    def _open_voice(self) -> Voice | None:
        command = find_engine()
        if command is None:
            self._notices.append("voice: no speech engine found (install espeak-ng); cues are shown only")
            return None
        return Voice(command)

    # ---------------------------------------------------------------- inference thread
    def _infer(self, grabber: FrameGrabber, results: LatestSlot[LiveStep]) -> None:
        first_t: float | None = None
        last_frame_at = time.monotonic()
        try:
            while not self._stop.is_set():
                cap = grabber.slot.get(timeout=0.1)
                if cap is None:
                    if grabber.slot.closed:
                        self._finish("ended")
                        return
                    if time.monotonic() - last_frame_at > self._options.stall_s:
                        self._finish("stalled")
                        return
                    continue
                last_frame_at = time.monotonic()
                first_t = cap.t_s if first_t is None else first_t
                if self._options.duration_s is not None and cap.t_s - first_t >= self._options.duration_s:
                    self._finish("duration")
                    return
                self._feed.apply_commands(cap.t_s)
                if self._feed.paused:
                    results.put(LiveStep(cap, None, paused=True))  # no inference while paused
                    continue
                results.put(LiveStep(cap, self._feed.update(self._poser.pose(cap.rgb, cap.t_s))))
        except BaseException as exc:  # noqa: BLE001 - re-raised by run() after saving
            self._error = exc
            self._finish("error")
        finally:
            results.close()

    def _finish(self, reason: str) -> None:
        if not self._stop.is_set():
            self._reason = reason
            self._stop.set()

    # ---------------------------------------------------------------- main thread
    def run(self) -> LiveSummary:
        """Run until the session ends (see module docstring); always saves."""
        opts = self._options
        recorder = None
        grabber = FrameGrabber(self._source, keep_all=not opts.pace)
        results: LatestSlot[LiveStep] = LatestSlot(keep_all=not opts.pace)
        worker = threading.Thread(target=self._infer, args=(grabber, results),
                                  name="posecoach-inference", daemon=True)
        started = time.monotonic()
        try:
            if opts.record:
                recorder = LiveRecorder(self._out_dir / VIDEO_NAME, self._source.width,
                                        self._source.height, self._source.fps)
            if opts.count_people:
                self._poser.start_people_counting()
            grabber.start()
            worker.start()
            self._loop(results, recorder, started)
        except KeyboardInterrupt:
            self._finish("interrupted")
        except BaseException as exc:  # noqa: BLE001 - saved first, re-raised below
            self._error = self._error or exc
            self._finish("error")
        finally:
            elapsed_s = time.monotonic() - started
            self._stop.set()
            results.close()  # a blocked hand-over (--no-pace) gives up
            grabber.stop()
            if worker.ident is not None:
                worker.join(timeout=10.0)
            self._close_io(recorder)
        if self._error is None and grabber.error is not None:
            self._error, self._reason = grabber.error, "error"
        if self._people_error is not None:
            self._notices.append(f"people counting stopped ({self._people_error}); "
                                 "a second person in view was not checked for")
        saved = self._feed.save(self._meta(), self._out_dir, recording=recorder.path if recorder else None,
                                history_db=opts.history_db, use_history=opts.use_history)
        if self._error is not None:
            raise self._error
        return self._summary(saved, recorder, grabber, elapsed_s)

    def _loop(self, results: LatestSlot[LiveStep], recorder: LiveRecorder | None, started: float) -> None:
        opts = self._options
        draw = not opts.headless or opts.record or opts.draw_headless
        annotator = Annotator()
        speaker = CueSpeaker()
        while True:
            step = results.get(timeout=0.005 if draw else 0.05)
            if step is not None:
                self._present(step, annotator if draw else None, recorder, speaker)
            elif results.closed:
                return
            command = self._display.poll(1)
            if command == Command.QUIT:
                self._finish("quit")
                return
            if command == Command.MIRROR:
                self._mirror = not self._mirror
            elif command in (Command.RESET, Command.SWITCH_SIDE):
                annotator.reset()
                self._feed.command(command)
            elif command == Command.PAUSE:
                self._feed.command(command)
            if (opts.pace and opts.duration_s is not None
                    and time.monotonic() - started > opts.duration_s + 2.0):
                self._finish("duration")  # the source stalled: the wall clock ends it
                return

    def _present(self, step: LiveStep, annotator: Annotator | None, recorder: LiveRecorder | None,
                 speaker: CueSpeaker) -> None:
        """Draw, show, record and speak one step (drawing skipped when nothing needs it)."""
        if annotator is not None:
            rgb = self._draw(annotator, step)
            self._display.show(rgb)
            if recorder is not None:
                recorder.write(step.frame.t_s, rgb)
        self._stats.tick(step.frame.captured_at)
        self._shown += 1
        if self._voice is not None and step.coach is not None:
            text = speaker.update(step.coach.framing, step.coach.feedback, time.monotonic())
            if text is not None:
                self._voice.say(text)

    def _draw(self, annotator: Annotator, step: LiveStep) -> np.ndarray:
        rgb = step.frame.rgb
        if self._mirror:
            rgb = np.ascontiguousarray(rgb[:, ::-1])
        elif not rgb.flags.writeable:
            rgb = rgb.copy()
        guidance = countdown = None
        if step.coach is not None:
            sample = _mirror_sample(step.coach.sample) if self._mirror else step.coach.sample
            annotator.annotate(rgb, sample, step.coach.feedback, self._options.exercise)
            guidance, countdown = step.coach.framing.message, step.coach.framing.countdown_s
        return draw_hud(rgb, self._stats.fps, self._stats.last_latency_ms, guidance=guidance,
                        countdown_s=countdown, paused=step.paused, mirrored=self._mirror)

    def _close_io(self, recorder: LiveRecorder | None) -> None:
        self._people_error = self._poser.people_error
        for close in (self._poser.close, self._display.close, self._source.close,
                      self._voice.close if self._voice else None, recorder.close if recorder else None):
            if close is not None:
                try:
                    close()
                except Exception as exc:  # noqa: BLE001 - keep closing the rest, then report it
                    self._error = self._error or exc

    def _meta(self) -> SessionMeta:
        return SessionMeta(self._options.analysis_options(), self._source.name,
                           self._source.width, self._source.height)

    def _summary(self, saved: list[SavedSet], recorder: LiveRecorder | None, grabber: FrameGrabber,
                 elapsed_s: float) -> LiveSummary:
        video = self._out_dir / VIDEO_NAME
        recording = video if recorder is not None and video.exists() else None
        return LiveSummary(
            out_dir=self._out_dir, reason=self._reason, saved=saved, recording=recording,
            frames_captured=grabber.frames_captured, frames_analysed=self._feed.frames_analysed,
            frames_dropped=grabber.slot.dropped, frames_shown=self._shown,
            fps=self._shown / elapsed_s if elapsed_s > 0 else 0.0,
            latency_p50_ms=self._stats.percentile_ms(50), latency_p95_ms=self._stats.percentile_ms(95),
            notices=tuple(self._notices))
