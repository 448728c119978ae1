"""Peak memory and time of `posecoach analyze` on the hostile inputs of tests/corpus.py.

    python bench/hostile.py [--model lite|full|heavy] [--keep DIR]

Each input is built fresh, then analysed in its own process (`--no-video` off: the
annotated video is rendered too); the peak is that process's VmHWM, so nothing of this
script's own memory is counted. Prints one row per case: exit status, peak MB, seconds,
and the first line of the error (or where the report went).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import corpus  # noqa: E402

CHILD = """
import sys
from posecoach.cli import main
code = main(sys.argv[1:])
sys.stderr.flush()
status = open('/proc/self/status').read().split('VmHWM:')[1]
print('PEAK_KB', int(status.split()[0]), file=sys.stderr)
sys.exit(code)
"""


def run(path: Path, out: Path, model: str) -> tuple[int, float, float, str]:
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CHILD, "analyze", str(path), "--out", str(out),
                           "--model", model, "--quiet"], capture_output=True, text=True)
    seconds = time.monotonic() - start
    lines = done.stderr.splitlines()
    peak = next(int(line.split()[1]) for line in lines if line.startswith("PEAK_KB"))
    message = next((line for line in lines if line.startswith("posecoach: error:")), f"report in {out}")
    return done.returncode, peak / 1024, seconds, message


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--keep", type=Path, help="build the inputs here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="posecoach-hostile-"))
    folder.mkdir(parents=True, exist_ok=True)
    cases = {
        "png bomb 30000x30000 (875 KB)": corpus.png_bomb,
        "H.264 8192x8192": corpus.huge_frame_video,
        "H.264 4096x4096, 6 frames": corpus.large_frame_video,
        "1-hour 64x64 clip": corpus.hour_long_clip,
        "4x4 still": lambda d: corpus.tiny_image(d, 4),
        "1x1 video": corpus.one_pixel_video,
        "resolution change mid-stream": corpus.resolution_change,
        "2 s timestamp gap": corpus.timestamp_gap,
    }
    sample = ROOT / "sample_videos" / "origin_stretch_good_right.mp4"
    print(f"{'case':<32} {'exit':>4} {'peak MB':>8} {'s':>6}  outcome")
    rows = [(name, build(folder)) for name, build in cases.items()]
    if sample.exists():
        rows.append(("sample clip 1280x720, 9.5 s", sample))
    for i, (name, path) in enumerate(rows):
        code, peak_mb, seconds, message = run(path, folder / f"out-{i}", args.model)
        print(f"{name:<32} {code:>4} {peak_mb:>8.0f} {seconds:>6.1f}  {message[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
