"""Pose landmarks as one value object per frame.

`PoseFrame` holds everything later stages need from the pose model, as numpy arrays:
33 image landmarks in *pixels* (so angles are in true image geometry whatever the
aspect ratio), 33 world landmarks in metres, and optionally the segmentation mask.
A frame with no person has `detected == False` and all-NaN arrays: missing data is
NaN, never 0 or (0, 0).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace

import numpy as np

NUM_LANDMARKS = 33

# Columns of PoseFrame.image: x_px, y_px, z (relative depth, MediaPipe's scale: roughly
# the same units as x in normalised image width; smaller = closer), visibility, presence.
X, Y, Z, VISIBILITY, PRESENCE = range(5)


class PoseLandmark(enum.IntEnum):
    """MediaPipe BlazePose landmark indices."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


L = PoseLandmark

# Skeleton edges for drawing.
POSE_CONNECTIONS: tuple[tuple[PoseLandmark, PoseLandmark], ...] = (
    (L.LEFT_EAR, L.LEFT_EYE), (L.LEFT_EYE, L.NOSE), (L.NOSE, L.RIGHT_EYE), (L.RIGHT_EYE, L.RIGHT_EAR),
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_HIP), (L.RIGHT_SHOULDER, L.RIGHT_HIP),
    (L.LEFT_SHOULDER, L.LEFT_ELBOW), (L.LEFT_ELBOW, L.LEFT_WRIST),
    (L.RIGHT_SHOULDER, L.RIGHT_ELBOW), (L.RIGHT_ELBOW, L.RIGHT_WRIST),
    (L.LEFT_HIP, L.LEFT_KNEE), (L.LEFT_KNEE, L.LEFT_ANKLE), (L.LEFT_ANKLE, L.LEFT_HEEL),
    (L.LEFT_HEEL, L.LEFT_FOOT_INDEX), (L.LEFT_ANKLE, L.LEFT_FOOT_INDEX),
    (L.RIGHT_HIP, L.RIGHT_KNEE), (L.RIGHT_KNEE, L.RIGHT_ANKLE), (L.RIGHT_ANKLE, L.RIGHT_HEEL),
    (L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX), (L.RIGHT_ANKLE, L.RIGHT_FOOT_INDEX),
)


def _nan_array(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan, dtype=np.float64)


@dataclass(frozen=True)
class PoseFrame:
    """One frame's pose.

    image: (33, 5) float array: x_px, y_px, z, visibility, presence.
    world: (33, 3) float array in metres (hip-centred, y down), or NaN.
    mask: optional (H, W) float32 segmentation mask in [0, 1].
    num_people: how many poses the model found (the first is analysed).
    """

    t_s: float
    width: int
    height: int
    image: np.ndarray = field(default_factory=lambda: _nan_array((NUM_LANDMARKS, 5)))
    world: np.ndarray = field(default_factory=lambda: _nan_array((NUM_LANDMARKS, 3)))
    mask: np.ndarray | None = None
    num_people: int = 0

    def __post_init__(self) -> None:
        if self.image.shape != (NUM_LANDMARKS, 5):
            raise ValueError(f"image landmarks: expected shape (33, 5), got {self.image.shape}")
        if self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"world landmarks: expected shape (33, 3), got {self.world.shape}")

    @property
    def detected(self) -> bool:
        return self.num_people > 0 and bool(np.isfinite(self.image[:, X]).any())

    def with_people_seen(self, count: int) -> "PoseFrame":
        """This frame with `count` people reported by a separate counter (the tracked
        pose alone never sees more than one); unchanged when nobody was detected."""
        if not self.detected or count <= self.num_people:
            return self
        return replace(self, num_people=count)

    def xy(self, min_visibility: float = 0.0) -> np.ndarray:
        """(33, 2) pixel positions; landmarks below `min_visibility` are NaN."""
        xy = self.image[:, :2].copy()
        if min_visibility > 0.0:
            vis = self.image[:, VISIBILITY]
            xy[~(vis >= min_visibility)] = np.nan
        return xy

    @classmethod
    def empty(cls, t_s: float, width: int, height: int) -> "PoseFrame":
        """A frame in which no person was found."""
        return cls(t_s=t_s, width=width, height=height)

    @classmethod
    def from_normalized(
        cls,
        t_s: float,
        width: int,
        height: int,
        normalized: np.ndarray,
        world: np.ndarray | None = None,
        mask: np.ndarray | None = None,
        num_people: int = 1,
    ) -> "PoseFrame":
        """Build from MediaPipe-style normalised landmarks (33, 5): x, y in [0, 1]."""
        image = np.asarray(normalized, dtype=np.float64).copy()
        image[:, X] *= width
        image[:, Y] *= height
        w = _nan_array((NUM_LANDMARKS, 3)) if world is None else np.asarray(world, dtype=np.float64)
        return cls(t_s=t_s, width=width, height=height, image=image, world=w, mask=mask,
                   num_people=num_people)
