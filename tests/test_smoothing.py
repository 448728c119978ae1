"""Both smoothers: the same behaviours, plus what is particular to each."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from posecoach.smoothing import OfflineConfig, OneEuroConfig, OneEuroFilter, smooth_offline

FPS = 30.0


def _signal(seconds: float = 4.0, hz: float = 0.5, amp: float = 30.0, noise: float = 3.0, seed: int = 0):
    t = np.arange(0, seconds, 1 / FPS)
    clean = amp * np.sin(2 * np.pi * hz * t)
    rng = np.random.default_rng(seed)
    return t, clean, clean + rng.normal(0, noise, len(t))


def _run_one_euro(t, y, config=OneEuroConfig()):
    f = OneEuroFilter(config)
    return np.array([f.update(ti, np.array([yi]))[0] for ti, yi in zip(t, y)])


@pytest.mark.parametrize("smoother", ["one_euro", "offline"])
def test_reduces_noise_without_losing_the_motion(smoother):
    t, clean, noisy = _signal()
    out = _run_one_euro(t, noisy) if smoother == "one_euro" else smooth_offline(t, noisy)
    settle = slice(15, None)
    # A causal filter must lag a little; the zero-phase one need not.
    gain = 0.9 if smoother == "one_euro" else 0.7
    assert np.std(out[settle] - clean[settle]) < gain * np.std(noisy[settle] - clean[settle])
    # The swing peaks survive (within a few degrees).
    assert np.max(out) > 0.85 * 30.0


@pytest.mark.parametrize("smoother", ["one_euro", "offline"])
def test_nan_in_gives_nan_out_for_long_gaps(smoother):
    t, clean, _ = _signal(noise=0.0)
    y = clean.copy()
    y[40:70] = np.nan  # a 1 s gap: the person left the frame
    out = _run_one_euro(t, y) if smoother == "one_euro" else smooth_offline(t, y)
    assert np.isnan(out[45:65]).all()
    assert np.isfinite(out[80:]).all()


def test_offline_is_zero_phase():
    t, clean, _ = _signal(noise=0.0)
    out = smooth_offline(t, clean)
    lag = np.argmax(np.correlate(out - out.mean(), clean - clean.mean(), "full")) - (len(t) - 1)
    assert lag == 0


def test_offline_interpolates_short_gaps_and_rejects_spikes():
    t, clean, _ = _signal(noise=0.0)
    y = clean.copy()
    y[30:33] = np.nan      # 0.1 s dropout
    y[60] += 80.0          # a one-frame glitch (e.g. a left/right swap)
    out = smooth_offline(t, y, OfflineConfig())
    assert np.isfinite(out[30:33]).all()
    assert abs(out[60] - clean[60]) < 3.0


def test_one_euro_lags_less_when_moving_fast():
    t = np.arange(0, 2, 1 / FPS)
    step = np.where(t > 1.0, 60.0, 0.0)
    slow = _run_one_euro(t, step, OneEuroConfig(beta=0.0))
    fast = _run_one_euro(t, step, OneEuroConfig(beta=0.05))
    i = int(1.1 * FPS)
    assert fast[i] > slow[i]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.floats(-180, 180), st.just(float("nan"))), min_size=2, max_size=60))
def test_never_crash_and_never_invent_values_everywhere_missing(values):
    t = np.arange(len(values)) / FPS
    y = np.array(values)
    out = smooth_offline(t, y)
    assert out.shape == y.shape
    live = _run_one_euro(t, y)
    assert np.isnan(live[np.isnan(y)]).all()
    if np.isnan(y).all():
        assert np.isnan(out).all()


@pytest.mark.parametrize("fps", [15.0, 30.0, 60.0])
def test_spike_rejection_spans_the_same_time_at_any_frame_rate(fps):
    # A real 0.14 s movement (a quick kick of 40 degrees) is kept at every frame rate,
    # and a one-frame glitch is dropped: the spike median's window is in seconds, so a
    # copy at half the frame rate is smoothed like the original.
    t = np.arange(0.0, 3.0, 1.0 / fps)
    y = np.where((t >= 1.5) & (t < 1.64), 40.0, 0.0)
    glitch = int(round(2.5 * fps))
    y[glitch] = 80.0
    out = smooth_offline(t, y, OfflineConfig())
    assert np.nanmax(out[(t > 1.4) & (t < 1.8)]) > 20.0
    assert abs(out[glitch]) < 5.0
