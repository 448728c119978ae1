"""Which frames of an offline analysis get a segmentation mask.

The mask feeds one check only: the origin stretch's back-outline proxy for a rounded back
(`pipeline.frame_bulge`), read on hinged frames and, as the person's upright baseline, in
the first seconds. A landmarker asked for masks costs about a quarter more on every frame
(bench/throughput.py, stage (a+) against (a-)), so the main landmarker runs without them
and a second one, with masks, sees only the frames whose outline is read:

- frames where the bulge is read at all: the baseline window (`pipeline.in_bulge_baseline`)
  and a trunk lean of 25 degrees or more (`pipeline.leans_for_bulge`); in `auto` mode not while lying prone (a curl);
- of those, one while the lean is steady every `still_s`, sooner when the lean has moved
  by `moved_deg` since the last one, never more often than every `min_gap_s`;
- in `auto` mode only once the clip shows a hinge: until then the baseline frames chosen
  are kept (a handful, bounded) and masked when the first hinge is seen, so a leg-swing
  or curl clip asks for no mask at all.

Between masked frames of one run the bulge is interpolated in time: the back's outline
changes slowly next to the 0.5 s median the analyser takes of its rounded-back score.
Everything here is decided from the frames seen so far, in order, so a clip always gets
the same masks. The mask landmarker runs on a thread of its own, in frame order, so on a
machine with a core to spare its work overlaps the main landmarker's instead of adding
to it; a short queue bounds the frames waiting for it.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from posecoach.exercises.evidence import is_lying_prone
from posecoach.exercises.thresholds import CurlHipLiftThresholds
from posecoach.kinematics import ANGLE_INDEX
from posecoach.landmarks import PoseFrame
from posecoach.pipeline import Measurement, frame_bulge, in_bulge_baseline, leans_for_bulge

_TRUNK = ANGLE_INDEX["trunk_inclination"]
_THIGHS = (ANGLE_INDEX["thigh_angle_left"], ANGLE_INDEX["thigh_angle_right"])


class MaskDetector(Protocol):
    """A landmarker that returns segmentation masks (pose.PoseEstimator with segmentation)."""

    def detect(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class MaskPolicy:
    """How often the outline is sampled while it is read (see the module docstring).
    Chosen with bench/mask_rate.py: these keep every rounded-back verdict of the samples
    and the real clips."""

    still_s: float = 1.0        # a steady lean: one mask a second
    moved_deg: float = 8.0      # the lean moved this much since the last mask: one now
    min_gap_s: float = 0.25     # never more than four a second
    max_pending: int = 16       # baseline frames kept before the first hinge (auto)
    max_queued: int = 8         # frames waiting for the mask landmarker (then the pass waits)


@dataclass
class _Pending:
    index: int
    rgb: np.ndarray
    frame: PoseFrame
    facing: int
    trunk: float
    baseline: bool


class MaskScheduler:
    """Offline pass 1: `observe()` each frame's pose and measurement in order; `apply()`
    writes the bulges into the measurements.

    `armed`: masks from the first frame (the exercise is known to read them); otherwise
    only from the first hinged frame on, with the baseline frames kept until then.
    `skip_prone`: no masks while lying prone (auto mode: that is a curl, not a stretch).
    """

    def __init__(self, open_detector: Callable[[], MaskDetector], *, armed: bool,
                 skip_prone: bool, policy: MaskPolicy = MaskPolicy(),
                 prone: CurlHipLiftThresholds = CurlHipLiftThresholds()) -> None:
        self._open = open_detector
        self._detector: MaskDetector | None = None
        self._armed = armed
        self._skip_prone = skip_prone
        self._policy = policy
        self._prone = prone
        self._first_t: float | None = None
        self._facing_votes = 0
        self._last_mask_t = -math.inf
        self._last_mask_trunk = math.nan
        self._pending: list[_Pending] = []
        self._read: set[int] = set()        # frames whose bulge the analysers read
        self._bulges: dict[int, float] = {}  # masked frames -> bulge (may be NaN)
        self.masked_times: list[float] = []  # when a mask was computed (tests, bench)
        self._jobs: queue.Queue[_Pending | None] = queue.Queue(maxsize=policy.max_queued)
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._error: BaseException | None = None

    def observe(self, index: int, rgb: np.ndarray, frame: PoseFrame, m: Measurement) -> None:
        """The main landmarker's result `frame` and its measurement `m` for the frame
        `rgb`, the clip's frame number `index`; called for every frame, in order."""
        if not m.detected:
            return
        if self._first_t is None:
            self._first_t = m.t_s
        self._facing_votes += m.facing
        trunk = float(m.angles[_TRUNK])
        baseline, hinged = in_bulge_baseline(m.t_s - self._first_t), leans_for_bulge(trunk)
        if not (baseline or hinged):
            return
        if self._skip_prone and is_lying_prone(trunk, [float(m.angles[i]) for i in _THIGHS],
                                               self._prone):
            return
        self._read.add(index)
        if not self._due(m.t_s, trunk):
            return
        self._last_mask_t, self._last_mask_trunk = m.t_s, trunk
        facing = 0 if self._facing_votes == 0 else (1 if self._facing_votes > 0 else -1)
        job = _Pending(index, rgb, frame, facing, trunk, baseline)
        if not self._armed and hinged:
            self._armed = True
            for kept in self._pending:
                self._mask(kept)
            self._pending.clear()
        if self._armed:
            self._mask(job)
        elif len(self._pending) < self._policy.max_pending:
            self._pending.append(job)

    def _due(self, t_s: float, trunk: float) -> bool:
        since = t_s - self._last_mask_t
        if since < self._policy.min_gap_s:
            return False
        moved = abs(trunk - self._last_mask_trunk) if math.isfinite(self._last_mask_trunk) else math.inf
        return since >= self._policy.still_s or moved >= self._policy.moved_deg

    def _mask(self, job: _Pending) -> None:
        """Queue one frame for the mask landmarker (its thread starts with the first)."""
        self._raise_worker_error()
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="posecoach-masks", daemon=True)
            self._worker.start()
        self.masked_times.append(job.frame.t_s)
        while not self._stop.is_set():
            try:
                self._jobs.put(job, timeout=0.1)
                return
            except queue.Full:
                if not self._worker.is_alive():
                    self._raise_worker_error()
                    return

    def _run(self) -> None:
        """The mask thread: owns the mask landmarker; bulges in frame order."""
        try:
            while (job := self._jobs.get()) is not None and not self._stop.is_set():
                if self._detector is None:
                    self._detector = self._open()
                mask = self._detector.detect(job.rgb, job.frame.t_s).mask
                self._bulges[job.index] = frame_bulge(replace(job.frame, mask=mask), job.facing,
                                                      job.trunk, baseline=job.baseline)
        except BaseException as exc:  # handed to the analysing thread
            self._error = exc
        finally:
            detector, self._detector = self._detector, None
            if detector is not None:
                detector.close()

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _finish(self, stop: bool) -> None:
        """End the mask thread: after its queue is done, or (`stop`) at once."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if stop:
            self._stop.set()
        while worker.is_alive():
            try:
                self._jobs.put(None, timeout=0.1)
                break
            except queue.Full:
                continue
        worker.join()

    def apply(self, measurements: list[Measurement]) -> list[Measurement]:
        """The measurements with the bulges measured, and interpolated in time between
        masked frames of the same run of read frames (held up to `still_s` at its ends).
        Waits for the masks still queued."""
        self._finish(stop=False)
        self._raise_worker_error()
        if not self._bulges:
            return measurements
        bulge = np.full(len(measurements), np.nan)
        for i, value in self._bulges.items():
            bulge[i] = value
        t = np.array([m.t_s for m in measurements])
        read = np.zeros(len(measurements), dtype=bool)
        read[list(self._read)] = True
        for run in _runs(read):
            known = run[np.isfinite(bulge[run])]
            if known.size == 0:
                continue
            todo = run[~np.isin(run, list(self._bulges))]
            near = np.abs(t[todo][:, None] - t[known][None, :]).min(axis=1)
            inside = (t[todo] >= t[known[0]]) & (t[todo] <= t[known[-1]])
            fill = todo[inside | (near <= self._policy.still_s)]
            bulge[fill] = np.interp(t[fill], t[known], bulge[known])
        return [m if np.isnan(b) else replace(m, back_bulge=float(b))
                for m, b in zip(measurements, bulge)]

    def close(self) -> None:
        """Stop the mask thread (dropping queued frames) and release its landmarker."""
        self._finish(stop=True)
        self._pending.clear()

    def __enter__(self) -> "MaskScheduler":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _runs(flags: np.ndarray) -> list[np.ndarray]:
    """Index arrays of the runs of consecutive True values."""
    idx = np.flatnonzero(flags)
    if idx.size == 0:
        return []
    return np.split(idx, np.flatnonzero(np.diff(idx) > 1) + 1)
