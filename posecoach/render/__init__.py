"""Drawing the coaching overlay on frames (OpenCV), shared by offline video and live.

    from posecoach.render import Annotator, AnnotatorStyle

    annotator = Annotator(AnnotatorStyle())
    rgb = annotator.annotate(rgb, sample, feedback, exercise)   # draws in place

`render_video` streams an input through the annotator into an H.264 file (used by the
report); the Annotator itself never touches files or video.
"""

from posecoach.render.annotator import Annotator, AnnotatorStyle
from posecoach.render.video import render_image, render_video

__all__ = ["Annotator", "AnnotatorStyle", "render_image", "render_video"]
