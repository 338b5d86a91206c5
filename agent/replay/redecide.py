"""Re-decide: run a brain over a recording's frames and compare its actions with the recorded ones.

The policy decides on each recorded "before" frame; the ReplayGame answers with the recorded
"after" frame, and the policy observes the *recorded* step (teacher forcing): whatever it
decided, it learns from what really happened, so one early disagreement does not derail every
later decision. Policies come from a factory given the Replay (its seed, policy name, cassette),
so the random baseline, the offline brain and a VLM brain answering from a cassette plug in alike.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.errors import BottomupError
from agent.loop import Policy
from agent.replay.agreement import Agreement, BoxesOf, candidate_boxes
from agent.replay.game import ReplayGame, loop_step
from agent.replay.policies import PolicyFactory
from agent.replay.reader import RecordedStep, Replay
from agent.types import Action, describe_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepComparison:
    """One re-decided step: what was recorded, what the policy chose now, and the verdict."""

    index: int
    recorded: str
    decided: str
    agrees: bool
    reason: str


@dataclass(frozen=True)
class RedecideReport:
    """Per-step agreement of a policy with a recording, and the overall rate."""

    recording: str
    policy: str
    steps: int
    agreed: int
    seconds: float
    comparisons: tuple[StepComparison, ...]
    errors: tuple[str, ...] = ()

    @property
    def rate(self) -> float:
        return self.agreed / self.steps if self.steps else 0.0

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0

    @property
    def first_disagreement(self) -> int | None:
        return next((c.index for c in self.comparisons if not c.agrees), None)


def redecide(
    replay: Replay,
    factory: PolicyFactory,
    *,
    max_steps: int | None = None,
    boxes_of: BoxesOf = candidate_boxes,
    on_step: Callable[[StepComparison], None] | None = None,
) -> RedecideReport:
    """Re-decide every usable step of `replay` with a fresh policy from `factory`.

    A policy error on one step (a BottomupError, e.g. a cassette miss or a bad model reply) is
    recorded as a disagreement and the replay goes on.
    """
    policy = factory(replay)
    steps = replay.steps[:max_steps] if max_steps is not None else replay.steps
    game = ReplayGame(replay, steps, boxes_of=boxes_of, ahead=getattr(policy, "ahead", None))
    errors: list[str] = []
    started = time.perf_counter()
    try:
        comparisons = _compare(game, policy, steps, errors, on_step)
        seconds = time.perf_counter() - started
    finally:
        getattr(policy, "close", lambda: None)()  # the learner's private library copy goes too
    name = getattr(policy, "name", type(policy).__name__)
    report = RedecideReport(
        recording=str(replay.path),
        policy=str(name),
        steps=len(comparisons),
        agreed=sum(c.agrees for c in comparisons),
        seconds=seconds,
        comparisons=tuple(comparisons),
        errors=tuple(errors),
    )
    log.info("re-decided %s: %d/%d agree", replay.name, report.agreed, report.steps)
    return report


def _compare(
    game: ReplayGame,
    policy: Policy,
    steps: Sequence[RecordedStep],
    errors: list[str],
    on_step: Callable[[StepComparison], None] | None,
) -> list[StepComparison]:
    """Each step: the policy decides on the recorded frame, the verdict is noted, and the policy
    observes the recorded step; a policy error is appended to `errors`."""
    comparisons: list[StepComparison] = []
    frame = game.reset() if steps else None
    for recorded in steps:
        if frame is None:
            break
        decided: Action | None = None
        try:
            decided = policy.decide(frame)
        except BottomupError as exc:
            errors.append(f"step {recorded.index}: {type(exc).__name__}: {exc}")
        outcome = game.step(decided if decided is not None else recorded.action)
        verdict = game.agreements[-1] if decided is not None else Agreement(False, "error")
        comparison = StepComparison(
            recorded.index,
            describe_action(recorded.action),
            describe_action(decided) if decided is not None else "-",
            verdict.agrees,
            verdict.reason,
        )
        comparisons.append(comparison)
        if on_step:
            on_step(comparison)
        policy.observe(loop_step(recorded.index, frame, recorded.action, outcome))
        frame = game.next_frame()
    return comparisons
