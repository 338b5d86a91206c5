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

Modules: vlm_tier.py (the shared client, fallback and failure log), vlm_view.py (set-of-marks
screenshot, mark list, reply -> Action), vlm_memo.py (the decision memo).

Caching (the cheap path EGuR asks for, inside this tier): the proposer's DecisionMemo counts the
model's choices per context (state + what the last click hit) and, once a context is known,
answers without a call with the most chosen element on screen whose look the model's later
answers have not contradicted there (checked whenever the model is asked, and now and then at
random); after a memo choice that did nothing the next one is tried, and if that does nothing
too the next decision goes back to the model; reflecting on a memo choice needs no call. A reflection's corrected action
(`Situation.hint`) is taken without a call too. cache=False turns all of this off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

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
from agent.brains.budget import Budget, BudgetLimits
from agent.brains.model import ModelCall, ModelClient, ModelSettings
from agent.brains.replies import JudgeReply, NameReply, ProposeReply, ReflectReply, ReplyBounds
from agent.brains.vlm_memo import DecisionMemo
from agent.brains.vlm_tier import (
    Asker,
    VlmTier,
    guidelines_text,
    history_text,
    offline_role,
    sampling,
)
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


class VlmProposer:
    """propose: the model picks a mark (or a point); best-of-n votes; choices are memoised."""

    def __init__(self, tier: VlmTier, seed: int = 0) -> None:
        self.tier = tier
        self.memo = DecisionMemo(seed=seed)

    def propose(self, situation: Situation, recipe: Recipe) -> Proposal:
        s = situation
        context = self.memo.context(s.state_id, s.frame, s.selected)
        self.tier.memo_action = None
        proposal = self._propose(s, recipe, context)
        from_memo = proposal.action is not None and proposal.action is self.tier.memo_action
        self.memo.acted_on(s.state_id, s.frame, context, proposal.action, from_memo)
        return proposal

    def _propose(self, s: Situation, recipe: Recipe, context: str) -> Proposal:
        if s.hint is not None:
            return Proposal(action=s.hint, reason="the reflection's corrected action")
        view = MarkedView.of(s.frame, s.candidates)
        bounds = view.bounds(self.tier.coordinates)
        if self.tier.cache:
            index = self.memo.recall(context, view.marked, s.frame)
            if index is not None:
                cand = view.marked[index]
                c = cand.box.center
                action = Click(c.x, c.y, target=cand.target())
                self.tier.memo_action = action
                return Proposal(action=action, reason="the model's usual choice here (memo)")
        variables = {
            "marks": view.marks_text(),
            "history": history_text(s.history),
            "guidelines": guidelines_text(s.guidelines),
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
                sampling(recipe),
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
                self.memo.learn(context, action, s.frame)
                reason = reply.reason or f"the model chose {describe(action, view)}"
                return Proposal(action=action, reason=reason[:200], model_calls=calls)
        fallback = offline_role(self.tier, "propose").propose(s, recipe)
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
        base = offline_role(self.tier, "judge").judge(e, recipe)
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
            temperature=sampling(recipe),
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
        base = offline_role(self.tier, "name").name(naming, recipe)
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
        history = history_text(trial.history)
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
            sampling(recipe),
        )
        reply = asked.reply
        if isinstance(reply, ReflectReply):
            try:
                return self._reflection(reply, trial, view, bounds, asked.calls)
            except ModelOutputError as exc:
                self.tier.failed("reflect", str(exc), 0)
        base = offline_role(self.tier, "reflect").reflect(trial, recipe)
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
    """A failed memo choice needs no model here: the memo hands the next decision to the model."""
    return Reflection(
        statement=f"the usual choice here, {trial.target_label}, did nothing on this screen",
        reasoning=f"{trial.history[-1]}: the choice the model made before in this situation does"
        " not apply to this screen, so the model is asked what to do instead",
    )


def _is_avoid(text: str) -> bool:
    low = f" {text.lower()} "
    return any(w in low for w in (" avoid", " don't", " do not", " never", " stop "))


def _brain(tier: VlmTier) -> Brain:
    return Brain(
        proposer=VlmProposer(tier),
        judge=VlmJudge(tier),
        namer=VlmNamer(tier),
        reflector=VlmReflector(tier),
        tier="vlm",
    )


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

    on_call: a listener for every ModelCall (the recorder). `client` replaces the ModelClient the
    factory would make (e.g. a CassetteClient, which takes its on_call when it is made); `model`
    then only sets the coordinate convention and `budget` is the client's own business.
    cache=False asks the model on every proposal (no memo, no memo reflections).
    """
    if client is None:
        client = ModelClient(model, budget, on_call=on_call)
    elif on_call is not None:
        if not hasattr(client, "add_listener"):
            raise ConfigError("pass on_call to the client itself (it takes no listeners later)")
        client.add_listener(on_call)
    tier = VlmTier(client, offline, model.coordinates, cache)
    return _brain(tier)


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
