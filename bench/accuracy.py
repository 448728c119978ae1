"""Angle accuracy of the pose pipeline against the synthetic clips' exact ground truth.

    python bench/accuracy.py [FOLDER] [--json OUT] [--model full]

For every NAME.mp4 with a NAME.truth.json in FOLDER (default: sample_videos/), runs the
pose model in video mode, measures angles with posecoach.kinematics using the clip-level
*estimated* facing (majority of facing_sign over detected frames; the truth's facing is
never used), and compares with truth on the near side (truth near_side): detection rate,
mean absolute error and 95th percentile absolute error per angle, per clip and overall.
Raw per-frame landmarks, no smoothing: this measures the model plus the angle definitions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

from posecoach.kinematics import ANGLE_INDEX, facing_sign, measure  # noqa: E402
from posecoach.landmarks import PoseFrame  # noqa: E402
from posecoach.video_io import iter_frames  # noqa: E402

TARGET_MAE_DEG = 5.0
# Compared angles; "near" is replaced by the clip's near side.
COMPARED = ("trunk_inclination", "hip_flexion_near", "knee_flexion_near", "thigh_angle_near")
GATED = ("trunk_inclination", "hip_flexion_near", "knee_flexion_near")


@dataclass(frozen=True)
class AngleError:
    n: int
    mae_deg: float
    p95_deg: float


@dataclass(frozen=True)
class ClipResult:
    name: str
    exercise: str
    frames: int
    detection_rate: float
    facing_estimated: int
    facing_truth: str
    angles: dict[str, AngleError]
    seconds: float


def _errors(abs_err: np.ndarray) -> AngleError:
    ok = abs_err[np.isfinite(abs_err)]
    if ok.size == 0:
        return AngleError(0, float("nan"), float("nan"))
    return AngleError(int(ok.size), float(ok.mean()), float(np.percentile(ok, 95)))


def _detect_clip(video: Path, model: str) -> list[PoseFrame]:
    from posecoach.pose import PoseEstimator  # imported late: loads MediaPipe

    frames = []
    with PoseEstimator.for_video(model=model) as estimator:
        for t_s, rgb in iter_frames(video):
            frames.append(estimator.detect(rgb, t_s))
    return frames


def clip_facing(frames: list[PoseFrame]) -> int:
    """Majority of per-frame facing votes over detected frames (0 if none decide)."""
    votes = [facing_sign(f.xy(0.5)) for f in frames if f.detected]
    total = sum(votes)
    return 0 if total == 0 else (1 if total > 0 else -1)


def evaluate(video: Path, truth: dict, model: str) -> tuple[ClipResult, dict[str, np.ndarray]]:
    start = time.perf_counter()
    frames = _detect_clip(video, model)
    n = min(len(frames), len(truth["frames"]))
    frames = frames[:n]
    facing = clip_facing(frames)
    near = truth["near_side"]
    errs: dict[str, np.ndarray] = {}
    for key in COMPARED:
        name = key.replace("near", near)
        est = np.array([measure(f, facing=facing).angles[ANGLE_INDEX[name]] for f in frames])
        ref = np.array([np.nan if tf["angles"][name] is None else tf["angles"][name]
                        for tf in truth["frames"][:n]], dtype=float)
        errs[key] = np.abs(est - ref)
    detected = sum(f.detected for f in frames)
    result = ClipResult(
        name=video.stem, exercise=truth["exercise"], frames=n,
        detection_rate=detected / max(len(truth["frames"]), 1), facing_estimated=facing,
        facing_truth=truth["facing"], angles={k: _errors(v) for k, v in errs.items()},
        seconds=time.perf_counter() - start)
    return result, errs


def _row(label: str, det: float, angles: dict[str, AngleError]) -> str:
    cells = [f"{label:38s}", f"{det:6.3f}"]
    for key in COMPARED:
        e = angles[key]
        cells.append(f"{e.mae_deg:6.2f} {e.p95_deg:6.2f}")
    return "  ".join(cells)


def run(folder: Path, model: str, json_out: Path | None) -> int:
    truths = sorted(folder.glob("*.truth.json"))
    if not truths:
        print(f"no *.truth.json in {folder}", file=sys.stderr)
        return 2
    header = "  ".join([f"{'clip':38s}", "  det"] + [f"{k[:13]:>13s}" for k in COMPARED])
    print(f"model={model}  columns per angle: MAE P95 (deg), near side from truth")
    print(header)
    results: list[ClipResult] = []
    pooled: dict[str, list[np.ndarray]] = {k: [] for k in COMPARED}
    total_frames = total_detected = 0
    for tp in truths:
        video = tp.with_name(tp.name.replace(".truth.json", ".mp4"))
        if not video.exists():
            continue
        truth = json.loads(tp.read_text())
        result, errs = evaluate(video, truth, model)
        results.append(result)
        for k in COMPARED:
            pooled[k].append(errs[k])
        total_frames += len(truth["frames"])
        total_detected += round(result.detection_rate * len(truth["frames"]))
        print(_row(result.name, result.detection_rate, result.angles), flush=True)
    overall = {k: _errors(np.concatenate(v)) for k, v in pooled.items()}
    det = total_detected / max(total_frames, 1)
    print(_row("OVERALL", det, overall))
    ok = all(overall[k].mae_deg <= TARGET_MAE_DEG for k in GATED)
    worst_det = min(r.detection_rate for r in results)
    facing_wrong = [r.name for r in results if r.facing_estimated != (1 if r.facing_truth == "right" else -1)]
    print(f"target MAE <= {TARGET_MAE_DEG} deg on {', '.join(GATED)}: {'met' if ok else 'NOT met'}; "
          f"lowest detection rate {worst_det:.3f}; facing wrong in {facing_wrong or 'no clip'}")
    if json_out is not None:
        doc = {"model": model, "folder": str(folder), "target_mae_deg": TARGET_MAE_DEG,
               "overall": {"detection_rate": det, "angles": {k: asdict(v) for k, v in overall.items()},
                           "target_met": ok},
               "clips": [asdict(r) for r in results]}
        json_out.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "sample_videos")
    parser.add_argument("--json", type=Path, default=None, help="write results as JSON here")
    parser.add_argument("--model", default="full", help="lite, full, heavy or a .task path")
    args = parser.parse_args(argv)
    return run(args.folder, args.model, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
