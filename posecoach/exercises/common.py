"""Building blocks shared by the analysers: NaN-safe statistics, sliding windows,
debounced fault intervals, recording conditions, a hysteresis turning-point detector
and the per-frame bookkeeping every analyser repeats (conditions -> faults -> cue)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from posecoach.exercises.base import Cue, Fault, FrameFeedback
from posecoach.exercises.records import LiveCounters
from posecoach.exercises.cues import CueArbiter, message_for
from posecoach.exercises.thresholds import CommonThresholds, CueThresholds
from posecoach.kinematics import View
from posecoach.landmarks import PoseLandmark as L
from posecoach.sample import PoseSample

SIDES = ("left", "right")
NAN = float("nan")


def finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def nanmedian(values: Iterable[float]) -> float:
    """Median of the finite values (NaN if none). Pure Python: the windows here are short,
    and this runs several times per frame."""
    vals = sorted(float(v) for v in values if finite(v))
    n = len(vals)
    if not n:
        return NAN
    mid = n // 2
    return vals[mid] if n % 2 else (vals[mid - 1] + vals[mid]) / 2.0


def robust_sd(values: Iterable[float]) -> float:
    """1.4826 x median absolute deviation of the finite values (NaN with < 3)."""
    vals = [float(v) for v in values if finite(v)]
    if len(vals) < 3:
        return NAN
    med = nanmedian(vals)
    return 1.4826 * nanmedian(abs(v - med) for v in vals)


def slope(ts: Sequence[float], vs: Sequence[float]) -> float:
    """Least-squares slope of v over t (per second); NaN with < 3 points or no spread."""
    t = np.asarray(ts, dtype=float)
    v = np.asarray(vs, dtype=float)
    ok = np.isfinite(t) & np.isfinite(v)
    if ok.sum() < 3:
        return NAN
    t, v = t[ok], v[ok]
    tc = t - t.mean()
    den = float(np.dot(tc, tc))
    return float(np.dot(tc, v - v.mean()) / den) if den > 0 else NAN


def angle(sample: PoseSample, name: str) -> float:
    try:
        value = float(sample.angle(name))
    except (KeyError, IndexError, TypeError, ValueError):
        return NAN
    return value if math.isfinite(value) else NAN


def point(sample: PoseSample, landmark: L) -> np.ndarray:
    """A landmark's pixel position, or NaN."""
    try:
        p = np.asarray(sample.xy[int(landmark)], dtype=float)
    except (IndexError, TypeError, ValueError):
        return np.full(2, np.nan)
    return p if p.shape == (2,) and np.isfinite(p).all() else np.full(2, np.nan)


def midpoint(sample: PoseSample, a: L, b: L) -> np.ndarray:
    """Midpoint of two landmarks; either one alone when the other is missing."""
    p, q = point(sample, a), point(sample, b)
    ok_p, ok_q = bool(np.isfinite(p).all()), bool(np.isfinite(q).all())
    if ok_p and ok_q:
        return (p + q) / 2.0
    return p if ok_p else q


class Window:
    """(t, value) pairs of the last `span_s` seconds (NaN values are skipped)."""

    def __init__(self, span_s: float) -> None:
        self.span_s = span_s
        self._items: deque[tuple[float, float]] = deque()

    def add(self, t_s: float, value: float) -> None:
        if finite(value):
            self._items.append((t_s, value))
        while self._items and self._items[0][0] < t_s - self.span_s:
            self._items.popleft()

    @property
    def times(self) -> list[float]:
        return [t for t, _ in self._items]

    @property
    def values(self) -> list[float]:
        return [v for _, v in self._items]

    def median(self) -> float:
        return nanmedian(self.values)

    def slope(self) -> float:
        return slope(self.times, self.values)

    def __len__(self) -> int:
        return len(self._items)


