"""`posecoach` command line. Maps library errors to one clear stderr line (+ hint) and
an exit code; a traceback only with --debug."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

from posecoach.errors import InputError, PoseCoachError
from posecoach.exercises.thresholds import ExerciseConfig, load_config
from posecoach.limits import MediaLimits
from posecoach.results import AnalysisOptions

MODEL_CHOICES = ("lite", "full", "heavy")


@contextlib.contextmanager
def native_logs_hidden(enabled: bool) -> Iterator[None]:
    """Send the native libraries' log chatter (TFLite/MediaPipe write straight to fd 2)
    to a temporary file, while Python's own stderr stays on the terminal."""
    if not enabled:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    log = tempfile.TemporaryFile()
    os.dup2(log.fileno(), 2)
    old_stderr = sys.stderr
    try:
        python_on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # already redirected (e.g. captured in tests)
        python_on_fd2 = False
    if python_on_fd2:
        sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        if sys.stderr is not old_stderr:
            sys.stderr.close()
            sys.stderr = old_stderr
        log.close()


def _err(message: str, hint: str = "") -> None:
    print(f"posecoach: error: {message}", file=sys.stderr)
    if hint:
        print(f"  hint: {hint}", file=sys.stderr)


def _progress_line(message: str) -> None:
    print(message, file=sys.stderr)


# ---------------------------------------------------------------- models
def _cmd_models(args: argparse.Namespace) -> int:
    from posecoach import models
    from posecoach.pose import verify_bundle

    if args.models_cmd == "install":
        variants = models.VARIANTS if args.variant == "all" else (args.variant,)
        failures = 0
        for variant in variants:
            try:
                m = models.install(variant, force=args.force, progress=_progress_line,
                                   verify=verify_bundle)
                print(f"{m.variant}: {m.path} ({m.size_bytes / 1e6:.1f} MB, {m.source})")
            except PoseCoachError as exc:
                if args.variant != "all" or variant == "full":
                    raise
                failures += 1
                _err(exc.message, exc.hint)
        failures += _install_web_runtime(models)
        return 0 if failures == 0 else 1
    installed = models.list_models()
    if args.json:
        print(json.dumps(models.as_dicts(installed), indent=2))
        return 0
    if not installed:
        print(f"no models installed in {models.models_dir()}; run: posecoach models install")
        return 0
    print(f"{'variant':<8} {'size':>9}  {'sha256':<16}  source / path")
    for m in installed:
        print(f"{m.variant:<8} {m.size_bytes / 1e6:>7.1f}MB  {m.sha256[:16]}  {m.source}\n"
              f"{'':<37}{m.path}")
    return 0


def _install_web_runtime(models: ModuleType) -> int:
    """The web app's live page runtime, from npm when present; a note (not a failure) without
    npm or when the registry is unreachable: the page then runs the pose on the server."""
    try:
        root = models.install_web_runtime(progress=_progress_line)
    except PoseCoachError as exc:  # the page still works (pose on the server): warn, do not fail
        print(f"posecoach: warning: {exc.message}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return 0
    if root is None:
        print("web live page: npm not found, so the page will run the pose model on the server "
              "(install Node.js/npm and rerun for in-browser pose)", file=sys.stderr)
    else:
        print(f"web live page runtime: {root}")
    return 0


# ---------------------------------------------------------------- analyze
def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE.toml",
                        help="coaching threshold overrides (TOML; commented example: "
                             "docs/thresholds.example.toml)")

def _collect_inputs(raw: Sequence[str]) -> list[Path]:
    from posecoach.video_io import IMAGE_SUFFIXES, VIDEO_SUFFIXES

    found: list[Path] = []
    for item in raw:
        path = Path(item)
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir()
                                if p.suffix.lower() in VIDEO_SUFFIXES | IMAGE_SUFFIXES))
        else:
            found.append(path)
    if not found:
        raise InputError("no video or image files found in the given inputs",
                         "pass files like clip.mp4 or a folder that contains some")
    return found


def _analyze_one(job: tuple[str, str, AnalysisOptions, bool, bool]) -> dict[str, object]:
    """Worker entry (also used in-process): analyse one input and write its outputs."""
    from posecoach.analysis import analyze_media
    from posecoach.report import write_outputs

    path, out_dir, options, video, show_progress = job
    bar = None
    callback = None
    if show_progress:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="frame", desc=Path(path).name, leave=False, file=sys.stderr)

        def callback(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)
    try:
        analysis = analyze_media(path, options, callback)
    finally:
        if bar is not None:
            bar.close()
    report = write_outputs(analysis, Path(out_dir), video=video)
    return report


def _summary_line(path: Path, out_dir: Path, report: dict[str, object]) -> str:
    verdict = report.get("verdict", {}) if isinstance(report.get("verdict"), dict) else {}
    headline = verdict.get("headline", "") if isinstance(verdict, dict) else ""
    from posecoach.exercises import title_of
    from posecoach.presentation import fault_label

    # The runner's words, as on the result page: the exercise's title and the faults' labels.
    faults = sorted({fault_label(f["code"]).lower() for f in report.get("faults", [])})  # type: ignore[index,union-attr,attr-defined]
    return (f"{path.name}: {title_of(str(report.get('exercise')))} | {headline}"
            f"{' | faults: ' + ', '.join(faults) if faults else ' | no faults'}\n  -> {out_dir}/report.html")


