"""Resource limits on the media PoseCoach decodes, in one place.

Every check happens from what the file says about itself (image header, container and
stream metadata) before any pixel is decoded, and again while decoding in case that
metadata lies: a 30000x30000 PNG or a one-hour clip is refused in milliseconds, and an
8192x8192 video never reaches the decoder. Frames bigger than `analysis_side_px` on
their long side are downscaled as they are decoded, which keeps the memory of any
accepted input under about 1.5 GB (the pose model sees 256 px anyway).

    from posecoach.limits import MediaLimits

    MediaLimits()                               # the documented defaults below
    MediaLimits.from_env()                      # defaults overridden by POSECOACH_* variables
    MediaLimits.from_env().replace(max_clip_s=60)   # ... and by a command-line flag

Environment variables (whole numbers): POSECOACH_MAX_IMAGE_PIXELS,
POSECOACH_MAX_VIDEO_PIXELS, POSECOACH_MAX_CLIP_S, POSECOACH_MAX_FRAMES,
POSECOACH_ANALYSIS_SIDE_PX, POSECOACH_MIN_SIDE_PX.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass

from posecoach.errors import ConfigError

ENV_PREFIX = "POSECOACH_"


@dataclass(frozen=True)
class MediaLimits:
    # Stills: 64 MP (8000x8000) covers every phone camera; decoding one needs ~200 MB.
    max_image_pixels: int = 64_000_000
    # Video frames: 4096x4096 (16.8 MP) covers 4K UHD and DCI 4K. The decoder keeps
    # several full-size frames in flight, so this bounds its memory (~1 GB at the limit).
    max_video_pixels: int = 4096 * 4096
    # A hamstring routine is a few minutes at most; a 10-minute clip takes ~5 minutes
    # to analyse on a laptop with the full model.
    max_clip_s: float = 600.0
    # 10 minutes at 60 fps: stops a high-frame-rate or lying-metadata clip.
    max_frames: int = 36_000
    # Frames are downscaled while decoding to at most this many pixels on the long side.
    analysis_side_px: int = 1920
    # Below this on a side there is no person to see (and codecs misbehave).
    min_side_px: int = 8

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not value > 0:
                raise ConfigError(f"media limit {f.name} must be positive, got {value}",
                                  f"set {ENV_PREFIX}{f.name.upper()} to a positive number")
        if self.analysis_side_px < self.min_side_px:
            raise ConfigError("analysis_side_px must be at least min_side_px",
                              f"raise {ENV_PREFIX}ANALYSIS_SIDE_PX")

    def replace(self, **changes: float | int | None) -> MediaLimits:
        """A copy with the given fields changed; None values are ignored (unset flags)."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MediaLimits:
        """The defaults, overridden by POSECOACH_<FIELD> variables (e.g. POSECOACH_MAX_CLIP_S)."""
        environ = os.environ if environ is None else environ
        changes: dict[str, float | int] = {}
        for f in dataclasses.fields(cls):
            name = ENV_PREFIX + f.name.upper()
            text = environ.get(name)
            if text is None or not text.strip():
                continue
            kind = float if f.type in ("float", float) else int
            try:
                changes[f.name] = kind(text)
            except ValueError:
                raise ConfigError(f"{name}={text!r} is not a number",
                                  f"set {name} to a {'number' if kind is float else 'whole number'}"
                                  ) from None
        return cls(**changes)  # type: ignore[arg-type]

    def analysis_size(self, width: int, height: int) -> tuple[int, int]:
        """The (width, height) frames of this size are decoded to: downscaled to
        `analysis_side_px` on the long side keeping the aspect ratio, even numbers (video
        encoders need them), never upscaled."""
        long_side = max(width, height)
        if long_side <= self.analysis_side_px:
            return width, height
        scale = self.analysis_side_px / long_side
        return (max(2, int(round(width * scale / 2)) * 2),
                max(2, int(round(height * scale / 2)) * 2))


DEFAULT_LIMITS = MediaLimits()
