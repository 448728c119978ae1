"""Throughput of `posecoach analyze` against the bare pose model, in one run.

    python bench/throughput.py VIDEO [VIDEO ...] [--model lite|full|heavy] [--frames N]
                               [--repeat R] [--exercises auto,own] [--stages a-,a+,c,d]
                               [--profile STAGE] [--json]

Stages (all over the same frames; wall time, median of --repeat interleaved rounds):
  (a-) the bare MediaPipe loop over the video file, as in MediaPipe's own examples:
       cv2.VideoCapture -> BGR to RGB -> detect_for_video, landmarks only (no masks),
       with the pipeline's other options (num_poses, confidences): the baseline;
  (a+) the same loop with a segmentation mask on every frame (what `auto` used to cost);
  (c:EX) full analyze without the video, exercise EX: analyze_media + write_outputs(video=False);
  (d)  full analyze (auto) with the annotated video: analyze_media + write_outputs(video=True);
  (a0) the bare loop over pre-decoded frames in memory, landmarks only: the model alone;
  (b)  the project's landmarks + angles path (PoseEstimator + FrameMeasurer) on the
       pre-decoded frames of (a0).
Every stage includes creating its landmarkers. Like is compared with like: (b) starts from
decoded frames, so it is held against (a0); the others start from the file, so they are held
against (a-). Targets: (c)/(a-) <= 1.10, (d)/(a-) <= 1.5, (b)/(a0) <= 1.10.
--exercises: `auto`, exercise ids, `own` (the exercise the file name starts with, e.g.
leg_swing_... -> leg-swing) or `all`; default auto,own. With --frames N the input is first
cut to its first N frames by stream copy (no re-encoding), so all stages see the same frames.
With several videos a Markdown summary table follows (the README's Speed table).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

import av  # noqa: E402
import cv2  # noqa: E402
import mediapipe as mp  # noqa: E402
import numpy as np  # noqa: E402
from mediapipe.tasks.python import BaseOptions, vision  # noqa: E402

from posecoach.analysis import AUTO, AnalysisOptions, analyze_media  # noqa: E402
from posecoach.cli import native_logs_hidden  # noqa: E402
from posecoach.exercises import EXERCISE_IDS  # noqa: E402
from posecoach.pipeline import measure_stream  # noqa: E402
from posecoach.pose import PoseEstimator, PoseOptions, resolve_model  # noqa: E402
from posecoach.report import write_outputs  # noqa: E402
from posecoach.video_io import iter_frames  # noqa: E402

TARGETS = {"b": 1.10, "c": 1.10, "d": 1.50}
DEFAULT_STAGES = ("a-", "a+", "c", "d")
ALL_STAGES = ("a0", "a-", "a+", "b", "c", "d")
LABELS = {"a0": "(a0) bare model, in memory", "a-": "(a-) bare loop, landmarks only",
          "a+": "(a+) bare loop, mask every frame", "b": "(b) landmarks + angles",
          "d": "(d) analyze + video (auto)"}


def baseline_of(stage: str) -> str | None:
    return {"a0": None, "a-": None, "b": "a0"}.get(stage, "a-")


def target_of(stage: str) -> float | None:
    return TARGETS.get(stage.split(":")[0])


def label_of(stage: str) -> str:
    return f"(c) analyze --no-video, {stage[2:]}" if stage.startswith("c:") else LABELS[stage]


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


def stage_a(video: Path, options: PoseOptions) -> dict[str, float]:
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
    return {"frames_read": n}


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
    return {"analyze_media": middle - start, "write_outputs": time.perf_counter() - middle,
            "masked_frames": analysis.masked_frames, "exercise": analysis.exercise}


def timed(stages: dict[str, Callable[[], object]], repeat: int, profile: str | None
          ) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, dict]]:
    """Wall and process CPU seconds of each stage in each of `repeat` rounds. The stages
    are interleaved round by round (a b c, a b c, ...) so a burst of load elsewhere on the
    machine hits every stage alike rather than one. A stage returning a dict has the one
    of its median-time round kept (parts of the time, masked frames)."""
    wall: dict[str, list[float]] = {k: [] for k in stages}
    cpu: dict[str, list[float]] = {k: [] for k in stages}
    outs: dict[str, list[object]] = {k: [] for k in stages}
    for round_i in range(repeat):
        for key, fn in stages.items():
            profiler = cProfile.Profile() if profile == key and round_i == 0 else None
            start, cpu_start = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            out = fn()
            if profiler is not None:
                profiler.disable()
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - cpu_start)
            outs[key].append(out)
            if profiler is not None:
                buf = io.StringIO()
                pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(35)
                print(buf.getvalue(), file=sys.stderr)
    parts = {}
    for key, values in wall.items():
        median_round = sorted(range(len(values)), key=values.__getitem__)[len(values) // 2]
        if isinstance(outs[key][median_round], dict):
            parts[key] = outs[key][median_round]
    return wall, cpu, parts


def own_exercise(video: Path) -> str | None:
    """The exercise a file is named after: origin_stretch_good_right.mp4 -> origin-stretch."""
    name = video.name.replace("_", "-")
    return next((ex for ex in EXERCISE_IDS if name.startswith(ex)), None)


def exercises_for(video: Path, spec: str) -> list[str]:
    out: list[str] = []
    for item in spec.split(","):
        item = item.strip()
        names = list(EXERCISE_IDS) if item == "all" else (
            [e for e in [own_exercise(video)] if e] if item == "own" else [item])
        out += [n for n in names if n not in out]
    return out


def bench_video(video_arg: Path, args: argparse.Namespace) -> dict:
    stages_wanted = [s.strip() for s in args.stages.split(",")]
    plain = PoseOptions(model=args.model)
    masked = PoseOptions(model=args.model, segmentation=True)
    with tempfile.TemporaryDirectory(prefix="posecoach-bench-") as tmp_name, native_logs_hidden(True):
        tmp = Path(tmp_name)
        video = trim(video_arg, args.frames, tmp / f"input{video_arg.suffix}") if args.frames > 0 \
            else video_arg
        frames = [(t, np.ascontiguousarray(rgb)) for t, rgb in iter_frames(video)]
        n = len(frames)
        load_before = os.getloadavg()[0]
        stage_a0(frames[:5], plain)  # warm the file cache and the model load path
        stages: dict[str, Callable[[], object]] = {}
        for key in stages_wanted:
            if key == "a0":
                stages[key] = lambda: stage_a0(frames, plain)
            elif key == "a-":
                stages[key] = lambda: stage_a(video, plain)
            elif key == "a+":
                stages[key] = lambda: stage_a(video, masked)
            elif key == "b":
                stages[key] = lambda: stage_b(frames, plain)
            elif key == "c":
                for ex in exercises_for(video_arg, args.exercises):
                    opts = AnalysisOptions(exercise=ex, model=args.model)
                    stages[f"c:{ex}"] = (lambda o=opts, d=tmp / f"c-{ex}": stage_cd(video, o, d, False))
            elif key == "d":
                stages[key] = lambda: stage_cd(video, AnalysisOptions(exercise=AUTO, model=args.model),
                                               tmp / "d", True)
            else:
                raise SystemExit(f"unknown stage {key!r}: choose from {', '.join(ALL_STAGES)}")
        if "b" in stages and "a0" not in stages:
            stages = {"a0": lambda: stage_a0(frames, plain), **stages}
        if any(baseline_of(k) == "a-" for k in stages) and "a-" not in stages:
            stages = {"a-": lambda: stage_a(video, plain), **stages}
        wall, cpu, parts = timed(stages, args.repeat, args.profile)
    load_after = os.getloadavg()[0]
    seconds = {k: statistics.median(v) for k, v in wall.items()}
    cpu_s = {k: statistics.median(v) for k, v in cpu.items()}
    ratios = {k: seconds[k] / seconds[b] for k in seconds if (b := baseline_of(k))}
    # The ratio of each round against the same round's baseline, then its median: steadier
    # than a ratio of medians when the load changes between rounds.
    round_ratios = {k: statistics.median(w / base for w, base in zip(wall[k], wall[b]))
                    for k in wall if (b := baseline_of(k))}
    cpu_ratios = {k: cpu_s[k] / cpu_s[b] for k in cpu_s if (b := baseline_of(k))}
    read = parts.get("a-", {}).get("frames_read")
    if read is not None and read != n:
        print(f"note: OpenCV read {read} frames, PyAV {n}", file=sys.stderr)
    return {"video": str(video_arg), "model": args.model, "frames": n,
            "resolution": list(frames[0][1].shape[1::-1]) if frames else None,
            "rounds": args.repeat, "seconds_rounds": wall, "seconds": seconds, "cpu_s": cpu_s,
            "ms_per_frame": {k: v / max(n, 1) * 1000 for k, v in seconds.items()},
            "ratios": ratios, "round_ratios": round_ratios, "cpu_ratios": cpu_ratios,
            "parts": parts, "load_average": [load_before, load_after],
            "met": {k: r <= t for k, r in round_ratios.items() if (t := target_of(k))}}


def print_video(fig: dict) -> None:
    w, h = fig["resolution"] or (0, 0)
    n = fig["frames"]
    print(f"{Path(fig['video']).name}: {n} frames {w}x{h}, model {fig['model']}, median of "
          f"{fig['rounds']}; {os.cpu_count()} CPUs, load average "
          f"{fig['load_average'][0]:.1f} -> {fig['load_average'][1]:.1f}")
    print(f"{'stage':<40}{'total s':>8}{'ms/frame':>10}{'ratio':>14}{'target':>9}"
          f"{'cpu ms/fr':>11}{'cpu ratio':>11}{'masks':>7}")
    for k, secs in fig["seconds"].items():
        base = baseline_of(k)
        ratio = f"{fig['round_ratios'][k]:.3f} /({base})" if base else ""
        target = target_of(k)
        flag = "" if target is None else ("  ok" if fig["round_ratios"][k] <= target else "  MISSED")
        cpu_ratio = f"{fig['cpu_ratios'][k]:.3f}" if base else ""
        part = fig["parts"].get(k, {})
        masks = str(part["masked_frames"]) if "masked_frames" in part else ("all" if k == "a+" else "")
        print(f"{label_of(k):<40}{secs:>8.2f}{secs / n * 1000:>10.1f}{ratio:>14}"
              f"{f'<= {target:.2f}' if target else '':>9}{fig['cpu_s'][k] / n * 1000:>11.1f}"
              f"{cpu_ratio:>11}{masks:>7}{flag}")
    for k, part in fig["parts"].items():
        if "analyze_media" in part:
            am, wo = part["analyze_media"], part["write_outputs"]
            print(f"    {k}: analyze_media {am:.2f} s, write_outputs {wo:.2f} s; "
                  f"{part['masked_frames']} of {n} frames masked; exercise {part['exercise']}")


def print_summary(figures: list[dict]) -> None:
    """The README's Speed table: one row per clip, ratios against (a-)."""
    print("\nWall-time ratios (median of the per-round ratios), CPU-time ratios in brackets:")
    print("\n| clip | frames | (a-) ms/frame | (a+)/(a-) | (c) auto/(a-) | (c) own exercise/(a-) "
          "| (d)/(a-) | masked frames (auto) |")
    print("|---|---|---|---|---|---|---|---|")
    for fig in figures:
        rr, parts = fig["round_ratios"], fig["parts"]
        own = next((k for k in rr if k.startswith("c:") and k != f"c:{AUTO}"), None)
        w, h = fig["resolution"] or (0, 0)

        def cell(key: str | None, rr: dict = rr, cpu: dict = fig["cpu_ratios"]) -> str:
            return f"{rr[key]:.3f} ({cpu[key]:.3f})" if key in rr else "-"
        auto_masks = parts.get(f"c:{AUTO}", {}).get("masked_frames", "-")
        own_cell = f"{cell(own)} ({own[2:]})" if own else "-"
        print(f"| `{Path(fig['video']).name}` ({w}x{h}) | {fig['frames']} | "
              f"{fig['ms_per_frame'].get('a-', float('nan')):.1f} | {cell('a+')} | {cell(f'c:{AUTO}')} | "
              f"{own_cell} | {cell('d')} | {auto_masks} |")
    print(f"| target | | | | <= {TARGETS['c']:.2f} | <= {TARGETS['c']:.2f} | <= {TARGETS['d']:.2f} | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("videos", type=Path, nargs="+")
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--frames", type=int, default=0, help="only the first N frames (default: all)")
    parser.add_argument("--exercises", default="auto,own",
                        help="analyse as these (auto, ids, own, all; default auto,own)")
    parser.add_argument("--stages", default=",".join(DEFAULT_STAGES),
                        help=f"stages to run, of {', '.join(ALL_STAGES)} (default {','.join(DEFAULT_STAGES)})")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--profile", help="cProfile one stage, e.g. c:auto (to stderr)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = []
    for video in args.videos:
        fig = bench_video(video, args)
        figures.append(fig)
        if not args.json:
            print_video(fig)
            print()
    if args.json:
        print(json.dumps(figures, indent=2))
    elif len(figures) > 1:
        print_summary(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
