"""The one path from frames to analysis, shared by `analyze`, `live` and the web app:

    frames -> PoseEstimator -> PoseFrame -> FrameMeasurer.measurement_of() -> smoothing -> PoseSample
           -> ExerciseAnalyser.update() -> FrameFeedback ... -> ExerciseResult

Offline, pose estimation runs in a first streaming pass that keeps only compact
per-frame arrays (landmarks, a few floats), so memory stays flat in frame size; the
smoothing is then zero-phase over the whole clip. Live, the same `measurement_of()` feeds a
causal One-Euro filter. This module neither draws nor writes files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from posecoach import kinematics
from posecoach.kinematics import ANGLE_INDEX, ANGLE_NAMES, View
from posecoach.landmarks import NUM_LANDMARKS, PoseFrame, PoseLandmark as L
from posecoach.plausibility import gate_angles
from posecoach.sample import PoseSample
from posecoach.silhouette import back_bulge
from posecoach.smoothing import OfflineConfig, OneEuroConfig, OneEuroFilter, smooth_offline
from posecoach.tracking import FacingTracker, LegSwapGuard
from posecoach.view import DEFAULT_POLICY, ViewPolicy, YawTracker, camera_yaw_deg

# Landmarks that must be in the picture for a full-body exercise.
KEY_BODY = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP, L.LEFT_KNEE, L.RIGHT_KNEE,
            L.LEFT_ANKLE, L.RIGHT_ANKLE)
IN_FRAME_MARGIN = 0.01  # fraction of the image size


@dataclass(frozen=True)
class MeasureConfig:
    min_visibility: float = kinematics.DEFAULT_MIN_VISIBILITY
    offline: OfflineConfig = field(default_factory=OfflineConfig)
    live: OneEuroConfig = field(default_factory=OneEuroConfig)
    view: ViewPolicy = field(default_factory=ViewPolicy)


def in_frame_fraction(frame: PoseFrame) -> float:
    """Share of the key body landmarks that lie inside the image."""
    pts = frame.image[list(KEY_BODY), :2]
    mx, my = IN_FRAME_MARGIN * frame.width, IN_FRAME_MARGIN * frame.height
    inside = ((pts[:, 0] >= -mx) & (pts[:, 0] <= frame.width + mx)
              & (pts[:, 1] >= -my) & (pts[:, 1] <= frame.height + my))
    return float(np.mean(inside))


def _front_direction(xy: np.ndarray, facing: int) -> np.ndarray:
    shoulder = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2.0
    hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2.0
    axis = shoulder - hip
    return float(facing) * np.array([-axis[1], axis[0]])


# The back outline matters once the trunk leans (a hinge), and in the first seconds,
# where the analysers take the person's upright outline as their baseline; other
# upright frames skip its cost.
BULGE_MIN_TRUNK_DEG = 25.0
BULGE_BASELINE_S = 3.0


def in_bulge_baseline(since_first_s: float) -> bool:
    """Within the first seconds of a clip, where the upright back outline is the baseline."""
    return since_first_s < BULGE_BASELINE_S


def leans_for_bulge(trunk_inclination_deg: float) -> bool:
    """A trunk lean (a hinge) at which the back outline is read (False for NaN)."""
    return abs(trunk_inclination_deg) >= BULGE_MIN_TRUNK_DEG


def frame_bulge(frame: PoseFrame, facing: int, trunk_inclination_deg: float = 90.0,
                baseline: bool = True) -> float:
    """Back-outline bulge of this frame (NaN without a mask or a facing; NaN for an
    upright frame outside the baseline window)."""
    if frame.mask is None or facing == 0 or not frame.detected:
        return float("nan")
    if not (baseline or leans_for_bulge(trunk_inclination_deg)):
        return float("nan")
    xy = frame.xy(0.0)
    shoulder = (xy[L.LEFT_SHOULDER] + xy[L.RIGHT_SHOULDER]) / 2.0
    hip = (xy[L.LEFT_HIP] + xy[L.RIGHT_HIP]) / 2.0
    return back_bulge(frame.mask, shoulder, hip, _front_direction(xy, facing))


@dataclass(frozen=True)
class Measurement:
    """Unsmoothed per-frame values; the compact record kept for the whole clip."""

    t_s: float
    detected: bool
    angles: np.ndarray      # ANGLE_NAMES, degrees
    xy: np.ndarray          # (33, 2) px, NaN below the visibility threshold
    facing: int             # per-frame estimate
    view: View
    width_ratio: float
    in_frame: float
    num_people: int
    back_bulge: float
    yaw_deg: float = float("nan")   # camera yaw (running median), degrees
    implausible: bool = False       # some angle was outside the human range and dropped


def measured_angles(xy: np.ndarray, facing: int, yaw_deg: float,
                    policy: ViewPolicy = DEFAULT_POLICY) -> tuple[np.ndarray, bool]:
    """The ANGLE_NAMES vector the camera can vouch for, and whether the human-range
    gate dropped any: image-plane angles near side-on, the yaw undone when moderate,
    all NaN beyond what is validated (posecoach.view)."""
    points = policy.angle_points(xy, yaw_deg)
    if points is None:
        return np.full(len(ANGLE_NAMES), np.nan), False
    return gate_angles(kinematics.angles_from_points(points, facing))


class FrameMeasurer:
    """PoseFrame -> Measurement, with steady facing and leg labels (causal)."""

    def __init__(self, config: MeasureConfig = MeasureConfig(), facing: int | None = None) -> None:
        self._config = config
        self._facing = FacingTracker()
        self._fixed_facing = facing
        self._legs = LegSwapGuard()
        self._yaw = YawTracker()
        self._first_t_s: float | None = None

    @property
    def facing(self) -> int:
        return self._fixed_facing if self._fixed_facing is not None else self._facing.facing

    def measurement_of(self, frame: PoseFrame) -> Measurement:
        """This frame's angles, view, facing and framing (tracked across frames)."""
        nan_xy = np.full((NUM_LANDMARKS, 2), np.nan)
        if not frame.detected:
            return Measurement(frame.t_s, False, np.full(len(ANGLE_NAMES), np.nan), nan_xy, 0,
                               View.UNKNOWN, float("nan"), 0.0, 0, float("nan"))
        if self._first_t_s is None:
            self._first_t_s = frame.t_s
        image = self._legs.update(frame.image)
        steady = PoseFrame(frame.t_s, frame.width, frame.height, image, frame.world, frame.mask,
                           frame.num_people)
        # The pieces of kinematics.frame_kinematics, each computed once (this runs every frame).
        xy = steady.xy(self._config.min_visibility)
        own = kinematics.facing_sign(xy)
        tracked = self._facing.update(own)
        facing = self._fixed_facing if self._fixed_facing is not None else tracked
        all_xy = steady.xy(0.0)
        yaw = self._yaw.update(frame.t_s, camera_yaw_deg(all_xy, frame.world))
        policy = self._config.view
        angles, implausible = measured_angles(xy, facing, yaw, policy)
        ratio = kinematics.body_width_ratio(all_xy)
        return Measurement(
            t_s=frame.t_s, detected=True, angles=angles, xy=xy, facing=own,
            view=policy.frame_view(yaw, ratio), width_ratio=ratio,
            in_frame=in_frame_fraction(steady), num_people=frame.num_people,
            back_bulge=frame_bulge(steady, facing, angles[ANGLE_INDEX["trunk_inclination"]],
                                   baseline=in_bulge_baseline(frame.t_s - self._first_t_s)),
            yaw_deg=yaw, implausible=implausible,
        )


