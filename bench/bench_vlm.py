"""Benchmark of the VLM brain against the SIMULATED VLM (tests/fakes/sim_vlm.py answering from
spire's ground truth through tests/fakes/oracle.py). No real model is involved; prints figures.

(a) caching: the learning agent with the VLM tier plays headless spire for --steps steps with
    strategy caching on (the StrategyBook picks the cheapest good recipe per state; the VLM
    proposer reuses the model's choices per context) and off (every decision asks the model),
    for each of --seeds. Model
    calls per step in each third, highest floor, floors climbed (spire's 9 floors are often all
    reached, so the climb counts runs too); checks last/first third <= 0.2 on every seed with
    progress no worse than caching off (highest floor at least as high, floors climbed at least
    90% as many: runs differ by a defeat or two at the same policy).
(b) reflection: the same agent with reflection on and off, against a simulated model that misreads
    some screens (the same mistake each time): how often the action that just did nothing is
    repeated on the same screen; checks that reflection at least halves it.
(c) robustness: --fuzz malformed replies (broken JSON, wrong types, marks out of range, points
    outside the window, huge strings) through all four roles, then an endpoint that hangs, returns
    500 or drops the connection: no crash, every attempt recorded, budget kept, offline answers.

    python bench/bench_vlm.py [--steps 1500] [--seeds 1 2 3] [--jobs 6] [--fuzz 10000] [--only a|b|c]
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import games  # noqa: E402
from agent.brains.base import Evidence, Judgement, Naming, Situation, Trial  # noqa: E402
from agent.brains.budget import Budget, BudgetLimits  # noqa: E402
from agent.brains.local import offline_brain  # noqa: E402
from agent.brains.model import ModelCall, ModelClient, ModelSettings  # noqa: E402
from agent.brains.transport import ChatReply, ChatRequest  # noqa: E402
from agent.brains.vlm import build_vlm_brain, tier_of  # noqa: E402
from agent.cycle.strategy import VLM_RECIPES, Choice, Recipe  # noqa: E402
from agent.learner import Learner, LearnerSettings  # noqa: E402
from agent.loop import run_episode  # noqa: E402
from agent.perception.objects import candidates  # noqa: E402
from agent.types import Click  # noqa: E402
from skills.graph import SkillGraph  # noqa: E402
from skills.model import Strategy  # noqa: E402
from tests.fakes.oracle import SpireOracle  # noqa: E402
from tests.fakes.sim_vlm import SimulatedVLM  # noqa: E402

SIZE = (640, 360)


@dataclass
class Run:
    calls_per_step: list[int]
    floors: list[int]
    actions: list[tuple[bool, tuple[int, int], bytes]]
    failures: int
    seconds: float
    memo: str = ""

    def thirds(self) -> list[float]:
        k = max(1, len(self.calls_per_step) // 3)
        return [sum(self.calls_per_step[i * k : (i + 1) * k]) / k for i in range(3)]

    def climbed(self) -> int:
        return sum(max(0, b - a) for a, b in zip(self.floors, self.floors[1:], strict=False))


def fixed_recipe(learner: Learner, recipe: Recipe) -> None:
    """Caching off: every step uses `recipe`, no strategy is cached or chosen."""
    choice = Choice(Strategy.create("fixed", recipe.to_data()), recipe)
    learner.book.choose = lambda cluster, has_skills: choice  # type: ignore[method-assign]
    learner.book.consolidate = lambda *args: None  # type: ignore[method-assign]


def play(steps: int, *, cache: bool, recipe: Recipe | None, seed: int = 1, mistakes: float = 0.0):
    game = games.make("spire", seed=seed, size=SIZE)
    calls: list[ModelCall] = []
    per_step, floors, actions = [], [], []
    with (
        tempfile.TemporaryDirectory() as tmp,
        SimulatedVLM(answer=SpireOracle(game, mistake_rate=mistakes)) as sim,
    ):
        model = ModelSettings(base_url=sim.base_url, model="sim", timeout_s=5, retry_backoff_s=0)
        vlm = build_vlm_brain(
            model, Budget(), offline_brain(seed), on_call=calls.append, cache=cache
        )
        learner = Learner(
            SkillGraph.open(Path(tmp) / "lib.sqlite"),
            LearnerSettings(scope="spire", seed=seed),
            {"vlm": vlm},
        )
        if recipe is not None:
            fixed_recipe(learner, recipe)
        t0, seen = time.monotonic(), 0
        for step in run_episode(game, learner, max_steps=steps):
            per_step.append(len(calls) - seen)
            seen = len(calls)
            floors.append(game.probe().floor)
            a = step.action
            actions.append(
                (
                    step.acted,
                    (getattr(a, "x", -1), getattr(a, "y", -1)),
                    step.before.image[::8, ::8].tobytes(),
                )
            )
        learner.close()
        memo = vlm.proposer.memo
        asked = ", ".join(f"{why} {n}" for why, n in memo.why.most_common())
        return Run(
            per_step,
            floors,
            actions,
            len(tier_of(vlm).failures),
            time.monotonic() - t0,
            f"memo answered {memo.hits}; model asked: {asked}" if cache else "",
        )


def bench_caching(steps: int, seeds: list[int], jobs: int = 1) -> bool:
    with ProcessPoolExecutor(jobs) as pool:  # each seed with caching on and off
        on = {s: pool.submit(play, steps, cache=True, recipe=None, seed=s) for s in seeds}
        off = {
            s: pool.submit(play, steps, cache=False, recipe=VLM_RECIPES[0], seed=s) for s in seeds
        }
        met = True
        for seed in seeds:
            met = caching_on_seed(steps, seed, on[seed].result(), off[seed].result()) and met
    return met


def caching_on_seed(steps: int, seed: int, on: Run, off: Run) -> bool:
    print(f"(a) strategy caching, {steps} steps of spire (seed {seed}) against the simulated VLM")
    for name, run in (("caching on ", on), ("caching off", off)):
        thirds = ", ".join(f"{t:.3f}" for t in run.thirds())
        print(
            f"  {name}: model calls/step by third [{thirds}]  max floor {max(run.floors)}"
            f"  floors climbed {run.climbed()}  ({run.seconds:.0f} s)"
        )
    print(f"  {on.memo}")
    first, _, last = on.thirds()
    ratio = last / first if first else float("inf")
    ok_ratio = ratio <= 0.2
    ok_progress = max(on.floors) >= max(off.floors) and on.climbed() >= 0.9 * off.climbed()
    print(
        f"  seed {seed}: last/first third with caching {ratio:.3f} (<= 0.2:"
        f" {'yes' if ok_ratio else 'NO'}); highest floor {max(on.floors)} vs {max(off.floors)},"
        f" floors climbed {on.climbed()} vs {off.climbed()} without caching"
        f" (no worse: {'yes' if ok_progress else 'NO'})"
    )
    return ok_ratio and ok_progress


def repeat_rate(run: Run) -> tuple[float, int]:
    """Share of steps right after a step that did nothing that repeat it on the same screen."""
    failed = repeats = 0
    for prev, cur in zip(run.actions, run.actions[1:], strict=False):
        if prev[0] or prev[2] != cur[2]:
            continue  # the previous step acted, or the screen is not the same
        failed += 1
        repeats += prev[1] == cur[1]
    return (repeats / failed if failed else 0.0), failed


def bench_reflection(steps: int) -> bool:
    print(f"(b) reflection on vs off, {steps} steps, the simulated model misreads 25% of screens")
    with_r = Recipe(name="vlm-propose+reflect", propose="vlm", reflect=True, reflect_with="vlm")
    runs = {
        "on ": play(steps, cache=False, recipe=with_r, mistakes=0.25),
        "off": play(steps, cache=False, recipe=VLM_RECIPES[0], mistakes=0.25),
    }
    rates = {}
    for name, run in runs.items():
        rate, failed = repeat_rate(run)
        rates[name] = rate
        print(
            f"  reflection {name}: repeats the failed action on the same screen {rate:.1%}"
            f" of {failed} times  max floor {max(run.floors)}"
        )
    ok = rates["on "] <= rates["off"] / 2
    print(f"  falls by at least half: {'yes' if ok else 'NO'}")
    return ok


class FuzzTransport:
    """A Transport whose model only ever sends malformed replies (in-process, no HTTP)."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.sent = 0

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        self.sent += 1
        return ChatReply(self.reply(request.prompt_id), 100, 20)

    def reply(self, prompt_id: str) -> str:
        r = self.rng
        kind = r.randrange(6)
        if kind == 0:  # broken JSON
            good = json.dumps({"action": "click", "mark": 1, "statement": "x", "name": "n"})
            return good[: r.randrange(1, len(good) - 1)] + r.choice(["", "}}", "]", "\x00"])
        if kind == 1:  # wrong types
            return json.dumps(
                {
                    "action": r.choice([3, None, [1], True]),
                    "mark": "one",
                    "acted": "yes",
                    "consistent": 1.5,
                    "progressive": None,
                    "name": 42,
                    "statement": {"a": 1},
                    "reasoning": [],
                }
            )
        if kind == 2:  # marks out of range
            return json.dumps(
                {
                    "action": "click",
                    "mark": r.choice([-1, 0, 41, 9999, 10**9]),
                    "statement": "s",
                    "reasoning": "[step 1]",
                    "corrected_mark": 777,
                }
            )
        if kind == 3:  # points outside the window
            x, y = r.choice([(-5, 10), (10_000, 5), (5, 99_999), (10**8, -(10**8))])
            return json.dumps(
                {
                    "action": "click",
                    "x": x,
                    "y": y,
                    "statement": "s",
                    "reasoning": "r",
                    "corrected_x": x,
                    "corrected_y": y,
                }
            )
        if kind == 4:  # huge strings
            big = "A" * r.choice([70_000, 300_000])
            return json.dumps({"action": "click", "mark": 1, "reason": big, "name": big})
        return r.choice(["", "null", "[]", "I think you should click the red button.", "{}"])


