"""Generator of awkward inputs, made at test time (never committed as media).

Each builder writes one file into a folder and returns its path. Person-level cases are
derived from a clip with a person in it (a bundled synthetic sample when present).
"""

from __future__ import annotations

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
    "huge_image": huge_image,
}
