"""Dress a skeleton: body parts as shaded round cones, plus a face MediaPipe can find.

The pose model's detector keys on the face and the torso-vs-legs layout, so the head
carries eyes, brows, nose, ears, lips and hair, the top and the bottoms differ in colour,
and the shoes are light against the floor. Radii are fractions of height times girth.
"""

from __future__ import annotations

import enum

import numpy as np

from posecoach.synth.body import Body, Colour
from posecoach.synth.render import Cone
from posecoach.synth.skeleton import SIDES, Skeleton

_Z = np.array([0.0, 0.0, 1.0])


class Part(enum.IntEnum):
    """Labels in the renderer's part buffer (used by tests and debugging views)."""

    HEAD = 1
    FACE = 2
    NECK = 3
    TORSO = 4
    PELVIS = 5
    UPPER_ARM = 6
    FOREARM = 7
    HAND = 8
    THIGH = 9
    SHANK = 10
    FOOT = 11


def _scale(colour: Colour, k: float) -> Colour:
    return (colour[0] * k, colour[1] * k, colour[2] * k)


def _head(sk: Skeleton, body: Body) -> list[Cone]:
    o = body.outfit
    r = body.head_radius_m
    h = sk.head
    p = h.point
    cones = [
        # Cranium, then a smaller sphere forward and down for the jaw and chin: a head
        # that is a plain ball reads as a ball, not a face.
        Cone(p(0, 0, 0), p(0, 0.08 * r, 0), r, 0.97 * r, o.skin, Part.HEAD, gloss=0.06),
        Cone(p(0.38 * r, -0.48 * r, 0), p(0.42 * r, -0.52 * r, 0), 0.58 * r, 0.55 * r, o.skin,
             Part.FACE, gloss=0.06),
        # Hair: the same sphere shifted back and up covers the crown and the back only.
        Cone(p(-0.16 * r, 0.2 * r, 0), p(-0.22 * r, 0.12 * r, 0), 0.98 * r, 0.96 * r, o.hair,
             Part.HEAD),
        # Nose.
        Cone(p(0.86 * r, 0.05 * r, 0), p(1.02 * r, -0.14 * r, 0), 0.09 * r, 0.12 * r,
             _scale(o.skin, 0.97), Part.FACE),
    ]
    for sign in (-1.0, 1.0):
        cones += [
            # Eye white, then the iris just in front of it.
            Cone(p(0.80 * r, 0.14 * r, sign * 0.33 * r), p(0.80 * r, 0.14 * r, sign * 0.33 * r),
                 0.14 * r, 0.14 * r, (0.92, 0.92, 0.90), Part.FACE),
            Cone(p(0.90 * r, 0.14 * r, sign * 0.33 * r), p(0.90 * r, 0.14 * r, sign * 0.33 * r),
                 0.075 * r, 0.075 * r, o.eyes, Part.FACE),
            # Brow.
            Cone(p(0.86 * r, 0.34 * r, sign * 0.15 * r), p(0.78 * r, 0.36 * r, sign * 0.50 * r),
                 0.05 * r, 0.045 * r, o.hair, Part.FACE),
            # Ear: a flattened disc on the side of the head.
            Cone(p(0.0, 0.05 * r, sign * 0.93 * r), p(-0.08 * r, -0.15 * r, sign * 0.93 * r),
                 0.2 * r, 0.16 * r, _scale(o.skin, 0.92), Part.HEAD, flat=0.35, flat_axis=_Z),
            # Lips.
            Cone(p(0.84 * r, -0.50 * r, sign * 0.02 * r), p(0.80 * r, -0.48 * r, sign * 0.22 * r),
                 0.06 * r, 0.045 * r, o.lips, Part.FACE),
        ]
    return cones


