"""Prone hamstring curl followed by a hip lift (lying face down, ankle weight).

A rep: the knee curls up (flexion past `rep_start_knee_deg`), the thigh then lifts off
the floor (hip extension), then everything lowers (flexion back under
`rep_end_knee_deg`, or most of the way back, or to a valley the next curl rises from).
The working leg is the one that curls, whatever its label. Thigh elevation is measured
against the person's own resting thigh line; the pelvis is watched through the trunk
line (hips rising relative to the shoulders).
Faults (one event per rep): partial_range, no_hip_lift, pelvis_lift.

Events: `Rep` records (records.py; peak_hip_extension_deg is -min hip_flexion, >= 0;
peak_thigh_lift_deg, the elevation above the person's own resting thigh line, is what the
faults use); summary `CurlSummary`; live `CurlCounters`; the contract: `SPEC`.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field

from posecoach.exercises.analyser import BaseAnalyser, FrameOutcome, SetOutcome
from posecoach.exercises.base import Fault, opt
from posecoach.exercises.common import (
    NAN,
    SIDES,
    SideVote,
    Window,
    angle,
    finite,
)
from posecoach.exercises.cues import CueArbiter, message_for
from posecoach.exercises.holds import excursion_bounds
from posecoach.exercises.records import LiveCounters, Rep, Summary, described
from posecoach.exercises.spec import (
    ExerciseSpec,
    Panel,
    PanelLine,
    PanelMeter,
    ProgressionMetric,
    from_summary,
    max_over_events,
)
from posecoach.exercises.thresholds import CurlHipLiftThresholds, ExerciseConfig
from posecoach.sample import PoseSample

EXERCISE_ID = "curl-hip-lift"
KNEE_METER_MAX_DEG = 140.0   # the panel's knee meter is full at this flexion
MAX_FRAME_S = 0.1            # the most time one frame stands for (10 fps and up)
FORM_FAULTS = ("partial_range", "no_hip_lift", "pelvis_lift")
_DEFAULT_REST = {"thigh": -90.0, "trunk": 90.0, "knee": 0.0}


@dataclass(frozen=True)
class ProneFrame:
    side: str | None
    knee: float
    thigh: float
    hip: float
    trunk: float
    prone: bool | None


def prone_frame(sample: PoseSample, th: CurlHipLiftThresholds) -> ProneFrame:
    """The curling leg (larger knee flexion) and whether the body lies prone."""
    knees = {s: angle(sample, f"knee_flexion_{s}") for s in SIDES}
    thighs = {s: angle(sample, f"thigh_angle_{s}") for s in SIDES}
    trunk = angle(sample, "trunk_inclination")
    ok = [s for s in SIDES if finite(knees[s])]
    side = max(ok, key=lambda s: knees[s]) if ok else None
    if side is None:
        ok_thigh = [s for s in SIDES if finite(thighs[s])]
        side_thigh = ok_thigh[0] if ok_thigh else None
    else:
        side_thigh = side
    thigh = thighs[side_thigh] if side_thigh else NAN
    hip = angle(sample, f"hip_flexion_{side_thigh}") if side_thigh else NAN
    prone: bool | None = None
    if finite(trunk):
        lying_thighs = [v for v in thighs.values() if finite(v)]
        prone = abs(trunk - 90.0) <= th.prone_trunk_tol_deg and (
            not lying_thighs or min(lying_thighs) <= th.prone_max_thigh_deg)
    return ProneFrame(side, knees[side] if side else NAN, thigh, hip, trunk, prone)


@dataclass(frozen=True)
class CurlCounters(LiveCounters):
    """Live numbers of the prone curl + hip lift."""

    reps: float = described("reps so far")
    knee_flexion_deg: float = described("the curling knee's flexion now", "knee")
    thigh_lift_deg: float = described("thigh elevation above its resting line now", "thigh lift")
    last_peak_knee_flexion_deg: float = described("highest curl of the last rep", "last curl to")
    last_peak_thigh_lift_deg: float = described("highest thigh lift of the last rep",
                                                "last thigh lift")


@dataclass(frozen=True)
class CurlSummary(Summary):
    """The curl set's metrics."""

    reps: int = described("number of reps")
    prone_share: float | None = described("share of the frames lying face down", "lying prone")
    max_knee_flexion_deg: float | None = described("the largest knee flexion seen", "deepest curl")
    best_peak_knee_flexion_deg: float | None = described("the highest curl of any rep",
                                                         "best curl")
    mean_peak_hip_extension_deg: float | None = described(
        "mean of each rep's largest hip extension", "mean hip extension")
    mean_peak_thigh_lift_deg: float | None = described(
        "mean of each rep's highest thigh lift", "mean thigh lift")
    mean_duration_s: float | None = described("mean rep duration (tempo)", "mean tempo")
    reps_with_hip_lift: int = described("reps whose thigh lifted off the floor",
                                        "reps with a hip lift")