# (input, its report folder, the report or None, the failure or None)
Outcome = tuple[Path, Path, "dict[str, object] | None", "PoseCoachError | None"]


def _as_failure(path: Path, exc: BaseException, debug: bool) -> PoseCoachError:
    """Any failure of one input as a PoseCoachError, so that a batch goes on."""
    if isinstance(exc, PoseCoachError):
        return exc
    if debug:
        raise exc
    return PoseCoachError(f"{path.name}: could not be analysed ({type(exc).__name__}: {exc})",
                          "run again with --debug for the details, and report it if it persists")


def _run_jobs(inputs: list[Path], jobs: list[tuple], workers: int, debug: bool) -> list[Outcome]:
    from concurrent.futures import ProcessPoolExecutor

    results: list[Outcome] = []
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_analyze_one, job) for job in jobs]
            for path, job, fut in zip(inputs, jobs, futures):
                try:
                    results.append((path, Path(job[1]), fut.result(), None))
                except Exception as exc:  # noqa: BLE001 - one input's failure ends only that input
                    results.append((path, Path(job[1]), None, _as_failure(path, exc, debug)))
        return results
    for path, job in zip(inputs, jobs):
        try:
            results.append((path, Path(job[1]), _analyze_one(job), None))
        except Exception as exc:  # noqa: BLE001 - one input's failure ends only that input
            results.append((path, Path(job[1]), None, _as_failure(path, exc, debug)))
    return results


def _others_done(n: int) -> str:
    return "" if n == 0 else "the other input was analysed" if n == 1 else f"the other {n} were analysed"


def _exercise_config(args: argparse.Namespace) -> ExerciseConfig:
    """The coaching thresholds: defaults, overridden by the --config file if given."""
    return load_config(Path(args.config)) if getattr(args, "config", None) else ExerciseConfig()


def _cmd_analyze(args: argparse.Namespace) -> int:
    from posecoach.pose import resolve_model
    from posecoach.report.folders import choose_out_dirs

    limits = MediaLimits.from_env().replace(max_clip_s=args.max_clip_s)
    # No --model: videos use full, photos heavy when installed (analysis.photo_model).
    model = args.model or "full"
    options = AnalysisOptions(exercise=args.exercise, model=model, photo_model=args.model, limits=limits,
                              exercises=_exercise_config(args))
    inputs = _collect_inputs(args.inputs)
    many = len(inputs) > 1
    out_dirs = choose_out_dirs(inputs, args.out)
    show_progress = not args.quiet and not args.json and sys.stderr.isatty()
    # Install the model once, up front, rather than racing in the workers.
    resolve_model(model, progress=(lambda m: None) if args.quiet else _progress_line)
    jobs = [(str(p), str(d), options, not args.no_video, show_progress)
            for p, d in zip(inputs, out_dirs)]
    results = _run_jobs(inputs, jobs, args.jobs, args.debug)
    failures = [(path, error) for path, _, _, error in results if error is not None]
    summaries = [report for _, _, report, _ in results if report is not None]
    for path, out_dir, report, error in results:
        if error is not None:
            _err(error.message, error.hint)
        elif not args.json and not args.quiet:
            assert report is not None
            print(_summary_line(path, out_dir, report))
    if many and failures:
        _err(f"{len(failures)} of {len(results)} inputs failed: "
             + ", ".join(path.name for path, _ in failures),
             _others_done(len(results) - len(failures)))
    if args.history:
        _add_to_history([(out_dir, report) for _, out_dir, report, _ in results if report is not None],
                        quiet=args.quiet or args.json)
    if args.json:
        print(json.dumps(summaries[0] if len(summaries) == 1 and not many else summaries, indent=2))
    if not failures:
        return 0
    if len(failures) == len(results) and len({type(e).exit_code for _, e in failures}) == 1:
        return failures[0][1].exit_code
    return 1


def _add_to_history(done: list[tuple[Path, dict[str, object]]], quiet: bool) -> None:
    """Record analysed clips as sessions (source "cli") for `posecoach history` and the web
    app's history page, pointing at their output folders."""
    from posecoach.history import HistoryStore, db_path_for, default_data_dir

    if not done:
        return
    store = HistoryStore(db_path_for(default_data_dir()))
    for out_dir, report in done:
        store.add_session(report, source="cli", files_dir=out_dir.resolve())
    if not quiet:
        print(f"added {len(done)} session{'s' if len(done) != 1 else ''} to your history "
              f"({store.db_path}); see `posecoach history`")