def _sample(m: Measurement, angles: np.ndarray, xy: np.ndarray, facing: int,
            width: int, height: int, implausible: bool | None = None) -> PoseSample:
    return PoseSample(t_s=m.t_s, detected=m.detected, angles=angles, xy=xy, facing=facing,
                      view=m.view, width=width, height=height, num_people=m.num_people,
                      in_frame=m.in_frame, back_bulge=m.back_bulge, yaw_deg=m.yaw_deg,
                      implausible=m.implausible if implausible is None else implausible)


def clip_facing(measurements: Iterable[Measurement]) -> int:
    """Majority of the per-frame facing votes over the clip (0 if none)."""
    votes = sum(m.facing for m in measurements if m.detected)
    return 0 if votes == 0 else (1 if votes > 0 else -1)


def smooth_clip(measurements: list[Measurement], width: int, height: int,
                config: MeasureConfig = MeasureConfig()) -> list[PoseSample]:
    """Offline: zero-phase smoothing of angles and landmark positions over the clip."""
    if not measurements:
        return []
    t = np.array([m.t_s for m in measurements])
    facing = clip_facing(measurements)
    # Re-derive angles under the clip-level facing so signs are consistent throughout.
    derived = [measured_angles(m.xy, facing, m.yaw_deg, config.view) if m.detected
               else (m.angles, False) for m in measurements]
    angles = np.array([a for a, _ in derived])
    xy = np.array([m.xy.reshape(-1) for m in measurements])
    angles_s, _ = _gate_rows(smooth_offline(t, angles, config.offline))
    xy_s = smooth_offline(t, xy, OfflineConfig(cutoff_hz=config.offline.cutoff_hz,
                                               max_gap_s=config.offline.max_gap_s,
                                               spike_threshold=np.inf))
    return [_sample(m, angles_s[i], xy_s[i].reshape(NUM_LANDMARKS, 2), facing, width, height,
                    implausible=derived[i][1])
            for i, m in enumerate(measurements)]


