"""A room behind the person: a textured wooden floor (y = 0), a painted wall with a
skirting board, and optionally an exercise mat. Ray-cast once per clip (the camera
does not move), then reused for every frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from posecoach.synth.camera import Camera


@dataclass(frozen=True)
class Room:
    """The wall stands `wall_distance_m` behind the person, facing the camera's side (its
    normal is +-z, whichever points at the camera). mat: (x_min, x_max, z_min, z_max) in
    metres, or None for no mat."""

    wall_colour: tuple[float, float, float] = (0.80, 0.78, 0.72)
    floor_colour: tuple[float, float, float] = (0.55, 0.40, 0.27)
    wall_distance_m: float = 1.8
    mat: tuple[float, float, float, float] | None = None
    mat_colour: tuple[float, float, float] = (0.35, 0.55, 0.50)
    brightness: float = 1.0


def _hash_noise(i: np.ndarray, salt: int) -> np.ndarray:
    """Deterministic pseudo-random value in [0, 1) per integer cell (no global RNG state)."""
    h = (i.astype(np.int64) * 73856093 + salt * 19349663) & 0xFFFFFFFF
    h = (h ^ (h >> 13)) * 1274126177 & 0xFFFFFFFF
    return (h & 0xFFFF).astype(np.float32) / 65536.0


def render_room(camera: Camera, room: Room, origin_xz: tuple[float, float]) -> np.ndarray:
    """(H, W, 3) float32 RGB in [0, 1] of the empty room seen by `camera`.

    origin_xz: where the person stands; the wall is `wall_distance_m` behind it.
    """
    h, w = camera.height, camera.width
    u, v = np.meshgrid(np.arange(w, dtype=np.float64) + 0.5, np.arange(h, dtype=np.float64) + 0.5)
    d = camera.rays(u, v)
    c = camera.position
    n = np.array([0.0, 0.0, 1.0 if c[2] >= origin_xz[1] else -1.0])
    wall_p0 = np.array([origin_xz[0], 0.0, origin_xz[1]]) - room.wall_distance_m * n
    with np.errstate(divide="ignore", invalid="ignore"):
        t_floor = np.where(d[..., 1] < 0, -c[1] / d[..., 1], np.inf)
        denom = d @ n
        t_wall = np.where(denom < 0, ((wall_p0 - c) @ n) / denom, np.inf)
    floor = t_floor < t_wall
    t = np.where(floor, t_floor, t_wall)
    t = np.where(np.isfinite(t), t, 50.0)
    p = c + d * t[..., None]
    img = np.empty((h, w, 3), np.float32)

    # Floor: planks 0.14 m wide running along x, each a slightly different tone, with
    # dark seams and plank ends, so the floor has the texture a real room has.
    plank = np.floor(p[..., 2] / 0.14)
    offset = _hash_noise(plank, 1) * 1.2
    seg = np.floor((p[..., 0] + offset) / 1.2)
    tone = 0.85 + 0.25 * _hash_noise(plank * 131 + seg, 2)
    grain = 0.96 + 0.04 * np.sin(p[..., 0] * 37.0 + 5.0 * np.sin(p[..., 2] * 23.0))
    seam = np.minimum(np.abs(p[..., 2] / 0.14 - np.round(p[..., 2] / 0.14)),
                      np.abs((p[..., 0] + offset) / 1.2 - np.round((p[..., 0] + offset) / 1.2)) * 8.6)
    seam_dark = np.where(seam < 0.03, 0.6, 1.0)
    floor_rgb = np.asarray(room.floor_colour, np.float32) * (tone * grain * seam_dark)[..., None]
    if room.mat is not None:
        x0, x1, z0, z1 = room.mat
        on_mat = (p[..., 0] > x0) & (p[..., 0] < x1) & (p[..., 2] > z0) & (p[..., 2] < z1)
        floor_rgb = np.where(on_mat[..., None], np.asarray(room.mat_colour, np.float32)
                             * (0.95 + 0.05 * grain)[..., None], floor_rgb)

    # Wall: flat paint with faint large-scale mottling, a skirting board and a dado rail.
    along = p @ np.cross([0.0, 1.0, 0.0], n)
    mottle = 0.96 + 0.04 * np.sin(along * 3.1) * np.sin(p[..., 1] * 2.3 + 1.0)
    wall_rgb = np.asarray(room.wall_colour, np.float32) * mottle[..., None]
    skirting = p[..., 1] < 0.12
    wall_rgb = np.where(skirting[..., None], np.float32(0.93), wall_rgb)
    rail = np.abs(p[..., 1] - 0.95) < 0.02
    wall_rgb = np.where(rail[..., None], np.asarray(room.wall_colour, np.float32) * 0.8, wall_rgb)
    img[:] = np.where(floor[..., None], floor_rgb, wall_rgb)

    # Light falls off with distance and toward the corners (vignetting).
    falloff = np.clip(1.15 - 0.05 * t, 0.6, 1.1)
    rr = ((u - w / 2) ** 2 + (v - h / 2) ** 2) / (0.25 * (w * w + h * h))
    vignette = 1.0 - 0.25 * rr
    img *= (room.brightness * falloff * vignette)[..., None].astype(np.float32)
    return np.clip(img, 0.0, 1.0)
