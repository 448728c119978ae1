"""Stills: how well does the still-image path read a photo?

    python bench/stills.py [--model heavy] [--way plain,refined,photo] [--per-photo] [--real]

Renders the synthetic photo catalogue (posecoach.synth.stills: the mannequin bent
forward filling 20 / 35 / 80 % of a 1920x1080 frame, the camera 15-30 degrees off
side-on, the lower legs hidden behind a box, a leg swing, a prone curl) and reads each
photo the way `posecoach analyze PHOTO` does (pose -> FrameMeasurer: visibility cut,
yaw policy, human-range gate -> the sample the report shows). Compared with the body's
own joint angles: MAE in degrees of trunk / knee / hip (both sides) over the angles
measured, the share of the truth's knee and hip angles measured, and the photos with
a gross error (any angle off by more than 30 degrees).

--real adds a table without truth, from frames of ../shared/realclips (skipped when
absent): each frame is read at its own size (`plain`, the reference) and then shrunk
to 35 / 25 / 20 % and pasted into a frame 2-3 times larger; per way, how many small
copies give the reference's trunk angle within 15 degrees, how many a wrong one
(a skeleton the model invented), how many nothing; and the share of knee and hip
angles measured at the frame's own size.

Ways to find the pose:
  plain    one image-mode pass over the whole photo;
  refined  posecoach.photo_pose.refined_detect: windowed search when nobody is found,
           then a crop around the person (the still path before the mirror pass);
  photo    posecoach.photo_pose.photo_detect: refined, plus the mirror pass and
           per-landmark confidence from agreement (the still path);
  confirm  photo, but the mirror read only confirms: positions are the main read's.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posecoach.kinematics import ANGLE_INDEX  # noqa: E402
from posecoach.pipeline import measure_stream, smooth_clip  # noqa: E402
from posecoach.synth.stills import PHOTOS, PhotoSpec, photos  # noqa: E402

SIDES = ("left", "right")
FAMILIES = {"trunk": ["trunk_inclination"],
            "knee": [f"knee_flexion_{s}" for s in SIDES],
            "hip": [f"hip_flexion_{s}" for s in SIDES]}
GROSS_DEG = 30.0


def read_photo(detect, rgb: np.ndarray) -> np.ndarray:
    """The angles the report of this photo shows (ANGLE_NAMES order, NaN = not measured)."""
    h, w = rgb.shape[:2]
    measurements = [m for _, m in measure_stream([(0.0, rgb)], detect)]
    return smooth_clip(measurements, w, h)[0].angles


def score(rows: list[tuple[np.ndarray, np.ndarray, str]]) -> dict[str, float]:
    """MAE per family (and of the near side's knee and hip), knee+hip share measured,
    photos with a gross error."""
    out: dict[str, float] = {}
    for family in ("knee", "hip"):
        near_index = [ANGLE_INDEX[f"{family}_flexion_{near}"] for _, _, near in rows]
        err = np.array([abs(got[i] - truth[i]) for (got, truth, _), i in zip(rows, near_index)])
        out[f"near_{family}"] = float(np.nanmean(err)) if np.isfinite(err).any() else float("nan")
    for family, names in FAMILIES.items():
        idx = [ANGLE_INDEX[n] for n in names]
        err = np.array([np.abs(got[idx] - truth[idx]) for got, truth, _ in rows]).ravel()
        out[family] = float(np.nanmean(err)) if np.isfinite(err).any() else float("nan")
        out[f"{family}_share"] = float(np.isfinite(err).mean())
    limbs = [ANGLE_INDEX[n] for n in FAMILIES["knee"] + FAMILIES["hip"]]
    out["limb_share"] = float(np.mean([np.isfinite(got[limbs]).mean() for got, _, _ in rows]))
    every = [ANGLE_INDEX[n] for names in FAMILIES.values() for n in names]
    with np.errstate(invalid="ignore"):
        out["gross"] = float(sum(bool((np.abs(got[every] - truth[every]) > GROSS_DEG).any())
                                 for got, truth, _ in rows))
    return out


def detectors(estimator, ways: list[str]):
    from posecoach import photo_pose

    table = {"plain": lambda: estimator.detect,
             "refined": lambda: photo_pose.refined_detect(estimator.detect),
             "photo": lambda: photo_pose.photo_detect(estimator.detect),
             "confirm": lambda: photo_pose.photo_detect(estimator.detect, replace(photo_pose.DEFAULT_CONFIG,
                                                                                average=False))}
    unknown = [w for w in ways if w not in table]
    if unknown:
        raise SystemExit(f"unknown way(s) {unknown}: choose from {', '.join(table)}")
    return {w: table[w]() for w in ways}


REAL_DIR = ROOT.parent / "shared" / "realclips"
REAL_AT = (0.1, 0.3, 0.5, 0.7, 0.9)               # points of each clip
SMALL = ((0.35, 2), (0.25, 2), (0.2, 3))           # (shrink, canvas over frame size)
AGREE_DEG = 15.0


def small_copy(rgb: np.ndarray, shrink: float, canvas: int) -> np.ndarray:
    """The frame shrunk and pasted into a blurred, `canvas`-times larger copy of itself."""
    import cv2

    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    big = cv2.GaussianBlur(cv2.resize(rgb, (w * canvas, h * canvas)), (0, 0), 25)
    y0, x0 = int(big.shape[0] * 0.55), int(big.shape[1] * 0.3)
    big[y0:y0 + small.shape[0], x0:x0 + small.shape[1]] = small
    return big


def real_table(estimator, found: dict) -> None:
    from posecoach.video_io import iter_frames

    clips = sorted(REAL_DIR.glob("*.mp4")) if REAL_DIR.is_dir() else []
    if not clips:
        print("real frames: ../shared/realclips not found, skipped")
        return
    limbs = [ANGLE_INDEX[n] for n in FAMILIES["knee"] + FAMILIES["hip"]]
    counts = {w: {"agrees": 0, "wrong": 0, "nothing": 0, "limbs": [], "limbs_seen": []}
              for w in found}
    total = 0
    for clip in clips:
        frames = list(iter_frames(clip))
        for at in REAL_AT:
            _, rgb = frames[int(at * (len(frames) - 1))]
            reference = read_photo(estimator.detect, rgb)[ANGLE_INDEX["trunk_inclination"]]
            for way, detect in found.items():
                share = float(np.isfinite(read_photo(detect, rgb)[limbs]).mean())
                counts[way]["limbs"].append(share)
                if np.isfinite(reference):  # the view allows measuring (not the front view)
                    counts[way]["limbs_seen"].append(share)
            if not np.isfinite(reference):
                continue
            for shrink, canvas in SMALL:
                big = small_copy(rgb, shrink, canvas)
                total += 1
                for way, detect in found.items():
                    trunk = read_photo(detect, big)[ANGLE_INDEX["trunk_inclination"]]
                    key = "nothing" if not np.isfinite(trunk) else (
                        "agrees" if abs(trunk - reference) <= AGREE_DEG else "wrong")
                    counts[way][key] += 1
    print(f"real frames ({len(clips)} clips x {len(REAL_AT)} frames; {total} small copies): trunk of the small "
          f"copy vs the frame's own read, within {AGREE_DEG:.0f} deg / off (invented) / not measured; "
          "knee+hip measured at own size (all frames; frames whose view allows measuring)")
    for way, c in counts.items():
        print(f"{way:8s} agrees {c['agrees']:3d}   wrong {c['wrong']:3d}   nothing {c['nothing']:3d}   "
              f"knee+hip measured {np.mean(c['limbs']):4.0%} ({np.mean(c['limbs_seen']):4.0%})", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="heavy")
    parser.add_argument("--way", default="plain,refined,photo", help="comma-separated: plain, refined, photo")
    parser.add_argument("--only", default="", help="photos whose name contains this")
    parser.add_argument("--per-photo", action="store_true", help="one line per photo and way")
    parser.add_argument("--real", action="store_true", help="add the table on real frames made small")
    parser.add_argument("--no-synthetic", action="store_true", help="only the --real table")
    args = parser.parse_args(argv)
    from posecoach.pose import PoseEstimator

    specs: tuple[PhotoSpec, ...] = tuple(s for s in PHOTOS if args.only in s.name)
    ways = [w.strip() for w in args.way.split(",") if w.strip()]
    rows: dict[str, list[tuple[np.ndarray, np.ndarray, str]]] = {w: [] for w in ways}
    groups: dict[str, dict[str, list[tuple[np.ndarray, np.ndarray, str]]]] = {w: {} for w in ways}
    seconds: dict[str, list[float]] = {w: [] for w in ways}
    with PoseEstimator.for_images(args.model) as est:
        found = detectors(est, ways)
        if args.real:
            real_table(est, found)
        for spec, rgb, truth in (() if args.no_synthetic else photos(specs)):
            group = spec.name.rsplit("_t", 1)[0] if "fill" in spec.name else spec.name.split("_")[0] + (
                " yawed" if spec.yaw_deg else " occluded" if spec.occlude_shins else "")
            for way, detect in found.items():
                start = time.perf_counter()
                got = read_photo(detect, rgb)
                seconds[way].append(time.perf_counter() - start)
                rows[way].append((got, truth, spec.near_side))
                groups[way].setdefault(group, []).append((got, truth, spec.near_side))
                if args.per_photo:
                    print(f"  {spec.name:32s} {way:8s} got " + " ".join(f"{v:6.1f}" for v in got)
                          + "\n  " + " " * 41 + "truth " + " ".join(f"{v:6.1f}" for v in truth), flush=True)
    if args.no_synthetic:
        return 0
    print(f"model={args.model}; {len(specs)} synthetic photos; MAE deg trunk / knee / hip (both sides), "
          "[near side knee / hip], share of knee+hip angles measured, photos with an error > 30 deg, "
          "seconds per photo (pose only, median)")
    for way in ways:
        for label, subset in [("all", rows[way])] + sorted(groups[way].items()):
            s = score(subset)
            tail = f"   {np.median(seconds[way]):.2f} s" if label == "all" else ""
            print(f"{way:8s} {label:26s} {s['trunk']:5.1f} / {s['knee']:5.1f} / {s['hip']:5.1f}  "
                  f"[{s['near_knee']:5.1f} / {s['near_hip']:5.1f}]  "
                  f"measured {s['limb_share']:4.0%} (trunk {s['trunk_share']:4.0%})   gross {s['gross']:.0f}/"
                  f"{len(subset)}{tail}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
