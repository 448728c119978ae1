"""The session history: every analysed upload and every live-coached set, in SQLite.

    store = HistoryStore(db_path_for(default_data_dir()))
    sid = store.add_session(report, source="live", files_dir=out_dir)
    store.list_sessions(exercise=exercise_id, side="left")
    store.progression(exercise_id)           # one row of key metrics per session, oldest first
    store.delete(sid)

The whole report is stored; the key metrics of a progression (listed by each exercise's
spec) are read from it when read (defensively: a missing or non-numeric key gives None), so
better extraction also improves old sessions. The database runs in WAL mode so the web app's worker processes,
its request threads and a live-coaching process can use it at the same time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import ConfigError
from posecoach.exercises.registry import SPECS, find_spec
from posecoach.exercises.spec import ProgressionMetric, events_of
from posecoach.presentation import (DASH, Change, asymmetry_percent, change, metric_value, side_word,
                                    status_label, unit_suffix)

SOURCES = ("upload", "live", "cli")  # web upload, live session, `posecoach analyze --history`
SIDES = ("left", "right")
NOT_ASSESSABLE = "not_assessable"
DB_NAME = "posecoach.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    source TEXT NOT NULL,
    exercise TEXT NOT NULL,
    side TEXT,
    verdict_status TEXT,
    headline TEXT,
    files_dir TEXT,
    report TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_exercise ON sessions (exercise, created_at);
"""


