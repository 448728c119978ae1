"""Spoken cues, offline, never blocking the video loop and never talking over itself.

`Voice.say(text)` returns at once: the text goes into a one-item queue (a newer cue
replaces one not yet spoken) and a single background thread speaks it with a local
text-to-speech program (espeak-ng, else espeak), one utterance at a time.
`find_engine()` returns None where no engine is installed; the caller shows a one-line
notice and carries on silently.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
from collections.abc import Sequence

from posecoach.exercises.base import FrameFeedback
from posecoach.live.framing import HOLD_STILL, FramingStatus, Stage

ENGINES = ("espeak-ng", "espeak")
WORDS_PER_MINUTE = 165
MAX_UTTERANCE_S = 20.0


def find_engine() -> list[str] | None:
    """The command prefix of an installed speech engine, or None."""
    for name in ENGINES:
        path = shutil.which(name)
        if path:
            return [path, "-s", str(WORDS_PER_MINUTE)]
    return None


class Voice:
    """Speaks cues in the background (see module docstring). Close it when done."""

    def __init__(self, command: Sequence[str]) -> None:
        self._command = list(command)
        self._queue: queue.Queue[str | None] = queue.Queue(maxsize=1)
        self._spoken: list[str] = []
        self._failures = 0
        self._thread = threading.Thread(target=self._run, name="posecoach-voice", daemon=True)
        self._thread.start()

    @property
    def spoken(self) -> tuple[str, ...]:
        """What was spoken so far (for tests and the session summary)."""
        return tuple(self._spoken)

    @property
    def failures(self) -> int:
        return self._failures

    def say(self, text: str) -> None:
        """Queue `text`, replacing a cue still waiting; never blocks."""
        while True:
            try:
                self._queue.put_nowait(text)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass

    def _run(self) -> None:
        while True:
            text = self._queue.get()
            if text is None:
                return
            try:
                subprocess.run([*self._command, text], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               timeout=MAX_UTTERANCE_S, check=False)
                self._spoken.append(text)
            except (OSError, subprocess.SubprocessError):
                self._failures += 1

    def close(self, wait_s: float = 2.0) -> None:
        """Stop after the utterance in progress (pending ones are dropped)."""
        if not self._thread.is_alive():
            return
        try:
            self._queue.get_nowait()
        except queue.Empty:
            pass
        try:
            self._queue.put_nowait(None)
        except queue.Full:  # pragma: no cover - only this thread puts after get
            pass
        self._thread.join(timeout=wait_s)


GUIDANCE_REPEAT_S = 4.0   # the same framing guidance is repeated at most this often
MIN_GAP_S = 1.5           # ... and any guidance at most this soon after the last thing said
STAGE_WORDS = {Stage.COUNTDOWN: "Get ready", Stage.ACTIVE: "Go"}


class CueSpeaker:
    """Decides what to say for each frame (pure: no threads, no sound).

    A cue is said when it first appears (`cue_is_new`: the analysers' arbiter already
    rate-limits cues); "Get ready" / "Go" when the countdown starts and the set begins;
    framing guidance when it changes, repeated at most every GUIDANCE_REPEAT_S.
    """

    def __init__(self) -> None:
        self._stage: Stage | None = None
        self._last: tuple[str | None, float] = (None, float("-inf"))

    def update(self, framing: FramingStatus, feedback: FrameFeedback | None, now_s: float) -> str | None:
        text = self._choose(framing, feedback, now_s)
        if text is not None:
            self._last = (text, now_s)
        return text

    def _choose(self, framing: FramingStatus, feedback: FrameFeedback | None, now_s: float) -> str | None:
        previous, self._stage = self._stage, framing.stage
        if feedback is not None and feedback.cue and feedback.cue_is_new:
            return feedback.cue
        if previous is not None and framing.stage != previous and framing.stage in STAGE_WORDS:
            return STAGE_WORDS[framing.stage]
        message = framing.message if framing.stage == Stage.FRAMING else None
        if not message or message == HOLD_STILL:
            return None
        last_text, last_at = self._last
        if now_s - last_at < MIN_GAP_S or (message == last_text and now_s - last_at < GUIDANCE_REPEAT_S):
            return None
        return message

