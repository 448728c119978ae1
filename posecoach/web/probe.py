"""Checking an upload without decoding it in the server process.

`probe_isolated` runs `python -m posecoach.web.probe PATH` under the server's media limits
(passed as POSECOACH_* variables) and a time limit: the header checks refuse pixel bombs
and over-long clips before any decoding, and whatever the decoder then does to prove the
first frame (memory, a hang, a crash) happens in that short-lived process, never in the
server. The child prints one JSON line: {"info": {...}} or {"error": ..., "hint": ...}.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from posecoach.errors import InputError
from posecoach.limits import MediaLimits

PROBE_TIMEOUT_S = 30.0


def limits_env(limits: MediaLimits) -> dict[str, str]:
    """The POSECOACH_* variables that make MediaLimits.from_env() in a child equal `limits`."""
    from posecoach.limits import ENV_PREFIX

    return {ENV_PREFIX + f.name.upper(): str(getattr(limits, f.name)) for f in dataclasses.fields(limits)}


def probe_isolated(path: Path, limits: MediaLimits, timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """MediaInfo of `path` as a dict; InputError when the file is refused or undecodable."""
    env = {**os.environ, **limits_env(limits),
           "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run([sys.executable, "-m", "posecoach.web.probe", str(path)], env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout_s,
                              check=False)
    except subprocess.TimeoutExpired:
        raise InputError(f"{path.name}: checking the file took longer than {timeout_s:g} s",
                         "send a shorter or smaller clip") from None
    lines = done.stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else {}
    except ValueError:
        answer = {}
    if "info" in answer:
        return answer["info"]  # type: ignore[no-any-return]
    if "error" in answer:
        raise InputError(answer["error"], answer.get("hint", ""))
    # The decoder crashed or ran out of memory: the file is not a usable video.
    raise InputError(f"{path.name}: could not be decoded (the file is corrupt or not a supported format)")


def main(argv: list[str]) -> int:
    from posecoach.errors import PoseCoachError
    from posecoach.video_io import probe

    try:
        info = probe(Path(argv[0]), MediaLimits.from_env())
    except PoseCoachError as exc:
        print(json.dumps({"error": exc.message, "hint": exc.hint}))
        return 0
    except Exception:  # noqa: BLE001 - any decoder failure means "not a usable video"
        print(json.dumps({"error": f"{Path(argv[0]).name}: could not be decoded"}))
        return 0
    print(json.dumps({"info": dataclasses.asdict(info)}))
    return 0


if __name__ == "__main__":  # pragma: no cover - the probe process entry
    sys.exit(main(sys.argv[1:]))
