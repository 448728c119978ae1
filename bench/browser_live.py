"""The live page's speed in headless Debian chromium, for each mode.

    python bench/browser_live.py [--seconds S] [--modes page,server] [--model lite|full]
                                 [--exercise ID] [VIDEO]

Chromium's fake webcam plays VIDEO (default: a bundled leg-swing sample) at 30 fps; the
page runs a set of S seconds and reports what it measured itself: capture-to-overlay
latency p50/p95 (the frame's capture time to the moment its step is drawn), frames
analysed per second and frames dropped (frames the camera delivered that were not
analysed because earlier ones were still in flight; the newest frame is always the
next one analysed), and in page mode the pose model's own time per frame (in its Web
Worker). Server mode sends JPEG frames at most 640 px wide. Both modes run one after the
other in one invocation, each in a fresh browser. Targets: page mode with `lite` >= 20
fps and p95 <= 100 ms; server mode p95 <= 100 ms.
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

from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.live_harness import camera_args, fake_camera_file, live_server, run_live_page  # noqa: E402

DEFAULT_CLIP = ROOT / "sample_videos" / "leg_swing_trunk_sway_right.mp4"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--modes", default="page,server")
    parser.add_argument("--model", choices=("lite", "full"), default="lite")
    parser.add_argument("--exercise", default="leg-swing")
    parser.add_argument("--width", type=int, default=864, help="camera width (16:9), default 864")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        print(f"bench: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 2
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"{Path(args.video).name}, camera {args.width} px wide at 30 fps, {args.seconds:g} s per run")
    print("| mode | model | p50 ms | p95 ms | fps analysed | frames delivered / analysed / dropped | pose ms (page) |")
    print("|---|---|---:|---:|---:|---|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        camera, length_s = fake_camera_file(Path(args.video), Path(tmp) / "camera.mjpeg", width=args.width,
                                            lead_s=1.0, tail_s=0.0)
        seconds = min(args.seconds, length_s - 0.5)  # before the file loops round
        with live_server(Path(tmp) / "data") as url, sync_playwright() as p:
            for mode in args.modes.split(","):
                browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + camera_args(camera))
                try:
                    run = run_live_page(browser, url, f"exercise={args.exercise}&autostart=1&mode={mode}"
                                                      f"&model={args.model}&duration={seconds:.1f}",
                                        timeout_s=seconds + 90)
                finally:
                    browser.close()
                st = run.stats
                pose_ms = f"{st['pose_p50_ms']:.0f}" if st["mode"] == "page" and st["pose_p50_ms"] else "-"
                if st["mode"] != mode:
                    print(f"bench: asked for {mode}, the page used {st['mode']} ({st['mode_reason']})",
                          file=sys.stderr)
                print(f"| {st['mode']} | {args.model} "
                      f"| {st['latency_p50_ms']:.0f} | {st['latency_p95_ms']:.0f} | {st['fps']:.1f} "
                      f"| {st['frames_presented']} / {st['frames_analysed']} / {st['frames_dropped']} "
                      f"| {pose_ms} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
