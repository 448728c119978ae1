"""`posecoach live` flags and entry point, for wiring into posecoach.cli:

    p_live = sub.add_parser("live", help="real-time coaching from a webcam, video or stream")
    add_live_arguments(p_live)
    p_live.set_defaults(func=run_live)

`run_live(args) -> int` raises PoseCoachError for expected failures (the CLI prints
them); it prints the session summary on stdout. Ctrl-C and SIGTERM end the session
normally: the outputs are saved and the exit code is 0.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from posecoach.errors import ConfigError

if TYPE_CHECKING:  # the session pulls in MediaPipe; `--help` should not
    from posecoach.live.session import LiveOptions, LiveSummary

MODELS = ("lite", "full", "heavy")


def add_live_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.description = (
        "Coach one exercise in real time from a webcam, a video file or a network stream. "
        "Keys: q/Esc quit, space pause, r reset the set, s switch side, m mirror. Outputs (as "
        "analyze: report.json, angles.csv, annotated.mp4 with --record) go to "
        "./posecoach-out/live-YYYYmmdd-HHMMSS/ unless --out is given, and the session is added "
        "to the history.")
    from posecoach.exercises import exercise_ids

    parser.add_argument("--exercise", required=True, choices=exercise_ids())
    parser.add_argument("--config", metavar="FILE.toml",
                        help="coaching threshold overrides (TOML; commented example: "
                             "docs/thresholds.example.toml)")
    parser.add_argument("--camera", default="0", metavar="INDEX|PATH|URL",
                        help="camera index (default 0) or /dev/videoN, a video file (played in real time) or a "
                             "stream URL such as http://phone:8080/video")
    parser.add_argument("--model", choices=MODELS, default="lite",
                        help="pose model (default lite: the one that keeps up in real time)")
    parser.add_argument("--mirror", action="store_true", help="show the picture mirrored (selfie view)")
    parser.add_argument("--voice", action="store_true", help="speak the cues (espeak-ng)")
    parser.add_argument("--record", action="store_true", help="save the annotated view as annotated.mp4")
    parser.add_argument("--headless", action="store_true", help="no window (servers, tests)")
    parser.add_argument("--out", metavar="DIR", help="output folder")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--no-pace", action="store_true",
                        help="video files: analyse every frame as fast as possible instead of in "
                             "real time (no frames dropped)")
    parser.add_argument("--no-countdown", action="store_true",
                        help="start analysing at once (no framing guidance or countdown)")
    return parser


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends the session like Ctrl-C (outputs saved). Main thread only."""
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _out_dir(out: str | None) -> Path | None:
    """--out follows `analyze`'s rule (posecoach.report.folders), decided before the
    session starts: a folder that exists and is not an earlier report gets the session in
    DIR/live-YYYYmmdd-HHMMSS/, so nothing of the user's is replaced and no session is
    lost at the end for want of a place to go."""
    if not out:
        return None
    from posecoach.live.outputs import default_out_dir
    from posecoach.report.folders import choose_out_dirs

    return choose_out_dirs([default_out_dir()], out)[0]


def options_from_args(args: argparse.Namespace) -> LiveOptions:
    from posecoach.exercises.thresholds import ExerciseConfig, load_config
    from posecoach.live.framing import FramingConfig
    from posecoach.live.session import LiveOptions

    if args.duration is not None and not (math.isfinite(args.duration) and args.duration > 0):
        raise ConfigError(f"--duration must be a positive number of seconds, got {args.duration}")
    return LiveOptions(
        exercise=args.exercise, camera=str(args.camera), model=args.model, mirror=args.mirror,
        voice=args.voice, record=args.record, headless=args.headless,
        out_dir=_out_dir(args.out), duration_s=args.duration,
        pace=not args.no_pace, framing=FramingConfig(enabled=not args.no_countdown),
        exercises=load_config(Path(args.config)) if getattr(args, "config", None) else ExerciseConfig())


def run_live(args: argparse.Namespace) -> int:
    from posecoach.live.session import LiveSession
    from posecoach.pose import resolve_model

    options = options_from_args(args)
    resolve_model(options.model, progress=lambda line: print(line, file=sys.stderr))  # install once, visibly
    with _sigterm_as_interrupt():
        session = LiveSession(options)
        for notice in session.notices:
            print(f"posecoach: {notice}", file=sys.stderr)
        summary = session.run()
    print(format_summary(summary))
    return 0


def format_summary(summary: LiveSummary) -> str:
    lines = [(f"live session ended ({summary.reason}): {summary.frames_analysed} frames analysed, "
              f"{summary.fps:.1f} fps shown, latency p50 {summary.latency_p50_ms:.0f} ms / "
              f"p95 {summary.latency_p95_ms:.0f} ms")]
    if not summary.saved:
        lines.append("  nothing to save: no set was started with a person in view")
    for saved in summary.saved:
        verdict = saved.report.get("verdict") or {}
        headline = verdict.get("headline", "") if isinstance(verdict, dict) else ""
        faults = sorted({f.get("code", "") for f in saved.report.get("faults", []) if isinstance(f, dict)})
        lines.append(f"  set {saved.number}: {headline}"
                     f"{' | faults: ' + ', '.join(faults) if faults else ''}\n    -> {saved.out_dir}")
    if summary.recording is not None:
        lines.append(f"  video -> {summary.recording}")
    return "\n".join(lines)
