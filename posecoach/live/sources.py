"""Frame sources for live coaching and the capture thread that keeps only the newest frame.

A source is opened from the `--camera` text: a camera index ("0"), a video file (paced in
real time as a camera would deliver it, or unpaced for tests) or a stream URL. Opening
fails with an `InputError` and a hint; a source that stops delivering mid-session just
ends (the session then saves what it has).

`FrameGrabber` reads a source on its own thread into a `LatestSlot`: the consumer always
gets the newest frame and older ones are dropped (counted), so capture never waits for
inference. With `keep_all=True` (unpaced files) nothing is dropped: the reader waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

import cv2
import numpy as np

from posecoach.errors import InputError
from posecoach.video_io import VIDEO_SUFFIXES, iter_frames, probe

T = TypeVar("T")
OPEN_TIMEOUT_MS = 5000      # stream URLs: give up opening after this long
READ_TIMEOUT_MS = 5000      # ... and reading a frame
FIRST_FRAME_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class CapturedFrame:
    """One frame as captured: `t_s` is the source's clock (video time or seconds since the
    camera opened), `captured_at` the monotonic wall time it was delivered (for latency)."""

    index: int
    t_s: float
    captured_at: float
    rgb: np.ndarray


class FrameSource(Protocol):
    """Yields RGB frames with their time; `close()` is idempotent."""

    name: str
    fps: float
    width: int
    height: int

    def frames(self) -> Iterator[tuple[float, np.ndarray]]: ...

    def close(self) -> None: ...


class LatestSlot(Generic[T]):
    """A one-item hand-over between threads where the newest item wins.

    `put` replaces an item nobody took yet (counted in `dropped`), or with
    `keep_all=True` waits until it was taken. `get` waits up to `timeout` and returns None
    on timeout or once the slot is closed and empty (check `closed`).
    """

    def __init__(self, keep_all: bool = False) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self._closed = False
        self._keep_all = keep_all
        self._dropped = 0

    @property
    def dropped(self) -> int:
        return self._dropped

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, item: T) -> bool:
        """Hand over `item`; False if the slot is closed."""
        with self._cond:
            if self._keep_all:
                while self._item is not None and not self._closed:
                    self._cond.wait(0.1)
            if self._closed:
                return False
            if self._item is not None:
                self._dropped += 1
            self._item = item
            self._cond.notify_all()
            return True

    def get(self, timeout: float | None = None) -> T | None:
        with self._cond:
            if self._item is None and not self._closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            self._cond.notify_all()
            return item

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()


# ------------------------------------------------------------------ sources
class VideoFileSource:
    """A video file delivered like a camera: paced to its own timestamps, or as fast as
    the consumer takes frames (`pace=False`)."""

    def __init__(self, path: Path, pace: bool = True) -> None:
        info = probe(path)
        if info.kind != "video":
            raise InputError(f"{path.name}: is an image, not a video or camera",
                             "pass a video file, a camera index such as 0, or a stream URL")
        self.name = path.name
        self.fps = info.fps or 30.0
        self.width, self.height = info.width, info.height
        self._path = path
        self._pace = pace
        self._stop = threading.Event()

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = time.monotonic()
        first_t: float | None = None
        for t_s, rgb in iter_frames(self._path):
            if self._stop.is_set():
                return
            if self._pace:
                first_t = t_s if first_t is None else first_t
                wait = start + (t_s - first_t) - time.monotonic()
                if wait > 0 and self._stop.wait(wait):
                    return
            yield t_s, rgb

    def close(self) -> None:
        self._stop.set()


class CaptureSource:
    """A camera (by index) or a network stream (URL) read through OpenCV."""

    def __init__(self, target: int | str) -> None:
        device = isinstance(target, int) or str(target).startswith("/dev/")
        self.name = f"camera {target}" if device else _redact(str(target))
        if device:
            cap = cv2.VideoCapture(target)
            problem = (f"camera {target} could not be opened",
                       ("check that a camera is connected (ls /dev/video*) and not used by another "
                        "app, or pass --camera with another index, a video file or a stream URL"))
        else:
            cap = cv2.VideoCapture(target, cv2.CAP_FFMPEG,
                                   [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, OPEN_TIMEOUT_MS,
                                    cv2.CAP_PROP_READ_TIMEOUT_MSEC, READ_TIMEOUT_MS])
            problem = (f"stream {self.name} could not be opened",
                       ("check the URL (for example http://HOST:PORT/video or rtsp://...) and "
                        "that the phone or camera app is streaming"))
        if not cap.isOpened():
            cap.release()
            raise InputError(*problem)
        self._cap: cv2.VideoCapture | None = cap
        self._lock = threading.Lock()
        ok, bgr = _read_first(cap)
        if not ok:
            cap.release()
            raise InputError(f"{self.name} opened but delivers no frames (it may be busy)",
                             "close other apps using the camera and try again")
        self._first: np.ndarray | None = bgr
        self.height, self.width = bgr.shape[:2]
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps if 1.0 <= fps <= 240.0 else 30.0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        start = time.monotonic()
        while True:
            if self._first is not None:
                bgr, self._first = self._first, None
            else:
                with self._lock:
                    if self._cap is None:
                        return
                    ok, bgr = self._cap.read()
                if not ok or bgr is None or not bgr.size:
                    return  # unplugged, stream ended or broken: the session ends cleanly
            yield time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def close(self) -> None:
        with self._lock:
            cap, self._cap = self._cap, None
        if cap is not None:
            cap.release()


def _read_first(cap: cv2.VideoCapture) -> tuple[bool, np.ndarray]:
    """The first frame, retrying briefly (some cameras deliver nothing at first)."""
    deadline = time.monotonic() + FIRST_FRAME_TIMEOUT_S
    while time.monotonic() < deadline:
        ok, bgr = cap.read()
        if ok and bgr is not None and bgr.size:
            return True, bgr
        time.sleep(0.05)
    return False, np.zeros((0, 0, 3), np.uint8)


def _redact(url: str) -> str:
    """Hide a password in user:pass@host URLs before showing them."""
    scheme, sep, rest = url.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"


def open_source(camera: str | int, pace: bool = True) -> FrameSource:
    """Open `--camera`: an index, a device node, a video file path or a stream URL."""
    text = str(camera).strip()
    if text.isdigit():
        return CaptureSource(int(text))
    if "://" in text:
        return CaptureSource(text)
    path = Path(text).expanduser()
    if text.startswith("/dev/") and path.exists():  # a camera device node, e.g. /dev/video2
        return CaptureSource(text)
    if not path.exists():
        raise InputError(f"camera '{text}' not found: not a camera index, an existing video file or a URL",
                         "use --camera 0 for the first webcam, a path to a video, or http://... / rtsp://...")
    if path.suffix.lower() not in VIDEO_SUFFIXES:
        raise InputError(f"{path.name}: not a video file ({', '.join(sorted(VIDEO_SUFFIXES))})",
                         "pass a video file, a camera index such as 0, or a stream URL")
    return VideoFileSource(path, pace=pace)


class FrameGrabber:
    """Reads a source on a background thread into a `LatestSlot` of `CapturedFrame`s."""

    def __init__(self, source: FrameSource, keep_all: bool = False) -> None:
        self._source = source
        self.slot: LatestSlot[CapturedFrame] = LatestSlot(keep_all=keep_all)
        self._thread = threading.Thread(target=self._run, name="posecoach-capture", daemon=True)
        self._error: BaseException | None = None
        self._count = 0

    @property
    def frames_captured(self) -> int:
        return self._count

    @property
    def error(self) -> BaseException | None:
        """An unexpected exception that ended capture (None for a normal end)."""
        return self._error

    def start(self) -> FrameGrabber:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for t_s, rgb in self._source.frames():
                frame = CapturedFrame(self._count, t_s, time.monotonic(), rgb)
                if not self.slot.put(frame):
                    break
                self._count += 1
        except Exception as exc:  # noqa: BLE001 - handed to the session, which saves and re-raises
            self._error = exc
        finally:
            self.slot.close()

    def stop(self) -> None:
        """Stop reading (idempotent; fine before `start`)."""
        self.slot.close()
        self._source.close()
        if self._thread.ident is not None:
            self._thread.join(timeout=5.0)
