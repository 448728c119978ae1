"""The files `posecoach analyze` writes for one input, all at once or not at all.

    from posecoach.report import write_outputs

    report = write_outputs(analysis, Path("out/clip"), video=True)   # -> report.json as a dict
    write_outputs(analysis, out, video=False)                         # no annotated video
    write_outputs(analysis, out, annotated_video=Path("live.mp4"))    # include a live recording
    build_report(analysis)                                            # the dict alone, no files
    load_schema()                                                     # report.schema.json

The folder gets report.json (versioned; schema in report.schema.json, fields in
docs/report-schema.md), angles.csv, plots/*.png, report.html (self-contained) and
annotated.mp4 with its poster.jpg (annotated.jpg for a still), and the marker
`.posecoach-report` that lets a later run replace it. Everything is built in a hidden sibling
`.NAME.partial-XXXX` and renamed into place at the end, so an interrupted run never
leaves a complete-looking partial report.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from posecoach.output_files import ANGLES_CSV, IMAGE, PLOTS, REPORT_HTML, REPORT_JSON, VIDEO
from posecoach.report.atomic import atomic_output_dir
from posecoach.report.folders import report_source
from posecoach.report.document import (
    SCHEMA_VERSION,
    build_report,
    dumps,
    load_schema,
    verdict,
)
from posecoach.report.html import render_html
from posecoach.report.plots import Chart, make_charts
from posecoach.report.poster import POSTER, poster_time, write_poster
from posecoach.report.tables import write_angles_csv
from posecoach.results import ClipAnalysis

__all__ = ["SCHEMA_VERSION", "Chart", "build_report", "load_schema", "verdict", "write_outputs"]

# (frames done, frames expected) -> None, for the annotated-video pass.
Progress = Callable[[int, int], None]



def _time_span(analysis: ClipAnalysis) -> tuple[float, float]:
    samples = analysis.samples
    if not samples:
        return 0.0, max(float(analysis.info.duration_s or 0.0), 0.0)
    t0, t1 = float(samples[0].t_s), float(samples[-1].t_s)
    step = (t1 - t0) / (len(samples) - 1) if len(samples) > 1 else 0.0
    return t0, max(t1 + step, t0 + 1e-3)


def _write_media(analysis: ClipAnalysis, folder: Path, progress: Progress | None) -> dict[str, str]:
    from posecoach.render import render_image, render_video

    info = analysis.info
    if info.kind == "image":
        sample = analysis.samples[0] if analysis.samples else None
        fb = analysis.feedback[0] if analysis.feedback else None
        render_image(info.path, folder / IMAGE, sample, fb, analysis.exercise, limits=analysis.options.limits)
        return {"kind": "image", "src": IMAGE}
    render_video(info.path, folder / VIDEO, analysis.samples, analysis.feedback, analysis.exercise,
                 info.fps, progress=progress, limits=analysis.options.limits)
    return {"kind": "video", "src": VIDEO}


def _adopt_video(source: Path, folder: Path) -> dict[str, str]:
    """Include an already annotated video (e.g. a live recording) as annotated.mp4: a
    hard link where possible, else a copy; the caller's file is left as it was."""
    dest = folder / VIDEO
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)
    return {"kind": "video", "src": VIDEO}


def write_outputs(analysis: ClipAnalysis, out_dir: Path | str, video: bool = True,
                  progress: Progress | None = None,
                  annotated_video: Path | None = None) -> dict[str, Any]:
    """Write every output of `analysis` (a ClipAnalysis) into `out_dir`, atomically.
    An earlier report there is replaced; a folder holding anything PoseCoach did not
    write is never touched (OutputError; see report.atomic). Returns the report.json content.

    The annotated video (mostly native decode/encode work) is rendered on a worker
    thread while this one draws the charts and writes the tables; `progress` is called
    from that worker. `annotated_video`: an MP4 that is already annotated (the live
    session's recording) to include instead of rendering one; `video` is then ignored."""
    out_dir = Path(out_dir)
    with atomic_output_dir(out_dir, source=report_source(analysis.info.path)) as tmp, \
            ThreadPoolExecutor(1, "posecoach-media") as pool:
        pending: Future[dict[str, str]] | None = None
        if annotated_video is not None:
            pending = pool.submit(_adopt_video, Path(annotated_video), tmp)
        elif video:
            pending = pool.submit(_write_media, analysis, tmp, progress)
        write_angles_csv(tmp / ANGLES_CSV, analysis.samples, analysis.feedback)
        charts = make_charts(analysis)
        (tmp / PLOTS).mkdir()
        for chart in charts:
            (tmp / PLOTS / chart.name).write_bytes(chart.png)
        media = pending.result() if pending is not None else None
        files = {"report_html": REPORT_HTML, "angles_csv": ANGLES_CSV,
                 "annotated": media["src"] if media else None,
                 "plots": [f"{PLOTS}/{c.name}" for c in charts]}
        report = build_report(analysis, files=files)
        if media is not None and media["kind"] == "video" and write_poster(
                tmp / VIDEO, tmp / POSTER, poster_time(report, float(analysis.info.duration_s or 0.0))):
            media = {**media, "poster": POSTER}
        text = dumps(report)
        (tmp / REPORT_HTML).write_text(render_html(report, charts, media, _time_span(analysis)),
                                       encoding="utf-8")
        (tmp / REPORT_JSON).write_text(text, encoding="utf-8")
    return report
