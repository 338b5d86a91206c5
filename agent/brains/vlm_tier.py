"""The state the VLM roles share: the model client, the offline brain as net, what went wrong.

`VlmTier.ask` wraps ModelClient.ask for a role: a validated reply, or -- when the model gives up
(ModelGaveUp) or the budget is spent (BudgetExhausted) -- no reply, a logged Failure, and the
attempts it took, so the role hands the step to the offline brain.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel

from agent.brains.base import Brain, Guideline
from agent.brains.budget import BudgetExhausted
from agent.brains.model import CallResult, ModelGaveUp
from agent.brains.replies import ReplyBounds
from agent.errors import ConfigError
from agent.types import Action

if TYPE_CHECKING:
    from agent.cycle.strategy import Recipe

log = logging.getLogger(__name__)

R = TypeVar("R", bound=BaseModel)

INITIAL_HISTORY = "This is the task's initial state."


class Asker(Protocol):
    """What the roles need of a model client: ModelClient and CassetteClient both fit."""

    def ask(
        self,
        prompt_id: str,
        variables: dict[str, str],
        image_png: bytes | None,
        reply_model: type[R],
        *,
        bounds: ReplyBounds | None = None,
        temperature: float | None = None,
    ) -> CallResult[R]: ...


@dataclass(frozen=True)
class Failure:
    """A role the model could not answer: the offline brain answered instead."""

    role: str
    error: str
    calls: int


@dataclass
class _Asked:
    """The outcome of one role's question: a reply or None, the attempts it took, the error."""

    reply: BaseModel | None
    calls: int
    error: str = ""


@dataclass
class VlmTier:
    """The state the four VLM roles share: the client, the offline net and what went wrong."""

    client: Asker
    offline: Brain
    coordinates: str = "pixels"
    cache: bool = True
    failures: list[Failure] = field(default_factory=list)
    answered: Counter[str] = field(default_factory=Counter)
    memo_action: Action | None = None
    """The last proposal taken from the memo (None when the last proposal was not)."""

    def ask(
        self,
        role: str,
        prompt_id: str,
        variables: dict[str, str],
        png: bytes | None,
        reply_model: type[R],
        bounds: ReplyBounds | None = None,
        temperature: float | None = None,
    ) -> _Asked:
        """Ask; ModelGaveUp and BudgetExhausted become an _Asked without a reply (and a Failure)."""
        try:
            result = self.client.ask(
                prompt_id, variables, png, reply_model, bounds=bounds, temperature=temperature
            )
        except ModelGaveUp as exc:
            return self.failed(role, str(exc), len(exc.calls))
        except BudgetExhausted as exc:
            return self.failed(role, str(exc), 0)
        self.answered[role] += 1
        return _Asked(result.reply, len(result.calls))

    def failed(self, role: str, error: str, calls: int) -> _Asked:
        log.warning("vlm %s: the offline brain takes over (%s)", role, error)
        self.failures.append(Failure(role, error, calls))
        return _Asked(None, calls, error)


def offline_role(tier: VlmTier, role: str):
    attr = {"propose": "proposer", "judge": "judge", "name": "namer", "reflect": "reflector"}
    found = getattr(tier.offline, attr[role])
    if found is None:
        raise ConfigError(f"the offline brain has no {role} role to fall back on")
    return found


def history_text(lines: tuple[str, ...]) -> str:
    return "\n".join(lines) if lines else INITIAL_HISTORY


def guidelines_text(guidelines: tuple[Guideline, ...]) -> str:
    if not guidelines:
        return "(none yet)"
    return "\n".join(f"- ({g.polarity}) {g.text}" for g in guidelines)


def sampling(recipe: Recipe) -> float | None:
    """The recipe's temperature when it asks for sampling; None keeps the model's setting."""
    return recipe.temperature if recipe.samples > 1 or recipe.temperature > 0 else None
