"""Reading videos/images and writing browser-playable H.264.

Decoding goes through PyAV so frames carry their real presentation timestamps
(variable frame rate is handled by time, not by frame index) and the container's
rotation (phone portrait clips) is applied. Frames are yielded one at a time, so memory
stays flat however long the video is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Generator, Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import av
import cv2
import numpy as np

from posecoach.errors import InputError
from posecoach.limits import DEFAULT_LIMITS, MediaLimits
from posecoach.media import MediaInfo

T = TypeVar("T")

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm"})
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
# Decoder threads for frames above 1080p: each thread holds full-size frames, so a
# 4K clip with one thread per core of a big machine would need gigabytes.
_LARGE_FRAME_PIXELS = 1920 * 1080
_LARGE_FRAME_THREADS = 4
_MAX_STREAMS = 32
# Time base of timed output videos: fine enough for 240 fps slow motion.
TIMED_TIME_BASE = Fraction(1, 90_000)


def _fail(path: Path, problem: str, hint: str = "") -> InputError:
    return InputError(f"{path.name}: {problem}", hint)


def _clockwise(rotation_ccw: float) -> int:
    return int(round(-rotation_ccw / 90.0)) * 90 % 360


def _rotate(rgb: np.ndarray, clockwise: int) -> np.ndarray:
    if clockwise == 0:
        return rgb
    return np.ascontiguousarray(np.rot90(rgb, k=-(clockwise // 90)))


def _megapixels(pixels: int) -> str:
    return f"{pixels / 1e6:.1f}".rstrip("0").rstrip(".") + " megapixels"


def _check_size(path: Path, width: int, height: int, max_pixels: int, limits: MediaLimits,
                what: str) -> None:
    """Refuse frames too small to hold a person or too big to decode safely."""
    if min(width, height) < limits.min_side_px:
        raise _fail(path, f"{what} is only {width}x{height} pixels, too small to see a person in",
                    f"use {'an image' if what == 'image' else 'a video'} at least "
                    f"{limits.min_side_px} pixels on each side (480 or more works best)")
    if width * height > max_pixels:
        raise _fail(path, f"{what} is too large ({width}x{height}, {_megapixels(width * height)}; "
                          f"the most PoseCoach reads is {_megapixels(max_pixels)})",
                    f"resize it to at most {limits.analysis_side_px} pixels on the long side"
                    if what == "image" else "export it at 1080p or 4K")


def _minutes(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def _too_long(path: Path, limits: MediaLimits, how_long: str) -> InputError:
    return _fail(path, f"clip is too long ({how_long}; the most is {_minutes(limits.max_clip_s)} "
                       f"min or {limits.max_frames} frames)",
                 "trim it to the exercise, or raise the limit with --max-clip-s "
                 "(POSECOACH_MAX_CLIP_S, POSECOACH_MAX_FRAMES)")


def _open(path: Path) -> "av.container.InputContainer":
    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "is a folder, not a video")
    if path.stat().st_size == 0:
        raise _fail(path, "file is empty")
    try:
        # FFmpeg decodes a frame of each stream while it reads the header (to learn what
        # the container does not say); skipping that keeps an 8192x8192 clip from
        # costing hundreds of MB before its size can be checked. Decoding is unaffected.
        container = av.open(str(path), mode="r", stream_options=[{"skip_frame": "all"}] * _MAX_STREAMS)  # type: ignore[call-overload]
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise _fail(path, "not a readable video (the file is corrupt or not a video format)",
                    "export the clip again as MP4 (H.264)") from exc
    if not container.streams.video:
        container.close()
        raise _fail(path, "contains no video (no video stream or no frames)")
    fmt = container.format.name or ""
    if fmt == "image2" or fmt.endswith("_pipe"):
        container.close()
        raise _fail(path, f"is a still image ({fmt.removesuffix('_pipe')}) with a video file name",
                    "rename it to .png/.jpg to analyse it as a photo")
    return container


def _stream_timing(container: "av.container.InputContainer",
                   stream: "av.video.stream.VideoStream") -> tuple[float, float, int]:
    """(fps, duration_s, frames) as the container declares them (0 where unknown)."""
    fps = float(stream.average_rate or stream.guessed_rate or 30.0)
    duration = float(stream.duration * stream.time_base) if stream.duration else (  # type: ignore[operator]
        container.duration / 1e6 if container.duration else 0.0)
    frames = stream.frames or int(round(duration * fps))
    return fps, duration, frames


def _check_video_header(path: Path, container: "av.container.InputContainer",
                        limits: MediaLimits) -> None:
    """Refuse from the container's metadata, before decoding anything."""
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if width and height:  # 0 = not in the header; the decoded frames are checked instead
        _check_size(path, width, height, limits.max_video_pixels, limits, "video")
    _, duration, frames = _stream_timing(container, stream)
    if duration > limits.max_clip_s:
        raise _too_long(path, limits, f"{_minutes(duration)} min")
    if frames > limits.max_frames:
        raise _too_long(path, limits, f"{frames} frames")


