"""poster.jpg: one frame of the annotated video, shown before it plays (a black box otherwise)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posecoach.output_files import POSTER  # noqa: F401 - re-exported for the report writer


def poster_time(report: dict[str, Any], duration_s: float) -> float:
    """The middle of the first hold or rep (what the set is about), else a third of the way in."""
    for key in ("holds", "reps"):
        events: Sequence[Any] = report.get(key) or []
        for e in events:
            start, end = e.get("start_s"), e.get("end_s")
            if isinstance(start, (int, float)) and isinstance(end, (int, float)):
                return (float(start) + float(end)) / 2
    return max(duration_s, 0.0) / 3


def write_poster(video: Path, dest: Path, at_s: float) -> bool:
    """The first frame at or after `at_s` (the last one if the clip is shorter) as JPEG.
    False when the video has no frame; never raises for a broken file (the poster is optional)."""
    import cv2

    from posecoach.errors import PoseCoachError
    from posecoach.video_io import iter_frames

    chosen = None
    try:
        for t_s, rgb in iter_frames(video):
            chosen = rgb
            if t_s >= at_s:
                break
    except (PoseCoachError, OSError, ValueError):
        return False
    if chosen is None:
        return False
    return bool(cv2.imwrite(str(dest), cv2.cvtColor(chosen, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 82]))
