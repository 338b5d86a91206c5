"""Benchmark replay: re-decide and learn steps per second on a spire recording it makes itself.

Run: python bench/bench_replay.py [--steps 300] [--seed 1] [--size 1280x720]

1. records a headless spire session with the learning agent (offline brain, empty library),
   or with the random baseline when the learning agent is not available;
2. re-decides it twice with the recorded policy (cold, then with the in-process OCR cache warm)
   and reports agreement and steps/s;
3. re-decides it with the random baseline (the cost of perception alone, for comparison);
4. learns from it into a fresh library (steps/s).
Figures are printed; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import games  # noqa: E402
from agent.loop import run_episode  # noqa: E402
from agent.recording import Recorder  # noqa: E402
from agent.replay.learn import learn, policy_learner  # noqa: E402
from agent.replay.policies import build_learner, learner_policy, policy_factory  # noqa: E402
from agent.replay.reader import Replay  # noqa: E402
from agent.replay.redecide import redecide  # noqa: E402


def record(root: Path, steps: int, seed: int, size: tuple[int, int]) -> tuple[Path, float]:
    try:
        policy = build_learner(
            game="spire", agent_id="bench", seed=seed, library=str(root / "own.sqlite")
        )
    except ImportError:
        from agent.brains.random import RandomClicker

        policy = RandomClicker(seed)
    game = games.make("spire", seed=seed, size=size)
    started = time.perf_counter()
    with Recorder(root, game="spire", agent_id="bench", seed=seed,
                  config={"policy": policy.name}) as rec:  # fmt: skip
        for step in run_episode(game, policy, max_steps=steps):
            rec.on_step(step)
    seconds = time.perf_counter() - started
    getattr(policy, "close", lambda: None)()
    game.close()
    return rec.path, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    root = Path(tempfile.mkdtemp(prefix="bench-replay-"))
    path, seconds = record(root, args.steps, args.seed, size)  # type: ignore[arg-type]
    replay = Replay(path)
    n = len(replay.steps)
    frames = len(list((path / "frames").glob("*.png")))
    print(f"recording: {n} steps of spire {args.size} seed {args.seed} by {replay.policy_name}, "
          f"{frames} distinct frames, made at {n / seconds:.1f} steps/s")  # fmt: skip
    for label in ("cold", "warm"):
        report = redecide(replay, policy_factory())
        print(f"re-decide ({replay.policy_name}, {label}): {report.steps_per_second:.1f} steps/s, "
              f"agreement {report.rate:.1%} ({report.agreed}/{report.steps})")  # fmt: skip
    report = redecide(replay, policy_factory("random-baseline"))
    print(f"re-decide (random baseline, perception only): {report.steps_per_second:.1f} steps/s")
    try:
        factory = policy_learner(learner_policy)
        result = learn([replay], str(root / "learned.sqlite"), factory)
        print(f"learn: {result.steps} steps at {result.steps_per_second:.1f} steps/s")
    except ImportError as exc:
        print(f"learn: skipped (the learning agent is not importable: {exc})")
    print(f"(files under {root})")


if __name__ == "__main__":
    main()
