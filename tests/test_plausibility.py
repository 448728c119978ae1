"""The human range: impossible frames and events are dropped, a set with too many is
refused ("cannot measure from this camera angle")."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.exercises.plausible import CANNOT_MEASURE, PlausibilityScreen
from posecoach.kinematics import ANGLE_INDEX, ANGLE_NAMES
from posecoach.plausibility import HUMAN_RANGE, gate_angles
from tests.support.figures import curl_clip, run, swing_clip


def _angles(**values: float) -> np.ndarray:
    a = np.full(len(ANGLE_NAMES), np.nan)
    for k, v in values.items():
        a[ANGLE_INDEX[k]] = v
    return a


def test_plausible_angles_pass_unchanged():
    a = _angles(trunk_inclination=60, hip_flexion_right=80, knee_flexion_right=20, thigh_angle_right=20)
    out, dropped = gate_angles(a)
    assert not dropped and out is a


@pytest.mark.parametrize("name, value", [("knee_flexion_right", 170.0), ("thigh_angle_right", 150.0),
                                         ("hip_flexion_right", -60.0)])
def test_an_impossible_leg_angle_drops_that_leg(name, value):
    a = _angles(trunk_inclination=5, hip_flexion_right=10, knee_flexion_right=10, thigh_angle_right=5,
                hip_flexion_left=0, knee_flexion_left=5, thigh_angle_left=0)
    a[ANGLE_INDEX[name]] = value
    out, dropped = gate_angles(a)
    assert dropped
    assert np.isnan(out[[ANGLE_INDEX[f"{k}_right"] for k in ("hip_flexion", "knee_flexion", "thigh_angle")]]).all()
    assert out[ANGLE_INDEX["knee_flexion_left"]] == 5 and out[ANGLE_INDEX["trunk_inclination"]] == 5


def test_an_impossible_trunk_drops_both_hip_flexions():
    out, dropped = gate_angles(_angles(trunk_inclination=-80, hip_flexion_left=10, knee_flexion_left=5))
    assert dropped and np.isnan(out[ANGLE_INDEX["hip_flexion_left"]])
    assert out[ANGLE_INDEX["knee_flexion_left"]] == 5


def test_event_limits_follow_the_documented_values():
    assert HUMAN_RANGE.event_ok("amplitude_deg", 150) and not HUMAN_RANGE.event_ok("amplitude_deg", 195)
    assert not HUMAN_RANGE.event_ok("peak_knee_flexion_deg", 170)
    assert HUMAN_RANGE.event_ok("amplitude_deg", None)


def test_leg_swings_of_impossible_arcs_are_refused_not_reported():
    # 125 forward and -75 back: a 200-degree arc (the oblique real clip read 195-225).
    _, result = run("leg-swing", swing_clip([(125.0, -75.0)] * 5))
    assert result.swings == [] and result.faults == []
    assert "not_side_view" in result.condition_codes
    assert any(c.message == CANNOT_MEASURE for c in result.conditions)
    assert result.summary.max_amplitude_deg is None


def test_plausible_leg_swings_are_kept():
    _, result = run("leg-swing", swing_clip([(50.0, -25.0), (60.0, -25.0), (70.0, -30.0)]))
    assert len(result.swings) == 3 and "not_side_view" not in result.condition_codes


def test_one_impossible_rep_is_dropped_from_an_otherwise_good_set():
    _, result = run("curl-hip-lift", curl_clip(n=4, knee=[115.0, 118.0, 175.0, 116.0]))
    peaks = [r.peak_knee_flexion_deg for r in result.reps]
    assert len(peaks) == 3 and max(peaks) < 165
    assert "not_side_view" not in result.condition_codes


def test_screen_refuses_when_too_many_frames_were_implausible():
    from posecoach.sample import PoseSample

    screen = PlausibilityScreen()
    for i in range(10):
        s = PoseSample.from_angles(i / 10, trunk_inclination=5.0)
        screen.frame(s if i < 6 else PoseSample(**{**s.__dict__, "implausible": True}))
    _, good = run("leg-swing", swing_clip([(50.0, -25.0), (60.0, -25.0), (70.0, -30.0)]))
    out = screen.apply(good)
    assert out.summary.swings == 0 and out.summary.max_amplitude_deg is None and out.swings == []
    assert out.condition_codes == {"not_side_view"}
