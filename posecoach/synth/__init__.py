"""Synthetic mannequin videos with exact ground truth (numpy + OpenCV, no GPU).

The whole public surface::

    from posecoach.synth import samples
    samples.generate(out_dir, seed=0, names=None) -> list[Path]   # NAME.mp4 + NAME.truth.json
    samples.CLIP_NAMES                                             # the committed catalogue

    # building blocks, for new clips or tests
    from posecoach.synth.body import Body, Outfit                  # proportions, colours
    from posecoach.synth.skeleton import Pose, forward_kinematics  # joint angles -> 3D joints
    from posecoach.synth.motions import origin_stretch, leg_swing, curl_hip_lift  # -> Motion
    from posecoach.synth.camera import Camera                      # Camera.orbit(...)
    from posecoach.synth.scene import SceneRenderer, SceneSpec     # Skeleton -> RGB frame
    from posecoach.synth import truth                              # frame_truth, build, load

Truth angles are `posecoach.kinematics.angles_from_points` applied to the true joints
projected through the clip's camera (see docs/synthetic.md). Importing this package
has no side effects.
"""
