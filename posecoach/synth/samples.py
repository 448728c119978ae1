"""The catalogue of committed sample clips, and `generate()` to (re)make them.

Each clip is a motion script seen by a camera at one size, facing one way. The seed
jitters body proportions, tempo-free details (colours, camera height) and sensor noise,
so other seeds give new, equally exact clips; the same seed gives the same truth and,
with one x264 thread, the same bytes.
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from pathlib import Path

import numpy as np

from posecoach.synth import motions, truth
from posecoach.synth.background import Room
from posecoach.synth.body import Body, Outfit
from posecoach.synth.camera import Camera
from posecoach.synth.scene import SceneRenderer, SceneSpec
from posecoach.synth.skeleton import Skeleton, forward_kinematics
from posecoach.video_io import VideoWriter

FPS = 30
GENERATOR = "posecoach.synth 1"

_OUTFITS = (
    Outfit(),
    Outfit(skin=(0.62, 0.42, 0.30), hair=(0.06, 0.05, 0.05), top=(0.78, 0.22, 0.20),
           bottom=(0.20, 0.22, 0.30), shoes=(0.95, 0.95, 0.95), shorts=True),
    Outfit(skin=(0.93, 0.76, 0.64), hair=(0.45, 0.30, 0.15), top=(0.92, 0.70, 0.20),
           bottom=(0.10, 0.10, 0.12), shoes=(0.85, 0.30, 0.25), short_sleeves=False),
    Outfit(skin=(0.45, 0.30, 0.22), hair=(0.04, 0.04, 0.04), top=(0.30, 0.62, 0.40),
           bottom=(0.55, 0.55, 0.60), shoes=(0.20, 0.20, 0.22), lips=(0.45, 0.22, 0.20)),
)


@dataclass(frozen=True)
class ClipSpec:
    """One committed sample. yaw_deg turns the camera off the pure side view."""

    name: str
    motion: Callable[[], motions.Motion]
    facing: str
    size: tuple[int, int]
    yaw_deg: float = 0.0
    camera_height_m: float = 1.0
    fov_deg: float = 60.0
    fill: float = 0.86  # fraction of the frame the motion's bounding box spans
    outfit: int = 0
    noise_sigma: float = 1.5
    mat: bool = False
    crf: int = 24


CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec("origin_stretch_good_right", lambda: motions.origin_stretch("good"), "right",
             (1280, 720)),
    ClipSpec("origin_stretch_rounded_back_left", lambda: motions.origin_stretch("rounded_back"),
             "left", (1280, 720), yaw_deg=8.0, outfit=1),
    ClipSpec("origin_stretch_knees_bent_right", lambda: motions.origin_stretch("knees_bent"),
             "right", (640, 480), yaw_deg=-6.0, outfit=2),
    ClipSpec("origin_stretch_hips_not_back_left", lambda: motions.origin_stretch("hips_not_back"),
             "left", (1280, 720), outfit=3, noise_sigma=2.5),
    ClipSpec("origin_stretch_staggered_good_left",
             lambda: motions.origin_stretch("good", staggered=True, front_leg="left"), "left",
             (720, 1280), yaw_deg=-10.0, outfit=2),
    ClipSpec("origin_stretch_bouncing_right", lambda: motions.origin_stretch("bouncing"), "right",
             (640, 480), outfit=3),
    ClipSpec("leg_swing_good_right", lambda: motions.leg_swing("good", side="right"), "right",
             (1280, 720)),
    ClipSpec("leg_swing_too_fast_left",
             lambda: motions.leg_swing("progressing_too_fast", side="left"), "left", (640, 480),
             outfit=1),
    ClipSpec("leg_swing_trunk_sway_right", lambda: motions.leg_swing("trunk_sway", side="right"),
             "right", (1280, 720), yaw_deg=10.0, outfit=2),
    ClipSpec("leg_swing_stance_knee_bent_left",
             lambda: motions.leg_swing("stance_knee_bent", side="left"), "left", (720, 1280),
             outfit=3),
    ClipSpec("curl_hip_lift_good_left", lambda: motions.curl_hip_lift("good", side="left"), "left",
             (1280, 720), camera_height_m=0.8, mat=True),
    ClipSpec("curl_hip_lift_partial_right", lambda: motions.curl_hip_lift("partial_range", side="right"),
             "right", (1280, 720), camera_height_m=0.7, outfit=1, mat=True),
    ClipSpec("curl_hip_lift_pelvis_lift_left", lambda: motions.curl_hip_lift("pelvis_lift", side="left"),
             "left", (1280, 720), camera_height_m=0.75, yaw_deg=6.0, outfit=2),
    ClipSpec("curl_hip_lift_no_hip_lift_right", lambda: motions.curl_hip_lift("no_hip_lift", side="right"),
             "right", (640, 480), camera_height_m=0.7, outfit=3, mat=True),
)
CLIP_NAMES: tuple[str, ...] = tuple(c.name for c in CLIPS)


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _body(spec: ClipSpec, rng: np.random.Generator) -> Body:
    return Body(height_m=float(rng.uniform(1.62, 1.88)), leg_scale=float(rng.uniform(0.97, 1.03)),
                arm_scale=float(rng.uniform(0.97, 1.03)), trunk_scale=float(rng.uniform(0.97, 1.03)),
                girth=float(rng.uniform(0.92, 1.1)), outfit=_OUTFITS[spec.outfit % len(_OUTFITS)])


def _bounds(motion: motions.Motion, body: Body) -> tuple[np.ndarray, np.ndarray]:
    """World-space min/max over the whole motion (joints padded by the head and feet)."""
    pts = []
    for t in np.linspace(0.0, motion.duration_s, 40):
        sk = forward_kinematics(motion.pose_at(float(t), body), body)
        p = np.array(list(sk.points.values()))
        pts.append(p)
        pts.append(sk.head.origin + body.head_radius_m * np.array([[0, 1.3, 0], [1.3, 0, 0], [-1.3, 0, 0]]))
    allp = np.concatenate(pts)
    return allp.min(axis=0), allp.max(axis=0)


def frame_camera(spec: ClipSpec, motion: motions.Motion, body: Body, height_jitter: float = 0.0) -> Camera:
    """Aim and back the camera off until the whole motion fills `spec.fill` of the frame."""
    lo, hi = _bounds(motion, body)
    target = (float(lo[0] + hi[0]) / 2, float(lo[1] + hi[1]) / 2, 0.0)
    w, h = spec.size
    distance = 3.0
    cam = None
    for _ in range(4):
        cam = Camera.orbit(w, h, distance_m=distance, height_m=spec.camera_height_m + height_jitter,
                           yaw_deg=spec.yaw_deg, target=target, fov_deg=spec.fov_deg, facing=spec.facing)
        corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1])
                            for z in (lo[2], hi[2])])
        uv, _ = cam.project(corners)
        span = max((uv[:, 0].max() - uv[:, 0].min()) / w, (uv[:, 1].max() - uv[:, 1].min()) / h)
        distance *= span / spec.fill
        # Re-centre: shift the aim point so the projected box is centred.
        centre_uv = (uv.min(axis=0) + uv.max(axis=0)) / 2
        target = (target[0], target[1] - (centre_uv[1] - h / 2) * distance / cam.focal_px * 0.5, 0.0)
        horiz = (centre_uv[0] - w / 2) * distance / cam.focal_px
        sign = 1.0 if spec.facing == "right" else -1.0
        target = (target[0] + sign * horiz * 0.5, target[1], 0.0)
    assert cam is not None
    return Camera.orbit(w, h, distance_m=distance, height_m=spec.camera_height_m + height_jitter,
                        yaw_deg=spec.yaw_deg, target=target, fov_deg=spec.fov_deg, facing=spec.facing)


@dataclass(frozen=True)
class ClipSetup:
    """Everything a clip's frames and truth depend on, drawn from (seed, name)."""

    spec: ClipSpec
    seed: int
    body: Body
    motion: motions.Motion
    camera: Camera
    room: Room
    noise_seed: int

    @property
    def n_frames(self) -> int:
        return int(round(self.motion.duration_s * FPS))

    def skeleton(self, i: int) -> Skeleton:
        return forward_kinematics(self.motion.pose_at(i / FPS, self.body), self.body)

    def frame_truth(self, i: int, skeleton: Skeleton | None = None) -> truth.FrameTruth:
        sk = self.skeleton(i) if skeleton is None else skeleton
        return truth.frame_truth(i / FPS, sk.landmarks(self.body), self.camera, self.spec.facing)

    def document(self, frames: list[truth.FrameTruth]) -> dict[str, Any]:
        near = self.spec.facing  # a real (unmirrored) side view shows the side the person faces
        cam = self.camera
        return truth.build(self.motion, frames, fps=FPS, camera=cam, facing=self.spec.facing,
                           near_side=near,
                           extra={"name": self.spec.name, "seed": self.seed, "generator": GENERATOR,
                                  "camera": {"yaw_deg": self.spec.yaw_deg,
                                             "height_m": round(float(cam.position[1]), 3),
                                             "focal_px": round(cam.focal_px, 2)},
                                  "body": {"height_m": round(self.body.height_m, 3)}})