# ---------------------------------------------------------------- samples
def _cmd_samples(args: argparse.Namespace) -> int:
    from posecoach.synth import samples

    written = samples.generate(Path(args.out), seed=args.seed, names=args.names or None)
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="posecoach",
        description="Computer-vision coach for runners' hamstring routines "
                    "(origin stretch, leg swings, prone curl + hip lift).")
    parser.add_argument("--debug", action="store_true", help="show native logs and full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    p_models = sub.add_parser("models", help="install or list the pose models")
    msub = p_models.add_subparsers(dest="models_cmd", required=True)
    p_install = msub.add_parser("install", help="download or build a pose model bundle")
    p_install.add_argument("--variant", choices=(*MODEL_CHOICES, "all"), default="full")
    p_install.add_argument("--force", action="store_true", help="reinstall even if present")
    p_list = msub.add_parser("list", help="show installed models (variant, path, size, sha256, source)")
    p_list.add_argument("--json", action="store_true")
    p_models.set_defaults(func=_cmd_models)

    p_an = sub.add_parser(
        "analyze", help="analyse uploaded videos or photos",
        description="Analyse videos (mp4 mov m4v avi mkv webm) or photos (jpg png). Each input gets "
                    "a folder with report.json, angles.csv, report.html, plots/ and annotated.mp4, "
                    "in ./posecoach-out/<input name>/ by default. --out DIR with one input writes "
                    "into DIR if it is new or an earlier PoseCoach report (replaced); if DIR holds "
                    "anything else, into DIR/<input name>/. Several inputs: DIR/<input name>/ each. "
                    "PoseCoach never replaces files it did not write: a name already taken gets "
                    "<input name>-2, -3, ... Limits: clips up to 10 min (--max-clip-s), video "
                    "frames up to 4096x4096, photos up to 64 megapixels; see README.")
    p_an.add_argument("inputs", nargs="+", metavar="INPUT", help="video/image files or folders")
    from posecoach.exercises import exercise_ids

    p_an.add_argument("--exercise", choices=("auto", *exercise_ids()), default="auto")
    p_an.add_argument("--model", choices=MODEL_CHOICES,
                      help="pose model (default: full for videos; for photos heavy when installed, else full)")
    add_config_argument(p_an)
    p_an.add_argument("--out", metavar="DIR", help="output folder (see above)")
    p_an.add_argument("--no-video", action="store_true", help="skip the annotated video")
    p_an.add_argument("--max-clip-s", type=float, metavar="S",
                      help=f"refuse clips longer than S seconds (default {MediaLimits.max_clip_s:.0f}, "
                           "or $POSECOACH_MAX_CLIP_S); other limits: docs/reliability.md")
    p_an.add_argument("--jobs", type=int, default=1, metavar="N", help="analyse N inputs in parallel")
    p_an.add_argument("--quiet", action="store_true", help="no progress or summary output")
    p_an.add_argument("--json", action="store_true", help="print the report summary as JSON on stdout")
    p_an.add_argument("--history", action="store_true",
                      help="also record each analysis in your progress history (`posecoach history`, "
                           "the web app), kept in $POSECOACH_DATA_DIR or ~/.local/share/posecoach")
    p_an.set_defaults(func=_cmd_analyze)

    from posecoach.live.cli import add_live_arguments, run_live
    from posecoach.web.cli import (add_history_arguments, add_serve_arguments, add_worker_arguments, run_history,
                                   run_serve, run_worker)

    p_live = sub.add_parser("live", help="real-time coaching from a webcam, video file or stream")
    add_live_arguments(p_live)
    p_live.set_defaults(func=run_live)

    p_serve = sub.add_parser("serve", help="web app: upload clips, read results, track progress")
    add_serve_arguments(p_serve)
    p_serve.set_defaults(func=run_serve)

    p_worker = sub.add_parser("worker", help="run the web app's analyses from a Redis queue (docs/deploy.md)")
    add_worker_arguments(p_worker)
    p_worker.set_defaults(func=run_worker)

    p_history = sub.add_parser("history", help="print your progression per exercise")
    add_history_arguments(p_history)
    p_history.set_defaults(func=run_history)

    p_samples = sub.add_parser("samples", help="regenerate the synthetic sample videos")
    ssub = p_samples.add_subparsers(dest="samples_cmd", required=True)
    p_gen = ssub.add_parser("generate", help="render sample clips with ground truth")
    p_gen.add_argument("--out", default="sample_videos", metavar="DIR")
    p_gen.add_argument("--seed", type=int, default=0)
    p_gen.add_argument("names", nargs="*", help="only these samples (default: all)")
    p_samples.set_defaults(func=_cmd_samples)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "jobs", 1) < 1:
        parser.error("--jobs must be at least 1")
    try:
        with native_logs_hidden(not args.debug):
            return int(args.func(args))
    except PoseCoachError as exc:
        if args.debug:
            raise
        _err(exc.message, exc.hint)
        return exc.exit_code
    except KeyboardInterrupt:
        _err("interrupted; nothing partial was kept")
        return 130
    except OSError as exc:  # a file-system problem no command turned into a PoseCoachError
        if args.debug:
            raise
        where = f" ({exc.filename})" if exc.filename else ""
        _err(f"{exc.strerror or exc}{where}", "check the paths and free space, or run with --debug")
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
