"""Prone curl + hip lift: recognising prone, counting reps, per-rep metrics, faults."""

from __future__ import annotations

import pytest

from posecoach.sample import PoseSample
from tests.support.figures import curl_clip, run, swap_sides

REP_S = 3.2   # curl_clip: one rep from the start of the curl to the end of the uncurl


@pytest.mark.parametrize("n", [1, 3, 6])
def test_n_clean_reps_are_counted_as_n(n):
    _, result = run("curl-hip-lift", curl_clip(n=n))
    assert result.summary.reps == n == len(result.reps)
    assert result.fault_codes == frozenset() and result.conditions == []


def test_each_rep_has_peaks_and_tempo():
    _, result = run("curl-hip-lift", curl_clip(n=2, knee=115.0, lift=20.0))
    rep = result.reps[0]
    assert rep.rep == 1
    assert rep.start_s == pytest.approx(1.0, abs=0.1)
    assert rep.end_s == pytest.approx(1.0 + REP_S, abs=0.1)
    assert rep.duration_s == pytest.approx(REP_S, abs=0.1)
    assert rep.peak_knee_flexion_deg == pytest.approx(115.0, abs=0.5)
    assert rep.peak_thigh_lift_deg == pytest.approx(20.0, abs=0.5)
    # The resting thigh already sits 2 deg behind the trunk line: the hip extends 20 + 2.
    assert rep.peak_hip_extension_deg == pytest.approx(22.0, abs=0.5)
    assert result.reps[1].start_s == pytest.approx(1.0 + REP_S + 0.4, abs=0.1)
    assert result.working_side == "left"


@pytest.mark.parametrize("facing", [1, -1])
@pytest.mark.parametrize("side", ["left", "right"])
def test_curling_leg_found_whatever_its_label(facing, side):
    clip = curl_clip(n=3, side=side, facing=facing)
    _, result = run("curl-hip-lift", clip)
    assert result.working_side == side and result.summary.reps == 3
    swapped = [swap_sides(s) if i % 9 < 3 else s for i, s in enumerate(clip)]
    _, result = run("curl-hip-lift", swapped)
    assert result.summary.reps == 3 and result.fault_codes == frozenset()


def test_sub_threshold_knee_motion_counts_no_reps():
    _, result = run("curl-hip-lift", curl_clip(n=4, knee=20.0, lift=0.0))
    assert result.summary.reps == 0


def test_jittery_reps_still_count():
    _, result = run("curl-hip-lift", curl_clip(n=4, noise=2.0, seed=5))
    assert result.summary.reps == 4
    assert result.fault_codes == frozenset()


@pytest.mark.parametrize("case, kwargs, expected", [
    # The curl stops well short of a right angle.
    ("short_curl", {"knee": 55.0}, {"partial_range"}),
    # Curl, but the thigh never leaves the floor (e.g. the real band clip).
    ("curl_only", {"lift": 0.0}, {"no_hip_lift"}),
    # The thigh rises mostly because the pelvis and low back rise.
    ("pelvis_rises", {"lift": 16.0, "pelvis": 11.0}, {"pelvis_lift"}),
    # A small deliberate lift is still a lift.
    ("small_lift", {"lift": 9.0}, set()),
    # A good lift always tilts the pelvis a little: not a fault.
    ("good_lift_small_tilt", {"lift": 20.0, "pelvis": 3.0}, set()),
    # Big lift, but a third of it is the pelvis rising.
    ("pelvis_third", {"lift": 24.0, "pelvis": 8.0}, {"pelvis_lift"}),
])
def test_fault_table(case, kwargs, expected):
    _, result = run("curl-hip-lift", curl_clip(n=3, **kwargs))
    assert set(result.fault_codes) == expected, case
    assert len(result.faults) == 3 * len(expected)   # one per rep
    for fault, rep in zip(result.faults, result.reps):
        assert fault.start_s == rep.start_s and fault.end_s == rep.end_s


def test_one_short_rep_against_the_persons_own_range_is_partial():
    _, result = run("curl-hip-lift", curl_clip(n=3, knee=[120.0, 120.0, 85.0]))
    partial = [f for f in result.faults if f.code == "partial_range"]
    assert len(partial) == 1 and partial[0].start_s == result.reps[2].start_s


