"""The analysers against the synthetic clips' plans, on exact landmarks.

Every catalogue clip of posecoach.synth (the scripted motions behind sample_videos/) is
projected through its camera without rendering or a pose model: the analysers must find
the planned events and faults from perfect landmarks. (The rendered videos, through
MediaPipe, are checked by the benchmark, not here.)
"""

from __future__ import annotations

import pytest

from posecoach import exercises
from posecoach.kinematics import View
from posecoach.sample import PoseSample

samples_mod = pytest.importorskip("posecoach.synth.samples")
truth_mod = pytest.importorskip("posecoach.synth.truth")
skeleton = pytest.importorskip("posecoach.synth.skeleton")
Body = pytest.importorskip("posecoach.synth.body").Body

# Faults the plan does not list but the pose really shows: the rounded-back script keeps
# the thighs ~vertical (pelvis over the ankles), which is also hips_not_back.
ALSO_TRUE = {"origin_stretch_rounded_back_left": {"hips_not_back"}}


FPS = 15.0   # half the clips' rate: keeps the test quick; the analysers take any rate


def _clip(spec):
    motion = spec.motion()
    body = Body()
    camera = samples_mod.frame_camera(spec, motion, body)
    sign = 1 if spec.facing == "right" else -1
    out = []
    for i in range(round(motion.duration_s * FPS)):
        t = i / FPS
        sk = skeleton.forward_kinematics(motion.pose_at(t, body), body)
        ft = truth_mod.frame_truth(t, sk.landmarks(body), camera, spec.facing)
        out.append(PoseSample(t_s=t, detected=True, angles=ft.angles, xy=ft.xy, facing=sign,
                              view=View.SIDE, width=spec.size[0], height=spec.size[1]))
    return motion, out


@pytest.mark.parametrize("spec", samples_mod.CLIPS, ids=lambda s: s.name)
def test_analyser_finds_the_planned_events_and_faults(spec):
    motion, clip = _clip(spec)
    plan = motion.plan
    assert exercises.detect_exercise(clip) == motion.exercise
    result = exercises.analyse(clip, motion.exercise)
    planned = {f.code for f in plan.faults}
    assert planned <= result.fault_codes <= planned | ALSO_TRUE.get(spec.name, set())
    for fault in plan.faults:   # each planned fault span overlaps a detected one
        assert any(f.code == fault.code and f.start_s < fault.end_s and f.end_s > fault.start_s
                   for f in result.faults), fault
    if plan.side is not None:
        assert result.working_side == plan.side
    assert len(result.swings) == len(plan.swings)
    assert len(result.reps) == len(plan.reps)
    assert len(result.holds) == len(plan.holds)
    for hold, (start, end) in zip(result.holds, plan.holds):
        tol = 0.5 if "bouncing" in planned else 0.15
        assert hold.duration_s == pytest.approx(end - start, abs=tol)
    for rep, (start, end) in zip(result.reps, plan.reps):
        assert rep.start_s == pytest.approx(start, abs=0.15)
        assert rep.end_s == pytest.approx(end, abs=0.15)
