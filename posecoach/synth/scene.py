"""One camera, one room, one figure: compose frames.

The figure is rasterised at `render_scale` of the output size and upscaled (bilinear),
which keeps a 720p frame well under 100 ms on one core; the room is rendered once at
full size. A soft contact shadow grounds the figure, and optional sensor noise comes
from a generator seeded per clip, so frames are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.synth.background import Room, render_room
from posecoach.synth.body import Body
from posecoach.synth.camera import Camera
from posecoach.synth.figure import dress
from posecoach.synth.render import DEFAULT_LIGHTING, Canvas, Lighting, rasterise
from posecoach.synth.skeleton import Skeleton


@dataclass(frozen=True)
class SceneSpec:
    camera: Camera
    body: Body
    room: Room = Room()
    render_scale: float = 0.5
    noise_sigma: float = 0.0  # sensor noise, in 8-bit levels
    lighting: Lighting = DEFAULT_LIGHTING
    origin_xz: tuple[float, float] = (0.0, 0.0)


class SceneRenderer:
    """Renders frames of one clip. Holds the pre-rendered room and the noise generator."""

    def __init__(self, spec: SceneSpec, seed: int = 0) -> None:
        self._spec = spec
        self._small = spec.camera.scaled(spec.render_scale) if spec.render_scale != 1.0 else spec.camera
        self._room = render_room(spec.camera, spec.room, spec.origin_xz)
        self._rng = np.random.default_rng(seed)

    @property
    def spec(self) -> SceneSpec:
        return self._spec

    def canvas(self, skeleton: Skeleton) -> Canvas:
        """The figure alone at the internal resolution (depth, colour and part buffers)."""
        return rasterise(self._small, dress(skeleton, self._spec.body), self._spec.lighting)

    def render(self, skeleton: Skeleton) -> np.ndarray:
        """(H, W, 3) uint8 RGB frame."""
        cam = self._spec.camera
        canvas = self.canvas(skeleton)
        alpha: np.ndarray = canvas.mask.astype(np.float32)
        colour: np.ndarray = canvas.colour
        shadow: np.ndarray = self._shadow(skeleton)
        if self._small is not cam:
            size = (cam.width, cam.height)
            colour = cv2.resize(colour, size, interpolation=cv2.INTER_LINEAR)
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_LINEAR)
            shadow = cv2.resize(shadow, size, interpolation=cv2.INTER_LINEAR)
        # In-place float32 arithmetic: at 720p the compositing, not the rasterising, is
        # what costs, so every full-size temporary saved counts.
        img = self._room * (1.0 - 0.45 * shadow)[..., None]
        colour -= img
        colour *= alpha[..., None]
        img += colour
        img *= 255.0
        if self._spec.noise_sigma > 0:
            img += self._noise(img.shape)
        img += 0.5
        np.clip(img, 0, 255, out=img)
        return img.astype(np.uint8)

    def _noise(self, shape: tuple[int, ...]) -> np.ndarray:
        """Zero-mean sensor noise with standard deviation `noise_sigma`.

        The sum of two uniform bytes (a triangular distribution, close enough to Gaussian
        for sensor grain) costs a few ms at 720p where numpy's normal sampler takes ~27 ms.
        """
        n = int(np.prod(shape))
        a = np.frombuffer(self._rng.bytes(n), np.uint8).reshape(shape).astype(np.float32)
        a += np.frombuffer(self._rng.bytes(n), np.uint8).reshape(shape)
        a -= 255.0
        a *= self._spec.noise_sigma / _TRIANGULAR_SD
        return a

    def _shadow(self, skeleton: Skeleton) -> np.ndarray:
        """Soft darkening of the floor under the body, strongest where it touches down."""
        cam = self._small
        mask = np.zeros((cam.height, cam.width), np.float32)
        pts = skeleton.points
        for a, b, r in _SHADOW_SEGMENTS:
            pa, pb = pts[a].copy(), pts[b].copy()
            height = max(0.0, 0.5 * (pa[1] + pb[1]))
            strength = float(np.exp(-height / 0.35))
            pa[1] = pb[1] = 0.0
            uv, z = cam.project(np.stack([pa, pb]))
            if (z <= 0.1).any():
                continue
            thick = max(1, int(cam.focal_px * r * self._spec.body.height_m / float(z.mean())))
            cv2.line(mask, tuple(int(x) for x in uv[0]), tuple(int(x) for x in uv[1]),
                     strength, thick, cv2.LINE_AA)
        k = max(3, int(0.02 * max(cam.width, cam.height)) | 1)
        return cv2.GaussianBlur(mask, (k, k), 0)


# Standard deviation of the sum of two independent uniform bytes (0..255 each).
_TRIANGULAR_SD = float(np.sqrt(2 * (256**2 - 1) / 12))

# Segments that cast a shadow, with a width as a fraction of height.
_SHADOW_SEGMENTS: tuple[tuple[str, str, float], ...] = (
    ("heel_left", "toe_left", 0.06), ("heel_right", "toe_right", 0.06),
    ("knee_left", "ankle_left", 0.06), ("knee_right", "ankle_right", 0.06),
    ("hip_left", "knee_left", 0.09), ("hip_right", "knee_right", 0.09),
    ("hip_centre", "shoulder_centre", 0.18), ("shoulder_centre", "head_centre", 0.1),
)
