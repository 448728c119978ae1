"""Dynamic forward/back leg swings, progressing slowly to full range.

The swinging leg is found per frame by movement, not by label: of the two thighs, the
one farther from the standing leg's running position is swinging, so a left/right
label swap by the pose model changes nothing. A causal turning-point detector (peaks of
prominence >= `reversal_deg`) finds each forward peak and the backward peak after it;
that pair is one swing. Thigh angles are taken about a pelvis-fixed pivot (see
`PelvisPivot`). Faults: trunk_sway, stance_knee_bent, progressing_too_fast. Condition:
far_leg_swinging, when the swinging leg is the one away from the camera (hidden behind
the standing leg at the back of each swing, so its arcs are not trustworthy and are not
judged for progression).

Events: `Swing` records (records.py; a swing's start is the backward peak before it, at
most as long before the forward peak as the backward peak is after it); summary
`SwingSummary`; live `SwingCounters`; the contract with the rest of PoseCoach: `SPEC`.
"""

from __future__ import annotations

import bisect
import itertools
from collections import deque
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from posecoach.exercises.analyser import BaseAnalyser, FrameOutcome, SetOutcome
from posecoach.exercises.base import opt
from posecoach.exercises.common import (
    NAN,
    SIDES,
    SideVote,
    Turn,
    Window,
    Zigzag,
    angle,
    finite,
    nanmedian,
)
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.records import LiveCounters, Summary, Swing, described
from posecoach.exercises.spec import (
    ExerciseSpec,
    Panel,
    PanelBars,
    PanelLine,
    ProgressionMetric,
    ReportReader,
    events_of,
    max_of,
    number,
    summary_of,
)
from posecoach.exercises.thresholds import ExerciseConfig, LegSwingThresholds
from posecoach.kinematics import ANGLE_INDEX, angles_from_points, near_side, pelvis_centre
from posecoach.view import DEFAULT_POLICY
from posecoach.sample import PoseSample

EXERCISE_ID = "leg-swing"
FORM_FAULTS = ("trunk_sway", "stance_knee_bent", "progressing_too_fast")
_SAME_LEG_DEG = 5.0   # both thighs this close while swinging: the model doubled one leg


@dataclass(frozen=True)
class SwingFrame:
    swing_side: str | None
    swing_thigh: float
    swing_hip: float
    stance_thigh: float
    stance_knee: float
    trunk: float


class PelvisPivot:
    """The point the thighs turn about, kept fixed in the pelvis.

    The hip joint does not move within the pelvis, but the pose model's hip landmark
    follows the swinging thigh's outline: on the synthetic figure it travels 14-19 px
    forward over a 90-degree swing of a 139 px thigh, which reads the forward peak 5-6
    degrees short (bench/swing_pivot.py, docs/biomechanics.md#pivot). The pelvis
    centre (both hip joints project onto it in a side view), averaged over the last
    `span_s` (about two swings), keeps the pelvis's own slower travel and drops the
    part that moves with each swing. Causal, so live and offline agree.
    """

    def __init__(self, span_s: float) -> None:
        self._span_s = span_s
        self._points: deque[tuple[float, np.ndarray]] = deque()

    def update(self, t_s: float, xy: np.ndarray) -> np.ndarray:
        """Add this frame's landmarks; the pivot (NaN until a pelvis has been seen)."""
        centre = pelvis_centre(xy)
        if np.isfinite(centre).all():
            self._points.append((t_s, centre))
        while self._points and self._points[0][0] < t_s - self._span_s:
            self._points.popleft()
        if not self._points:
            return np.full(2, np.nan)
        return np.mean([p for _, p in self._points], axis=0)


_PIVOT_ANGLES = [ANGLE_INDEX[f"{a}_{s}"] for a in ("thigh_angle", "hip_flexion") for s in SIDES]


