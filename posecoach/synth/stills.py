"""Synthetic photos with exact truth: the mannequin held in one instant of a motion.

The catalogue `PHOTOS` covers what makes a photo hard to read: a person small in a
large frame and bent forward, the camera turned off side-on, the lower legs hidden
behind an object, lying prone, a leg in the air. bench/stills.py measures the still
path on it, tests/test_stills.py uses a few small ones. The truth is the body's own
sagittal joint angles (`truth.sagittal_angles`, as in bench/accuracy.py --yaw), so
foreshortening by a turned camera counts as error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from posecoach.synth import motions, truth
from posecoach.synth.samples import FPS, ClipSpec, setup
from posecoach.synth.scene import SceneRenderer, SceneSpec

OCCLUDER_RGB = (92, 74, 60)  # a dark wooden box in front of the lower legs


@dataclass(frozen=True)
class PhotoSpec:
    """One photo: `motion` at `t_s`, seen by a camera `yaw_deg` off side-on, the motion's
    bounding box filling `fill` of a `size` frame. `occlude_shins` paints a box over the
    lower legs (from mid-shin down), as a bench or a bag in front of the runner would."""

    name: str
    motion: Callable[[], motions.Motion]
    facing: str
    t_s: float
    size: tuple[int, int] = (1920, 1080)
    fill: float = 0.8
    yaw_deg: float = 0.0
    camera_height_m: float = 1.0
    occlude_shins: bool = False
    outfit: int = 0

    @property
    def near_side(self) -> str:
        return self.facing  # an unmirrored camera on the facing side sees that side


def _stretch(variant: str) -> Callable[[], motions.Motion]:
    return lambda: motions.origin_stretch(variant)


def _swing() -> motions.Motion:
    return motions.leg_swing("good", side="right")


def _curl() -> motions.Motion:
    return motions.curl_hip_lift("good", side="left")


def _catalogue() -> tuple[PhotoSpec, ...]:
    specs = []
    # Bent forward (the origin stretch held), the person from small to large in the frame.
    for fill in (0.2, 0.35, 0.8):
        for variant, facing, outfit in (("good", "right", 0), ("rounded_back", "left", 1)):
            for t_s in (4.0, 6.0):
                specs.append(PhotoSpec(f"hinge_{variant}_fill{fill:g}_t{t_s:g}", _stretch(variant), facing,
                                       t_s, fill=fill, outfit=outfit))
    # The camera turned off side-on.
    for yaw in (-30.0, 30.0):
        specs.append(PhotoSpec(f"hinge_good_yaw{yaw:g}", _stretch("good"), "right", 5.0, fill=0.5,
                               yaw_deg=yaw, outfit=2))
    specs.append(PhotoSpec("hinge_knees_bent_yaw15", _stretch("knees_bent"), "left", 5.5, fill=0.5,
                           yaw_deg=15.0, outfit=3))
    # Lower legs hidden.
    for facing, t_s in (("right", 5.0), ("left", 6.5)):
        specs.append(PhotoSpec(f"hinge_occluded_{facing}", _stretch("good"), facing, t_s, fill=0.5,
                               occlude_shins=True, outfit=2))
    # A leg in the air, and lying prone with the knee curled.
    for t_s in (1.5, 2.6):
        specs.append(PhotoSpec(f"swing_t{t_s:g}", _swing, "right", t_s, fill=0.5, outfit=3))
    for t_s in (2.6, 6.1):
        specs.append(PhotoSpec(f"curl_t{t_s:g}", _curl, "left", t_s, fill=0.6, camera_height_m=0.8))
    return tuple(specs)


PHOTOS: tuple[PhotoSpec, ...] = _catalogue()


def photo_by_name(name: str) -> PhotoSpec:
    for spec in PHOTOS:
        if spec.name == name:
            return spec
    raise KeyError(f"no synthetic photo '{name}'")


def _occlude_shins(rgb: np.ndarray, xy_true: np.ndarray) -> np.ndarray:
    """Paint a box over both lower legs from halfway down the shins (xy: knees then ankles)."""
    knees, ankles = xy_true[:2], xy_true[2:]
    top = float(np.mean((knees[:, 1] + ankles[:, 1]) / 2.0))
    xs = np.concatenate([knees[:, 0], ankles[:, 0]])
    shin = float(np.mean(np.linalg.norm(ankles - knees, axis=1)))
    x0, x1 = int(xs.min() - 0.6 * shin), int(xs.max() + 0.6 * shin)
    y1 = int(ankles[:, 1].max() + 0.4 * shin)
    out = rgb.copy()
    out[max(0, int(top)):max(0, y1), max(0, x0):max(0, x1)] = OCCLUDER_RGB
    return out


def render_photo(spec: PhotoSpec, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(RGB uint8 photo, truth angles in ANGLE_NAMES order, degrees)."""
    from posecoach.landmarks import PoseLandmark as L

    clip = ClipSpec(f"photo_{spec.name}", spec.motion, spec.facing, spec.size, yaw_deg=spec.yaw_deg,
                    camera_height_m=spec.camera_height_m, fill=spec.fill, outfit=spec.outfit)
    s = setup(clip, seed)
    renderer = SceneRenderer(SceneSpec(s.camera, s.body, s.room, noise_sigma=clip.noise_sigma),
                             seed=s.noise_seed)
    i = int(round(spec.t_s * FPS))
    sk = s.skeleton(i)
    rgb = renderer.render(sk)
    landmarks = sk.landmarks(s.body)
    if spec.occlude_shins:
        joints = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
        xy_true = s.frame_truth(i, sk).xy[joints]
        rgb = _occlude_shins(rgb, xy_true)
    return rgb, truth.sagittal_angles(landmarks)


def photos(specs: tuple[PhotoSpec, ...] = PHOTOS, seed: int = 0) -> Iterator[tuple[PhotoSpec, np.ndarray,
                                                                                    np.ndarray]]:
    for spec in specs:
        rgb, angles = render_photo(spec, seed)
        yield spec, rgb, angles
