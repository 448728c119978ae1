"""Second, streaming pass over an input: each frame annotated with its sample and
feedback, written as browser-playable H.264 (or a JPEG for a still).

Decoding, drawing and encoding run on three threads joined by small bounded queues
(PyAV and x264 release the GIL while they work), so the pass costs roughly its slowest
stage rather than the sum; memory stays flat: a handful of frames in flight at most.
The Annotator itself stays on the calling thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from posecoach.exercises.base import FrameFeedback
from posecoach.limits import DEFAULT_LIMITS, MediaLimits
from posecoach.render.annotator import Annotator
from posecoach.sample import PoseSample
from posecoach.video_io import VideoWriter, iter_frames, prefetch, put_unless_stopped

# (frames done, frames expected) -> None
Progress = Callable[[int, int], None]

QUEUE_FRAMES = 4            # frames waiting between two stages
# x264 preset of the annotated video: "superfast" encodes about 30 % faster than
# "veryfast" for files about 1.5x the size, at the same quality (crf).
PRESET = "superfast"
CRF = 23
_END = object()


class _ByTime:
    """Finds the sample/feedback of a decoded frame by its timestamp (index order)."""

    def __init__(self, samples: Sequence[PoseSample], feedback: Sequence[FrameFeedback | None],
                 fps: float) -> None:
        self._samples = samples
        self._feedback = feedback
        self._tol = 0.5 / fps if fps > 0 else 0.02
        self._j = 0

    def at(self, t_s: float) -> tuple[PoseSample | None, FrameFeedback | None]:
        n = len(self._samples)
        while self._j + 1 < n and self._samples[self._j + 1].t_s <= t_s + self._tol:
            self._j += 1
        if n == 0 or abs(self._samples[self._j].t_s - t_s) > self._tol:
            return None, None
        fb = self._feedback[self._j] if self._j < len(self._feedback) else None
        return self._samples[self._j], fb


class _BackgroundWriter:
    """VideoWriter.write on its own thread, behind a bounded queue."""

    def __init__(self, writer: VideoWriter, maxsize: int = QUEUE_FRAMES) -> None:
        self._writer = writer
        self._q: queue.Queue[Any] = queue.Queue(maxsize)
        self._stop = threading.Event()
        self._failure: list[BaseException] = []
        self._thread = threading.Thread(target=self._run, name="posecoach-encode", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._q.get(timeout=0.1)
                except queue.Empty:
                    if self._stop.is_set():  # aborted while the queue was empty
                        return
                    continue
                if item is _END or self._stop.is_set():  # finished, or aborted: drop the rest
                    return
                rgb, t_s = item
                self._writer.write(rgb, t_s)
        except BaseException as exc:  # noqa: BLE001 - re-raised on the caller's thread
            self._failure.append(exc)
            self._stop.set()

    def write(self, rgb: np.ndarray, t_s: float) -> None:
        if not put_unless_stopped(self._q, (rgb, t_s), self._stop) and self._failure:
            raise self._failure[0]

    def close(self) -> None:
        """Drain, finish the file, and raise any encoding error."""
        put_unless_stopped(self._q, _END, self._stop)
        self._thread.join()
        self._writer.close()
        if self._failure:
            raise self._failure[0]

    def abort(self) -> None:
        # The queue may be full, so no end marker is needed: the thread sees `_stop`.
        self._stop.set()
        self._thread.join()
        self._writer.close()


def render_video(source: Path | str, dest: Path, samples: Sequence[PoseSample],
                 feedback: Sequence[FrameFeedback | None], exercise: str, fps: float,
                 annotator: Annotator | None = None, progress: Progress | None = None,
                 preset: str = PRESET, crf: int = CRF, limits: MediaLimits = DEFAULT_LIMITS) -> int:
    """Annotate every frame of `source` into `dest` (MP4, H.264 yuv420p), each at its
    source timestamp (a clip with a gap plays at real speed). `limits` must be those of
    the analysis, so that frames are decoded at the size the samples were measured on.
    Returns frames written."""
    annotator = annotator or Annotator()
    lookup = _ByTime(samples, feedback, fps)
    writer: _BackgroundWriter | None = None
    written = 0
    try:
        for t_s, rgb in prefetch(iter_frames(source, limits), QUEUE_FRAMES):
            if writer is None:
                writer = _BackgroundWriter(VideoWriter(dest, rgb.shape[1], rgb.shape[0], fps,
                                                       crf=crf, preset=preset, timed=True))
            if not rgb.flags.writeable:
                rgb = rgb.copy()
            sample, fb = lookup.at(t_s)
            writer.write(annotator.annotate(rgb, sample, fb, exercise), t_s)
            written += 1
            if progress is not None:
                progress(written, max(written, len(samples)))
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if writer is not None:
        writer.close()
    return written


def render_image(source: Path | str, dest: Path, sample: PoseSample | None,
                 feedback: FrameFeedback | None, exercise: str,
                 annotator: Annotator | None = None, quality: int = 90,
                 limits: MediaLimits = DEFAULT_LIMITS) -> None:
    """Annotate a still (the same decoding as the analysis) into a JPEG."""
    annotator = annotator or Annotator()
    for _, rgb in iter_frames(source, limits):
        out = annotator.annotate(np.array(rgb, copy=True), sample, feedback, exercise)
        bgr = cv2.cvtColor(out, cv2.COLOR_RGB2BGR)
        if not cv2.imwrite(str(dest), bgr, [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f"could not write {dest}")
        return