class Debounced:
    """A boolean that turns on after `on_s` of evidence and off after `off_s` without.

    Records intervals [first evidence, last evidence]. Missing evidence (None) counts
    as absent, so a fault cannot stay "active" through a long gap.
    """

    def __init__(self, on_s: float, off_s: float) -> None:
        self.on_s, self.off_s = on_s, off_s
        self.active = False
        self._first_true = NAN
        self._last_true = NAN
        self.intervals: list[tuple[float, float]] = []

    def update(self, t_s: float, evidence: bool | None, since_s: float | None = None) -> bool:
        """`since_s`: when the evidence really began, if it is only confirmed now (e.g. a
        bounce is known after a few reversals); the interval is backdated to it."""
        if evidence:
            if not finite(self._first_true):
                self._first_true = min(t_s, since_s) if since_s is not None and finite(since_s) \
                    else t_s
            self._last_true = t_s
            if not self.active and t_s - self._first_true >= self.on_s:
                self.active = True
        else:
            if self.active and t_s - self._last_true >= self.off_s:
                self._close()
            elif not self.active and finite(self._last_true) and t_s - self._last_true >= self.off_s:
                self._first_true = self._last_true = NAN
        return self.active

    def _close(self) -> None:
        self.intervals.append((self._first_true, self._last_true))
        self.active = False
        self._first_true = self._last_true = NAN

    def all_intervals(self) -> list[tuple[float, float]]:
        """Closed intervals plus the open one (if active)."""
        if self.active:
            return [*self.intervals, (self._first_true, self._last_true)]
        return list(self.intervals)


class FaultBook:
    """Continuous faults (debounced evidence) and event faults (one per swing/rep)."""

    def __init__(self, on_s: float, off_s: float) -> None:
        self._on_s, self._off_s = on_s, off_s
        self._tracks: dict[str, Debounced] = {}
        self._events: list[Fault] = []
        self._event_active: dict[str, float] = {}   # code -> until t_s

    def update(self, code: str, t_s: float, evidence: bool | None, on_s: float | None = None,
               off_s: float | None = None, since_s: float | None = None) -> bool:
        track = self._tracks.get(code)
        if track is None:
            track = self._tracks[code] = Debounced(
                self._on_s if on_s is None else on_s, self._off_s if off_s is None else off_s)
        return track.update(t_s, evidence, since_s)

    def add_event(self, code: str, start_s: float, end_s: float, show_until_s: float,
                  merge_gap_s: float | None = None) -> None:
        """A fault judged per event (swing, rep). With `merge_gap_s`, an event that starts
        within that gap of the previous one of the same code extends it (one fault over
        a run of swings rather than one per swing)."""
        if merge_gap_s is not None:
            for i in range(len(self._events) - 1, -1, -1):
                prev = self._events[i]
                if prev.code == code:
                    if start_s - prev.end_s <= merge_gap_s:
                        self._events[i] = Fault(code, min(prev.start_s, start_s),
                                                max(prev.end_s, end_s), prev.message)
                        self._event_active[code] = show_until_s
                        return
                    break
        self._events.append(Fault(code, start_s, end_s, message_for(code)))
        self._event_active[code] = show_until_s

    def active(self, t_s: float) -> tuple[str, ...]:
        codes = [c for c, tr in self._tracks.items() if tr.active]
        codes += [c for c, until in self._event_active.items() if t_s <= until and c not in codes]
        return tuple(codes)

    def faults(self) -> list[Fault]:
        out = [Fault(code, s, e, message_for(code))
               for code, tr in self._tracks.items() for s, e in tr.all_intervals()]
        out += self._events
        return sorted(out, key=lambda f: (f.start_s, f.code))


class ConditionMonitor:
    """no_person, multiple_people, body_out_of_frame, not_side_view (debounced), plus any
    condition an analyser flags itself (e.g. not_prone)."""

    def __init__(self, th: CommonThresholds, max_yaw_deg: float = math.inf) -> None:
        self._th = th
        self._max_yaw_deg = max_yaw_deg   # an exercise's own limit, beyond the view's
        self._book = FaultBook(th.condition_on_s, th.condition_off_s)

    def update(self, sample: PoseSample) -> None:
        t = sample.t_s
        detected = bool(sample.detected) and sample.num_people > 0
        self._book.update("no_person", t, not detected)
        self._book.update("multiple_people", t, detected and sample.num_people > 1)
        in_frame = float(sample.in_frame) if finite(sample.in_frame) else 1.0
        self._book.update("body_out_of_frame", t, detected and in_frame < self._th.in_frame_min)
        yaw = getattr(sample, "yaw_deg", NAN)
        turned = sample.view == View.FRONT or (finite(yaw) and yaw > self._max_yaw_deg)
        self._book.update("not_side_view", t, detected and turned)

    def flag(self, code: str, t_s: float, evidence: bool | None, on_s: float | None = None) -> None:
        self._book.update(code, t_s, evidence, on_s=on_s)

    def active(self, t_s: float) -> tuple[str, ...]:
        return self._book.active(t_s)

    def conditions(self) -> list[Fault]:
        return self._book.faults()


