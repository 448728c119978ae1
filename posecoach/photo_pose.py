"""The pose of a photo: find the person wherever they are, read them at a usable size,
read them twice (as shot and mirrored), and say per landmark how far to trust it.

A photo is one frame and is read once, so it can afford what a video cannot:

1. Search. When the whole-frame pass finds nobody, or only a collapsed skeleton, look
   in overlapping square windows at two sizes (the person detector misses people
   under about a third of the frame's height; a person bent forward is smaller still).
2. Refine. A person small in the frame is read again in a square crop around the first
   find, so the landmark model sees them at a usable size.
3. Mirror. The same region is read flipped left-right; its landmarks are flipped back
   and left and right swapped. Where both reads agree the positions are averaged,
   where they do not the more confident one is kept.
4. Confidence. The model's own visibility says whether a landmark is *seen*, not
   whether its position is right: a side view's far knee is hidden (visibility 0.1)
   yet placed within a few pixels. The visibility column of the result therefore
   holds a confidence: the model's visibility, raised where the two reads agree to
   within AGREE_SHARE of the body's size. The usual cut (0.5) then keeps what either
   the model sees or both reads put in the same place.
5. A collapsed skeleton (segments in impossible proportions, e.g. a trunk shorter
   than half a thigh in the image, or four thighs long in the world landmarks) is
   never reported: the next read is tried, else nobody. Nor is a read the mirror pass
   does not confirm, unless the crop pass found it again and the model is sure of the
   trunk: a person small in a large
   frame is where the model invents a skeleton, and an invented one seldom comes out
   the same way twice.

bench/stills.py measures each step on synthetic photos (docs/angles.md#photos).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from posecoach.landmarks import PRESENCE, VISIBILITY, PoseFrame, PoseLandmark as L

Detect = Callable[[np.ndarray, float], PoseFrame]
Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels

# Each landmark's partner across the body's midline (NOSE and the like map to themselves).
MIRRORED = np.array([L[m.name.replace("LEFT_", "#").replace("RIGHT_", "LEFT_").replace("#", "RIGHT_")]
                     for m in L])
_SHOULDERS = (L.LEFT_SHOULDER, L.RIGHT_SHOULDER)
_HIPS = (L.LEFT_HIP, L.RIGHT_HIP)
_TRUNK = np.array([*_SHOULDERS, *_HIPS])
_BODY = np.array([*_SHOULDERS, *_HIPS, L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE])
_THIGHS = ((L.LEFT_HIP, L.LEFT_KNEE), (L.RIGHT_HIP, L.RIGHT_KNEE))
_SHINS = ((L.LEFT_KNEE, L.LEFT_ANKLE), (L.RIGHT_KNEE, L.RIGHT_ANKLE))


def _segments(points: np.ndarray) -> tuple[float, float, float]:
    """(trunk, longest thigh, longest shin) lengths of (33, k) points."""
    trunk = float(np.linalg.norm(points[list(_SHOULDERS)].mean(axis=0) - points[list(_HIPS)].mean(axis=0)))
    thigh = max(float(np.linalg.norm(points[a] - points[b])) for a, b in _THIGHS)
    shin = max(float(np.linalg.norm(points[a] - points[b])) for a, b in _SHINS)
    return trunk, thigh, shin


@dataclass(frozen=True)
class PhotoPoseConfig:
    refine_max_fill: float = 0.5   # refine when the person spans less than this share of the frame
    refine_margin: float = 0.35    # crop margin around the person, share of their size
    # Search window sides, shares of the frame's shorter side (the second for a person
    # under about a fifth of the frame); windows overlap by half.
    search_windows: tuple[float, ...] = (0.6, 0.3)
    # A find this visible (mean over the body's landmarks) ends the search: the crop
    # pass reads the person again anyway.
    search_enough_visibility: float = 0.8
    mirror: bool = True
    # Average the two reads' positions where they agree (else the main read's positions,
    # the mirror read then only confirms them).
    average: bool = True
    # Two reads agree on a landmark within this share of the body's size (the diagonal
    # of its shoulders-to-ankles box, about its height): 4 % is 6-7 cm on an adult.
    agree_share: float = 0.04
    # A trunk (mid-shoulder to mid-hip) shorter than this share of the longest leg
    # segment is collapsed: the trunk only foreshortens that much pointing at the camera,
    # a view that is not measured anyway.
    min_trunk_share: float = 0.45
    # The same in the model's metric world landmarks, which no camera angle foreshortens:
    # an adult's trunk is 1.0-1.4 thighs, a shin 0.8-1.1 (wide bounds: the model's guess).
    world_trunk_thighs: tuple[float, float] = (0.6, 2.2)
    world_shin_thighs: tuple[float, float] = (0.5, 2.0)
    # A read the mirror pass does not confirm (no mirrored read, or shoulders and hips
    # more than twice `agree_share` apart) is reported only when the crop pass found it
    # again and the model is this sure of the shoulders and hips (mean visibility);
    # otherwise nobody is reported.
    lone_min_trunk_visibility: float = 0.9


DEFAULT_CONFIG = PhotoPoseConfig()


def collapsed(frame: PoseFrame, config: PhotoPoseConfig = DEFAULT_CONFIG) -> bool:
    """Whether a detected skeleton is in impossible proportions (see the module docstring)."""
    xy = frame.image[:, :2]
    if not np.isfinite(xy[_BODY]).all():
        return True
    trunk, thigh, shin = _segments(xy)
    if not (max(thigh, shin) > 0 and trunk >= config.min_trunk_share * max(thigh, shin)):
        return True
    if not np.isfinite(frame.world[_BODY]).all():
        return False  # no world landmarks to check against
    trunk, thigh, shin = _segments(frame.world)
    if not thigh > 0:
        return True
    lo, hi = config.world_trunk_thighs
    lo_shin, hi_shin = config.world_shin_thighs
    return not (lo <= trunk / thigh <= hi and lo_shin <= shin / thigh <= hi_shin)


def usable(frame: PoseFrame | None, config: PhotoPoseConfig = DEFAULT_CONFIG) -> bool:
    return frame is not None and frame.detected and not collapsed(frame, config)


def body_size_px(frame: PoseFrame) -> float:
    """Diagonal of the shoulders-to-ankles box (about the body's height in a side view)."""
    pts = frame.image[_BODY, :2]
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 2:
        return float("nan")
    return float(np.linalg.norm(pts.max(axis=0) - pts.min(axis=0)))


def crop_box(frame: PoseFrame, config: PhotoPoseConfig = DEFAULT_CONFIG) -> Box | None:
    """A square around the detected person with a margin, or None when the person
    already fills enough of the frame (or nothing was found)."""
    pts = frame.image[:, :2]
    ok = np.isfinite(pts).all(axis=1)
    if not frame.detected or ok.sum() < 5:
        return None
    lo, hi = pts[ok].min(axis=0), pts[ok].max(axis=0)
    size = hi - lo
    if max(size[0] / frame.width, size[1] / frame.height) >= config.refine_max_fill:
        return None
    side = float(size.max()) * (1.0 + 2.0 * config.refine_margin)   # square: the model's input is
    centre = (lo + hi) / 2.0
    x0, y0 = int(max(0, centre[0] - side / 2)), int(max(0, centre[1] - side / 2))
    x1, y1 = int(min(frame.width, centre[0] + side / 2)), int(min(frame.height, centre[1] + side / 2))
    return (x0, y0, x1, y1) if x1 - x0 > 16 and y1 - y0 > 16 else None


def _placed(found: PoseFrame, box: Box, full: PoseFrame, mirrored: bool) -> PoseFrame:
    """A read of the region `box` (flipped left-right when `mirrored`) as a pose of the
    whole photo: positions shifted (and flipped back, left and right swapped)."""
    x0, y0, x1, y1 = box
    image, world = found.image.copy(), found.world.copy()
    mask = None if found.mask is None else np.asarray(found.mask)[: y1 - y0, : x1 - x0]
    if mirrored:
        image[:, 0] = (x1 - x0) - image[:, 0]
        image, world = image[MIRRORED], world[MIRRORED]
        world[:, 0] = -world[:, 0]
        mask = None if mask is None else mask[:, ::-1]
    image[:, 0] += x0
    image[:, 1] += y0
    full_mask = None
    if mask is not None:
        full_mask = np.zeros((full.height, full.width), np.float32)
        full_mask[y0:y1, x0:x1] = mask
    return PoseFrame(full.t_s, full.width, full.height, image, world, full_mask,
                     max(full.num_people, found.num_people))


def confirms(main: PoseFrame, mirrored: PoseFrame | None, config: PhotoPoseConfig = DEFAULT_CONFIG) -> bool:
    """Whether the mirrored read is usable and puts the shoulders and hips where `main` does."""
    if mirrored is None or not usable(mirrored, config):
        return False
    size = body_size_px(main)
    dist = np.linalg.norm(main.image[_TRUNK, :2] - mirrored.image[_TRUNK, :2], axis=1)
    return bool(np.isfinite(size) and size > 0 and (dist <= 2.0 * config.agree_share * size).all())


def combine(first: PoseFrame, second: PoseFrame, config: PhotoPoseConfig = DEFAULT_CONFIG) -> PoseFrame:
    """Two reads of one photo as one pose, with the visibility column a confidence (see
    the module docstring). Where they agree: the positions averaged (visibility-weighted;
    `config.average`), the confidence the higher of the visibilities and the agreement.
    Elsewhere: the landmark of the read with the higher visibility, as it is."""
    size = body_size_px(first)
    a, b = first.image, second.image
    if not (np.isfinite(size) and size > 0):
        return first
    dist = np.linalg.norm(a[:, :2] - b[:, :2], axis=1) / size
    agree = dist <= config.agree_share
    va, vb = a[:, VISIBILITY], b[:, VISIBILITY]
    if config.average:
        share = np.where(va + vb > 1e-6, va / np.maximum(va + vb, 1e-6), 0.5)
        w = np.where(agree, share, (va >= vb).astype(float))
    else:
        w = np.ones(len(a))
    image = a.copy()
    image[:, :3] = w[:, None] * a[:, :3] + (1.0 - w[:, None]) * b[:, :3]
    # Agreement as confidence: 1 at no distance, the cut (0.5) at the tolerance, 0 at twice it.
    agreement = np.clip(1.0 - dist / (2.0 * config.agree_share), 0.0, 1.0)
    kept = np.where(w >= 0.5, va, vb) if config.average else va
    image[:, VISIBILITY] = np.where(agree, np.maximum(np.maximum(va, vb), agreement), kept)
    image[:, PRESENCE] = np.maximum(a[:, PRESENCE], b[:, PRESENCE])
    world = w[:, None] * first.world + (1.0 - w[:, None]) * second.world
    return PoseFrame(first.t_s, first.width, first.height, image, world, first.mask,
                     max(first.num_people, second.num_people))


def _starts(length: int, side: int, step: int) -> list[int]:
    """Window starts every `step` pixels, the last one flush with the far edge."""
    last = max(0, length - side)
    return sorted(set(range(0, last + 1, step)) | {last})


class PhotoReader:
    """Reads one photo with `detect` (an image-mode PoseEstimator.detect), in the steps
    of the module docstring. `read(rgb, t_s)` has detect's signature."""

    def __init__(self, detect: Detect, config: PhotoPoseConfig = DEFAULT_CONFIG, *,
                 mirror: bool | None = None) -> None:
        self._detect = detect
        self._config = config
        self._mirror = config.mirror if mirror is None else mirror

    def _in(self, rgb: np.ndarray, box: Box, full: PoseFrame, mirrored: bool = False) -> PoseFrame | None:
        x0, y0, x1, y1 = box
        region = rgb[y0:y1, x0:x1]
        if mirrored:
            region = region[:, ::-1]
        found = self._detect(np.ascontiguousarray(region), full.t_s)
        return _placed(found, box, full, mirrored) if found.detected else None

    def _search(self, rgb: np.ndarray, empty: PoseFrame) -> PoseFrame | None:
        """The most visible usable skeleton in overlapping square windows, largest first
        (a find at the larger size ends the search)."""
        h, w = rgb.shape[:2]
        for share in self._config.search_windows:
            side = int(share * min(w, h))
            if side < 32:
                continue
            step = max(1, side // 2)
            best, score = None, 0.0
            for y in _starts(h, side, step):
                for x in _starts(w, side, step):
                    found = self._in(rgb, (x, y, min(w, x + side), min(h, y + side)), empty)
                    if usable(found, self._config):
                        assert found is not None
                        vis = float(np.nanmean(found.image[_BODY, VISIBILITY]))
                        if vis > score:
                            best, score = found, vis
                        if score >= self._config.search_enough_visibility:
                            return best
            if best is not None:
                return best
        return None

    def read(self, rgb: np.ndarray, t_s: float = 0.0) -> PoseFrame:
        h, w = rgb.shape[:2]
        whole: Box = (0, 0, w, h)
        first = self._detect(rgb, t_s)
        empty = PoseFrame.empty(t_s, w, h)
        if not usable(first, self._config):
            found = self._search(rgb, first if first.detected else empty)
            if found is None:
                return empty
            first = found
        box = crop_box(first, self._config) or whole
        main = self._in(rgb, box, first) if box != whole else first
        refound = usable(main, self._config)
        if not refound:
            main = first
        assert main is not None
        if not self._mirror:
            return main
        mirrored = self._in(rgb, box, first, mirrored=True)
        if not confirms(main, mirrored, self._config):
            # Alone, a read stands only when the crop found it again and the model is sure.
            sure = float(np.mean(main.image[_TRUNK, VISIBILITY])) >= self._config.lone_min_trunk_visibility
            return main if sure and refound else empty
        assert mirrored is not None
        return combine(main, mirrored, self._config)


def refined_detect(detect: Detect, config: PhotoPoseConfig = DEFAULT_CONFIG) -> Detect:
    """Search and refine, no mirror pass."""
    return PhotoReader(detect, config, mirror=False).read


def photo_detect(detect: Detect, config: PhotoPoseConfig = DEFAULT_CONFIG) -> Detect:
    """The still path's pose: search, refine, mirror pass, confidence from agreement."""
    return PhotoReader(detect, config).read
