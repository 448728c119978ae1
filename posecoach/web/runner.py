"""The default job runner: the same analysis as `posecoach analyze`, run in a worker process.

Any callable with this signature can replace it (ServeSettings.runner), e.g. a fast fake
in tests. Heavy imports happen here, inside the worker, never in the web server.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from posecoach.web.worker import CONFIG_ENV, ProgressFn

ANALYSIS_SHARE = 0.7   # share of the progress bar for pose estimation; the rest is rendering


def run_analysis(input_path: Path, exercise: str, out_dir: Path, progress: ProgressFn,
                 model: str = "full") -> dict[str, Any]:
    progress(0.0, "loading the pose model")
    from posecoach.analysis import AnalysisOptions, analyze_media
    from posecoach.exercises.thresholds import ExerciseConfig, load_config
    from posecoach.limits import MediaLimits
    from posecoach.report import write_outputs

    # Threshold overrides: `serve --config` passes the file to its worker processes.
    config_file = os.environ.get(CONFIG_ENV)
    config = load_config(Path(config_file)) if config_file else ExerciseConfig()

    def on_frames(done: int, total: int) -> None:
        progress(ANALYSIS_SHARE * done / max(total, 1), "analysing movement")

    # The server hands its limits to the worker process as POSECOACH_* variables.
    options = AnalysisOptions(exercise=exercise, model=model, limits=MediaLimits.from_env(),
                              exercises=config)
    analysis = analyze_media(input_path, options, on_frames)
    progress(ANALYSIS_SHARE, "rendering the annotated video")

    def on_render(done: int, total: int) -> None:
        progress(ANALYSIS_SHARE + (1 - ANALYSIS_SHARE) * done / max(total, 1), "rendering the annotated video")

    return dict(write_outputs(analysis, Path(out_dir), video=True, progress=on_render))


def run_analysis_lite(input_path: Path, exercise: str, out_dir: Path, progress: ProgressFn) -> dict[str, Any]:
    """The same analysis with the lite pose model (tests and benchmarks: several times faster)."""
    return run_analysis(input_path, exercise, out_dir, progress, model="lite")
