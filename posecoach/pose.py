"""The one wrapper around MediaPipe's PoseLandmarker (Tasks API).

Two running modes, one class: `PoseEstimator.for_images` and `.for_video` (monotonic
timestamps, tracking between frames; the live session uses it too, on its own inference
thread, so MediaPipe's asynchronous LIVE_STREAM mode is not needed). Results come back
as `PoseFrame` numpy value objects; nothing after this module sees a MediaPipe type.
Always closed explicitly (context manager or `close()`): mediapipe 1.2.3 raises from
`__del__` at interpreter exit otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from posecoach.landmarks import NUM_LANDMARKS, PoseFrame
from posecoach.errors import ModelError
from posecoach.models import Progress, ensure_model, quiet


@dataclass(frozen=True)
class PoseOptions:
    """Model settings. `model` is a variant name (lite/full/heavy) or a .task path."""

    model: str = "full"
    # One tracked pose: asking the tracker for two makes it run the person detector on
    # every frame (+70% time). A second person is found by PeopleCounter instead.
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    segmentation: bool = False


def resolve_model(model: str | Path, progress: Progress = quiet) -> Path:
    candidate = Path(model)
    if candidate.suffix == ".task":
        return candidate
    return ensure_model(str(model), progress=progress, verify=verify_bundle)


class _NativePixels:
    """A MediaPipe image's pixels for numpy without a copy: arrays made from this keep
    the image, and so its native buffer, alive (a plain `numpy_view()` does not).
    Saves copying a full-resolution float mask every frame."""

    def __init__(self, image: mp.Image) -> None:
        self._image = image
        self.__array_interface__ = image.numpy_view().__array_interface__


def _to_frame(result: "vision.PoseLandmarkerResult", t_s: float, width: int, height: int) -> PoseFrame:
    if not result.pose_landmarks:
        return PoseFrame.empty(t_s, width, height)
    first = result.pose_landmarks[0]
    normalized = np.array([[p.x, p.y, p.z, p.visibility or 0.0, p.presence or 0.0] for p in first],
                          dtype=np.float64)
    world = np.full((NUM_LANDMARKS, 3), np.nan)
    if result.pose_world_landmarks:
        world = np.array([[p.x, p.y, p.z] for p in result.pose_world_landmarks[0]], dtype=np.float64)
    mask = None
    if result.segmentation_masks:
        mask = np.asarray(_NativePixels(result.segmentation_masks[0])).reshape(height, width)
    return PoseFrame.from_normalized(t_s, width, height, normalized, world=world, mask=mask,
                                     num_people=len(result.pose_landmarks))


class PoseEstimator:
    """RGB uint8 frames in, PoseFrame out."""

    def __init__(self, mode: vision.RunningMode, options: PoseOptions = PoseOptions(),
                 progress: Progress = quiet) -> None:
        if mode not in (vision.RunningMode.IMAGE, vision.RunningMode.VIDEO):
            raise ValueError(f"unsupported running mode {mode}: use for_images or for_video")
        self._mode = mode
        self._options = options
        self._last_ms = -1
        model_path = resolve_model(options.model, progress)
        task_options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(model_path)),
            running_mode=mode,
            num_poses=options.num_poses,
            min_pose_detection_confidence=options.min_detection_confidence,
            min_pose_presence_confidence=options.min_presence_confidence,
            min_tracking_confidence=options.min_tracking_confidence,
            output_segmentation_masks=options.segmentation,
        )
        self._landmarker = vision.PoseLandmarker.create_from_options(task_options)
        self.model_path = model_path

    # Named constructors, one per running mode.
    @classmethod
    def for_images(cls, model: str | Path = "full", **kwargs: object) -> "PoseEstimator":
        return cls(vision.RunningMode.IMAGE, PoseOptions(model=str(model), **kwargs))  # type: ignore[arg-type]

    @classmethod
    def for_video(cls, model: str | Path = "full", **kwargs: object) -> "PoseEstimator":
        return cls(vision.RunningMode.VIDEO, PoseOptions(model=str(model), **kwargs))  # type: ignore[arg-type]

    @property
    def options(self) -> PoseOptions:
        return self._options

    def _next_timestamp_ms(self, t_s: float) -> int:
        # MediaPipe needs strictly increasing integer milliseconds; real (variable) frame
        # times are kept in the PoseFrame, only the model's clock is nudged forward.
        t_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = t_ms
        return t_ms

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        """Detect the pose in one frame (`t_s` is used in video mode)."""
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator is closed")
        height, width = rgb.shape[:2]
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        if self._mode == vision.RunningMode.IMAGE:
            result = self._landmarker.detect(image)
        else:
            result = self._landmarker.detect_for_video(image, self._next_timestamp_ms(t_s))
        return _to_frame(result, t_s, width, height)

    def close(self) -> None:
        """Release the native landmarker; safe to call twice."""
        landmarker, self._landmarker = self._landmarker, None
        if landmarker is not None:
            landmarker.close()

    def __enter__(self) -> "PoseEstimator":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


class PeopleCounter:
    """Counts people in view about once per `interval_s`, on a downscaled frame.

    A separate still-image landmarker that may find up to `max_people`; sampling every
    2 s keeps its cost under 1 ms per frame on average while a second person is still
    reported. Offline, `watch()` does the counting on the decoding thread (and creates the
    landmarker there, lazily), so it overlaps pose inference instead of adding to it.
    """

    def __init__(self, model: str | Path = "full", interval_s: float = 2.0, max_people: int = 3,
                 max_side_px: int = 640) -> None:
        self._model = model
        self._max_people = max_people
        self._estimator: PoseEstimator | None = None
        self._interval_s = interval_s
        self._max_side = max_side_px
        self._last_t = float("-inf")
        self._count = 0
        self._sampled: list[tuple[float, int]] = []   # (t_s, count) of watch()'s samples

    @property
    def count(self) -> int:
        """The last sampled count."""
        return self._count

    def count_before(self, t_s: float) -> int:
        """Offline, with `watch()`: the count sampled last on a frame before `t_s` (0
        before the first). The decoding thread has always finished those by the time
        the frame at `t_s` is handed on, so this is the same on every run, where
        `count` depends on how far ahead that thread happens to be."""
        for sample_t, count in reversed(self._sampled):
            if sample_t < t_s:
                return count
        return 0

    def update(self, rgb: np.ndarray, t_s: float) -> int:
        """People in view (the last sampled count between samples)."""
        if t_s - self._last_t >= self._interval_s or t_s < self._last_t:
            import cv2

            if self._estimator is None:
                self._estimator = PoseEstimator.for_images(self._model, num_poses=self._max_people)
            scale = self._max_side / max(rgb.shape[:2])
            small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else rgb
            self._count = self._estimator.detect(small).num_people
            self._last_t = t_s
        return self._count

    def watch(self, frames: Iterable[tuple[float, np.ndarray]]) -> Iterator[tuple[float, np.ndarray]]:
        """Pass frames through, counting people as they go by (run it where frames are
        produced, e.g. inside video_io.prefetch); read `count` on the consuming side."""
        first = True
        for t_s, rgb in frames:
            if first:
                # The first frame is counted before it is handed on (a photo has no
                # other), and filed just before its own time so count_before sees it.
                self._sampled = [(t_s - 1e-9, self.update(rgb, t_s))]
                first = False
                yield t_s, rgb
                continue
            # Hand the frame on first: the (occasional) count then overlaps the
            # consumer's work instead of delaying this frame.
            yield t_s, rgb
            sampled_before = self._last_t
            count = self.update(rgb, t_s)
            if self._last_t != sampled_before:
                # Kept short: the consumer asks about ever later frames.
                self._sampled = [*self._sampled[-3:], (t_s, count)]

    def close(self) -> None:
        estimator, self._estimator = self._estimator, None
        if estimator is not None:
            estimator.close()

    def __enter__(self) -> "PeopleCounter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def verify_bundle(path: Path) -> None:
    """Load the bundle and run inference once; raise ModelError if it does not work."""
    try:
        with PoseEstimator.for_images(path) as estimator:
            estimator.detect(np.zeros((256, 256, 3), dtype=np.uint8), t_s=0.0)
    except Exception as exc:  # noqa: BLE001 - any native failure means the bundle is bad
        raise ModelError(f"model bundle {path.name} failed to load: {exc}") from exc
