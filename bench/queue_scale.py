"""Wall time of 8 sample clips through the Redis queue, with 1 and then 2 workers.

    .venv/bin/python bench/queue_scale.py [--workers 1 2] [--clips 8] [--model lite|full]

Each run starts a fresh redis-server on 127.0.0.1 (Debian's package), `posecoach serve
--queue` and N `posecoach worker` processes on this machine (tests/redis_cluster.py),
uploads the clips through the API at once, and times the first upload to the last result.
Every worker here shares this machine's cores: a second worker only helps while the
first leaves cores idle (decoding, rendering, start-up); on separate machines each worker
brings its own cores.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # runnable as a script from a checkout
    sys.path.insert(0, str(ROOT))

from tests.redis_cluster import Cluster, RedisServer, redis_missing, wait_for  # noqa: E402

SAMPLES = ROOT / "sample_videos"
RUNNERS = {"lite": "posecoach.web.runner:run_analysis_lite", "full": "posecoach.web.runner:run_analysis"}


def run_once(clips: list[Path], workers: int, runner: str, root: Path) -> tuple[float, Counter[str]]:
    import httpx

    redis = RedisServer(root / "redis")
    redis.start()
    cluster = Cluster(root, redis)
    try:
        cluster.start_api()
        for _ in range(workers):
            cluster.start_worker(runner)
        cluster.wait_for_workers(workers)
        with httpx.Client(base_url=cluster.base_url, timeout=60) as client:
            start = time.monotonic()
            ids = []
            for clip in clips:
                response = client.post("/api/analyses", data={"exercise": "auto"},
                                       files={"file": (clip.name, clip.read_bytes(), "video/mp4")})
                response.raise_for_status()
                ids.append(response.json()["id"])

            def all_final() -> list[dict] | None:
                bodies = [client.get(f"/api/analyses/{i}").json() for i in ids]
                return bodies if all(b["status"] in ("done", "failed") for b in bodies) else None
            bodies = wait_for(all_final, 3600, "the analyses", every_s=0.5)
            wall_s = time.monotonic() - start
        failed = [b["error"] for b in bodies if b["status"] != "done"]
        if failed:
            raise SystemExit(f"queue_scale: {len(failed)} analyses failed: {failed[:2]}")
        return wall_s, Counter(f"{b['worker']['host']}:{b['worker']['pid']}" for b in bodies)
    finally:
        cluster.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clips", type=int, default=8, help="how many sample clips (smallest files first)")
    parser.add_argument("--model", choices=sorted(RUNNERS), default="lite")
    args = parser.parse_args(argv)
    missing = redis_missing()
    if missing:
        print(f"queue_scale: {missing}", file=sys.stderr)
        return 2
    clips = sorted(SAMPLES.glob("*.mp4"), key=lambda p: p.stat().st_size)[: args.clips]
    if len(clips) < args.clips:
        print(f"queue_scale: only {len(clips)} clips in {SAMPLES} (posecoach samples generate)", file=sys.stderr)
        return 2
    print(f"{len(clips)} sample clips ({', '.join(c.stem for c in clips)}), {args.model} model, "
          f"{os.cpu_count()} CPU cores on {socket.gethostname()}")
    print(f"{'workers':>7}  {'wall s':>7}  {'clips/min':>9}  jobs per worker  load after (1 min; other "
          "programs on the machine count too)")
    walls = {}
    for n in args.workers:
        with tempfile.TemporaryDirectory(prefix="posecoach-queue-scale-") as tmp:
            wall_s, per_worker = run_once(clips, n, RUNNERS[args.model], Path(tmp))
        walls[n] = wall_s
        print(f"{n:>7}  {wall_s:>7.1f}  {60 * len(clips) / wall_s:>9.2f}  "
              f"{' '.join(str(c) for c in sorted(per_worker.values(), reverse=True)):<15}  "
              f"{os.getloadavg()[0]:.1f}", flush=True)
    for n in walls:
        if n != 1 and 1 in walls:
            print(f"{n} workers against 1: x{walls[1] / walls[n]:.2f} the throughput")
    print(f"note: all workers ran on this machine's {os.cpu_count()} cores, so a second worker competes with "
          "the first for the same cores; workers on separate machines each bring their own.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
