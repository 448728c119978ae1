"""Pose model provisioning: `posecoach models install|list` and install-on-first-use.

Sources, in order:
1. the official MediaPipe `.task` download (short timeout; often unreachable offline);
2. a bundle built locally from package-registry artefacts: the detector and the full
   landmark model from the `mediapipe==0.10.14` wheel on PyPI, and the lite/full/heavy
   landmark models from the npm package `@mediapipe/pose` (when `npm` is present).
A built bundle is verified (it loads and runs inference) before it is declared installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from posecoach.errors import ModelError
from posecoach.tflite_bundle import build_pose_bundle

# Loads a bundle and runs it once; raises ModelError if it does not work.
Verifier = Callable[[Path], None]

VARIANTS: tuple[str, ...] = ("lite", "full", "heavy")
DEFAULT_VARIANT = "full"
PHOTO_VARIANT = "heavy"  # photos use it when installed (posecoach.analysis.photo_model)
OFFICIAL_URL = ("https://storage.googleapis.com/mediapipe-models/pose_landmarker/"
                "pose_landmarker_{variant}/float16/latest/pose_landmarker_{variant}.task")
OFFICIAL_TIMEOUT_S = 4.0
WHEEL_REQUIREMENT = "mediapipe==0.10.14"
# The 0.10.14 models are platform-independent files; pin one wheel so any host can fetch it.
WHEEL_PLATFORM_ARGS = ("--platform", "manylinux2014_x86_64", "--python-version", "3.11",
                       "--implementation", "cp", "--only-binary=:all:")
WHEEL_DETECTOR = "mediapipe/modules/pose_detection/pose_detection.tflite"
WHEEL_LANDMARKS_FULL = "mediapipe/modules/pose_landmark/pose_landmark_full.tflite"
NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
MANIFEST_NAME = "installed.json"

Progress = Callable[[str], None]


def quiet(_: str) -> None:
    return None


def models_dir() -> Path:
    """Where bundles live: $POSECOACH_MODELS_DIR, else the source tree's models/,
    else a per-user cache."""
    env = os.environ.get("POSECOACH_MODELS_DIR")
    if env:
        return Path(env)
    source_root = Path(__file__).resolve().parent.parent
    if (source_root / "pyproject.toml").exists() and (source_root / "models").is_dir():
        return source_root / "models"
    return Path.home() / ".cache" / "posecoach" / "models"


def bundle_path(variant: str, directory: Path | None = None) -> Path:
    return (directory or models_dir()) / f"pose_landmarker_{variant}.task"


def _check_variant(variant: str) -> None:
    if variant not in VARIANTS:
        raise ModelError(f"unknown model variant '{variant}'", f"choose one of: {', '.join(VARIANTS)}")


@dataclass(frozen=True)
class InstalledModel:
    variant: str
    path: str
    size_bytes: int
    sha256: str
    source: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_manifest(directory: Path) -> dict[str, dict[str, str]]:
    try:
        return json.loads((directory / MANIFEST_NAME).read_text())
    except (OSError, ValueError):
        return {}


def _record_source(directory: Path, variant: str, source: str) -> None:
    manifest = _read_manifest(directory)
    manifest[variant] = {"source": source}
    tmp = directory / f".{MANIFEST_NAME}.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    tmp.replace(directory / MANIFEST_NAME)


def list_models(directory: Path | None = None) -> list[InstalledModel]:
    directory = directory or models_dir()
    manifest = _read_manifest(directory)
    found = []
    for variant in VARIANTS:
        path = bundle_path(variant, directory)
        if path.exists():
            found.append(InstalledModel(
                variant=variant, path=str(path), size_bytes=path.stat().st_size,
                sha256=sha256_of(path), source=manifest.get(variant, {}).get("source", "unknown"),
            ))
    return found


def _download_official(variant: str, dest: Path) -> bool:
    url = OFFICIAL_URL.format(variant=variant)
    try:
        with urllib.request.urlopen(url, timeout=OFFICIAL_TIMEOUT_S) as response:
            if response.status != 200:
                return False
            with open(dest, "wb") as fh:
                shutil.copyfileobj(response, fh)
        return zipfile.is_zipfile(dest)
    except (urllib.error.URLError, OSError, TimeoutError, ValueError):
        return False


def _cache_dir(directory: Path) -> Path:
    cache = directory / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    return cache


def _fetch_wheel(cache: Path, progress: Progress) -> Path:
    wheels = sorted(cache.glob("mediapipe-0.10.14-*.whl"))
    if wheels:
        return wheels[0]
    progress(f"downloading {WHEEL_REQUIREMENT} (models only) from the package index ...")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--disable-pip-version-check",
           *WHEEL_PLATFORM_ARGS, "-d", str(cache), WHEEL_REQUIREMENT]
    result = subprocess.run(cmd, capture_output=True, text=True)
    wheels = sorted(cache.glob("mediapipe-0.10.14-*.whl"))
    if result.returncode != 0 or not wheels:
        raise ModelError(f"could not download {WHEEL_REQUIREMENT}: {result.stderr.strip()[-300:]}",
                         "check access to the Python package index")
    return wheels[0]


def _fetch_npm(cache: Path, progress: Progress) -> Path | None:
    tarballs = sorted(cache.glob("mediapipe-pose-*.tgz"))
    if tarballs:
        return tarballs[0]
    npm = shutil.which("npm")
    if npm is None:
        return None
    progress(f"downloading {NPM_PACKAGE} from the npm registry ...")
    result = subprocess.run([npm, "pack", NPM_PACKAGE, "--silent", "--pack-destination", str(cache)],
                            capture_output=True, text=True)
    tarballs = sorted(cache.glob("mediapipe-pose-*.tgz"))
    return tarballs[0] if result.returncode == 0 and tarballs else None


def _registry_models(variant: str, cache: Path, progress: Progress) -> tuple[bytes, bytes, str]:
    """(detector, landmarks, source description) from registry packages."""
    wheel = _fetch_wheel(cache, progress)
    with zipfile.ZipFile(wheel) as wz:
        detector = wz.read(WHEEL_DETECTOR)
        if variant == "full":
            return detector, wz.read(WHEEL_LANDMARKS_FULL), f"built from PyPI {WHEEL_REQUIREMENT}"
    tarball = _fetch_npm(cache, progress)
    if tarball is None:
        raise ModelError(
            f"the '{variant}' landmark model is only available from the npm package {NPM_PACKAGE}, "
            "and npm is not installed",
            "install Node.js/npm, or use --model full (always available)")
    with tarfile.open(tarball) as tz:
        member = tz.extractfile(f"package/pose_landmark_{variant}.tflite")
        if member is None:
            raise ModelError(f"{tarball.name} has no {variant} landmark model")
        landmarks = member.read()
    return detector, landmarks, f"built from PyPI {WHEEL_REQUIREMENT} + npm {NPM_PACKAGE}"


def install(variant: str = DEFAULT_VARIANT, directory: Path | None = None, force: bool = False,
            progress: Progress = quiet, try_official: bool = True, *,
            verify: Verifier) -> InstalledModel:
    """Install one variant (idempotent) and return what is installed. `verify(path)` loads
    the staged bundle and runs it once, raising ModelError if it does not work
    (posecoach.pose.verify_bundle: inference lives there, provisioning here)."""
    _check_variant(variant)
    directory = directory or models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = bundle_path(variant, directory)
    if target.exists() and not force:
        return next(m for m in list_models(directory) if m.variant == variant)
    try_official = try_official and os.environ.get("POSECOACH_OFFLINE", "") not in ("1", "true")
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        staged = Path(tmp) / target.name
        source = ""
        if try_official:
            progress(f"trying the official MediaPipe download for '{variant}' ...")
            if _download_official(variant, staged):
                source = OFFICIAL_URL.format(variant=variant)
        if not source:
            progress(f"building the '{variant}' bundle from package-registry files ...")
            detector, landmarks, source = _registry_models(variant, _cache_dir(directory), progress)
            build_pose_bundle(detector, landmarks, staged)
        progress(f"verifying {target.name} ...")
        verify(staged)
        staged.replace(target)
    _record_source(directory, variant, source)
    progress(f"installed {target}")
    return next(m for m in list_models(directory) if m.variant == variant)


def ensure_model(variant: str = DEFAULT_VARIANT, progress: Progress = quiet, *,
                 verify: Verifier) -> Path:
    """Path of an installed bundle, installing (and verifying) it first if needed."""
    _check_variant(variant)
    path = bundle_path(variant)
    if not path.exists():
        progress(f"pose model '{variant}' not installed yet; installing it now (one time) ...")
        install(variant, progress=progress, verify=verify)
    return path


def as_dicts(models: list[InstalledModel]) -> list[dict[str, object]]:
    return [asdict(m) for m in models]


# ---------------------------------------------------------------- web runtime (live page)
# The browser's pose runtime for the web app's live page: MediaPipe Tasks Vision in
# WebAssembly, from npm. Pinned: versions 1.x post usage metrics to a Google host every
# 60 s; 0.10.35 makes no request of its own. The package has no model: the page loads
# the same .task bundles as everything else.
WEB_RUNTIME_PACKAGE = "@mediapipe/tasks-vision@0.10.35"
WEB_RUNTIME_NAME = "tasks-vision-0.10.35"
WEB_RUNTIME_FILES = ("vision_bundle.mjs", "wasm/vision_wasm_internal.js", "wasm/vision_wasm_internal.wasm",
                     "wasm/vision_wasm_nosimd_internal.js", "wasm/vision_wasm_nosimd_internal.wasm")


def web_runtime_dir(directory: Path | None = None) -> Path:
    """Where the live page's runtime files live (git-ignored, beside the model bundles)."""
    return (directory or models_dir()) / "web" / WEB_RUNTIME_NAME


