"""Cue texts (data) and the single arbiter that decides which one is shown.

Every fault and condition code has one short imperative. The arbiter shows at most one
cue at a time, waits `cooldown_s` between cues, does not repeat the same cue within
`repeat_s`, and never shows a cue within `conflict_s` of one it conflicts with, so the
user is never told two opposing things in a row. Conditions (view, framing) outrank
form faults, which outrank encouragement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from posecoach.exercises.base import Cue
from posecoach.exercises.thresholds import CueThresholds


@dataclass(frozen=True)
class CueSpec:
    code: str
    text: str          # the cue: a short imperative
    message: str       # the longer explanation for reports
    priority: int
    conflicts: tuple[str, ...] = ()


_SPECS: tuple[CueSpec, ...] = (
    # Recording conditions.
    CueSpec("no_person", "Step into view",
            "No person was found. Stand side-on, fully in view of the camera.", 100),
    CueSpec("multiple_people", "Only one person in view",
            "More than one person is in view; only the first is analysed.", 95),
    CueSpec("body_out_of_frame", "Step back so your feet are visible",
            "Part of the body (shoulders to ankles) is outside the picture. "
            "Step back so your feet are visible.", 90),
    CueSpec("not_side_view", "Turn side-on to the camera",
            "The camera sees you from the front: joint angles need a side view. "
            "Turn side-on to the camera.", 85),
    CueSpec("wrong_exercise", "Choose the exercise you are doing",
            "This looks like another exercise: choose it, or record again.", 95),
    CueSpec("not_prone", "Lie face down, side-on",
            "This exercise is done lying face down; lie prone, side-on to the camera.", 80),
    CueSpec("far_leg_swinging", "Swing the leg nearest the camera",
            "The swinging leg was the one away from the camera: hidden behind the standing "
            "leg at the back of each swing, its angles are unreliable. Turn round so the "
            "swinging leg is nearest the camera.", 75),
    # Origin stretch.
    CueSpec("rounded_back", "Keep your back flat",
            "The back rounded (or the head tucked) instead of the hips hinging. "
            "Keep the spine neutral and lean from the hips.", 60),
    CueSpec("knees_bent", "Straighten your front knee",
            "The stretched leg's knee bent well past a soft knee (a squat, not a hinge).", 55),
    CueSpec("hips_not_back", "Stick your bum out",
            "The pelvis did not travel back as the trunk leaned: push the hips back "
            "to stretch the hamstring at its origin.", 50),
    CueSpec("bouncing", "Hold still, no bouncing",
            "The hold bounced (repeated small dips). Hold a steady position.", 45),
    # Leg swings.
    CueSpec("trunk_sway", "Keep your trunk still",
            "The trunk rocked with the swinging leg; let the hip do the work.", 50),
    CueSpec("stance_knee_bent", "Straighten your standing leg",
            "The standing leg's knee was bent during the swings.", 45),
    CueSpec("progressing_too_fast", "Build height gradually",
            "The swing height jumped between swings; progress slowly to full range.", 40),
    # Prone curl + hip lift.
    CueSpec("pelvis_lift", "Keep your hips on the floor",
            "The pelvis and low back rose with the thigh instead of the hip extending.",
            60, conflicts=("no_hip_lift",)),
    CueSpec("no_hip_lift", "Now lift your thigh",
            "After the curl the thigh did not lift off the floor (no hip extension).",
            50, conflicts=("pelvis_lift",)),
    CueSpec("partial_range", "Curl your heel higher",
            "The curl stopped short of your available knee range.", 40),
    # Encouragement.
    CueSpec("good_hold", "Good, hold it and breathe", "", 10),
)

CUE_SPECS: dict[str, CueSpec] = {s.code: s for s in _SPECS}


def message_for(code: str) -> str:
    spec = CUE_SPECS.get(code)
    return spec.message if spec else code.replace("_", " ")


class CueArbiter:
    """Chooses the one cue to show. Every analyser uses one; a live session that switches
    exercises can pass the same instance to each, so cooldowns carry over."""

    def __init__(self, thresholds: CueThresholds | None = None) -> None:
        self._th = thresholds or CueThresholds()
        self._last_emit_t = float("-inf")
        self._last_by_code: dict[str, float] = {}
        self._current: Cue | None = None
        self._history: list[Cue] = []

    @property
    def last(self) -> Cue | None:
        """The most recently emitted cue."""
        return self._history[-1] if self._history else None

    @property
    def history(self) -> list[Cue]:
        return list(self._history)

    def update(self, t_s: float, candidates: Iterable[str]) -> tuple[str | None, bool]:
        """Offer the codes that want a cue now; returns (text on screen, is it new)."""
        new = False
        if t_s - self._last_emit_t >= self._th.cooldown_s:
            chosen = self._choose(t_s, candidates)
            if chosen is not None:
                cue = Cue(t_s, chosen.text, chosen.code)
                self._history.append(cue)
                self._current = cue
                self._last_emit_t = t_s
                self._last_by_code[chosen.code] = t_s
                new = True
        if self._current is not None and t_s - self._current.t_s > self._th.display_s:
            self._current = None
        return (self._current.text if self._current else None), new

    def _choose(self, t_s: float, candidates: Iterable[str]) -> CueSpec | None:
        best: CueSpec | None = None
        for code in candidates:
            spec = CUE_SPECS.get(code)
            if spec is None or (best is not None and spec.priority <= best.priority):
                continue
            if t_s - self._last_by_code.get(code, float("-inf")) < self._th.repeat_s:
                continue
            if any(t_s - self._last_by_code.get(c, float("-inf")) < self._th.conflict_s
                   for c in spec.conflicts):
                continue
            best = spec
        return best
