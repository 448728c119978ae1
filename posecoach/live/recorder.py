"""`--record`: the annotated live view written to H.264 while the session runs.

Encoding happens on its own thread behind a bounded queue, so the display loop never
waits for the encoder. Frames arrive at the (variable) display rate; the file has a
constant rate, so each frame is repeated until the next one's time (or skipped when
frames come faster than the file's rate) to keep the video in real time.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

import numpy as np

from posecoach.video_io import VideoWriter

MAX_RECORD_FPS = 30.0
QUEUE_FRAMES = 16


class LiveRecorder:
    """Writes (time, rgb) frames to `path`; `close()` finishes the file (idempotent)."""

    def __init__(self, path: Path, width: int, height: int, fps: float) -> None:
        self.path = path
        self.fps = min(MAX_RECORD_FPS, fps) if fps > 0 else MAX_RECORD_FPS
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = VideoWriter(path, width, height, self.fps)
        self._queue: queue.Queue[tuple[float, np.ndarray] | None] = queue.Queue(maxsize=QUEUE_FRAMES)
        self._t0: float | None = None
        self._written = 0
        self.dropped = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecoach-record", daemon=True)
        self._thread.start()

    @property
    def frames_written(self) -> int:
        return self._written

    def write(self, t_s: float, rgb: np.ndarray) -> None:
        """Queue a frame shown at `t_s`; drops it (counted) if the encoder is behind."""
        try:
            self._queue.put_nowait((t_s, rgb))
        except queue.Full:
            self.dropped += 1

    def _run(self) -> None:
        last: np.ndarray | None = None
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                t_s, rgb = item
                self._t0 = t_s if self._t0 is None else self._t0
                due = round((t_s - self._t0) * self.fps) + 1  # frames the file should hold
                if last is not None:
                    while self._written < due - 1:  # hold the previous frame until this one's time
                        self._writer.write(last)
                        self._written += 1
                if self._written < due:
                    self._writer.write(rgb)
                    self._written += 1
                last = rgb
        except Exception as exc:  # noqa: BLE001 - reported by close()
            self._error = exc

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        self._writer.close()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
