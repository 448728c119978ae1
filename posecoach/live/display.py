"""Where live frames are shown: an OpenCV window (the wheel's Qt backend) or nothing.

`show(rgb)` displays a frame; `poll(wait_ms)` pumps the window's events and returns the
user's command, if any (keys: q / Esc quit, space pause, r reset, s switch side,
m mirror; closing the window quits). Both run on the main thread, as Qt requires.
"""

from __future__ import annotations

import enum
import os
import sys
import time
from typing import Protocol

import cv2
import numpy as np

from posecoach.errors import InputError


class Command(str, enum.Enum):
    QUIT = "quit"
    PAUSE = "pause"
    RESET = "reset"
    SWITCH_SIDE = "switch-side"
    MIRROR = "mirror"


KEYS: dict[int, Command] = {
    ord("q"): Command.QUIT, ord("Q"): Command.QUIT, 27: Command.QUIT,
    ord(" "): Command.PAUSE,
    ord("r"): Command.RESET, ord("R"): Command.RESET,
    ord("s"): Command.SWITCH_SIDE, ord("S"): Command.SWITCH_SIDE,
    ord("m"): Command.MIRROR, ord("M"): Command.MIRROR,
}


class Display(Protocol):
    def show(self, rgb: np.ndarray) -> None: ...

    def poll(self, wait_ms: int = 1) -> Command | None: ...

    def close(self) -> None: ...


class NullDisplay:
    """--headless: nothing is shown, no keys."""

    def show(self, rgb: np.ndarray) -> None:
        pass

    def poll(self, wait_ms: int = 1) -> Command | None:
        if wait_ms > 0:
            time.sleep(wait_ms / 1000.0)
        return None

    def close(self) -> None:
        pass


def gui_available() -> bool:
    """Whether this OpenCV build has a window backend."""
    info = cv2.getBuildInformation()
    gui = info[info.find("GUI:"):].split("\n", 1)[0] if "GUI:" in info else ""
    return bool(gui) and "NONE" not in gui.upper()


class CvWindow:
    """A resizable OpenCV window titled `title`."""

    def __init__(self, title: str = "PoseCoach live") -> None:
        if not gui_available():
            raise InputError("this OpenCV build has no window support",
                             "run with --headless (add --record to keep the annotated video)")
        if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
            # Qt would abort the whole process rather than raise.
            raise InputError("no display to open the live window on (DISPLAY is not set)",
                             "run it from a desktop session, or use --headless (with --record to "
                             "keep the annotated video)")
        self._title = title
        try:
            cv2.namedWindow(title, cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        except cv2.error as exc:
            raise InputError("cannot open a window (no display?)",
                             "run it from a desktop session, set DISPLAY, or use --headless") from exc
        self._shown = False
        self._closed = False

    def show(self, rgb: np.ndarray) -> None:
        if self._closed:
            return
        if not self._shown:
            cv2.resizeWindow(self._title, rgb.shape[1], rgb.shape[0])
        cv2.imshow(self._title, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self._shown = True

    def poll(self, wait_ms: int = 1) -> Command | None:
        if self._closed:
            return Command.QUIT
        key = cv2.waitKey(max(1, wait_ms))
        if key != -1:
            command = KEYS.get(key & 0xFF)
            if command is not None:
                return command
        if self._shown and cv2.getWindowProperty(self._title, cv2.WND_PROP_VISIBLE) < 1:
            return Command.QUIT  # the user closed the window
        return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            cv2.destroyWindow(self._title)
            cv2.waitKey(1)
        except cv2.error:
            pass
