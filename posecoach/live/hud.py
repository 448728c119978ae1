"""Live-only extras drawn on top of the shared `Annotator` overlay: FPS and latency,
framing guidance, the countdown, and a paused / key-help line. RGB frames, in place.

`LiveStats` measures display FPS over a sliding window and capture-to-overlay latency.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_DUPLEX
AA = cv2.LINE_AA
KEYS_HELP = "q quit  space pause  r reset  s switch side  m mirror"


@dataclass(frozen=True)
class HudStyle:
    text: tuple[int, int, int] = (255, 255, 255)
    shadow: tuple[int, int, int] = (0, 0, 0)
    guide: tuple[int, int, int] = (255, 200, 40)
    countdown: tuple[int, int, int] = (80, 170, 255)
    paused: tuple[int, int, int] = (230, 60, 50)


class LiveStats:
    """FPS over the last `window_s` seconds and every frame's latency (ms)."""

    def __init__(self, window_s: float = 1.0) -> None:
        self._window_s = window_s
        self._times: deque[float] = deque()
        self.latencies_ms: list[float] = []

    def tick(self, captured_at: float, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._times.append(now)
        while self._times and now - self._times[0] > self._window_s:
            self._times.popleft()
        self.latencies_ms.append((now - captured_at) * 1000.0)

    @property
    def fps(self) -> float:
        if len(self._times) < 2:
            return 0.0
        span = self._times[-1] - self._times[0]
        return (len(self._times) - 1) / span if span > 0 else 0.0

    @property
    def last_latency_ms(self) -> float:
        return self.latencies_ms[-1] if self.latencies_ms else float("nan")

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.latencies_ms, q)) if self.latencies_ms else float("nan")


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: tuple[int, int, int],
          thickness: int, style: HudStyle) -> None:
    # Shadow offset rather than thicker: OpenCV 5's fonts get wider with thickness.
    off = max(1, thickness // 2 + 1)
    cv2.putText(img, text, (org[0] + off, org[1] + off), FONT, scale, style.shadow, thickness, AA)
    cv2.putText(img, text, org, FONT, scale, colour, thickness, AA)


def _centred(img: np.ndarray, text: str, y: int, scale: float, colour: tuple[int, int, int],
             thickness: int, style: HudStyle) -> None:
    """Text centred on a dimmed box, so it reads on any background."""
    (w, h), base = cv2.getTextSize(text, FONT, scale, thickness)
    x = max(4, (img.shape[1] - w) // 2)
    pad = max(4, h // 3)
    y0, y1 = max(0, y - h - pad), min(img.shape[0], y + base + pad)
    x0, x1 = max(0, x - pad), min(img.shape[1], x + w + pad)
    if y1 > y0 and x1 > x0:
        region = img[y0:y1, x0:x1]
        region[:] = (region * 0.45).astype(np.uint8)
    _text(img, text, (x, y), scale, colour, thickness, style)


def draw_hud(img: np.ndarray, fps: float, latency_ms: float, *, guidance: str | None = None,
             countdown_s: float | None = None, paused: bool = False, mirrored: bool = False,
             style: HudStyle = HudStyle()) -> np.ndarray:
    """Draw the live extras on `img` (HxWx3 uint8, in place) and return it."""
    h, w = img.shape[:2]
    s = h / 720.0
    small = max(0.4, 0.55 * s)
    thin = max(1, round(1.5 * s))
    status = f"{fps:4.1f} fps  {latency_ms:4.0f} ms" if np.isfinite(latency_ms) else f"{fps:4.1f} fps"
    if mirrored:
        status += "  mirror"
    # One line just above the Annotator's cue banner (bottom) and clear of its panel (top left).
    y = h - max(36, round(86 * s)) - round(24 * s)
    (tw, _), _ = cv2.getTextSize(status, FONT, small, thin)
    margin = round(12 * s)
    _text(img, status, (w - tw - margin, y), small, style.text, thin, style)
    (hw, _), _ = cv2.getTextSize(KEYS_HELP, FONT, small * 0.8, thin)
    if hw + tw + 4 * margin <= w:
        _text(img, KEYS_HELP, (margin, y), small * 0.8, style.text, thin, style)
    if guidance:
        _centred(img, guidance, round(h * 0.45), max(0.6, 1.0 * s), style.guide, max(2, round(2 * s)), style)
    if countdown_s is not None:
        number = str(max(1, int(np.ceil(countdown_s))))
        _centred(img, number, round(h * 0.55), 4.0 * s, style.countdown, max(3, round(8 * s)), style)
        _centred(img, "Get ready", round(h * 0.68), max(0.6, 1.0 * s), style.countdown, max(2, round(2 * s)),
                 style)
    if paused:
        _centred(img, "PAUSED - press space", round(h * 0.5), max(0.7, 1.4 * s), style.paused,
                 max(2, round(3 * s)), style)
    return img
