"""`posecoach live`: real-time coaching from a webcam, a video file or a stream.

    from posecoach.live import LiveOptions, LiveSession

    summary = LiveSession(LiveOptions(exercise="leg-swing", camera="0")).run()
    summary.saved[-1].report          # report.json of the last set, as `analyze` writes it

Threads: capture (newest frame wins) -> inference (pose, pipeline, analyser) -> main
(overlay, window, keys, recording, voice). The per-frame path is the pipeline's, with
One-Euro smoothing (`LiveSmoother`); see docs/live.md. CLI hooks: `posecoach.live.cli`
(`add_live_arguments`, `run_live`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["LiveOptions", "LiveSession", "LiveStep", "LiveSummary"]

if TYPE_CHECKING:
    from posecoach.live.session import LiveOptions, LiveSession, LiveStep, LiveSummary


def __getattr__(name: str) -> Any:
    # Lazy, so `posecoach live --help` and the CLI hooks do not load MediaPipe.
    if name in __all__:
        from posecoach.live import session

        return getattr(session, name)
    raise AttributeError(f"module 'posecoach.live' has no attribute '{name}'")
