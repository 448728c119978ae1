"""`angles.csv`: one row per frame of the filtered angles and what the coach saw."""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from posecoach.exercises.base import FrameFeedback
from posecoach.kinematics import ANGLE_NAMES
from posecoach.sample import PoseSample

COLUMNS: tuple[str, ...] = ("t_s", "detected", *ANGLE_NAMES, "phase", "good_form", "active_faults",
                            "active_conditions", "cue", "view", "num_people",
                            "camera_yaw_deg")


def _num(value: float, ndigits: int = 2) -> str:
    """Fixed decimals; an empty cell for NaN / infinity."""
    f = float(value)
    return f"{f:.{ndigits}f}" if math.isfinite(f) else ""


def _flag(value: bool | None) -> str:
    return "" if value is None else ("1" if value else "0")


def rows(samples: Sequence[PoseSample], feedback: Sequence[FrameFeedback | None]) -> list[list[Any]]:
    out = []
    for i, s in enumerate(samples):
        fb = feedback[i] if i < len(feedback) else None
        out.append([
            _num(s.t_s, 3), "1" if s.detected else "0",
            *(_num(v) for v in s.angles),
            fb.phase if fb else "", _flag(fb.good_form) if fb else "",
            ";".join(fb.active_faults) if fb else "", ";".join(fb.active_conditions) if fb else "",
            (fb.cue or "") if fb else "", s.view.value if hasattr(s.view, "value") else str(s.view),
            str(s.num_people), _num(getattr(s, "yaw_deg", float("nan")), 1),
        ])
    return out


def write_angles_csv(path: Path, samples: Sequence[PoseSample],
                     feedback: Sequence[FrameFeedback | None]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        writer.writerows(rows(samples, feedback))
