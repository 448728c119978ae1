"""Where `analyze --no-video` spends CPU beyond the pose model, part by part.

    python bench/overhead.py VIDEO [--exercise auto|ID] [--model full] [--repeat 5]

bench/throughput.py says how much `analyze` costs against the bare MediaPipe loop; this
says what the difference is made of. Each part is run on its own, `--repeat` times, and
its median process CPU time printed (CPU, not wall: steady on a busy machine):
  decode        PyAV `iter_frames` (what analyze reads with) and, for comparison, the bare
                loop's cv2.VideoCapture + BGR->RGB;
  people        the people counter (its own landmarker, every 2 s) on top of decoding;
  measure       angles, facing, view and framing per frame (FrameMeasurer), on poses
                recorded beforehand, so no model time is in it;
  smooth, exercise, analyser   the passes after the poses (zero-phase smoothing, `auto`
                recognition, the analyser);
  write_outputs charts, tables and report files, no video.
In `analyze`, decoding and people counting run on the decoding thread and measuring on
the main thread, both beside the landmarker's thread; smoothing, the analyser and
write_outputs come after it.
"""

from __future__ import annotations

import argparse
import os
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

import cv2  # noqa: E402

from posecoach import exercises  # noqa: E402
from posecoach.analysis import AUTO, AnalysisOptions, analyze_media, run_exercise  # noqa: E402
from posecoach.cli import native_logs_hidden  # noqa: E402
from posecoach.pipeline import measure_stream, smooth_clip  # noqa: E402
from posecoach.pose import PeopleCounter, PoseEstimator  # noqa: E402
from posecoach.report import write_outputs  # noqa: E402
from posecoach.video_io import iter_frames  # noqa: E402


def cpu_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median process CPU milliseconds of `fn` over `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times) * 1000


def decode_pyav(video: Path) -> None:
    for _ in iter_frames(video):
        pass


def decode_cv2(video: Path) -> None:
    capture = cv2.VideoCapture(str(video))
    try:
        while True:
            ok, bgr = capture.read()
            if not ok:
                break
            cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    finally:
        capture.release()


def count_people(video: Path, model: str) -> None:
    with PeopleCounter(model) as people:
        for t_s, rgb in iter_frames(video):
            people.update(rgb, t_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("video", type=Path)
    parser.add_argument("--exercise", default=AUTO)
    parser.add_argument("--model", default="full", choices=("lite", "full", "heavy"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    video, repeat = args.video, args.repeat
    with native_logs_hidden(True), tempfile.TemporaryDirectory(prefix="posecoach-overhead-") as tmp:
        frames = list(iter_frames(video))
        with PoseEstimator.for_video(args.model) as estimator:
            poses = {id(rgb): estimator.detect(rgb, t_s) for t_s, rgb in frames}
        analysis = analyze_media(video, AnalysisOptions(exercise=args.exercise, model=args.model))
        options = analysis.options
        height, width = frames[0][1].shape[:2]
        measurements = [m for _, m in measure_stream(frames, lambda rgb, t_s: poses[id(rgb)])]
        samples = smooth_clip(measurements, width, height, options.measure)
        rounds = iter(range(10 * repeat))
        parts: dict[str, Callable[[], object]] = {
            "decode (PyAV, as analyze)": lambda: decode_pyav(video),
            "decode (cv2, as the bare loop)": lambda: decode_cv2(video),
            "people counter + PyAV decode": lambda: count_people(video, args.model),
            "measure (per frame, no model)": lambda: [m for _, m in measure_stream(
                frames, lambda rgb, t_s: poses[id(rgb)], options.measure)],
            "smooth": lambda: smooth_clip(measurements, width, height, options.measure),
            "exercise recognition": lambda: exercises.detect_exercise(samples, options.exercises),
            f"analyser ({analysis.exercise})": lambda: run_exercise(analysis.exercise, samples,
                                                                    options.exercises),
            "write_outputs (no video)": lambda: write_outputs(
                analysis, Path(tmp) / f"out{next(rounds)}", video=False),
        }
        write_outputs(analysis, Path(tmp) / "warm", video=False)  # imports, font cache
        n = len(frames)
        print(f"{video.name}: {n} frames {width}x{height}, model {args.model}, exercise "
              f"{analysis.exercise}; CPU ms, median of {repeat}")
        print(f"{'part':<36}{'cpu ms':>9}{'ms/frame':>10}")
        for label, fn in parts.items():
            ms = cpu_ms(fn, repeat)
            print(f"{label:<36}{ms:>9.1f}{ms / n:>10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
