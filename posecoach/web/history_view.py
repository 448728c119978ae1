"""The History page's rows and its CSV export, both from the stored sessions.

Every session shows its file (or "live session"), exercise, leg and verdict in words;
sessions that could not be assessed are listed (so the runner sees why) but carry no
numbers, as they are never plotted.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Mapping, Sequence
from typing import Any

from posecoach.exercises.targets import check_report
from posecoach.history import Session, metrics_for
from posecoach.presentation import metric_value, side_word, status_class, status_label, unit_suffix
from posecoach.exercises import title_of

SOURCE_LABEL = {"upload": "uploaded", "live": "live coaching", "cli": "command line"}


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def _leg(session: Session) -> str:
    """The working leg; for the stretch, the front (stretched) leg."""
    if session.side in ("left", "right", "both"):
        return side_word(session.side)
    summary = session.report.get("summary")
    if isinstance(summary, dict) and summary.get("forward_leg") == "none":
        return "feet side by side"
    return "not clear from the clip"


def session_cards(sessions: Sequence[Session], names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """`names`: upload id -> the file name the runner chose (the stored copy has another)."""
    names = names or {}
    out = []
    for s in sessions:
        check = check_report(s.report) if s.assessable else None
        metrics = [(m.label, metric_value(m.unit, v)) for m in metrics_for(s.exercise)
                   if (v := s.metrics.get(m.key)) is not None] if s.assessable else []
        out.append({"id": s.id, "when": _when(s.created_at), "exercise": title_of(s.exercise),
                    "leg": _leg(s), "file": names.get(s.id) or s.input_name,
                    "source": SOURCE_LABEL.get(s.source, s.source),
                    "status_label": status_label(s.verdict_status, check),
                    "status_class": status_class(s.verdict_status, check),
                    "headline": s.headline or "", "assessable": s.assessable,
                    "target": check.main.text if check is not None else "", "metrics": metrics})
    return out


def history_csv(sessions: Sequence[Session], names: Mapping[str, str] | None = None) -> str:
    """The whole history, one row per session, oldest first; numbers without units in the
    cells (the unit is in the column name) so a spreadsheet can chart them."""
    metrics = {m.key: m for s in sessions for m in metrics_for(s.exercise)}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "exercise", "leg", "file", "source", "verdict", "headline"]
                    + [f"{m.label} ({unit_suffix(m.unit) or 'count'})" for m in metrics.values()])
    for s in sorted(sessions, key=lambda s: s.created_at):
        values = s.metrics if s.assessable else {}
        check = check_report(s.report) if s.assessable else None
        writer.writerow([_when(s.created_at), title_of(s.exercise), _leg(s),
                         (names or {}).get(s.id) or s.input_name,
                         SOURCE_LABEL.get(s.source, s.source), status_label(s.verdict_status, check),
                         s.headline or ""]
                        + ["" if values.get(k) is None else f"{values[k]:g}" for k in metrics])
    return buffer.getvalue()
