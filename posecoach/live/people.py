"""People counting for live sessions, on its own thread.

Offline, `PeopleCounter.watch` counts on the decoding thread. Live, there is no spare
place in the frame path: an extra inference every couple of seconds on the inference
thread would stall that frame. So the inference thread hands a copy of a frame over
about once per interval (newest wins) and reads the last count back; the counting
itself runs here, next to the pose model, and never delays a frame.
"""

from __future__ import annotations

import threading

import numpy as np

from posecoach.live.sources import LatestSlot
from posecoach.pose import PeopleCounter


class BackgroundPeopleCounter:
    """`offer()` frames from one thread, read `count` from it; `close()` when done."""

    def __init__(self, model: str = "lite", interval_s: float = 2.0) -> None:
        self._counter = PeopleCounter(model, interval_s=interval_s)
        self._interval_s = interval_s
        self._last_offer = float("-inf")
        self._slot: LatestSlot[tuple[float, np.ndarray]] = LatestSlot()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="posecoach-people", daemon=True)
        self._thread.start()

    @property
    def count(self) -> int:
        """People in view at the last count (0 before the first)."""
        return self._counter.count

    def offer(self, rgb: np.ndarray, t_s: float) -> None:
        """Hand this frame over if a count is due (cheap otherwise)."""
        if t_s - self._last_offer >= self._interval_s or t_s < self._last_offer:
            self._last_offer = t_s
            # A copy: the display thread draws the overlay onto the captured frame.
            self._slot.put((t_s, rgb.copy()))

    def _run(self) -> None:
        try:
            while True:
                item = self._slot.get(timeout=0.5)
                if item is None:
                    if self._slot.closed:
                        return
                    continue
                t_s, rgb = item
                self._counter.update(rgb, t_s)
        except Exception as exc:  # noqa: BLE001 - counting is advisory; the session reports it
            self.error = exc

    def close(self) -> None:
        self._slot.close()
        self._thread.join(timeout=10.0)
        self._counter.close()