@dataclass(frozen=True)
class Turn:
    """A confirmed turning point: kind +1 = maximum, -1 = minimum."""

    kind: int
    t_s: float
    value: float


class Zigzag:
    """Causal turning-point detector: an extreme is confirmed once the signal has moved
    `reversal` away from it. Equivalent to peaks of prominence >= reversal, live."""

    def __init__(self, reversal: float) -> None:
        self.reversal = reversal
        self._dir = 0                       # +1 looking for a max, -1 for a min, 0 unknown
        self._hi = (NAN, -math.inf)         # (t, value) of the running max
        self._lo = (NAN, math.inf)

    @property
    def pending(self) -> Turn | None:
        """The extreme currently being tracked (not yet confirmed)."""
        if self._dir > 0:
            return Turn(+1, *self._hi)
        if self._dir < 0:
            return Turn(-1, *self._lo)
        return None

    def update(self, t_s: float, value: float) -> Turn | None:
        if not finite(value):
            return None
        if value > self._hi[1]:
            self._hi = (t_s, value)
        if value < self._lo[1]:
            self._lo = (t_s, value)
        if self._dir >= 0 and self._hi[1] - value >= self.reversal and math.isfinite(self._hi[1]):
            turn = Turn(+1, *self._hi)
            self._dir, self._lo = -1, (t_s, value)
            return turn
        if self._dir <= 0 and value - self._lo[1] >= self.reversal and math.isfinite(self._lo[1]):
            turn = Turn(-1, *self._lo)
            self._dir, self._hi = +1, (t_s, value)
            return turn
        return None


class SideVote:
    """Majority vote over frames for a label such as the working side."""

    def __init__(self) -> None:
        self._votes: dict[str, float] = {}

    def add(self, label: str | None, weight: float = 1.0) -> None:
        if label:
            self._votes[label] = self._votes.get(label, 0.0) + weight

    @property
    def total(self) -> float:
        return float(sum(self._votes.values()))

    @property
    def votes(self) -> dict[str, float]:
        return dict(self._votes)

    def winner(self, min_share: float = 0.6) -> str | None:
        total = sum(self._votes.values())
        if not total:
            return None
        label, count = max(self._votes.items(), key=lambda kv: kv[1])
        return label if count / total >= min_share else None


class Coach:
    """Per-frame bookkeeping shared by every analyser: conditions, faults, one cue."""

    def __init__(self, common: CommonThresholds, cues: CueThresholds,
                 arbiter: CueArbiter | None = None, max_yaw_deg: float = math.inf) -> None:
        self.conditions = ConditionMonitor(common, max_yaw_deg)
        self.faults = FaultBook(common.fault_on_s, common.fault_off_s)
        self.arbiter = arbiter if arbiter is not None else CueArbiter(cues)
        self.last_t = NAN
        self._cues: list[Cue] = []

    def begin(self, sample: PoseSample) -> float:
        """Start a frame: returns the time since the previous frame (>= 0). The frame's
        time is `last_t` (never decreasing, whatever the input clock does)."""
        t = float(sample.t_s) if finite(sample.t_s) else (self.last_t if finite(self.last_t) else 0.0)
        dt = max(0.0, t - self.last_t) if finite(self.last_t) else 0.0
        self.last_t = max(t, self.last_t) if finite(self.last_t) else t
        self.conditions.update(sample)
        return dt

    def finish(self, phase: str, good_form: bool | None, counters: LiveCounters,
               extra_cues: Sequence[str] = ()) -> FrameFeedback:
        t_s = self.last_t
        conditions = self.conditions.active(t_s)
        faults = self.faults.active(t_s)
        text, new = self.arbiter.update(t_s, [*conditions, *faults, *extra_cues])
        if new and self.arbiter.last is not None:
            self._cues.append(self.arbiter.last)
        return FrameFeedback(t_s=t_s, phase=phase, cue=text, good_form=good_form,
                             counters=counters.cleaned(), active_faults=faults,
                             active_conditions=conditions, cue_is_new=new)

    def cue_history(self) -> list[Cue]:
        """The cues this analyser's frames showed (not other users of a shared arbiter)."""
        return list(self._cues)
