"""The coaching overlay of one frame, drawn with OpenCV in place.

`Annotator(style).annotate(rgb, sample, feedback, exercise) -> rgb` is shared by the
offline annotated video and the live view, so it knows nothing about files or video.
It draws on the given frame (no full-frame copy or blend: only the small panel and
banner regions are alpha-blended) and keeps one piece of state, the sizes of the last
events, for the panel's bars. Colours are RGB, like the frames.

What is drawn: the skeleton (near side thick and coloured, far side thin and grey),
the trunk line with a vertical reference, angle arcs with their values at the near hip
and knee, a counters panel (what it shows is the exercise spec's `Panel`: e.g. the hold
timer, the swing count with arc bars, the rep count and range), the phase, and the cue
of the moment in a banner. The colour says the state:
green = good form, orange = fix your form, red = recording problem (can't judge),
blue = not judged right now.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.exercises import find_spec
from posecoach.exercises.base import FrameFeedback
from posecoach.exercises.spec import Panel, PanelLine
from posecoach.kinematics import near_side
from posecoach.landmarks import POSE_CONNECTIONS
from posecoach.landmarks import PoseLandmark as L
from posecoach.sample import PoseSample

Colour = tuple[int, int, int]  # RGB
FONT = cv2.FONT_HERSHEY_DUPLEX
AA = cv2.LINE_AA

_HEAD = frozenset({L.NOSE, L.LEFT_EYE, L.RIGHT_EYE, L.LEFT_EAR, L.RIGHT_EAR})


def _side_of(landmark: L) -> str:
    if landmark in _HEAD:
        return "head"
    return "left" if landmark.name.startswith("LEFT_") else "right"


def _edges_by_group() -> dict[str, np.ndarray]:
    """Connections split into left / right / across (shoulder and hip lines) / head."""
    groups: dict[str, list[tuple[int, int]]] = {"left": [], "right": [], "across": [], "head": []}
    for a, b in POSE_CONNECTIONS:
        sa, sb = _side_of(a), _side_of(b)
        group = sa if sa == sb else ("head" if "head" in (sa, sb) else "across")
        groups[group].append((int(a), int(b)))
    return {k: np.array(v, dtype=np.intp).reshape(-1, 2) for k, v in groups.items()}


_EDGES = _edges_by_group()
def panel_heading(exercise: str, phase: str) -> str:
    """The panel's first line: the exercise's title (the runner never sees its id) and phase."""
    spec = find_spec(exercise)
    return f"{spec.title if spec is not None else exercise} | {phase}"


_JOINTS = {side: tuple(int(getattr(L, f"{side.upper()}_{part}"))
                       for part in ("SHOULDER", "HIP", "KNEE", "ANKLE", "HEEL", "FOOT_INDEX"))
           for side in ("left", "right")}


@dataclass(frozen=True)
class AnnotatorStyle:
    """Look of the overlay. Sizes are for a 720-px-high frame and scale with the frame."""

    good: Colour = (40, 200, 90)
    fix: Colour = (255, 140, 0)
    stop: Colour = (230, 60, 50)
    neutral: Colour = (80, 170, 255)
    far_side: Colour = (170, 170, 170)
    text: Colour = (255, 255, 255)
    shadow: Colour = (0, 0, 0)
    panel: Colour = (15, 15, 20)
    panel_alpha: float = 0.72       # opacity of the counters panel background
    line_px: float = 4.0            # near-side skeleton line width
    joint_px: float = 6.0           # near-side joint radius
    font_scale: float = 0.7         # small text; big numbers and the banner are multiples
    max_swing_bars: int = 8         # swings shown as bars in the counters panel
    show_far_side: bool = True
    show_angles: bool = True
    scale: float | None = None      # None: from the frame size (1.0 for 1280x720)


def _finite(p: np.ndarray) -> bool:
    return bool(np.isfinite(p).all())


def _pt(p: np.ndarray) -> tuple[int, int]:
    return round(float(p[0])), round(float(p[1]))


def _mid(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    p, q = np.asarray(xy[a], dtype=float), np.asarray(xy[b], dtype=float)
    if _finite(p) and _finite(q):
        return np.asarray((p + q) / 2.0)
    return p if _finite(p) else q


def _counter(counters: Mapping[str, float], name: str) -> float | None:
    """The counter `name` if present and finite."""
    value = counters.get(name)
    if value is not None and math.isfinite(float(value)):
        return float(value)
    return None


@dataclass(frozen=True)
class PanelContent:
    """What the counters panel shows on one frame."""

    headline: tuple[str, str]                  # (title, big value)
    lines: tuple[tuple[str, str], ...] = ()    # (label, value)
    meter: tuple[float, float | None] | None = None   # (fill, marker) fractions
    meter_good: bool = False                   # green fill (else neutral blue)


def _panel_line(line: PanelLine, c: Mapping[str, float]) -> tuple[str, str] | None:
    if line.shown_after is not None and not (_counter(c, line.shown_after) or 0.0) > 0:
        return None
    value = _counter(c, line.counter)
    return None if value is None else (line.label, line.fmt.format(value))


def panel_content(panel: Panel, counters: Mapping[str, float]) -> PanelContent:
    """The panel of an exercise (its spec's `Panel`) filled in with one frame's counters."""
    head = _panel_line(panel.headline, counters) or (panel.headline.label,
                                                     panel.headline.fmt.format(0.0))
    lines = tuple(ln for ln in (_panel_line(p, counters) for p in panel.lines) if ln is not None)
    meter = None
    if panel.meter is not None:
        m = panel.meter
        value = _counter(counters, m.value)
        full = _counter(counters, m.full) if isinstance(m.full, str) else float(m.full)
        if value is not None and full is not None and full > 0:
            mark = _counter(counters, m.marker) if m.marker else None
            meter = (float(np.clip(value / full, 0.0, 1.0)),
                     float(np.clip(mark / full, 0.0, 1.0)) if mark else None)
    return PanelContent(head, lines, meter, panel.meter.good if panel.meter else False)


class Annotator:
    """Draws the coaching overlay (see module docstring). One verb: `annotate`."""

    def __init__(self, style: AnnotatorStyle = AnnotatorStyle()) -> None:
        self._style = style
        self._amplitudes: deque[float] = deque(maxlen=max(1, style.max_swing_bars))
        self._swings_seen = 0

    @property
    def style(self) -> AnnotatorStyle:
        return self._style

    @property
    def swing_amplitudes(self) -> tuple[float, ...]:
        """Amplitudes (degrees) of the last swings shown as bars, oldest first."""
        return tuple(self._amplitudes)

    def reset(self) -> None:
        """Forget the swing history (a new clip or a new live set)."""
        self._amplitudes.clear()
        self._swings_seen = 0

    def scale_for(self, height: int, width: int) -> float:
        """Size factor of the overlay on a frame (1.0 for 1280x720; portrait by width)."""
        return self._style.scale or min(height, 1.35 * width) / 720.0

    def banner_box(self, height: int, width: int) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the cue banner on such a frame, for callers (the live HUD)
        that place their own text clear of it."""
        s = self.scale_for(height, width)
        band, margin = max(36, round(86 * s)), round(14 * s)
        return margin, height - band - margin, width - margin, height - margin

    def state_colour(self, feedback: FrameFeedback | None) -> Colour:
        colour: Colour = getattr(self._style, form_state(feedback))
        return colour

    def track(self, feedback: FrameFeedback | None, exercise: str) -> tuple[PanelContent, tuple[float, ...]]:
        """The counters panel of this frame and the bars (swing history) it shows, for an
        overlay drawn elsewhere (the web live page). Call it instead of `annotate`, once a frame."""
        spec = find_spec(exercise)
        if feedback is not None and spec is not None and spec.panel.bars is not None:
            self._track_bars(feedback.counters, spec.panel.bars.count, spec.panel.bars.value)
        return self.panel(feedback, exercise), self.swing_amplitudes

    def annotate(self, rgb: np.ndarray, sample: PoseSample | None, feedback: FrameFeedback | None,
                 exercise: str) -> np.ndarray:
        """Draw on `rgb` (HxWx3 uint8, modified in place) and return it."""
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"annotate: expected an HxWx3 uint8 image, got {rgb.shape} {rgb.dtype}")
        s = self.scale_for(rgb.shape[0], rgb.shape[1])
        colour = self.state_colour(feedback)
        spec = find_spec(exercise)
        if feedback is not None and spec is not None and spec.panel.bars is not None:
            self._track_bars(feedback.counters, spec.panel.bars.count, spec.panel.bars.value)
        if sample is not None and sample.detected:
            side = near_side(sample.facing) or _best_side(sample.xy)
            self._draw_skeleton(rgb, sample.xy, side, colour, s)
            if self._style.show_angles and side is not None:
                self._draw_trunk(rgb, sample, s)
                self._draw_joint_angles(rgb, sample, side, colour, s)
        self._draw_panel(rgb, feedback, exercise, sample, colour, s)
        if feedback is not None and feedback.cue:
            self._draw_banner(rgb, feedback.cue, colour, s)
        return rgb

    # ------------------------------------------------------------ state
    def _track_bars(self, counters: Mapping[str, float], count_name: str, value_name: str) -> None:
        count = _counter(counters, count_name)
        if count is None:
            return
        if count < self._swings_seen:  # a new set (or a restarted analyser)
            self.reset()
        if count > self._swings_seen:
            amp = _counter(counters, value_name)
            if amp is not None:
                self._amplitudes.append(amp)
            self._swings_seen = int(count)

    # ------------------------------------------------------------ skeleton
    def _draw_skeleton(self, img: np.ndarray, xy: np.ndarray, side: str | None, colour: Colour,
                       s: float) -> None:
        st = self._style
        thick = max(2, round(st.line_px * s))
        thin = max(1, round(thick / 2))
        far = {"left": "right", "right": "left"}.get(side or "", "")
        if st.show_far_side:
            for group in ("left", "right") if side is None else (far,):
                _polyline_edges(img, xy, _EDGES[group], st.far_side, thin)
        _polyline_edges(img, xy, _EDGES["across"], st.far_side, thin)
        _polyline_edges(img, xy, _EDGES["head"], st.far_side, thin)
        if side is not None:
            _polyline_edges(img, xy, _EDGES[side], colour, thick)
            r = max(3, round(st.joint_px * s))
            for i in _JOINTS[side]:
                if _finite(xy[i]):
                    c = _pt(xy[i])
                    cv2.circle(img, c, r, st.text, -1, AA)
                    cv2.circle(img, c, r, colour, max(1, r // 3), AA)

    def _draw_trunk(self, img: np.ndarray, sample: PoseSample, s: float) -> None:
        xy = sample.xy
        hip, shoulder = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP), _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        if not (_finite(hip) and _finite(shoulder)):
            return
        st = self._style
        axis = shoulder - hip
        length = float(np.hypot(*axis))
        if length < 4:
            return
        w = max(1, round(2 * s))
        cv2.line(img, _pt(hip), _pt(hip + axis * 1.15), st.text, w, AA)
        _dashed_line(img, hip, hip + np.array([0.0, -length * 0.9]), st.far_side, max(1, w - 1), 10 * s)
        value = sample.angle("trunk_inclination")
        if math.isfinite(value):
            r = min(0.45 * length, 70 * s)
            up = np.array([0.0, -1.0])
            self._arc(img, hip, up, axis / length, r, st.text, max(1, w - 1))
            label = hip + axis * 1.15 + np.array([8 * s, -6 * s])
            self._label(img, f"trunk {abs(value):.0f}", label, st.text, s)

    def _draw_joint_angles(self, img: np.ndarray, sample: PoseSample, side: str, colour: Colour,
                           s: float) -> None:
        xy = sample.xy
        up = side.upper()
        hip, knee, ankle = (xy[getattr(L, f"{up}_{part}")] for part in ("HIP", "KNEE", "ANKLE"))
        shoulder = _mid(xy, L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
        mid_hip = _mid(xy, L.LEFT_HIP, L.RIGHT_HIP)
        w = max(2, round(2.5 * s))
        if _finite(hip) and _finite(knee):
            thigh = knee - hip
            thigh_len = float(np.hypot(*thigh))
            hip_val = sample.angle(f"hip_flexion_{side}")
            if _finite(shoulder) and _finite(mid_hip) and thigh_len > 4 and math.isfinite(hip_val):
                trunk_down = mid_hip - shoulder
                r = float(np.clip(0.35 * thigh_len, 14 * s, 60 * s))
                self._arc(img, hip, trunk_down, thigh, r, colour, w)
                self._angle_label(img, hip, trunk_down, thigh, r, f"hip {hip_val:.0f}", s)
            knee_val = sample.angle(f"knee_flexion_{side}")
            if _finite(ankle) and thigh_len > 4 and math.isfinite(knee_val):
                shank = ankle - knee
                r = float(np.clip(0.3 * thigh_len, 14 * s, 50 * s))
                _dashed_line(img, knee, knee + thigh / thigh_len * r * 1.4, self._style.far_side,
                             max(1, w - 1), 6 * s)
                self._arc(img, knee, thigh, shank, r, colour, w)
                self._angle_label(img, knee, thigh, shank, r, f"knee {knee_val:.0f}", s)

    def _arc(self, img: np.ndarray, centre: np.ndarray, ref: np.ndarray, vec: np.ndarray, r: float,
             colour: Colour, width: int) -> None:
        """Arc at `centre` from direction `ref` to `vec` the short way round."""
        a1 = math.degrees(math.atan2(float(ref[1]), float(ref[0])))
        a2 = math.degrees(math.atan2(float(vec[1]), float(vec[0])))
        d = (a2 - a1 + 180.0) % 360.0 - 180.0
        start, end = (a1, a1 + d) if d >= 0 else (a1 + d, a1)
        rr = max(2, round(r))
        cv2.ellipse(img, _pt(centre), (rr, rr), 0.0, start, end, colour, width, AA)

    def _angle_label(self, img: np.ndarray, centre: np.ndarray, ref: np.ndarray, vec: np.ndarray,
                     r: float, text: str, s: float) -> None:
        u = ref / (np.hypot(*ref) or 1.0) + vec / (np.hypot(*vec) or 1.0)
        n = float(np.hypot(*u))
        # Straight (180 degrees): put the label perpendicular to the line.
        direction = u / n if n > 1e-3 else np.array([-ref[1], ref[0]]) / (np.hypot(*ref) or 1.0)
        pos = centre + direction * (r + 12 * s)
        (tw, th), _ = cv2.getTextSize(text, FONT, self._style.font_scale * s, 1)
        if direction[0] < 0:
            pos = pos - np.array([tw + 8 * s, 0.0])
        self._label(img, text, pos + np.array([0.0, th / 2]), self._style.text, s)

    def _label(self, img: np.ndarray, text: str, origin: np.ndarray, colour: Colour, s: float,
               scale: float = 1.0) -> None:
        """Outlined text followed by a degree ring (Hershey fonts have no degree sign)."""
        fs = self._style.font_scale * s * scale
        w = max(1, round(1.5 * s * scale))
        (tw, th), _ = cv2.getTextSize(text, FONT, fs, w)
        rr = max(2, round(th * 0.18))
        x, y = _pt(origin)
        x = min(max(2, x), img.shape[1] - tw - 2 * rr - 6)  # keep label and ring in the frame
        y = min(max(th + 4, y), img.shape[0] - 4)
        _text(img, text, (x, y), fs, colour, self._style.shadow, w)
        cv2.circle(img, (x + tw + rr + 2, y - th + rr), rr, self._style.shadow, w + 2, AA)
        cv2.circle(img, (x + tw + rr + 2, y - th + rr), rr, colour, w, AA)

    # ------------------------------------------------------------ panel and banner
    def _draw_panel(self, img: np.ndarray, feedback: FrameFeedback | None, exercise: str,
                    sample: PoseSample | None, colour: Colour, s: float) -> None:
        st = self._style
        fs = st.font_scale * s
        pad = round(12 * s)
        line = round(30 * s)
        width = min(img.shape[1] - 2 * pad, round(290 * s))
        content = self.panel(feedback, exercise)
        lines = [content.headline, *content.lines]
        spec = find_spec(exercise)
        bars = list(self._amplitudes) if spec is not None and spec.panel.bars is not None else []
        meter = content.meter if feedback is not None else None
        height = pad + round(line * 0.9) + round(line * 1.7) + line * (len(lines) - 1) + pad
        if bars:
            height += round(46 * s)
        if meter is not None:
            height += round(16 * s)
        x0, y0 = pad, pad
        x1, y1 = min(img.shape[1], x0 + width), min(img.shape[0], y0 + height)
        _blend_rect(img, x0, y0, x1, y1, st.panel, st.panel_alpha)
        cv2.rectangle(img, (x0, y0), (x0 + max(3, round(5 * s)), y1), colour, -1)
        x = x0 + round(16 * s)
        y = y0 + pad + round(line * 0.6)
        phase = feedback.phase if feedback is not None else "no pose"
        _text(img, panel_heading(exercise, phase), (x, y), fs * 0.8, st.far_side, None, 1)
        title, big = lines[0]
        y += round(line * 1.6)
        _text(img, big, (x, y), fs * 2.0, colour if feedback is not None else st.text, st.shadow,
              max(2, round(2.5 * s)))
        (bw, _), _ = cv2.getTextSize(big, FONT, fs * 2.0, max(2, round(2.5 * s)))
        _text(img, title, (x + bw + round(10 * s), y), fs, st.text, None, max(1, round(s)))
        for label, value in lines[1:]:
            y += line
            _text(img, f"{label} {value}".strip(), (x, y), fs, st.text, None, max(1, round(s)))
        if meter is not None:
            y += round(14 * s)
            bx1 = x0 + width - round(16 * s)
            top, bottom = y - round(6 * s), y + round(2 * s)
            fraction, marker = meter
            cv2.rectangle(img, (x, top), (bx1, bottom), (70, 70, 70), -1)
            fill_colour = st.good if content.meter_good else st.neutral
            cv2.rectangle(img, (x, top), (x + round((bx1 - x) * fraction), bottom), fill_colour, -1)
            if marker is not None:
                mx = x + round((bx1 - x) * marker)
                cv2.line(img, (mx, top - round(3 * s)), (mx, bottom + round(3 * s)), st.text,
                         max(1, round(2 * s)))
        if bars:
            self._draw_bars(img, bars, x, y + round(10 * s), x0 + width - round(16 * s), round(34 * s))

    def panel(self, feedback: FrameFeedback | None, exercise: str) -> PanelContent:
        """What the counters panel shows for this frame (the exercise spec's panel)."""
        c: Mapping[str, float] = feedback.counters if feedback is not None else {}
        spec = find_spec(exercise)
        if spec is not None:
            return panel_content(spec.panel, c)
        return PanelContent(("", exercise),
                            tuple((k.replace("_", " "), f"{v:.1f}") for k, v in list(c.items())[:3]))

    def _draw_bars(self, img: np.ndarray, values: Sequence[float], x0: int, y0: int, x1: int,
                   h: int) -> None:
        n = self._style.max_swing_bars
        top = max(max(values), 1.0)
        slot = max(3, (x1 - x0) // n)
        bar_w = max(2, int(slot * 0.7))
        cv2.line(img, (x0, y0 + h), (x1, y0 + h), self._style.far_side, 1)
        for i, v in enumerate(values):
            bh = max(1, round(h * max(v, 0.0) / top))
            bx = x0 + i * slot
            latest = i == len(values) - 1
            cv2.rectangle(img, (bx, y0 + h - bh), (bx + bar_w, y0 + h),
                          self._style.good if latest else self._style.neutral, -1)

    def _draw_banner(self, img: np.ndarray, cue: str, colour: Colour, s: float) -> None:
        st = self._style
        x0, y0, x1, y1 = self.banner_box(img.shape[0], img.shape[1])
        band = y1 - y0
        _blend_rect(img, x0, y0, x1, y1, colour, 0.82)
        thickness = max(2, round(2.5 * s))
        fs = 1.5 * s
        text = cue.upper() if len(cue) <= 40 else cue
        (tw, th), _ = cv2.getTextSize(text, FONT, fs, thickness)
        if tw > (x1 - x0) * 0.94:
            fs *= (x1 - x0) * 0.94 / tw
            (tw, th), _ = cv2.getTextSize(text, FONT, fs, thickness)
        org = (x0 + ((x1 - x0) - tw) // 2, y0 + (band + th) // 2)
        _text(img, text, org, fs, st.text, st.shadow, thickness)


# ---------------------------------------------------------------- helpers
def form_state(feedback: FrameFeedback | None) -> str:
    """The colour of the moment, by name (an `AnnotatorStyle` field): good, fix (fix your
    form), stop (recording problem) or neutral (not judged)."""
    if feedback is None:
        return "neutral"
    if feedback.active_conditions:
        return "stop"
    if feedback.good_form is True:
        return "good"
    if feedback.good_form is False:
        return "fix"
    return "neutral"


def _best_side(xy: np.ndarray) -> str | None:
    """Without a facing (front view), emphasise the leg with more visible landmarks."""
    counts = {side: int(np.isfinite(xy[list(_JOINTS[side][:4])]).all(axis=1).sum())
              for side in ("left", "right")}
    if max(counts.values()) < 2:
        return None
    return "left" if counts["left"] >= counts["right"] else "right"


def _polyline_edges(img: np.ndarray, xy: np.ndarray, edges: np.ndarray, colour: Colour,
                    width: int) -> None:
    if edges.size == 0:
        return
    seg = xy[edges]                                # (E, 2, 2)
    ok = np.isfinite(seg).all(axis=(1, 2))
    if not ok.any():
        return
    pts = np.round(seg[ok]).astype(np.int32)
    cv2.polylines(img, list(pts), False, colour, width, AA)


def _dashed_line(img: np.ndarray, p: np.ndarray, q: np.ndarray, colour: Colour, width: int,
                 dash: float) -> None:
    d = q - p
    length = float(np.hypot(*d))
    if length < 1 or not np.isfinite(length):
        return
    n = max(1, int(length / max(2.0, dash)))
    ts = np.linspace(0.0, 1.0, n + 1)
    pts = np.round(p + np.outer(ts, d)).astype(np.int32)
    segs = [pts[i:i + 2] for i in range(0, n, 2)]
    cv2.polylines(img, segs, False, colour, width, AA)


def _text(img: np.ndarray, text: str, org: tuple[int, int], scale: float, colour: Colour,
          shadow: Colour | None, width: int) -> None:
    if shadow is not None:
        cv2.putText(img, text, org, FONT, scale, shadow, width + 3, AA)
    cv2.putText(img, text, org, FONT, scale, colour, width, AA)


def _blend_rect(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, colour: Colour,
                alpha: float) -> None:
    """Tint one small region in place: region = (1 - alpha) * region + alpha * colour."""
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(img.shape[1], x1), min(img.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        return
    roi = img[y0:y1, x0:x1]
    tint = np.empty_like(roi)
    tint[:] = colour
    img[y0:y1, x0:x1] = cv2.addWeighted(roi, 1.0 - alpha, tint, alpha, 0.0)
