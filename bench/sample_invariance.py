"""Invariances on the bundled synthetic samples, which have truth: the mirrored copy and
copies at half the resolution and half the frame rate give the same verdict, counts and
fault codes as the original, and the original's fault codes are the truth's.

    python bench/sample_invariance.py [NAME ...] [--model full] [--workers 2]

The real clips (bench/realclips.py --metamorphic) have no truth; here every copy is also
held against what was rendered. Prints one line per sample and copy; exits 0 when all
agree. NAMEs are sample file names (default: every sample).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.realclips import VARIANTS, analyse_clips, signature  # noqa: E402
from posecoach.analysis import ClipAnalysis  # noqa: E402

SAMPLES = ROOT / "sample_videos"


@dataclass(frozen=True)
class CopyCheck:
    sample: str
    variant: str
    got: dict[str, object]      # signature + fault codes of this copy
    want: dict[str, object]     # ... of the original
    truth_codes: list[str]

    @property
    def ok(self) -> bool:
        return self.got == self.want and self.want["faults"] == self.truth_codes


def _truth(sample: Path) -> dict[str, object]:
    return json.loads(sample.with_suffix(".truth.json").read_text())


def _reading(a: ClipAnalysis) -> dict[str, object]:
    return {**signature(a), "faults": sorted(set(a.result.fault_codes))}


def check_samples(names: list[str] | None = None, model: str = "full",
                  workers: int | None = None) -> list[CopyCheck]:
    """One CopyCheck per sample and copy (the original included, against the truth)."""
    paths = sorted(SAMPLES.glob("*.mp4")) if not names else [SAMPLES / n for n in names]
    truths = {p.name: _truth(p) for p in paths}
    runs = analyse_clips(paths, model, metamorphic=True, workers=workers,
                         exercises={name: str(t["exercise"]) for name, t in truths.items()})
    checks = []
    for name, by_variant in runs.items():
        truth_codes = sorted({str(f["code"]) for f in truths[name]["faults"]})  # type: ignore[attr-defined]
        want = _reading(by_variant["original"])
        checks += [CopyCheck(name, v, _reading(by_variant[v]), want, truth_codes) for v in VARIANTS]
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*")
    parser.add_argument("--model", default="full")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    checks = check_samples(args.names or None, args.model, args.workers)
    for c in checks:
        print(f"{'PASS' if c.ok else 'FAIL'}  {c.sample:42s} {c.variant:9s} {c.got}"
              + ("" if c.ok else f"  want {c.want} truth faults {c.truth_codes}"))
    bad = sum(not c.ok for c in checks)
    print(f"\n{len(checks) - bad}/{len(checks)} copies agree with the original and the truth "
          f"({time.perf_counter() - start:.0f} s)")
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