def split_legs(sample: PoseSample, stance_ref: float, reversal: float,
               swing_label: str | None = None) -> SwingFrame:
    """Which thigh swings (the one farther from `stance_ref`) and the stance leg's values.

    With one thigh visible near the stance position, it is the stance leg if the label
    that has been swinging (`swing_label`) is the hidden one: the swing is then unknown
    (NaN) for this frame rather than read off the standing leg.
    """
    thighs = {s: angle(sample, f"thigh_angle_{s}") for s in SIDES}
    ok = [s for s in SIDES if finite(thighs[s])]
    trunk = angle(sample, "trunk_inclination")
    if not ok:
        return SwingFrame(None, NAN, NAN, NAN, NAN, trunk)
    swing = max(ok, key=lambda s: abs(thighs[s] - stance_ref))
    stance = "left" if swing == "right" else "right"
    if len(ok) == 1 and swing_label in SIDES and swing != swing_label \
            and abs(thighs[swing] - stance_ref) < reversal:
        return SwingFrame(None, NAN, NAN, thighs[swing],
                          angle(sample, f"knee_flexion_{swing}"), trunk)
    st_thigh, st_knee = thighs[stance], angle(sample, f"knee_flexion_{stance}")
    away = abs(thighs[swing] - stance_ref) >= reversal
    if not away:
        st_knee = NAN   # legs together: which knee is the standing one is ambiguous
    elif finite(st_thigh) and abs(thighs[swing] - st_thigh) < _SAME_LEG_DEG:
        st_thigh = st_knee = NAN   # the model put both legs in one place
    return SwingFrame(swing, thighs[swing], angle(sample, f"hip_flexion_{swing}"),
                      st_thigh, st_knee, trunk)


def sway_deg(trunk: np.ndarray, thigh: np.ndarray, arc: float) -> float:
    """Trunk lean that moves with the thigh over one swing: |regression slope| x arc."""
    ok = np.isfinite(trunk) & np.isfinite(thigh)
    if ok.sum() < 5:
        return NAN
    x, y = thigh[ok] - thigh[ok].mean(), trunk[ok] - trunk[ok].mean()
    var = float(np.dot(x, x))
    return abs(float(np.dot(x, y)) / var) * arc if var > 0 else NAN


@dataclass(frozen=True)
class SwingTrend:
    """How the swing amplitude progressed over the set."""

    trend_deg_per_swing: float | None    # least-squares slope
    plateau_swing_index: int | None      # 1-based swing from which the amplitude plateaus
    max_jump_deg: float | None           # largest increase from one swing to the next


def progression(amplitudes: list[float | None], th: LegSwingThresholds) -> SwingTrend:
    """Trend (deg per swing, least squares) and where the amplitude plateaus."""
    amps = [a for a in amplitudes if a is not None and finite(a)]
    if len(amps) < 2:
        return SwingTrend(None, None, None)
    plateau = None
    for i in range(len(amps) - 1):
        rest = amps[i:]
        if min(rest) >= max(rest) - th.plateau_tol_deg:
            plateau = i + 1
            break
    return SwingTrend(opt(float(np.polyfit(np.arange(len(amps)), amps, 1)[0]), 2), plateau,
                      opt(max(b - a for a, b in itertools.pairwise(amps)), 1))


@dataclass(frozen=True)
class SwingCounters(LiveCounters):
    """Live numbers of the leg swings."""

    swings: float = described("swings so far")
    last_amplitude_deg: float = described("arc of the last swing", "last arc")
    last_forward_peak_deg: float = described("forward peak of the last swing", "last forward peak")
    thigh_angle_deg: float = described("the swinging thigh's angle from vertical now", "thigh")


@dataclass(frozen=True)
class SwingSummary(Summary):
    """The leg-swing set's metrics."""

    swings: int = described("number of swings")
    swings_by_side: dict[str, int] = described("swings per leg")
    amplitudes_deg: list[float | None] = described("arc of each swing", "arcs")
    forward_peaks_deg: list[float | None] = described("forward peak of each swing",
                                                      "forward peaks")
    max_amplitude_deg: float | None = described("the largest arc", "largest arc")
    mean_amplitude_deg: float | None = described("the mean arc", "mean arc")
    max_trunk_sway_deg: float | None = described("the most trunk sway in one swing",
                                                 "most trunk sway")
    trend_deg_per_swing: float | None = described("how much the arc grew per swing", "trend")
    plateau_swing_index: int | None = described("the swing from which the arc stopped growing",
                                                "plateau from swing")
    max_jump_deg: float | None = described("the largest arc increase between two swings",
                                           "largest jump")


