"""What a clip shows about which exercise it is: one pass over the samples (`gather`), read
both by the guess for ``--exercise auto`` (`guess`, behind `registry.detect_exercise`) and
by the check that the chosen exercise is the one shown (recognise.py).

The prone evidence has two denominators on purpose: the auto guess takes the share of
the frames whose trunk was measured (frames where the trunk is gated out say nothing
either way), the wrong-exercise check the share of all frames with a person (it refuses
a set, so it wants the plainer case). Both come from the same counts here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from posecoach.exercises import curl_hip_lift, leg_swing, origin_stretch
from posecoach.exercises.common import SIDES, Zigzag, angle, finite
from posecoach.exercises.thresholds import CurlHipLiftThresholds, ExerciseConfig
from posecoach.sample import PoseSample

MIN_SWING_FRAMES = 10   # frames with both thighs measured before the swing signal counts


def is_lying_prone(trunk_deg: float, thigh_degs: Iterable[float], th: CurlHipLiftThresholds) -> bool:
    """A body lying face down: trunk near horizontal and a thigh near horizontal too."""
    ok = [v for v in thigh_degs if finite(v)]
    return (finite(trunk_deg) and abs(trunk_deg - 90.0) <= th.prone_trunk_tol_deg
            and bool(ok) and min(ok) <= th.prone_max_thigh_deg)


@dataclass(frozen=True)
class Evidence:
    """Frame counts and the swing signal of one clip.

    frames: frames with a person; trunk_frames: of those, with a measured trunk;
    prone_frames: lying face down; hinge_frames: hinged forward (past the origin
    stretch's `hinge_enter_deg`), not lying; frame_s: the median frame interval.
    The swing signal is the difference between the two thigh angles (a squat, where
    both move together, does not count): `thigh_pairs` frames with both measured, its
    p5-p95 range and its peaks (0 with fewer than MIN_SWING_FRAMES frames).
    """

    frames: int
    trunk_frames: int
    prone_frames: int
    hinge_frames: int
    frame_s: float
    thigh_pairs: int
    swing_range_deg: float
    swing_peaks: int

    @property
    def prone_share(self) -> float:
        """Share of the frames with a person lying prone (0 with none)."""
        return self.prone_frames / self.frames if self.frames else 0.0

    @property
    def prone_share_of_trunk_frames(self) -> float:
        """Share of the frames with a measured trunk lying prone (0 with none)."""
        return self.prone_frames / self.trunk_frames if self.trunk_frames else 0.0

    @property
    def hinge_share(self) -> float:
        """Share of the frames with a person hinged forward, not lying (0 with none)."""
        return self.hinge_frames / self.frames if self.frames else 0.0

    @property
    def hinge_s(self) -> float:
        """Time hinged forward, not lying."""
        return self.hinge_frames * self.frame_s

    def swinging(self, cfg: ExerciseConfig) -> bool:
        """One thigh oscillating widely and repeatedly against the other."""
        det = cfg.detect
        return self.thigh_pairs >= MIN_SWING_FRAMES \
            and self.swing_range_deg >= det.swing_min_range_deg \
            and self.swing_peaks >= det.swing_min_peaks


def gather(samples: Iterable[PoseSample], config: ExerciseConfig | None = None) -> Evidence:
    """The evidence of a clip, in one pass over its samples."""
    cfg = config or ExerciseConfig()
    prone_th, hinge_deg = cfg.curl_hip_lift, cfg.origin_stretch.hinge_enter_deg
    frames = trunk_frames = prone = hinge = 0
    times: list[float] = []
    diffs: list[float] = []
    for s in samples:
        if not s.detected:
            continue
        frames += 1
        times.append(float(s.t_s))
        trunk = angle(s, "trunk_inclination")
        thighs = [v for v in (angle(s, f"thigh_angle_{side}") for side in SIDES) if finite(v)]
        lying = is_lying_prone(trunk, thighs, prone_th)
        trunk_frames += int(finite(trunk))
        prone += int(lying)
        hinge += int(finite(trunk) and trunk >= hinge_deg and not lying)
        if len(thighs) == 2:
            diffs.append(abs(thighs[0] - thighs[1]))
    spread, peaks = 0.0, 0
    if len(diffs) >= MIN_SWING_FRAMES:
        arr = np.asarray(diffs)
        spread = float(np.percentile(arr, 95) - np.percentile(arr, 5))
        zig = Zigzag(cfg.detect.swing_reversal_deg)
        peaks = sum(1 for i, v in enumerate(arr) if (t := zig.update(float(i), float(v)))
                    and t.kind > 0)
    frame_s = float(np.median(np.diff(times))) if len(times) > 1 else 0.0
    return Evidence(frames, trunk_frames, prone, hinge, frame_s, len(diffs), spread, peaks)


def guess(e: Evidence, config: ExerciseConfig | None = None) -> str:
    """The exercise of a clip for ``auto``: lying prone -> curl-hip-lift; one thigh
    swinging against the other -> leg-swing; otherwise origin-stretch."""
    cfg = config or ExerciseConfig()
    if e.trunk_frames and e.prone_share_of_trunk_frames >= cfg.detect.prone_min_share:
        return curl_hip_lift.EXERCISE_ID
    if e.swinging(cfg):
        return leg_swing.EXERCISE_ID
    return origin_stretch.EXERCISE_ID
