"""The `serve` and `history` command hooks (posecoach.web.cli), through argparse."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from posecoach.history import HistoryStore, db_path_for
from posecoach.web.cli import (
    add_history_arguments,
    add_serve_arguments,
    run_history,
    settings_from_args,
)
from tests.support.history_reports import CURL, ORIGIN, SWING


def parse(add: object, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add(parser)  # type: ignore[operator]
    return parser.parse_args(argv)


def test_serve_defaults_are_safe(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSECOACH_TOKEN", raising=False)
    monkeypatch.setenv("POSECOACH_DATA_DIR", str(tmp_path))
    args = parse(add_serve_arguments, [])
    assert (args.host, args.port, args.workers, args.max_upload_mb, args.token) == (
        "127.0.0.1", 8000, 1, 500.0, None)
    settings = settings_from_args(args)
    assert settings.data_dir == tmp_path and settings.max_upload_bytes == 500 * 1024 * 1024
    assert settings.allowed_hosts is not None and "localhost" in settings.allowed_hosts
    assert settings.isolation == "process" and settings.runner == "posecoach.web.runner:run_analysis"


def test_serve_on_the_lan_with_a_token(tmp_path: Path) -> None:
    args = parse(add_serve_arguments, ["--host", "0.0.0.0", "--port", "9000", "--workers", "3",
                                       "--max-upload-mb", "0.5", "--token", "t0k", "--data-dir", str(tmp_path)])
    settings = settings_from_args(args)
    assert settings.allowed_hosts is None and settings.token == "t0k" and settings.workers == 3
    assert settings.max_upload_bytes == 512 * 1024


def test_serve_limits_come_from_the_flags(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("POSECOACH_MAX_CLIP_S", raising=False)
    defaults = settings_from_args(parse(add_serve_arguments, ["--data-dir", str(tmp_path)]))
    assert defaults.limits.max_clip_s == 600 and defaults.job_timeout_s == 1800
    monkeypatch.setenv("POSECOACH_MAX_FRAMES", "5000")
    chosen = settings_from_args(parse(add_serve_arguments, ["--max-clip-s", "60", "--job-timeout-s", "30",
                                                            "--data-dir", str(tmp_path)]))
    assert (chosen.limits.max_clip_s, chosen.limits.max_frames, chosen.job_timeout_s) == (60, 5000, 30)


@pytest.mark.parametrize("argv", [["--workers", "0"], ["--port", "70000"], ["--max-upload-mb", "-1"],
                                  ["--job-timeout-s", "0"], ["--max-clip-s", "-5"]])
def test_serve_rejects_bad_settings(argv: list[str], tmp_path: Path) -> None:
    from posecoach.errors import ConfigError

    with pytest.raises(ConfigError):
        settings_from_args(parse(add_serve_arguments, [*argv, "--data-dir", str(tmp_path)]))


def test_history_prints_a_table_per_exercise(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = HistoryStore(db_path_for(tmp_path))
    for i, rep in enumerate((ORIGIN, SWING, CURL, SWING)):
        store.add_session(rep, "upload" if i % 2 else "live", None, created_at=1_700_000_000 + i * 86400)
    assert run_history(parse(add_history_arguments, ["--data-dir", str(tmp_path)])) == 0
    out = capsys.readouterr().out
    assert "curl-hip-lift (1 session)" in out and "leg-swing (2 sessions)" in out
    assert "origin-stretch (1 session)" in out and "Longest hold (s)" in out and "21.5" in out

    assert run_history(parse(add_history_arguments, ["--data-dir", str(tmp_path), "--exercise", "leg-swing",
                                                     "--side", "left"])) == 0
    out = capsys.readouterr().out
    assert out.startswith("leg-swing (2 sessions)") and "origin-stretch" not in out

    assert run_history(parse(add_history_arguments, ["--data-dir", str(tmp_path), "--side", "right",
                                                     "--exercise", "leg-swing"])) == 0
    assert capsys.readouterr().out.strip() == "no sessions match"


def test_history_without_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_history(parse(add_history_arguments, ["--data-dir", str(tmp_path / "none")])) == 0
    assert "no sessions yet" in capsys.readouterr().out
    assert not (tmp_path / "none").exists()                  # reading never creates the store


def test_history_rejects_unknown_exercise() -> None:
    with pytest.raises(SystemExit):
        parse(add_history_arguments, ["--exercise", "yoga"])
