"""The invariances on synthetic samples, which have truth: mirrored, half-resolution and
half-frame-rate copies give the original's verdict, counts and fault codes, and those are
the truth's. One sample of each exercise (with a fault) and the curl whose mirrored copy
once split a rep at a leg-label swap; `bench/sample_invariance.py` runs all 14."""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT))
from bench.sample_invariance import check_samples  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

NAMES = ["curl_hip_lift_pelvis_lift_left.mp4", "leg_swing_trunk_sway_right.mp4",
         "origin_stretch_rounded_back_left.mp4"]


@pytest.fixture(scope="module")
def checks(full_model):
    return check_samples(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_copy_reads_what_was_rendered(checks, name):
    mine = [c for c in checks if c.sample == name]
    assert len(mine) == 4
    assert [(c.variant, c.got) for c in mine if not c.ok] == []
