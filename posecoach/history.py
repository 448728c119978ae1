"""The session history: every analysed upload and every live-coached set, in SQLite.

    store = HistoryStore(db_path_for(default_data_dir()))
    sid = store.add_session(report, source="live", files_dir=out_dir)
    store.list_sessions(exercise="leg-swing", side="left")
    store.progression("origin-stretch")      # one row of key metrics per session, oldest first
    store.delete(sid)

The whole report is stored; the key metrics of a progression are extracted from it when
read (defensively: a missing or non-numeric key gives None), so better extraction also
improves old sessions. The database runs in WAL mode so the web app's worker processes,
its request threads and a live-coaching process can use it at the same time.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from posecoach.errors import ConfigError

SOURCES = ("upload", "live", "cli")  # web upload, live session, `posecoach analyze --history`
SIDES = ("left", "right")
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


# ------------------------------------------------------------------ metric extraction
def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if math.isfinite(f) else None


def _first(mapping: Any, keys: Sequence[str]) -> float | None:
    """The first of `keys` in `mapping` that holds a finite number."""
    if not isinstance(mapping, Mapping):
        return None
    for key in keys:
        found = _number(mapping.get(key))
        if found is not None:
            return found
    return None


def _events(report: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    events = report.get(name)
    return [e for e in events if isinstance(e, Mapping)] if isinstance(events, list) else []


def _max_over(events: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> float | None:
    values = [v for v in (_first(e, keys) for e in events) if v is not None]
    return max(values) if values else None


def _summary(report: Mapping[str, Any]) -> Mapping[str, Any]:
    summary = report.get("summary")
    return summary if isinstance(summary, Mapping) else {}


_HOLD_KEYS = ("longest_hold_s", "max_hold_s", "best_hold_s", "hold_s", "total_hold_s")
_HINGE_KEYS = ("max_trunk_inclination_deg", "hinge_depth_deg", "max_hinge_deg", "max_trunk_deg")
_KNEE_KEYS = ("knee_flexion_deg", "median_knee_flexion_deg", "mean_knee_flexion_deg", "knee_angle_deg")
_AMPLITUDE_KEYS = ("amplitude_deg", "max_amplitude_deg", "range_deg", "peak_to_peak_deg")
_CURL_KEYS = ("best_peak_knee_flexion_deg", "curl_range_deg", "max_knee_flexion_deg", "peak_knee_flexion_deg")
_HIP_LIFT_KEYS = ("mean_peak_thigh_lift_deg", "hip_lift_deg", "peak_thigh_lift_deg",
                  "mean_peak_hip_extension_deg", "peak_hip_extension_deg")


def _or(value: float | None, fallback: Callable[[], float | None]) -> float | None:
    return value if value is not None else fallback()


def _origin_stretch(report: Mapping[str, Any]) -> dict[str, float | None]:
    summary, holds = _summary(report), _events(report, "holds")
    longest = max(holds, key=lambda h: _number(h.get("duration_s")) or 0.0) if holds else {}
    return {
        "hold_s": _or(_first(summary, _HOLD_KEYS), lambda: _max_over(holds, ("duration_s",))),
        "hinge_depth_deg": _or(_first(summary, _HINGE_KEYS), lambda: _max_over(holds, _HINGE_KEYS)),
        "knee_flexion_deg": _or(_first(summary, _KNEE_KEYS), lambda: _first(longest, _KNEE_KEYS)),
    }


def _leg_swing(report: Mapping[str, Any]) -> dict[str, float | None]:
    summary, swings = _summary(report), _events(report, "swings")
    out: dict[str, float | None] = {}
    for side in SIDES:
        mine = [s for s in swings if s.get("side", s.get("leg")) == side]
        value = _max_over(mine, _AMPLITUDE_KEYS)
        if value is None:
            value = _first(summary, [f"max_amplitude_{side}_deg", f"{side}_max_amplitude_deg"])
        if value is None:
            value = _first(summary.get(side), ("max_amplitude_deg", "amplitude_deg"))
        if value is None and report.get("working_side") == side:
            value = _first(summary, ("max_amplitude_deg", "amplitude_deg"))
            if value is None and not any(s.get("side", s.get("leg")) in SIDES for s in swings):
                value = _max_over(swings, _AMPLITUDE_KEYS)
        out[f"max_amplitude_{side}_deg"] = value
    return out


def _curl_hip_lift(report: Mapping[str, Any]) -> dict[str, float | None]:
    summary, reps = _summary(report), _events(report, "reps")
    count = _first(summary, ("reps", "rep_count", "n_reps"))
    return {
        "curl_range_deg": _or(_first(summary, _CURL_KEYS), lambda: _max_over(reps, _CURL_KEYS)),
        "hip_lift_deg": _or(_first(summary, _HIP_LIFT_KEYS), lambda: _max_over(reps, _HIP_LIFT_KEYS)),
        "reps": count if count is not None else (float(len(reps)) if reps else None),
    }


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str


# Exercise id -> (the metrics tracked over time, how to read them from a report).
# A new exercise adds a line here; without one its sessions are listed without metrics.
PROGRESSION: dict[str, tuple[tuple[Metric, ...], Callable[[Mapping[str, Any]], dict[str, float | None]]]] = {
    "origin-stretch": ((Metric("hold_s", "Longest hold", "s"),
                        Metric("hinge_depth_deg", "Hinge depth (trunk lean)", "deg"),
                        Metric("knee_flexion_deg", "Knee flexion in the hold", "deg")), _origin_stretch),
    "leg-swing": ((Metric("max_amplitude_left_deg", "Max swing amplitude, left leg", "deg"),
                   Metric("max_amplitude_right_deg", "Max swing amplitude, right leg", "deg")), _leg_swing),
    "curl-hip-lift": ((Metric("curl_range_deg", "Curl range (peak knee flexion)", "deg"),
                       Metric("hip_lift_deg", "Hip lift (thigh off the floor)", "deg"),
                       Metric("reps", "Reps", "")), _curl_hip_lift),
}


def metrics_for(exercise: str) -> tuple[Metric, ...]:
    return PROGRESSION[exercise][0] if exercise in PROGRESSION else ()


def key_metrics(report: Mapping[str, Any]) -> dict[str, float | None]:
    """The progression metrics of one report; {} for an exercise without any."""
    entry = PROGRESSION.get(str(report.get("exercise")))
    if entry is None:
        return {}
    try:
        return entry[1](report)
    except (TypeError, ValueError, AttributeError):   # a malformed report: no metrics, not a crash
        return {m.key: None for m in entry[0]}


def _session_side(report: Mapping[str, Any]) -> str | None:
    side = report.get("working_side")
    if side in SIDES:
        return str(side)
    sides = {s.get("side", s.get("leg")) for s in _events(report, "swings")} & set(SIDES)
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
        sessions = tuple(reversed(self.list_sessions(exercise, side)))
        return Progression(exercise, metrics_for(exercise), sessions)

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


# ------------------------------------------------------------------ terminal table
def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def format_progression(progression: Progression) -> str:
    """A plain-text table: one line per session, oldest first, a column per metric."""
    headers = ["date", "side", "source", "verdict"] + [
        f"{m.label} ({m.unit})" if m.unit else m.label for m in progression.metrics]
    rows = []
    for s in progression.sessions:
        values = s.metrics
        rows.append([time.strftime("%Y-%m-%d %H:%M", time.localtime(s.created_at)), s.side or "-",
                     s.source, s.verdict_status or "-"] + [_fmt(values.get(m.key)) for m in progression.metrics])
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    lines = [f"{progression.exercise} ({len(rows)} session{'s' if len(rows) != 1 else ''})",
             "  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)
