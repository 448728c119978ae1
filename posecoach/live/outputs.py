"""Saving a live session like `analyze` saves a clip.

Each set becomes a `ClipAnalysis` built from its measurements, samples, feedback and
analyser result, written by `posecoach.report.write_outputs(video=False)` (report.json,
angles.csv, ...) and added to the history store as a live session. The last set with a
person in it goes to the session folder itself; earlier sets (before `r` / `s`) go to
`set-N/` inside it. The `--record` video, written during the session, ends up as
`annotated.mp4` in the session folder (it is moved aside while the report writer swaps
the folder in atomically).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.results import AnalysisOptions, ClipAnalysis
from posecoach.live.coach import SetRecord
from posecoach.media import MediaInfo
from posecoach.output_files import VIDEO

LIVE_KIND = "video"  # report.schema.json knows video|image; a live session is a video stream
DEFAULT_OUT_ROOT = Path("posecoach-out")
VIDEO_NAME = VIDEO


def default_out_dir(now: dt.datetime | None = None) -> Path:
    """./posecoach-out/live-YYYYmmdd-HHMMSS"""
    now = now or dt.datetime.now()
    return DEFAULT_OUT_ROOT / f"live-{now:%Y%m%d-%H%M%S}"


@dataclass(frozen=True)
class SavedSet:
    number: int
    out_dir: Path
    report: dict[str, Any]
    history_id: str | None


@dataclass(frozen=True)
class SessionMeta:
    """What the outputs need to know about the session besides its sets. `options`: the
    settings the session really ran with (model, mask, measuring), for the reports."""

    options: AnalysisOptions
    source_name: str
    width: int
    height: int

    @property
    def exercise(self) -> str:
        return self.options.exercise

    @property
    def model(self) -> str:
        return self.options.model


def set_analysis(record: SetRecord, meta: SessionMeta) -> ClipAnalysis:
    """The ClipAnalysis of one live set (what `analyze` would hand to the report)."""
    t = np.array([m.t_s for m in record.measurements])
    duration = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    fps = (len(t) - 1) / duration if duration > 0 else 0.0
    info = MediaInfo(path=meta.source_name, kind=LIVE_KIND, fps=round(fps, 3), frames=len(t),
                     duration_s=round(duration, 3), width=meta.width, height=meta.height, rotation=0)
    return ClipAnalysis(info=info, exercise=meta.exercise, model=meta.model,
                        measurements=list(record.measurements), samples=list(record.samples),
                        feedback=list(record.feedback), result=record.result(),
                        options=meta.options)


def _write_outputs(analysis: ClipAnalysis, out_dir: Path,
                   recording: Path | None = None) -> dict[str, Any]:
    from posecoach.report import write_outputs

    # The recording is adopted into the report folder (linked from report.html).
    return write_outputs(analysis, out_dir, video=False, annotated_video=recording)


def save_session(sets: Sequence[SetRecord], meta: SessionMeta, out_dir: Path,
                 recording: Path | None = None, history_db: Path | None = None,
                 use_history: bool = True) -> list[SavedSet]:
    """Write every set that saw a person (see module docstring); returns them in order."""
    kept = [s for s in sets if not s.empty]
    parked = None
    if recording is not None and recording.exists():
        parked = out_dir.parent / f".{out_dir.name}.{recording.name}"  # outside the swapped folder
        os.replace(recording, parked)
    saved: list[tuple[SetRecord, Path, dict[str, Any]]] = []
    adopted = False
    try:
        if kept:
            last = kept[-1]
            saved.append((last, out_dir, _write_outputs(set_analysis(last, meta), out_dir, parked)))
            adopted = parked is not None
            for record in kept[:-1]:
                folder = out_dir / f"set-{record.number}"
                saved.append((record, folder, _write_outputs(set_analysis(record, meta), folder)))
    finally:
        if parked is not None:
            if adopted:  # the report folder holds it now
                parked.unlink()
            else:  # no report written (nobody seen, or an error): keep the recording anyway
                out_dir.mkdir(parents=True, exist_ok=True)
                os.replace(parked, out_dir / VIDEO_NAME)
    saved.sort(key=lambda item: item[0].number)
    store = None
    if use_history and saved:
        from posecoach.history import HistoryStore, db_path_for, default_data_dir

        store = HistoryStore(history_db or db_path_for(default_data_dir()))
    return [SavedSet(record.number, folder, report,
                     store.add_session(report, source="live", files_dir=folder.resolve())
                     if store is not None else None)
            for record, folder, report in saved]
