"""The picture on the How-to-film page: what the phone should see, drawn by the project's
own renderer (posecoach.synth) from the staggered-stance stretch sample, side-on, whole
body in the frame, with frame marks and the hip-height line drawn on top."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

SIZE = (640, 400)


@cache
def film_picture_png() -> bytes:
    """PNG bytes (rendered once per process: about 0.3 s)."""
    import cv2

    from posecoach.synth import samples
    from posecoach.synth.scene import SceneRenderer, SceneSpec

    base = next(c for c in samples.CLIPS if c.name == "origin_stretch_staggered_good_left")
    spec = replace(base, size=SIZE, yaw_deg=0.0, fill=0.72)
    setup = samples.setup(spec)
    renderer = SceneRenderer(SceneSpec(setup.camera, setup.body, setup.room, noise_sigma=0.0), seed=0)
    image = renderer.render(setup.skeleton(setup.n_frames // 2)).copy()
    w, h = SIZE
    ink, m, arm = (40, 40, 40), 14, 46
    for x, y, dx, dy in ((m, m, 1, 1), (w - m, m, -1, 1), (m, h - m, 1, -1), (w - m, h - m, -1, -1)):
        cv2.line(image, (x, y), (x + dx * arm, y), ink, 4, cv2.LINE_AA)
        cv2.line(image, (x, y), (x, y + dy * arm), ink, 4, cv2.LINE_AA)
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise RuntimeError("could not encode the how-to-film picture")
    return bytes(png)
