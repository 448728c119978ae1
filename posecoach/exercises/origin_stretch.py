"""Standing hamstring-origin stretch: hinge from the hips, bum out, hold.

Phases: standing -> hinging -> holding -> returning (-> standing). A hold is a stable
hinged position (trunk lean past `hold_min_trunk_deg`, low trend over `hold_window_s`),
timed from the first frame within its band to the last. Faults: rounded_back,
hips_not_back, knees_bent, bouncing (see docs/biomechanics.md).

Events: `Hold` records (records.py); summary `StretchSummary`; live `StretchCounters`;
the exercise's contract with the rest of PoseCoach: `SPEC` at the end.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections import deque
from dataclasses import dataclass, replace
from collections.abc import Mapping
from typing import Any

import numpy as np

from posecoach.exercises.analyser import BaseAnalyser, FrameOutcome, SetOutcome
from posecoach.exercises.base import opt
from posecoach.exercises.common import (
    SIDES,
    SideVote,
    Window,
    Zigzag,
    angle,
    finite,
    midpoint,
    nanmedian,
    point,
    robust_sd,
)
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.holds import refine_hold
from posecoach.exercises.records import Hold, LiveCounters, Summary, described
from posecoach.exercises.spec import (
    ExerciseSpec,
    Panel,
    PanelLine,
    PanelMeter,
    ProgressionMetric,
    events_of,
    from_summary,
    max_over_events,
    number,
)
from posecoach.exercises.thresholds import ExerciseConfig, OriginStretchThresholds
from posecoach.landmarks import PoseLandmark as L
from posecoach.sample import PoseSample

EXERCISE_ID = "origin-stretch"
FORM_FAULTS = ("rounded_back", "hips_not_back", "knees_bent", "bouncing")
_LEG = {"left": (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE),
        "right": (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE)}
NAN = float("nan")


def _ramp(x: float, ok: float, bad: float) -> float:
    """0 at `ok`, 1 at `bad` (either direction), clipped; NaN stays NaN."""
    if not finite(x):
        return NAN
    return float(np.clip((x - ok) / (bad - ok), 0.0, 1.0))


@dataclass(frozen=True)
class StretchFrame:
    """What one sample says about the stretch (NaN = not measurable)."""

    trunk: float
    hip_flexion: float
    knee: float                 # the stretched (forward) leg, or the straighter leg
    forward_leg: str | None     # "left"/"right" when staggered, "none" when parallel
    hip_offset: float           # mid-hip ahead of mid-ankle, leg lengths, facing direction
    ankle_offsets: tuple[float, float]  # the same against the left / right ankle alone
    leg_px: float               # this frame's leg length (hip-knee + knee-ankle), pixels
    neck_flexion: float         # ear-shoulder line vs trunk line, + toward the front
    bulge: float


def _leg_length(sample: PoseSample, side: str) -> float:
    hip, knee, ankle = (point(sample, lm) for lm in _LEG[side])
    length = float(np.linalg.norm(knee - hip) + np.linalg.norm(ankle - knee))
    return length if finite(length) and length > 0 else NAN


def stretch_frame(sample: PoseSample, th: OriginStretchThresholds,
                  leg_px: float | None = None) -> StretchFrame:
    """One frame's stretch measurements. Offsets are in leg lengths: `leg_px` (e.g. the
    upright baseline's, steadier than a bent, foreshortened leg) or this frame's."""
    s = sample.facing if sample.facing in (1, -1) else 0
    trunk = angle(sample, "trunk_inclination")
    knees = {side: angle(sample, f"knee_flexion_{side}") for side in SIDES}
    hips = {side: angle(sample, f"hip_flexion_{side}") for side in SIDES}
    thighs = {side: angle(sample, f"thigh_angle_{side}") for side in SIDES}
    own_leg = nanmedian(_leg_length(sample, side) for side in SIDES)
    leg = leg_px if leg_px is not None and finite(leg_px) and leg_px > 0 else own_leg
    forward: str | None = None
    ank_l, ank_r = point(sample, L.LEFT_ANKLE), point(sample, L.RIGHT_ANKLE)
    if s and finite(leg) and np.isfinite(ank_l).all() and np.isfinite(ank_r).all():
        lead = s * (ank_l[0] - ank_r[0]) / leg
        forward = "none" if abs(lead) < th.stagger_min_frac else ("left" if lead > 0 else "right")
    elif finite(thighs["left"]) and finite(thighs["right"]):
        diff = thighs["left"] - thighs["right"]
        forward = "none" if abs(diff) < th.stagger_min_thigh_deg else (
            "left" if diff > 0 else "right")
    if forward in SIDES:
        knee, hip = knees[forward], hips[forward]
    else:
        finite_knees = [k for k in knees.values() if finite(k)]
        knee = min(finite_knees) if finite_knees else NAN
        hip = nanmedian(hips.values())
    hip_pt = midpoint(sample, L.LEFT_HIP, L.RIGHT_HIP)

    def ahead(p: np.ndarray) -> float:
        value = float(s * (hip_pt[0] - p[0]) / leg) if s and finite(leg) else NAN
        return value if finite(value) else NAN
    return StretchFrame(trunk, hip, knee, forward,
                        ahead(midpoint(sample, L.LEFT_ANKLE, L.RIGHT_ANKLE)),
                        (ahead(ank_l), ahead(ank_r)), own_leg,
                        _neck_flexion(sample, s), float(sample.back_bulge))


def _neck_flexion(sample: PoseSample, s: int) -> float:
    if not s:
        return NAN
    ear = midpoint(sample, L.LEFT_EAR, L.RIGHT_EAR)
    shoulder = midpoint(sample, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
    hip = midpoint(sample, L.LEFT_HIP, L.RIGHT_HIP)
    axis, neck = shoulder - hip, ear - shoulder
    if not (np.isfinite(axis).all() and np.isfinite(neck).all()):
        return NAN
    n_axis = float(np.linalg.norm(axis))
    if n_axis <= 0 or float(np.linalg.norm(neck)) <= 0:
        return NAN
    a = axis / n_axis
    front = s * np.array([-a[1], a[0]])
    return float(np.degrees(np.arctan2(np.dot(neck, front), np.dot(neck, a))))


def rounded_back_score(f: StretchFrame, th: OriginStretchThresholds) -> float:
    """Evidence of spinal rounding in [0, 1] from the independent proxies available,
    combined as a noisy-OR (one strong proxy suffices; a missing or quiet proxy is not
    evidence against). NaN when none is measurable. See docs/biomechanics.md#rounded."""
    excess = NAN
    if finite(f.knee) and f.knee <= th.straight_knee_max_deg:
        excess = f.hip_flexion    # chord-thigh angle; past the straight-leg hip range = spine
    hip_share = f.hip_flexion / f.trunk if finite(f.trunk) and f.trunk > 0 else NAN
    parts = (
        (_ramp(excess, th.straight_hip_max_deg, th.straight_hip_bad_deg), th.excess_weight),
        (_ramp(f.neck_flexion, th.neck_flexion_ok_deg, th.neck_flexion_bad_deg), th.neck_weight),
        (_ramp(hip_share, th.hip_share_ok, th.hip_share_bad), th.hip_share_weight),
        (_ramp(f.bulge, th.bulge_ok, th.bulge_bad), th.bulge_weight),
    )
    avail = [(e, w) for e, w in parts if finite(e)]
    if not avail:
        return NAN
    return float(1.0 - np.prod([1.0 - e * w for e, w in avail]))


