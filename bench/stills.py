"""Stills: does refining a small person (crop around the detection, run again) help?

    python bench/stills.py [--model full]

Renders the synthetic mannequin bent forward (origin stretch, good and rounded back, at
points of its hold) as photos in a 1920x1080 frame, the person filling 20 % or 35 % of
it, and compares trunk / hip / knee (near side) with the exact truth, for the plain
image-mode pose and for `posecoach.stills.refined_detect`. MAE in degrees over the
photos where the angle is measured, and the share measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from posecoach.kinematics import ANGLE_INDEX, angles_from_points, facing_sign  # noqa: E402
from posecoach.synth import motions  # noqa: E402
from posecoach.synth.samples import FPS, ClipSpec, setup  # noqa: E402
from posecoach.synth.scene import SceneRenderer, SceneSpec  # noqa: E402

ANGLES = ("trunk_inclination", "hip_flexion_{near}", "knee_flexion_{near}")
TIMES_S = (4.0, 5.0, 6.0, 7.0)


def photos(fill: float):
    for variant, facing in (("good", "right"), ("rounded_back", "left")):
        spec = ClipSpec(f"still_{variant}", lambda v=variant: motions.origin_stretch(v), facing,
                        (1920, 1080), fill=fill)
        s = setup(spec)
        renderer = SceneRenderer(SceneSpec(s.camera, s.body, s.room, noise_sigma=1.5), seed=s.noise_seed)
        for t in TIMES_S:
            i = int(t * FPS)
            sk = s.skeleton(i)
            yield renderer.render(sk), s.frame_truth(i, sk).angles, facing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="full")
    args = parser.parse_args(argv)
    from posecoach.pose import PoseEstimator
    from posecoach.stills import refined_detect

    print(f"model={args.model}  MAE deg trunk / hip / knee (near side), share measured")
    with PoseEstimator.for_images(args.model) as est:
        for fill in (0.2, 0.35):
            errs = {"plain": [], "refined": []}
            for rgb, truth, facing in photos(fill):
                near = facing
                for name, detect in (("plain", est.detect), ("refined", refined_detect(est.detect))):
                    f = detect(rgb, 0.0)
                    xy = f.xy(0.5)
                    sign = facing_sign(xy) or (1 if facing == "right" else -1)
                    a = angles_from_points(xy, sign) if f.detected else np.full(len(truth), np.nan)
                    index = [ANGLE_INDEX[n.format(near=near)] for n in ANGLES]
                    errs[name].append([abs(a[i] - truth[i]) for i in index])
            for name, rows in errs.items():
                arr = np.array(rows, dtype=float)
                mae = [np.nanmean(arr[:, j]) if np.isfinite(arr[:, j]).any() else np.nan for j in range(3)]
                share = float(np.isfinite(arr).mean())
                print(f"fill {fill:.2f} {name:8s} " + " / ".join(f"{v:5.1f}" for v in mae)
                      + f"   measured {share:.2f}  ({len(rows)} photos)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
