"""Generator of awkward inputs, made at test time (never committed as media).

Each builder writes one file into a folder and returns its path. Person-level cases are
derived from a clip with a person in it (a bundled synthetic sample when present).
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from posecoach.video_io import iter_frames


def write_video(path: Path, frames: Iterable[np.ndarray], fps: float = 30.0,
                rotation_ccw: int | None = None, times_s: list[float] | None = None) -> Path:
    """H.264 MP4 from RGB frames; optional display rotation and explicit timestamps (VFR)."""
    frames = list(frames)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps).limit_denominator(1001))
        h, w = frames[0].shape[:2] if frames else (64, 64)
        stream.width, stream.height = w - w % 2, h - h % 2
        stream.pix_fmt = "yuv420p"
        if times_s is not None:
            stream.codec_context.time_base = Fraction(1, 1000)
        if rotation_ccw is not None:
            stream.set_display_rotation(rotation_ccw)
        if not frames:
            container.start_encoding()  # header only: a valid file with no frames
        for i, rgb in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[: stream.height, : stream.width]),
                                               format="rgb24")
            if times_s is not None:
                frame.pts = int(round(times_s[i] * 1000))
                frame.time_base = Fraction(1, 1000)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def load_frames(clip: Path, max_frames: int = 90, step: int = 1) -> list[np.ndarray]:
    out = []
    for i, (_, rgb) in enumerate(iter_frames(clip)):
        if i % step == 0:
            out.append(rgb)
        if len(out) >= max_frames:
            break
    return out


def _room(width: int = 640, height: int = 480) -> np.ndarray:
    y = np.linspace(0, 1, height)[:, None, None]
    wall = (np.array([200, 190, 175]) * (1 - 0.3 * y)).astype(np.uint8)
    img = np.broadcast_to(wall, (height, width, 3)).copy()
    img[int(height * 0.75):] = (120, 100, 80)
    return img


# -------------------------------------------------------------- unreadable inputs
def empty_file(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.mp4"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    return path


def text_as_mov(folder: Path) -> Path:
    path = folder / "notes.mov"
    path.write_text("this is not a video\n" * 100)
    return path


def png_as_mp4(folder: Path) -> Path:
    path = folder / "picture.mp4"
    ok, buf = cv2.imencode(".png", _room())
    assert ok
    path.write_bytes(buf.tobytes())
    return path


def truncated_mp4(folder: Path, source: Path) -> Path:
    data = source.read_bytes()
    path = folder / "truncated.mp4"
    path.write_bytes(data[: len(data) // 3])
    return path


def zero_frame_video(folder: Path) -> Path:
    return write_video(folder / "zero_frames.mp4", [])


def audio_only(folder: Path) -> Path:
    """A voice memo: an .m4a with an AAC track and no video stream."""
    path = folder / "voice_memo.m4a"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("aac", rate=44_100)
        for _ in range(20):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            frame.sample_rate = 44_100
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def one_frame_video(folder: Path, person: Path) -> Path:
    return write_video(folder / "one_frame.mp4", load_frames(person, 1))


def huge_image(folder: Path) -> Path:
    path = folder / "huge.png"
    cv2.imwrite(str(path), np.zeros((8000, 8000, 3), np.uint8), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    return path


# -------------------------------------------------------------- readable, person-level problems
def rotated_video(folder: Path, person: Path, rotation_ccw: int) -> Path:
    """Stored sideways with display-rotation metadata, so it *displays* upright."""
    frames = [np.ascontiguousarray(np.rot90(f, k=-rotation_ccw // 90)) for f in load_frames(person, 60)]
    return write_video(folder / f"rotated_{rotation_ccw % 360}.mp4", frames, rotation_ccw=rotation_ccw)


def variable_frame_rate(folder: Path, person: Path) -> Path:
    frames = load_frames(person, 90)
    rng = np.random.default_rng(1)
    gaps = rng.choice([1 / 60, 1 / 30, 1 / 15], size=len(frames))
    times = list(np.cumsum(gaps) - gaps[0])
    return write_video(folder / "vfr.mp4", frames, times_s=times)


def no_person(folder: Path) -> Path:
    rng = np.random.default_rng(2)
    frames = [np.clip(_room().astype(int) + rng.integers(-4, 5, (480, 640, 3)), 0, 255).astype(np.uint8)
              for _ in range(45)]
    return write_video(folder / "no_person.mp4", frames)


def leaves_and_returns(folder: Path, person: Path) -> Path:
    frames = load_frames(person, 120)
    n = len(frames)
    background = np.median(np.stack(frames[:: max(1, n // 10)]), axis=0).astype(np.uint8)
    empty = np.full_like(frames[0], np.median(background.reshape(-1, 3), axis=0).astype(np.uint8))
    out = [empty if n // 3 <= i < 2 * n // 3 else f for i, f in enumerate(frames)]
    return write_video(folder / "leaves_and_returns.mp4", out)


def feet_cut_off(folder: Path, person: Path, keep: float = 0.72) -> Path:
    frames = load_frames(person, 90)
    # Crop at a fraction of the person's height: find the body's vertical extent roughly
    # from the frame difference to the median background (synthetic room is static).
    cut = int(frames[0].shape[0] * keep)
    return write_video(folder / "feet_cut_off.mp4", [f[:cut] for f in frames])


def two_people(folder: Path, person: Path, frames_n: int = 60) -> Path:
    """The person and a mirrored twin side by side, each from the middle of the frame
    (the pose detector letterboxes to a square, so a very wide frame shrinks people)."""
    frames = load_frames(person, frames_n)
    w = frames[0].shape[1]
    a, b = int(w * 0.2), int(w * 0.8)
    return write_video(folder / "two_people.mp4",
                       [np.hstack([f[:, a:b], f[:, a:b][:, ::-1]]) for f in frames])


UNREADABLE: dict[str, Callable[[Path], Path]] = {
    "empty": empty_file,
    "random_bytes": random_bytes,
    "text_as_mov": text_as_mov,
    "png_as_mp4": png_as_mp4,
    "zero_frames": zero_frame_video,
    "audio_only": audio_only,
    "huge_image": huge_image,
}


# -------------------------------------------------------------- resource limits and odd encodings
class EncoderMissing(Exception):
    """The local FFmpeg build cannot encode this case (the test skips, saying which)."""


class _Pipe(io.RawIOBase):
    """A write-only, non-seekable sink: muxers cannot go back to fill in the duration."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, b) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def encode(path: Path, frames: Iterable[np.ndarray], codec: str = "libx264", pix_fmt: str = "yuv420p",
           fps: float = 30.0, container_format: str | None = None, options: dict[str, str] | None = None,
           seekable: bool = True) -> Path:
    """Any codec / pixel format the local PyAV can encode. `seekable=False` writes through
    a pipe, so the container carries no duration (metadata that cannot be trusted)."""
    try:
        av.codec.Codec(codec, "w")
    except (av.error.FFmpegError, ValueError) as exc:  # UnknownCodecError is a ValueError
        raise EncoderMissing(f"this FFmpeg has no {codec} encoder") from exc
    frames = list(frames)
    sink = str(path) if seekable else _Pipe()
    with av.open(sink, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = pix_fmt
        stream.options = options or {}
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    if not seekable:
        path.write_bytes(bytes(sink.data))  # type: ignore[union-attr]
    return path


def gradient_frames(width: int, height: int, n: int) -> list[np.ndarray]:
    """`n` frames of a moving colour gradient (enough detail for codecs to be honest)."""
    x = np.linspace(0, 255, width)[None, :]
    y = np.linspace(0, 255, height)[:, None]
    return [np.stack([np.broadcast_to((x + 8 * i) % 256, (height, width)),
                      np.broadcast_to(y, (height, width)),
                      np.broadcast_to((x + y) / 2, (height, width))], axis=-1).astype(np.uint8)
            for i in range(n)]


def png_bomb(folder: Path, side: int = 30_000) -> Path:
    """An ~875 KB grayscale PNG of side x side pixels (900 MB once decoded), built in about
    a second without ever holding the pixels: one deflate block of zero rows, flushed so
    that it can be repeated, and the checksum computed over the same blocks."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = 256
    block = b"\0" * ((side + 1) * rows)   # each row: filter byte 0, then side zero pixels
    full, rest = divmod(side, rows)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp.compress(block)
    comp.flush(zlib.Z_FULL_FLUSH)
    unit = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)   # the same bytes every time now
    last = b"\0" * ((side + 1) * rest)
    tail = comp.compress(last) + comp.flush()
    adler = 1
    for _ in range(full):
        adler = zlib.adler32(block, adler)
    adler = zlib.adler32(last, adler)
    idat = b"\x78\xda" + unit * full + tail + struct.pack(">I", adler)
    path = folder / "bomb.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def tiny_image(folder: Path, side: int = 4) -> Path:
    path = folder / f"tiny_{side}px.png"
    cv2.imwrite(str(path), np.full((side, side, 3), 128, np.uint8))
    return path


def one_pixel_video(folder: Path) -> Path:
    """A 1x1 video (FFV1 in Matroska: H.264 needs even sizes)."""
    return encode(folder / "one_pixel.mkv", [np.full((1, 1, 3), 60 * i, np.uint8) for i in range(4)],
                  codec="ffv1", pix_fmt="yuv444p")


def huge_frame_video(folder: Path, side: int = 8192) -> Path:
    """H.264 at side x side: a few hundred KB that would need gigabytes to decode."""
    return encode(folder / f"huge_{side}.mp4", [np.zeros((side, side, 3), np.uint8)],
                  options={"preset": "ultrafast"})


def large_frame_video(folder: Path, side: int = 4096, frames: int = 6) -> Path:
    """The largest frames accepted by default (MediaLimits.max_video_pixels)."""
    return encode(folder / f"large_{side}.mp4", gradient_frames(side, side, frames),
                  options={"preset": "ultrafast"})


def hour_long_clip(folder: Path) -> Path:
    """A 64x64 clip one hour long (a frame every 10 s keeps it quick to make)."""
    frames = gradient_frames(64, 64, 361)
    return write_video(folder / "hour_long.mp4", frames, fps=0.1, times_s=[10.0 * i for i in range(361)])


def clip_without_duration(folder: Path, seconds: float, fps: float = 30.0) -> Path:
    """Matroska written through a pipe: no duration or frame count in the metadata."""
    return encode(folder / "no_duration.mkv", gradient_frames(64, 64, int(seconds * fps)), fps=fps,
                  container_format="matroska", seekable=False)


def resolution_change(folder: Path) -> Path:
    """An H.264 stream whose frame size changes part-way (128x96, then 64x64), as a
    camera switching modes writes it: two raw H.264 streams back to back."""
    parts = [folder / "part_a.h264", folder / "part_b.h264"]
    encode(parts[0], gradient_frames(128, 96, 10), container_format="h264")
    encode(parts[1], gradient_frames(64, 64, 10), container_format="h264")
    path = folder / "resolution_change.mp4"   # probed by content, whatever the name says
    path.write_bytes(b"".join(p.read_bytes() for p in parts))
    return path


def timestamp_gap(folder: Path, gap_s: float = 2.0) -> Path:
    """30 fps with a `gap_s` hole in the middle (recording paused, frames dropped)."""
    frames = gradient_frames(64, 64, 30)
    times = [i / 30 for i in range(15)] + [gap_s + i / 30 for i in range(15, 30)]
    return write_video(folder / "timestamp_gap.mp4", frames, times_s=times)


# name -> (builder, what it is); the encoder may be missing from a local FFmpeg build
ENCODINGS: dict[str, tuple[Callable[[Path], Path], str]] = {
    "h264_10bit": (lambda d: encode(d / "h264_10bit.mp4", gradient_frames(64, 64, 8), pix_fmt="yuv420p10le"),
                   "H.264 High 10"),
    "h264_444": (lambda d: encode(d / "h264_444.mp4", gradient_frames(64, 64, 8), pix_fmt="yuv444p"),
                 "H.264 4:4:4"),
    "hevc_10bit": (lambda d: encode(d / "hevc_10bit.mp4", gradient_frames(64, 64, 8), codec="libx265",
                                    pix_fmt="yuv420p10le", options={"x265-params": "log-level=error"}),
                   "HEVC Main 10"),
    "vp9": (lambda d: encode(d / "vp9.webm", gradient_frames(64, 64, 8), codec="libvpx-vp9"), "VP9 in WebM"),
    "av1": (lambda d: encode(d / "av1.mkv", gradient_frames(64, 64, 8), codec="libsvtav1"), "AV1 in Matroska"),
}
