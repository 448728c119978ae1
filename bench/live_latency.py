"""Capture-to-overlay latency and FPS of `posecoach live` on this machine.

    python bench/live_latency.py [--model lite|full] [--seconds S] [--exercise ID] [VIDEO]

A video file stands in for the camera: it is delivered in real time (frames dropped when
processing is slow, as with a webcam), run headless with the overlay drawn on every frame
shown. Latency is from the moment a frame is captured to the moment its overlay is drawn.
Without --model both lite and full are measured. Targets (issue 6): lite p95 <= 100 ms
and >= 25 FPS.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CLIPS = (ROOT / "sample_videos" / "leg_swing_good_right.mp4",
                 ROOT.parent / "shared" / "realclips" / "legswing_front_back_oblique_gymapp.mp4")
TARGET_P95_MS, TARGET_FPS = 100.0, 25.0


def measure_latency(video: Path, model: str, seconds: float, exercise: str) -> dict[str, float]:
    from posecoach.live import LiveOptions, LiveSession
    from posecoach.live.framing import FramingConfig

    with tempfile.TemporaryDirectory() as tmp:
        summary = LiveSession(LiveOptions(
            exercise=exercise, camera=str(video), model=model, headless=True, draw_headless=True,
            duration_s=seconds, framing=FramingConfig(enabled=False), out_dir=Path(tmp) / "out",
            use_history=False)).run()
    return {"p50_ms": summary.latency_p50_ms, "p95_ms": summary.latency_p95_ms, "fps": summary.fps,
            "captured": summary.frames_captured, "analysed": summary.frames_analysed,
            "dropped": summary.frames_dropped}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", type=Path, help="clip delivered as a camera would")
    parser.add_argument("--model", choices=("lite", "full", "heavy"), action="append",
                        help="model(s) to measure (default: lite and full)")
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each run (default 10)")
    parser.add_argument("--exercise", default="leg-swing",
                        choices=("origin-stretch", "leg-swing", "curl-hip-lift"))
    args = parser.parse_args(argv)
    video = args.video or next((p for p in DEFAULT_CLIPS if p.exists()), None)
    if video is None or not video.exists():
        parser.error("no video: pass one (sample_videos/ is made by `posecoach samples generate`)")
    os.environ.setdefault("GLOG_minloglevel", "2")
    print(f"clip {video.name}, {args.seconds:g} s each, exercise {args.exercise}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'model':<6} {'p50 ms':>7} {'p95 ms':>7} {'fps':>6} {'frames captured/analysed/dropped':>34}")
    ok = True
    for model in args.model or ["lite", "full"]:
        r = measure_latency(video, model, args.seconds, args.exercise)
        print(f"{model:<6} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['fps']:>6.1f} "
              f"{r['captured']:>18.0f}/{r['analysed']:.0f}/{r['dropped']:.0f}")
        if model == "lite":
            ok = r["p95_ms"] <= TARGET_P95_MS and r["fps"] >= TARGET_FPS
            print(f"       lite target p95 <= {TARGET_P95_MS:.0f} ms and >= {TARGET_FPS:.0f} fps: "
                  f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
