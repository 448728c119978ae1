"""Back-outline proxy for spinal flexion from the segmentation mask.

MediaPipe gives no spine points. A flat (neutral) back has an outline roughly parallel
to the shoulder-hip chord; a rounded back bulges away from it mid-trunk. We march from
points on the chord toward the *back* of the body until the mask ends, and measure how
far the middle of that outline stands beyond a straight line through its ends. The
result is normalised by trunk length so it does not depend on image scale or girth.
"""

from __future__ import annotations

import numpy as np

_CHORD_STEPS = np.linspace(0.15, 0.85, 8)   # along the chord, clear of shoulder/hip blobs
_MAX_DEPTH = 0.9                            # search up to this many trunk lengths away


def back_bulge(mask: np.ndarray | None, shoulder: np.ndarray, hip: np.ndarray,
               front_dir: np.ndarray, threshold: float = 0.5) -> float:
    """Bulge of the back outline beyond the straight line through its ends / trunk length.

    ~0 for a flat back, clearly positive (e.g. > 0.06) for a rounded one; NaN when the
    mask or the points are missing.
    """
    if mask is None or not (np.isfinite(shoulder).all() and np.isfinite(hip).all()
                            and np.isfinite(front_dir).all()):
        return float("nan")
    chord = shoulder - hip
    length = float(np.linalg.norm(chord))
    if length < 10.0:
        return float("nan")
    back = -front_dir / (np.linalg.norm(front_dir) or 1.0)
    height, width = mask.shape[:2]
    depth_steps = np.arange(0.0, _MAX_DEPTH * length, 1.0)
    # All rays at once: (chord steps, depth steps) pixel positions, one gather from the mask.
    bases = hip[None, :] + _CHORD_STEPS[:, None] * chord[None, :]
    pts = bases[:, None, :] + depth_steps[None, :, None] * back[None, None, :]
    xs = np.round(pts[..., 0]).astype(int)
    ys = np.round(pts[..., 1]).astype(int)
    inside = (xs >= 0) & (xs < width) & (ys >= 0) & (ys < height)
    if not inside[:, 0].all():
        return float("nan")
    values = np.zeros(xs.shape, dtype=np.float32)
    values[inside] = mask[ys[inside], xs[inside]]
    outside = values < threshold
    if not outside.any(axis=1).all():
        return float("nan")  # a silhouette that never ends: mask unusable here
    d = depth_steps[np.argmax(outside, axis=1)]
    line = np.interp(_CHORD_STEPS, [_CHORD_STEPS[0], _CHORD_STEPS[-1]], [d[0], d[-1]])
    return float(np.max(d - line) / length)
