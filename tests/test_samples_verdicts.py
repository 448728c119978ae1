"""Issue 4's bar on every bundled synthetic clip, through the real model and pipeline:
counts equal the truth, swing amplitudes within 5 degrees, hold durations within 0.5 s,
and exactly the truth's fault codes (no extra, none missing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media
from tests.conftest import sample_clips

SWING_TOL_DEG = 5.0
HOLD_TOL_S = 0.5
FORM_FAULTS = {"rounded_back", "hips_not_back", "knees_bent", "bouncing", "trunk_sway",
               "stance_knee_bent", "progressing_too_fast", "partial_range", "no_hip_lift", "pelvis_lift"}

CLIPS = sample_clips()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CLIPS, reason="sample_videos not generated")]

_cache: dict[Path, ClipAnalysis] = {}


def _analysis(clip: Path) -> tuple[ClipAnalysis, dict]:
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    if clip not in _cache:
        _cache[clip] = analyze_media(clip, AnalysisOptions(exercise="auto", model="full"))
    return _cache[clip], truth


@pytest.mark.parametrize("clip", CLIPS, ids=[c.stem for c in CLIPS])
def test_exercise_is_recognised(clip, full_model):
    analysis, truth = _analysis(clip)
    assert analysis.exercise == truth["exercise"]
    assert analysis.detection_rate >= 0.95


@pytest.mark.parametrize("clip", CLIPS, ids=[c.stem for c in CLIPS])
def test_fault_codes_equal_the_truth(clip, full_model):
    analysis, truth = _analysis(clip)
    assert set(analysis.result.fault_codes) & FORM_FAULTS == {f["code"] for f in truth["faults"]}


@pytest.mark.parametrize("clip", CLIPS, ids=[c.stem for c in CLIPS])
def test_counts_amplitudes_and_holds_match(clip, full_model):
    analysis, truth = _analysis(clip)
    events, result = truth["events"], analysis.result
    assert len(result.swings) == len(events["swings"])
    assert len(result.reps) == len(events["reps"])
    for got, want in zip(result.swings, events["swings"]):
        assert got.amplitude_deg == pytest.approx(want["amplitude_deg"], abs=SWING_TOL_DEG)
    assert len(result.holds) == len(events["holds"])
    for got, want in zip(result.holds, events["holds"]):
        assert got.duration_s == pytest.approx(want["duration_s"], abs=HOLD_TOL_S)
