"""posecoach.render.Annotator: draws where the body is, in place, fast, colour by state."""

from __future__ import annotations

import time

import numpy as np
import pytest

from posecoach.exercises.base import FrameFeedback
from posecoach.landmarks import PoseLandmark as L
from posecoach.render import Annotator, AnnotatorStyle
from tests.support.analyses import AnyCounters, nobody, pose_at

W, H = 1280, 720


def blank() -> np.ndarray:
    return np.full((H, W, 3), 100, np.uint8)


def feedback(good_form: bool | None = True, cue: str | None = None, conditions: tuple[str, ...] = (),
             **counters: float) -> FrameFeedback:
    return FrameFeedback(t_s=1.0, phase="holding", cue=cue, good_form=good_form,
                         counters=AnyCounters(**(counters or {"hold_s": 5.0, "good_hold_s": 4.0})),
                         active_faults=() if good_form is not False else ("rounded_back",),
                         active_conditions=conditions)


def changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a != b).any(axis=2)


def test_draws_the_skeleton_where_the_body_is() -> None:
    sample = pose_at(0.5, width=W, height=H)
    img = blank()
    out = Annotator().annotate(img, sample, feedback(), "origin-stretch")
    assert out is img  # in place
    diff = changed(img, blank())
    for joint in (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_SHOULDER):
        x, y = np.round(sample.xy[joint]).astype(int)
        assert diff[y - 2:y + 3, x - 2:x + 3].any(), joint.name
    hip, knee = sample.xy[L.RIGHT_HIP], sample.xy[L.RIGHT_KNEE]
    mid = np.round((hip + knee) / 2).astype(int)
    assert diff[mid[1] - 1:mid[1] + 2, mid[0] - 1:mid[0] + 2].any()
    # Far from the body, the panel and the banner, the frame is untouched.
    assert not diff[H // 2 - 50:H // 2 + 50, W - 150:W - 10].any()


def test_near_side_is_emphasised_in_the_state_colour() -> None:
    style = AnnotatorStyle()
    sample = pose_at(0.5, width=W, height=H)  # facing right: the right side is near
    img = Annotator(style).annotate(blank(), sample, feedback(good_form=True), "origin-stretch")
    knee = sample.xy[L.RIGHT_KNEE]
    ankle = sample.xy[L.RIGHT_ANKLE]
    x, y = np.round(knee + (ankle - knee) * 0.5).astype(int)
    patch = img[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3)
    assert (np.abs(patch.astype(int) - style.good).sum(axis=1) < 40).any()


@pytest.mark.parametrize("fb, colour", [
    (feedback(True, "Good, hold it and breathe"), "good"),    # praise on good form
    (feedback(False, "Keep your back flat"), "fix"),          # a form fault
    (feedback(None, "Turn side-on", ("not_side_view",)), "stop"),  # recording problem
])
def test_cue_banner_colour_says_the_state(fb: FrameFeedback, colour: str) -> None:
    style = AnnotatorStyle(panel_alpha=0.6)
    img = Annotator(style).annotate(np.zeros((H, W, 3), np.uint8), None, fb, "origin-stretch")
    band = img[H - 90:H - 20, 20:60].reshape(-1, 3).astype(float)
    # The banner is the state colour blended over black at 82 %.
    expected = np.array(getattr(style, colour)) * 0.82
    assert np.abs(np.median(band, axis=0) - expected).max() < 6


def test_no_cue_no_banner_and_no_person() -> None:
    img = blank()
    Annotator().annotate(img, nobody(0.0, W, H), None, "leg-swing")
    diff = changed(img, blank())
    assert diff[:200, :320].any()           # the counters panel
    assert not diff[H - 120:, :].any()      # no banner
    assert not diff[200:, 320:].any()       # no skeleton


def test_swing_bars_follow_the_count() -> None:
    annotator = Annotator()
    for n in range(1, 6):
        annotator.annotate(blank(), None, feedback(swings=float(n), last_amplitude_deg=10.0 * n), "leg-swing")
    img = annotator.annotate(blank(), None, feedback(swings=5.0, last_amplitude_deg=50.0), "leg-swing")
    assert annotator.swing_amplitudes == (10.0, 20.0, 30.0, 40.0, 50.0)
    assert changed(img, blank())[:250, :320].any()
    annotator.annotate(blank(), None, feedback(swings=0.0), "leg-swing")  # a new set
    assert annotator.swing_amplitudes == ()


def test_rejects_non_rgb_frames() -> None:
    with pytest.raises(ValueError, match="HxWx3 uint8"):
        Annotator().annotate(np.zeros((H, W), np.uint8), None, None, "leg-swing")


@pytest.mark.parametrize("exercise", ["origin-stretch", "leg-swing", "curl-hip-lift", "other"])
def test_every_exercise_panel_draws(exercise: str) -> None:
    img = Annotator().annotate(blank(), pose_at(0.5, width=W, height=H),
                               feedback(cue="Keep your back flat", hold_s=3.0, swings=2.0, reps=3.0,
                                        last_peak_knee_flexion_deg=90.0,
                                        last_peak_thigh_lift_deg=8.0), exercise)
    assert changed(img, blank()).sum() > 5000


def test_fast_enough_for_live_use() -> None:
    annotator = Annotator()
    sample, fb = pose_at(0.5, width=W, height=H), feedback(False, "Keep your back flat")
    img = blank()
    annotator.annotate(img, sample, fb, "origin-stretch")
    n = 30
    start = time.perf_counter()
    for _ in range(n):
        annotator.annotate(img, sample, fb, "origin-stretch")
    per_frame_ms = (time.perf_counter() - start) / n * 1000
    assert per_frame_ms < 15.0, f"{per_frame_ms:.1f} ms per 720p frame"


# ---------------------------------------------------------------- the video pass
class _FailingAnnotator(Annotator):
    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self._n, self._fail_at = 0, fail_at

    def annotate(self, rgb, sample, feedback, exercise):
        self._n += 1
        if self._n == self._fail_at:
            raise RuntimeError("drawing failed")
        return super().annotate(rgb, sample, feedback, exercise)


def test_render_video_writes_every_frame(tmp_path) -> None:
    import av

    from posecoach.render import render_video
    from tests.support.analyses import make_analysis, write_input_video

    clip = write_input_video(tmp_path / "in.mp4", n=40)
    analysis = make_analysis(n=40, path=str(clip))
    seen: list[int] = []
    n = render_video(clip, tmp_path / "out.mp4", analysis.samples, analysis.feedback,
                     analysis.exercise, 30.0, progress=lambda done, total: seen.append(done))
    assert n == 40 and seen[-1] == 40
    with av.open(str(tmp_path / "out.mp4")) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 40
    assert np.abs(frames[20][:60, :100].astype(int) - 80).max() > 30  # input grey 80; the panel is drawn


@pytest.mark.parametrize("where", ["annotate", "encode"])
def test_render_video_errors_surface_without_hanging(tmp_path, monkeypatch, where: str) -> None:
    from posecoach.render import render_video
    from posecoach.video_io import VideoWriter
    from tests.support.analyses import make_analysis, write_input_video

    clip = write_input_video(tmp_path / "in.mp4", n=40)
    analysis = make_analysis(n=40, path=str(clip))
    annotator = _FailingAnnotator(fail_at=12) if where == "annotate" else Annotator()
    if where == "encode":
        calls = {"n": 0}
        original = VideoWriter.write

        def write(self, rgb, t_s=None):
            calls["n"] += 1
            if calls["n"] == 7:
                raise OSError("disk full")
            original(self, rgb, t_s)

        monkeypatch.setattr(VideoWriter, "write", write)
    with pytest.raises((RuntimeError, OSError)):
        render_video(clip, tmp_path / "out.mp4", analysis.samples, analysis.feedback,
                     analysis.exercise, 30.0, annotator=annotator)
    import threading

    assert not [t for t in threading.enumerate() if t.name.startswith("posecoach-")]


@pytest.mark.parametrize("shape", [(720, 1280), (640, 360), (408, 570)])
def test_banner_box_is_where_the_banner_is_drawn(shape: tuple[int, int]) -> None:
    h, w = shape
    annotator = Annotator()
    img = annotator.annotate(np.zeros((h, w, 3), np.uint8), None, feedback(True, "Hold it"), "origin-stretch")
    x0, y0, x1, y1 = annotator.banner_box(h, w)
    rows = np.flatnonzero(changed(img, np.zeros_like(img))[:, (x0 + x1) // 2])
    assert rows.max() == y1 - 1 and rows[rows > h // 2].min() == y0


def test_the_panel_heading_names_the_exercise_by_its_title_not_its_id() -> None:
    from posecoach.exercises import SPECS
    from posecoach.render.annotator import panel_heading

    for spec in SPECS.values():
        heading = panel_heading(spec.id, "holding")
        assert heading == f"{spec.title} | holding"
        assert spec.id not in heading.lower()
