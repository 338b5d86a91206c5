"""The perceive -> decide -> act -> learn loop, as a generator of Steps.

Recording, progress bars and the library subscribe by iterating the generator (smolagents idiom):
the loop knows nothing about them. Errors a policy causes are data on the Step; a SafetyStop (window
lost, point outside the window, fail-safe) ends the episode and propagates to the caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from agent.perception.change import diff
from agent.types import Action, Frame, Game, Step


class Policy(Protocol):
    """Anything that picks the next action from a frame and learns from the outcome."""

    def decide(self, frame: Frame) -> Action: ...

    def observe(self, step: Step) -> Step | None:
        """Learn from a step; a policy may return the step annotated (state, skill, ...)."""


def run_episode(game: Game, policy: Policy, *, max_steps: int) -> Iterator[Step]:
    """Play up to `max_steps` actions, yielding each Step as soon as its outcome is known."""
    frame = game.reset()
    for index in range(max_steps):
        action = policy.decide(frame)
        outcome = game.step(action)
        change = diff(frame.image, outcome.frame.image)
        step = Step(
            index=index,
            before=frame,
            action=action,
            after=outcome.frame,
            settle_s=outcome.settle_s,
            acted=change.acted(),
            changed_fraction=change.fraction,
            restarted=outcome.restarted,
        )
        annotated = policy.observe(step)
        yield annotated if isinstance(annotated, Step) else step
        frame = outcome.frame
