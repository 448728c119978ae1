"""The chosen exercise must be the one performed (posecoach.exercises.recognise)."""

from __future__ import annotations

from types import SimpleNamespace

from posecoach.analysis import looks_like
from posecoach.exercises import recognise
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
