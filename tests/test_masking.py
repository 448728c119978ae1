"""Which frames get a segmentation mask (posecoach.masking), through analyze_media with a
scripted stand-in for MediaPipe: fast, no model. The old default asked for a mask on
every frame in `auto` mode."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

import posecoach.analysis as analysis
from posecoach.analysis import AnalysisOptions, analyze_media
from posecoach.kinematics import ANGLE_INDEX
from posecoach.landmarks import PoseFrame, PoseLandmark as L
from posecoach.masking import MaskPolicy, MaskScheduler
from posecoach.pipeline import FrameMeasurer
from tests.builders import frame_from_xy, side_pose

FPS = 15
WIDTH, HEIGHT = 640, 480
HIP = (320.0, 330.0)
Script = Callable[[float], np.ndarray]


def leg_swing(t: float) -> np.ndarray:
    return side_pose(trunk_deg=3.0, thigh_deg=40.0 * math.sin(2 * math.pi * t), far_thigh_deg=0.0,
                     hip=HIP)


def curl(t: float) -> np.ndarray:
    return side_pose(trunk_deg=90.0, thigh_deg=-88.0, shank_deg=-88.0 + 60.0 * abs(math.sin(t)),
                     hip=HIP)


def origin_stretch(t: float) -> np.ndarray:
    """Upright 2 s, hinge to 60 degrees over 1 s, hold to 7 s, back up."""
    trunk = 60.0 * float(np.clip(t - 2.0, 0.0, 1.0)) * (1.0 if t < 7.0 else max(0.0, 8.0 - t))
    return side_pose(trunk_deg=trunk, hip=HIP)


def _trunk_mask(xy: np.ndarray) -> np.ndarray:
    """A body-shaped blob around the shoulder-hip line, so the back outline is measurable."""
    mask = np.zeros((HEIGHT, WIDTH), np.float32)
    a, b = xy[L.RIGHT_SHOULDER], xy[L.RIGHT_HIP]
    cv2.line(mask, tuple(int(v) for v in a), tuple(int(v) for v in b), 1.0, thickness=40)
    return mask


class ScriptedEstimator:
    """Stands in for PoseEstimator: poses from a script of time; masks when asked."""

    script: Script = staticmethod(leg_swing)
    opened: list[bool] = []   # segmentation flag of every estimator opened
    instances: list["ScriptedEstimator"] = []

    def __init__(self, segmentation: bool) -> None:
        self.segmentation = segmentation
        self.calls: list[float] = []
        ScriptedEstimator.opened.append(segmentation)
        ScriptedEstimator.instances.append(self)

    @classmethod
    def for_video(cls, model: str = "full", segmentation: bool = False, **_: object) -> "ScriptedEstimator":
        return cls(segmentation)

    for_images = for_video

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        self.calls.append(t_s)
        xy = type(self).script(t_s)
        frame = frame_from_xy(xy, t_s, WIDTH, HEIGHT)
        if self.segmentation:
            frame = PoseFrame(frame.t_s, frame.width, frame.height, frame.image, frame.world,
                              _trunk_mask(xy), frame.num_people)
        return frame

    def close(self) -> None:
        pass

    def __enter__(self) -> "ScriptedEstimator":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class NoPeopleCounter:
    count = 1

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def count_before(self, t_s: float) -> int:
        return self.count

    def watch(self, frames):  # noqa: ANN001, ANN201 - pass-through
        yield from frames

    def __enter__(self) -> "NoPeopleCounter":
        return self

    def __exit__(self, *exc: object) -> None:
        pass


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """9 s of blank frames: the scripted estimator decides what they show."""
    path = tmp_path_factory.mktemp("masking") / "blank.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (WIDTH, HEIGHT))
    for _ in range(9 * FPS):
        writer.write(np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    writer.release()
    return path


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[[Script], None]:
    monkeypatch.setattr(analysis, "PoseEstimator", ScriptedEstimator)
    monkeypatch.setattr(analysis, "PeopleCounter", NoPeopleCounter)
    ScriptedEstimator.opened = []
    ScriptedEstimator.instances = []

    def use(script: Script) -> None:
        monkeypatch.setattr(ScriptedEstimator, "script", staticmethod(script))
    return use


@pytest.mark.parametrize("script", [leg_swing, curl], ids=["leg-swing", "curl"])
def test_auto_mode_asks_no_mask_for_a_swing_or_a_curl(clip, scripted, script):
    scripted(script)
    a = analyze_media(clip, AnalysisOptions(exercise="auto"))
    assert ScriptedEstimator.opened == [False]   # no landmarker with masks at all
    assert a.masked_frames == 0
    assert a.exercise == {leg_swing: "leg-swing", curl: "curl-hip-lift"}[script]


@pytest.mark.parametrize("exercise", ["auto", "origin-stretch"])
def test_origin_stretch_gets_masks_on_hinged_frames_and_its_baseline(clip, scripted, exercise):
    scripted(origin_stretch)
    a = analyze_media(clip, AnalysisOptions(exercise=exercise))
    assert ScriptedEstimator.opened == [False, True]
    masked = ScriptedEstimator.instances[1].calls
    # A few a second at most, far fewer than frames; some in the upright baseline window,
    # some in the hold, none once upright again after it.
    assert a.masked_frames == len(masked) and 8 <= len(masked) <= 4 * 9
    assert any(t < 2.0 for t in masked) and any(3.5 < t < 6.5 for t in masked)
    assert not any(t > 8.2 for t in masked)
    # Every frame of the hinge and of the baseline window has a bulge (measured or
    # interpolated); upright frames after the window have none.
    trunk = ANGLE_INDEX["trunk_inclination"]
    for m in a.measurements:
        if m.t_s < 2.9 or 3.1 < m.t_s < 6.9:
            assert np.isfinite(m.back_bulge), m.t_s
        elif m.t_s > 8.2 and abs(m.angles[trunk]) < 20:
            assert np.isnan(m.back_bulge), m.t_s
    assert a.exercise == "origin-stretch"


def test_a_mask_on_every_frame_when_asked(clip, scripted):
    scripted(leg_swing)
    a = analyze_media(clip, AnalysisOptions(exercise="auto", segmentation=True))
    assert ScriptedEstimator.opened == [True]
    assert a.masked_frames == len(a.measurements)


class CountingDetector:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        self.calls.append(t_s)
        xy = origin_stretch(t_s)
        return PoseFrame(t_s, WIDTH, HEIGHT, frame_from_xy(xy, t_s, WIDTH, HEIGHT).image,
                         mask=_trunk_mask(xy), num_people=1)

    def close(self) -> None:
        pass


def _schedule(script: Script, seconds: float, **kwargs: object) -> tuple[MaskScheduler, CountingDetector, list]:
    detector = CountingDetector()
    scheduler = MaskScheduler(lambda: detector, **kwargs)  # type: ignore[arg-type]
    measurer, measurements = FrameMeasurer(), []
    rgb = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    for i in range(int(seconds * 30)):
        frame = frame_from_xy(script(i / 30), i / 30, WIDTH, HEIGHT)
        m = measurer.measurement_of(frame)
        measurements.append(m)
        scheduler.observe(i, rgb, frame, m)
    return scheduler, detector, scheduler.apply(measurements)


def test_baseline_frames_wait_for_the_first_hinge_then_are_masked_in_order():
    scheduler, detector, measurements = _schedule(origin_stretch, 5.0, armed=False, skip_prone=True)
    assert detector.calls == sorted(detector.calls)           # one clock for the mask landmarker
    assert detector.calls[0] == 0.0 and min(t for t in detector.calls if t > 2.0) < 2.6
    steady = [t for t in detector.calls if t >= 3.2]           # the hold: about one a second
    assert 1 <= len(steady) <= 3
    assert np.isfinite(measurements[0].back_bulge) and np.isfinite(measurements[-1].back_bulge)


def test_a_clip_that_never_hinges_opens_no_mask_landmarker():
    scheduler, detector, measurements = _schedule(leg_swing, 5.0, armed=False, skip_prone=True)
    assert detector.calls == []
    assert all(np.isnan(m.back_bulge) for m in measurements)


def test_moving_lean_is_sampled_more_often_than_a_still_one():
    _, detector, _ = _schedule(origin_stretch, 4.0, armed=True, skip_prone=False,
                               policy=MaskPolicy(still_s=1.0, moved_deg=8.0, min_gap_s=0.25))
    during_hinge = [t for t in detector.calls if 2.0 < t < 3.0]  # 60 degrees in 1 s
    assert len(during_hinge) >= 3


def test_a_failing_mask_landmarker_fails_the_analysis_instead_of_dropping_masks():
    class Broken(CountingDetector):
        def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
            raise RuntimeError("mask landmarker failed")

    scheduler = MaskScheduler(Broken, armed=True, skip_prone=False)
    measurer, measurements = FrameMeasurer(), []
    rgb = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    with pytest.raises(RuntimeError, match="mask landmarker failed"):
        with scheduler:
            for i in range(60):
                frame = frame_from_xy(origin_stretch(i / 30), i / 30, WIDTH, HEIGHT)
                measurements.append(measurer.measurement_of(frame))
                scheduler.observe(i, rgb, frame, measurements[-1])
            scheduler.apply(measurements)
