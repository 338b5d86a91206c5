"""Softmax-UCB on posterior means: better arms win more, unrun arms get tried, temperature cools."""

from __future__ import annotations

import random
from collections import Counter

from agent.cycle.decide import Arm, softmax_ucb, temperature


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
