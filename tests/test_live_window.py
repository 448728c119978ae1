"""The real `posecoach live` window (OpenCV's Qt backend) on a virtual X display (Debian's
`xvfb`), checked from screenshots (`xwd`, from x11-apps): the overlay is drawn on it.

Skips with a reason where Xvfb or xwd is not installed (apt-get install -y xvfb x11-apps)
or this OpenCV build has no window support.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from posecoach.live.display import gui_available
from posecoach.render import AnnotatorStyle
from tests.support.exercise_clips import clip_for

pytestmark = pytest.mark.slow
MIN_OVERLAY_PIXELS = 300  # at half size; a drawn overlay gives 500-800, the bare clip < 50


def read_xwd(data: bytes) -> np.ndarray:
    """An X window dump (ZPixmap, 24 or 32 bits per pixel, TrueColor) as RGB."""
    header = struct.unpack(">25I", data[:100])  # the header is always big-endian
    header_size, width, height, byte_order = header[0], header[4], header[5], header[7]
    bits_per_pixel, bytes_per_line, masks, ncolors = header[11], header[12], header[14:17], header[19]
    if bits_per_pixel not in (24, 32):
        raise ValueError(f"xwd: expected 24 or 32 bits per pixel, got {bits_per_pixel}")
    start = header_size + ncolors * 12  # skip the window name and the colour map
    nbytes = bits_per_pixel // 8
    raw = np.frombuffer(data[start: start + bytes_per_line * height], np.uint8).reshape(height, bytes_per_line)
    px = raw[:, : width * nbytes].reshape(height, width, nbytes).astype(np.uint32)
    order = range(nbytes) if byte_order == 0 else range(nbytes - 1, -1, -1)
    value = sum(px[..., k] << (8 * i) for i, k in enumerate(order))
    rgb = np.empty((height, width, 3), np.uint8)
    for i, mask in enumerate(masks):
        rgb[..., i] = (value & mask) >> ((mask & -mask).bit_length() - 1)
    return rgb


def overlay_pixels(rgb: np.ndarray, tolerance: int = 12) -> int:
    """Pixels in the overlay's state colours (skeleton, panel accents) or the guidance colour."""
    style = AnnotatorStyle()
    colours = np.array([style.good, style.fix, style.stop, style.neutral, (255, 200, 40)], np.int16)
    diff = np.abs(rgb[:, :, None, :].astype(np.int16) - colours[None, None])
    return int((diff.max(axis=3) <= tolerance).any(axis=2).sum())


@pytest.fixture
def xvfb() -> str:
    if not gui_available():
        pytest.skip("this OpenCV build has no GUI backend (cv2.getBuildInformation(): GUI NONE)")
    if shutil.which("Xvfb") is None or shutil.which("xwd") is None:
        pytest.skip("Xvfb or xwd missing: apt-get install -y xvfb x11-apps")
    read_fd, write_fd = os.pipe()
    server = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1280x800x24",
                               "-nolisten", "tcp"], pass_fds=(write_fd,),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()  # Xvfb picks a free display and tells us which
    if not number:
        server.kill()
        pytest.skip("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_live_window_shows_the_overlay(xvfb: str, tmp_path: Path) -> None:
    clip = clip_for("origin-stretch")
    env = dict(os.environ, DISPLAY=xvfb, POSECOACH_DATA_DIR=str(tmp_path / "data"),
               QT_QPA_PLATFORM="xcb")
    live = subprocess.Popen(
        [sys.executable, "-m", "posecoach.live", "--exercise", "origin-stretch", "--camera", str(clip),
         "--duration", "20", "--no-countdown", "--out", str(tmp_path / "out")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    best, shot = 0, None
    deadline = time.monotonic() + 60
    while live.poll() is None and time.monotonic() < deadline and best <= MIN_OVERLAY_PIXELS:
        time.sleep(0.5)
        dump = subprocess.run(["xwd", "-root", "-silent", "-display", xvfb], capture_output=True,
                              check=False)
        if dump.returncode == 0 and dump.stdout:
            rgb = read_xwd(dump.stdout)[::2, ::2]  # half size is plenty to count colours
            if (count := overlay_pixels(rgb)) > best:
                best, shot = count, rgb
    if live.poll() is None:
        live.terminate()  # SIGTERM ends a session like Ctrl-C: saved, exit code 0
    out, err = live.communicate(timeout=60)
    assert live.returncode == 0, err[-2000:]
    assert shot is not None, "no screenshot could be taken"
    np.save(tmp_path / "screenshot.npy", shot)
    # The picture itself (first frame of the clip) has next to none of those colours.
    from posecoach.video_io import iter_frames

    _, first = next(iter(iter_frames(clip)))
    assert overlay_pixels(first[::2, ::2]) < 50
    assert best > MIN_OVERLAY_PIXELS, f"overlay not visible in the window (best screenshot: {best} overlay pixels)"
    assert (shot.reshape(-1, 3).std(axis=0) > 10).all()  # a real picture, not an empty screen
    assert "live session ended (interrupted)" in out  # SIGTERM, after the screenshot
    assert (tmp_path / "out" / "report.json").exists()