class LegSwingAnalyser(BaseAnalyser):
    """Analyser for forward/back leg swings (see module docstring)."""

    exercise_id = EXERCISE_ID
    form_faults = FORM_FAULTS

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None) -> None:
        cfg = config or ExerciseConfig()
        super().__init__(cfg, arbiter=arbiter, settings_section="leg_swing")
        self._th = cfg.leg_swing
        self._zig = Zigzag(self._th.reversal_deg)
        self._smooth = Window(self._th.smooth_s)
        self._pivot = PelvisPivot(self._th.pivot_window_s)
        self._stance = Window(self._th.stance_ref_window_s)
        self._stance_knee = Window(self._th.stance_knee_window_s)
        self._side = SideVote()
        self._t: list[float] = []
        self._thigh: list[float] = []
        self._hip: list[float] = []
        self._trunk: list[float] = []
        self._knee: list[float] = []
        self._labels: list[str | None] = []
        self._last_trough: Turn | None = None
        self._peak: tuple[Turn, Turn | None] | None = None   # forward peak, trough before
        self._swings: list[Swing] = []
        self._last_turn_t = NAN
        self._near_side: str | None = None

    @property
    def swings(self) -> list[Swing]:
        return list(self._swings)

    def _read_frame(self, sample: PoseSample, t: float, dt: float) -> FrameOutcome:
        sample = self._about_pivot(sample)
        th = self._th
        ref = self._stance.median() if len(self._stance) else 0.0
        label = self._side.winner() if self._side.total >= 10 else None
        f = split_legs(sample, ref, th.reversal_deg, label) if sample.detected else None
        judge = self._judged(sample)
        if f is not None:
            self._record(t, f, ref)
            self._smooth.add(t, f.swing_thigh)
            if finite(f.swing_thigh):
                # Light causal smoothing against jitter; the turn is dated half a window back.
                values = self._smooth.values
                turn = self._zig.update(t - self._smooth_lag(), float(np.mean(values)))
                if turn is not None:
                    self._on_turn(turn, t)
        knee = self._stance_knee.median() if judge else NAN
        active = set(self._coach.faults.active(t))
        level = th.stance_knee_off_deg if "stance_knee_bent" in active else th.stance_knee_on_deg
        swinging = finite(self._last_turn_t) and t - self._last_turn_t <= th.swinging_for_s
        self._coach.faults.update("stance_knee_bent", t,
                                  knee > level if finite(knee) and swinging else None)
        if f is not None and finite(f.swing_thigh):   # else the phase stays as it was
            self._phase = "swinging" if swinging or abs(f.swing_thigh - ref) >= th.reversal_deg \
                else "standing"
        if sample.detected and sample.facing in (1, -1):
            self._near_side = near_side(sample.facing)
        self._coach.conditions.flag("far_leg_swinging", t,
                                    self._is_far(label) if self._phase == "swinging" else None)
        good = self._form_ok(self._coach.faults.active(t))
        good_form = good if judge and self._phase == "swinging" else (None if good else False)
        last = self._swings[-1] if self._swings else None
        counters = SwingCounters(
            swings=float(len(self._swings)),
            last_amplitude_deg=(last.amplitude_deg if last is not None else None) or 0.0,
            last_forward_peak_deg=(last.forward_peak_deg if last is not None else None) or 0.0,
            thigh_angle_deg=f.swing_thigh if f is not None else 0.0)
        return FrameOutcome(good_form, counters)

    def _is_far(self, side: str | None) -> bool | None:
        """Whether `side` is the leg away from the camera (None while either is unknown)."""
        if side is None or self._near_side is None:
            return None
        return side != self._near_side

    def _about_pivot(self, sample: PoseSample) -> PoseSample:
        """The sample with its thigh and hip-flexion angles taken about the pelvis-fixed
        pivot; as given when it carries no landmarks (angle-only input)."""
        if not sample.detected:
            return sample
        pivot = self._pivot.update(sample.t_s, sample.xy)
        if not np.isfinite(pivot).all():
            return sample
        # The same camera-yaw correction as the pipeline's angles (posecoach.view).
        both = DEFAULT_POLICY.angle_points(np.vstack([sample.xy, pivot]), sample.yaw_deg)
        if both is None:
            return sample
        derived = angles_from_points(both[:-1], sample.facing, hip_pivot=both[-1])
        angles = sample.angles.copy()
        # Only where the pipeline measured: it leaves NaN for what the camera angle or
        # the human range ruled out, and that must stay out.
        kept = np.isfinite(angles[_PIVOT_ANGLES])
        angles[_PIVOT_ANGLES] = np.where(kept, derived[_PIVOT_ANGLES], np.nan)
        return replace(sample, angles=angles)

    def _smooth_lag(self) -> float:
        times = self._smooth.times
        return (times[-1] - times[0]) / 2.0 if len(times) > 1 else 0.0

    def _record(self, t: float, f: SwingFrame, ref: float) -> None:
        self._t.append(t)
        self._thigh.append(f.swing_thigh)
        self._hip.append(f.swing_hip)
        self._trunk.append(f.trunk)
        self._knee.append(f.stance_knee)
        self._labels.append(f.swing_side)
        self._stance.add(t, f.stance_thigh)
        self._stance_knee.add(t, f.stance_knee)
        if finite(f.swing_thigh) and abs(f.swing_thigh - ref) >= self._th.reversal_deg:
            self._side.add(f.swing_side)

    def _refine(self, turn: Turn) -> Turn:
        """The raw sample extreme around a turn found on the smoothed signal."""
        w = self._th.smooth_s
        i0 = bisect.bisect_left(self._t, turn.t_s - w)
        i1 = bisect.bisect_right(self._t, turn.t_s + w)
        best: tuple[float, float] | None = None
        for t_i, v_i in zip(self._t[i0:i1], self._thigh[i0:i1]):
            if finite(v_i) and (best is None or turn.kind * (v_i - best[1]) > 0):
                best = (t_i, v_i)
        return Turn(turn.kind, *best) if best is not None else turn

    def _on_turn(self, turn: Turn, t: float) -> None:
        turn = self._refine(turn)
        self._last_turn_t = t
        if turn.kind > 0:
            self._peak = (turn, self._last_trough)
            return
        if self._peak is not None:
            swing = self._make_swing(self._peak[0], self._peak[1], turn)
            if swing is not None:
                self._accept(swing, t)
            self._peak = None
        self._last_trough = turn

    def _value_at(self, series: list[Any], t_s: float) -> Any:
        i = bisect.bisect_left(self._t, t_s)
        return series[i] if 0 <= i < len(series) else NAN

    def _make_swing(self, peak: Turn, before: Turn | None, back: Turn) -> Swing | None:
        arc = peak.value - back.value
        if arc < self._th.min_arc_deg:
            return None
        start = max(before.t_s if before is not None else -np.inf,
                    back.t_s - self._th.sway_max_window_s)
        i0, i1 = bisect.bisect_left(self._t, start), bisect.bisect_right(self._t, back.t_s)
        sway = sway_deg(np.asarray(self._trunk[i0:i1], float),
                        np.asarray(self._thigh[i0:i1], float), arc)
        hip_arc = self._value_at(self._hip, peak.t_s) - self._value_at(self._hip, back.t_s)
        half = back.t_s - peak.t_s
        side = self._value_at(self._labels, peak.t_s)
        return Swing(
            swing=len(self._swings) + 1,
            side=side if side in SIDES else None,
            start_s=opt(max(before.t_s if before is not None else -np.inf, peak.t_s - half), 3),
            forward_peak_t_s=opt(peak.t_s, 3), forward_peak_deg=opt(peak.value, 1),
            backward_peak_t_s=opt(back.t_s, 3), backward_peak_deg=opt(back.value, 1),
            amplitude_deg=opt(arc, 1), hip_amplitude_deg=opt(hip_arc, 1),
            trunk_sway_deg=opt(sway, 1),
            stance_knee_deg=opt(nanmedian(self._knee[i0:i1]), 1),
        )

    def _accept(self, swing: Swing, t: float) -> None:
        th = self._th
        prev = self._swings[-1] if self._swings else None
        if not self._keep_event(swing):
            return
        self._swings.append(swing)
        # A swing's times and arc are measured (finite) by construction.
        start, back_t = swing.start_s or 0.0, swing.backward_peak_t_s or 0.0
        if swing.trunk_sway_deg is not None and swing.trunk_sway_deg > th.trunk_sway_deg:
            self._event_fault("trunk_sway", start, back_t, t, merge_gap_s=th.sway_merge_gap_s)
        if prev is not None and not self._is_far(swing.side) \
                and (swing.amplitude_deg or 0.0) - (prev.amplitude_deg or 0.0) > th.jump_deg:
            self._event_fault("progressing_too_fast", prev.forward_peak_t_s or 0.0, back_t, t)

    def _set_result(self) -> SetOutcome:
        """The set so far; a swing still heading back is closed at its lowest point yet."""
        swings = list(self._swings)
        pending = self._zig.pending
        if self._peak is not None and pending is not None and pending.kind < 0:
            last = self._make_swing(self._peak[0], self._peak[1], self._refine(pending))
            swings += [last] if last is not None and self._screen.plausible(last) else []
        amps = [s.amplitude_deg for s in swings]
        measured = [a for a in amps if a is not None]
        side = self._side.winner()
        trend = progression(amps, self._th)
        summary = SwingSummary(
            swings=len(swings),
            swings_by_side={leg: sum(1 for s in swings if s.side == leg) for leg in SIDES},
            amplitudes_deg=amps,
            forward_peaks_deg=[s.forward_peak_deg for s in swings],
            max_amplitude_deg=max(measured) if measured else None,
            mean_amplitude_deg=opt(float(np.mean(measured)), 1) if measured else None,
            max_trunk_sway_deg=max((s.trunk_sway_deg for s in swings
                                    if s.trunk_sway_deg is not None), default=None),
            trend_deg_per_swing=trend.trend_deg_per_swing,
            plateau_swing_index=trend.plateau_swing_index,
            max_jump_deg=trend.max_jump_deg,
        )
        return SetOutcome(summary, side, swings=swings)


