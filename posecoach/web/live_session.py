"""One live set coached in the browser, on the server side of its WebSocket.

The page has the camera. In `page` mode it runs the pose model itself (MediaPipe in
WebAssembly) and sends landmarks, plus a small segmentation mask when the exercise uses
one and how many people its own counter saw; in `server` mode it sends JPEG frames
and `FramePoser` (the pose model `posecoach live` uses) turns them into poses here.
Either way the pose goes through the one live path, `CoachFeed` (framing gate, One-Euro
smoothing, exercise analyser, cue arbiter), and each frame's step goes back as JSON for
the page to draw. Whatever ends the set (finish button, duration, the camera stopping,
the socket dropping) `save()` writes it like `posecoach live` does and adds it to the
history.

Messages from the page (text frames are JSON, `type` first):
    {"type": "start", "exercise": ID, "mode": "page"|"server", "width": W, "height": H,
     "side": "left"|"right"|"", "model": "lite"|"full"}
    {"type": "command", "name": "pause"|"reset"|"switch-side"}
    {"type": "finish", "reason": "finish"|"duration"|"camera"}
    binary, one per camera frame: the landmarks (page mode) or a JPEG (server mode), as
    `posecoach.web.live_wire` lays them out.
Replies: {"type": "ready", ...} (with `people_every_s`: how often the page counts people),
{"type": "step", ...} (see `_message`), {"type": "saved", "sets": [...]},
{"type": "error", "message": ..., "hint": ...}.

Not thread-safe by design: the WebSocket handler calls `handle_frame` and `command` from
one worker thread.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.analysis import AnalysisOptions
from posecoach.errors import InputError
from posecoach.kinematics import near_side
from posecoach.landmarks import POSE_CONNECTIONS, PoseFrame, PoseLandmark
from posecoach.live.coach import CoachStep
from posecoach.live.display import Command
from posecoach.live.feed import PEOPLE_COUNT_INTERVAL_S, CoachFeed, FramePoser
from posecoach.live.framing import FramingConfig
from posecoach.live.outputs import SavedSet, SessionMeta
from posecoach.live.voice import CueSpeaker
from posecoach.render.annotator import Annotator, AnnotatorStyle, form_state
from posecoach.web.live_wire import MAX_SIDE_PX, CameraFrame, PoseMessage

MODES = ("page", "server")
PAGE_MODELS = ("lite", "full")
MAX_FRAMES = 30 * 60 * 60          # an hour at 30 fps: then the set is saved and the session ends
COMMANDS = {"pause": Command.PAUSE, "reset": Command.RESET, "switch-side": Command.SWITCH_SIDE}


@dataclasses.dataclass(frozen=True)
class StartRequest:
    exercise: str
    mode: str
    width: int
    height: int
    side: str = ""
    model: str = "lite"
    countdown: bool = True

    @classmethod
    def parse(cls, message: dict[str, Any], exercises: tuple[str, ...]) -> StartRequest:
        exercise, mode = message.get("exercise"), message.get("mode", "page")
        if exercise not in exercises:
            raise InputError(f"unknown exercise '{str(exercise)[:40]}'", f"choose one of: {', '.join(exercises)}")
        if mode not in MODES:
            raise InputError(f"unknown mode '{str(mode)[:20]}'", "use 'page' or 'server'")
        width, height = message.get("width"), message.get("height")
        if not (isinstance(width, int) and isinstance(height, int)
                and 16 <= width <= MAX_SIDE_PX and 16 <= height <= MAX_SIDE_PX):
            raise InputError("the camera size is missing or out of range", "reload the page")
        side = message.get("side") or ""
        model = message.get("model") or "lite"
        if side not in ("", "left", "right") or model not in PAGE_MODELS:
            raise InputError("unknown side or model", "side: left or right; model: lite or full")
        return cls(str(exercise), str(mode), width, height, str(side), str(model),
                   bool(message.get("countdown", True)))


def _point(xy: np.ndarray) -> list[float] | None:
    return [round(float(xy[0]), 1), round(float(xy[1]), 1)] if np.isfinite(xy).all() else None


def _angles_to_draw(step: CoachStep) -> list[dict[str, Any]]:
    """The near side's hip and knee angles and the trunk lean, where the page draws them."""
    sample = step.sample
    side = near_side(sample.facing)
    if not sample.detected or side is None:
        return []
    found = []
    for joint, angle, landmark in (("hip", f"hip_flexion_{side}", f"{side.upper()}_HIP"),
                                   ("knee", f"knee_flexion_{side}", f"{side.upper()}_KNEE")):
        value = sample.angle(angle)
        at = _point(sample.xy[PoseLandmark[landmark]])
        if math.isfinite(value) and at is not None:
            found.append({"joint": joint, "deg": round(value, 1), "at": at})
    return found


