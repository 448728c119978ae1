"""Every threshold of the coaching engine, in one typed, documented place.

Each field carries its unit in its name and a bracketed tag, e.g. ``[hinge]``, naming
the section of docs/biomechanics.md that gives its source (literature or the
measurement-noise reasoning behind it). Paired ``*_on`` / ``*_off`` values are
hysteresis: a state switches on past the first and off only past the second, so
MediaPipe jitter of a few degrees cannot make a verdict flicker.

The tree is plain frozen dataclasses. ``ExerciseConfig.from_dict`` builds it from a
nested mapping (a TOML table, JSON, CLI overrides) and rejects unknown keys with a
ConfigError; ``to_dict`` gives the effective values for every report.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from posecoach.errors import ConfigError


@dataclass(frozen=True)
class CommonThresholds:
    """Shared by all analysers: recording conditions and fault debouncing."""

    in_frame_min: float = 0.9           # [conditions] share of key landmarks inside the image
    condition_on_s: float = 0.5         # [conditions] a condition must persist this long ...
    condition_off_s: float = 0.5        # [conditions] ... and be gone this long to clear
    fault_on_s: float = 0.4             # [debounce] a continuous fault must persist this long
    fault_off_s: float = 0.4            # [debounce] ... and be absent this long to end
    event_fault_shown_s: float = 3.0    # [debounce] a per-swing/per-rep fault stays active this long
    upright_max_deg: float = 15.0       # [baseline] |trunk inclination| of an upright stance
    baseline_s: float = 1.0             # [baseline] seconds of upright stance forming the baseline


@dataclass(frozen=True)
class CueThresholds:
    """The single cue arbiter: one short imperative at a time."""

    cooldown_s: float = 3.0             # [cues] minimum time between two cues
    display_s: float = 2.5              # [cues] how long a cue stays on screen
    repeat_s: float = 8.0               # [cues] the same cue is not repeated sooner
    conflict_s: float = 10.0            # [cues] a cue never follows a conflicting one sooner


@dataclass(frozen=True)
class OriginStretchThresholds:
    """Standing hamstring-origin stretch (hip hinge hold)."""

    hinge_enter_deg: float = 20.0       # [hinge] trunk lean that leaves "standing"
    standing_return_deg: float = 12.0   # [hinge] trunk lean that counts as upright again
    hold_min_trunk_deg: float = 30.0    # [hinge] a hold must lean at least this far
    hold_window_s: float = 1.0          # [hold] window for the stability (slope) test
    hold_max_speed_deg_s: float = 10.0  # [hold] |trend| of trunk lean allowed in a hold
    hold_band_min_deg: float = 3.0      # [hold] half-width of the "same position" band
    hold_band_noise_k: float = 2.5      # [hold] band widens to k x robust noise SD ...
    hold_band_max_deg: float = 10.0     # [hold] ... up to this
    hold_exit_s: float = 0.25           # [hold] out of band this long ends the hold
    hold_min_s: float = 1.0             # [hold] shorter stable spells are not holds
    rounded_min_trunk_deg: float = 40.0  # [rounded] rounding is judged only when hinged
    straight_hip_max_deg: float = 100.0  # [rounded] hip flexion reachable with straight knees
    straight_hip_bad_deg: float = 125.0  # [rounded] ... lean past it is spinal flexion
    straight_knee_max_deg: float = 30.0  # [rounded] "straight" for the excess-lean proxy
    excess_weight: float = 0.9          # [rounded] evidence weights (noisy-OR)
    neck_flexion_ok_deg: float = 10.0   # [rounded] ear-shoulder vs trunk line: neutral up to
    neck_flexion_bad_deg: float = 30.0  # [rounded] ... clearly dropped from
    neck_weight: float = 0.5            # [rounded] moderate: needs a second proxy to flag
    hip_share_ok: float = 0.9           # [rounded] hip flexion / trunk lean: fine down to
    hip_share_bad: float = 0.6          # [rounded] ... pelvis pushed forward below
    hip_share_weight: float = 0.3       # [rounded]
    bulge_ok: float = 0.03              # [rounded] mask back-outline bulge / trunk length,
    bulge_bad: float = 0.08             # [rounded] ... above the upright baseline
    bulge_weight: float = 0.5           # [rounded] moderate: clothing and arms add noise
    rounded_score_on: float = 0.45      # [rounded] combined evidence in [0, 1]
    rounded_score_off: float = 0.3      # [rounded]
    rounded_smooth_s: float = 0.5       # [rounded] median of the score over this window
    hips_back_min_trunk_deg: float = 40.0  # [hips-back] judged once the lean is this far
    hips_back_min_frac: float = 0.03    # [hips-back] leg lengths of pelvis travel x sin(lean)
    hips_back_margin_frac: float = 0.02  # [hips-back] hysteresis margin
    knee_bent_on_deg: float = 35.0      # [knees] stretched-leg knee flexion: a squat beyond
    knee_bent_off_deg: float = 28.0     # [knees]
    stagger_min_frac: float = 0.12      # [stance] ankle offset / leg length for "staggered"
    stagger_min_thigh_deg: float = 10.0  # [stance] thigh-angle difference when no xy
    bounce_window_s: float = 2.5        # [bounce] window for counting reversals
    bounce_min_deg: float = 4.0         # [bounce] a reversal bigger than jitter ...
    bounce_max_deg: float = 25.0        # [bounce] ... but smaller than a full rep
    bounce_min_reversals: int = 3       # [bounce] turning points, linked by small swings
    bounce_smooth_s: float = 0.2        # [bounce] moving average of the lean before the reversals
    hold_fill_share: float = 0.8        # [hold] share of hold_window_s the data must span
    hold_lookback_s: float = 5.0        # [hold] how far back a confirmed hold's start is sought
    praise_after_s: float = 2.0         # [cues] a good hold is praised once it lasts this long
    staggered_min_share: float = 0.3    # [stance] share of frames staggered for a forward leg
    forward_leg_majority: float = 0.6   # [stance] ... and the share of those with that leg ahead
    max_yaw_deg: float = 40.0           # [yaw] camera yaw beyond which the hinge is not judged


@dataclass(frozen=True)
class LegSwingThresholds:
    """Dynamic forward/back leg swings."""

    smooth_s: float = 0.1               # [swing] causal moving average of the thigh angle
    reversal_deg: float = 15.0          # [swing] a turn of the thigh must exceed this
    pivot_window_s: float = 2.0         # [pivot] thighs turn about the pelvis centre's mean over this
    min_arc_deg: float = 20.0           # [swing] a swing's forward-back arc at least this
    stance_ref_window_s: float = 3.0    # [swing] running median of the stance thigh
    jump_deg: float = 18.0              # [progression] arc increase between swings
    plateau_tol_deg: float = 6.0        # [progression] within this of the best = plateau
    trunk_sway_deg: float = 8.0         # [sway] trunk lean moving with the thigh, per swing
    sway_max_window_s: float = 2.5      # [sway] at most this much data per swing
    stance_knee_on_deg: float = 25.0    # [stance-knee] stance knee flexion
    stance_knee_off_deg: float = 20.0   # [stance-knee]
    stance_knee_window_s: float = 0.5   # [stance-knee] median over this window
    swinging_for_s: float = 3.0         # [swing] "swinging" this long after the last turn
    sway_merge_gap_s: float = 1.0       # [sway] sway faults this close together are one


@dataclass(frozen=True)
class CurlHipLiftThresholds:
    """Prone knee curl followed by a hip (thigh) lift."""

    prone_trunk_tol_deg: float = 35.0   # [prone] |trunk lean - 90| when lying
    prone_max_thigh_deg: float = -50.0  # [prone] thigh near horizontal when lying
    not_prone_s: float = 1.0            # [prone] upright this long -> condition
    rep_start_knee_deg: float = 40.0    # [rep] knee flexion that starts a rep
    rep_end_knee_deg: float = 25.0      # [rep] ... and ends it (hysteresis)
    rep_return_share: float = 0.75      # [rep] ... or once down this share of its own rise
    rep_valley_share: float = 0.5       # [rep] ... or at a valley: down, then up again, this share
    rep_valley_min_deg: float = 20.0    # [rep] ... of the rise, and at least this far each way
    rep_valley_min_s: float = 0.2       # [rep] ... staying down that far this long
    rep_min_peak_knee_deg: float = 45.0  # [rep] a counted rep curls at least this far
    rep_min_s: float = 0.5              # [rep] ... and lasts at least this long
    rest_window_s: float = 5.0          # [rep] baseline of the resting leg
    partial_min_deg: float = 75.0       # [range] peak knee flexion short of this: partial
    partial_rel: float = 0.8            # [range] ... or short of this x the best rep
    lift_min_deg: float = 7.0           # [lift] thigh elevation of a real hip lift
    pelvis_rise_deg: float = 6.0        # [pelvis] trunk-line tilt counted as pelvis lift
    pelvis_share: float = 0.3           # [pelvis] ... when it makes up this share of the lift
    pelvis_top_share: float = 0.8       # [pelvis] ... median over frames lifted this share of the peak
    lowering_deg: float = 10.0          # [rep] knee this far under its peak: "lowering"
    max_yaw_deg: float = 20.0           # [yaw] camera yaw beyond which lying angles are not judged


@dataclass(frozen=True)
class DetectThresholds:
    """`detect_exercise` (``--exercise auto``)."""

    prone_min_share: float = 0.4        # [detect] share of frames (trunk measured) lying prone
    swing_min_range_deg: float = 35.0   # [detect] p95-p5 of |thigh L - thigh R|
    swing_reversal_deg: float = 25.0    # [detect] zigzag threshold on that difference
    swing_min_peaks: int = 3            # [detect] peaks of the difference


@dataclass(frozen=True)
class Targets:
    """What one set aims for: the dose a runner is coached toward (not a form threshold).

    Progress toward these is shown on every result ("18 of 30 s", "2 of 3 holds") and a
    set with good form that falls short is "good form, hold longer", not plain "good".
    Override them like any threshold (``[targets]`` in a --config file)."""

    hold_s: float = 30.0                # [targets] one static stretch hold
    holds_per_leg: int = 3              # [targets] holds per leg in a session
    swings_per_leg_min: int = 10        # [targets] leg swings per leg, low end of a set ...
    swings_per_leg_max: int = 15        # [targets] ... and high end
    full_range_share: float = 0.9       # [targets] last swing within this share of the best = full range
    reps_min: int = 8                   # [targets] strengthening reps per set, low end ...
    reps_max: int = 12                  # [targets] ... and high end


@dataclass(frozen=True)
class ExerciseConfig:
    """The exercises' slice of the PoseCoach config; each analyser reads its own part."""

    common: CommonThresholds = field(default_factory=CommonThresholds)
    cues: CueThresholds = field(default_factory=CueThresholds)
    origin_stretch: OriginStretchThresholds = field(default_factory=OriginStretchThresholds)
    leg_swing: LegSwingThresholds = field(default_factory=LegSwingThresholds)
    curl_hip_lift: CurlHipLiftThresholds = field(default_factory=CurlHipLiftThresholds)
    detect: DetectThresholds = field(default_factory=DetectThresholds)
    targets: Targets = field(default_factory=Targets)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ExerciseConfig:
        """Defaults overridden by `data`; unknown sections or keys raise ConfigError."""
        return _build(cls, data, "exercises")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def settings_for(self, exercise_slice: str) -> dict[str, Any]:
        """The effective values one analyser uses (for its result / the report)."""
        return {"common": dataclasses.asdict(self.common), "cues": dataclasses.asdict(self.cues),
                exercise_slice: dataclasses.asdict(getattr(self, exercise_slice))}


