"""Stand-ins for a live session's camera, pose model and window, and a whole session run
with them (`run_session`): `posecoach live` with no model and no camera."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.landmarks import PoseFrame
from posecoach.live import LiveOptions, LiveSession
from posecoach.live import framing as fr
from posecoach.live.display import Command
from tests.builders import frame_from_xy, side_pose

W, H = 320, 240   # the fake camera's frame size

class FakeSource:
    """A camera that delivers `n` grey frames at `fps` (paced or not), then stops, as an
    unplugged camera does."""

    name = "fake camera"

    def __init__(self, n: int, fps: float = 30.0, pace: bool = False) -> None:
        self.n, self.fps, self._pace = n, fps, pace
        self.width, self.height = W, H
        self.closed = False

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = time.monotonic()
        for i in range(self.n):
            if self.closed:
                return
            if self._pace:
                time.sleep(max(0.0, start + i / self.fps - time.monotonic()))
            rgb = np.full((H, W, 3), 90, np.uint8)
            rgb[:, : W // 2] = 60  # a left/right difference, to see mirroring
            yield i / self.fps, rgb

    def close(self) -> None:
        self.closed = True


class FakeEstimator:
    """A person standing side-on, knee bending back and forth (or nobody); can fail."""

    def __init__(self, fail_at: int | None = None, present: bool = True) -> None:
        self.calls = 0
        self.closed = False
        self._fail_at, self._present = fail_at, present

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        self.calls += 1
        if self._fail_at is not None and self.calls >= self._fail_at:
            raise RuntimeError("inference blew up")
        if not self._present:
            return PoseFrame.empty(t_s, rgb.shape[1], rgb.shape[0])
        xy = side_pose(thigh_deg=10.0, shank_deg=10.0 - 40.0 * (1 + np.sin(2 * np.pi * 0.5 * t_s)),
                       hip=(W / 2, 110.0), scale=0.5)
        return frame_from_xy(xy, t_s, rgb.shape[1], rgb.shape[0])

    def close(self) -> None:
        self.closed = True


class ScriptedDisplay:
    """Returns `script[n]` on the n-th poll after a frame was shown; keeps what it showed."""

    def __init__(self, script: dict[int, Command | type[BaseException]] | None = None) -> None:
        self.script = dict(script or {})
        self.shown: list[np.ndarray] = []
        self.closed = False

    def show(self, rgb: np.ndarray) -> None:
        self.shown.append(rgb.copy())

    def poll(self, wait_ms: int = 1) -> Command | None:
        action = self.script.pop(len(self.shown), None)
        if isinstance(action, type) and issubclass(action, BaseException):
            raise action
        return action

    def close(self) -> None:
        self.closed = True


def run_session(tmp_path: Path, source: FakeSource, estimator: FakeEstimator | None = None,
                display: ScriptedDisplay | None = None, **options: object):
    opts: dict[str, object] = {
        "exercise": "curl-hip-lift", "camera": "fake", "headless": display is None, "pace": False,
        "out_dir": tmp_path / "out", "history_db": tmp_path / "history.db",
        "framing": fr.FramingConfig(enabled=False), "count_people": False}
    opts.update(options)
    session = LiveSession(LiveOptions(**opts), source=source, estimator=estimator or FakeEstimator(),
                          display=display)
    return session.run()


class SlowStartPool(ThreadPoolExecutor):
    """A one-thread pool whose `slow` jobs wait `delay_s` in the queue before they start,
    as on a busy machine: a job still queued can be cancelled, a started one cannot."""

    def __init__(self, *args: Any, slow: str = "save", delay_s: float = 0.5, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._slow, self._delay_s = slow, delay_s

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if getattr(fn, "__name__", "") != self._slow:
            return super().submit(fn, *args, **kwargs)
        future: Future[Any] = Future()

        def start() -> None:
            if future.set_running_or_notify_cancel():   # False: cancelled while it waited
                try:
                    future.set_result(fn(*args, **kwargs))
                except BaseException as exc:  # noqa: BLE001 - handed to whoever awaits it
                    future.set_exception(exc)

        threading.Timer(self._delay_s, start).start()
        return future
