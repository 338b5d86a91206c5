"""The VLM brain: the four roles answered by a vision-language model, the offline brain as net.

    model, limits = model_settings_from(settings)          # run Settings -> ModelSettings, limits
    vlm = build_vlm_brain(model, Budget(limits), offline_brain(seed), on_call=recorder_listener)
    Learner(graph, learner_settings, brains={"vlm": vlm})

Each role sends the screenshot with set-of-marks (agent/brains/vlm_view.py) and the prompt id the
step's Recipe names, through ModelClient.ask (validated pydantic replies, bounded retries, budget
checked before every attempt). A mark maps back to the candidate it was drawn on, so a click
carries that candidate's Target and can be re-grounded later. When the model gives up
(ModelGaveUp), the budget is spent (BudgetExhausted) or a reply cannot be mapped, the offline
brain answers the step instead: the failure is logged, kept in `VlmTier.failures`, and -- like
every attempt -- reported as a ModelCall to the `on_call` listeners (the recording).

Caching (the cheap path EGuR asks for, inside this tier): the proposer remembers the answer it got
for an exact screen (same pixels at low resolution, same marks) and reuses it without a call; an
answer that left the screen unchanged is forgotten, and the model is asked again. A reflection's
corrected action (`Situation.hint`) is taken without a call too.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar

from pydantic import BaseModel

from agent.brains.base import (
    Brain,
    Evidence,
    Guideline,
    Judgement,
    Naming,
    Proposal,
    Reflection,
    Situation,
    SkillName,
    Trial,
)
from agent.brains.budget import Budget, BudgetExhausted, BudgetLimits
from agent.brains.model import CallResult, ModelCall, ModelClient, ModelGaveUp, ModelSettings
from agent.brains.replies import JudgeReply, NameReply, ProposeReply, ReflectReply, ReplyBounds
from agent.brains.vlm_memo import DecisionMemo, box_key, key_of
from agent.brains.vlm_view import (
    MarkedView,
    box_text,
    describe,
    encode_png,
    side_by_side,
)
from agent.errors import ConfigError, ModelOutputError
from agent.perception.marks import draw_marks
from agent.perception.objects import Candidate
from agent.types import Action, Click

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

    def brain(self) -> Brain:
        """A Brain with the four VLM roles (tier "vlm")."""
        return Brain(
            proposer=VlmProposer(self),
            judge=VlmJudge(self),
            namer=VlmNamer(self),
            reflector=VlmReflector(self),
            tier="vlm",
        )


def _offline(tier: VlmTier, role: str):
    attr = {"propose": "proposer", "judge": "judge", "name": "namer", "reflect": "reflector"}
    found = getattr(tier.offline, attr[role])
    if found is None:
        raise ConfigError(f"the offline brain has no {role} role to fall back on")
    return found


def _history(lines: tuple[str, ...]) -> str:
    return "\n".join(lines) if lines else INITIAL_HISTORY


def _guidelines(guidelines: tuple[Guideline, ...]) -> str:
    if not guidelines:
        return "(none yet)"
    return "\n".join(f"- ({g.polarity}) {g.text}" for g in guidelines)


def _sampling(recipe: Recipe) -> float | None:
    """The recipe's temperature when it asks for sampling; None keeps the model's setting."""
    return recipe.temperature if recipe.samples > 1 or recipe.temperature > 0 else None


class VlmProposer:
    """propose: the model picks a mark (or a point); best-of-n votes; choices are memoised."""

    def __init__(self, tier: VlmTier, seed: int = 0) -> None:
        self.tier = tier
        self.memo = DecisionMemo(seed=seed)

    def propose(self, situation: Situation, recipe: Recipe) -> Proposal:
        s = situation
        context = self.memo.context(s.state_id, s.frame)
        proposal = self._propose(s, recipe, context)
        self.memo.acted_on(s.state_id, s.frame, context, proposal.action)
        return proposal

    def _propose(self, s: Situation, recipe: Recipe, context: str) -> Proposal:
        if s.hint is not None:
            return Proposal(action=s.hint, reason="the reflection's corrected action")
        view = MarkedView.of(s.frame, s.candidates)
        bounds = view.bounds(self.tier.coordinates)
        if self.tier.cache:
            keys = [box_key(c.box, s.frame) for c in view.marked]
            index = self.memo.recall(context, keys)
            if index is not None:
                cand = view.marked[index]
                c = cand.box.center
                action = Click(c.x, c.y, target=cand.target())
                self.tier.memo_action = action
                return Proposal(action=action, reason="the model's usual choice here (memo)")
        self.tier.memo_action = None
        variables = {
            "marks": view.marks_text(),
            "history": _history(s.history),
            "guidelines": _guidelines(s.guidelines),
        }
        votes: list[ProposeReply] = []
        calls, errors = 0, []
        for _ in range(recipe.samples):
            asked = self.tier.ask(
                "propose",
                recipe.prompt_for("propose"),
                variables,
                view.png,
                ProposeReply,
                bounds,
                _sampling(recipe),
            )
            calls += asked.calls
            if isinstance(asked.reply, ProposeReply):
                votes.append(asked.reply)
            else:
                errors.append(asked.error)
                break  # a spent budget or a broken endpoint will not answer the next sample
        if votes:
            reply = _majority(votes)
            try:
                action = view.action(reply, bounds)
            except ModelOutputError as exc:
                errors.append(str(exc))
                self.tier.failed("propose", str(exc), 0)
            else:
                self.memo.learn(context, key_of(action, s.frame))
                reason = reply.reason or f"the model chose {describe(action, view)}"
                return Proposal(action=action, reason=reason[:200], model_calls=calls)
        fallback = _offline(self.tier, "propose").propose(s, recipe)
        return Proposal(
            skill_id=fallback.skill_id,
            action=fallback.action,
            reason=f"offline (model: {errors[-1][:120] if errors else 'no answer'})",
            model_calls=calls + fallback.model_calls,
            errors=tuple(errors) + fallback.errors,
        )


def _majority(votes: list[ProposeReply]) -> ProposeReply:
    def key(r: ProposeReply) -> tuple:
        return (r.action, r.mark, r.x, r.y, r.to_mark, r.to_x, r.to_y, r.clicks)

    counts = Counter(key(v) for v in votes)
    best = max(counts.values())
    return next(v for v in votes if counts[key(v)] == best)


class VlmJudge:
    """judge: the model compares before and after; novelty and the progress signal stay measured."""

    def __init__(self, tier: VlmTier) -> None:
        self.tier = tier

    def judge(self, evidence: Evidence, recipe: Recipe) -> Judgement:
        e = evidence
        base = _offline(self.tier, "judge").judge(e, recipe)
        variables = {
            "image_note": "The screenshot shows the screen before the action (left) and after"
            " it (right).",
            "action": describe(e.action),
            "expectation": f"what the skill '{e.skill_name}' does"
            if e.skill_name
            else "unknown (an exploratory action)",
            "change": f"{e.changed_fraction:.1%} of the pixels changed",
        }
        asked = self.tier.ask(
            "judge",
            recipe.prompt_for("judge"),
            variables,
            side_by_side(e.before, e.after),
            JudgeReply,
            temperature=_sampling(recipe),
        )
        reply = asked.reply
        if not isinstance(reply, JudgeReply):
            return Judgement(**{**base.__dict__, "model_calls": base.model_calls + asked.calls})
        progressive = reply.progressive or base.progressed
        reward = 1.0 if base.progressed else (
            0.45 * progressive + 0.25 * reply.acted + 0.1 * reply.consistent + 0.2 * base.novelty
        )  # fmt: skip
        return Judgement(
            acted=reply.acted,
            consistent=reply.consistent,
            progressive=progressive,
            reward=min(1.0, reward),
            novelty=base.novelty,
            progressed=base.progressed,
            reason=(reply.reason or base.reason)[:160],
            model_calls=asked.calls,
        )


class VlmNamer:
    """name: the model names a new skill from the frame it starts on, its targets marked."""

    def __init__(self, tier: VlmTier) -> None:
        self.tier = tier

    def name(self, naming: Naming, recipe: Recipe) -> SkillName:
        f = naming.frame
        targets = [
            Candidate(box=t.box, descriptor=t.descriptor, text=t.text)
            for t in naming.targets
            if t is not None
        ]
        view = MarkedView(f, tuple(targets), encode_png(draw_marks(f, targets)))
        actions = "\n".join(
            f"{i}. {describe(a, view)}" + _box_of(a, f.scale)
            for i, a in enumerate(naming.actions, start=1)
        )
        texts = [t.text for t in naming.targets if t is not None and t.text]
        variables = {
            "actions": actions or "(none)",
            "effect": "the screen changed" if naming.after is not None else "unknown",
            "target_text": ", ".join(repr(t) for t in texts) or "(none)",
        }
        asked = self.tier.ask("name", recipe.prompt_for("name"), variables, view.png, NameReply)
        if isinstance(asked.reply, NameReply):
            r = asked.reply
            return SkillName(r.name, r.description, model_calls=asked.calls)
        base = _offline(self.tier, "name").name(naming, recipe)
        return SkillName(base.name, base.description, base.model_calls + asked.calls)


def _box_of(action: Action, scale: float) -> str:
    target = getattr(action, "target", None)
    return f" {box_text(target.box, scale)}" if target is not None else ""


class VlmReflector:
    """reflect (HAR): statement, reasoning citing the history, a corrected mark, <= 3 guidelines."""

    def __init__(self, tier: VlmTier) -> None:
        self.tier = tier

    def reflect(self, trial: Trial, recipe: Recipe) -> Reflection:
        if self.tier.cache and trial.action == self.tier.memo_action and trial.history:
            return _memo_reflection(trial)
        view = MarkedView.of(trial.frame, trial.candidates)
        bounds = view.bounds(self.tier.coordinates)
        history = _history(trial.history)
        if trial.retry_note:
            history += f"\n(Your previous reflection was not usable: {trial.retry_note}.)"
        variables = {
            "marks": view.marks_text(),
            "wrong_action": f"{describe(trial.action, view)} ({trial.target_label})",
            "outcome": trial.judgement.reason
            or ("nothing changed" if not trial.judgement.acted else "not what was expected"),
            "history": history,
            "guidelines": "(none yet)",
        }
        asked = self.tier.ask(
            "reflect",
            recipe.prompt_for("reflect"),
            variables,
            view.png,
            ReflectReply,
            bounds,
            _sampling(recipe),
        )
        reply = asked.reply
        if isinstance(reply, ReflectReply):
            try:
                return self._reflection(reply, trial, view, bounds, asked.calls)
            except ModelOutputError as exc:
                self.tier.failed("reflect", str(exc), 0)
        base = _offline(self.tier, "reflect").reflect(trial, recipe)
        return Reflection(
            base.statement,
            base.reasoning,
            base.corrected,
            base.guidelines,
            base.model_calls + asked.calls,
        )

    def _reflection(
        self, r: ReflectReply, trial: Trial, view: MarkedView, bounds: ReplyBounds, calls: int
    ) -> Reflection:
        from agent.cycle.targets import target_key

        corrected: Action | None = None
        do_key = ""
        if r.corrected_mark is not None or r.corrected_x is not None:
            x, y, target = view.aim(r.corrected_mark, r.corrected_x, r.corrected_y, bounds)
            corrected = Click(x, y, target=target)
            if target is not None:
                f = trial.frame
                do_key = target_key(target.box, f.width / f.scale, f.height / f.scale)
        guidelines = tuple(
            Guideline(text, "avoid", trial.target_key)
            if _is_avoid(text)
            else Guideline(text, "do", do_key)
            for text in r.guidelines[:3]
        )
        return Reflection(r.statement, r.reasoning, corrected, guidelines, calls)


def _memo_reflection(trial: Trial) -> Reflection:
    """A failed memo choice needs no model: the memo crossed it out and tries its next choice."""
    return Reflection(
        statement=f"the usual choice here, {trial.target_label}, did nothing on this screen",
        reasoning=f"{trial.history[-1]}: the choice the model made before in this situation does"
        " not apply to this screen, so the next usual choice is tried, then the model is asked",
    )


def _is_avoid(text: str) -> bool:
    low = f" {text.lower()} "
    return any(w in low for w in (" avoid", " don't", " do not", " never", " stop "))


def build_vlm_brain(
    model: ModelSettings,
    budget: Budget,
    offline: Brain,
    *,
    on_call: Callable[[ModelCall], None] | None = None,
    client: Asker | None = None,
    cache: bool = True,
) -> Brain:
    """The "vlm" tier for the Learner: the four roles over one model client.

    on_call: a listener for every ModelCall (the recorder); with `client` given (a ModelClient or
    a CassetteClient) the caller wires listeners itself and `model`/`budget` only set the
    coordinate convention. cache=False asks the model on every proposal.
    """
    if client is None:
        client = ModelClient(model, budget, on_call=on_call)
    elif on_call is not None and isinstance(client, ModelClient):
        client.add_listener(on_call)
    tier = VlmTier(client, offline, model.coordinates, cache)
    return tier.brain()


def tier_of(brain: Brain) -> VlmTier:
    """The VlmTier behind a brain made by build_vlm_brain (for failures and cache figures)."""
    proposer = brain.proposer
    if not isinstance(proposer, VlmProposer):
        raise ConfigError("this brain was not made by build_vlm_brain")
    return proposer.tier


def model_settings_from(settings) -> tuple[ModelSettings, BudgetLimits]:
    """ModelSettings and BudgetLimits from the run Settings (agent/config.py) for --brain vlm."""
    if not settings.base_url:
        raise ConfigError(
            "--brain vlm needs a model endpoint: pass --base-url or set OPENAI_BASE_URL"
        )
    if not settings.model:
        raise ConfigError("--brain vlm needs a model name: pass --model or set OPENAI_MODEL")
    model = ModelSettings(
        base_url=settings.base_url, model=settings.model, api_key=settings.api_key or ""
    )
    try:
        limits = BudgetLimits(
            max_calls=settings.max_model_calls,
            max_tokens=settings.max_tokens,
            max_cost=settings.max_cost,
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return model, limits