def setup(spec: ClipSpec, seed: int = 0) -> ClipSetup:
    # The draw order is part of the format: changing it changes every committed clip.
    rng = _rng(seed, spec.name)
    body = _body(spec, rng)
    motion = spec.motion()
    camera = frame_camera(spec, motion, body, height_jitter=float(rng.uniform(-0.08, 0.08)))
    lo, hi = _bounds(motion, body)
    room = Room(brightness=float(rng.uniform(0.92, 1.05)),
                mat=(lo[0] - 0.1, hi[0] + 0.1, -0.4, 0.4) if spec.mat else None)
    return ClipSetup(spec, seed, body, motion, camera, room, int(rng.integers(2**31)))


def clip_truth(spec: ClipSpec, seed: int = 0, max_frames: int | None = None) -> dict[str, Any]:
    """The truth document of a clip without rendering it (fast: geometry only)."""
    s = setup(spec, seed)
    n = s.n_frames if max_frames is None else min(s.n_frames, max_frames)
    return s.document([s.frame_truth(i) for i in range(n)])


def render_clip(spec: ClipSpec, out_dir: Path, seed: int = 0, max_frames: int | None = None) -> Path:
    """Render one clip and its truth file into `out_dir`; returns the video path.

    max_frames cuts the clip short (tests render a few frames of a real catalogue entry).
    """
    s = setup(spec, seed)
    renderer = SceneRenderer(SceneSpec(s.camera, s.body, s.room, noise_sigma=spec.noise_sigma),
                             seed=s.noise_seed)
    n = s.n_frames if max_frames is None else min(s.n_frames, max_frames)
    video = out_dir / f"{spec.name}.mp4"
    frames = []
    with VideoWriter(video, *spec.size, fps=FPS, crf=spec.crf, preset="medium", threads=1) as writer:
        for i in range(n):
            sk = s.skeleton(i)
            frames.append(s.frame_truth(i, sk))
            writer.write(renderer.render(sk))
    truth.write(s.document(frames), truth.truth_path(video))
    return video


