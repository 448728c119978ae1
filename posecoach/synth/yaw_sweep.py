"""The mannequin filmed from a turning camera: frames with their side-on truth.

Used by `bench/accuracy.py --yaw` to measure angle error against camera yaw (0 = side
view, 90 = front). Each motion of the catalogue is rendered at each yaw, every
`stride`-th frame, at 640x480; the truth is `truth.sagittal_angles`, the body's own
joint angles, so foreshortening by the camera counts as error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from posecoach.synth import motions, truth
from posecoach.synth.samples import FPS, ClipSpec, setup
from posecoach.synth.scene import SceneRenderer, SceneSpec

YAWS_DEG: tuple[float, ...] = (0.0, 15.0, 30.0, 45.0, 60.0, 90.0)


@dataclass(frozen=True)
class SweepMotion:
    name: str
    exercise: str
    motion: Callable[[], motions.Motion]
    facing: str
    camera_height_m: float = 1.0

    @property
    def near_side(self) -> str:
        return self.facing  # an unmirrored camera on the facing side sees that side


SWEEP_MOTIONS: tuple[SweepMotion, ...] = (
    SweepMotion("origin_stretch", "origin-stretch", lambda: motions.origin_stretch("good"), "right"),
    SweepMotion("leg_swing", "leg-swing", lambda: motions.leg_swing("good", side="right"), "right"),
    SweepMotion("curl_hip_lift", "curl-hip-lift", lambda: motions.curl_hip_lift("good", side="left"),
                "left", camera_height_m=0.8),
)


def sweep_frames(motion: SweepMotion, yaw_deg: float, stride: int = 3, seed: int = 0,
                 size: tuple[int, int] = (640, 480)) -> Iterator[tuple[float, np.ndarray, np.ndarray]]:
    """(t_s, rgb, side-on truth angles) for every `stride`-th frame of the motion."""
    spec = ClipSpec(f"{motion.name}_yaw{yaw_deg:g}", motion.motion, motion.facing, size,
                    yaw_deg=yaw_deg, camera_height_m=motion.camera_height_m)
    s = setup(spec, seed)
    renderer = SceneRenderer(SceneSpec(s.camera, s.body, s.room, noise_sigma=spec.noise_sigma),
                             seed=s.noise_seed)
    for i in range(0, s.n_frames, stride):
        sk = s.skeleton(i)
        yield i / FPS, renderer.render(sk), truth.sagittal_angles(sk.landmarks(s.body))
