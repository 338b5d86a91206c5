"""Command line: `python -m games.spire --seed N [--size WxH] [--probe PATH] [--fps 30]`."""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

from games.spire.layout import MAX_SIZE, MIN_SIZE


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)", text.strip())
    if not m:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (MIN_SIZE[0] <= w <= MAX_SIZE[0] and MIN_SIZE[1] <= h <= MAX_SIZE[1]):
        raise argparse.ArgumentTypeError(f"size must be within 320x180 .. 3840x2160, got {text!r}")
    return w, h


def _fps(text: str) -> int:
    try:
        fps = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"fps must be an integer, got {text!r}") from None
    if not 1 <= fps <= 240:
        raise argparse.ArgumentTypeError(f"fps must be within 1 .. 240, got {fps}")
    return fps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m games.spire", description="spire: a mouse-only deck-building card battler"
    )
    parser.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    parser.add_argument("--size", type=_size, default=(1280, 720), help="window size WxH")
    parser.add_argument("--probe", type=Path, help="write ground truth JSON here (tests only)")
    parser.add_argument("--fps", type=_fps, default=30, help="frames per second (default 30)")
    parser.add_argument("--start-hp", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe is not None and not args.probe.parent.is_dir():
        parser.error(f"--probe directory does not exist: {args.probe.parent}")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    from agent.errors import BottomupError
    from games.spire.app import run_window
    from games.spire.model import Rules

    rules = Rules(start_hp=args.start_hp) if args.start_hp else None
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print(
            "error: no display to open a window on (DISPLAY is not set); run under X or Xvfb",
            file=sys.stderr,
        )
        return 1
    try:
        return run_window(args.seed, args.size, args.probe, args.fps, rules)
    except BottomupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
