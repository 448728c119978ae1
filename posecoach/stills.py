"""Photos are judged as postures: the posture checks of the exercise on one frame.

A photo has no time, so nothing that needs time can be judged: no hold duration, no
swing, no rep. What a still does show is the position: for the origin stretch the
hinge depth, a rounded back and bent knees; for the curl how far the knee is curled.
The analyser is the same one video uses: the photo's one sample is shown to it as a
still hold of `HOLD_S` seconds (long enough for every debounced fault to register);
events and timings are then dropped, and the faults it found on that position are
the photo's. The verdict is good or needs work with those faults, never "no complete
hold" (report.document.verdict reads `input.kind == image`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from posecoach import exercises
from posecoach.exercises import recognise
from posecoach.exercises.base import ExerciseResult, FrameFeedback
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.landmarks import PoseFrame
from posecoach.sample import PoseSample

HOLD_S = 3.0
RATE_HZ = 10.0


def as_hold(still: PoseSample) -> list[PoseSample]:
    """The photo's sample repeated as a motionless hold of HOLD_S seconds."""
    return [dataclasses.replace(still, t_s=i / RATE_HZ) for i in range(int(HOLD_S * RATE_HZ) + 1)]


def judge_still(exercise: str, samples: list[PoseSample], config: ExerciseConfig | None = None,
                ) -> tuple[list[FrameFeedback], ExerciseResult]:
    """(feedback for the photo's frame, result) of a still image's sample(s)."""
    analyser = exercises.create(exercise, config)
    still = next((s for s in samples if s.detected), samples[0] if samples else None)
    if still is None:
        return [], analyser.result()
    held = as_hold(still)
    feedback = [analyser.update(s) for s in held]
    result = analyser.result()
    if still.detected and not recognise.posture_seen(exercise, recognise.gather(held), ExerciseConfig()):
        title = exercises.title_of(exercise).lower()
        message = (f"This photo does not show the {title} position: take it during the "
                   "exercise, or choose the one it shows.")
        return [feedback[-1]] * len(samples), recognise.refuse(result, exercise, message)
    # One photo, one instant: faults and conditions hold at t = 0, no events, no times.
    at_zero = [dataclasses.replace(f, start_s=0.0, end_s=0.0) for f in result.faults]
    conditions = [dataclasses.replace(c, start_s=0.0, end_s=0.0) for c in result.conditions]
    unique = list({f.code: f for f in at_zero}.values())
    result = dataclasses.replace(result, holds=[], swings=[], reps=[], faults=unique,
                                 conditions=list({c.code: c for c in conditions}.values()))
    last = dataclasses.replace(feedback[-1], t_s=still.t_s)
    return [last] * len(samples), result


# ---------------------------------------------------------------- small person refinement
REFINE_MAX_FILL = 0.5   # refine when the person spans less than this share of the frame
REFINE_MARGIN = 0.35    # crop margin around the detection, share of its size
SEARCH_WINDOW = 0.6     # side of the search windows, share of the frame's shorter side


def _crop_box(frame: PoseFrame) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) around the detected person with a margin, or None when the
    person already fills enough of the frame (or nothing was found)."""
    pts = frame.image[:, :2]
    ok = np.isfinite(pts).all(axis=1)
    if not frame.detected or ok.sum() < 5:
        return None
    lo, hi = pts[ok].min(axis=0), pts[ok].max(axis=0)
    size = hi - lo
    if max(size[0] / frame.width, size[1] / frame.height) >= REFINE_MAX_FILL:
        return None
    side = float(size.max()) * (1.0 + 2.0 * REFINE_MARGIN)   # square crop: the model's input is
    centre = (lo + hi) / 2.0
    x0, y0 = int(max(0, centre[0] - side / 2)), int(max(0, centre[1] - side / 2))
    x1, y1 = int(min(frame.width, centre[0] + side / 2)), int(min(frame.height, centre[1] + side / 2))
    return (x0, y0, x1, y1) if x1 - x0 > 16 and y1 - y0 > 16 else None


def refined_detect(detect: Callable[[np.ndarray, float], PoseFrame]) -> Callable[[np.ndarray, float], PoseFrame]:
    """`detect` for a still: a person small in the frame is found again in a crop around
    the first detection (the model sees them at a usable size), and that pose is mapped
    back to the full frame. bench/stills.py measures what it gains."""
    def in_crop(rgb: np.ndarray, box: tuple[int, int, int, int], t_s: float,
                full: PoseFrame) -> PoseFrame | None:
        x0, y0, x1, y1 = box
        again = detect(np.ascontiguousarray(rgb[y0:y1, x0:x1]), t_s)
        if not again.detected:
            return None
        image = again.image.copy()
        image[:, 0] += x0
        image[:, 1] += y0
        mask = None
        if again.mask is not None:
            mask = np.zeros((full.height, full.width), np.float32)
            mask[y0:y1, x0:x1] = np.asarray(again.mask)[: y1 - y0, : x1 - x0]
        return PoseFrame(t_s, full.width, full.height, image, again.world, mask,
                         max(full.num_people, again.num_people))

    def search(rgb: np.ndarray, t_s: float, empty: PoseFrame) -> PoseFrame:
        """No person found in the whole frame: look in overlapping square windows (the
        person detector misses people under about a third of the frame's height)."""
        h, w = rgb.shape[:2]
        side = int(SEARCH_WINDOW * min(w, h))
        step = max(1, side // 2)
        best, score = empty, 0.0
        for y in range(0, max(1, h - side + 1), step):
            for x in range(0, max(1, w - side + 1), step):
                found = in_crop(rgb, (x, y, min(w, x + side), min(h, y + side)), t_s, empty)
                if found is not None:
                    vis = float(np.nanmean(found.image[:, 3]))
                    if vis > score:
                        best, score = found, vis
        return best

    def run(rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        first = detect(rgb, t_s)
        if not first.detected:
            first = search(rgb, t_s, first)
        box = _crop_box(first)
        if box is None:
            return first
        return in_crop(rgb, box, t_s, first) or first
    return run