def default_data_dir() -> Path:
    """$POSECOACH_DATA_DIR, else $XDG_DATA_HOME/posecoach, else ~/.local/share/posecoach."""
    env = os.environ.get("POSECOACH_DATA_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "posecoach"


def db_path_for(data_dir: Path | str) -> Path:
    return Path(data_dir) / DB_NAME


@contextlib.contextmanager
def open_db(db_path: Path | str) -> Iterator[sqlite3.Connection]:
    """A short-lived connection (WAL, waits for locks) that commits on success and always closes."""
    conn = sqlite3.connect(str(db_path), timeout=30.0)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")
        with conn:
            yield conn
    finally:
        conn.close()


# ------------------------------------------------------------------ progression metrics
# Each exercise's spec lists the metrics tracked over time and how to read them from a
# stored report (posecoach/exercises/<exercise>.py, `SPEC.progression`).
Metric = ProgressionMetric


def tracked_exercises() -> tuple[str, ...]:
    """The registered exercises that have progression metrics, in registry order."""
    return tuple(spec.id for spec in SPECS.values() if spec.progression)


def metrics_for(exercise: str) -> tuple[Metric, ...]:
    spec = find_spec(exercise)
    return spec.progression if spec is not None else ()


def key_metrics(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The progression metrics of one report; {} for an exercise without any."""
    metrics = metrics_for(str(report.get("exercise")))
    out: dict[str, float | None] = {}
    for m in metrics:
        try:
            out[m.key] = m.read(report)
        except (TypeError, ValueError, AttributeError):   # a malformed report: no value, no crash
            out[m.key] = None
    return out


def _session_side(report: Mapping[str, Any]) -> str | None:
    side = report.get("working_side")
    if side in SIDES:
        return str(side)
    sides = {s.get("side") for s in events_of(report, "swings")} & set(SIDES)
    if len(sides) == 2:
        return "both"
    return sides.pop() if sides else None


# ------------------------------------------------------------------ the store
@dataclass(frozen=True)
class Session:
    id: str
    created_at: float          # seconds since the epoch
    source: str                # "upload", "live" or "cli" (see SOURCES)
    exercise: str
    side: str | None           # "left", "right", "both" (leg swings with both legs) or None
    verdict_status: str | None
    headline: str | None
    files_dir: Path | None
    report: dict[str, Any]

    @property
    def metrics(self) -> dict[str, float | None]:
        return key_metrics(self.report)

    @property
    def assessable(self) -> bool:
        """False for a clip that could not be judged: listed in History, never plotted."""
        return self.verdict_status != NOT_ASSESSABLE

    @property
    def input_name(self) -> str:
        """The analysed file's name (or "live session"), as the runner knows it."""
        inp = self.report.get("input")
        path = inp.get("path") if isinstance(inp, Mapping) else None
        if isinstance(path, str) and path and self.source != "live":
            return Path(path).name
        return "live session" if self.source == "live" else DASH

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at, "source": self.source,
                "exercise": self.exercise, "side": self.side, "verdict_status": self.verdict_status,
                "headline": self.headline, "metrics": self.metrics}


@dataclass(frozen=True)
class Progression:
    exercise: str
    metrics: tuple[Metric, ...]
    sessions: tuple[Session, ...]          # oldest first

    def rows(self) -> list[dict[str, Any]]:
        return [{"id": s.id, "created_at": s.created_at, "side": s.side, "source": s.source,
                 **{m.key: s.metrics.get(m.key) for m in self.metrics}} for s in self.sessions]


def _verdict(report: Mapping[str, Any]) -> tuple[str | None, str | None]:
    verdict = report.get("verdict")
    if not isinstance(verdict, Mapping):
        return None, None
    status, headline = verdict.get("status"), verdict.get("headline")
    return (str(status) if status is not None else None, str(headline) if headline is not None else None)


class HistoryStore:
    """Sessions in one SQLite file. Safe to use from several threads and processes:
    every call opens its own short-lived connection."""

    def __init__(self, db_path: Path | str) -> None:
        self._db_path = Path(db_path)
        try:
            self._db_path.parent.mkdir(parents=True, exist_ok=True)
            with open_db(self._db_path) as conn:
                conn.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"cannot use the history store {self._db_path} ({exc})",
                              "set POSECOACH_DATA_DIR (or --data-dir) to a writable folder; "
                              "reports already written are kept") from exc

    @property
    def db_path(self) -> Path:
        return self._db_path

    def add_session(self, report: Mapping[str, Any], source: str, files_dir: Path | str | None,
                    *, session_id: str | None = None, created_at: float | None = None) -> str:
        """Record one analysed set; returns its id. Adding the same id again replaces it."""
        if source not in SOURCES:
            raise ConfigError(f"unknown session source '{source}'", f"use one of: {', '.join(SOURCES)}")
        exercise = report.get("exercise")
        if not isinstance(exercise, str) or not exercise:
            raise ConfigError("the report names no exercise", "pass the dict from posecoach.report")
        sid = session_id or uuid.uuid4().hex
        status, headline = _verdict(report)
        with open_db(self._db_path) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO sessions (id, created_at, source, exercise, side, verdict_status,"
                " headline, files_dir, report) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (sid, time.time() if created_at is None else float(created_at), source, exercise,
                 _session_side(report), status, headline,
                 str(files_dir) if files_dir is not None else None, json.dumps(report)))
        return sid

    def list_sessions(self, exercise: str | None = None, side: str | None = None) -> list[Session]:
        """Newest first. `side` also matches leg-swing sessions that worked both legs."""
        query, params = "SELECT * FROM sessions WHERE 1=1", []
        if exercise:
            query += " AND exercise = ?"
            params.append(exercise)
        if side:
            query += " AND (side = ? OR side = 'both')"
            params.append(side)
        with open_db(self._db_path) as conn:
            rows = conn.execute(query + " ORDER BY created_at DESC, id", params).fetchall()
        return [self._session(r) for r in rows]

    def get(self, session_id: str) -> Session | None:
        with open_db(self._db_path) as conn:
            row = conn.execute("SELECT * FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return self._session(row) if row is not None else None

    def delete(self, session_id: str, remove_files: bool = False) -> bool:
        """Forget a session (and, when asked, its files folder). False when it did not exist."""
        session = self.get(session_id)
        if session is None:
            return False
        with open_db(self._db_path) as conn:
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        if remove_files and session.files_dir is not None:
            shutil.rmtree(session.files_dir, ignore_errors=True)
        return True

    def exercises(self) -> list[str]:
        with open_db(self._db_path) as conn:
            rows = conn.execute("SELECT DISTINCT exercise FROM sessions ORDER BY exercise").fetchall()
        return [r[0] for r in rows]

    def progression(self, exercise: str, side: str | None = None) -> Progression:
        """Assessable sessions only: a clip that could not be judged is no 0 s hold."""
        sessions = tuple(s for s in reversed(self.list_sessions(exercise, side)) if s.assessable)
        return Progression(exercise, metrics_for(exercise), sessions)

    def previous(self, session: Session) -> Session | None:
        """The assessable session of the same exercise and side just before `session`."""
        earlier = [s for s in self.list_sessions(session.exercise, session.side)
                   if s.assessable and s.side == session.side and s.id != session.id
                   and (s.created_at, s.id) < (session.created_at, session.id)]
        return earlier[0] if earlier else None

    def other_side(self, session: Session) -> Session | None:
        """The latest assessable session of the same exercise on the other leg (up to `session`)."""
        if session.side not in SIDES:
            return None
        other = SIDES[1 - SIDES.index(session.side)]
        found = [s for s in self.list_sessions(session.exercise, other)
                 if s.assessable and s.side == other and s.created_at <= session.created_at]
        return found[0] if found else None

    @staticmethod
    def _session(row: sqlite3.Row) -> Session:
        try:
            report = json.loads(row["report"])
        except ValueError:
            report = {}
        return Session(id=row["id"], created_at=row["created_at"], source=row["source"],
                       exercise=row["exercise"], side=row["side"], verdict_status=row["verdict_status"],
                       headline=row["headline"],
                       files_dir=Path(row["files_dir"]) if row["files_dir"] else None,
                       report=report if isinstance(report, dict) else {})


# ------------------------------------------------------------------ comparisons
def compare(now: Session, before: Session) -> list[Change]:
    """"Compared with last time": each progression metric of `now` against `before`."""
    out = []
    for m in metrics_for(now.exercise):
        found = change(m.label, m.unit, now.metrics.get(m.key), before.metrics.get(m.key), m.higher_is_better)
        if found is not None:
            out.append(found)
    return out


@dataclass(frozen=True)
class SideBySide:
    label: str
    left: str
    right: str
    asymmetry: str          # "12% difference" or "–"


def side_by_side(session: Session, other: Session | None = None) -> list[SideBySide]:
    """Left against right: from one session that worked both legs (leg swings), or from
    this session and the latest one on the other leg. Empty when one side is missing."""
    metrics = metrics_for(session.exercise)
    rows: list[SideBySide] = []
    for m in (m for m in metrics if "_left_" in m.key):
        right = next((r for r in metrics if r.key == m.key.replace("_left_", "_right_")), None)
        if right is None:
            continue
        lv, rv = session.metrics.get(m.key), session.metrics.get(right.key)
        if other is not None:
            lv = lv if lv is not None else other.metrics.get(m.key)
            rv = rv if rv is not None else other.metrics.get(right.key)
        if lv is not None and rv is not None:
            rows.append(_row(m.label.replace(", left leg", ""), m.unit, lv, rv))
    if rows or other is None or session.side not in SIDES or other.side not in SIDES:
        return rows
    left, right_session = (session, other) if session.side == "left" else (other, session)
    for m in metrics:
        lv, rv = left.metrics.get(m.key), right_session.metrics.get(m.key)
        if lv is not None and rv is not None:
            rows.append(_row(m.label, m.unit, lv, rv))
    return rows


def _row(label: str, unit: str, left: float | None, right: float | None) -> SideBySide:
    asym = asymmetry_percent(left, right)
    return SideBySide(label, metric_value(unit, left), metric_value(unit, right),
                      DASH if asym is None else f"{asym:.0f}% difference")


# ------------------------------------------------------------------ terminal table
def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def format_progression(progression: Progression) -> str:
    """A plain-text table: one line per assessable session, oldest first, a column per metric."""
    headers = ["date", "leg", "source", "verdict"] + [
        f"{m.label} ({unit_suffix(m.unit)})" if unit_suffix(m.unit) else m.label for m in progression.metrics]
    rows = []
    for s in progression.sessions:
        values = s.metrics
        rows.append([time.strftime("%Y-%m-%d %H:%M", time.localtime(s.created_at)), side_word(s.side),
                     s.source, status_label(s.verdict_status)]
                    + [metric_value(m.unit, values.get(m.key)) for m in progression.metrics])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = [f"{progression.exercise} ({len(rows)} session{'s' if len(rows) != 1 else ''})",
             "  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)
