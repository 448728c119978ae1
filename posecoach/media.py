"""`MediaInfo`: what probing an input found (no decoding library imported here, so result
types and reports can name it without pulling in PyAV or OpenCV)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaInfo:
    path: str
    kind: str            # "video" or "image"
    fps: float
    frames: int          # container's count (estimate for some formats); 1 for images
    duration_s: float
    width: int           # of the frames as decoded for analysis: after rotation and
    height: int          # downscaling to MediaLimits.analysis_side_px
    rotation: int        # clockwise degrees applied to the stored frames