def generate(out_dir: Path, seed: int = 0, names: Sequence[str] | None = None) -> list[Path]:
    """Render the catalogue (or the named clips) into `out_dir`; returns the video paths."""
    wanted = list(CLIP_NAMES) if names is None else list(names)
    unknown = sorted(set(wanted) - set(CLIP_NAMES))
    if unknown:
        raise ValueError(f"unknown sample clip(s) {unknown}; valid: {list(CLIP_NAMES)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [render_clip(spec, out_dir, seed) for spec in CLIPS if spec.name in wanted]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of `posecoach samples generate`."""
    parser.add_argument("--out", type=Path, default=Path("sample_videos"), help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="variation seed (0 = the committed clips)")
    parser.add_argument("--only", nargs="*", default=None, metavar="NAME",
                        help=f"clip names (default: all): {', '.join(CLIP_NAMES)}")


def run(args: argparse.Namespace) -> list[Path]:
    return generate(args.out, seed=args.seed, names=args.only)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="posecoach samples generate",
                                     description="Render the synthetic sample clips with ground truth.")
    add_arguments(parser)
    run(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["CLIPS", "CLIP_NAMES", "ClipSetup", "ClipSpec", "add_arguments", "clip_truth", "frame_camera",
           "generate", "main", "render_clip", "run", "setup"]
