"""The live page's per-frame messages: binary WebSocket frames, one per camera frame.

Page mode (pose in the browser), `PoseMessage`, little-endian:
    header `<dIHHHH`: t_ms (float64, the frame's capture time in the page's clock), seq
    (uint32), poses (uint16: 1 = landmarks follow, 0 = nobody), people seen (uint16: the
    page's people counter, 0 = not counted yet), mask width and height (uint16, 0 = none);
    then, with a pose, 33 x (x, y, z, visibility) image landmarks (normalised, as MediaPipe
    gives them) and 33 x (x, y, z) world landmarks (metres), float32; then the segmentation
    mask, width x height bytes (0-255), shrunk in the page.
Server mode (pose on the server), `CameraFrame`:
    `<dI` (t_ms, seq), then a JPEG.

Binary, not JSON: the page's worker writes the landmarks straight into one buffer and the
server reads them with one `np.frombuffer`, with no text parsing on either side. Anything
malformed raises `InputError` (the socket reports it in one line).
"""

from __future__ import annotations

import dataclasses
import struct

import cv2
import numpy as np

from posecoach.errors import InputError
from posecoach.landmarks import NUM_LANDMARKS, PoseFrame

MAX_SIDE_PX = 4096               # a camera frame larger than this is refused (before decoding)
MAX_MASK_PX = 256 * 256
REDUCED_DECODE_ABOVE_PX = 1280   # a JPEG wider or taller than this is decoded at half size
_POSE_HEADER = struct.Struct("<dIHHHH")
_FRAME_HEADER = struct.Struct("<dI")
_IMAGE_FLOATS, _WORLD_FLOATS = NUM_LANDMARKS * 4, NUM_LANDMARKS * 3
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}   # start-of-frame: the size


@dataclasses.dataclass(frozen=True)
class PoseMessage:
    """One page-mode frame (see the module docstring for the bytes)."""

    t_ms: float
    seq: int
    landmarks: np.ndarray | None = None   # (33, 4) normalised x, y, z, visibility; None: nobody
    world: np.ndarray | None = None       # (33, 3) metres
    people_seen: int = 0
    mask: np.ndarray | None = None        # (h, w) uint8, 255 = person

    @classmethod
    def decode(cls, data: bytes) -> PoseMessage:
        if len(data) < _POSE_HEADER.size:
            raise InputError("a pose message is shorter than its header", "reload the page")
        t_ms, seq, poses, people_seen, mask_w, mask_h = _POSE_HEADER.unpack_from(data)
        if poses not in (0, 1) or mask_w * mask_h > MAX_MASK_PX or (mask_w * mask_h and not poses):
            raise InputError(f"a pose message with {poses} poses and a {mask_w}x{mask_h} mask",
                             "reload the page")
        floats = (_IMAGE_FLOATS + _WORLD_FLOATS) * poses
        expected = _POSE_HEADER.size + 4 * floats + mask_w * mask_h
        if len(data) != expected:
            raise InputError(f"a pose message of {len(data)} bytes, expected {expected}", "reload the page")
        if not np.isfinite(t_ms):
            raise InputError("frame time missing")
        if not poses:
            return cls(t_ms, seq, people_seen=people_seen)
        values = np.frombuffer(data, dtype="<f4", count=floats, offset=_POSE_HEADER.size).astype(np.float64)
        values[~np.isfinite(values)] = np.nan   # a missing landmark is NaN, never inf
        mask = None
        if mask_w * mask_h:
            mask = np.frombuffer(data, dtype=np.uint8, offset=_POSE_HEADER.size + 4 * floats).reshape(mask_h, mask_w)
        return cls(t_ms, seq, values[:_IMAGE_FLOATS].reshape(NUM_LANDMARKS, 4),
                   values[_IMAGE_FLOATS:].reshape(NUM_LANDMARKS, 3), people_seen, mask)

    def encode(self) -> bytes:
        """The bytes the page sends (for tests and other clients)."""
        mask_h, mask_w = self.mask.shape if self.mask is not None else (0, 0)
        parts = [_POSE_HEADER.pack(self.t_ms, self.seq, int(self.landmarks is not None), self.people_seen,
                                   mask_w, mask_h)]
        if self.landmarks is not None:
            world = self.world if self.world is not None else np.full((NUM_LANDMARKS, 3), np.nan)
            parts += [np.asarray(self.landmarks, "<f4").tobytes(), np.asarray(world, "<f4").tobytes()]
            if self.mask is not None:
                parts.append(np.asarray(self.mask, np.uint8).tobytes())
        return b"".join(parts)

    def pose_frame(self, t_s: float, width: int, height: int) -> PoseFrame:
        """The `PoseFrame` the live path analyses: the page's one tracked pose, with the
        people its counter saw, as `FramePoser` does on the server."""
        if self.landmarks is None:
            return PoseFrame.empty(t_s, width, height)
        # The web runtime gives visibility only: presence follows it.
        image = np.column_stack([self.landmarks, self.landmarks[:, 3]])
        mask = None
        if self.mask is not None:  # scaled up to the frame: what the silhouette code measures on
            mask = cv2.resize(self.mask.astype(np.float32) / 255.0, (width, height), interpolation=cv2.INTER_LINEAR)
        frame = PoseFrame.from_normalized(t_s, width, height, image, self.world, mask=mask, num_people=1)
        return frame.with_people_seen(self.people_seen)


@dataclasses.dataclass(frozen=True)
class CameraFrame:
    """One server-mode frame: its capture time, sequence number and RGB pixels."""

    t_ms: float
    seq: int
    rgb: np.ndarray

    @classmethod
    def decode(cls, data: bytes) -> CameraFrame:
        if len(data) <= _FRAME_HEADER.size:
            raise InputError("empty camera frame")
        t_ms, seq = _FRAME_HEADER.unpack_from(data)
        size = jpeg_size(memoryview(data)[_FRAME_HEADER.size:])
        if size is None or max(size) > MAX_SIDE_PX:
            raise InputError("a camera frame is not a JPEG image of a usable size")
        # A large frame costs decoding time the model does not need (it sees 256 px): half size.
        flags = cv2.IMREAD_REDUCED_COLOR_2 if max(size) > REDUCED_DECODE_ABOVE_PX else cv2.IMREAD_COLOR
        bgr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8, offset=_FRAME_HEADER.size), flags)
        if bgr is None:
            raise InputError("a camera frame is not a JPEG image of a usable size")
        return cls(t_ms, seq, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def encode(self, quality: int = 80) -> bytes:
        """The bytes the page sends (for tests and other clients)."""
        ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(self.rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
        if not ok:
            raise ValueError("could not encode the frame as JPEG")
        return _FRAME_HEADER.pack(self.t_ms, self.seq) + jpeg.tobytes()


def jpeg_size(data: bytes | memoryview) -> tuple[int, int] | None:
    """(width, height) from a JPEG's frame header, without decoding it; None when it is not
    a JPEG."""
    if bytes(data[:2]) != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:           # fill byte
            i += 1
        elif marker in _SOF_MARKERS:
            if i + 9 > len(data):
                return None
            height, width = struct.unpack_from(">HH", data, i + 5)
            return width, height
        elif 0xD0 <= marker <= 0xD9 or marker == 0x01:   # markers without a length
            i += 2
        else:
            i += 2 + struct.unpack_from(">H", data, i + 2)[0]
    return None
