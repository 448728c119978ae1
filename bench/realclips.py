"""Verdicts on the real clips in ../shared/realclips against what their README says.

    python bench/realclips.py [--model full] [--json OUT] [--folder DIR]

Prints one line per clip (view, counts, fault codes) and PASS/FAIL for each expectation;
exits 0 when all hold. Skips cleanly (exit 0) when the folder is absent.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media  # noqa: E402

DEFAULT_FOLDER = ROOT.parent / "shared" / "realclips"


def _codes(a: ClipAnalysis) -> set[str]:
    return set(a.result.fault_codes) | set(a.result.condition_codes)


def _max_trunk(a: ClipAnalysis) -> float:
    import numpy as np

    values = [s.angle("trunk_inclination") for s in a.samples if s.detected]
    values = [v for v in values if np.isfinite(v)]
    return max(values) if values else float("nan")


def _swing_amplitudes(a: ClipAnalysis) -> list[float]:
    return [float(s.amplitude_deg or 0.0) for s in a.result.swings]


def _rising(values: list[float]) -> bool:
    """Amplitude trend over the set (least-squares slope per swing) is positive."""
    import numpy as np

    return len(values) >= 2 and float(np.polyfit(np.arange(len(values)), values, 1)[0]) > 0


@dataclass(frozen=True)
class Expectation:
    text: str
    check: Callable[[ClipAnalysis], bool]


CLIPS: dict[str, tuple[str, list[Expectation]]] = {
    "hinge_deadlift_barbell_side_posereader2.mp4": ("origin-stretch", [
        Expectation("view side", lambda a: a.view == "side"),
        Expectation("hip hinge: trunk inclination > 40", lambda a: _max_trunk(a) > 40),
        Expectation("no rounded_back", lambda a: "rounded_back" not in _codes(a)),
    ]),
    "forwardfold_standing_side_istock.mp4": ("origin-stretch", [
        Expectation("view side", lambda a: a.view == "side"),
        Expectation("rounded_back", lambda a: "rounded_back" in _codes(a)),
    ]),
    "squat_side_oblique_darebee.mp4": ("origin-stretch", [
        Expectation("knees_bent", lambda a: "knees_bent" in _codes(a)),
    ]),
    "hinge_deadlift_front_deadliftbot.mp4": ("origin-stretch", [
        Expectation("view front", lambda a: a.view == "front"),
        Expectation("not_side_view", lambda a: "not_side_view" in _codes(a)),
    ]),
    "legswing_front_back_oblique_gymapp.mp4": ("leg-swing", [
        Expectation("5 swings (+-1)", lambda a: abs(len(a.result.swings) - 5) <= 1),
        Expectation("amplitude rising", lambda a: _rising(_swing_amplitudes(a))),
        Expectation("view oblique or side", lambda a: a.view in ("oblique", "side")),
    ]),
    "prone_hamstring_curl_side_neuropulse.mp4": ("curl-hip-lift", [
        Expectation(">= 3 reps", lambda a: len(a.result.reps) >= 3),
        Expectation("peak knee flexion > 80",
                    lambda a: max([r.peak_knee_flexion_deg or 0 for r in a.result.reps] or [0]) > 80),
        Expectation("no_hip_lift", lambda a: "no_hip_lift" in _codes(a)),
    ]),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--model", default="full")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"skipped: {args.folder} not found (real clips are optional)")
        return 0
    rows, failures = [], 0
    for name, (exercise, expectations) in CLIPS.items():
        path = args.folder / name
        if not path.exists():
            print(f"{name}: missing, skipped")
            continue
        start = time.perf_counter()
        a = analyze_media(path, AnalysisOptions(exercise=exercise, model=args.model))
        checks = {e.text: bool(e.check(a)) for e in expectations}
        failures += sum(not ok for ok in checks.values())
        amps = [round(x) for x in _swing_amplitudes(a)]
        print(f"{name} [{exercise}] view={a.view} facing={a.facing} det={a.detection_rate:.2f} "
              f"swings={len(a.result.swings)} {amps if amps else ''} reps={len(a.result.reps)} "
              f"max_trunk={_max_trunk(a):.0f} codes={sorted(_codes(a))} ({time.perf_counter() - start:.1f}s)")
        for text, ok in checks.items():
            print(f"    {'PASS' if ok else 'FAIL'}  {text}")
        rows.append({"clip": name, "exercise": exercise, "view": a.view, "codes": sorted(_codes(a)),
                     "swings": len(a.result.swings), "reps": len(a.result.reps), "checks": checks})
    print(f"\n{sum(len(r['checks']) for r in rows) - failures}/{sum(len(r['checks']) for r in rows)} "
          "expectations hold")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