def web_runtime_installed(directory: Path | None = None) -> bool:
    root = web_runtime_dir(directory)
    return all((root / name).is_file() for name in WEB_RUNTIME_FILES)


def install_web_runtime(directory: Path | None = None, progress: Progress = quiet) -> Path | None:
    """Provision the live page's runtime with `npm pack` (idempotent). None when npm is
    missing (the page then uses server-side inference); ModelError when npm fails."""
    root = web_runtime_dir(directory)
    if web_runtime_installed(directory):
        return root
    npm = shutil.which("npm")
    if npm is None:
        return None
    root.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root.parent) as tmp:
        progress(f"downloading {WEB_RUNTIME_PACKAGE} (the live page's pose runtime) from the npm registry ...")
        result = subprocess.run([npm, "pack", WEB_RUNTIME_PACKAGE, "--silent", "--pack-destination", tmp],
                                capture_output=True, text=True)
        tarballs = sorted(Path(tmp).glob("mediapipe-tasks-vision-*.tgz"))
        if result.returncode != 0 or not tarballs:
            raise ModelError(f"could not download {WEB_RUNTIME_PACKAGE}: {result.stderr.strip()[-300:]}",
                             "check access to the npm registry; the live page works without it "
                             "(server-side pose)")
        staged = Path(tmp) / WEB_RUNTIME_NAME
        with tarfile.open(tarballs[0]) as tz:
            for name in WEB_RUNTIME_FILES:  # a fixed list: nothing else leaves the tarball
                member = tz.extractfile(f"package/{name}")
                if member is None:
                    raise ModelError(f"{tarballs[0].name} has no {name}")
                (staged / name).parent.mkdir(parents=True, exist_ok=True)
                (staged / name).write_bytes(member.read())
        if root.exists():
            shutil.rmtree(root)
        staged.replace(root)
    progress(f"installed the live page's runtime in {root}")
    return root