@dataclass
class _Rep:
    start_s: float
    end_s: float = NAN
    peak_knee: float = NAN
    peak_t: float = NAN
    peak_lift: float = NAN
    peak_pelvis: float = NAN
    min_hip_flexion: float = NAN
    valley_knee: float = NAN          # the lowest knee since the peak, and when
    valley_t: float = NAN
    lowered_s: float = 0.0            # time since the peak spent down by the valley's depth
    ended_at_valley: bool = False     # the next curl began from here: the end is exact
    # (thigh lift, pelvis rise) of the frames near the top of the lift: the pelvis
    # rise at the lift is their median, not one frame's reading, so a single noisy
    # frame at the peak cannot turn a clean lift into a pelvis fault.
    top: list[tuple[float, float]] = field(default_factory=list)
    sides: SideVote = field(default_factory=SideVote)

    @property
    def pelvis_at_lift(self) -> float:
        """Median pelvis rise over the top of the lift (NaN before any measured frame)."""
        return statistics.median(p for _, p in self.top) if self.top else NAN


def _fmax(a: float, b: float) -> float:
    if not finite(b):
        return a
    return b if not finite(a) or b > a else a


class CurlHipLiftAnalyser(BaseAnalyser):
    """Analyser for the prone curl + hip lift (see module docstring)."""

    exercise_id = EXERCISE_ID
    form_faults = FORM_FAULTS

    def __init__(self, config: ExerciseConfig | None = None, *,
                 arbiter: CueArbiter | None = None) -> None:
        cfg = config or ExerciseConfig()
        # Lying down, the body's long axis is foreshortened sooner than standing: the
        # curl has its own, tighter yaw limit (bench/accuracy.py --yaw).
        super().__init__(cfg, arbiter=arbiter, settings_section="curl_hip_lift",
                         max_yaw_deg=cfg.curl_hip_lift.max_yaw_deg)
        self._th = cfg.curl_hip_lift
        self._rest = {k: Window(self._th.rest_window_s) for k in _DEFAULT_REST}
        self._rep: _Rep | None = None
        self._done: list[_Rep] = []
        self._reps: list[Rep] = []      # live records (threshold-crossing bounds)
        self._knee_t: list[float] = []
        self._knee: list[float] = []
        self._below_end_t = NAN           # last time the knee was under rep_end
        self._side = SideVote()
        self._prone_frames = 0
        self._frames = 0
        self._max_knee = NAN

    @property
    def reps(self) -> list[Rep]:
        """Reps so far, with live (threshold-crossing) bounds; result() refines them."""
        return list(self._reps)

    def _rest_value(self, key: str) -> float:
        w = self._rest[key]
        return w.median() if len(w) else _DEFAULT_REST[key]

    def _read_frame(self, sample: PoseSample, t: float, dt: float) -> FrameOutcome:
        th = self._th
        f = prone_frame(sample, th) if sample.detected else None
        judge = self._judged(sample)
        if f is not None and f.prone is not None:
            self._frames += 1
            self._prone_frames += int(f.prone)
        self._coach.conditions.flag("not_prone", t, f.prone is False if f is not None else None,
                                    on_s=th.not_prone_s)
        lift = pelvis = NAN
        if f is not None and finite(f.knee):
            self._knee_t.append(t)
            self._knee.append(f.knee)
            self._max_knee = _fmax(self._max_knee, f.knee)
            lift = self._rest_value("thigh") - f.thigh
            pelvis = f.trunk - self._rest_value("trunk")
            self._step(t, dt, f, lift, pelvis)
        good = self._form_ok(self._coach.faults.active(t))
        good_form = good if judge and self._rep is not None else (None if good else False)
        last = self._reps[-1] if self._reps else None
        counters = CurlCounters(
            reps=float(len(self._reps)),
            knee_flexion_deg=f.knee if f is not None else 0.0,
            thigh_lift_deg=lift,
            last_peak_knee_flexion_deg=(last.peak_knee_flexion_deg if last else None) or 0.0,
            last_peak_thigh_lift_deg=(last.peak_thigh_lift_deg if last else None) or 0.0)
        return FrameOutcome(good_form, counters)

    def _step(self, t: float, dt: float, f: ProneFrame, lift: float, pelvis: float) -> None:
        th = self._th
        if self._rep is None:
            if f.knee <= th.rep_end_knee_deg:
                self._below_end_t = t
                if f.prone is not False:
                    for key, value in (("thigh", f.thigh), ("trunk", f.trunk), ("knee", f.knee)):
                        self._rest[key].add(t, value)
                self._phase = "rest" if f.prone is not False else "setup"
            if f.knee >= th.rep_start_knee_deg and f.prone is not False:
                start = self._below_end_t if finite(self._below_end_t) else t
                self._rep = _Rep(start_s=start)
        if self._rep is None:
            return
        rep = self._rep
        if self._next_curl_began(rep, f.knee):
            valley_t, rep.ended_at_valley = rep.valley_t, True
            self._finish_rep(t, end_s=valley_t)
            self._below_end_t = valley_t
            rep = self._rep = _Rep(start_s=valley_t)
        rep.sides.add(f.side)
        if not finite(rep.peak_knee) or f.knee > rep.peak_knee:
            rep.peak_knee, rep.peak_t = f.knee, t
            rep.valley_knee, rep.valley_t, rep.lowered_s = NAN, NAN, 0.0
        else:
            if not (f.knee >= rep.valley_knee):
                rep.valley_knee, rep.valley_t = f.knee, t
            if rep.peak_knee - f.knee >= self._valley_depth(rep):
                rep.lowered_s += min(dt, MAX_FRAME_S)   # a tracking gap is not time seen down
        if finite(lift) and (not finite(rep.peak_lift) or lift > rep.peak_lift):
            rep.peak_lift = lift
        self._track_top(rep, lift, pelvis)
        rep.peak_pelvis = _fmax(rep.peak_pelvis, pelvis)
        if finite(f.hip) and not (f.hip >= rep.min_hip_flexion):
            rep.min_hip_flexion = f.hip
        if finite(lift) and lift >= th.lift_min_deg:
            self._phase = "lifting"
        elif f.knee < rep.peak_knee - th.lowering_deg:
            self._phase = "lowering"
        else:
            self._phase = "curling"
        if f.knee <= self._end_level(rep):
            self._finish_rep(t)
            self._below_end_t = t
            self._phase = "rest"

    def _track_top(self, rep: _Rep, lift: float, pelvis: float) -> None:
        """Keep the frames lifted at least `pelvis_top_share` of the peak so far (pruned
        as the peak grows, so the list stays as short as the top of the lift); the
        rep's pelvis rise at the lift is their median."""
        if not (finite(lift) and finite(pelvis) and finite(rep.peak_lift)):
            return
        # min(): a thigh still under its resting line (peak <= 0) keeps its peak frame.
        floor = min(rep.peak_lift, self._th.pelvis_top_share * rep.peak_lift)
        if lift >= floor:
            rep.top.append((lift, pelvis))
        if lift == rep.peak_lift:  # a new peak: frames under the new floor leave
            rep.top = [(x, p) for x, p in rep.top if x >= floor]

    def _next_curl_began(self, rep: _Rep, knee: float) -> bool:
        """The knee stayed down by the valley's depth for `rep_valley_min_s` and is back
        up from its lowest by as much: the next curl began before the knee was read as
        lowered (the model often reads a lowered knee a few tens of degrees bent), so the
        valley ends this rep and starts the next. The time down keeps a leg-label swap,
        whose crossing reads both knees half bent for a frame or two, from splitting one
        curl in two."""
        depth = self._valley_depth(rep)
        return (rep.lowered_s >= self._th.rep_valley_min_s and finite(rep.valley_knee)
                and knee - rep.valley_knee >= depth)

    def _valley_depth(self, rep: _Rep) -> float:
        """How far under its peak the knee must come, and rise again, for a valley:
        `rep_valley_share` of the rep's rise from the resting knee, at least
        `rep_valley_min_deg`."""
        th = self._th
        rise = rep.peak_knee - self._rest_value("knee")
        return max(th.rep_valley_min_deg, th.rep_valley_share * rise) if finite(rise) else float("inf")

    def _end_level(self, rep: _Rep) -> float:
        """Knee flexion under which the rep has ended: back under `rep_end_knee_deg`, or
        down by `rep_return_share` of the rep's own rise from the resting knee (never
        above where a rep starts). Relative to the rep, so a rep that lowers most of
        the way ends whether the noise of that frame reads the knee a few degrees high
        or low, instead of hinging on one fixed angle."""
        th = self._th
        rest = self._rest_value("knee")
        if not (finite(rep.peak_knee) and finite(rest)):
            return th.rep_end_knee_deg
        relative = rest + (1.0 - th.rep_return_share) * (rep.peak_knee - rest)
        return min(th.rep_start_knee_deg, max(th.rep_end_knee_deg, relative))

    def _finish_rep(self, t: float, end_s: float | None = None) -> None:
        """End the rep at `end_s` (default: now, `t`), counting it if it qualifies."""
        rep, self._rep = self._rep, None
        end = t if end_s is None else end_s
        if rep is None or not finite(rep.peak_knee) or rep.peak_knee < self._th.rep_min_peak_knee_deg \
                or end - rep.start_s < self._th.rep_min_s:
            return
        rep.end_s = end
        record = self._rep_record(rep, len(self._reps) + 1)
        if not self._keep_event(record):
            return
        self._done.append(rep)
        self._reps.append(record)
        self._side.add(rep.sides.winner(0.5))
        for code in self._rep_faults(record):
            self._event_fault(code, record.start_s or 0.0, record.end_s or 0.0, t)

    def _rep_record(self, rep: _Rep, number: int, refine: bool = False) -> Rep:
        start_s, end_s = rep.start_s, rep.end_s
        if refine:
            start_s, refined_end = excursion_bounds(self._knee_t, self._knee, start_s, rep.peak_t, end_s)
            end_s = end_s if rep.ended_at_valley else refined_end
            # Never into the neighbouring reps.
            i = self._done.index(rep) if rep in self._done else -1
            if i > 0:
                start_s = max(start_s, self._done[i - 1].end_s)
            if 0 <= i < len(self._done) - 1:
                end_s = min(end_s, self._done[i + 1].start_s)
        return Rep(
            rep=number, side=rep.sides.winner(0.5),
            start_s=opt(start_s, 3), end_s=opt(end_s, 3),
            duration_s=opt(end_s - start_s, 3), peak_t_s=opt(rep.peak_t, 3),
            peak_knee_flexion_deg=opt(rep.peak_knee, 1),
            peak_hip_extension_deg=opt(max(0.0, -rep.min_hip_flexion), 1)
            if finite(rep.min_hip_flexion) else None,
            peak_thigh_lift_deg=opt(rep.peak_lift, 1),
            peak_pelvis_rise_deg=opt(rep.peak_pelvis, 1),
            pelvis_rise_at_lift_deg=opt(rep.pelvis_at_lift, 1),
        )

    def _rep_faults(self, r: Rep, best_knee: float | None = None) -> list[str]:
        th = self._th
        # A counted rep's peak is measured (finite) by construction.
        knee = r.peak_knee_flexion_deg or 0.0
        best = best_knee if best_knee is not None else max(
            [x.peak_knee_flexion_deg or 0.0 for x in self._reps] or [knee])
        codes = []
        if knee < th.partial_min_deg or knee < th.partial_rel * best:
            codes.append("partial_range")
        lift = r.peak_thigh_lift_deg
        if lift is not None and lift < th.lift_min_deg:
            codes.append("no_hip_lift")
        pelvis = r.pelvis_rise_at_lift_deg
        if lift is not None and pelvis is not None and lift >= th.lift_min_deg \
                and pelvis >= th.pelvis_rise_deg and pelvis >= th.pelvis_share * lift:
            codes.append("pelvis_lift")
        return codes

    def _set_result(self) -> SetOutcome:
        """The set so far: rep bounds refined to when each curl began and ended, and range
        re-judged against the best rep of the whole set."""
        reps = self._screen.filter(
            [self._rep_record(rep, i + 1, refine=True) for i, rep in enumerate(self._done)])
        best = max((r.peak_knee_flexion_deg or 0.0 for r in reps), default=None)
        faults = [f for f in self._coach.faults.faults() if f.code not in FORM_FAULTS]
        faults += [Fault(code, r.start_s or 0.0, r.end_s or 0.0, message_for(code))
                   for r in reps for code in self._rep_faults(r, best)]
        faults.sort(key=lambda x: (x.start_s, x.code))
        summary = CurlSummary(
            reps=len(reps),
            prone_share=opt(self._prone_frames / self._frames, 2) if self._frames else None,
            max_knee_flexion_deg=opt(self._max_knee, 1),
            best_peak_knee_flexion_deg=best,
            mean_peak_hip_extension_deg=_mean(r.peak_hip_extension_deg for r in reps),
            mean_peak_thigh_lift_deg=_mean(r.peak_thigh_lift_deg for r in reps),
            mean_duration_s=_mean(r.duration_s for r in reps),
            reps_with_hip_lift=sum(1 for r in reps if (r.peak_thigh_lift_deg or 0.0)
                                   >= self._th.lift_min_deg),
        )
        return SetOutcome(summary, self._side.winner(), reps=reps, faults=faults)


