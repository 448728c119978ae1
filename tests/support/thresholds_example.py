"""Writes docs/thresholds.example.toml from posecoach/exercises/thresholds.py (every
threshold, commented out at its default, with its source tag):

    .venv/bin/python -m tests.support.thresholds_example > docs/thresholds.example.toml
"""

from __future__ import annotations

import dataclasses
import inspect
import re

from posecoach.exercises.thresholds import ExerciseConfig

HEADER = """\
# PoseCoach coaching thresholds: an example --config file (TOML).
#
#   posecoach analyze clip.mp4 --config my-thresholds.toml
#   posecoach live --exercise leg-swing --config my-thresholds.toml
#   posecoach serve --config my-thresholds.toml
#
# Every key is optional: uncomment only what you want to change; the rest keeps its
# default (the values shown). Unknown sections or keys are an error, so a typo cannot be
# silently ignored. The effective values are written into every report.json (settings).
# Tags in brackets name the section of docs/biomechanics.md that gives each source.
# Defaults and types: posecoach/exercises/thresholds.py (this file is generated from it:
# python -m tests.support.thresholds_example).
"""
EXAMPLE_OVERRIDE = ("leg_swing", "reversal_deg")   # shown uncommented, as an example


def example_toml() -> str:
    out = [HEADER]
    for section in dataclasses.fields(ExerciseConfig):
        cls = type(getattr(ExerciseConfig(), section.name))
        source = inspect.getsource(cls)
        comments = dict(re.findall(r"^    (\w+): [^=]+= [^#\n]+#\s*(.*)$", source, re.M))
        out.append(f"[{section.name}]   # {(cls.__doc__ or '').strip().splitlines()[0]}")
        for f in dataclasses.fields(cls):
            line = f"{f.name} = {f.default!r}   # {comments.get(f.name, '')}".rstrip()
            out.append(line if (section.name, f.name) == EXAMPLE_OVERRIDE else f"# {line}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(example_toml(), end="")
