"""Credit: once the progress signal is seen to move, progress -- not novelty -- is what counts."""

from __future__ import annotations

import numpy as np

from agent.brains.base import Evidence, Judgement
from agent.cycle.evolve import Evolver
from agent.cycle.judge import OfflineJudge
from agent.cycle.strategy import Recipe
from agent.types import Click, Frame, Rect
from skills.graph import SkillGraph
from skills.model import Skill, SkillStep

FRAME = Frame(np.zeros((90, 160, 3), np.uint8), 0, 0.0, Rect(0, 0, 160, 90))
RECIPE = Recipe(name="explore")


def _evidence(progress_moves: bool, before: float = 1.0, after: float = 1.0) -> Evidence:
    return Evidence(
        FRAME, FRAME, Click(5, 5), True, 0.2, "a", "b", 1,
        progress_before=before, progress_after=after, progress_moves=progress_moves,
    )  # fmt: skip


def test_a_new_screen_is_progress_only_until_the_progress_signal_is_seen_to_rise():
    judge = OfflineJudge()
    early, later = judge.judge(_evidence(False), RECIPE), judge.judge(_evidence(True), RECIPE)
    assert early.progressive and not later.progressive
    assert later.reward < early.reward
    rise = judge.judge(_evidence(True, 1.0, 2.0), RECIPE)
    assert rise.progressive and rise.reward == 1.0


def test_a_setback_takes_back_the_credit_of_the_runs_that_led_to_it(tmp_path):
    won = Judgement(acted=True, consistent=True, progressive=True, reward=0.8)
    with SkillGraph.open(tmp_path / "lib.sqlite") as graph:
        sid, nxt = graph.state("s-1", (0.0,)).id, graph.state("s-2", (1.0,)).id
        skills = [
            graph.add_skill(
                Skill.create([SkillStep(kind="click", text=name)], scope="t", name=name),
                available_in=[sid],
            )
            for name in ("kept", "lost")
        ]
        evolver = Evolver(graph, horizon=4)
        evolver.record(skills[0], sid, "s-1", won, nxt, 0.0)
        for _ in range(5):  # its credit horizon passes: written as progressive
            evolver.tick(False)
        evolver.record(skills[1], sid, "s-1", won, nxt, 0.0)
        evolver.tick(False)
        evolver.setback()  # within its horizon: it led to the setback
        evolver.flush()
        totals = {k.name: k.totals for k in graph.store.snapshot().skills}
    assert totals["kept"].progressive.successes == 1
    assert totals["lost"].progressive.successes == 0 and totals["lost"].runs == 1


def test_only_a_skill_that_mostly_does_nothing_is_suspended(tmp_path):
    # A card played without the energy for it acts but not as before: it stays on offer (its
    # value ranks it); a dead button is suspended.
    with SkillGraph.open(tmp_path / "lib.sqlite") as graph:
        sid = graph.state("s-1", (0.0,)).id
        skills = {
            name: graph.add_skill(
                Skill.create([SkillStep(kind="click", text=name)], scope="t", name=name),
                available_in=[sid],
            )
            for name in ("uneven", "dead")
        }
        evolver = Evolver(graph, min_runs=4, below=0.4, horizon=0)
        for _ in range(8):
            uneven = Judgement(acted=True, consistent=False, progressive=False, reward=0.1)
            evolver.record(graph.get(skills["uneven"].id), sid, "s-1", uneven, sid, 0.0)
            dead = Judgement(acted=False, consistent=False, progressive=False, reward=0.0)
            evolver.record(graph.get(skills["dead"].id), sid, "s-1", dead, sid, 0.0)
        evolver.flush()
        assert {k.name for k in graph.available(sid)} == {"uneven"}
