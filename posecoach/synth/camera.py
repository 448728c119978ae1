"""Pinhole camera: world (y up) -> pixels (OpenCV convention: x right, y down).

`Camera.orbit` places the camera on a circle around the person: yaw 0 looks at the
person's right side (they face image-right), yaw 180 at their left side (they face
image-left); small offsets (up to about +-30 degrees) make oblique views.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Camera:
    """Intrinsics (focal length and principal point in pixels) and pose (world -> camera).

    rotation: (3, 3) rows are the camera's right, down and viewing axes in world coordinates.
    """

    width: int
    height: int
    focal_px: float
    position: np.ndarray
    rotation: np.ndarray

    def __post_init__(self) -> None:
        if self.position.shape != (3,):
            raise ValueError(f"position: expected shape (3,), got {self.position.shape}")
        if self.rotation.shape != (3, 3):
            raise ValueError(f"rotation: expected shape (3, 3), got {self.rotation.shape}")

    @classmethod
    def look_at(cls, width: int, height: int, focal_px: float, position: np.ndarray,
                target: np.ndarray) -> "Camera":
        fwd = np.asarray(target, float) - np.asarray(position, float)
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0.0, 1.0, 0.0])
        right /= np.linalg.norm(right)
        down = np.cross(fwd, right)
        return cls(width, height, float(focal_px), np.asarray(position, float),
                   np.stack([right, down, fwd]))

    @classmethod
    def orbit(cls, width: int, height: int, *, distance_m: float, height_m: float,
              yaw_deg: float, target: tuple[float, float, float], fov_deg: float = 55.0,
              facing: str = "right", pitch_deg: float | None = None) -> "Camera":
        """Camera `distance_m` from `target` (horizontally), `height_m` above the floor.

        fov_deg is the field of view across the image's longer side, as phone specs quote it.
        facing: which way the person should appear to face; `yaw_deg` is added to it.
        pitch_deg: tilt of the optical axis (negative = looking down); by default the
        camera looks straight at `target`.
        """
        if facing not in ("left", "right"):
            raise ValueError(f"facing must be 'left' or 'right', got {facing!r}")
        yaw = np.radians(yaw_deg + (0.0 if facing == "right" else 180.0))
        tx, ty, tz = target
        if pitch_deg is not None:
            ty = height_m + distance_m * float(np.tan(np.radians(pitch_deg)))
        position = np.array([tx + distance_m * np.sin(yaw), height_m, tz + distance_m * np.cos(yaw)])
        focal = 0.5 * max(width, height) / np.tan(np.radians(fov_deg) / 2.0)
        return cls.look_at(width, height, focal, position, np.array([tx, ty, tz], float))

    def to_camera(self, points: np.ndarray) -> np.ndarray:
        """(N, 3) world -> (N, 3) camera coordinates (x right, y down, z depth)."""
        return (np.asarray(points, float) - self.position) @ self.rotation.T

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(N, 3) world points -> ((N, 2) pixels, (N,) depth in metres)."""
        cam = self.to_camera(points)
        z = cam[:, 2]
        uv = self.focal_px * cam[:, :2] / z[:, None] + np.array([self.width, self.height]) / 2.0
        return uv, z

    def rays(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """World-space ray directions (not normalised) through pixel centres (u, v)."""
        x = (u - self.width / 2.0) / self.focal_px
        y = (v - self.height / 2.0) / self.focal_px
        cam = np.stack([x, y, np.ones_like(x)], axis=-1)
        return cam @ self.rotation

    def scaled(self, factor: float) -> "Camera":
        """The same view at `factor` times the resolution (for low-res internal rendering)."""
        return Camera(int(round(self.width * factor)), int(round(self.height * factor)),
                      self.focal_px * factor, self.position, self.rotation)
