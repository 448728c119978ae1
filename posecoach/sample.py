"""`PoseSample`: what the exercise analysers see, one per frame.

Built by the pipeline from a PoseFrame after smoothing (offline: zero-phase Butterworth
over the whole clip; live: One-Euro, causal), so the analysers are the same code for
both uses and never touch OpenCV or MediaPipe.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.kinematics import ANGLE_INDEX, ANGLE_NAMES, View


@dataclass(frozen=True)
class PoseSample:
    """One time-stamped, smoothed measurement of the body.

    angles: ANGLE_NAMES vector in degrees (NaN = not measurable this frame).
    xy: (33, 2) landmark pixels (NaN below the visibility threshold).
    facing: +1 image-right, -1 image-left, 0 unknown (clip-level / tracked value).
    view: camera view of this frame.
    num_people: poses the model found (0 = nobody).
    in_frame: fraction of the key body landmarks (shoulders to ankles) inside the image.
    back_bulge: rounded-back proxy from the segmentation mask: max distance of the back
        outline beyond the shoulder-hip chord, over trunk length (NaN when unavailable).
    yaw_deg: camera yaw off side-on, degrees (0 side, 90 front; NaN unknown), see
        posecoach.view.
    implausible: some angle of this frame was outside the human range and dropped
        (posecoach.plausibility).
    """

    t_s: float
    detected: bool
    angles: np.ndarray
    xy: np.ndarray
    facing: int
    view: View
    width: int
    height: int
    num_people: int = 1
    in_frame: float = 1.0
    back_bulge: float = float("nan")
    yaw_deg: float = float("nan")
    implausible: bool = False
    extras: dict[str, float] = field(default_factory=dict)

    def angle(self, name: str) -> float:
        return float(self.angles[ANGLE_INDEX[name]])

    @classmethod
    def from_angles(cls, t_s: float, facing: int = 1, view: View = View.SIDE,
                    width: int = 1280, height: int = 720, xy: np.ndarray | None = None,
                    **angles: float) -> "PoseSample":
        """Test/synthetic builder: a sample with the given named angles (others NaN)."""
        vec = np.full(len(ANGLE_NAMES), np.nan)
        for name, value in angles.items():
            vec[ANGLE_INDEX[name]] = value
        pts = np.full((33, 2), np.nan) if xy is None else xy
        return cls(t_s=t_s, detected=True, angles=vec, xy=pts, facing=facing, view=view,
                   width=width, height=height)
