"""Verdicts on the real clips in ../shared/realclips against what their README says.

    python bench/realclips.py [--model full] [--json OUT] [--folder DIR] [--metamorphic]

Prints one line per clip (view, yaw, counts, fault codes) and PASS/FAIL for each
expectation, including "no number outside the human range" on every clip; exits 0 when
all hold. --metamorphic also analyses three copies of each clip made in a temporary
folder (mirrored, half resolution, half frame rate) and checks they give the same
verdict and counts (and, mirrored, angles within 3 degrees). Skips cleanly (exit 0)
when the folder is absent.
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

import numpy as np  # noqa: E402

from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media  # noqa: E402
from posecoach.kinematics import ANGLE_NAMES  # noqa: E402
from posecoach.plausibility import HUMAN_RANGE  # noqa: E402
from posecoach.report.document import build_report, verdict  # noqa: E402

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


def out_of_range(a: ClipAnalysis) -> list[str]:
    """Every number of the analysis (per-frame angles, events, summary, report) that
    lies outside the human range (posecoach.plausibility); empty when all are plausible."""
    import numpy as np

    bad = []
    for s in a.samples:
        for name, v in zip(ANGLE_NAMES, s.angles):
            lo, hi = HUMAN_RANGE.frame_limits(name)
            if np.isfinite(v) and not lo <= v <= hi:
                bad.append(f"t={s.t_s:.2f} {name}={v:.0f}")
    report = build_report(a)
    records = [*report["holds"], *report["swings"], *report["reps"], report["summary"]]
    for record in records:
        for key, value in record.items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                if not HUMAN_RANGE.event_ok(key, v) or (key == "amplitudes_deg"
                                                        and not HUMAN_RANGE.event_ok("amplitude_deg", v)):
                    bad.append(f"{key}={v}")
    return bad


def _swings_ok_or_refused(a: ClipAnalysis) -> bool:
    """The oblique leg-swing clip: 5 swings (+-1), rising, every arc <= 160; or a refusal
    that tells the runner to film side-on."""
    amps = _swing_amplitudes(a)
    counted = abs(len(amps) - 5) <= 1 and _rising(amps) and max(amps) <= 160
    return counted or ("not_side_view" in _codes(a) and verdict(a)["status"] == "not_assessable")


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
        Expectation("5 rising swings (+-1) with arcs <= 160, or not_side_view",
                    _swings_ok_or_refused),
        Expectation("never an arc of 190+", lambda a: all(x < 190 for x in _swing_amplitudes(a))),
        Expectation("view oblique or side", lambda a: a.view in ("oblique", "side")),
    ]),
    "prone_hamstring_curl_side_neuropulse.mp4": ("curl-hip-lift", [
        Expectation(">= 3 reps", lambda a: len(a.result.reps) >= 3),
        Expectation("peak knee flexion > 80",
                    lambda a: max([r.peak_knee_flexion_deg or 0 for r in a.result.reps] or [0]) > 80),
        Expectation("no_hip_lift", lambda a: "no_hip_lift" in _codes(a)),
    ]),
}


def make_variants(path: Path, folder: Path) -> dict[str, Path]:
    """Mirrored, half-resolution and half-frame-rate copies of a clip, in `folder`."""
    import cv2

    from posecoach.video_io import VideoWriter, iter_frames, probe

    info = probe(path)
    fps = info.fps or 30.0
    out = {k: folder / f"{path.stem}.{k}.mp4" for k in ("mirrored", "half_res", "half_fps")}
    w, h = info.width, info.height
    writers = None
    for i, (_, rgb) in enumerate(iter_frames(path)):
        if writers is None:   # sizes after rotation, from the first frame
            h, w = rgb.shape[:2]
            writers = {"mirrored": VideoWriter(out["mirrored"], w, h, fps, crf=18),
                       "half_res": VideoWriter(out["half_res"], w // 2, h // 2, fps, crf=18),
                       "half_fps": VideoWriter(out["half_fps"], w, h, fps / 2, crf=18)}
        writers["mirrored"].write(np.ascontiguousarray(rgb[:, ::-1]))
        writers["half_res"].write(cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA))
        if i % 2 == 0:
            writers["half_fps"].write(rgb)
    for writer in (writers or {}).values():
        writer.close()
    return out


def signature(a: ClipAnalysis) -> dict[str, object]:
    """What must not change under the invariances: verdict status and event counts."""
    return {"status": verdict(a)["status"], "holds": len(a.result.holds),
            "swings": len(a.result.swings), "reps": len(a.result.reps)}


def mirrored_angle_gap(a: ClipAnalysis, b: ClipAnalysis) -> float:
    """Largest difference (deg) between the two clips' event angles (each hold, swing and
    rep, by number). Per-frame angles are compared through what the runner sees: a
    mirrored clip swaps which leg the model labels left on some frames."""
    def numbers(x: ClipAnalysis) -> dict[str, float]:
        out = {}
        for kind in ("holds", "swings", "reps"):
            for i, rec in enumerate(getattr(x.result, kind)):
                for k, v in rec.to_dict().items():
                    if k.endswith("_deg") and isinstance(v, (int, float)):
                        out[f"{kind}{i}.{k}"] = float(v)
        return out
    na, nb = numbers(a), numbers(b)
    common = set(na) & set(nb)
    return max((abs(na[k] - nb[k]) for k in common), default=0.0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--model", default="full")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--metamorphic", action="store_true",
                        help="also check mirrored / half-resolution / half-frame-rate copies")
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
        bad = out_of_range(a)
        checks["no number outside the human range"] = not bad
        if args.metamorphic:
            checks.update(_metamorphic(path, exercise, args.model, a))
        failures += sum(not ok for ok in checks.values())
        amps = [round(x) for x in _swing_amplitudes(a)]
        print(f"{name} [{exercise}] view={a.view} yaw={a.yaw_deg:.0f} facing={a.facing} det={a.detection_rate:.2f} "
              f"swings={len(a.result.swings)} {amps if amps else ''} reps={len(a.result.reps)} "
              f"max_trunk={_max_trunk(a):.0f} codes={sorted(_codes(a))} ({time.perf_counter() - start:.1f}s)")
        for text, ok in checks.items():
            print(f"    {'PASS' if ok else 'FAIL'}  {text}")
        if bad:
            print(f"      out of range: {bad[:5]}")
        rows.append({"clip": name, "exercise": exercise, "view": a.view, "codes": sorted(_codes(a)),
                     "swings": len(a.result.swings), "reps": len(a.result.reps), "checks": checks})
    print(f"\n{sum(len(r['checks']) for r in rows) - failures}/{sum(len(r['checks']) for r in rows)} "
          "expectations hold")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0 if failures == 0 else 1


def _metamorphic(path: Path, exercise: str, model: str, base: ClipAnalysis) -> dict[str, bool]:
    import tempfile

    checks = {}
    want = signature(base)
    with tempfile.TemporaryDirectory() as tmp:
        for kind, copy in make_variants(path, Path(tmp)).items():
            v = analyze_media(copy, AnalysisOptions(exercise=exercise, model=model))
            got = signature(v)
            checks[f"{kind}: same verdict and counts"] = got == want
            if got != want:
                print(f"      {kind}: {got} != {want}")
            if kind == "mirrored":
                gap = mirrored_angle_gap(base, v)
                checks["mirrored: angles within 3 deg"] = gap <= 3.0
                print(f"      mirrored: largest angle difference {gap:.1f} deg")
            checks[f"{kind}: no number outside the human range"] = not out_of_range(v)
    return checks


if __name__ == "__main__":
    sys.exit(main())