@dataclass(frozen=True)
class StretchCounters(LiveCounters):
    """Live numbers of the origin stretch."""

    hold_s: float = described("time in the current hold so far", "hold")
    good_hold_s: float = described("time of the current hold in good form", "good form")
    holds: float = described("holds so far, the current one included")
    trunk_inclination_deg: float = described("trunk lean from vertical now", "trunk")


@dataclass(frozen=True)
class StretchSummary(Summary):
    """The origin-stretch set's metrics."""

    holds: int = described("number of holds")
    total_hold_s: float | None = described("time held, all holds together", "time held")
    longest_hold_s: float | None = described("the longest hold", "longest hold")
    total_good_form_s: float | None = described("time held in good form", "time in good form")
    max_trunk_inclination_deg: float | None = described("deepest trunk lean from vertical",
                                                        "hinge depth")
    max_hip_flexion_deg: float | None = described("largest hip flexion", "hip flexion")
    hip_hinge: bool = described("whether the trunk leaned far enough to judge the hinge")
    forward_leg: str | None = described("the leg ahead in a staggered stance, or none")
    max_rounded_back_score: float | None = described(
        "strongest evidence of a rounded back (0 to 1)", "rounded-back score")
    baseline_hip_offset: float | None = described(
        "pelvis ahead of the ankles while upright, in leg lengths", "upright hip offset")


