"""Z-buffered rasteriser of shaded round cones (capsules with two radii) in numpy.

Each primitive is drawn as a screen-space impostor: per pixel, the nearest point on the
projected axis gives the distance to the axis, the interpolated projected radius says
whether the pixel is covered, and the sphere-like cross-section gives depth and normal.
That is exact for spheres and very close for limbs under the mild perspective of a
person 2-4 m from the camera, and it is fast: only each primitive's bounding box is
touched, so a 640x360 frame with ~50 primitives takes a few milliseconds.

Coordinates: continuous pixels, pixel (i, j) covers [i, i+1) x [j, j+1), so a frame
rendered at scale s maps exactly onto the full-size one by multiplying by 1/s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.synth.camera import Camera



@dataclass(frozen=True)
class Lighting:
    """One directional light plus ambient, in camera coordinates (x right, y down, z away).

    The default comes from the camera's upper left and a little from the front: limbs get
    a lit and a shaded side, the depth cue the pose model needs to tell left from right.
    """

    toward_light: tuple[float, float, float] = (-0.45, -0.65, -0.62)  # from the surface to the light
    ambient: float = 0.30
    diffuse: float = 0.75

    def unit(self) -> np.ndarray:
        d = np.asarray(self.toward_light, float)
        return d / np.linalg.norm(d)


DEFAULT_LIGHTING = Lighting()


@dataclass(frozen=True)
class Cone:
    """A round cone from `a` to `b` (world, metres) with end radii `ra`, `rb`.

    `flat` < 1 squashes the cross-section along `flat_axis` (a unit world vector,
    perpendicular to the axis): a chest is wider than it is deep.
    `part` is a label written to the part buffer (tests use it; the renderer does not).
    """

    a: np.ndarray
    b: np.ndarray
    ra: float
    rb: float
    colour: tuple[float, float, float]
    part: int = 0
    flat: float = 1.0
    flat_axis: np.ndarray | None = None
    gloss: float = 0.0


@dataclass
class Canvas:
    """Per-frame buffers. Mutable on purpose: the rasteriser writes into it in place."""

    width: int
    height: int
    depth: np.ndarray = field(init=False)
    colour: np.ndarray = field(init=False)
    part: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.depth = np.full((self.height, self.width), np.inf, np.float32)
        self.colour = np.zeros((self.height, self.width, 3), np.float32)
        self.part = np.full((self.height, self.width), -1, np.int16)

    @property
    def mask(self) -> np.ndarray:
        return np.isfinite(self.depth)


def _apparent_radius_scale(cone: Cone, cam_axis: np.ndarray, view: np.ndarray) -> float:
    """How wide a flattened cross-section looks from `view` (1 for round ones)."""
    if cone.flat >= 1.0 or cone.flat_axis is None:
        return 1.0
    perp = np.cross(cam_axis, view)
    n = np.linalg.norm(perp)
    if n < 1e-9:
        return 1.0
    perp /= n
    flat_axis = cone.flat_axis
    other = np.cross(cam_axis / max(np.linalg.norm(cam_axis), 1e-9), flat_axis)
    return float(np.hypot(cone.flat * np.dot(flat_axis, perp), np.dot(other, perp)))


def draw_cone(canvas: Canvas, camera: Camera, cone: Cone, lighting: Lighting = DEFAULT_LIGHTING) -> None:
    """Rasterise one cone into `canvas` with depth test and Lambert shading."""
    light = lighting.unit()
    ends = np.stack([cone.a, cone.b])
    uv, z = camera.project(ends)
    if (z <= 0.05).any():
        return
    axis_world = cone.b - cone.a
    view = 0.5 * (cone.a + cone.b) - camera.position
    view /= np.linalg.norm(view)
    k = _apparent_radius_scale(cone, axis_world, view)
    r_px = camera.focal_px * np.array([cone.ra, cone.rb]) * k / z
    r_m = np.array([cone.ra, cone.rb]) * k
    pad = float(r_px.max()) + 1.0
    x0 = max(int(np.floor(uv[:, 0].min() - pad)), 0)
    x1 = min(int(np.ceil(uv[:, 0].max() + pad)), canvas.width)
    y0 = max(int(np.floor(uv[:, 1].min() - pad)), 0)
    y1 = min(int(np.ceil(uv[:, 1].max() + pad)), canvas.height)
    if x1 <= x0 or y1 <= y0:
        return
    px = np.arange(x0, x1, dtype=np.float32) + 0.5
    py = np.arange(y0, y1, dtype=np.float32) + 0.5
    gx, gy = np.meshgrid(px, py)
    a, ab = uv[0].astype(np.float32), (uv[1] - uv[0]).astype(np.float32)
    len2 = float(ab @ ab)
    if len2 > 1e-9:
        t = np.clip(((gx - a[0]) * ab[0] + (gy - a[1]) * ab[1]) / len2, 0.0, 1.0)
    else:
        t = np.zeros_like(gx)
    dx = gx - (a[0] + t * ab[0])
    dy = gy - (a[1] + t * ab[1])
    r = r_px[0] + t * (r_px[1] - r_px[0])
    q2 = (dx * dx + dy * dy) / (r * r)
    inside = q2 < 1.0
    if not inside.any():
        return
    nz = np.sqrt(np.maximum(1.0 - q2, 0.0))
    depth = (z[0] + t * (z[1] - z[0])) - nz * (r_m[0] + t * (r_m[1] - r_m[0]))
    region = canvas.depth[y0:y1, x0:x1]
    win = inside & (depth < region)
    if not win.any():
        return
    nx, ny = dx / r, dy / r
    lambert = np.maximum(nx * light[0] + ny * light[1] - nz * light[2], 0.0)
    # Darken toward the silhouette (a cheap ambient-occlusion look) so overlapping limbs of
    # the same colour still show an edge between them.
    shade = (lighting.ambient + lighting.diffuse * lambert) * (0.72 + 0.28 * np.sqrt(nz))
    rgb = shade[..., None] * np.asarray(cone.colour, np.float32)
    if cone.gloss > 0.0:
        # Blinn-ish highlight toward the camera (the view vector is -z in camera space).
        half = np.array([light[0], light[1], light[2] - 1.0])
        half /= np.linalg.norm(half)
        spec = np.maximum(nx * half[0] + ny * half[1] - nz * half[2], 0.0) ** 24
        rgb = rgb + cone.gloss * spec[..., None]
    region[win] = depth[win]
    canvas.colour[y0:y1, x0:x1][win] = rgb[win]
    canvas.part[y0:y1, x0:x1][win] = cone.part


def rasterise(camera: Camera, cones: list[Cone], lighting: Lighting = DEFAULT_LIGHTING) -> Canvas:
    canvas = Canvas(camera.width, camera.height)
    for cone in cones:
        draw_cone(canvas, camera, cone, lighting)
    return canvas
