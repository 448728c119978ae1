"""Throughput of `posecoach analyze` against the bare pose model, in one run.

    python bench/throughput.py VIDEO [--model lite|full|heavy] [--frames N] [--repeat R]
                               [--exercise auto|origin-stretch|...] [--profile a|b|c|d]

Stages (all over the same frames; wall time per frame, best of --repeat interleaved rounds):
  (a0) bare MediaPipe PoseLandmarker, VIDEO mode, over pre-decoded frames in memory, with
       the pipeline's options (num_poses, confidences, segmentation masks): the model alone;
  (a)  the bare MediaPipe loop over the video file, as in MediaPipe's own examples:
       cv2.VideoCapture -> BGR to RGB -> detect_for_video, same options;
  (b)  the project's landmarks + angles path (PoseEstimator + FrameMeasurer) on the
       pre-decoded frames of (a0);
  (c)  full analyze without the video: analyze_media + write_outputs(video=False);
  (d)  full analyze with the annotated video: analyze_media + write_outputs(video=True).
Every stage includes creating its landmarker. Like is compared with like: (b) starts from
decoded frames, so it is held against (a0); (c) and (d) start from the file, so they are held
against (a). Targets: (b)/(a0) <= 1.10, (c)/(a) <= 1.15, (d)/(a) <= 1.5.
With --frames N the input is first cut to its first N frames by stream copy (no
re-encoding), so all four stages see exactly the same frames.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

import av
import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import BaseOptions, vision

from posecoach.analysis import AnalysisOptions, analyze_media, pose_options_for
from posecoach.cli import native_logs_hidden
from posecoach.pipeline import measure_stream
from posecoach.pose import PoseEstimator, PoseOptions, resolve_model
from posecoach.report import write_outputs
from posecoach.video_io import iter_frames

TARGETS = {"b": 1.10, "c": 1.15, "d": 1.50}
BASELINE = {"b": "a0", "c": "a", "d": "a"}  # each stage against the bare loop with the same input
STAGES = ("a0", "a", "b", "c", "d")
LABELS = {"a0": "(a0) bare model, in memory", "a": "(a) bare loop over file", "b": "(b) landmarks + angles",
          "c": "(c) analyze --no-video", "d": "(d) analyze + video"}


def trim(video: Path, frames: int, dest: Path) -> Path:
    """The first `frames` video packets of `video`, stream-copied (no re-encode)."""
    with av.open(str(video)) as src, av.open(str(dest), "w") as out:
        in_stream = src.streams.video[0]
        out_stream = out.add_stream_from_template(in_stream)
        rotation = in_stream.metadata.get("rotate")
        if rotation:
            out_stream.metadata["rotate"] = rotation
        n = 0
        for packet in src.demux(in_stream):
            if packet.dts is None:
                continue
            packet.stream = out_stream
            out.mux(packet)
            n += 1
            if n >= frames:
                break
    return dest


def _landmarker(options: PoseOptions) -> vision.PoseLandmarker:
    task = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(resolve_model(options.model))),
        running_mode=vision.RunningMode.VIDEO, num_poses=options.num_poses,
        min_pose_detection_confidence=options.min_detection_confidence,
        min_pose_presence_confidence=options.min_presence_confidence,
        min_tracking_confidence=options.min_tracking_confidence,
        output_segmentation_masks=options.segmentation)
    return vision.PoseLandmarker.create_from_options(task)


def stage_a0(frames: list[tuple[float, np.ndarray]], options: PoseOptions) -> None:
    with _landmarker(options) as landmarker:
        last = -1
        for t_s, rgb in frames:
            t_ms = max(round(t_s * 1000), last + 1)
            last = t_ms
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), t_ms)


def stage_a(video: Path, options: PoseOptions) -> int:
    """The bare loop over the file; returns the number of frames it saw."""
    capture = cv2.VideoCapture(str(video))
    n = 0
    try:
        with _landmarker(options) as landmarker:
            last = -1
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                t_ms = max(round(capture.get(cv2.CAP_PROP_POS_MSEC)), last + 1)
                last = t_ms
                rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
                landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), t_ms)
                n += 1
    finally:
        capture.release()
    return n


def stage_b(frames: list[tuple[float, np.ndarray]], options: PoseOptions) -> None:
    with PoseEstimator.for_video(options.model, segmentation=options.segmentation) as estimator:
        for _ in measure_stream(frames, estimator.detect):
            pass


def stage_cd(video: Path, analysis_options: AnalysisOptions, out_dir: Path,
             with_video: bool) -> dict[str, float]:
    start = time.perf_counter()
    analysis = analyze_media(video, analysis_options)
    middle = time.perf_counter()
    write_outputs(analysis, out_dir, video=with_video)
    return {"analyze_media": middle - start, "write_outputs": time.perf_counter() - middle}


def timed(stages: dict[str, Callable[[], object]], repeat: int, profile: str | None,
          parts: dict[str, dict[str, float]], cpu: dict[str, float]) -> dict[str, float]:
    """Best wall time of each stage over `repeat` rounds; the stages are interleaved
    round by round (a b c d, a b c d, ...) so a burst of load elsewhere on the machine
    hits every stage alike rather than one. A stage returning {part: seconds} has the
    parts of its best round stored in `parts`; `cpu` gets the least process CPU time
    (all threads), which other processes' load disturbs far less than wall time."""
    best = {k: float("inf") for k in stages}
    cpu.update({k: float("inf") for k in stages})
    for round_i in range(repeat):
        for key, fn in stages.items():
            profiler = cProfile.Profile() if profile == key and round_i == 0 else None
            start, cpu_start = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            out = fn()
            if profiler is not None:
                profiler.disable()
            elapsed = time.perf_counter() - start
            cpu[key] = min(cpu[key], time.process_time() - cpu_start)
            if elapsed < best[key]:
                best[key] = elapsed
                if isinstance(out, dict):
                    parts[key] = out
            if profiler is not None:
                buf = io.StringIO()
                pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(35)
                print(buf.getvalue(), file=sys.stderr)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", type=Path)
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--frames", type=int, default=0, help="only the first N frames (default: all)")
    parser.add_argument("--exercise", default="auto")
    parser.add_argument("--repeat", type=int, default=1, help="best of R runs per stage")
    parser.add_argument("--profile", choices=STAGES, help="cProfile one stage (to stderr)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    analysis_options = AnalysisOptions(exercise=args.exercise, model=args.model)
    options = pose_options_for(analysis_options)
    with tempfile.TemporaryDirectory(prefix="posecoach-bench-") as tmp_name, native_logs_hidden(True):
        tmp = Path(tmp_name)
        video = trim(args.video, args.frames, tmp / f"input{args.video.suffix}") if args.frames > 0 \
            else args.video
        frames = [(t, np.ascontiguousarray(rgb)) for t, rgb in iter_frames(video)]
        n = len(frames)
        parts: dict[str, dict[str, float]] = {}
        cpu: dict[str, float] = {}
        load_before = os.getloadavg()[0]
        stage_a0(frames[:5], options)  # warm the file cache and the model load path
        loop_frames: list[int] = []
        seconds = timed({
            "a0": lambda: stage_a0(frames, options),
            "a": lambda: loop_frames.append(stage_a(video, options)),
            "b": lambda: stage_b(frames, options),
            "c": lambda: stage_cd(video, analysis_options, tmp / "c", False),
            "d": lambda: stage_cd(video, analysis_options, tmp / "d", True),
        }, args.repeat, args.profile, parts, cpu)
    load_after = os.getloadavg()[0]
    if loop_frames and loop_frames[0] != n:
        print(f"note: OpenCV read {loop_frames[0]} frames, PyAV {n}", file=sys.stderr)
    per_frame = {k: v / max(n, 1) for k, v in seconds.items()}
    cpu_ratios = {k: cpu[k] / cpu[BASELINE[k]] for k in "bcd"}
    ratios = {k: per_frame[k] / per_frame[BASELINE[k]] for k in "bcd"}
    figures = {"video": str(args.video), "model": args.model, "exercise": args.exercise,
               "segmentation": options.segmentation, "frames": n,
               "resolution": list(frames[0][1].shape[1::-1]) if frames else None,
               "seconds": seconds, "ms_per_frame": {k: v * 1000 for k, v in per_frame.items()},
               "fps": {k: 1.0 / v for k, v in per_frame.items()}, "ratios": ratios,
               "cpu_s": cpu, "cpu_ratios": cpu_ratios, "load_average": [load_before, load_after],
               "parts_s": parts, "baselines": BASELINE, "targets": TARGETS,
               "met": {k: ratios[k] <= TARGETS[k] for k in "bcd"}}
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    w, h = figures["resolution"] or (0, 0)
    print(f"{args.video.name}: {n} frames {w}x{h}, model {args.model}, segmentation "
          f"{'on' if options.segmentation else 'off'}, best of {args.repeat}; "
          f"{os.cpu_count()} CPUs, load average {load_before:.1f} -> {load_after:.1f}")
    print(f"{'stage':<30}{'total s':>8}{'ms/frame':>10}{'fps':>7}{'ratio':>13}{'target':>9}"
          f"{'cpu ms/fr':>11}{'cpu ratio':>11}")
    for k in STAGES:
        base = BASELINE.get(k)
        ratio = f"{ratios[k]:.3f} /({base})" if base else ""
        target = f"<= {TARGETS[k]:.2f}" if base else ""
        flag = "" if not base else ("  ok" if ratios[k] <= TARGETS[k] else "  MISSED")
        cpu_ratio = f"{cpu_ratios[k]:.3f}" if base else ""
        print(f"{LABELS[k]:<30}{seconds[k]:>8.2f}{per_frame[k] * 1000:>10.1f}{1 / per_frame[k]:>7.1f}"
              f"{ratio:>13}{target:>9}{cpu[k] / n * 1000:>11.1f}{cpu_ratio:>11}{flag}")
    for k in "cd":
        if k in parts:
            am, wo = parts[k]["analyze_media"], parts[k]["write_outputs"]
            print(f"    {k}: analyze_media {am:.2f} s ({am / n * 1000:.1f} ms/frame, "
                  f"{am / seconds['a']:.3f} x (a)); write_outputs {wo:.2f} s ({wo / n * 1000:.1f} ms/frame)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