@dataclass
class _Hold:
    start_s: float
    anchor: Window
    last_in_band_s: float
    good_s: float = 0.0
    bounced: bool = False
    praised: bool = False


class OriginStretchAnalyser(BaseAnalyser):
    """Analyser for the standing origin stretch (see module docstring)."""

    exercise_id = EXERCISE_ID
    form_faults = FORM_FAULTS

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None) -> None:
        cfg = config or ExerciseConfig()
        # A hinge seen obliquely: the thigh reads several degrees off past this yaw
        # (bench/accuracy.py --yaw), so form is not judged.
        super().__init__(cfg, arbiter=arbiter, settings_section="origin_stretch",
                         max_yaw_deg=cfg.origin_stretch.max_yaw_deg)
        self._th = cfg.origin_stretch
        self._slope_win = Window(self._th.hold_window_s)
        # Every frame with a measured trunk: t, trunk, hip flexion, knee, good form.
        self._frames: list[tuple[float, float, float, float, bool]] = []
        self._hold: _Hold | None = None
        self._spans: list[tuple[float, float, bool]] = []
        self._forward = SideVote()
        self._upright_offsets: list[tuple[float, float, float]] = []  # mid, left, right
        self._upright_bulge: list[float] = []
        self._upright_legs: list[float] = []
        self._score = Window(self._th.rounded_smooth_s)
        self._upright_s = 0.0
        self._bounce_zig = Zigzag(self._th.bounce_min_deg)
        self._bounce_ma = Window(self._th.bounce_smooth_s)
        self._turns: deque[tuple[float, float]] = deque()
        self._max_trunk = NAN
        self._max_hip = NAN
        self._max_score = NAN

    @property
    def holds(self) -> list[Hold]:
        """Completed holds so far (bounds refined from the buffered trunk angles)."""
        return [r for r in (self._hold_record(*span) for span in self._spans) if r is not None]

    def _read_frame(self, sample: PoseSample, t: float, dt: float) -> FrameOutcome:
        judge = self._judged(sample)
        leg_ref = nanmedian(self._upright_legs) if self._upright_legs else None
        f = stretch_frame(sample, self._th, leg_ref) if sample.detected else None
        if f is not None and finite(f.trunk):
            self._track_baseline(f, dt)
            self._max_trunk = float(np.fmax(self._max_trunk, f.trunk))
            self._max_hip = float(np.fmax(self._max_hip, f.hip_flexion))
            self._forward.add(f.forward_leg)
        good = self._form_ok(self._judge(t, f if judge else None))
        self._update_phase(t, dt, f, good)
        extra: tuple[str, ...] = ()
        hold_s = good_s = 0.0
        if self._hold is not None:
            hold_s = self._hold.last_in_band_s - self._hold.start_s
            good_s = min(self._hold.good_s, hold_s)
            if good and hold_s >= self._th.praise_after_s and not self._hold.praised:
                self._hold.praised = True
                extra = ("good_hold",)
        active = self._phase in ("hinging", "holding", "returning")
        good_form = (good if (active or not good) else None) if judge and f is not None else None
        counters = StretchCounters(
            hold_s=hold_s, good_hold_s=good_s,
            holds=float(len(self._spans) + (self._hold is not None)),
            trunk_inclination_deg=f.trunk if f is not None else 0.0)
        return FrameOutcome(good_form, counters, extra)

    # -- per-frame pieces -------------------------------------------------------------

    def _track_baseline(self, f: StretchFrame, dt: float) -> None:
        if abs(f.trunk) <= self._cfg.common.upright_max_deg \
                and self._upright_s < self._cfg.common.baseline_s:
            self._upright_offsets.append((f.hip_offset, *f.ankle_offsets))
            self._upright_bulge.append(f.bulge)
            if finite(f.leg_px):
                self._upright_legs.append(f.leg_px)
            self._upright_s += dt

    def _baseline_offset(self) -> float:
        base = nanmedian(o[0] for o in self._upright_offsets)
        return base if finite(base) else 0.0

    def _hips_back_shift(self, f: StretchFrame) -> float:
        """How far (leg lengths) the pelvis has moved back since the upright baseline,
        against each ankle separately (the far ankle often comes and goes) when possible."""
        shifts = []
        for i, now in enumerate(f.ankle_offsets):
            base = nanmedian(o[i + 1] for o in self._upright_offsets)
            if finite(base) and finite(now):
                shifts.append(base - now)
        if shifts:
            return float(np.median(shifts))
        return self._baseline_offset() - f.hip_offset

    def _rounded_evidence(self, t: float, f: StretchFrame) -> float:
        """Rounded-back score, relative to the person's upright back outline, smoothed."""
        base_bulge = nanmedian(self._upright_bulge)
        if finite(base_bulge) and finite(f.bulge):
            f = replace(f, bulge=f.bulge - max(0.0, base_bulge))
        score = rounded_back_score(f, self._th)
        self._score.add(t, score)
        return self._score.median() if finite(score) else NAN

    def _judge(self, t: float, f: StretchFrame | None) -> tuple[str, ...]:
        th, book = self._th, self._coach.faults
        active = set(book.active(t))
        rounded = knees = hips = bounce = None
        bounce_since = None
        if f is not None and finite(f.trunk):
            if f.trunk >= th.rounded_min_trunk_deg:
                score = self._rounded_evidence(t, f)
                self._max_score = float(np.fmax(self._max_score, score))
                level = th.rounded_score_off if "rounded_back" in active else th.rounded_score_on
                rounded = score >= level if finite(score) else None
            if finite(f.knee):
                level = th.knee_bent_off_deg if "knees_bent" in active else th.knee_bent_on_deg
                knees = f.knee > level
            shift = self._hips_back_shift(f)
            if f.trunk >= th.hips_back_min_trunk_deg and finite(shift):
                need = th.hips_back_min_frac * math.sin(math.radians(min(f.trunk, 90.0)))
                margin = th.hips_back_margin_frac if "hips_not_back" in active else 0.0
                hips = shift < need + margin
            bounce, bounce_since = self._bouncing(t, f.trunk)
        book.update("rounded_back", t, rounded)
        book.update("knees_bent", t, knees)
        book.update("hips_not_back", t, hips)
        book.update("bouncing", t, bounce, on_s=0.0, since_s=bounce_since)
        return book.active(t)

    def _bouncing(self, t: float, trunk: float) -> tuple[bool, float | None]:
        """Several small reversals of the (lightly smoothed) trunk lean while hinged;
        also when the bouncing began (the first turn of the run of small reversals)."""
        th = self._th
        self._bounce_ma.add(t, trunk)
        turn = self._bounce_zig.update(t, float(np.mean(self._bounce_ma.values)))
        if turn is not None:
            self._turns.append((turn.t_s, turn.value))
        while self._turns and self._turns[0][0] < t - th.bounce_window_s:
            self._turns.popleft()
        if trunk < th.hold_min_trunk_deg:
            return False, None
        turns = list(self._turns)
        run, since = 0, None
        for a, b in itertools.pairwise(turns):
            if abs(b[1] - a[1]) <= th.bounce_max_deg:
                run, since = run + 1, (a[0] if run == 0 else since)
            else:
                run, since = 0, None
        return run >= th.bounce_min_reversals - 1, since

    def _update_phase(self, t: float, dt: float, f: StretchFrame | None, good: bool) -> None:
        if f is None or not finite(f.trunk):
            return
        th = self._th
        self._frames.append((t, f.trunk, f.hip_flexion, f.knee, good))
        self._slope_win.add(t, f.trunk)
        trend = self._slope_win.slope()
        if self._hold is not None:
            self._continue_hold(t, dt, f.trunk, good)
        times = self._slope_win.times
        if self._hold is None and f.trunk >= th.hold_min_trunk_deg and finite(trend) \
                and abs(trend) <= th.hold_max_speed_deg_s \
                and times[-1] - times[0] >= th.hold_fill_share * th.hold_window_s:
            self._start_hold(t)
        if self._hold is not None:
            self._phase = "holding"
        elif f.trunk <= th.standing_return_deg or (self._phase in ("setup", "standing")
                                                    and f.trunk < th.hinge_enter_deg):
            self._phase = "standing"
        elif finite(trend) and trend < -th.hold_max_speed_deg_s and self._phase != "standing":
            self._phase = "returning"
        elif f.trunk >= th.hinge_enter_deg or self._phase in ("hinging", "holding"):
            self._phase = "hinging"

    def _band(self, values: list[float]) -> float:
        th = self._th
        med = nanmedian(values)
        sd = robust_sd([v - med for v in values])
        width = th.hold_band_noise_k * sd if finite(sd) else 0.0
        return float(np.clip(width, th.hold_band_min_deg, th.hold_band_max_deg))

    def _start_hold(self, t: float) -> None:
        """A hold confirmed now began at the first frame of the current in-band run."""
        window = self._slope_win.values
        anchor, tol = nanmedian(window), self._band(window)
        i = len(self._frames) - 1
        earliest = t - self._th.hold_lookback_s
        while i > 0 and self._frames[i - 1][0] >= earliest \
                and abs(self._frames[i - 1][1] - anchor) <= tol:
            i -= 1
        back = self._frames[i:]
        win = Window(2.0)
        for fr in back:
            win.add(fr[0], fr[1])
        # The approach is complete by now: time it, so the live counter starts on time.
        recent = self._frames[bisect.bisect_left(self._frames, (earliest - self._th.hold_lookback_s,)):]
        start, _ = refine_hold([fr[0] for fr in recent], [fr[1] for fr in recent],
                               back[0][0], t, anchor)
        counted = [fr for fr in back if fr[0] >= start]
        good_s = sum(dt for dt, fr in zip(_dts(counted), counted) if fr[4])
        self._hold = _Hold(start_s=start, anchor=win, last_in_band_s=t, good_s=good_s)

    def _continue_hold(self, t: float, dt: float, trunk: float, good: bool) -> None:
        hold = self._hold
        assert hold is not None
        anchor, tol = hold.anchor.median(), self._band(hold.anchor.values)
        if abs(trunk - anchor) <= tol and trunk >= self._th.hold_min_trunk_deg:
            hold.last_in_band_s = t
            hold.anchor.add(t, trunk)
            hold.good_s += dt if good else 0.0
            hold.bounced |= "bouncing" in self._coach.faults.active(t)
        elif t - hold.last_in_band_s >= self._th.hold_exit_s:
            self._close_hold()

    def _close_hold(self) -> None:
        hold, self._hold = self._hold, None
        if hold is not None and hold.last_in_band_s - hold.start_s >= self._th.hold_min_s:
            self._spans.append((hold.start_s, hold.last_in_band_s, hold.bounced))

    def _hold_record(self, start_s: float, end_s: float, bounced: bool) -> Hold | None:
        """Metrics of one hold, its bounds refined from the movements around it."""
        ts = [fr[0] for fr in self._frames]
        trunk = [fr[1] for fr in self._frames]
        i0, i1 = bisect.bisect_left(ts, start_s), bisect.bisect_right(ts, end_s)
        level = nanmedian(trunk[i0:i1])
        if finite(level):
            start_s, end_s = refine_hold(ts, trunk, start_s, end_s, level)
        i0, i1 = bisect.bisect_left(ts, start_s), bisect.bisect_right(ts, end_s)
        frames = self._frames[i0:i1]
        duration = end_s - start_s
        if not frames or duration < self._th.hold_min_s:
            return None
        good_s = sum(dt for dt, fr in zip(_dts(frames), frames) if fr[4])
        return Hold(
            start_s=opt(start_s, 3), end_s=opt(end_s, 3),
            duration_s=opt(duration, 3), good_form_s=opt(min(good_s, duration), 3),
            max_trunk_inclination_deg=opt(max(fr[1] for fr in frames), 1),
            max_hip_flexion_deg=opt(float(np.fmax.reduce([fr[2] for fr in frames])), 1),
            knee_flexion_deg=opt(nanmedian(fr[3] for fr in frames), 1),
            bounced=bounced,
        )

    def _forward_leg(self) -> str | None:
        """The leg ahead when the stance is staggered in at least 30 % of the frames
        (left/right by majority, so a few label swaps do not matter), else "none"."""
        votes = self._forward.votes
        staggered = votes.get("left", 0.0) + votes.get("right", 0.0)
        total = staggered + votes.get("none", 0.0)
        if not total:
            return None
        if staggered < self._th.staggered_min_share * total:
            return "none"
        side = max(SIDES, key=lambda k: votes.get(k, 0.0))
        return side if votes.get(side, 0.0) >= self._th.forward_leg_majority * staggered else None

    # -- result -----------------------------------------------------------------------

    def _set_result(self) -> SetOutcome:
        """The set so far (an open hold is reported up to its last in-band frame)."""
        spans = list(self._spans)
        if self._hold is not None and \
                self._hold.last_in_band_s - self._hold.start_s >= self._th.hold_min_s:
            spans.append((self._hold.start_s, self._hold.last_in_band_s, self._hold.bounced))
        holds = self._screen.filter(
            [r for r in (self._hold_record(*span) for span in spans) if r is not None])
        forward = self._forward_leg()
        durations = [h.duration_s or 0.0 for h in holds]
        summary = StretchSummary(
            holds=len(holds),
            total_hold_s=opt(sum(durations), 2),
            longest_hold_s=opt(max(durations), 2) if durations else 0.0,
            total_good_form_s=opt(sum(h.good_form_s or 0.0 for h in holds), 2),
            max_trunk_inclination_deg=opt(self._max_trunk, 1),
            max_hip_flexion_deg=opt(self._max_hip, 1),
            hip_hinge=bool(finite(self._max_trunk)
                           and self._max_trunk >= self._th.hips_back_min_trunk_deg),
            forward_leg=forward,
            max_rounded_back_score=opt(self._max_score, 2),
            baseline_hip_offset=opt(self._baseline_offset(), 3) if self._upright_offsets
            else None,
        )
        return SetOutcome(summary, forward if forward in SIDES else None, holds=holds)