def _trunk(sk: Skeleton, body: Body) -> list[Cone]:
    o, pt = body.outfit, sk.points
    rr = body.radius
    pelvis_fwd = sk.pelvis.forward
    centre = pt["hip_centre"] + 0.015 * body.height_m * sk.pelvis.up
    hw = 0.042 * body.height_m * body.girth
    lumbar_fwd = np.cross(_Z, pt["lumbar_top"] - pt["pelvis_top"])
    lumbar_fwd /= np.linalg.norm(lumbar_fwd)
    neck_base = pt["thoracic_top"] - 0.01 * body.height_m * sk.thorax.up
    neck_axis = pt["neck_top"] - pt["thoracic_top"]
    return [
        Cone(centre - hw * _Z, centre + hw * _Z, rr(0.058), rr(0.058), o.bottom, Part.PELVIS,
             flat=0.85, flat_axis=pelvis_fwd),
        Cone(pt["hip_centre"], pt["pelvis_top"], rr(0.074), rr(0.072), o.bottom, Part.PELVIS,
             flat=0.72, flat_axis=pelvis_fwd),
        Cone(pt["pelvis_top"], pt["lumbar_top"], rr(0.072), rr(0.078), o.top, Part.TORSO,
             flat=0.70, flat_axis=lumbar_fwd),
        Cone(pt["lumbar_top"], pt["thoracic_top"] - 0.025 * body.height_m * sk.thorax.up,
             rr(0.080), rr(0.082), o.top, Part.TORSO, flat=0.72, flat_axis=sk.thorax.forward),
        Cone(pt["shoulder_left"], pt["shoulder_right"], rr(0.042), rr(0.042), o.top, Part.TORSO),
        Cone(neck_base, pt["neck_top"] + 0.3 * neck_axis, rr(0.030), rr(0.028),
             _scale(o.skin, 0.95), Part.NECK),
    ]


def _arm(sk: Skeleton, body: Body, side: str) -> list[Cone]:
    o, pt = body.outfit, sk.points
    rr = body.radius
    sh, el, wr = pt[f"shoulder_{side}"], pt[f"elbow_{side}"], pt[f"wrist_{side}"]
    hand_end = wr + body.hand_m * sk.hand_dirs[side]
    sleeve_end = sh + (0.5 if o.short_sleeves else 1.0) * (el - sh)
    cones = [
        Cone(sh, el, rr(0.029), rr(0.024), o.skin, Part.UPPER_ARM, gloss=0.05),
        Cone(sh, sleeve_end, rr(0.036), rr(0.031), o.top, Part.UPPER_ARM),
        Cone(el, wr, rr(0.023), rr(0.017), o.skin, Part.FOREARM, gloss=0.05),
        Cone(wr, hand_end, rr(0.018), rr(0.014), o.skin, Part.HAND, flat=0.55,
             flat_axis=_Z, gloss=0.05),
    ]
    if not o.short_sleeves:
        cones.append(Cone(el, wr, rr(0.025), rr(0.020), o.top, Part.FOREARM))
    return cones


def _leg(sk: Skeleton, body: Body, side: str) -> list[Cone]:
    o, pt = body.outfit, sk.points
    rr = body.radius
    hip, knee, ankle = pt[f"hip_{side}"], pt[f"knee_{side}"], pt[f"ankle_{side}"]
    heel, toe = pt[f"heel_{side}"], pt[f"toe_{side}"]
    foot = sk.foot_dirs[side]
    sole_up = np.cross(_Z, foot)  # from the sole toward the instep
    shank_colour = o.skin if o.shorts else o.bottom
    r_heel, r_toe = rr(0.026), rr(0.019)
    heel_c = heel + r_heel * sole_up + 0.6 * r_heel * foot
    toe_c = toe + r_toe * sole_up - 0.8 * r_toe * foot
    cones = [
        Cone(hip, knee, rr(0.052), rr(0.034), o.bottom, Part.THIGH),
        Cone(knee, ankle, rr(0.034), rr(0.021), shank_colour, Part.SHANK,
             gloss=0.05 if o.shorts else 0.0),
        Cone(ankle, ankle, rr(0.024), rr(0.024), o.shoes, Part.FOOT),
        Cone(heel_c, toe_c, r_heel, r_toe, o.shoes, Part.FOOT, flat=0.75, flat_axis=sole_up,
             gloss=0.15),
        Cone(heel_c - 0.55 * r_heel * sole_up, toe_c - 0.55 * r_toe * sole_up, 0.55 * r_heel,
             0.5 * r_toe, o.sole, Part.FOOT),
    ]
    if o.shorts:
        cones.insert(1, Cone(hip, hip + 0.55 * (knee - hip), rr(0.058), rr(0.048), o.bottom,
                             Part.THIGH))
        cones[0] = Cone(hip, knee, rr(0.050), rr(0.033), o.skin, Part.THIGH, gloss=0.05)
    return cones


def dress(sk: Skeleton, body: Body) -> list[Cone]:
    """All cones of the figure. Order does not matter (the canvas is z-buffered)."""
    cones = _trunk(sk, body) + _head(sk, body)
    for side in SIDES:
        cones += _arm(sk, body, side) + _leg(sk, body, side)
    return cones