def _mean(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None and finite(v)]
    return opt(sum(vals) / len(vals), 2) if vals else None


# ---------------------------------------------------------------- the contract
SPEC = ExerciseSpec(
    id=EXERCISE_ID, title="Prone curl + hip lift", event_noun=("rep", "reps"),
    event_type=Rep, summary_type=CurlSummary, counters_type=CurlCounters,
    analyser=CurlHipLiftAnalyser, needs_mask=False,
    panel=Panel(headline=PanelLine("reps", "reps", "{:.0f}"),
                lines=(PanelLine("last curl to", "last_peak_knee_flexion_deg", shown_after="reps"),
                       PanelLine("thigh lift", "last_peak_thigh_lift_deg", shown_after="reps")),
                meter=PanelMeter("knee_flexion_deg", KNEE_METER_MAX_DEG,
                                 marker="last_peak_knee_flexion_deg")),
    angle_series=("knee_flexion_{side}", "thigh_angle_{side}", "trunk_inclination"),
    chart_events="reps shaded blue", charts=("reps",),
    progression=(
        ProgressionMetric("curl_range_deg", "Best curl (knee bend)", "deg",
                          "the highest curl of the session",
                          from_summary("best_peak_knee_flexion_deg",
                                       from_summary("max_knee_flexion_deg",
                                                    max_over_events("reps",
                                                                    "peak_knee_flexion_deg")))),
        ProgressionMetric("hip_lift_deg", "Thigh lift", "deg",
                          "the mean thigh lift of the reps",
                          from_summary("mean_peak_thigh_lift_deg",
                                       from_summary("mean_peak_hip_extension_deg",
                                                    max_over_events("reps",
                                                                    "peak_thigh_lift_deg")))),
        ProgressionMetric("reps", "Reps", "", "the number of reps",
                          from_summary("reps", lambda r: float(len(r.get("reps") or [])) or None)),
    ),
    good_detail=lambda s: (f", knee curled to {s.max_knee_flexion_deg:.0f} degrees"
                           if s.max_knee_flexion_deg is not None else ""),
)