def _gate_rows(angles: np.ndarray) -> tuple[np.ndarray, bool]:
    """The human-range gate over every row (smoothing can overshoot a limit slightly)."""
    rows = [gate_angles(a) for a in angles]
    return (np.array([a for a, _ in rows]) if rows else angles), any(b for _, b in rows)


class LiveSmoother:
    """Live: One-Euro smoothing of angles and landmarks, one measurement at a time."""

    def __init__(self, config: MeasureConfig = MeasureConfig()) -> None:
        self._angles = OneEuroFilter(config.live)
        self._xy = OneEuroFilter(config.live)

    def update(self, m: Measurement, facing: int, width: int, height: int) -> PoseSample:
        angles, _ = gate_angles(self._angles.update(m.t_s, m.angles))
        xy = self._xy.update(m.t_s, m.xy.reshape(-1)).reshape(NUM_LANDMARKS, 2)
        return _sample(m, angles, xy, facing, width, height)


def detect_stream(frames: Iterable[tuple[float, np.ndarray]], detect: Callable[[np.ndarray, float], PoseFrame],
                  count_people: Callable[[np.ndarray, float], int] | None = None,
                  ) -> Iterator[tuple[np.ndarray, PoseFrame]]:
    """Run pose estimation over (t_s, rgb) frames, one at a time: (rgb, PoseFrame).

    `count_people` (e.g. pose.PeopleCounter.update) reports extra people in view; the
    tracked pose alone only ever sees one.
    """
    for t_s, rgb in frames:
        frame = detect(rgb, t_s)
        if count_people is not None and frame.detected:
            frame = frame.with_people_seen(count_people(rgb, t_s))
        yield rgb, frame


def measure_detected(detected: Iterable[tuple[np.ndarray, PoseFrame]],
                     config: MeasureConfig = MeasureConfig(),
                     ) -> Iterator[tuple[np.ndarray, PoseFrame, Measurement]]:
    """Measure each detected frame in order (facing and leg labels tracked across them).
    Offline, `detected` comes from `detect_stream` on a thread of its own, so measuring
    one frame overlaps the model's work on the next."""
    measurer = FrameMeasurer(config)
    for rgb, frame in detected:
        yield rgb, frame, measurer.measurement_of(frame)


def measure_stream(frames: Iterable[tuple[float, np.ndarray]], detect: Callable[[np.ndarray, float], PoseFrame],
                   config: MeasureConfig = MeasureConfig(),
                   count_people: Callable[[np.ndarray, float], int] | None = None,
                   ) -> Iterator[tuple[PoseFrame, Measurement]]:
    """Run pose + measurement over (t_s, rgb) frames, one at a time, on this thread."""
    for _, frame, m in measure_detected(detect_stream(frames, detect, count_people), config):
        yield frame, m
