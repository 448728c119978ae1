"""Smoothing of angle/landmark time series.

Two filters behind one written interface:
- `OneEuroFilter` (Casiez et al., CHI 2012): causal, adaptive low-pass for live use; little
  lag when moving fast, strong smoothing when still, so numbers do not jitter on screen.
- `smooth_offline`: zero-phase Butterworth (scipy `filtfilt`) over a whole clip, after
  spike rejection and interpolation of short gaps; long gaps stay NaN.
Both are NaN-aware: missing data is never turned into a made-up value beyond `max_gap_s`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import butter, filtfilt


class CausalSmoother(Protocol):
    """Frame-by-frame smoother: one verb."""

    def update(self, t_s: float, values: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class OneEuroConfig:
    min_cutoff_hz: float = 1.0   # smoothing when still (lower = smoother)
    beta: float = 0.1            # speed coefficient (higher = less lag when moving)
    d_cutoff_hz: float = 1.0     # cutoff for the derivative estimate
    max_gap_s: float = 0.5       # after a longer gap the filter restarts


def _alpha(cutoff_hz: np.ndarray | float, dt: float) -> np.ndarray | float:
    tau = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau / dt)


class OneEuroFilter:
    """Vector One-Euro filter; each element filtered independently; NaN in -> NaN out."""

    def __init__(self, config: OneEuroConfig = OneEuroConfig()) -> None:
        self._config = config
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
        self._last_seen: np.ndarray | None = None
        self._t: float | None = None

    def reset(self) -> None:
        self._x = self._dx = self._last_seen = None
        self._t = None

    def update(self, t_s: float, values: np.ndarray) -> np.ndarray:
        values = np.asarray(values, dtype=np.float64)
        cfg = self._config
        if self._x is None or self._t is None or t_s <= self._t:
            self._x = values.copy()
            self._dx = np.zeros_like(values)
            self._last_seen = np.where(np.isfinite(values), t_s, -np.inf)
            self._t = t_s
            return values.copy()
        dt = t_s - self._t
        self._t = t_s
        assert self._dx is not None and self._last_seen is not None   # set with _x
        finite = np.isfinite(values)
        stale = ~np.isfinite(self._x) | (t_s - self._last_seen > cfg.max_gap_s)
        restart = finite & stale
        update = finite & ~stale
        out = np.full_like(values, np.nan)
        out[restart] = values[restart]
        self._x[restart] = values[restart]
        self._dx[restart] = 0.0
        if update.any():
            dx = (values[update] - self._x[update]) / dt
            a_d = _alpha(cfg.d_cutoff_hz, dt)
            dx_hat = a_d * dx + (1 - a_d) * self._dx[update]
            cutoff = cfg.min_cutoff_hz + cfg.beta * np.abs(dx_hat)
            a = _alpha(cutoff, dt)
            x_hat = a * values[update] + (1 - a) * self._x[update]
            self._x[update] = x_hat
            self._dx[update] = dx_hat
            out[update] = x_hat
        self._last_seen[finite] = t_s
        return out


@dataclass(frozen=True)
class OfflineConfig:
    cutoff_hz: float = 6.0        # human limb motion is below ~6 Hz (Winter, Biomechanics)
    order: int = 2                # filtfilt doubles it: 4th-order zero-phase response
    max_gap_s: float = 0.25       # gaps up to this are interpolated
    # Median window for spike detection, in seconds (5 frames at 30 fps): a window in
    # frames would span twice the time at half the frame rate and reject different spikes.
    spike_window_s: float = 0.17
    spike_threshold: float = 25.0 # deviation from the running median that counts as a spike


def _interpolate_gaps(t: np.ndarray, y: np.ndarray, max_gap_s: float) -> np.ndarray:
    finite = np.isfinite(y)
    if finite.sum() < 2:
        return y.copy()
    filled = np.interp(t, t[finite], y[finite])
    out = y.copy()
    idx = np.flatnonzero(finite)
    for a, b in zip(idx[:-1], idx[1:]):
        if b - a > 1 and t[b] - t[a] <= max_gap_s:
            out[a + 1:b] = filled[a + 1:b]
    return out


def spike_window_frames(window_s: float, fs: float) -> int:
    """The spike median's window in frames at `fs` frames per second: odd, at least 3."""
    n = max(3, int(round(window_s * fs)))
    return n if n % 2 else n + 1


def _reject_spikes(y: np.ndarray, window: int, threshold: float) -> np.ndarray:
    finite = np.isfinite(y)
    if finite.sum() < window:
        return y.copy()
    filled = np.interp(np.arange(len(y)), np.flatnonzero(finite), y[finite])
    med = median_filter(filled, size=window, mode="nearest")
    out = y.copy()
    out[finite & (np.abs(y - med) > threshold)] = np.nan
    return out


def smooth_offline(t_s: np.ndarray, values: np.ndarray,
                   config: OfflineConfig = OfflineConfig()) -> np.ndarray:
    """Zero-phase smoothing of each column of `values` (N, K) sampled at times `t_s` (N,)."""
    t = np.asarray(t_s, dtype=np.float64)
    data = np.asarray(values, dtype=np.float64)
    squeeze = data.ndim == 1
    if squeeze:
        data = data[:, None]
    out = np.full_like(data, np.nan)
    if len(t) < 2:
        out[:] = data
        return out[:, 0] if squeeze else out
    dt = float(np.median(np.diff(t)))
    fs = 1.0 / dt if dt > 0 else 30.0
    wn = min(config.cutoff_hz / (fs / 2.0), 0.99)
    b, a = butter(config.order, wn)
    padlen = 3 * max(len(a), len(b))
    window = spike_window_frames(config.spike_window_s, fs)
    for k in range(data.shape[1]):
        y = _reject_spikes(data[:, k], window, config.spike_threshold)
        y = _interpolate_gaps(t, y, config.max_gap_s)
        finite = np.isfinite(y)
        # Filter each contiguous run of data on its own; too-short runs are kept raw.
        edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(int), [0]))))
        for start, stop in zip(edges[::2], edges[1::2]):
            seg = y[start:stop]
            out[start:stop, k] = filtfilt(b, a, seg) if len(seg) > padlen else seg
    return out[:, 0] if squeeze else out
