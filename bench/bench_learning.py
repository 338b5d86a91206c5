"""Learning benchmark on the built-in game: the offline learner against the random-click baseline.

    python bench/bench_learning.py                      # 5 seeds x 1,500 steps (the issue's run)
    python bench/bench_learning.py --seeds 2 --steps 300 --jobs 2

For each seed, headless: the learner on a fresh SQLite library and the random baseline. Prints the
floors reached (max over the run, from the game's probe: benchmarks may read ground truth), whether
the first combat was won, the responsive rate (actions that changed the screen) after step 300,
and steps/s. Then transfer: the seeds' libraries are merged into one prior library; on a new seed
a run from that prior and a fresh run are compared by the steps each needs to reach the seeds'
mean final floor. Transfer runs go on past --steps (to --transfer-steps, twice --steps by default)
so a fresh run that is slow still gives a figure, and stop at that floor; there are several new
seeds (--new-seeds), each with its ratio prior / fresh. Writes bench/out/learning_curve.png
(floor vs steps: offline, random, new seeds with and without a prior library) and
bench/out/learning.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
CURVE_EVERY = 10


def play(kind: str, seed: int, steps: int, library: str | None, until: int = 0) -> dict:
    """One headless run of at most `steps`, ending early once floor `until` is reached (0: never);
    returns its figures (curve = max floor so far every CURVE_EVERY steps)."""
    import games
    from agent.loop import run_episode
    from agent.session import progress_signal

    game = games.make("spire", seed=seed, size=(1280, 720))
    if kind == "random":
        from agent.brains.random import RandomClicker

        policy = RandomClicker(seed)
    else:
        from agent.learner import Learner, LearnerSettings
        from skills.graph import SkillGraph

        settings = LearnerSettings(
            scope="spire", agent_id=f"{kind}-{seed}", seed=seed, progress=progress_signal("spire")
        )
        policy = Learner(SkillGraph.open(library), settings)
    best, won_at, acted_late, curve, played = 0, None, 0, [], 0
    start = time.perf_counter()
    for step in run_episode(game, policy, max_steps=steps):
        played += 1
        truth = game.probe()
        best = max(best, truth.floor)
        if won_at is None and (truth.screen == "reward" or truth.floor >= 2):
            won_at = step.index
        if step.index >= 300:
            acted_late += step.acted
        if (step.index + 1) % CURVE_EVERY == 0:
            curve.append(best)
        if until and best >= until:
            curve.append(best)
            break
    elapsed = time.perf_counter() - start
    extra = {}
    if kind != "random":
        extra = policy.stats()
        policy.close()
    game.close()
    return {
        "kind": kind,
        "seed": seed,
        "steps": played,
        "floor": best,
        "first_combat_won_at": won_at,
        "responsive_after_300": acted_late / (played - 300) if played > 300 else None,
        "steps_per_s": played / elapsed,
        "curve": curve,
        **extra,
    }


def steps_to(run: dict, floor: float) -> int | None:
    """The steps `run` took to reach `floor` (to the next CURVE_EVERY), or None."""
    for i, f in enumerate(run["curve"]):
        if f >= floor:
            return min((i + 1) * CURVE_EVERY, run["steps"])
    return None


def merge_libraries(paths: list[str], into: str) -> None:
    from skills.graph import SkillGraph
    from skills.merge import merge

    snap = None
    for p in paths:
        with SkillGraph.open(p) as g:
            other = g.store.snapshot()
        snap = other if snap is None else merge(snap, other)[0]
    with SkillGraph.open(into) as g:
        g.store.absorb(snap)


def plot(curves: dict[str, list[float]], path: Path) -> None:
    """Floor vs steps, drawn with OpenCV (no plotting library needed)."""
    import cv2
    import numpy as np

    w, h, m = 900, 520, 60
    img = np.full((h, w, 3), 255, np.uint8)
    longest = max(len(c) for c in curves.values()) * CURVE_EVERY
    top = max(1.0, max(max(c) for c in curves.values() if c))
    cv2.line(img, (m, h - m), (w - 20, h - m), (0, 0, 0), 1)
    cv2.line(img, (m, h - m), (m, 20), (0, 0, 0), 1)
    for k in range(int(math.ceil(top)) + 1):
        y = int(h - m - k / math.ceil(top) * (h - m - 40))
        cv2.putText(img, str(k), (m - 25, y + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
        cv2.line(img, (m, y), (w - 20, y), (225, 225, 225), 1)
    for k in range(0, longest + 1, max(CURVE_EVERY, longest // 5 // 100 * 100 or 100)):
        x = int(m + k / longest * (w - m - 40))
        cv2.putText(img, str(k), (x - 10, h - m + 20), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0))
    colours = [(200, 60, 40), (60, 60, 60), (40, 150, 40), (40, 90, 220)]
    for (name, curve), colour in zip(curves.items(), colours, strict=False):
        pts = [
            (int(m + (i + 1) * CURVE_EVERY / longest * (w - m - 40)),
             int(h - m - f / math.ceil(top) * (h - m - 40)))
            for i, f in enumerate(curve)
        ]  # fmt: skip
        cv2.polylines(img, [np.array(pts, np.int32)], False, colour, 2)
        y = 30 + 22 * list(curves).index(name)
        cv2.line(img, (m + 20, y - 5), (m + 50, y - 5), colour, 2)
        cv2.putText(img, name, (m + 58, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    cv2.putText(
        img, "floor reached (mean over seeds) vs steps, spire", (m + 300, 30),
        cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1,
    )  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img[:, :, ::-1])


def mean_curve(runs: list[dict], length: int | None = None) -> list[float]:
    """The runs' mean curve; with `length`, runs that stopped early hold their last floor."""
    n = length or min(len(r["curve"]) for r in runs)
    held = [r["curve"][:n] + r["curve"][-1:] * (n - len(r["curve"])) for r in runs]
    return [sum(c[i] for c in held) / len(held) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--new-seeds",
        type=int,
        nargs="+",
        default=[100, 101, 102],
        help="transfer: new seeds, each run fresh and with the prior library",
    )
    ap.add_argument(
        "--transfer-steps",
        type=int,
        help="transfer: most steps of a run on a new seed (default: twice --steps)",
    )
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-learning-"))
    seeds = list(range(1, args.seeds + 1))
    libs = {s: str(work / f"lib-{s}.sqlite") for s in seeds}
    with ProcessPoolExecutor(args.jobs) as pool:
        jobs = [pool.submit(play, "offline", s, args.steps, libs[s]) for s in seeds]
        jobs += [pool.submit(play, "random", s, args.steps, None) for s in seeds]
        runs = []
        for job in jobs:  # each run as it finishes: a long benchmark shows its figures early
            runs.append(job.result())
            r = runs[-1]
            print(
                f"  {r['kind']} seed {r['seed']}: floor {r['floor']}, first combat won at "
                f"{r['first_combat_won_at']}, responsive after 300 {r['responsive_after_300']}",
                flush=True,
            )
        offline = [r for r in runs if r["kind"] == "offline"]
        random_ = [r for r in runs if r["kind"] == "random"]
        priors = {seed: str(work / f"prior-{seed}.sqlite") for seed in args.new_seeds}
        for prior in priors.values():  # a copy per run: runs in parallel do not share learning
            merge_libraries(list(libs.values()), prior)
        target = max(1, math.ceil(sum(r["floor"] for r in offline) / len(offline)))
        longest = args.transfer_steps or 2 * args.steps
        transfer_jobs = [
            pool.submit(play, kind, seed, longest, library, target)
            for seed in args.new_seeds
            for kind, library in (
                ("fresh", str(work / f"fresh-{seed}.sqlite")),
                ("prior", priors[seed]),
            )
        ]
        transfer = [job.result() for job in transfer_jobs]

    transfer_figures = []
    for seed in args.new_seeds:
        fresh, prior = (
            steps_to(next(t for t in transfer if t["kind"] == k and t["seed"] == seed), target)
            for k in ("fresh", "prior")
        )
        # never reached: more than the limit, so a ratio is only bounded
        ratio = (prior or longest) / (fresh or longest) if prior or fresh else None
        halved = prior is not None and 2 * prior <= (fresh or longest)
        transfer_figures.append(
            {"seed": seed, "fresh": fresh, "prior": prior, "ratio": ratio, "halved": halved}
        )

    def mean(key, rs):
        vals = [r[key] for r in rs if r[key] is not None]
        return sum(vals) / len(vals) if vals else None

    print(f"spire, {len(seeds)} seeds x {args.steps} steps (headless)")
    print(f"{'seed':>4} {'offline':>8} {'random':>7} {'won@off':>8} {'won@rnd':>8} {'resp300':>8}")
    for o, r in zip(offline, random_, strict=True):
        resp = o["responsive_after_300"]
        print(
            f"{o['seed']:>4} {o['floor']:>8} {r['floor']:>7} {str(o['first_combat_won_at']):>8}"
            f" {str(r['first_combat_won_at']):>8} {'-' if resp is None else f'{resp:.1%}':>8}"
        )
    figures = {
        "seeds": seeds,
        "steps": args.steps,
        "offline_mean_floor": mean("floor", offline),
        "random_mean_floor": mean("floor", random_),
        "first_combat_won_every_seed": all(o["first_combat_won_at"] is not None for o in offline),
        "offline_responsive_after_300": mean("responsive_after_300", offline),
        "random_responsive_after_300": mean("responsive_after_300", random_),
        "offline_steps_per_s": mean("steps_per_s", offline),
        "random_steps_per_s": mean("steps_per_s", random_),
        "transfer_target_floor": target,
        "transfer_steps_limit": longest,
        "transfer": transfer_figures,
        "runs": runs + transfer,
    }
    ratio = (
        figures["offline_mean_floor"] / figures["random_mean_floor"]
        if figures["random_mean_floor"]
        else float("inf")
    )
    print(
        f"mean floor: offline {figures['offline_mean_floor']:.2f}, random "
        f"{figures['random_mean_floor']:.2f} (x{ratio:.2f}); first combat won in every seed: "
        f"{figures['first_combat_won_every_seed']}"
    )
    print(
        f"responsive after step 300: offline {figures['offline_responsive_after_300'] or 0:.1%},"
        f" random {figures['random_responsive_after_300'] or 0:.1%}; steps/s offline "
        f"{figures['offline_steps_per_s']:.1f}, random {figures['random_steps_per_s']:.1f}"
    )
    print(f"transfer to floor {target} (the seeds' mean final floor), at most {longest} steps:")
    for t in transfer_figures:
        bound = "" if t["fresh"] and t["prior"] else ("<" if t["prior"] else ">")
        ratio = "-" if t["ratio"] is None else f"{bound}{t['ratio']:.2f}"
        print(f"  seed {t['seed']}: with prior library {t['prior'] or 'never'} steps, fresh "
              f"{t['fresh'] or 'never'} steps, ratio {ratio}")  # fmt: skip
    halved = sum(t["halved"] for t in transfer_figures)
    print(f"  prior <= half of fresh on {halved} of {len(transfer_figures)} new seeds")
    OUT.mkdir(parents=True, exist_ok=True)
    plot(
        {
            "offline learner": mean_curve(offline),
            "random clicks": mean_curve(random_),
            "new seeds, prior library (to the target floor)": mean_curve(
                [t for t in transfer if t["kind"] == "prior"], len(offline[0]["curve"])
            ),
            "new seeds, fresh library (to the target floor)": mean_curve(
                [t for t in transfer if t["kind"] == "fresh"], len(offline[0]["curve"])
            ),
        },
        OUT / "learning_curve.png",
    )
    (OUT / "learning.json").write_text(json.dumps(figures, indent=1))
    print(f"wrote {OUT / 'learning_curve.png'} and {OUT / 'learning.json'}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