def test_not_lying_prone_is_a_condition():
    samples = [PoseSample.from_angles(i / 30, trunk_inclination=2.0, thigh_angle_left=0.0,
                                      thigh_angle_right=0.0, knee_flexion_left=60.0,
                                      knee_flexion_right=3.0) for i in range(90)]
    feedback, result = run("curl-hip-lift", samples)
    assert result.summary.reps == 0
    assert "not_prone" in result.condition_codes
    assert feedback[-1].cue == "Lie face down, side-on"


def test_live_counters():
    feedback, _ = run("curl-hip-lift", curl_clip(n=2))
    assert feedback[-1].counters.reps == 2
    assert {"rest", "curling", "lifting", "lowering"} <= {f.phase for f in feedback}
    assert max(f.counters.thigh_lift_deg for f in feedback) == pytest.approx(20.0, abs=0.5)


def _curls_lowered_to(between_deg: float) -> list[PoseSample]:
    """Two curls to 110 deg that lower only to `between_deg` between them (rest 3 deg)."""
    from tests.support.figures import moves

    t, knee = moves([(3.0, 1.0), (110.0, 0.8), (110.0, 0.6), (between_deg, 0.8),
                     (between_deg, 0.4), (110.0, 0.8), (110.0, 0.6), (3.0, 0.8), (3.0, 1.0)])
    return [PoseSample.from_angles(ti, facing=-1, trunk_inclination=90.0, knee_flexion_left=k,
                                   thigh_angle_left=-92.0, hip_flexion_left=-2.0,
                                   knee_flexion_right=3.0, thigh_angle_right=-92.0,
                                   hip_flexion_right=-2.0) for ti, k in zip(t, knee)]


@pytest.mark.parametrize("between_deg, reps", [
    (10.0, 2),    # lowered fully: two reps, as ever
    (28.0, 2),    # lowered over 75 % of the way, above the fixed 25-degree end: still two
    (45.0, 2),    # read 45 deg bent between them (the model on a lowered leg): the valley splits
    (70.0, 1),    # barely lowered: one rep that wobbled at the top
])
def test_a_rep_ends_once_lowered_most_of_its_own_rise(between_deg, reps):
    # A fixed end angle decided 1 rep or 2 by whether a noisy frame read 24 or 26
    # degrees (the real curl clip at half its frame rate lost a rep that way); at half
    # resolution the model read the knee bent to 44 deg between two curls (1 rep, not 2).
    _, result = run("curl-hip-lift", _curls_lowered_to(between_deg))
    assert result.summary.reps == reps


def test_a_leg_label_swap_crossing_mid_curl_does_not_split_the_rep():
    """Where MediaPipe swaps the leg labels, the smoothed knees cross: for a frame or two
    both read half bent (the mirrored pelvis-lift sample read 53 and 45 deg mid-curl).
    That dip is no valley: it is not held."""
    clip = curl_clip(n=3, knee=110.0)
    for rep_start in (1.0, 1.0 + REP_S, 1.0 + 2 * REP_S):
        at = round((rep_start + 1.0) * 30)           # the top of the curl, before the lift
        clip[at] = PoseSample.from_angles(clip[at].t_s, facing=-1, trunk_inclination=90.0,
                                          knee_flexion_left=53.0, thigh_angle_left=-92.0,
                                          hip_flexion_left=-2.0, knee_flexion_right=45.0,
                                          thigh_angle_right=-92.0, hip_flexion_right=-2.0)
    _, result = run("curl-hip-lift", clip)
    assert result.summary.reps == 3


def test_reps_split_at_a_valley_meet_there_and_stay_inside_the_clip():
    _, result = run("curl-hip-lift", _curls_lowered_to(45.0)[40:])   # the clip opens mid-curl
    first, second = result.reps
    assert first.end_s == second.start_s                    # the valley: one rep ends, the next begins
    assert 3.0 <= (first.end_s or 0.0) <= 3.6               # within the 0.4 s spent at 45 deg
    assert (first.start_s or 0.0) >= round(40 / 30, 3)      # never before the first frame


def test_one_noisy_frame_at_the_top_of_the_lift_is_no_pelvis_fault():
    """The pelvis rise at the lift is read over the top of the lift, not at the single
    frame where the (noisy) thigh reads highest: a clean minimal lift with raw per-frame
    jitter of 2.5 deg never becomes `pelvis_lift` (hypothesis found seed 199; one frame
    decided it in 10 of these 200 sets before)."""
    flagged = [seed for seed in range(200)
               if "pelvis_lift" in run("curl-hip-lift", curl_clip(
                   n=4, knee=80.0, lift=9.0, noise=2.5, seed=seed))[1].fault_codes]
    assert flagged == []