def _dts(frames: list[tuple[float, float, float, float, bool]]) -> list[float]:
    """Time each frame stands for: the gap to the next frame (the last gets 0)."""
    ts = [fr[0] for fr in frames]
    return [max(0.0, b - a) for a, b in itertools.pairwise(ts)] + [0.0] if ts else []


# ---------------------------------------------------------------- the contract
def _longest_hold(report: Mapping[str, Any]) -> Mapping[str, Any]:
    holds = events_of(report, "holds")
    return max(holds, key=lambda h: number(h.get("duration_s")) or 0.0) if holds else {}


def _good_detail(summary: StretchSummary) -> str:
    total, good = summary.total_hold_s, summary.total_good_form_s
    extra = f", {total:.0f} s in total" if total is not None else ""
    return extra + (f" ({good:.0f} s in good form)" if good is not None else "")


SPEC = ExerciseSpec(
    id=EXERCISE_ID, title="Hamstring origin stretch", event_noun=("hold", "holds"),
    event_type=Hold, summary_type=StretchSummary, counters_type=StretchCounters,
    analyser=OriginStretchAnalyser,
    needs_mask=True,   # the back-outline bulge, one of the rounded-back proxies
    panel=Panel(headline=PanelLine("hold", "hold_s", "{:4.1f}s"),
                lines=(PanelLine("good form", "good_hold_s", "{:.1f}s"),),
                meter=PanelMeter("good_hold_s", "hold_s", good=True)),
    angle_series=("trunk_inclination", "hip_flexion_{side}", "knee_flexion_{side}"),
    chart_events="holds shaded green", timeline_title="Hold timeline",
    progression=(
        ProgressionMetric("hold_s", "Longest hold", "s", "the longest hold of the session",
                          from_summary("longest_hold_s", max_over_events("holds", "duration_s"))),
        ProgressionMetric("hinge_depth_deg", "Forward lean", "deg",
                          "the deepest trunk lean from vertical",
                          from_summary("max_trunk_inclination_deg",
                                       max_over_events("holds", "max_trunk_inclination_deg"))),
        ProgressionMetric("knee_flexion_deg", "Knee bend in the hold", "deg",
                          "the stretched leg's knee bend in the longest hold",
                          lambda r: number(_longest_hold(r).get("knee_flexion_deg")),
                          higher_is_better=False),
    ),
    good_detail=_good_detail,
)