def _image_header(path: Path, limits: MediaLimits) -> tuple[int, int]:
    """(width, height) as displayed (EXIF orientation applied), read from the header
    only: Pillow's open() parses the header and decodes no pixels."""
    from PIL import Image, UnidentifiedImageError

    if not path.exists():
        raise _fail(path, "file not found")
    if path.is_dir():
        raise _fail(path, "is a folder, not an image")
    if path.stat().st_size == 0:
        raise _fail(path, "file is empty")
    try:
        with Image.open(path) as img:
            width, height = img.size
            orientation = img.getexif().get(0x0112, 1)   # EXIF Orientation
    except Image.DecompressionBombError:
        raise _fail(path, f"image is too large (over {_megapixels(limits.max_image_pixels)})",
                    f"resize it to at most {limits.analysis_side_px} pixels on the long side") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise _fail(path, "not a readable image") from exc
    _check_size(path, width, height, limits.max_image_pixels, limits, "image")
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def probe(path: Path | str, limits: MediaLimits = DEFAULT_LIMITS) -> MediaInfo:
    """Read what the input is. Size, duration and frame count are checked against
    `limits` from the metadata first; a video's first frame is then decoded to prove it
    is usable (a still is only read from its header here)."""
    path = Path(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        width, height = limits.analysis_size(*_image_header(path, limits))
        return MediaInfo(str(path), "image", 0.0, 1, 0.0, width, height, 0)
    container = _open(path)
    try:
        _check_video_header(path, container, limits)
        stream = container.streams.video[0]
        first = None
        try:
            for frame in container.decode(stream):
                first = frame
                break
        except (av.error.FFmpegError, ValueError) as exc:
            raise _fail(path, "video data cannot be decoded (truncated or corrupt)") from exc
        if first is None:
            raise _fail(path, "video has no frames")
        _check_size(path, first.width, first.height, limits.max_video_pixels, limits, "video")
        rotation = _clockwise(getattr(first, "rotation", 0) or 0)
        width, height = limits.analysis_size(first.width, first.height)
        if rotation in (90, 270):
            width, height = height, width
        fps, duration, frames = _stream_timing(container, stream)
        return MediaInfo(str(path), "video", fps, frames, duration, width, height, rotation)
    finally:
        container.close()


def iter_frames(path: Path | str, limits: MediaLimits = DEFAULT_LIMITS) -> Iterator[tuple[float, np.ndarray]]:
    """Yield (t_s, rgb uint8 HxWx3) for each decodable frame, rotation applied.

    Every frame comes out at the size of the first one after downscaling to
    `limits.analysis_side_px` (a stream whose resolution changes part-way is rescaled
    to it). The clip's length is checked from its metadata before decoding and again
    as frames arrive: past `limits.max_clip_s` or `limits.max_frames` an InputError
    is raised. Decoding errors after the first frames end the stream (a truncated file
    keeps what was recorded) rather than raising.
    """
    path = Path(path)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        yield 0.0, read_image(path, limits)
        return
    container = _open(path)
    try:
        _check_video_header(path, container, limits)
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > _LARGE_FRAME_PIXELS:
            stream.thread_count = _LARGE_FRAME_THREADS
        last_t: float | None = None
        first_t = 0.0
        size: tuple[int, int] | None = None
        frame_period = 1.0 / float(stream.average_rate or 30.0)
        decoder = container.decode(stream)
        count = 0
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except (av.error.FFmpegError, ValueError):
                break
            _check_size(path, frame.width, frame.height, limits.max_video_pixels, limits, "video")
            count += 1
            if frame.time is not None:
                t = float(frame.time)
            else:  # no timestamps (a raw stream): frames 1/fps apart, from 0
                t = 0.0 if last_t is None else last_t + frame_period
            if last_t is None:
                first_t = t
            elif t <= last_t:  # broken or duplicate timestamps: keep time moving forward
                t = last_t + frame_period
            last_t = t
            if count > limits.max_frames:
                raise _too_long(path, limits, f"over {limits.max_frames} frames")
            if t - first_t > limits.max_clip_s:
                raise _too_long(path, limits, f"over {_minutes(limits.max_clip_s)} min")
            if size is None:
                size = limits.analysis_size(frame.width, frame.height)
            rotation = _clockwise(getattr(frame, "rotation", 0) or 0)
            yield t, _rotate(_to_rgb(frame, size), rotation)
    finally:
        container.close()


def put_unless_stopped(q: "queue.Queue[Any]", item: object, stop: threading.Event) -> bool:
    """Put unless `stop` is set (then give up); True if the item was queued."""
    while not stop.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


_END = object()


def prefetch(items: Iterable[T], depth: int = 4) -> Generator[T, None, None]:
    """Iterate `items` on a background thread, at most `depth` ahead, so that decoding
    overlaps the caller's work (pose inference, drawing). Errors there are raised here;
    stopping early stops the thread and closes the source."""
    q: queue.Queue[Any] = queue.Queue(depth)
    stop = threading.Event()
    failure: list[BaseException] = []

    def produce() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if not put_unless_stopped(q, item, stop):
                    break
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, re-raised there
            failure.append(exc)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()  # releases the container when the consumer stopped early
            put_unless_stopped(q, _END, stop)

    thread = threading.Thread(target=produce, name="posecoach-decode", daemon=True)
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                break
            yield item
        if failure:
            raise failure[0]
    finally:
        stop.set()
        thread.join()


def _to_rgb(frame: "av.VideoFrame", size: tuple[int, int]) -> np.ndarray:
    """RGB uint8 array of a decoded frame at `size` (width, height). For the common
    4:2:0 case at its own size OpenCV's converter is about 1 ms per 720p frame faster
    than libswscale's; anything else (downscaling, 10-bit, 4:4:4) goes through
    libswscale in one pass, so a full-size RGB copy never exists."""
    width, height = size
    if (frame.width, frame.height) != size:
        return frame.to_ndarray(width=width, height=height, format="rgb24", interpolation="AREA")
    if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
        return cv2.cvtColor(frame.to_ndarray(format="yuv420p"), cv2.COLOR_YUV2RGB_I420)
    return frame.to_ndarray(format="rgb24")


def read_image(path: Path, limits: MediaLimits = DEFAULT_LIMITS) -> np.ndarray:
    """Decode a still (EXIF orientation applied), after checking its size from the
    header, downscaled to `limits.analysis_size`."""
    _image_header(path, limits)
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise _fail(path, "not a readable image")
    target = limits.analysis_size(bgr.shape[1], bgr.shape[0])
    if (bgr.shape[1], bgr.shape[0]) != target:
        bgr = cv2.resize(bgr, target, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class VideoWriter:
    """H.264 / yuv420p MP4 that plays in browsers (faststart), from RGB frames."""

    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int = 23,
                 preset: str = "veryfast", threads: int | None = None, timed: bool = False) -> None:
        """`threads=1` makes x264's output byte-identical run to run (the sample clips).
        `timed=True`: each frame is written at the time given to `write` (its source
        timestamp), so a clip with gaps or a variable frame rate plays at real speed;
        otherwise frames are 1/fps apart."""
        self._path = path
        self._width = width - width % 2
        self._height = height - height % 2
        self._container = av.open(str(path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001) if fps > 0 else Fraction(30)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width = self._width
        self._stream.height = self._height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {"crf": str(crf), "preset": preset,
                                **({"threads": str(threads)} if threads else {})}
        self._timed = timed
        if timed:
            self._stream.codec_context.time_base = TIMED_TIME_BASE
        self._first_t: float | None = None
        self._last_pts = -1
        self._closed = False

    def write(self, rgb: np.ndarray, t_s: float | None = None) -> None:
        # Colour conversion in OpenCV (faster than libswscale for this case).
        yuv = cv2.cvtColor(np.ascontiguousarray(rgb[: self._height, : self._width]), cv2.COLOR_RGB2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")  # type: ignore[arg-type]
        if self._timed:
            if t_s is None:
                raise ValueError("a timed VideoWriter needs each frame's time")
            self._first_t = t_s if self._first_t is None else self._first_t
            pts = max(int(round((t_s - self._first_t) / TIMED_TIME_BASE)), self._last_pts + 1)
            frame.pts, frame.time_base = pts, TIMED_TIME_BASE
            self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def __enter__(self) -> "VideoWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
