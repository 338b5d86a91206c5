"""Re-deciding recorded frames: a seeded policy reproduces its recording; others are compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import BottomupError, ConfigError
from agent.replay.policies import policy_factory
from agent.replay.reader import Replay
from agent.replay.redecide import redecide
from agent.types import Click, Frame, Step
from tests.replay.toygame import TargetClicker


def test_the_seeded_random_baseline_reproduces_every_decision(toy_recording: Path) -> None:
    report = redecide(Replay(toy_recording), policy_factory())
    assert report.steps == 25 and report.agreed == 25 and report.rate == 1.0
    assert report.first_disagreement is None and report.policy == "random-baseline"


def test_another_policy_disagrees_and_says_where(toy_recording: Path) -> None:
    report = redecide(Replay(toy_recording), lambda _r: TargetClicker(seed=11))
    assert report.steps == 25 and report.rate < 1.0
    miss = report.comparisons[report.first_disagreement]
    assert not miss.agrees and miss.reason and miss.recorded.startswith("click")


class _Strict:
    """A policy that fails on every other frame and remembers what it observed."""

    name = "strict"

    def __init__(self) -> None:
        self.calls = 0
        self.observed: list[Step] = []

    def decide(self, frame: Frame) -> Click:
        self.calls += 1
        if self.calls % 2 == 0:
            raise BottomupError("model reply unusable")
        return Click(0, 0)

    def observe(self, step: Step) -> None:
        self.observed.append(step)


def test_policy_errors_are_data_and_the_policy_observes_what_was_recorded(
    toy_recording: Path,
) -> None:
    replay = Replay(toy_recording)
    policy = _Strict()
    report = redecide(replay, lambda _r: policy, max_steps=6)
    assert report.steps == 6 and len(report.errors) == 3
    assert "model reply unusable" in report.errors[0]
    assert [c.decided for c in report.comparisons][1] == "-"
    # Teacher forcing: the policy learns from the recorded actions, not its own choices.
    assert [s.action for s in policy.observed] == [s.action for s in replay.steps[:6]]


def test_unknown_policy_is_a_clear_error(toy_recording: Path) -> None:
    with pytest.raises(ConfigError, match="no re-decidable policy named 'nope'"):
        redecide(Replay(toy_recording), policy_factory("nope"))
