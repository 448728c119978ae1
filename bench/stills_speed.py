"""Seconds per photo of `posecoach analyze PHOTO` (the still-image path), in this process
(bench/stills.py measures its accuracy).

    python bench/stills_speed.py [PHOTO ...] [--model heavy] [--repeat 3]

Without photos, stills are cut from the middle of three sample clips (a stretch hold, a
curl, a leg swing) into a temp folder as JPEG. Each photo is analysed --repeat times,
interleaved; every call builds its landmarkers afresh, as one `analyze` run does, so the
figure is what one photo costs end to end apart from starting Python: analyze_media plus
write_outputs (report, charts). Without --model, the model `analyze PHOTO` picks (heavy
when installed, else full; posecoach.analysis.photo_model). Target (issue 17): at most
1.5 s per photo.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from posecoach.analysis import AnalysisOptions, analyze_media  # noqa: E402
from posecoach.cli import native_logs_hidden  # noqa: E402
from posecoach.report import write_outputs  # noqa: E402
from posecoach.video_io import iter_frames  # noqa: E402

TARGET_S = 1.5
SOURCE_CLIPS = ("origin_stretch_good_right.mp4", "curl_hip_lift_good_left.mp4", "leg_swing_good_right.mp4")


def cut_stills(folder: Path) -> list[Path]:
    """One JPEG from the middle of each sample clip."""
    photos = []
    for name in SOURCE_CLIPS:
        clip = ROOT / "sample_videos" / name
        if not clip.exists():
            continue
        frames = list(iter_frames(clip))
        _, rgb = frames[len(frames) // 2]
        photo = folder / f"{clip.stem}.jpg"
        cv2.imwrite(str(photo), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 92])
        photos.append(photo)
    return photos


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("photos", nargs="*", type=Path)
    parser.add_argument("--model", default=None, help="default: what `analyze PHOTO` uses")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="posecoach-stills-") as tmp_name, native_logs_hidden(True):
        tmp = Path(tmp_name)
        photos = args.photos or cut_stills(tmp)
        if not photos:
            print("no photos (sample_videos/ missing and none given)")
            return 0
        options = AnalysisOptions(model=args.model or "full", photo_model=args.model)
        analyze_media(photos[0], options)  # warm the file cache and imports
        seconds: dict[Path, list[float]] = {p: [] for p in photos}
        verdicts: dict[Path, str] = {}
        used = ""
        for round_i in range(args.repeat):
            for photo in photos:
                start = time.perf_counter()
                analysis = analyze_media(photo, options)
                write_outputs(analysis, tmp / f"out-{photo.stem}-{round_i}", video=False)
                seconds[photo].append(time.perf_counter() - start)
                used = analysis.model
                verdicts[photo] = (f"{analysis.info.width}x{analysis.info.height}, {analysis.exercise}, "
                                   f"detected {analysis.detection_rate:.0%}")
    print(f"seconds per photo (analyze_media + write_outputs, model {used}, median of "
          f"{args.repeat}; load average {os.getloadavg()[0]:.1f}):")
    for photo, values in seconds.items():
        print(f"  {photo.name:<40}{statistics.median(values):>6.2f} s   ({verdicts[photo]})")
    overall = statistics.median(v for values in seconds.values() for v in values)
    print(f"median over all photos: {overall:.2f} s per photo (target <= {TARGET_S:.1f} s: "
          f"{'ok' if overall <= TARGET_S else 'MISSED'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
