"""Peak memory of `posecoach analyze --no-video` on a short clip and a long one.

    python bench/memory.py [VIDEO] [--seconds 60] [--model full] [--exercise auto]

The long clip is VIDEO looped to --seconds by stream copy (no re-encoding) into a temp
folder; each analysis runs in a fresh process, whose peak resident set size (ru_maxrss)
is read when it exits. Pass 1 keeps only compact per-frame measurements, so the peak
should barely grow with clip length (the frames themselves are never all held).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLIP = ROOT / "sample_videos" / "origin_stretch_good_right.mp4"
ANALYZE = "import sys; from posecoach.cli import main; sys.exit(main(sys.argv[1:]))"


def loop_clip(src: Path, seconds: float, dest: Path) -> Path:
    """`src`'s video stream repeated until it lasts at least `seconds`, packets re-timed,
    no re-encode."""
    with av.open(str(src)) as first:
        stream = first.streams.video[0]
        packets = [p for p in first.demux(stream) if p.dts is not None and p.pts is not None]
        time_base = stream.time_base
    if not packets:
        raise SystemExit(f"{src}: no video packets")
    step = max(p.pts for p in packets) - min(p.pts for p in packets) + (packets[1].pts - packets[0].pts
                                                                        if len(packets) > 1 else 1)
    loops = max(1, math.ceil(seconds / float(step * time_base) - 1e-6))
    with av.open(str(src)) as source, av.open(str(dest), "w") as out:
        in_stream = source.streams.video[0]
        out_stream = out.add_stream_from_template(in_stream)
        for loop in range(loops):
            source.seek(0)
            for packet in source.demux(in_stream):
                if packet.dts is None or packet.pts is None:
                    continue
                packet.pts += loop * step
                packet.dts += loop * step
                packet.stream = out_stream
                out.mux(packet)
    return dest


def peak_rss_mb(video: Path, model: str, exercise: str, out_dir: Path) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of one `analyze --no-video` in its own process."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", ANALYZE, "analyze", str(video), "--out", str(out_dir),
                             "--no-video", "--quiet", "--model", model, "--exercise", exercise],
                            cwd=ROOT, env={**os.environ, "GLOG_minloglevel": "2"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise SystemExit(f"analyze failed on {video} (exit {proc.returncode}): {err[-500:]}")
    if proc.stderr:
        proc.stderr.close()
    return usage.ru_maxrss / 1024.0, time.perf_counter() - start  # ru_maxrss is KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", nargs="?", type=Path, default=DEFAULT_CLIP)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the long clip")
    parser.add_argument("--model", default="full")
    parser.add_argument("--exercise", default="auto")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="posecoach-memory-") as tmp_name:
        tmp = Path(tmp_name)
        long_clip = loop_clip(args.video, args.seconds, tmp / f"long{args.video.suffix}")
        rows = []
        for label, clip in (("short", args.video), ("long", long_clip)):
            with av.open(str(clip)) as c:
                s = c.streams.video[0]
                duration = float(s.duration * s.time_base) if s.duration else float(c.duration or 0) / 1e6
                frames = s.frames
            rss, wall = peak_rss_mb(clip, args.model, args.exercise, tmp / f"out-{label}")
            rows.append((label, clip.name, duration, frames, rss, wall))
    print(f"peak RSS of `analyze --no-video --model {args.model} --exercise {args.exercise}`, "
          f"one process each:")
    print(f"{'clip':<40}{'seconds':>9}{'frames':>8}{'peak RSS MiB':>14}{'wall s':>8}")
    for label, name, duration, frames, rss, wall in rows:
        shown = name if label == "short" else f"{args.video.name} looped"
        print(f"{shown:<40}{duration:>9.1f}{frames:>8}{rss:>14.0f}{wall:>8.1f}")
    growth = rows[1][4] - rows[0][4]
    print(f"growth: {growth:+.0f} MiB for {rows[1][2] - rows[0][2]:.0f} s more "
          f"({growth / max(rows[1][3] - rows[0][3], 1) * 1024:.1f} KiB per frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
