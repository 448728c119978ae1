"""Why leg-swing thigh angles are taken about a pelvis-fixed pivot, in figures.

    python bench/swing_pivot.py [FOLDER] [--model full] [--windows 1,2,3.5] [--far-leg]

For every leg-swing clip with a truth file in FOLDER (default: sample_videos/), runs the
whole analysis (`analyze_media`) and prints:
  * where the swinging side's hip landmark sits relative to the true hip-joint centre,
    binned by the true thigh angle (forward / up, px; raw per-frame landmarks);
  * each swing's arc against the truth, read two ways: from the hip landmark itself
    (the extremes of the landmark-based thigh angle within the truth's swing window) and
    as the swing analyser reports it (about the pelvis-fixed pivot, docs/biomechanics.md#pivot);
  * the reported arcs' mean and worst error for each pivot window in --windows (the same
    samples re-analysed with only `pivot_window_s` changed).
With --far-leg it first renders, into a temporary folder, the good swing motion with the
*far* leg swinging (left leg facing right, right leg facing left; not committed samples)
and reports those instead, with the conditions raised (docs/biomechanics.md#far-leg).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from dataclasses import replace

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

from posecoach import exercises  # noqa: E402
from posecoach.analysis import AnalysisOptions, ClipAnalysis, analyze_media  # noqa: E402
from posecoach.cli import native_logs_hidden  # noqa: E402
from posecoach.exercises.records import Swing  # noqa: E402
from posecoach.exercises.thresholds import ExerciseConfig  # noqa: E402
from posecoach.landmarks import PoseLandmark as L  # noqa: E402

BINS_DEG = ((-45, -25), (-25, -10), (-10, 10), (10, 25), (25, 40), (40, 60))


def arc_errors(swings: list[Swing], truth: dict) -> list[float]:
    """Reported minus true arc per true swing (NaN for a swing not reported)."""
    return [((swings[i].amplitude_deg or float("nan")) if i < len(swings) else float("nan"))
            - want["amplitude_deg"]
            for i, want in enumerate(truth["events"]["swings"])]


def clip_report(video: Path, truth: dict, analysis: ClipAnalysis) -> list[float]:
    """Print one clip's figures; returns the analyser's arc errors (degrees)."""
    forward = 1.0 if truth["facing"] == "right" else -1.0
    side = truth["events"]["swings"][0]["side"]
    hip_i = L[f"{side.upper()}_HIP"]
    thigh_true = np.array([f["angles"][f"thigh_angle_{side}"] for f in truth["frames"]])
    hip_true = np.array([f["joints_2d"][f"{side}_hip"] for f in truth["frames"]])
    hip_raw = np.array([m.xy[hip_i] for m in analysis.measurements])
    offset = np.c_[forward * (hip_raw[:, 0] - hip_true[:, 0]), hip_true[:, 1] - hip_raw[:, 1]]
    print(f"{video.name}: swinging leg {side}, facing {truth['facing']}")
    print("  hip landmark - hip joint, by true thigh angle:")
    for lo, hi in BINS_DEG:
        sel = (thigh_true >= lo) & (thigh_true < hi) & np.isfinite(offset).all(axis=1)
        if sel.any():
            fwd, up = offset[sel].mean(axis=0)
            print(f"    thigh {lo:+4d}..{hi:+3d} deg  n={sel.sum():3d}  forward {fwd:+5.1f} px  up {up:+5.1f} px")
    t = np.array([s.t_s for s in analysis.samples])
    landmark_thigh = np.array([s.angle(f"thigh_angle_{side}") for s in analysis.samples])
    errors = arc_errors(analysis.result.swings, truth)
    print("  swing  truth arc  from landmark (err)  reported (err)")
    for i, (want, err) in enumerate(zip(truth["events"]["swings"], errors)):
        sel = (t >= want["start_s"]) & (t <= want["end_s"])
        seen = landmark_thigh[sel][np.isfinite(landmark_thigh[sel])]
        raw_arc = float(seen.max() - seen.min()) if seen.size else float("nan")
        print(f"  {i + 1:5d}  {want['amplitude_deg']:9.1f}  {raw_arc:8.1f} ({raw_arc - want['amplitude_deg']:+5.1f})"
              f"  {want['amplitude_deg'] + err:8.1f} ({err:+5.1f})")
    return errors


def render_far_leg_clips(folder: Path) -> None:
    from posecoach.synth import motions
    from posecoach.synth.samples import ClipSpec, render_clip

    for side, facing in (("left", "right"), ("right", "left")):
        spec = ClipSpec(f"leg_swing_far_{side}", lambda side=side: motions.leg_swing("good", side=side),
                        facing, (960, 540), outfit=1)
        render_clip(spec, folder)


def summary(label: str, errors: list[float]) -> str:
    e = np.asarray(errors, dtype=float)
    worst = e[np.nanargmax(np.abs(e))] if np.isfinite(e).any() else float("nan")
    return (f"{label}: mean error {np.nanmean(e):+.1f} deg, worst {worst:+.1f} deg over {len(e)} swings"
            f"{f' ({int(np.isnan(e).sum())} not reported)' if np.isnan(e).any() else ''}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, nargs="?", default=ROOT / "sample_videos")
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--windows", default="1,2,3.5", help="pivot windows (s) to compare")
    parser.add_argument("--far-leg", action="store_true",
                        help="render and report far-leg swing clips instead of FOLDER")
    args = parser.parse_args(argv)
    if args.far_leg:
        with tempfile.TemporaryDirectory(prefix="posecoach-far-leg-") as tmp:
            render_far_leg_clips(Path(tmp))
            return report_folder(Path(tmp), args)
    return report_folder(args.folder, args)


def report_folder(folder: Path, args: argparse.Namespace) -> int:
    windows = [float(w) for w in args.windows.split(",") if w.strip()]
    errors: list[float] = []
    by_window: dict[float, list[float]] = {w: [] for w in windows}
    base = ExerciseConfig()
    with native_logs_hidden(True):
        for video in sorted(folder.glob("*.mp4")):
            truth_file = video.with_suffix(".truth.json")
            truth = json.loads(truth_file.read_text()) if truth_file.exists() else {}
            if truth.get("exercise") != "leg-swing":
                continue
            analysis = analyze_media(video, AnalysisOptions(exercise="leg-swing", model=args.model))
            errors += clip_report(video, truth, analysis)
            print(f"  conditions: {sorted(analysis.result.condition_codes) or 'none'}; "
                  f"faults: {sorted(analysis.result.fault_codes) or 'none'}")
            for w in windows:
                config = replace(base, leg_swing=replace(base.leg_swing, pivot_window_s=w))
                result = exercises.analyse(analysis.samples, "leg-swing", config)
                by_window[w] += arc_errors(result.swings, truth)
    if not errors:
        print(f"no leg-swing clips with truth in {folder}")
        return 1
    print(summary(f"reported arcs (pivot window {base.leg_swing.pivot_window_s:g} s)", errors))
    for w in windows:
        print(summary(f"  with pivot window {w:g} s", by_window[w]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
