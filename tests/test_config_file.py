"""`--config FILE.toml`: threshold overrides for analyze, live and serve, through
ExerciseConfig.from_dict; the commented example in docs/ lists every threshold."""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

import pytest

from posecoach.cli import main
from posecoach.errors import ConfigError
from posecoach.exercises.thresholds import ExerciseConfig, load_config
from posecoach.report import build_report
from posecoach.results import AnalysisOptions
from tests.support.analyses import make_analysis

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "thresholds.example.toml"


def test_the_example_is_generated_from_the_thresholds() -> None:
    from tests.support.thresholds_example import example_toml

    assert EXAMPLE.read_text("utf-8") == example_toml(), (
        "regenerate: .venv/bin/python -m tests.support.thresholds_example > docs/thresholds.example.toml")


def test_the_example_lists_every_threshold_with_its_default(tmp_path: Path) -> None:
    text = EXAMPLE.read_text("utf-8")
    assert load_config(EXAMPLE).leg_swing.reversal_deg == ExerciseConfig().leg_swing.reversal_deg
    # Uncomment every key: the file then sets each threshold to its default, exactly.
    everything = tmp_path / "all.toml"
    everything.write_text(re.sub(r"^# (\w+ = )", r"\1", text, flags=re.M))
    assert load_config(everything) == ExerciseConfig()
    defaults = ExerciseConfig().to_dict()
    assert set(re.findall(r"^\[(\w+)\]", text, re.M)) == set(defaults)
    for section, values in defaults.items():
        for key in values:
            assert re.search(rf"^#? ?{key} = ", text, re.M), f"{section}.{key} missing"


def test_overrides_reach_the_analyser_and_the_report(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text("[leg_swing]\nreversal_deg = 12.5\n\n[common]\nfault_on_s = 0.3\n")
    config = load_config(path)
    assert config.leg_swing.reversal_deg == 12.5 and config.common.fault_on_s == 0.3
    analysis = dataclasses.replace(make_analysis(), options=AnalysisOptions(exercises=config))
    settings = build_report(analysis)["settings"]
    assert settings["exercises"]["leg_swing"]["reversal_deg"] == 12.5


@pytest.mark.parametrize("content, words", [
    (None, "cannot read the config file"),                  # no such file
    ("[leg_swing\nreversal_deg = 1", "not valid TOML"),      # syntax error
    ("[leg_swing]\nreversal = 12.0\n", "unknown key(s) reversal"),   # a typo is an error
    ("[legswing]\nreversal_deg = 12.0\n", "unknown key(s) legswing"),
    ("[leg_swing]\nreversal_deg = 'x'\n", "expected a number"),
])
def test_a_bad_config_file_is_one_clear_error(tmp_path: Path, capsys, content, words) -> None:
    path = tmp_path / "bad.toml"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=re.escape(words)):
        load_config(path)
    assert main(["analyze", str(tmp_path / "clip.mp4"), "--config", str(path)]) == ConfigError.exit_code
    err = capsys.readouterr().err
    assert err.startswith("posecoach: error: ") and words in err and "Traceback" not in err


def test_live_and_serve_take_the_file(tmp_path: Path) -> None:
    from posecoach.live.cli import add_live_arguments, options_from_args
    from posecoach.web.cli import add_serve_arguments, settings_from_args

    path = tmp_path / "mine.toml"
    path.write_text("[origin_stretch]\nhold_min_s = 2.0\n")
    live = argparse.ArgumentParser()
    add_live_arguments(live)
    options = options_from_args(live.parse_args(["--exercise", "origin-stretch", "--config", str(path)]))
    assert options.exercises.origin_stretch.hold_min_s == 2.0
    assert options.analysis_options().exercises == options.exercises
    serve = argparse.ArgumentParser()
    add_serve_arguments(serve)
    settings = settings_from_args(serve.parse_args(["--data-dir", str(tmp_path / "d"), "--config", str(path)]))
    assert settings.config_path == path.resolve()
    path.write_text("[origin_stretch]\nhold_min = 2.0\n")
    with pytest.raises(ConfigError, match="unknown key"):
        settings_from_args(serve.parse_args(["--data-dir", str(tmp_path / "d"), "--config", str(path)]))
