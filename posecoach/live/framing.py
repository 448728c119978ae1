"""Before a live set starts: framing guidance, then a short countdown.

`FramingGate.update(measurement)` is a small state machine, FRAMING -> COUNTDOWN ->
ACTIVE, driven by the pipeline's per-frame `Measurement` (`detected`, `in_frame`,
`view`, `num_people`). The framing must be right for `hold_s` before the countdown
starts; losing it during the countdown goes back to guidance. Once ACTIVE the gate stays
open: from then on the exercise analysers report recording problems themselves.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

from posecoach.kinematics import View
from posecoach.pipeline import Measurement

STEP_IN = "Step into the picture so the camera can see you"
STEP_BACK = "Step back so your whole body is visible"
TURN_SIDE_ON = "Turn side-on to the camera"
ONE_PERSON = "Only one person in the picture, please"
HOLD_STILL = "Good - hold that position"


class Stage(str, enum.Enum):
    FRAMING = "framing"
    COUNTDOWN = "countdown"
    ACTIVE = "active"


@dataclass(frozen=True)
class FramingConfig:
    enabled: bool = True
    hold_s: float = 0.5          # framing right for this long before the countdown
    countdown_s: float = 3.0
    min_in_frame: float = 0.99   # share of shoulders..ankles inside the image


@dataclass(frozen=True)
class FramingStatus:
    stage: Stage
    message: str | None          # guidance to show (None when the framing is right)
    countdown_s: float | None    # seconds left in the countdown, else None

    @property
    def active(self) -> bool:
        return self.stage == Stage.ACTIVE


def framing_problem(m: Measurement, config: FramingConfig = FramingConfig()) -> str | None:
    """The one guidance line for this frame, or None when the framing is right."""
    if not m.detected:
        return STEP_IN
    if m.num_people > 1:
        return ONE_PERSON
    if not (m.in_frame >= config.min_in_frame):
        return STEP_BACK
    if m.view in (View.FRONT, View.UNKNOWN):
        return TURN_SIDE_ON
    return None


class FramingGate:
    """FRAMING -> COUNTDOWN -> ACTIVE (see module docstring). One verb: `update`."""

    def __init__(self, config: FramingConfig = FramingConfig()) -> None:
        self._config = config
        self._stage = Stage.ACTIVE if not config.enabled else Stage.FRAMING
        self._good_since: float | None = None
        self._countdown_from = math.nan

    @property
    def stage(self) -> Stage:
        return self._stage

    def reset(self) -> None:
        """Back to guidance (a new set)."""
        self._stage = Stage.ACTIVE if not self._config.enabled else Stage.FRAMING
        self._good_since = None

    def update(self, m: Measurement) -> FramingStatus:
        if self._stage == Stage.ACTIVE:
            return FramingStatus(Stage.ACTIVE, None, None)
        cfg = self._config
        problem = framing_problem(m, cfg)
        if problem is not None:
            self._stage, self._good_since = Stage.FRAMING, None
            return FramingStatus(Stage.FRAMING, problem, None)
        if self._stage == Stage.FRAMING:
            self._good_since = m.t_s if self._good_since is None else self._good_since
            if m.t_s - self._good_since < cfg.hold_s:
                return FramingStatus(Stage.FRAMING, HOLD_STILL, None)
            self._stage, self._countdown_from = Stage.COUNTDOWN, m.t_s
        left = cfg.countdown_s - (m.t_s - self._countdown_from)
        if left <= 0:
            self._stage = Stage.ACTIVE
            return FramingStatus(Stage.ACTIVE, None, None)
        return FramingStatus(Stage.COUNTDOWN, None, left)
