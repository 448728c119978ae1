"""Shared helpers for the web tests: tiny real clips and fake job runners.

The runners stand in for the pose model (seconds per clip) and are referenced by
"module:function", so they also run in the app's spawned worker processes. They write
the same files as posecoach.report.write_outputs and return a report of its schema.
This module holds no tests; it stays light to import (worker processes import it).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

# A valid 1x1 PNG: the "chart" the fake runner writes into plots/.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5d2a7e40000000049454e44ae426082")
GATE_NAME = "release-gate"   # slow runners wait until this file exists in the data dir
BEHAVIOUR = {"curl-hip-lift": "crash", "origin-stretch": "fail"}   # chaos_runner only

RUNNER = f"{__name__}:fake_runner"
GATED_RUNNER = f"{__name__}:gated_runner"
CHAOS_RUNNER = f"{__name__}:chaos_runner"
HANGING_RUNNER = f"{__name__}:hanging_runner"
HUNG_PID_NAME = "hung.pid"   # hanging_runner writes its process id here, in the data dir


def make_clip(path: Path, frames: int = 12, size: tuple[int, int] = (64, 48), fps: float = 12.0) -> Path:
    """A short real H.264 clip (moving gradient), enough for probe and for Range requests."""
    import numpy as np

    from posecoach.video_io import VideoWriter

    width, height = size
    with VideoWriter(path, width, height, fps) as writer:
        for i in range(frames):
            x = np.linspace(0, 255, width, dtype=np.float32)
            frame = np.zeros((height, width, 3), np.uint8)
            frame[..., 0] = ((x + i * 20) % 256).astype(np.uint8)
            frame[..., 1] = 80
            writer.write(frame)
    return path


def fake_report(exercise: str, amplitude_deg: float = 40.0) -> dict[str, Any]:
    exercise = "leg-swing" if exercise == "auto" else exercise
    return {
        "schema_version": 1, "exercise": exercise,
        "verdict": {"status": "good", "headline": "Good swings: big and controlled"},
        "input": {"duration_s": 1.0, "fps": 12.0}, "pose": {"detection_rate": 0.95},
        "view": "side", "facing": "right", "working_side": "left",
        "summary": {"swings": 2, "max_amplitude_deg": amplitude_deg, "mean_amplitude_deg": amplitude_deg - 5},
        "holds": [], "reps": [],
        "swings": [{"side": "left", "start_s": 0.1, "end_s": 0.5, "amplitude_deg": amplitude_deg},
                   {"side": "right", "start_s": 0.5, "end_s": 0.9, "amplitude_deg": amplitude_deg - 8}],
        "faults": [{"code": "torso_lean", "start_s": 0.2, "end_s": 0.6, "message": "Keep the torso upright."}],
        "cues": [{"t_s": 0.3, "text": "Stand tall", "code": "torso_lean"}],
    }


def write_fake_outputs(input_path: Path, out_dir: Path, report: dict[str, Any]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report))
    (out_dir / "angles.csv").write_text("t_s,left_knee_deg\n0.0,170.0\n0.1,168.5\n")
    (out_dir / "plots").mkdir(exist_ok=True)
    (out_dir / "plots" / "angles.png").write_bytes(PNG_1PX)
    shutil.copyfile(input_path, out_dir / "annotated.mp4")
    (out_dir / "report.html").write_text("<html><body>report</body></html>")


def _log_timing(out_dir: Path, start: float) -> None:
    (out_dir / "timing.json").write_text(json.dumps({"start": start, "end": time.time(), "pid": os.getpid()}))


def fake_runner(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
    start = time.time()
    progress(0.2, "analysing movement")
    time.sleep(0.3)
    progress(0.8, "rendering")
    report = fake_report(exercise)
    write_fake_outputs(Path(input_path), Path(out_dir), report)
    _log_timing(Path(out_dir), start)
    return report


def gated_runner(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
    """Reports progress 0.5, then waits until the test creates <data dir>/release-gate."""
    gate = Path(out_dir).parent.parent / GATE_NAME
    progress(0.5, "waiting at the gate")
    deadline = time.time() + 60
    while not gate.exists() and time.time() < deadline:
        time.sleep(0.05)
    return fake_runner(input_path, exercise, out_dir, progress)


def chaos_runner(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
    """Crashes its process for curl-hip-lift, raises a PoseCoachError for origin-stretch."""
    behaviour = BEHAVIOUR.get(exercise)
    if behaviour == "crash":
        progress(0.1, "about to crash")
        time.sleep(0.6)   # let the progress write land first
        os._exit(9)
    if behaviour == "fail":
        from posecoach.errors import InputError

        raise InputError("no person found in the clip", "film the whole body from the side")
    return fake_runner(input_path, exercise, out_dir, progress)


def hanging_runner(input_path: Path, exercise: str, out_dir: Path, progress: Any) -> dict[str, Any]:
    """Hangs without reporting progress (a stuck decoder) for curl-hip-lift; fast otherwise."""
    if exercise == "curl-hip-lift":
        (Path(out_dir).parent.parent / HUNG_PID_NAME).write_text(str(os.getpid()))
        time.sleep(120)
    return fake_runner(input_path, exercise, out_dir, progress)
