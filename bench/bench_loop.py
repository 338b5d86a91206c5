"""Benchmark the play loop end to end: steps per second of a policy on spire, headless and live.

Run: python bench/bench_loop.py [--steps 200] [--size 1280x720] [--policy random|offline]

- headless: the built-in game in-process (games.make), no window, no pointer;
- live: `python -m games.spire` in its own window on a private Xvfb, real screen grabs and a real
  pointer through LiveWindow (the rate cap is lifted so the figure is the loop's own speed).
Each figure is steps/s over the whole run plus the median time of each part of a step.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.config import load_settings  # noqa: E402
from agent.loop import run_episode  # noqa: E402
from agent.session import make_policy, open_body  # noqa: E402


def run(mode: str, steps: int, size: tuple[int, int], policy_name: str, library: Path) -> None:
    settings = load_settings(
        {
            "steps": steps,
            "size": size,
            "display": "virtual",
            "actions_per_second": 1000.0,
            "brain": policy_name,
            "library": str(library),
        },
        env={},
    )
    policy = make_policy(settings)
    settle: list[float] = []
    acted = 0
    with open_body(
        settings,
        game="spire",
        window=None,
        region=None,
        launch=None,
        headless=mode == "headless",
        current_display=None,
    ) as (body, _):
        start = time.perf_counter()
        for step in run_episode(body, policy, max_steps=steps):
            settle.append(step.settle_s)
            acted += step.acted
        elapsed = time.perf_counter() - start
    print(
        f"{mode:<9} {policy_name:<8} {steps / elapsed:7.1f} steps/s   "
        f"settle median {statistics.median(settle) * 1000:6.1f} ms   "
        f"responsive {acted / steps:.0%}   ({steps} steps, {size[0]}x{size[1]})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--policy", default="random")
    parser.add_argument("--modes", default="headless,live")
    args = parser.parse_args()
    w, h = (int(v) for v in args.size.split("x"))
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            run(mode, args.steps, (w, h), args.policy, Path(tmp) / f"{mode}.sqlite")


if __name__ == "__main__":
    main()
