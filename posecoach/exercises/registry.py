"""Exercise ids -> analyser factories, by name; and `detect_exercise` for ``auto``.

Adding an exercise: one new module with an analyser class and one line in ANALYSERS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from posecoach.errors import ConfigError
from posecoach.exercises.base import ExerciseAnalyser, ExerciseResult
from posecoach.exercises.common import SIDES, Zigzag, angle, finite
from posecoach.exercises.cues import CueArbiter
from posecoach.exercises.curl_hip_lift import CurlHipLiftAnalyser
from posecoach.exercises.leg_swing import LegSwingAnalyser
from posecoach.exercises.origin_stretch import OriginStretchAnalyser
from posecoach.exercises.thresholds import ExerciseConfig
from posecoach.sample import PoseSample

AnalyserFactory = Callable[..., ExerciseAnalyser]   # (config, *, arbiter=None)

ANALYSERS: dict[str, AnalyserFactory] = {
    "origin-stretch": OriginStretchAnalyser,
    "leg-swing": LegSwingAnalyser,
    "curl-hip-lift": CurlHipLiftAnalyser,
}
EXERCISE_IDS: tuple[str, ...] = tuple(ANALYSERS)


def create(exercise_id: str, config: ExerciseConfig | None = None, *,
           arbiter: CueArbiter | None = None) -> ExerciseAnalyser:
    """A fresh analyser for `exercise_id`; ConfigError listing the valid ids otherwise.
    `arbiter`: a cue arbiter to share with other analysers (live sessions)."""
    factory = ANALYSERS.get(exercise_id)
    if factory is None:
        raise ConfigError(f"unknown exercise '{exercise_id}'",
                          f"choose one of: {', '.join(EXERCISE_IDS)}")
    return factory(config or ExerciseConfig(), arbiter=arbiter)


def analyse(samples: Iterable[PoseSample], exercise_id: str,
            config: ExerciseConfig | None = None) -> ExerciseResult:
    """Run one analyser over a whole clip, frame by frame (the same code live uses)."""
    analyser = create(exercise_id, config)
    for sample in samples:
        analyser.update(sample)
    return analyser.result()


def detect_exercise(samples: Iterable[PoseSample], config: ExerciseConfig | None = None) -> str:
    """Guess the exercise of a clip: lying prone -> curl-hip-lift; one thigh oscillating
    widely and repeatedly against the other -> leg-swing; otherwise origin-stretch."""
    cfg = config or ExerciseConfig()
    det, prone_th = cfg.detect, cfg.curl_hip_lift
    prone: list[bool] = []
    diffs: list[float] = []
    for s in samples:
        if not s.detected:
            continue
        trunk = angle(s, "trunk_inclination")
        thighs = [angle(s, f"thigh_angle_{side}") for side in SIDES]
        ok = [v for v in thighs if finite(v)]
        if finite(trunk):
            prone.append(abs(trunk - 90.0) <= prone_th.prone_trunk_tol_deg
                         and bool(ok) and min(ok) <= prone_th.prone_max_thigh_deg)
        if len(ok) == 2:
            diffs.append(abs(ok[0] - ok[1]))
    if prone and float(np.mean(prone)) >= det.prone_min_share:
        return "curl-hip-lift"
    if len(diffs) >= 10:
        arr = np.asarray(diffs)
        spread = float(np.percentile(arr, 95) - np.percentile(arr, 5))
        zig = Zigzag(det.swing_reversal_deg)
        peaks = sum(1 for i, v in enumerate(arr) if (t := zig.update(float(i), float(v)))
                    and t.kind > 0)
        if spread >= det.swing_min_range_deg and peaks >= det.swing_min_peaks:
            return "leg-swing"
    return "origin-stretch"
