"""Second, streaming pass over an input: each frame annotated with its sample and
feedback, written as browser-playable H.264 (or a JPEG for a still). Memory stays flat:
one decoded frame at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import numpy as np

from posecoach.exercises.base import FrameFeedback
from posecoach.render.annotator import Annotator
from posecoach.sample import PoseSample
from posecoach.video_io import VideoWriter, iter_frames

# (frames done, frames expected) -> None
Progress = Callable[[int, int], None]


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


def render_video(source: Path | str, dest: Path, samples: Sequence[PoseSample],
                 feedback: Sequence[FrameFeedback | None], exercise: str, fps: float,
                 annotator: Annotator | None = None, progress: Progress | None = None) -> int:
    """Annotate every frame of `source` into `dest` (MP4, H.264 yuv420p). Returns frames written."""
    annotator = annotator or Annotator()
    lookup = _ByTime(samples, feedback, fps)
    writer: VideoWriter | None = None
    written = 0
    try:
        for t_s, rgb in iter_frames(source):
            if writer is None:
                writer = VideoWriter(dest, rgb.shape[1], rgb.shape[0], fps)
            if not rgb.flags.writeable:
                rgb = rgb.copy()
            sample, fb = lookup.at(t_s)
            writer.write(annotator.annotate(rgb, sample, fb, exercise))
            written += 1
            if progress is not None:
                progress(written, max(written, len(samples)))
    finally:
        if writer is not None:
            writer.close()
    return written


def render_image(source: Path | str, dest: Path, sample: PoseSample | None,
                 feedback: FrameFeedback | None, exercise: str,
                 annotator: Annotator | None = None, quality: int = 90) -> None:
    """Annotate a still (the same decoding as the analysis) into a JPEG."""
    annotator = annotator or Annotator()
    for _, rgb in iter_frames(source):
        out = annotator.annotate(np.array(rgb, copy=True), sample, feedback, exercise)
        bgr = cv2.cvtColor(out, cv2.COLOR_RGB2BGR)
        if not cv2.imwrite(str(dest), bgr, [cv2.IMWRITE_JPEG_QUALITY, quality]):
            raise OSError(f"could not write {dest}")
        return
