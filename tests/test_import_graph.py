"""The shape of the package: no import cycles (counting imports inside functions, which
only hide a cycle), and the exercises and measurement modules stay pure numpy/scipy:
neither they nor anything they import pulls in OpenCV or MediaPipe."""

from __future__ import annotations

import pytest

from tests.support.imports import cycles, import_graph

GRAPH = import_graph()
# Measurement: landmarks -> angles -> smoothing -> samples, and the result types.
PURE = ["posecoach.landmarks", "posecoach.kinematics", "posecoach.pipeline", "posecoach.sample",
        "posecoach.smoothing", "posecoach.tracking", "posecoach.silhouette", "posecoach.results",
        "posecoach.media", *sorted(m for m in GRAPH if m.startswith("posecoach.exercises"))]


def _internal(module: str) -> set[str]:
    # Importing a package's own parent (e.g. `from posecoach import exercises` inside it) is
    # how Python loads it, not a dependency.
    return {m for m in GRAPH[module]["internal"] if not module.startswith(m + ".")}


def test_the_import_graph_has_no_cycles() -> None:
    found = cycles({m: _internal(m) for m in GRAPH})
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("module", PURE)
def test_measurement_and_exercises_import_neither_opencv_nor_mediapipe(module: str) -> None:
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        banned = GRAPH[current]["external"] & {"cv2", "mediapipe", "av"}
        assert not banned, f"{module} pulls in {sorted(banned)} through {current}"
        todo += _internal(current)
