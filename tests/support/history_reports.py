"""Reports shaped like the analysers' own, for the history and web tests (only the fields
the history reads)."""

from __future__ import annotations

from typing import Any


def report(exercise: str, side: str | None = "left", summary: dict[str, Any] | None = None,
           **events: Any) -> dict[str, Any]:
    return {"schema_version": 1, "exercise": exercise, "working_side": side,
            "verdict": {"status": "good", "headline": "Fine."}, "summary": summary or {},
            "holds": [], "swings": [], "reps": [], "faults": [], "cues": [], **events}


# Reports shaped like the analysers' own (posecoach/exercises/*.py result()).
ORIGIN = report("origin-stretch", "right",
                {"holds": 2, "longest_hold_s": 21.5, "total_hold_s": 30.0, "max_trunk_inclination_deg": 62.0},
                holds=[{"duration_s": 21.5, "knee_flexion_deg": 12.0}, {"duration_s": 8.5, "knee_flexion_deg": 20.0}])
SWING = report("leg-swing", "left", {"swings": 8, "max_amplitude_deg": 95.5, "mean_amplitude_deg": 80.0},
               swings=[{"swing": 1, "amplitude_deg": 80.0}, {"swing": 2, "amplitude_deg": 95.5}])
CURL = report("curl-hip-lift", "right", {"reps": 6, "best_peak_knee_flexion_deg": 118.0,
                                         "mean_peak_thigh_lift_deg": 9.5})
