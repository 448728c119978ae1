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
