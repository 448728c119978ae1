"""PoseCoach: a computer-vision coach for runners' hamstring routines.

Data flows one way, the same for live and offline use::

    frames -> pose.PoseEstimator -> landmarks.PoseFrame -> pipeline (kinematics + smoothing)
           -> sample.PoseSample -> exercises (analysers) -> report / render

Public entry points:

- ``posecoach.analysis.analyze_media(path, AnalysisOptions(...)) -> ClipAnalysis``
- ``posecoach.report.write_outputs(analysis, out_dir)``
- ``posecoach.pose.PoseEstimator.for_images / for_video``
- ``posecoach.kinematics.angles_from_points`` and ``measure`` (angle definitions: docs/angles.md)
- ``posecoach.models.install / list_models / ensure_model`` (provisioning;
  ``posecoach.pose.resolve_model`` installs and verifies on first use)

Importing the package has no side effects; nothing here prints.
"""

__version__ = "0.1.0"
