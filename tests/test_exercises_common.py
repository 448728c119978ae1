"""What every analyser shares: registry, config, recording conditions, the cue arbiter,
`detect_exercise`, JSON output, and robustness properties (hypothesis)."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecoach import exercises
from posecoach.errors import ConfigError
from posecoach.exercises.common import Debounced, Zigzag
from posecoach.exercises.cues import CUE_SPECS, CueArbiter
from posecoach.exercises.thresholds import CueThresholds, ExerciseConfig
from posecoach.kinematics import ANGLE_NAMES, View
from posecoach.sample import PoseSample
from tests.support.figures import (
    curl_clip,
    figure,
    hinge_clip,
    nobody,
    run,
    swap_sides,
    swing_clip,
)

ALL = exercises.EXERCISE_IDS


# -- registry and config ----------------------------------------------------------------

def test_registry_lists_three_exercises_and_rejects_others_with_the_valid_names():
    assert ALL == ("origin-stretch", "leg-swing", "curl-hip-lift")
    with pytest.raises(ConfigError) as err:
        exercises.create("hamstring-curl")
    assert "origin-stretch" in err.value.hint and "curl-hip-lift" in err.value.hint


@pytest.mark.parametrize("exercise_id", ALL)
def test_every_analyser_satisfies_the_protocol(exercise_id):
    analyser = exercises.create(exercise_id)
    assert isinstance(analyser, exercises.ExerciseAnalyser)
    assert analyser.exercise_id == exercise_id
    result = analyser.result()   # before any frame: an empty, valid result
    assert result.exercise == exercise_id
    json.dumps(result.to_dict(), allow_nan=False)


def test_config_overrides_and_rejects_unknown_keys():
    cfg = ExerciseConfig.from_dict({"cues": {"cooldown_s": 5}, "leg_swing": {"jump_deg": 25.0}})
    assert cfg.cues.cooldown_s == 5.0 and cfg.leg_swing.jump_deg == 25.0
    assert cfg.to_dict()["origin_stretch"]["knee_bent_on_deg"] == 35.0
    for bad in ({"leg_swing": {"jump": 1}}, {"nonsense": {}}, {"cues": {"cooldown_s": "3"}},
                {"origin_stretch": {"bounce_min_reversals": 2.5}}, {"cues": 3}):
        with pytest.raises(ConfigError):
            ExerciseConfig.from_dict(bad)


def test_config_reaches_the_analyser():
    cfg = ExerciseConfig.from_dict({"leg_swing": {"min_arc_deg": 100.0}})
    analyser = exercises.create("leg-swing", cfg)
    for s in swing_clip([(60, -25)] * 3):
        analyser.update(s)
    assert analyser.result().summary.swings == 0


# -- recording conditions ----------------------------------------------------------------

@pytest.mark.parametrize("exercise_id", ALL)
@pytest.mark.parametrize("code, make, guidance", [
    ("not_side_view", lambda t: figure(t, view=View.FRONT), "Turn side-on to the camera"),
    ("body_out_of_frame", lambda t: figure(t, in_frame=0.6), "Step back so your feet are visible"),
    ("multiple_people", lambda t: figure(t, num_people=2), "Only one person in view"),
    ("no_person", nobody, "Step into view"),
])
def test_conditions_are_reported_with_guidance(exercise_id, code, make, guidance):
    feedback, result = run(exercise_id, [make(i / 30) for i in range(60)])
    assert code in result.condition_codes
    cond = next(c for c in result.conditions if c.code == code)
    assert cond.start_s == 0.0 and cond.end_s == pytest.approx(59 / 30)
    assert feedback[-1].cue == guidance and code in feedback[-1].active_conditions
    assert feedback[-1].good_form is None


def test_front_view_suppresses_form_faults():
    clip = hinge_clip(trunk=105, thigh=-3, knee=4, neck=75, view=View.FRONT)
    _, result = run("origin-stretch", clip)
    assert result.fault_codes == frozenset() and result.condition_codes == {"not_side_view"}


# -- cues --------------------------------------------------------------------------------

def test_every_fault_and_condition_has_a_short_imperative_cue():
    for spec in CUE_SPECS.values():
        assert 0 < len(spec.text.split()) <= 7 and not spec.text.endswith(".")


def test_arbiter_one_cue_at_a_time_with_cooldown_priority_and_no_repeats():
    arb = CueArbiter(CueThresholds(cooldown_s=3.0, display_s=2.0, repeat_s=8.0))
    shown = []
    for i in range(200):
        t = i / 10
        text, new = arb.update(t, ["knees_bent", "not_side_view"] if t < 12 else ["knees_bent"])
        if new:
            shown.append((t, text))
        if t < 2.0:
            assert text == "Turn side-on to the camera"   # the condition outranks the fault
    times = [t for t, _ in shown]
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(times))
    by_text: dict[str, list[float]] = {}
    for t, text in shown:
        by_text.setdefault(text, []).append(t)
    assert all(b - a >= 8.0 for ts in by_text.values() for a, b in itertools.pairwise(ts))


def test_a_shared_arbiter_keeps_one_cooldown_across_analysers():
    """A live session switching exercises passes one arbiter to each analyser."""
    arbiter = CueArbiter()
    first = exercises.create("origin-stretch", arbiter=arbiter)
    second = exercises.create("leg-swing", arbiter=arbiter)
    assert first.update(figure(0.0, view=View.FRONT)).cue is None
    shown = [first.update(figure(i / 30, view=View.FRONT)).cue_is_new for i in range(1, 30)]
    assert sum(shown) == 1
    # The other analyser sees a different problem 1 s later: still within the cooldown.
    assert not any(second.update(figure(1 + i / 30, in_frame=0.5)).cue_is_new for i in range(30))
    assert len(first.result().cues) == 1 and second.result().cues == []


def test_result_carries_the_effective_settings():
    cfg = ExerciseConfig.from_dict({"curl_hip_lift": {"lift_min_deg": 9.0}})
    analyser = exercises.create("curl-hip-lift", cfg)
    settings = analyser.result().to_dict()["settings"]
    assert settings["curl_hip_lift"]["lift_min_deg"] == 9.0
    assert set(settings) == {"common", "cues", "curl_hip_lift"}


def test_arbiter_never_follows_a_cue_with_its_conflicting_one():
    arb = CueArbiter(CueThresholds(cooldown_s=1.0, conflict_s=10.0))
    assert arb.update(0.0, ["no_hip_lift"]) == ("Now lift your thigh", True)
    for i in range(1, 90):
        _text, new = arb.update(i / 10, ["pelvis_lift"])
        assert not new
    assert arb.update(10.5, ["pelvis_lift"]) == ("Keep your hips on the floor", True)


# -- building blocks ---------------------------------------------------------------------

def test_debounced_needs_persistence_and_records_the_evidence_span():
    d = Debounced(on_s=0.5, off_s=0.5)
    states = [d.update(i / 10, 1.0 <= i / 10 <= 3.0) for i in range(50)]
    assert states[14] is False and states[15] is True and states[-1] is False
    assert d.intervals == [(1.0, 3.0)]
    blip = Debounced(on_s=0.5, off_s=0.5)
    assert not any(blip.update(i / 10, i == 3) for i in range(20)) and blip.intervals == []


def test_zigzag_confirms_turns_after_the_reversal():
    z = Zigzag(10.0)
    values = [0, 5, 20, 30, 25, 19, 10, 0, 5, 12]
    turns = [z.update(float(i), float(v)) for i, v in enumerate(values)]
    found = [(t.kind, t.t_s, t.value) for t in turns if t is not None]
    assert found == [(-1, 0.0, 0.0), (1, 3.0, 30.0), (-1, 7.0, 0.0)]


# -- detect_exercise ---------------------------------------------------------------------

@pytest.mark.parametrize("clip, expected", [
    (curl_clip(n=3), "curl-hip-lift"),
    (swing_clip([(60, -25)] * 5), "leg-swing"),
    (swing_clip([(60, -25)] * 5, swap_every=5), "leg-swing"),
    (hinge_clip(), "origin-stretch"),
    (hinge_clip(trunk=110, thigh=-3, knee=4, neck=75), "origin-stretch"),  # deep fold, not prone
    (hinge_clip(trunk=42, thigh=60, knee=90), "origin-stretch"),  # squat: both thighs move
    ([nobody(i / 30) for i in range(30)], "origin-stretch"),
    ([], "origin-stretch"),
])
def test_detect_exercise(clip, expected):
    assert exercises.detect_exercise(clip) == expected


# -- the same behaviour over every analyser (hypothesis) ---------------------------------

@st.composite
def samples(draw):
    """Any sequence of samples: wild or missing angles and points, clocks that stall or
    run backwards, people appearing and vanishing, any facing and view."""
    n = draw(st.integers(0, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    nan_share = draw(st.sampled_from([0.0, 0.2, 0.8, 1.0]))
    out, t = [], 0.0
    for _ in range(n):
        t += float(rng.choice([1 / 30, 1 / 30, 1 / 30, 0.0, -0.1, 0.5]))
        detected = bool(rng.random() < 0.8)
        angles = rng.uniform(-200, 200, len(ANGLE_NAMES))
        angles[rng.random(len(ANGLE_NAMES)) < nan_share] = np.nan
        xy = rng.uniform(-2000, 2000, (33, 2))
        xy[rng.random(33) < nan_share] = np.nan
        out.append(PoseSample(
            t_s=t, detected=detected, angles=angles, xy=xy,
            facing=int(rng.choice([1, -1, 0])), view=list(View)[int(rng.integers(0, 4))],
            width=640, height=480, num_people=int(rng.integers(0, 4)) if detected else 0,
            in_frame=float(rng.random()), back_bulge=float(rng.choice([np.nan, rng.random()]))))
    return out


def _all_finite(value) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_all_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_finite(v) for v in value)
    return True


@pytest.mark.parametrize("exercise_id", ALL)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clip=samples())
def test_any_input_never_crashes_and_never_gives_nan(exercise_id, clip):
    analyser = exercises.create(exercise_id)
    for s in clip:
        fb = analyser.update(s)
        assert all(math.isfinite(v) for v in fb.counters.values())
        assert fb.good_form in (True, False, None)
    doc = analyser.result().to_dict()
    json.dumps(doc, allow_nan=False)
    assert _all_finite(doc)
    assert isinstance(exercises.detect_exercise(clip), str)


_CLEAN = {"origin-stretch": lambda: hinge_clip(hold_s=3.0),
          "leg-swing": lambda: swing_clip([(60, -25)] * 4),
          "curl-hip-lift": lambda: curl_clip(n=3)}
_COUNT = {"origin-stretch": ("holds", 1), "leg-swing": ("swings", 4), "curl-hip-lift": ("reps", 3)}


@pytest.mark.parametrize("exercise_id", ALL)
@settings(max_examples=6, deadline=None)
@given(drop=st.lists(st.integers(0, 400), max_size=25), swaps=st.lists(st.integers(0, 400),
                                                                         max_size=25))
def test_dropped_frames_and_label_swaps_keep_the_count(exercise_id, drop, swaps):
    """Isolated NaN frames and left/right swaps do not change what a clean set counts."""
    clip = _CLEAN[exercise_id]()
    out = []
    for i, s in enumerate(clip):
        if i in drop:
            s = PoseSample(t_s=s.t_s, detected=s.detected, angles=np.full(len(ANGLE_NAMES), np.nan),
                           xy=np.full((33, 2), np.nan), facing=s.facing, view=s.view,
                           width=s.width, height=s.height)
        out.append(swap_sides(s) if i in swaps else s)
    key, n = _COUNT[exercise_id]
    _, result = run(exercise_id, out)
    assert getattr(result.summary, key) == n


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 6), fwd=st.floats(35, 90), back=st.floats(-30, -10),
       seg=st.floats(0.35, 0.9), noise=st.floats(0, 2.5), seed=st.integers(0, 10_000))
def test_any_clean_swing_set_counts_exactly(n, fwd, back, seg, noise, seed):
    _, result = run("leg-swing", swing_clip([(fwd, back)] * n, seg_s=seg, noise=noise, seed=seed))
    assert result.summary.swings == n


@settings(max_examples=8, deadline=None)
@given(n=st.integers(1, 5), knee=st.floats(80, 130), lift=st.floats(9, 25),
       noise=st.floats(0, 2.5), seed=st.integers(0, 10_000))
def test_any_clean_rep_set_counts_exactly(n, knee, lift, noise, seed):
    _, result = run("curl-hip-lift", curl_clip(n=n, knee=knee, lift=lift, noise=noise, seed=seed))
    assert result.summary.reps == n
    assert result.fault_codes == frozenset()


@settings(max_examples=8, deadline=None)
@given(amp=st.floats(0, 5), noise=st.floats(0, 1.5), seed=st.integers(0, 10_000))
def test_sub_threshold_motion_counts_nothing(amp, noise, seed):
    """Wobble of a few degrees plus per-frame jitter (white, SD up to 1.5 deg: more than
    the pipeline's smoothed angles show) counts neither swings nor reps."""
    _, swings = run("leg-swing", swing_clip([(amp, -amp)] * 5, noise=noise, seed=seed))
    _, reps = run("curl-hip-lift", curl_clip(n=4, knee=15.0 + amp, lift=0.0, noise=noise,
                                              seed=seed))
    assert swings.summary.swings == 0 and reps.summary.reps == 0
