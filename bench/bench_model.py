"""Benchmark of the VLM model layer against the SIMULATED endpoint (tests/fakes/sim_vlm.py).

Prints figures, asserts nothing: the client's own overhead per call (HTTP on 127.0.0.1, the real
openai client, validation), how retries turn a faulty endpoint into usable replies at each error
rate, and how fast raw replies are validated. No real model is involved.

    python bench/bench_model.py [--calls 200]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from agent.brains.model import ModelClient, ModelGaveUp, ModelSettings  # noqa: E402
from agent.brains.replies import ProposeReply, ReplyBounds, parse_reply  # noqa: E402
from tests.fakes.sim_vlm import SimulatedVLM  # noqa: E402

VARS = {"marks": "1: button\n2: button", "history": "(none)", "guidelines": "(none)"}
BOUNDS = ReplyBounds(marks=frozenset({1, 2}), width=1280, height=720)


def screenshot() -> bytes:
    """A UI-like 1280x720 frame: flat panels, buttons with text, a little noise."""
    rng = np.random.default_rng(0)
    image = np.full((720, 1280, 3), (30, 34, 48), np.uint8)
    for i in range(12):
        x, y = int(rng.integers(0, 1100)), int(rng.integers(0, 640))
        colour = tuple(int(c) for c in rng.integers(60, 230, 3))
        cv2.rectangle(image, (x, y), (x + 160, y + 60), colour, -1)
        cv2.putText(
            image,
            f"Button {i}",
            (x + 10, y + 38),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.8,
            (255, 255, 255),
            2,
        )
    noise = rng.integers(0, 6, image.shape, dtype=np.uint8)
    return cv2.imencode(".png", image + noise)[1].tobytes()


def run(calls: int, error_rate: float, png: bytes) -> dict[str, float]:
    faults = ("http_500", "close_mid_response", "malformed_json", "wrong_types", "out_of_range")
    with SimulatedVLM(error_rate=error_rate, faults=faults, seed=1) as sim:
        settings = ModelSettings(
            base_url=sim.base_url, model="sim", timeout_s=2, max_retries=2, retry_backoff_s=0
        )
        client = ModelClient(settings)
        latencies, attempts, ok = [], [], 0
        t0 = time.perf_counter()
        for _ in range(calls):
            start = time.perf_counter()
            try:
                result = client.ask("propose", VARS, png, ProposeReply, bounds=BOUNDS)
                ok += 1
                attempts.append(len(result.calls))
            except ModelGaveUp as exc:
                attempts.append(len(exc.calls))
            latencies.append(time.perf_counter() - start)
        wall = time.perf_counter() - t0
    latencies.sort()
    return {
        "usable": ok / calls,
        "attempts": statistics.mean(attempts),
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95) - 1],
        "calls_per_s": calls / wall,
    }


def validation_rate(n: int = 20_000) -> float:
    texts = [
        json.dumps({"action": "click", "mark": 1, "reason": "r" * 80}),
        '```json\n{"action": "click", "x": 10, "y": 20}\n```',
        '{"action": "click", "mark": "three"}',
        '{"action": ',
    ]
    t0 = time.perf_counter()
    for i in range(n):
        try:
            parse_reply(texts[i % len(texts)], ProposeReply)
        except Exception:  # noqa: BLE001 - counting throughput only
            pass
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    png = screenshot()
    print(f"screenshot PNG: {len(png) / 1024:.0f} KiB (1280x720); simulated endpoint, no model")
    print(
        f"{'error rate':>10} {'usable':>7} {'attempts':>8} {'p50 ms':>7} {'p95 ms':>7} {'calls/s':>8}"
    )
    for rate in (0.0, 0.1, 0.3, 0.5):
        r = run(args.calls, rate, png)
        print(
            f"{rate:>10.1f} {r['usable']:>7.1%} {r['attempts']:>8.2f} {r['p50_ms']:>7.1f}"
            f" {r['p95_ms']:>7.1f} {r['calls_per_s']:>8.1f}"
        )
    print(f"reply validation: {validation_rate():,.0f} replies/s")


if __name__ == "__main__":
    main()
