"""Where a held position really starts and ends, from the movements around it.

People move into and out of a position along smooth, roughly minimum-jerk paths
(Flash & Hogan 1985): the speed falls to zero only asymptotically, so any "within a band
of the held value" or "speed below a threshold" rule starts the hold early and ends it
late, by more the smoother the movement. Instead we time the movement itself: the
times it crosses 25 %, 50 % and 75 % of its excursion give its duration T (for a
minimum-jerk path the 25-75 % part takes 0.2811 T; a half-cosine path, 0.333 T) and its
midpoint, so the movement ends at t50 + T / 2. Level crossings need no
derivative, so jitter of a few degrees hardly moves them.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

MIN_JERK_25_75 = 0.2811   # share of a minimum-jerk movement spent between 25 % and 75 %
MIN_EXCURSION_DEG = 10.0  # smaller movements are not timed this way


def _crossing(t: np.ndarray, v: np.ndarray, level: float) -> float | None:
    """First time the series crosses `level` (linear interpolation); None if never."""
    d = v - level
    for i in range(len(d) - 1):
        if d[i] == 0:
            return float(t[i])
        if d[i] * d[i + 1] < 0:
            w = d[i] / (d[i] - d[i + 1])
            return float(t[i] + w * (t[i + 1] - t[i]))
    return None


def movement_timing(t: np.ndarray, v: np.ndarray, level: float) -> tuple[float, float] | None:
    """(midpoint time, duration) of the movement from v[0] toward `level`, or None.

    `t`, `v` run from the far point of the movement to the held level (`t` may run
    backwards, for a movement timed from its end).
    """
    ok = np.isfinite(v) & np.isfinite(t)
    t, v = t[ok], v[ok]
    if len(v) < 4:
        return None
    delta = level - v[0]
    if abs(delta) < MIN_EXCURSION_DEG:
        return None
    c25, c50, c75 = (_crossing(t, v, v[0] + q * delta) for q in (0.25, 0.5, 0.75))
    if c25 is None or c50 is None or c75 is None:
        return None
    if not (c25 <= c50 <= c75 or c25 >= c50 >= c75):
        return None
    return c50, abs(c75 - c25) / MIN_JERK_25_75


def refine_hold(ts: Sequence[float], vs: Sequence[float], start_s: float, end_s: float,
                level: float, search_s: float = 4.0,
                max_shift_s: float = 0.6) -> tuple[float, float]:
    """Better (start, end) of a hold found by a band rule at [start_s, end_s].

    The approach is the stretch before `start_s` from the point farthest from `level`
    (within `search_s`); the departure the stretch after `end_s` to the farthest point.
    A bound only moves inward (the band rule errs outward), by at most `max_shift_s`.
    """
    t = np.asarray(ts, dtype=float)
    v = np.asarray(vs, dtype=float)
    new_start, new_end = start_s, end_s
    i_s = bisect.bisect_right(t, start_s) - 1
    i0 = bisect.bisect_left(t, start_s - search_s)
    if i_s > i0:
        far = i0 + int(np.nanargmax(np.abs(v[i0:i_s + 1] - level)))
        timing = movement_timing(t[far:i_s + 1], v[far:i_s + 1], level) if far < i_s else None
        if timing is not None and start_s <= timing[0] + timing[1] / 2 <= start_s + max_shift_s:
            new_start = timing[0] + timing[1] / 2
    i_e = bisect.bisect_left(t, end_s)
    i1 = bisect.bisect_right(t, end_s + search_s)
    if i1 - 1 > i_e:
        far = i_e + int(np.nanargmax(np.abs(v[i_e:i1] - level)))
        if far > i_e:
            seg_t, seg_v = t[i_e:far + 1][::-1], v[i_e:far + 1][::-1]
            timing = movement_timing(seg_t, seg_v, level)
            if timing is not None and end_s - max_shift_s <= timing[0] - timing[1] / 2 <= end_s:
                new_end = timing[0] - timing[1] / 2
    if new_end - new_start <= 0:
        return start_s, end_s
    return new_start, new_end


def excursion_bounds(ts: Sequence[float], vs: Sequence[float], start_s: float, peak_s: float,
                     end_s: float, search_s: float = 3.0,
                     max_shift_s: float = 0.8) -> tuple[float, float]:
    """Better (start, end) of an excursion (e.g. a curl: rest -> peak -> rest) found by
    threshold crossings at [start_s, end_s]: when the rise toward the peak began and the
    fall from it ended, timed as minimum-jerk movements. A bound only moves outward
    (threshold crossings err inward), by at most `max_shift_s`, and never past the first
    or last sample: an excursion is not timed from before the clip began."""
    t = np.asarray(ts, dtype=float)
    v = np.asarray(vs, dtype=float)
    if not len(t):
        return start_s, end_s
    i_p = min(bisect.bisect_left(t, peak_s), len(t) - 1)
    if not np.isfinite(v[i_p]):
        return start_s, end_s
    new_start, new_end = start_s, end_s
    i0 = bisect.bisect_left(t, start_s - search_s)
    if i_p > i0:
        far = i0 + int(np.nanargmax(np.abs(v[i0:i_p + 1] - v[i_p])))
        timing = movement_timing(t[far:i_p + 1], v[far:i_p + 1], float(v[i_p]))
        if timing is not None and start_s - max_shift_s <= timing[0] - timing[1] / 2 <= start_s:
            new_start = timing[0] - timing[1] / 2
    i1 = bisect.bisect_right(t, end_s + search_s)
    if i1 - 1 > i_p:
        far = i_p + int(np.nanargmax(np.abs(v[i_p:i1] - v[i_p])))
        if far > i_p:
            timing = movement_timing(t[i_p:far + 1], v[i_p:far + 1], float(v[far]))
            if timing is not None and end_s <= timing[0] + timing[1] / 2 <= end_s + max_shift_s:
                new_end = timing[0] + timing[1] / 2
    return max(new_start, min(start_s, float(t[0]))), min(new_end, max(end_s, float(t[-1])))
