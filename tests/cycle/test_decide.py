"""Softmax-UCB on posterior means: better arms win more, unrun arms get tried, temperature cools."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import numpy as np

from agent.brains.base import Situation, SkillView
from agent.brains.local import OfflineProposer
from agent.cycle.decide import Arm, softmax_ucb, temperature
from agent.cycle.strategy import Recipe
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect


def test_temperature_cools_with_visits_to_a_floor():
    assert temperature(0) == 1.0
    assert temperature(10) < 0.5
    assert temperature(1000) == 0.1


def test_the_better_arm_is_chosen_most_once_both_are_known():
    rng = random.Random(0)
    arms = [Arm("good", 0.9, 40), Arm("poor", 0.2, 40)]
    picks = Counter(softmax_ucb(arms, 80, 0.5, rng).label for _ in range(500))
    assert picks["good"] > 450


def test_an_unrun_arm_is_tried_despite_a_lower_mean():
    rng = random.Random(1)
    arms = [Arm("known", 0.7, 200), Arm("new", 0.5, 0)]
    picks = Counter(softmax_ucb(arms, 200, 0.5, rng).label for _ in range(200))
    assert picks["new"] > 150


def test_a_correction_is_what_the_explore_arm_clicks_not_a_step_taken_first():
    # the offline reflection's corrected action is an untried element: whether to explore at
    # all is the bandit's (taken first, dead elements were clicked one after another)
    frame = Frame(np.zeros((100, 200, 3), np.uint8), 0, 0.0, Rect(0, 0, 200, 100))
    cands = tuple(Candidate(Rect(10 + 60 * i, 10, 40, 40), (), "", 0.5) for i in range(3))
    hint = Click(150, 30, target=cands[2].target())
    skill = SkillView("sk", "a skill", 1, 0.6, 10)
    s = Situation(frame, "st", cands, (0, 1, 2), (), (skill,), (), (), 40, 0.5, 10, hint)
    proposer, recipe = OfflineProposer(0), Recipe(name="offline")
    picks = [proposer.propose(s, recipe) for _ in range(300)]
    chosen = Counter(
        "skill" if p.skill_id else "hint" if p.action == hint else "other" for p in picks
    )
    assert chosen["skill"] > 0 and chosen["hint"] > 0 and chosen["other"] == 0, chosen
    alone = [proposer.propose(replace(s, skills=()), recipe) for _ in range(20)]
    assert all(p.action == hint for p in alone), "exploring: the correction is the pick"
