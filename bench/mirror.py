"""Is the pose model itself mirror-equivariant? The clip and its horizontal flip, frame by frame.

    python bench/mirror.py [FOLDER ...] [--model full] [--stride 1]

For every video in the folders (default: sample_videos/ and, when present,
../shared/realclips/), each decoded frame goes to two video-mode landmarkers: as it is,
and flipped left-right; the flipped frame's landmarks are flipped back (x -> width - x,
left and right labels exchanged), so both describe the same body. Printed per clip:
the median and 90th percentile of the per-frame difference between the two readings of
the near side's trunk / hip / knee angles (degrees; 0 for an equivariant model), and,
where the clip has a NAME.truth.json, the near-side MAE against the truth of the plain
reading, the flipped reading and their average (a "mirror pass").

The frames are flipped in memory (no re-encoding), so any difference is the model's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

from posecoach.kinematics import ANGLE_INDEX, angles_from_points, facing_sign, near_side  # noqa: E402
from posecoach.landmarks import VISIBILITY, X  # noqa: E402
from posecoach.tracking import swap_sides  # noqa: E402
from posecoach.video_io import iter_frames  # noqa: E402

ANGLES = ("trunk_inclination", "hip_flexion_{}", "knee_flexion_{}")
MIN_VISIBILITY = 0.5


def _readings(video: Path, model: str, stride: int) -> tuple[list[np.ndarray], list[np.ndarray], int]:
    """(plain, flipped-back) (33, 5) image landmarks per frame (NaN when not detected)."""
    from posecoach.pose import PoseEstimator  # imported late: loads MediaPipe

    plain, flipped, width = [], [], 0
    with PoseEstimator.for_video(model=model) as a, PoseEstimator.for_video(model=model) as b:
        for i, (t_s, rgb) in enumerate(iter_frames(video)):
            if i % stride:
                continue
            width = rgb.shape[1]
            plain.append(a.detect(rgb, t_s).image)
            back = b.detect(np.ascontiguousarray(rgb[:, ::-1]), t_s).image.copy()
            back[:, X] = width - back[:, X]
            flipped.append(swap_sides(back))
    return plain, flipped, width


def _xy(image: np.ndarray) -> np.ndarray:
    xy = image[:, :2].copy()
    xy[~(image[:, VISIBILITY] >= MIN_VISIBILITY)] = np.nan
    return xy


def _near_angles(images: list[np.ndarray], facing: int, side: str) -> np.ndarray:
    """(frames, 3) near-side trunk / hip / knee."""
    idx = [ANGLE_INDEX[a.format(side)] for a in ANGLES]
    return np.array([angles_from_points(_xy(img), facing)[idx] for img in images])


def _average(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = a.copy()
    out[:, :2] = (a[:, :2] + b[:, :2]) / 2.0
    out[:, VISIBILITY] = np.fmin(a[:, VISIBILITY], b[:, VISIBILITY])
    return out


def _fmt(values: np.ndarray) -> str:
    return "/".join(f"{v:4.1f}" for v in values)


def clip_row(video: Path, model: str, stride: int) -> tuple[str, dict[str, np.ndarray]]:
    plain, flipped, _ = _readings(video, model, stride)
    votes = sum(facing_sign(_xy(img)) for img in plain)
    facing = 1 if votes >= 0 else -1
    truth_path = video.with_suffix(".truth.json")
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
    side = truth["near_side"] if truth else (near_side(facing) or "right")
    p, f = _near_angles(plain, facing, side), _near_angles(flipped, facing, side)
    gap = np.abs(p - f)
    med = np.array([np.nanmedian(c) if np.isfinite(c).any() else np.nan for c in gap.T])
    p90 = np.array([np.nanpercentile(c, 90) if np.isfinite(c).any() else np.nan for c in gap.T])
    row = f"{video.stem[:38]:38s}  gap med {_fmt(med)}  p90 {_fmt(p90)}"
    errs: dict[str, np.ndarray] = {}
    if truth is not None:
        ref = np.array([[np.nan if tf["angles"][a.format(side)] is None else tf["angles"][a.format(side)]
                         for a in ANGLES] for tf in truth["frames"][::stride]], dtype=float)
        n = min(len(ref), len(p))
        avg = _near_angles([_average(a, b) for a, b in zip(plain, flipped)], facing, side)
        errs = {"plain": np.abs(p[:n] - ref[:n]), "flipped": np.abs(f[:n] - ref[:n]),
                "average": np.abs(avg[:n] - ref[:n])}
        row += "  MAE " + "  ".join(f"{k} {_fmt(np.nanmean(v, axis=0))}" for k, v in errs.items())
    return row, errs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--model", default="full")
    parser.add_argument("--stride", type=int, default=1, help="every Nth frame")
    args = parser.parse_args(argv)
    folders = args.folders or [f for f in (ROOT / "sample_videos", ROOT.parent / "shared" / "realclips")
                               if f.is_dir()]
    print(f"model={model_label(args.model)}  near side trunk/hip/knee, degrees; gap = plain vs "
          "flipped reading of the same frame")
    pooled: dict[str, list[np.ndarray]] = {}
    for folder in folders:
        for video in sorted(folder.glob("*.mp4")):
            row, errs = clip_row(video, args.model, max(1, args.stride))
            print(row, flush=True)
            for k, v in errs.items():
                pooled.setdefault(k, []).append(v)
    if pooled:
        print("truth clips, MAE " + "  ".join(f"{k} {_fmt(np.nanmean(np.concatenate(v), axis=0))}"
                                            for k, v in pooled.items()))
    return 0


def model_label(model: str) -> str:
    return Path(model).name if model.endswith(".task") else model


if __name__ == "__main__":
    sys.exit(main())