class BrowserLiveSession:
    """The server side of one live page (see module docstring)."""

    def __init__(self, start: StartRequest, out_dir: Path, history_db: Path | None) -> None:
        self.start = start
        self._feed = CoachFeed(start.exercise, framing=FramingConfig(enabled=start.countdown))
        self._out_dir = out_dir
        self._history_db = history_db
        self._annotator = Annotator()
        self._speaker = CueSpeaker()   # what to say (the page speaks it with speechSynthesis)
        wants_mask = AnalysisOptions(exercise=start.exercise).wants_mask()
        # What the reports say the set was analysed with (the page's model is the same bundle).
        self._analysis = AnalysisOptions(exercise=start.exercise, model=start.model, segmentation=wants_mask)
        self._wants_mask = wants_mask
        self._poser: FramePoser | None = None
        if start.mode == "server":
            self._poser = FramePoser(start.model, segmentation=self._wants_mask)
            self._poser.start_people_counting()
        self._first_t_ms: float | None = None
        self._last_t_s = -math.inf
        self._frames = 0
        self._saved: list[SavedSet] | None = None

    @property
    def wants_mask(self) -> bool:
        return self._wants_mask

    @property
    def frames(self) -> int:
        return self._frames

    @property
    def full(self) -> bool:
        """The session reached its length limit (it should be saved and ended)."""
        return self._frames >= MAX_FRAMES

    def ready_message(self) -> dict[str, Any]:
        style = AnnotatorStyle()
        return {"type": "ready", "mode": self.start.mode, "exercise": self.start.exercise,
                "wants_mask": self._wants_mask, "model": self.start.model,
                "people_every_s": PEOPLE_COUNT_INTERVAL_S,
                "colours": {name: list(getattr(style, name)) for name in ("good", "fix", "stop", "neutral")},
                "connections": [[int(a), int(b)] for a, b in POSE_CONNECTIONS],
                "sides": ["left" if lm.name.startswith("LEFT_") else "right" if lm.name.startswith("RIGHT_")
                          else "" for lm in PoseLandmark]}

    def _clock(self, t_ms: Any) -> float:
        if not isinstance(t_ms, (int, float)) or not math.isfinite(t_ms):
            raise InputError("frame time missing")
        self._first_t_ms = float(t_ms) if self._first_t_ms is None else self._first_t_ms
        # The page's clock only moves forward; a frame from before the last one is nudged.
        t_s = max((float(t_ms) - self._first_t_ms) / 1000.0, self._last_t_s + 1e-3)
        self._last_t_s = t_s
        return t_s

    def handle_frame(self, data: bytes) -> dict[str, Any]:
        """One binary frame message (`posecoach.web.live_wire`) -> its step message: the
        page's landmarks in page mode, a JPEG for the pose model in server mode."""
        if self._poser is None:
            message = PoseMessage.decode(data)
            pose = message.pose_frame(self._clock(message.t_ms), self.start.width, self.start.height)
            return self._step(pose, message.seq)
        frame = CameraFrame.decode(data)
        t_s = self._clock(frame.t_ms)
        self._feed.apply_commands(t_s)
        height, width = frame.rgb.shape[:2]
        if self._feed.paused:  # no inference while paused
            return self._message(None, frame.seq, width, height)
        return self._step(self._poser.pose(frame.rgb, t_s), frame.seq)

    def command(self, name: Any) -> None:
        if name not in COMMANDS:
            raise InputError(f"unknown command '{str(name)[:20]}'", f"use one of: {', '.join(COMMANDS)}")
        if COMMANDS[name] in (Command.RESET, Command.SWITCH_SIDE):
            self._annotator.reset()
        self._feed.command(COMMANDS[name])

    def _step(self, pose: PoseFrame, seq: Any) -> dict[str, Any]:
        self._frames += 1
        return self._message(self._feed.update(pose), seq, pose.width, pose.height)

    def _message(self, step: CoachStep | None, seq: Any, width: int, height: int) -> dict[str, Any]:
        """What the page draws for one frame; NaN never leaves (None instead)."""
        message: dict[str, Any] = {"type": "step", "seq": seq if isinstance(seq, int) else None,
                                   "width": width, "height": height, "paused": step is None}
        if step is None:
            return message
        feedback = step.feedback
        panel, bars = self._annotator.track(feedback, self.start.exercise)
        lines, meter = [panel.headline, *panel.lines], panel.meter
        xy = step.sample.xy
        message.update({
            "set": step.set_number, "stage": step.framing.stage.value, "guidance": step.framing.message,
            "countdown_s": None if step.framing.countdown_s is None else round(step.framing.countdown_s, 2),
            "detected": bool(step.sample.detected), "near_side": near_side(step.sample.facing),
            "landmarks": [_point(p) for p in xy] if step.sample.detected else [],
            "angles": _angles_to_draw(step), "state": form_state(feedback),
            "phase": feedback.phase if feedback else None, "cue": feedback.cue if feedback else None,
            "cue_is_new": bool(feedback.cue_is_new) if feedback else False,
            "panel": [list(line) for line in lines],
            "meter": None if meter is None else [round(meter[0], 3), meter[1]],
            "bars": [round(b, 1) for b in bars],
            "say": self._speaker.update(step.framing, feedback, step.measurement.t_s),
        })
        return message

    def save(self) -> list[SavedSet]:
        """Write the sets (once; later calls return the same); closes the pose model."""
        if self._saved is None:
            try:
                if self._poser is not None:
                    self._poser.close()
            finally:
                self._poser = None
                source = "browser camera (pose in the page)" if self.start.mode == "page" else \
                    "browser camera (pose on the server)"
                meta = SessionMeta(self._analysis, source, self.start.width, self.start.height)
                self._saved = self._feed.save(meta, self._out_dir, history_db=self._history_db,
                                              use_history=self._history_db is not None)
        return self._saved

    def close(self) -> None:
        """Release the pose model without saving (a session that never started a set)."""
        if self._poser is not None:
            poser, self._poser = self._poser, None
            poser.close()


def saved_message(saved: list[SavedSet]) -> dict[str, Any]:
    sets = []
    for s in saved:
        verdict = s.report.get("verdict") or {}
        sets.append({"number": s.number, "id": s.history_id,
                     "url": f"/results/{s.history_id}" if s.history_id else None,
                     "headline": verdict.get("headline", "") if isinstance(verdict, dict) else "",
                     "swings": len(s.report.get("swings") or []), "reps": len(s.report.get("reps") or []),
                     "faults": sorted({f.get("code", "") for f in s.report.get("faults", []) if isinstance(f, dict)})})
    return {"type": "saved", "sets": sets}


def new_out_dir(sessions_dir: Path, now: dt.datetime | None = None) -> Path:
    """sessions/live-YYYYmmdd-HHMMSS-ffffff (two pages at once never share a folder)."""
    now = now or dt.datetime.now()
    return sessions_dir / f"live-{now:%Y%m%d-%H%M%S-%f}"
