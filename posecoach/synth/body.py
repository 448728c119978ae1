"""Body proportions and clothing of the synthetic mannequin.

Segment lengths are fractions of standing height (anthropometric tables, Drillis and
Contini via Winter), so one `height_m` plus a few scale factors gives a plausible adult.
Radii are fractions of height times `girth`.
"""

from __future__ import annotations

from dataclasses import dataclass

Colour = tuple[float, float, float]  # linear-ish RGB in [0, 1]


@dataclass(frozen=True)
class Outfit:
    """Colours of the parts MediaPipe keys on: a skin-toned face, a top that differs from
    the legs, and shoes that make the feet stand out from the floor."""

    skin: Colour = (0.86, 0.64, 0.50)
    hair: Colour = (0.18, 0.12, 0.08)
    top: Colour = (0.16, 0.42, 0.72)
    bottom: Colour = (0.14, 0.14, 0.17)
    shoes: Colour = (0.92, 0.92, 0.90)
    sole: Colour = (0.25, 0.25, 0.25)
    eyes: Colour = (0.08, 0.06, 0.05)
    lips: Colour = (0.62, 0.30, 0.28)
    short_sleeves: bool = True
    shorts: bool = False


@dataclass(frozen=True)
class Body:
    """A parametric adult. Lengths in metres derive from `height_m` and the scales."""

    height_m: float = 1.75
    leg_scale: float = 1.0  # thigh and shank length
    arm_scale: float = 1.0
    trunk_scale: float = 1.0
    girth: float = 1.0  # all radii
    outfit: Outfit = Outfit()

    # -- lengths (m) --------------------------------------------------------------------
    @property
    def thigh_m(self) -> float:
        return 0.245 * self.height_m * self.leg_scale

    @property
    def shank_m(self) -> float:
        return 0.246 * self.height_m * self.leg_scale

    @property
    def ankle_height_m(self) -> float:
        return 0.039 * self.height_m

    @property
    def foot_m(self) -> float:
        return 0.152 * self.height_m

    @property
    def hip_half_width_m(self) -> float:
        return 0.05 * self.height_m * self.girth

    @property
    def shoulder_half_width_m(self) -> float:
        return 0.10 * self.height_m

    @property
    def pelvis_m(self) -> float:
        """Hip-joint centre to the top of the pelvis, along the pelvis axis."""
        return 0.05 * self.height_m * self.trunk_scale

    @property
    def lumbar_m(self) -> float:
        return 0.10 * self.height_m * self.trunk_scale

    @property
    def thoracic_m(self) -> float:
        return 0.155 * self.height_m * self.trunk_scale

    @property
    def shoulder_drop_m(self) -> float:
        """Shoulder joints sit this far below the top of the thoracic segment."""
        return 0.02 * self.height_m * self.trunk_scale

    @property
    def neck_m(self) -> float:
        return 0.05 * self.height_m

    @property
    def head_radius_m(self) -> float:
        return 0.058 * self.height_m

    @property
    def upper_arm_m(self) -> float:
        return 0.186 * self.height_m * self.arm_scale

    @property
    def forearm_m(self) -> float:
        return 0.146 * self.height_m * self.arm_scale

    @property
    def hand_m(self) -> float:
        return 0.09 * self.height_m * self.arm_scale

    def radius(self, fraction_of_height: float) -> float:
        return fraction_of_height * self.height_m * self.girth