# ---------------------------------------------------------------- the contract
def _max_arc(side: str) -> ReportReader:
    """The largest arc of `side`'s swings; without any, the set's largest arc belongs to
    its working side (the summary's, else that of swings that carry no side label)."""
    def read(report: Any) -> float | None:
        swings = events_of(report, "swings")
        value = max_of([s for s in swings if s.get("side") == side], "amplitude_deg")
        if value is None and report.get("working_side") == side:
            value = number(summary_of(report).get("max_amplitude_deg"))
            if value is None and not any(s.get("side") in SIDES for s in swings):
                value = max_of(swings, "amplitude_deg")
        return value
    return read


SPEC = ExerciseSpec(
    id=EXERCISE_ID, title="Leg swings", event_noun=("swing", "swings"),
    event_type=Swing, summary_type=SwingSummary, counters_type=SwingCounters,
    analyser=LegSwingAnalyser, needs_mask=False,
    panel=Panel(headline=PanelLine("swings", "swings", "{:.0f}"),
                lines=(PanelLine("last arc", "last_amplitude_deg", shown_after="swings"),),
                bars=PanelBars(count="swings", value="last_amplitude_deg")),
    angle_series=("thigh_angle_{side}", "thigh_angle_{other}", "trunk_inclination"),
    chart_events="forward swing peaks as lines", charts=("swings",),
    progression=tuple(
        ProgressionMetric(f"max_amplitude_{side}_deg", f"Biggest swing, {side} leg", "deg",
                          f"the largest arc of the {side} leg's swings", _max_arc(side))
        for side in SIDES),
)