def load_config(path: Path) -> ExerciseConfig:
    """Threshold overrides from a TOML file whose tables are ExerciseConfig's sections
    ([common], [origin_stretch], ...); ConfigError for an unreadable file, invalid TOML or
    an unknown key. Commented example: docs/thresholds.example.toml."""
    hint = "see docs/thresholds.example.toml for the sections and keys"
    try:
        text = Path(path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {path} ({exc})", hint) from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})", hint) from exc
    try:
        return ExerciseConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}", exc.hint) from exc


T = TypeVar("T")


def _build(cls: type[T], data: Mapping[str, Any], where: str) -> T:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: expected a table, got {type(data).__name__}",
                          "write it as a [section] of key = value pairs")
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}",
                          f"valid keys: {', '.join(fields)}")
    kwargs: dict[str, Any] = {}
    defaults = cls()
    for name, value in data.items():
        current = getattr(defaults, name)
        if dataclasses.is_dataclass(current):
            kwargs[name] = _build(type(current), value, f"{where}.{name}")
        elif isinstance(current, bool) or not isinstance(value, (int, float)) \
                or isinstance(value, bool):
            raise ConfigError(f"{where}.{name}: expected a number, got {value!r}",
                              f"default is {current!r}")
        elif isinstance(current, int) and not float(value).is_integer():
            raise ConfigError(f"{where}.{name}: expected a whole number, got {value!r}",
                              f"default is {current!r}")
        else:
            kwargs[name] = type(current)(value)
    return cls(**kwargs)
