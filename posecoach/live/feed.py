"""The analysis half of a live session, fed one pose at a time.

Camera frames become `PoseFrame`s somewhere else: on the inference thread of
`posecoach live` (`FramePoser`: the pose model in VIDEO mode plus the people counter),
in the web app's server-inference mode (the same `FramePoser`), or in the runner's
browser (MediaPipe in WebAssembly, landmarks sent over a WebSocket). Whatever made the
pose, `CoachFeed.update(pose)` runs the one live path: pause clock -> `LiveCoach`
(measurement, One-Euro smoothing, framing gate, exercise analyser, cue arbiter). It keeps
every set for `save()`, which writes them like `analyze` writes a clip.

Commands (pause, reset, switch side) may come from any thread; they are queued and
applied at the next frame, on the thread that calls `update`, so all analysis state
stays on one thread.
"""

from __future__ import annotations

import queue
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.landmarks import PoseFrame
from posecoach.live.coach import CoachStep, LiveCoach, SetRecord, shift_time
from posecoach.live.display import Command
from posecoach.live.framing import FramingConfig
from posecoach.live.outputs import SavedSet, SessionMeta, save_session
from posecoach.pipeline import MeasureConfig

if TYPE_CHECKING:
    from posecoach.live.people import BackgroundPeopleCounter

_FEED_COMMANDS = (Command.PAUSE, Command.RESET, Command.SWITCH_SIDE)
# How often a live session counts the people in view (an extra inference with more poses;
# the browser page's counter asks the server for this figure).
PEOPLE_COUNT_INTERVAL_S = 2.0


class CoachFeed:
    """Pose frames in, coach steps out (None while paused); see the module docstring."""

    def __init__(self, exercise: str, measure: MeasureConfig = MeasureConfig(),
                 framing: FramingConfig = FramingConfig(),
                 config: ExerciseConfig | None = None) -> None:
        self._coach = LiveCoach(exercise, measure, framing, config)  # checks the exercise id first
        self._finished: list[SetRecord] = []
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._paused_at: float | None = None
        self._paused_total_s = 0.0
        self._analysed = 0

    @property
    def exercise(self) -> str:
        return self._coach.exercise

    @property
    def frames_analysed(self) -> int:
        return self._analysed

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    @property
    def sets(self) -> list[SetRecord]:
        """Every set so far, the current one last."""
        return [*self._finished, self._coach.current_set]

    def command(self, command: Command) -> None:
        """Queue pause (toggles), reset or switch side; applied at the next frame."""
        if command not in _FEED_COMMANDS:
            raise ValueError(f"not a coaching command: {command}")
        self._commands.put(command)

    def update(self, pose: PoseFrame) -> CoachStep | None:
        """Analyse one frame (None while paused: paused time does not count)."""
        self.apply_commands(pose.t_s)
        if self._paused_at is not None:
            return None
        step = self._coach.update(shift_time(pose, self._paused_total_s))
        self._analysed += 1
        return step

    def apply_commands(self, t_s: float) -> None:
        """Apply the queued commands now (`update` does it too; a caller that skips
        inference while paused calls this first to learn whether it is still paused)."""
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            if command == Command.PAUSE:
                if self._paused_at is None:
                    self._paused_at = t_s
                else:
                    self._paused_total_s += t_s - self._paused_at
                    self._paused_at = None
            elif command == Command.RESET:
                self._finished.append(self._coach.reset_set())
            elif command == Command.SWITCH_SIDE:
                self._finished.append(self._coach.switch_side())

    def save(self, meta: SessionMeta, out_dir: Path, recording: Path | None = None,
             history_db: Path | None = None, use_history: bool = True) -> list[SavedSet]:
        """Write every set that saw a person (`posecoach.live.outputs.save_session`)."""
        return save_session(self.sets, meta, out_dir, recording=recording, history_db=history_db,
                            use_history=use_history)


class PoseDetector(Protocol):
    """What a live session needs from a pose estimator (PoseEstimator in VIDEO mode)."""

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame: ...

    def close(self) -> None: ...


class FramePoser:
    """Camera frames -> PoseFrames: the pose model in VIDEO mode and, on its own thread,
    the people counter (a second person in view), as `posecoach live` runs them.

    `start_people_counting()` starts the counter's thread (not at construction, so a
    session that fails to start leaves no thread behind); `close()` is idempotent."""

    def __init__(self, model: str = "lite", segmentation: bool = False,
                 estimator: PoseDetector | None = None) -> None:
        from posecoach.pose import PoseEstimator

        self._model = model
        self._estimator = estimator if estimator is not None else PoseEstimator.for_video(
            model, segmentation=segmentation)
        self._people: BackgroundPeopleCounter | None = None

    def start_people_counting(self) -> None:
        from posecoach.live.people import BackgroundPeopleCounter

        if self._people is None:
            self._people = BackgroundPeopleCounter(self._model, interval_s=PEOPLE_COUNT_INTERVAL_S)

    @property
    def people_error(self) -> BaseException | None:
        return self._people.error if self._people is not None else None

    def pose(self, rgb: np.ndarray, t_s: float) -> PoseFrame:
        frame = self._estimator.detect(rgb, t_s)
        if self._people is not None:
            self._people.offer(rgb, t_s)
            frame = frame.with_people_seen(self._people.count)
        return frame

    def close(self) -> None:
        """Close the model and the counter; the first error is raised after both are closed."""
        error: BaseException | None = None
        for close in (self._estimator.close, self._people.close if self._people else None):
            if close is None:
                continue
            try:
                close()
            except Exception as exc:  # noqa: BLE001 - close the rest first
                error = error or exc
        self._people = None
        if error is not None:
            raise error

