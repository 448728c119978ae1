"""Synthetic mannequin: geometry, truth and determinism, without the pose model.

The renderer is only useful if its truth is exact, so these pin: the forward
kinematics (IK round trip, planted feet), that truth angles of a pure side view equal
the joint angles the script asked for, that the truth joints land on the rendered body
parts they name, that the same seed gives the same clip, and the truth file schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from posecoach.kinematics import ANGLE_NAMES
from posecoach.landmarks import PoseLandmark as L
from posecoach.synth import motions, samples, truth
from posecoach.synth.body import Body
from posecoach.synth.camera import Camera
from posecoach.synth.figure import Part
from posecoach.synth.keyframes import Stance, stand
from posecoach.synth.scene import SceneRenderer, SceneSpec
from posecoach.synth.skeleton import Pose, forward_kinematics, leg_ik

BODY = Body()
SAMPLES_DIR = Path(__file__).resolve().parents[1] / "sample_videos"
FAULT_CODES = {"rounded_back", "hips_not_back", "knees_bent", "bouncing", "trunk_sway",
               "stance_knee_bent", "progressing_too_fast", "partial_range", "no_hip_lift",
               "pelvis_lift"}


def side_camera(facing: str, size: tuple[int, int] = (640, 360), target_y: float = 0.9) -> Camera:
    # Camera at the target's height: no pitch, so the sagittal plane is parallel to the
    # image and 2D angles equal the 3D joint angles exactly (up to the tiny perspective
    # offset between left and right joints).
    return Camera.orbit(*size, distance_m=4.0, height_m=target_y, yaw_deg=0.0,
                        target=(0.2, target_y, 0.0), fov_deg=55.0, facing=facing)


def test_camera_orbit_aims_at_target_and_honours_pitch() -> None:
    cam = Camera.orbit(640, 480, distance_m=3.0, height_m=1.2, yaw_deg=20.0, target=(0.3, 0.9, 0.0))
    uv, depth = cam.project(np.array([[0.3, 0.9, 0.0]]))
    assert uv[0] == pytest.approx([320.0, 240.0], abs=1e-6) and depth[0] > 0
    level = Camera.orbit(640, 480, distance_m=3.0, height_m=1.2, yaw_deg=0.0, target=(0, 0.9, 0), pitch_deg=0.0)
    down = Camera.orbit(640, 480, distance_m=3.0, height_m=1.2, yaw_deg=0.0, target=(0, 0.9, 0), pitch_deg=-10.0)
    assert level.rotation[2][1] == pytest.approx(0.0, abs=1e-9)
    assert down.rotation[2][1] == pytest.approx(-np.sin(np.radians(10.0)), abs=1e-9)
    # Facing left puts the camera on the person's left (-z) side.
    assert Camera.orbit(640, 480, distance_m=3.0, height_m=1.0, yaw_deg=0.0, target=(0, 0.9, 0),
                        facing="left").position[2] < 0


def hinge(tilt: float, hip: float, knee: float) -> Pose:
    p = Pose(pelvis_tilt_deg=tilt, hip_left_deg=hip, hip_right_deg=hip, knee_left_deg=knee,
             knee_right_deg=knee, shoulder_left_deg=tilt, shoulder_right_deg=tilt)
    return stand(p, BODY, Stance())


def test_leg_ik_round_trip() -> None:
    hip = np.array([0.1, 0.9])
    for thigh_theta, knee in ((0.0, 0.5), (15.0, 12.0), (48.0, 72.0), (-20.0, 40.0)):
        knee_xy = hip + BODY.thigh_m * np.array([np.sin(np.radians(thigh_theta)), -np.cos(np.radians(thigh_theta))])
        shank = np.radians(thigh_theta - knee)
        ankle = knee_xy + BODY.shank_m * np.array([np.sin(shank), -np.cos(shank)])
        got_theta, got_knee = leg_ik(hip, ankle, BODY.thigh_m, BODY.shank_m)
        assert got_theta == pytest.approx(thigh_theta, abs=1e-5)
        assert got_knee == pytest.approx(knee, abs=1e-5)


def test_standing_feet_are_on_the_floor() -> None:
    for pose in (hinge(0, 0, 0), hinge(68, 81, 13), hinge(42, 90, 72)):
        sk = forward_kinematics(pose, BODY)
        for side in ("left", "right"):
            lowest = min(sk.points[f"heel_{side}"][1], sk.points[f"toe_{side}"][1])
            assert lowest == pytest.approx(0.0, abs=0.012)
            # A flat foot: heel and toe at (nearly) the same height.
            assert abs(sk.points[f"heel_{side}"][1] - sk.points[f"toe_{side}"][1]) < 0.015


# Script intent -> truth under the 2D definitions, pure side view, both facings.
@pytest.mark.parametrize("facing", ["right", "left"])
@pytest.mark.parametrize("tilt, hip, knee", [
    (0.0, 0.0, 0.0),     # standing tall
    (68.0, 81.0, 13.0),  # the origin-stretch hinge
    (42.0, 90.0, 72.0),  # a squat
    (58.0, 54.0, 6.0),   # hips not back
])
def test_side_view_truth_equals_script_angles(facing: str, tilt: float, hip: float, knee: float) -> None:
    pose = hinge(tilt, hip, knee)
    cam = side_camera(facing)
    got = truth.frame_truth(0.0, forward_kinematics(pose, BODY).landmarks(BODY), cam, facing).angles
    near = facing
    expected = {"trunk_inclination": tilt, f"hip_flexion_{near}": hip,
                f"knee_flexion_{near}": knee, f"thigh_angle_{near}": hip - tilt}
    for name, value in expected.items():
        assert got[ANGLE_NAMES.index(name)] == pytest.approx(value, abs=1.0), name


def test_prone_hip_extension_reads_negative_hip_flexion() -> None:
    motion = motions.curl_hip_lift("good", side="right")
    cam = side_camera("right", target_y=0.1)
    # Top of the first rep: knee curled, thigh lifted.
    t_top = 1.0 + 0.8 + 0.6 + 0.2
    got = truth.frame_truth(t_top, forward_kinematics(motion.pose_at(t_top, BODY), BODY).landmarks(BODY),
                            cam, "right").angles
    assert got[ANGLE_NAMES.index("knee_flexion_right")] == pytest.approx(110.0, abs=3.0)
    assert -25.0 < got[ANGLE_NAMES.index("hip_flexion_right")] < -12.0


@pytest.mark.parametrize("facing", ["right", "left"])
def test_truth_joints_land_on_the_parts_they_name(facing: str) -> None:
    cam = side_camera(facing, size=(640, 360))
    spec = SceneSpec(cam, BODY, render_scale=1.0)
    sk = forward_kinematics(hinge(68, 81, 13), BODY)
    canvas = SceneRenderer(spec).canvas(sk)
    xy, _ = cam.project(sk.landmarks(BODY))
    near = facing.upper()
    expect = {
        L[f"{near}_KNEE"]: {Part.THIGH, Part.SHANK},
        L[f"{near}_ANKLE"]: {Part.SHANK, Part.FOOT},
        L[f"{near}_HIP"]: {Part.THIGH, Part.PELVIS, Part.HAND, Part.FOREARM},
        L[f"{near}_ELBOW"]: {Part.UPPER_ARM, Part.FOREARM},
        L.NOSE: {Part.FACE, Part.HEAD},
        L[f"{near}_EAR"]: {Part.HEAD, Part.FACE},
    }
    for landmark, parts in expect.items():
        x, y = (int(v) for v in xy[landmark])
        assert canvas.part[y, x] in {int(p) for p in parts}, (landmark.name, int(canvas.part[y, x]))


def test_render_is_deterministic_and_fast_enough() -> None:
    cam = side_camera("right", size=(320, 180))
    sk = forward_kinematics(hinge(68, 81, 13), BODY)
    a = SceneRenderer(SceneSpec(cam, BODY, noise_sigma=2.0), seed=3).render(sk)
    b = SceneRenderer(SceneSpec(cam, BODY, noise_sigma=2.0), seed=3).render(sk)
    assert a.shape == (180, 320, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    # The body covers a plausible share of the frame (not empty, not everything).
    mask = SceneRenderer(SceneSpec(cam, BODY)).canvas(sk).mask
    assert 0.02 < mask.mean() < 0.5


def test_lighting_changes_shading_not_coverage() -> None:
    from posecoach.synth.render import Lighting

    cam = side_camera("right", size=(320, 180))
    sk = forward_kinematics(hinge(68, 81, 13), BODY)
    a = SceneRenderer(SceneSpec(cam, BODY, render_scale=1.0)).canvas(sk)
    lit = Lighting(toward_light=(0.5, -0.5, -0.7), ambient=0.4)
    b = SceneRenderer(SceneSpec(cam, BODY, render_scale=1.0, lighting=lit)).canvas(sk)
    assert np.array_equal(a.mask, b.mask)
    assert not np.allclose(a.colour, b.colour)


def _short_clip(out_dir: Path, seed: int) -> tuple[Path, dict]:
    out_dir.mkdir(parents=True, exist_ok=True)
    spec = samples.CLIPS[samples.CLIP_NAMES.index("origin_stretch_knees_bent_right")]
    video = samples.render_clip(spec, out_dir, seed=seed, max_frames=4)
    return video, truth.load(truth.truth_path(video))


def test_same_seed_same_clip_other_seed_other_body(tmp_path: Path) -> None:
    v1, t1 = _short_clip(tmp_path / "a", 0)
    v2, t2 = _short_clip(tmp_path / "b", 0)
    _, t3 = _short_clip(tmp_path / "c", 1)
    assert t1 == t2
    assert v1.read_bytes() == v2.read_bytes()
    assert t3["frames"][0]["joints_2d"] != t1["frames"][0]["joints_2d"]


def _check_schema(doc: dict, n_video_frames: int | None = None) -> None:
    for key in ("exercise", "fps", "width", "height", "view", "facing", "near_side", "frames",
                "events", "faults"):
        assert key in doc, key
    assert doc["exercise"] in {"origin-stretch", "leg-swing", "curl-hip-lift"}
    assert doc["facing"] in {"left", "right"} and doc["near_side"] in {"left", "right"}
    assert doc["view"] in {"side", "oblique", "front"}
    if n_video_frames is not None:
        assert len(doc["frames"]) == n_video_frames
    for i, frame in enumerate(doc["frames"][:5]):
        assert frame["t_s"] == pytest.approx(i / doc["fps"], abs=1e-3)
        assert set(frame["angles"]) == set(ANGLE_NAMES)
        assert set(frame["joints_2d"]) == {lm.name.lower() for lm in L}
        assert all(len(p) == 2 for p in frame["joints_2d"].values())
    assert set(doc["events"]) == {"swings", "reps", "holds"}
    for swing in doc["events"]["swings"]:
        assert set(swing) == {"start_s", "end_s", "peak_forward_s", "peak_forward_deg",
                              "peak_backward_s", "peak_backward_deg", "amplitude_deg", "side"}
    for rep in doc["events"]["reps"]:
        assert set(rep) == {"start_s", "end_s", "peak_knee_flexion_deg", "peak_hip_extension_deg", "side"}
    for hold in doc["events"]["holds"]:
        assert set(hold) == {"start_s", "end_s", "duration_s"}
    for fault in doc["faults"]:
        assert fault["code"] in FAULT_CODES and fault["start_s"] < fault["end_s"]


def test_truth_file_schema_matches_video(tmp_path: Path) -> None:
    video, doc = _short_clip(tmp_path, 0)
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        n = sum(1 for _ in container.decode(stream))
        assert (stream.codec_context.name, stream.codec_context.pix_fmt) == ("h264", "yuv420p")
    _check_schema(doc, n)
    assert (doc["width"], doc["height"]) == (640, 480)


def test_motion_plans_produce_the_intended_events() -> None:
    # Truth events measured at 15 fps without rendering: the scripts do what they claim.
    def events(motion: motions.Motion, facing: str) -> dict:
        cam = side_camera(facing)
        frames = [truth.frame_truth(t, forward_kinematics(motion.pose_at(t, BODY), BODY).landmarks(BODY),
                                    cam, facing) for t in np.arange(0, motion.duration_s, 1 / 15)]
        return truth.build(motion, frames, fps=15, camera=cam, facing=facing, near_side=facing)

    swing = events(motions.leg_swing("good", side="right"), "right")["events"]["swings"]
    amps = [s["amplitude_deg"] for s in swing]
    assert len(swing) == 8 and 35 < amps[0] < 45 and amps[-1] > 85
    assert all(b >= a - 1.0 for a, b in zip(amps, amps[1:]))  # grows, then plateaus
    fast = events(motions.leg_swing("progressing_too_fast", side="left"), "left")
    jump = np.diff([s["amplitude_deg"] for s in fast["events"]["swings"]]).max()
    assert jump > 40 and fast["faults"][0]["code"] == "progressing_too_fast"

    reps = events(motions.curl_hip_lift("good", side="left"), "left")["events"]["reps"]
    assert len(reps) == 3 and all(r["peak_knee_flexion_deg"] > 100 and r["peak_hip_extension_deg"] > 12
                                  for r in reps)
    partial = events(motions.curl_hip_lift("partial_range", side="right"), "right")["events"]["reps"]
    assert all(r["peak_knee_flexion_deg"] < 60 for r in partial)
    no_lift = events(motions.curl_hip_lift("no_hip_lift", side="right"), "right")["events"]["reps"]
    assert all(r["peak_hip_extension_deg"] < 3 for r in no_lift)

    good = events(motions.origin_stretch("good"), "right")
    assert good["faults"] == [] and good["events"]["holds"][0]["duration_s"] == pytest.approx(4.0)


def test_unknown_clip_name_is_an_error_listing_valid_names(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="origin_stretch_good_right"):
        samples.generate(tmp_path, names=["nope"])


@pytest.mark.skipif(not any(SAMPLES_DIR.glob("*.mp4")), reason="no committed samples")
def test_committed_samples_are_small_short_and_have_truth() -> None:
    videos = sorted(SAMPLES_DIR.glob("*.mp4"))
    assert len(videos) >= 8
    assert sum(v.stat().st_size for v in videos) <= 15 * 1024 * 1024
    seen = set()
    for video in videos:
        assert video.stat().st_size <= 2 * 1024 * 1024, video.name
        doc = json.loads(truth.truth_path(video).read_text())
        _check_schema(doc)
        assert doc["fps"] == 30 and len(doc["frames"]) / doc["fps"] <= 15.0
        assert doc["view"] == "side", video.name
        seen.add((doc["exercise"], doc["facing"], bool(doc["faults"])))
    assert {e for e, _, _ in seen} == {"origin-stretch", "leg-swing", "curl-hip-lift"}
    assert {f for _, f, _ in seen} == {"left", "right"}
    assert {(e, bad) for e, _, bad in seen} >= {(e, b) for e in ("origin-stretch", "leg-swing", "curl-hip-lift")
                                                 for b in (True, False)}


@pytest.mark.skipif(not any(SAMPLES_DIR.glob("*.truth.json")), reason="no committed samples")
@pytest.mark.parametrize("name", ["origin_stretch_good_right", "leg_swing_too_fast_left",
                                  "curl_hip_lift_pelvis_lift_left"])
def test_committed_truth_is_what_the_generator_makes(name: str) -> None:
    # Geometry only (no rendering): if a script or the camera framing changes, the
    # committed sample_videos are stale and must be regenerated (posecoach samples generate).
    path = SAMPLES_DIR / f"{name}.truth.json"
    if not path.exists():
        pytest.skip(f"{path.name} not committed")
    spec = samples.CLIPS[samples.CLIP_NAMES.index(name)]
    assert json.loads(json.dumps(samples.clip_truth(spec, seed=0))) == json.loads(path.read_text())