def bench_robustness(fuzz: int) -> bool:
    print(f"(c) robustness: {fuzz} malformed replies through all four roles, then endpoint faults")
    game = games.make("spire", seed=3, size=SIZE)
    frame = game.reset()
    cands = tuple(candidates(frame))
    after = game.step(Click(320, 217)).frame
    situation = Situation(frame, "s", cands, (), (), (), (), ("[step 1] click -> no change",), 1)
    judgement = Judgement(acted=False, consistent=False, progressive=False, reward=0.0)
    trial = Trial(
        frame,
        "s",
        Click(5, 5),
        judgement,
        "cell 0,0 small",
        "the top",
        ("[step 1] click the top -> no change",),
        cands,
        (),
    )
    evidence = Evidence(frame, after, Click(320, 217), True, 0.3, "s", "t", 1)
    naming = Naming(
        frame, (Click(320, 217, target=cands[0].target()),), (cands[0].target(),), after
    )
    recipe = Recipe(name="all-vlm", propose="vlm", judge="vlm", name_with="vlm", reflect_with="vlm")
    model = ModelSettings(
        base_url="http://127.0.0.1:9/v1", model="fuzz", max_retries=1, retry_backoff_s=0
    )
    limit = fuzz
    budget = Budget(BudgetLimits(max_calls=limit))
    transport = FuzzTransport()
    recorded: list[ModelCall] = []
    client = ModelClient(
        model, budget, transport=transport, on_call=recorded.append, sleep=lambda s: None
    )
    brain = build_vlm_brain(model, budget, offline_brain(0), client=client, cache=False)
    roles: list[Callable[[], object]] = [
        lambda: brain.proposer.propose(situation, recipe),
        lambda: brain.judge.judge(evidence, recipe),
        lambda: brain.namer.name(naming, recipe),
        lambda: brain.reflector.reflect(trial, recipe),
    ]
    t0, answered, crashes, i, after_limit = time.monotonic(), 0, 0, 0, 0
    while after_limit < 100:  # then 100 more role calls, to see the spent budget hold
        try:
            answered += roles[i % 4]() is not None
        except Exception as exc:  # a crash is what this bench looks for
            crashes += 1
            print(f"  CRASH: {type(exc).__name__}: {exc}")
        i += 1
        after_limit += transport.sent >= limit
    accepted = sum(c.ok for c in recorded)
    tier = tier_of(brain)
    print(
        f"  {transport.sent} malformed replies in {time.monotonic() - t0:.1f} s, {i} role calls,"
        f" {crashes} crashes, {accepted} accepted, {len(recorded)} attempts recorded,"
        f" budget {budget.usage().calls}/{limit} calls, offline answered {len(tier.failures)}"
    )
    ok = (
        crashes == 0
        and accepted == 0
        and len(recorded) == transport.sent
        and budget.usage().calls <= limit
        and answered == i
        and transport.sent == limit
    )
    ok = ok and bench_endpoint_faults(situation)
    print(f"  robust: {'yes' if ok else 'NO'}")
    return ok


