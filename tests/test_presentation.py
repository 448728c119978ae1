"""posecoach.presentation and exercises.targets: what a runner reads, and progress toward targets."""

from __future__ import annotations

import pytest

from posecoach.exercises.targets import check_report, check_targets, targets_of
from posecoach.exercises.thresholds import ExerciseConfig, Targets
from posecoach.presentation import (
    EVENT, SUMMARY, asymmetry_percent, change, cue_text, degrees, result_text, seconds, signed, summary_rows,
)


@pytest.mark.parametrize("value, text", [
    (-37.3, "37° behind you"),        # a thigh behind the body: the sign becomes words
    (45.0, "45° in front of you"),
    (0.2, "0°"),
    (None, "–"),
])
def test_signed_angles_read_as_words(value: float | None, text: str) -> None:
    assert signed("in front of you", "behind you")(value) == text
    assert EVENT["backward_peak_deg"].fmt(value) == text


def test_one_unit_style() -> None:
    assert degrees(61.96) == "62°" and seconds(4.25) == "4.2 s" and seconds(18.0) == "18 s"
    assert seconds(21.5) == "21.5 s" and degrees(float("nan")) == "–"


def test_summary_rows_use_runner_labels_and_skip_technical_fields() -> None:
    rows = summary_rows({"trend_deg_per_swing": 7.7, "plateau_swing_index": 5, "max_rounded_back_score": 0.33,
                         "baseline_hip_offset": 0.1, "prone_share": 1.0, "amplitudes_deg": [1, 2]})
    text = {r.label: r.value for r in rows}
    assert text == {"Build-up": "grew 7.7° per swing", "Full range": "from swing 5",
                    "Back rounding": "some (33 of 100)", "Time lying face down": "100%"}
    assert all(r.meaning for r in rows)                     # one "what this means" line each
    assert all(SUMMARY[k].meaning for k in SUMMARY)


@pytest.mark.parametrize("exercise, summary, side, met, main", [
    ("origin-stretch", {"holds": 1, "longest_hold_s": 4.2}, "left", False, "4 of 30 s"),
    ("origin-stretch", {"holds": 2, "longest_hold_s": 31.0}, "left", True, "31 of 30 s"),
    ("leg-swing", {"swings": 6, "swings_by_side": {"left": 6, "right": 0}}, "left", False, "6 of 10-15 swings"),
    ("leg-swing", {"swings": 12, "swings_by_side": {"left": 12, "right": 0}}, "left", True, "12 of 10-15 swings"),
    ("curl-hip-lift", {"reps": 3}, "right", False, "3 of 8-12 reps"),
    ("curl-hip-lift", {"reps": 10}, "right", True, "10 of 8-12 reps"),
])
def test_progress_toward_targets(exercise: str, summary: dict, side: str, met: bool, main: str) -> None:
    check = check_targets(exercise, summary, side)
    assert check is not None and check.met is met and check.main.text == main and check.next_step


def test_holds_progress_and_configured_targets() -> None:
    check = check_targets("origin-stretch", {"holds": 2, "longest_hold_s": 18.0}, "right",
                          Targets(hold_s=20.0, holds_per_leg=2))
    assert check is not None and not check.met and [p.text for p in check.items] == ["18 of 20 s", "2 of 2 holds"]
    assert [p.met for p in check.items] == [False, True]
    config = ExerciseConfig.from_dict({"targets": {"hold_s": 45}})
    report = {"exercise": "origin-stretch", "summary": {"holds": 1, "longest_hold_s": 40.0},
              "settings": {"exercises": config.to_dict()}}
    assert targets_of(report).hold_s == 45.0 and check_report(report).main.text == "40 of 45 s"  # type: ignore[union-attr]


def test_a_short_good_hold_is_good_form_hold_longer() -> None:
    report = {"exercise": "origin-stretch", "verdict": {"status": "good", "headline": "Good form."},
              "summary": {"holds": 1, "longest_hold_s": 4.0}, "working_side": "left"}
    text = result_text(report, "Hamstring origin stretch")
    assert text.status_label == "Good form, hold longer" and text.status_class == "short"
    assert "30 s" in text.next_step


def test_cues_fit_what_was_filmed() -> None:
    cue = {"code": "knees_bent", "text": "Straighten your front knee"}
    parallel = {"summary": {"forward_leg": "none"}}
    staggered = {"summary": {"forward_leg": "left"}}
    assert cue_text(cue, parallel) == "Keep your knees nearly straight"
    assert cue_text(cue, staggered) == "Straighten your front knee"


def test_comparisons() -> None:
    assert change("Longest hold", "s", 18.0, 12.0).text == "18 s, up 6 s from 12 s"  # type: ignore[union-attr]
    assert change("Knee bend", "deg", 8.0, 12.0, higher_is_better=False).better is True  # type: ignore[union-attr]
    assert asymmetry_percent(40.0, 50.0) == pytest.approx(20.0) and asymmetry_percent(None, 3.0) is None
