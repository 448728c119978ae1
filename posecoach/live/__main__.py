"""`python -m posecoach.live ...`: the same as `posecoach live ...` (errors as one line + hint)."""

from __future__ import annotations

import argparse
import sys

from posecoach.errors import PoseCoachError
from posecoach.live.cli import add_live_arguments, run_live


def main(argv: list[str] | None = None) -> int:
    parser = add_live_arguments(argparse.ArgumentParser(prog="posecoach live"))
    args = parser.parse_args(argv)
    try:
        return run_live(args)
    except PoseCoachError as exc:
        print(f"posecoach: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
