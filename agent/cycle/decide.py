"""Decide: softmax over UCB scores of posterior-mean rewards (Bottom-Up Agent, made fair).

    score_i = mean_i + c * sqrt(ln(N + 1) / (n_i + 1))
    p_i     = softmax(score_i / T),  T = max(0.1, exp(-0.1 N))
mean_i is a posterior mean in 0..1 (not a cumulative count, which favours whatever ran most),
n_i the arm's runs, N the visits of the state. The Explore arm is one more arm.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Arm:
    """One choice: a label (a skill id or "explore"), its posterior mean and its run count."""

    label: str
    mean: float
    runs: int


def temperature(visits: int) -> float:
    return max(0.1, math.exp(-0.1 * visits))


def ucb_scores(arms: Sequence[Arm], visits: int, c: float) -> list[float]:
    log_n = math.log(visits + 1)
    return [a.mean + c * math.sqrt(log_n / (a.runs + 1)) for a in arms]


def softmax_ucb(arms: Sequence[Arm], visits: int, c: float, rng: random.Random) -> Arm:
    """Draw one arm (arms must not be empty)."""
    scores = ucb_scores(arms, visits, c)
    t = temperature(visits)
    top = max(scores)
    weights = [math.exp((s - top) / t) for s in scores]
    return rng.choices(list(arms), weights=weights, k=1)[0]
