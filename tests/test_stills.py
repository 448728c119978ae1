"""Photos are judged as postures (posecoach.stills): good or needs work with faults,
never "no complete hold"."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from posecoach import stills
from posecoach.report.document import GOOD, NEEDS_WORK, NOT_ASSESSABLE, verdict
from tests.support.figures import figure


def _verdict_of(sample, exercise="origin-stretch"):
    feedback, result = stills.judge_still(exercise, [sample])
    analysis = SimpleNamespace(result=result, feedback=feedback, detection_rate=1.0,
                               info=SimpleNamespace(kind="image"),
                               measurements=[SimpleNamespace(t_s=0.0, detected=True)])
    return result, verdict(analysis)


@pytest.mark.parametrize("pose, status, fault", [
    (dict(trunk=70, thigh_l=15, thigh_r=15, knee_l=5, knee_r=5, neck=5), GOOD, None),      # flat-back hinge
    (dict(trunk=55, thigh_l=40, thigh_r=40, knee_l=60, knee_r=60, neck=5), NEEDS_WORK, "knees_bent"),  # squat
    (dict(trunk=120, thigh_l=5, thigh_r=5, knee_l=5, knee_r=5, neck=45), NEEDS_WORK, "rounded_back"),
])
def test_a_photo_of_a_stretch_gets_the_posture_checks(pose, status, fault):
    result, v = _verdict_of(figure(0.0, **pose))
    assert v["status"] == status
    assert "no complete" not in v["headline"] and " s)" not in v["headline"]
    assert result.holds == []
    if fault:
        assert fault in result.fault_codes


def test_a_photo_without_the_position_is_not_assessed():
    _, v = _verdict_of(figure(0.0, trunk=2, thigh_l=0, thigh_r=0, knee_l=2, knee_r=2))
    assert v["status"] == NOT_ASSESSABLE and "does not show" in v["headline"]


@pytest.mark.slow
def test_photo_of_a_held_stretch_is_good(full_model, tmp_path):
    from posecoach.analysis import AnalysisOptions, analyze_media
    from tests.support.exercise_clips import held_stretch_photo

    photo = held_stretch_photo(tmp_path)
    a = analyze_media(photo, AnalysisOptions(exercise="origin-stretch"))
    from posecoach.report.document import verdict as clip_verdict
    v = clip_verdict(a)
    assert v["status"] == GOOD, v


@pytest.mark.slow
def test_a_small_person_bent_forward_is_found_and_measured(full_model):
    """The mannequin hinged, filling 20 % of a 1920x1080 photo: the plain pose finds
    nobody; the refined search measures the trunk (bench/stills.py: MAE 7 deg)."""
    from posecoach import photo_pose
    from posecoach.kinematics import ANGLE_INDEX, angles_from_points
    from posecoach.pose import PoseEstimator
    from posecoach.synth.stills import photo_by_name, render_photo

    spec = photo_by_name("hinge_good_fill0.2_t4")
    rgb, truth = render_photo(spec)
    with PoseEstimator.for_images("full") as est:
        assert not est.detect(rgb, 0.0).detected
        f = photo_pose.refined_detect(est.detect)(rgb, 0.0)
    assert f.detected
    trunk = angles_from_points(f.xy(0.5), 1 if spec.facing == "right" else -1)[ANGLE_INDEX["trunk_inclination"]]
    assert abs(trunk - truth[ANGLE_INDEX["trunk_inclination"]]) < 12.0
