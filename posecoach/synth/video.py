"""H.264 (yuv420p) MP4 writer on PyAV: browser-playable, small, deterministic."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from types import TracebackType

import av
import numpy as np


class Mp4Writer:
    """Write RGB uint8 frames at a constant frame rate. Use as a context manager."""

    def __init__(self, path: Path, width: int, height: int, fps: int = 30, crf: int = 26,
                 preset: str = "medium") -> None:
        if width % 2 or height % 2:
            raise ValueError(f"yuv420p needs even sizes, got {width}x{height}")
        self._container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        self._stream = self._container.add_stream("libx264", rate=Fraction(fps, 1))
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        # One thread: x264's output is then byte-identical run to run.
        self._stream.options = {"crf": str(crf), "preset": preset, "threads": "1"}
        self._closed = False

    def write(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> "Mp4Writer":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
