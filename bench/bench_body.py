"""Benchmark the body on a private Xvfb: capture time per frame, click-to-changed-frame latency.

Run: python bench/bench_body.py [--size 1280x720] [--trials 30]

It starts a private Xvfb (1920x1080x24 + openbox), opens the clicker test window
(tests/fixtures/clicker_window.py) at the given size, then measures
- capture: mss grab of the window rectangle -> RGB Frame, per frame;
- click latency: from issuing a real pyautogui click on the window's button until the first grab
  that differs from the frame before (the window toggles the button colour on each click);
- LiveWindow.step: a full step (safety check, click, settle) on a window that reacts at once;
- spire: LiveWindow steps on the built-in game (launched as its own process), clicking a random
  enabled clickable from its ground-truth probe each step: step time, reported settle time, how
  many steps did not settle before the timeout, steps per second.
Figures are printed as median and p90 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.body.display import VirtualDisplay  # noqa: E402
from agent.body.live import LiveSettings, LiveWindow  # noqa: E402
from agent.body.mouse import Mouse, MouseSettings  # noqa: E402
from agent.body.screen import Screen  # noqa: E402
from agent.body.window import find_window  # noqa: E402
from agent.perception.change import changed_fraction  # noqa: E402
from agent.types import Click  # noqa: E402
from games.probe import read_probe  # noqa: E402

CLICKER = ROOT / "tests" / "fixtures" / "clicker_window.py"


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def report(name: str, seconds: list[float]) -> None:
    ms = [s * 1000 for s in seconds]
    print(
        f"{name:<34} median {statistics.median(ms):7.2f} ms   p90 {p90(ms):7.2f} ms   (n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--trials", type=int, default=30)
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    button = f"{width // 2 - 100},{height // 2 - 50},200,100"

    with VirtualDisplay() as vd, tempfile.TemporaryDirectory() as tmp:
        events = Path(tmp) / "events.jsonl"
        command = [sys.executable, str(CLICKER), "--events", str(events)]
        command += ["--size", args.size, "--button", button]
        proc = subprocess.Popen(command, env=vd.child_env())
        try:
            info = find_window("^bottomup test window$", display=vd.name, timeout=20)
            rect = info.rect
            print(f"display {vd.name}, window {rect.w}x{rect.h} at ({rect.x}, {rect.y})")
            with Screen(vd.name) as screen:
                screen.grab(rect)  # warm up the mss instance
                grabs = []
                for _ in range(args.trials * 3):
                    start = time.perf_counter()
                    screen.grab(rect)
                    grabs.append(time.perf_counter() - start)
                report(f"capture {rect.w}x{rect.h}", grabs)

                mouse = Mouse(vd.name, MouseSettings(max_actions_per_second=1000))
                latencies = []
                for _ in range(args.trials):
                    before = screen.grab(rect)
                    start = time.perf_counter()
                    mouse.perform(Click(width // 2, height // 2), rect)
                    while True:
                        frame = screen.grab(rect)
                        if changed_fraction(before.image, frame.image) > 0.001:
                            break
                        if time.perf_counter() - start > 2:
                            raise SystemExit("the window did not react to a click within 2 s")
                    latencies.append(time.perf_counter() - start)
                    time.sleep(0.05)
                report("click -> changed frame", latencies)
        finally:
            proc.terminate()
            proc.wait(timeout=5)

        settings = LiveSettings(
            title="^bottomup test window$",
            display=vd.name,
            launch=tuple(command),
            mouse=MouseSettings(max_actions_per_second=1000),
        )
        with LiveWindow(settings) as game:
            game.reset()
            steps, settles = [], []
            for _ in range(args.trials):
                start = time.perf_counter()
                outcome = game.step(Click(width // 2, height // 2))
                steps.append(time.perf_counter() - start)
                settles.append(outcome.settle_s)
            report("LiveWindow.step (click + settle)", steps)
            report("  of which settle_s reported", settles)

        bench_spire(vd.name, args.size, args.trials, Path(tmp) / "probe.json")


def bench_spire(display: str, size: str, trials: int, probe: Path) -> None:
    rng = random.Random(0)
    command = [sys.executable, "-m", "games.spire", "--seed", "1", "--size", size]
    settings = LiveSettings(
        title=r"^bottomup spire \(seed 1\)$",
        display=display,
        launch=(*command, "--probe", str(probe)),
        launch_cwd=str(ROOT),
        window_timeout_s=30,
    )
    with LiveWindow(settings) as game:
        game.reset()
        steps, settles, unsettled = [], [], 0
        began = time.perf_counter()
        for _ in range(trials):
            clickables = [c for c in read_probe(probe).clickables if c.enabled]
            if not clickables:
                break  # the run is over
            centre = rng.choice(clickables).rect.center
            start = time.perf_counter()
            outcome = game.step(Click(centre.x, centre.y))
            steps.append(time.perf_counter() - start)
            settles.append(outcome.settle_s)
            unsettled += not outcome.settled
        elapsed = time.perf_counter() - began
    report("spire step (random clickable)", steps)
    report("  of which settle_s reported", settles)
    print(f"spire: {len(steps) / elapsed:.2f} steps/s, {unsettled} of {len(steps)} unsettled")


if __name__ == "__main__":
    main()
