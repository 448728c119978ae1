"""posecoach.history: the SQLite session store shared by the web app and live coaching."""

from __future__ import annotations

import math
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from posecoach.errors import ConfigError
from posecoach.history import (
    HistoryStore, db_path_for, default_data_dir, format_progression, key_metrics,
)
from tests.support.history_reports import CURL, ORIGIN, SWING, report


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    return HistoryStore(tmp_path / "data" / "posecoach.db")


@pytest.mark.parametrize("rep, expected", [
    # origin stretch: hold time, hinge depth (trunk lean), knee flexion of the longest hold
    (ORIGIN, {"hold_s": 21.5, "hinge_depth_deg": 62.0, "knee_flexion_deg": 12.0}),
    # leg swing: the set's max amplitude belongs to its working leg
    (SWING, {"max_amplitude_left_deg": 95.5, "max_amplitude_right_deg": None}),
    # swings that name their leg are grouped by it
    (report("leg-swing", None, swings=[{"side": "left", "amplitude_deg": 70.0},
                                       {"side": "right", "amplitude_deg": 60.0},
                                       {"side": "right", "amplitude_deg": 65.0}]),
     {"max_amplitude_left_deg": 70.0, "max_amplitude_right_deg": 65.0}),
    # curl: range = best peak knee flexion; the reps count is a metric too
    (CURL, {"curl_range_deg": 118.0, "hip_lift_deg": 9.5, "reps": 6.0}),
    # curl without summary metrics: taken from the reps
    (report("curl-hip-lift", None, reps=[{"peak_knee_flexion_deg": 90.0, "peak_thigh_lift_deg": 3.0},
                                         {"peak_knee_flexion_deg": 101.0}]),
     {"curl_range_deg": 101.0, "hip_lift_deg": 3.0, "reps": 2.0}),
    # nothing measured: every metric None, no error
    (report("origin-stretch"), {"hold_s": None, "hinge_depth_deg": None, "knee_flexion_deg": None}),
    # NaN, strings and booleans are not numbers
    (report("origin-stretch", summary={"longest_hold_s": math.nan, "max_trunk_inclination_deg": "62",
                                       "knee_flexion_deg": True}),
     {"hold_s": None, "hinge_depth_deg": None, "knee_flexion_deg": None}),
    # malformed sections
    ({"exercise": "leg-swing", "working_side": "left", "summary": [1, 2], "swings": "many"},
     {"max_amplitude_left_deg": None, "max_amplitude_right_deg": None}),
    # an exercise without progression metrics
    (report("plank"), {}),
])
def test_key_metrics_are_read_defensively(rep: dict[str, Any], expected: dict[str, Any]) -> None:
    assert key_metrics(rep) == expected


def test_add_get_list_delete(store: HistoryStore, tmp_path: Path) -> None:
    files = tmp_path / "session-files"
    files.mkdir()
    first = store.add_session(ORIGIN, "upload", files, created_at=1000.0)
    second = store.add_session(SWING, "live", None, created_at=2000.0)
    assert [s.id for s in store.list_sessions()] == [second, first]           # newest first
    got = store.get(first)
    assert got is not None and got.report == ORIGIN and got.files_dir == files
    assert (got.source, got.exercise, got.side, got.verdict_status, got.headline) == (
        "upload", "origin-stretch", "right", "good", "Fine.")
    assert got.metrics["hold_s"] == 21.5
    assert store.delete(first, remove_files=True) and not files.exists()
    assert store.get(first) is None and not store.delete(first)
    assert [s.id for s in store.list_sessions()] == [second]


def test_filters_by_exercise_and_side(store: HistoryStore) -> None:
    ids = {name: store.add_session(rep, "upload", None) for name, rep in
           (("origin", ORIGIN), ("swing", SWING), ("curl", CURL))}
    both = store.add_session(report("leg-swing", None, swings=[{"side": "left", "amplitude_deg": 50.0},
                                                               {"side": "right", "amplitude_deg": 55.0}]),
                             "live", None)
    assert {s.id for s in store.list_sessions(exercise="leg-swing")} == {ids["swing"], both}
    assert {s.id for s in store.list_sessions(side="right")} == {ids["origin"], ids["curl"], both}
    assert {s.id for s in store.list_sessions("leg-swing", "left")} == {ids["swing"], both}
    assert store.get(both).side == "both"  # type: ignore[union-attr]
    assert store.exercises() == ["curl-hip-lift", "leg-swing", "origin-stretch"]


def test_progression_is_oldest_first_with_one_row_per_session(store: HistoryStore) -> None:
    for day, amp in enumerate((60.0, 72.5, 88.0)):
        store.add_session({**SWING, "summary": {"max_amplitude_deg": amp}}, "upload", None,
                          created_at=86400.0 * (day + 1))
    store.add_session(ORIGIN, "upload", None)
    prog = store.progression("leg-swing")
    assert [m.key for m in prog.metrics] == ["max_amplitude_left_deg", "max_amplitude_right_deg"]
    assert [r["max_amplitude_left_deg"] for r in prog.rows()] == [60.0, 72.5, 88.0]
    table = format_progression(prog)
    assert table.splitlines()[0] == "leg-swing (3 sessions)"
    assert "Biggest swing, left leg (°)" in table and "deg" not in table     # one unit style
    assert [line.split()[-2] for line in table.splitlines()[3:]] == ["60°", "72°", "88°"]


def test_rejects_unknown_source_and_reports_without_exercise(store: HistoryStore) -> None:
    with pytest.raises(ConfigError):
        store.add_session(ORIGIN, "email", None)
    with pytest.raises(ConfigError):
        store.add_session({"summary": {}}, "live", None)


def test_database_runs_in_wal_mode_and_takes_concurrent_writers(store: HistoryStore) -> None:
    def add_many() -> None:
        for _ in range(15):
            HistoryStore(store.db_path).add_session(CURL, "live", None)

    threads = [threading.Thread(target=add_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.list_sessions()) == 60
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_adding_the_same_id_replaces_the_session(store: HistoryStore) -> None:
    sid = store.add_session(SWING, "upload", None, session_id="a" * 32)
    store.add_session({**SWING, "working_side": "right"}, "upload", None, session_id=sid)
    assert [s.side for s in store.list_sessions()] == ["right"]


def test_default_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSECOACH_DATA_DIR", raising=False)
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_data_dir() == tmp_path / ".local" / "share" / "posecoach"
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_data_dir() == tmp_path / "xdg" / "posecoach"
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    assert db_path_for(tmp_path / "mine") == tmp_path / "mine" / "posecoach.db"


def test_an_unusable_store_location_is_a_clear_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the data folder should be")
    with pytest.raises(ConfigError, match="cannot use the history store") as caught:
        HistoryStore(blocker / "posecoach.db")
    assert "writable folder" in caught.value.hint
