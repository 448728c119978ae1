"""The chosen exercise must be the one performed (posecoach.exercises.recognise)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from posecoach.analysis import looks_like
from posecoach.exercises import ExerciseConfig, detect_exercise, evidence, recognise
from posecoach.kinematics import ANGLE_INDEX
from posecoach.report.document import NOT_ASSESSABLE, verdict
from tests.support.figures import curl_clip, hinge_clip, run, swing_clip


def test_a_prone_curl_analysed_as_the_stretch_is_refused_with_a_suggestion():
    clip = curl_clip(n=3)
    assert recognise.suggest_instead("origin-stretch", clip) == "curl-hip-lift"
    assert recognise.suggest_instead("leg-swing", clip) == "curl-hip-lift"
    assert recognise.suggest_instead("curl-hip-lift", clip) is None


def test_a_hinge_analysed_as_the_curl_is_refused():
    clip = hinge_clip()
    assert recognise.suggest_instead("curl-hip-lift", clip) == "origin-stretch"
    assert recognise.suggest_instead("origin-stretch", clip) is None


def test_swings_analysed_as_the_stretch_are_refused():
    clip = swing_clip([(50.0, -25.0), (60.0, -25.0), (70.0, -30.0), (75.0, -30.0)])
    assert recognise.suggest_instead("origin-stretch", clip) == "leg-swing"
    assert recognise.suggest_instead("leg-swing", clip) is None


def test_the_auto_guess_and_the_check_read_one_evidence_each_with_its_own_prone_share():
    """Frames whose trunk is gated out count for the check's prone share (of frames with
    a person) but not for the guess's (of frames with a measured trunk)."""
    def without_trunk(s):
        angles = s.angles.copy()
        angles[ANGLE_INDEX["trunk_inclination"]] = np.nan
        return dataclasses.replace(s, angles=angles)
    clip = [s if i % 2 else without_trunk(s) for i, s in enumerate(curl_clip(n=3))]
    e = evidence.gather(clip)
    assert e.frames == len(clip) and e.trunk_frames == len(clip) // 2
    assert e.prone_share == pytest.approx(0.5) and e.prone_share_of_trunk_frames == 1.0
    assert detect_exercise(clip) == "curl-hip-lift"
    assert recognise.plainly(e, ExerciseConfig()) is None        # not plainly the curl...
    assert recognise.suggest_instead("origin-stretch", clip) == "curl-hip-lift"  # ...but seen


def test_refusal_keeps_no_number_and_says_what_it_looks_like():
    feedback, result = run("origin-stretch", curl_clip(n=3))
    refused = recognise.refuse(result, "curl-hip-lift", looks_like("curl-hip-lift"))
    assert refused.holds == [] and refused.faults == []
    assert refused.condition_codes == {"wrong_exercise"}
    assert all(v in (None, 0, False, [], "none") or isinstance(v, dict)
               for v in refused.summary.to_dict().values())
    analysis = SimpleNamespace(result=refused, feedback=feedback, detection_rate=1.0,
                               measurements=[SimpleNamespace(t_s=s.t_s, detected=True)
                                             for s in curl_clip(n=3)])
    v = verdict(analysis)
    assert v["status"] == NOT_ASSESSABLE
    assert v["headline"] == "This looks like prone curl + hip lift: choose it, or record again."


def test_result_page_offers_the_suggested_exercise():
    from posecoach.web.views import result_view

    report = {"verdict": {"status": "not_assessable", "headline": "This looks like leg swings"},
              "exercise": "origin-stretch", "suggested_exercise": "leg-swing"}
    view = result_view(report, {})
    assert view["suggested"]["id"] == "leg-swing"
    assert result_view({**report, "suggested_exercise": None}, {})["suggested"] is None