def bench_endpoint_faults(situation: Situation) -> bool:
    ok = True
    recipe = Recipe(name="vlm-propose", propose="vlm")
    for fault in ("hang", "http_500", "close_mid_response", "rate_limit", "bad_body"):
        recorded: list[ModelCall] = []
        with SimulatedVLM(faults=(fault,), error_rate=1.0, hang_s=3) as sim:
            model = ModelSettings(
                base_url=sim.base_url, model="sim", timeout_s=0.3, max_retries=1, retry_backoff_s=0
            )
            budget = Budget(BudgetLimits(max_calls=12))
            brain = build_vlm_brain(
                model, budget, offline_brain(0), on_call=recorded.append, cache=False
            )
            t0 = time.monotonic()
            proposals = [brain.proposer.propose(situation, recipe) for _ in range(8)]
            requests = len(sim.requests)
        offline = sum(p.reason.startswith("offline") and p.action is not None for p in proposals)
        good = (
            offline == 8
            and len(recorded) == requests == budget.usage().calls == 12
            and not any(c.ok for c in recorded)
        )
        ok = ok and good
        print(
            f"  endpoint {fault:18s}: {requests} requests, {len(recorded)} recorded, offline"
            f" answered {offline}/8, budget {budget.usage().calls}/12,"
            f" {time.monotonic() - t0:.1f} s {'ok' if good else 'FAILED'}"
        )
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--fuzz", type=int, default=10_000)
    parser.add_argument("--only", choices=["a", "b", "c"])
    parser.add_argument(
        "--seeds", type=int, nargs="+", default=[1, 2, 3], help="game and agent seeds for (a)"
    )
    parser.add_argument("--jobs", type=int, default=1, help="(a): runs in parallel")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # fallbacks are counted below, not logged one by one
    results = {}
    if args.only in (None, "a"):
        results["caching"] = bench_caching(args.steps, args.seeds, args.jobs)
    if args.only in (None, "b"):
        results["reflection"] = bench_reflection(max(150, args.steps // 3))
    if args.only in (None, "c"):
        results["robustness"] = bench_robustness(args.fuzz)
    print("summary: " + ", ".join(f"{k} {'met' if v else 'NOT met'}" for k, v in results.items()))


if __name__ == "__main__":
    main()
