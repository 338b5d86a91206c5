"""Perception benchmark: prints candidate, screen-state and re-grounding figures on the built-in
game's ground truth, and per-frame / per-region timings.

    python bench/bench_perception.py [--seeds 1 2 3] [--no-ocr]

Ground truth comes from games.spire.testing.screens_tour(seed, size): frames of every screen type
with the game's own list of clickable rectangles. Figures (criteria in bench/perception_eval.py):
  * candidates: recall of true clickables and precision, per screen type, at 1280x720 and 960x540;
  * screen states: one incremental ScreenStates over all frames of all seeds and both sizes,
    its purity and states per true screen;
  * re-grounding: every clickable's Target taken from the 1280x720 frame, re-grounded in the same
    state rendered at 0.75x, 1.25x and 1.5x; success when the found box centre lies inside the
    element's true rectangle at that scale;
  * timing: median wall time of candidates + signature per 1280x720 frame; OCR time per region.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent.perception.objects import candidates  # noqa: E402
from agent.perception.reground import reground  # noqa: E402
from agent.perception.settings import PerceptionSettings  # noqa: E402
from agent.perception.state import ScreenStates, signature  # noqa: E402
from bench.perception_eval import EMPTY, coverage, state_figures  # noqa: E402

SIZES = [(1280, 720), (960, 540)]
SCALES = [0.75, 1.25, 1.5]


@lru_cache(maxsize=32)
def tour(seed: int, size: tuple[int, int]):
    from games.spire.testing import screens_tour

    return tuple(screens_tour(seed, size))


def bench_candidates(seeds, settings) -> None:
    print("\n== candidates vs ground truth (recall: IoU>=0.5 or centre-inside & <=1.5x area)")
    per_screen = defaultdict(lambda: EMPTY)
    for size in SIZES:
        for seed in seeds:
            for frame, truth in tour(seed, size):
                boxes = [c.box for c in candidates(frame, settings)]
                cov = coverage(boxes, [c.rect for c in truth.clickables])
                per_screen[(truth.screen, size)] += cov
    print(
        f"{'screen':<12}{'size':>10}{'elements':>9}{'recall':>8}{'strict':>8}{'cands':>7}{'prec':>7}"
    )
    for (screen, size), cov in sorted(per_screen.items()):
        print(
            f"{screen:<12}{size[0]:>5}x{size[1]:<4}{cov.elements:>9}{cov.recall:>8.3f}"
            f"{cov.strict_recall:>8.3f}{cov.candidates:>7}{cov.precision:>7.3f}"
        )
    _total_rows("", per_screen)
    quiet = replace(settings, propose_text=False)
    bare = defaultdict(lambda: EMPTY)
    for size in SIZES:
        for seed in seeds:
            for frame, truth in tour(seed, size):
                boxes = [c.box for c in candidates(frame, quiet)]
                bare[(truth.screen, size)] += coverage(boxes, [c.rect for c in truth.clickables])
    _total_rows(", no text", bare)


def _total_rows(label: str, per_screen) -> None:
    """ALL, and ALL but the map (whose frames cannot tell the 2-3 reachable nodes from the
    ~25 identical unreachable ones: every node is a candidate, only the reachable are true)."""
    for name, keep in (("ALL", lambda s: True), ("ALL but map", lambda s: s != "map")):
        cov = sum((c for (screen, _), c in per_screen.items() if keep(screen)), EMPTY)
        print(
            f"{name + label:<22}{cov.elements:>9}{cov.recall:>8.3f}{cov.strict_recall:>8.3f}"
            f"{cov.candidates:>7}{cov.precision:>7.3f}"
        )


def bench_states(seeds, settings) -> None:
    print(f"\n== screen states (threshold {settings.state_threshold})")
    states = ScreenStates(settings.state_threshold)
    predicted, truth_screens = [], []
    for seed in seeds:
        for size in SIZES:
            for frame, truth in tour(seed, size):
                predicted.append(states.observe(frame))
                truth_screens.append(truth.screen)
    fig = state_figures(predicted, truth_screens)
    print(
        f"frames {fig.frames}  true screens {fig.screens}  states {fig.states}  "
        f"purity {fig.purity:.3f}  states/screen {fig.states_per_screen:.2f}"
    )
    by_state = defaultdict(lambda: defaultdict(int))
    for p, t in zip(predicted, truth_screens, strict=True):
        by_state[p][t] += 1
    for sid, counts in by_state.items():
        print(f"  {sid}: {dict(counts)}")


def bench_reground(seeds, settings) -> None:
    print("\n== re-grounding across window scales")
    base_size = SIZES[0]
    for scale in SCALES:
        size = (round(base_size[0] * scale), round(base_size[1] * scale))
        hits = tries = 0
        for seed in seeds:
            for (bframe, btruth), (sframe, struth) in zip(
                tour(seed, base_size), tour(seed, size), strict=True
            ):
                if btruth.screen != struth.screen:
                    continue
                base_cands = candidates(bframe, settings)
                scaled_cands = candidates(sframe, settings)
                scaled_rects = {c.name: c.rect for c in struth.clickables}
                for element in btruth.clickables:
                    if element.name not in scaled_rects or not base_cands:
                        continue
                    anchor = _anchor(base_cands, element.rect)
                    if anchor is None:
                        continue
                    tries += 1
                    got = reground(anchor.target(), sframe, settings, proposals=scaled_cands)
                    if got and scaled_rects[element.name].contains(
                        got.box.center.x, got.box.center.y
                    ):
                        hits += 1
        rate = hits / tries if tries else 0.0
        print(f"scale {scale:>4}: {hits}/{tries} found = {rate:.3f}")


def bench_absent(seeds, settings) -> None:
    """Targets re-grounded on frames of other screens where their element does not exist."""
    found = tries = 0
    for seed in seeds:
        shots = tour(seed, SIZES[0])
        cands = [candidates(f, settings) for f, _ in shots]
        for (_, truth), mine in zip(shots, cands, strict=True):
            for element in truth.clickables:
                anchor = _anchor(mine, element.rect)
                if anchor is None:
                    continue
                for (frame, other), theirs in zip(shots, cands, strict=True):
                    if other.screen == truth.screen:
                        continue
                    if any(c.name == element.name for c in other.clickables):
                        continue
                    tries += 1
                    found += (
                        reground(anchor.target(), frame, settings, proposals=theirs) is not None
                    )
    rate = found / tries if tries else 0.0
    print(f"absent targets wrongly found: {found}/{tries} = {rate:.3f}")


def _anchor(cands, rect):
    """The candidate a player would have clicked for this element (best overlap, centre inside)."""
    inside = [c for c in cands if rect.contains(c.box.center.x, c.box.center.y)]
    return max(inside, key=lambda c: c.box.iou(rect), default=None)


def bench_timing(seeds, settings, ocr: bool) -> None:
    print("\n== timing on 1280x720 frames")
    frames = [f for seed in seeds for f, _ in tour(seed, (1280, 720))]
    for f in frames[:3]:
        candidates(f, settings)
    times = []
    for f in frames:
        start = time.perf_counter()
        candidates(f, settings)
        signature(f)
        times.append(time.perf_counter() - start)
    cpu = []
    for f in frames:
        start = time.process_time()
        candidates(f, settings)
        signature(f)
        cpu.append(time.process_time() - start)
    print(
        f"candidates + state: median {statistics.median(times) * 1000:.1f} ms wall, "
        f"{statistics.median(cpu) * 1000:.1f} ms cpu, p90 "
        f"{sorted(times)[int(0.9 * len(times))] * 1000:.1f} ms over {len(frames)} frames"
    )
    if not ocr:
        return
    from agent.perception.text import TextReader

    shots = tour(seeds[0], (1280, 720))
    regions = [(f, c.rect) for f, t in shots for c in t.clickables]
    lines = [(f, r) for f, r in regions if r.w >= 2 * r.h][:20]  # buttons: one line of text
    blocks = [(f, r) for f, r in regions if r.w < 2 * r.h][:10]  # cards: several lines
    reader = TextReader()
    reader.read(*lines[0])  # loads the models
    for label, group in (("one-line region", lines), ("multi-line region", blocks)):
        if not group:
            continue
        fresh = TextReader()
        fresh._engine = reader._engine  # same loaded models, empty cache
        start = time.perf_counter()
        texts = [fresh.read(f, r) for f, r in group]
        cold = (time.perf_counter() - start) / len(group)
        start = time.perf_counter()
        for f, r in group:
            fresh.read(f, r)
        warm = (time.perf_counter() - start) / len(group)
        sample = next((t for t in texts if t), "")
        print(
            f"OCR per {label}: {cold * 1000:.1f} ms uncached, {warm * 1000:.2f} ms cached "
            f"({len(group)} regions, e.g. {sample!r})"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description="perception benchmark on the built-in game")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-ocr", action="store_true")
    parser.add_argument("--only", choices=["candidates", "states", "reground", "timing"])
    args = parser.parse_args()
    settings = PerceptionSettings()
    parts = {
        "candidates": lambda: bench_candidates(args.seeds, settings),
        "states": lambda: bench_states(args.seeds, settings),
        "reground": lambda: (
            bench_reground(args.seeds, settings),
            bench_absent(args.seeds, settings),
        ),
        "timing": lambda: bench_timing(args.seeds, settings, not args.no_ocr),
    }
    for name, run in parts.items():
        if args.only in (None, name):
            run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
