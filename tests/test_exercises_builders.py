"""The exercise tests' builders (tests/support/figures.py) do what they say: the stick
figure must produce the angles it was asked for through the real kinematics code."""

from __future__ import annotations

import pytest

from tests.support.figures import figure, moves

# -- the builders' own specification ------------------------------------------------

@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("pose", [
    {"trunk": 0, "thigh_l": 0, "thigh_r": 0, "knee_l": 0, "knee_r": 0},      # standing
    {"trunk": 60, "thigh_l": 15, "thigh_r": 15, "knee_l": 20, "knee_r": 20},  # flat-back hinge
    {"trunk": 90, "thigh_l": -90, "thigh_r": -90, "knee_l": 100, "knee_r": 0},  # prone curl
    {"trunk": 5, "thigh_l": 70, "thigh_r": -20, "knee_l": 10, "knee_r": 5},   # leg swing
])
def test_figure_has_the_requested_angles(facing, pose):
    s = figure(0.0, facing=facing, **pose)
    assert s.angle("trunk_inclination") == pytest.approx(pose["trunk"], abs=1e-6)
    for side in ("left", "right"):
        thigh, knee = pose[f"thigh_{side[0]}"], pose[f"knee_{side[0]}"]
        assert s.angle(f"thigh_angle_{side}") == pytest.approx(thigh, abs=1e-6)
        assert s.angle(f"knee_flexion_{side}") == pytest.approx(knee, abs=1e-6)
        assert s.angle(f"hip_flexion_{side}") == pytest.approx(pose["trunk"] + thigh, abs=1e-6)


def test_moves_reaches_each_waypoint_in_time():
    t, v = moves([(0, 1.0), (60, 1.0), (60, 10.0), (0, 1.0)])
    assert len(t) == 13 * 30
    assert v[29] == 0 and v[59] == pytest.approx(60) and v[-1] == pytest.approx(0)
