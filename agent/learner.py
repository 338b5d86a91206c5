"""The learning agent: a Policy (decide/observe) that grows a skill graph bottom-up.

One step of the cycle, top to bottom (DESIGN.md "The cycle"):

    decide(frame)
      1 perceive   candidates, screen state (shared through the library), progress reading
      4 trial      a skill under way runs its next step, re-grounded on this frame
      2 recall     skills offered here (and in similar states), guidelines, last 4 summaries
        strategy   the EGuR recipe cached for this state cluster says who answers each role
      3 decide     propose: softmax-UCB over skills plus an Explore arm
      4 trial      first step of the chosen skill, or the explored element
    observe(step)
      5 judge      acted? consistent? progressive? -> reward
      6 reflect    HAR on a failed trial: guidelines on the state, a corrected next action
      7 abstract   acting explorations become skills; repeatable chains become composites
      8 evolve     Beta stats, suspension, refined preconditions; strategy stats

Each phase lives in agent/cycle/<phase>.py; the roles come from brains (agent/brains/base.py).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field, replace

from agent.brains.base import Brain, Evidence, Judgement, Trial
from agent.brains.local import offline_brain
from agent.cycle.abstract import Chains, Link, skill_from_exploration
from agent.cycle.affordance import Affordances
from agent.cycle.evolve import Evolver, expected_state, value
from agent.cycle.memory import StateMemory
from agent.cycle.perceive import Perceived, Perceiver, PixelMemo
from agent.cycle.progress import ProgressSignal
from agent.cycle.recall import Recall
from agent.cycle.reflect import label_of, reflect_checked, store_guidelines
from agent.cycle.strategy import Choice, StrategyBook
from agent.cycle.trial import SkillRun, ground_step, step_from_action
from agent.perception.change import changed_within
from agent.perception.reground import reground
from agent.perception.settings import PerceptionSettings
from agent.types import Action, Click, Frame, Rect, Step, Target
from skills.model import SkillStep

log = logging.getLogger(__name__)

# Screens of one game often share a palette (dark backgrounds, the same top bar): measured on the
# built-in game, different screens are 0.026-0.08 apart and one screen's variants under 0.005.
STATE_THRESHOLD = 0.015
# A click selected its target (a card lifted, a cell marked) when the screen changed, the state
# stayed, at least SELECTED_CHANGE of the target's own pixels changed and the change was mostly
# there (SELECTED_SHARE of it, around the target): a button that ends a turn looks the same
# after, and a hit on an enemy changes far more elsewhere (a card gone, a counter).
SELECTED_CHANGE = 0.1
SELECTED_SHARE = 0.3


@dataclass(frozen=True)
class LearnerSettings:
    """How the learning agent runs. Every field has a default that works on an unknown game."""

    scope: str = ""
    """Game name the skills are scoped to (skills of other games are not offered)."""
    agent_id: str = "agent"
    """This instance's name in provenance."""
    seed: int = 0
    """Seed of the agent's own random choices."""
    history: int = 4
    """How many one-line step summaries the reflection and the proposer see (HAR k)."""
    max_skill_steps: int = 4
    """L: the longest composite skill, in steps."""
    max_skills_per_state: int = 24
    """Bound on skills created per screen state."""
    suspend_min_runs: int = 4
    """A skill is suspended after more than this many runs ..."""
    suspend_below: float = 0.4
    """... when its posterior-mean value is below this."""
    progress: ProgressSignal | None = None
    """The progress signal the game profile declares (None: intrinsic reward only)."""
    perception: PerceptionSettings = field(
        default_factory=lambda: PerceptionSettings(state_threshold=STATE_THRESHOLD)
    )
    """Candidate, state and re-grounding settings (a finer state threshold than perception's)."""


@dataclass(frozen=True)
class _Primer:
    """The last click selected something (acted, same state): the next click extends it."""

    state_id: str
    step: SkillStep
    key: str


@dataclass(frozen=True)
class _Held:
    """What a click selected: in which state, the target as clicked, and where it is now (a
    lifted card stands above its old place)."""

    state_id: str
    target: Target
    box: Rect

    def under(self, action: Action) -> bool:
        """Whether `action` clicks on it (which would only undo the selection)."""
        return isinstance(action, Click) and self.box.contains(action.x, action.y)


@dataclass
class _Pending:
    """The action in flight: what was chosen, where, and by which strategy."""

    action: Action
    before: Perceived
    choice: Choice
    run: SkillRun | None = None
    model_calls: int = 0
    primer: _Primer | None = None
    selected: Target | None = None


class Learner:
    """The learning Policy over a SkillGraph. `brains` maps tiers to brains ("offline" required)."""

    name = "bottomup-learner"

    def __init__(
        self,
        graph,
        settings: LearnerSettings,
        brains: dict[str, Brain] | None = None,
        memo: PixelMemo | None = None,
    ):
        """`memo`: where perception of frames that name their content is kept (replay shares
        one between passes); by default the Perceiver's own."""
        self.graph = graph
        self.settings = settings
        self.brains = {"offline": offline_brain(settings.seed), **(brains or {})}
        self.memory = StateMemory(graph, settings.perception.state_threshold)
        self.perceiver = Perceiver(self.memory, settings.perception, settings.progress, memo=memo)
        self.affordances = Affordances()
        self.recall = Recall(graph, self.memory, self.affordances, settings.history)
        self.book = StrategyBook(graph, self.brains)
        self.evolver = Evolver(graph, settings.suspend_min_runs, settings.suspend_below)
        self.chains = Chains(settings.max_skill_steps)
        self.history: deque[str] = deque(maxlen=settings.history)
        self.hints: dict[str, Action] = {}
        self.model_calls = 0
        self.skills_created = 0
        self.skill_uses = 0
        self._pending: _Pending | None = None
        self._run: SkillRun | None = None
        self._primer: _Primer | None = None
        self._selected: _Held | None = None
        self._recent: deque[tuple[bytes, _Held | None]] = deque(maxlen=2)
        """The last two screens acted on, each with what was selected on it."""
        self._progress_moves = False
        self._setbacks: set[str] = set()
        self._part_starts: dict[str, dict[int, str]] = {}
        self._gains: set[str] = set()

    def ahead(self, content: str, load) -> None:
        """A frame to come (replay knows them): read its pixels in the background."""
        self.perceiver.ahead(content, load)

    def _role(self, role: str, tier: str):
        brain = self.brains.get(tier) or self.brains["offline"]
        attr = {"propose": "proposer", "judge": "judge", "name": "namer", "reflect": "reflector"}
        return getattr(brain, attr[role]) or getattr(self.brains["offline"], attr[role])

    def _held(self, state_id: str) -> _Held | None:
        """What is selected, if it was selected in this state."""
        held = self._selected
        return held if held is not None and held.state_id == state_id else None

    # --- decide -----------------------------------------------------------------------------
    def decide(self, frame: Frame) -> Action:
        now = self.perceiver.perceive(frame)  # 1 perceive
        self.affordances.see(now.candidates)
        sid = now.seen.state_id
        held = self._held(sid)
        selected = held.target if held else None
        if self._run is not None and self._pending is not None:  # 4 trial: next step of a skill
            action = self._continue_run(now, held)
            if action is not None:
                return action
        primer = self._primer if self._primer and self._primer.state_id == sid else None
        if primer and (selected is None or not self.recall.extendable(now, selected)):
            primer = None  # nothing that did nothing alone acts after it: not a selection
        key = primer.key if primer else ""
        situation = self.recall.situation(  # 2 recall
            now, tuple(self.history), self.hints, key, selected
        )
        # replaying needs skills and a screen explored once over (a pending selection: not yet)
        replayable = bool(situation.skills) and not primer and not situation.untried
        choice = self.book.choose(now.seen.state_id, replayable)
        proposal = self._role("propose", choice.recipe.propose).propose(situation, choice.recipe)
        self.model_calls += proposal.model_calls  # 3 decide
        while proposal.skill_id is not None:  # 4 trial: a skill, or one exploration
            skill = next(k for k in self.recall.offered if k.id == proposal.skill_id)
            start = next(v.start for v in situation.skills if v.id == skill.id)
            run = SkillRun(skill, now.seen.state_id)
            action = ground_step(skill.steps[start], frame, now.candidates, by_place=start > 0)
            if action is not None and held is not None and held.under(action):
                action = None  # on what is selected: that would only undo it
            if action is not None and self.recall.closes(action, frame):
                action = None  # found by look where the game's close button is: never again
            # what it would click now is known to do nothing here (its own look, not the look
            # it was learnt on: a node that once glowed): it does not apply now, no failure
            idle = action is not None and not self.recall.may_act(now, selected, action)
            if action is not None and not idle:
                run.next_index = start + 1
                self.skill_uses += 1
                self._pending = _Pending(
                    action, now, choice, run, proposal.model_calls, selected=selected
                )
                self._run = run
                return action
            # its target is not on screen (a failed run), or it does not apply now: set aside
            # until the screen changes, choose again
            if idle:
                self.recall.idle(skill.id)
            else:
                self._fail_run(run, now)
            self.recall.set_aside(skill.id)
            rest = tuple(v for v in situation.skills if v.id != skill.id)
            situation = replace(situation, skills=rest)
            proposal = self._role("propose", "offline").propose(situation, choice.recipe)
        if proposal.action is None:  # a proposer that gave nothing: the offline brain steps in
            offline = replace(situation, skills=(), hint=None)
            proposal = self._role("propose", "offline").propose(offline, choice.recipe)
        self.hints.pop(f"{now.seen.state_id}|{key}" if key else now.seen.state_id, None)
        self._pending = _Pending(
            proposal.action, now, choice, None, proposal.model_calls, primer, selected
        )
        self._run = None
        return proposal.action

    def _continue_run(self, now: Perceived, held: _Held | None) -> Action | None:
        run = self._run
        assert run is not None and self._pending is not None
        if not self._part_offered(run, now):
            # a composite whose next part is not offered on this screen: the chain it was
            # learnt from went another way this time (learnt when ending a turn lost the game,
            # its "New Run" part would now click, by place, a card of the next turn). It ends
            # here, not as expected.
            cut = Judgement(
                acted=all(run.acted), consistent=False, progressive=False, reward=run.mean_reward
            )
            self._record_run(run, cut, now.seen.state_id, self._pending.choice, 0.0)
            self.chains.reset()
            self._run = self._primer = None
            return None
        step = run.skill.steps[run.next_index]
        action = ground_step(step, now.frame, now.candidates, by_place=True)
        if action is None:
            self._fail_run(run, now)
            self._run = None
            return None
        selected = held.target if held else None
        if not self.recall.may_act(now, selected, action):
            # known to do nothing now (it needs a selection the last click did not make: a card
            # without the energy to play it): the skill does not apply now, no failure
            self.chains.reset()
            self._run = self._primer = None
            return None
        run.next_index += 1
        self._pending = replace(self._pending, action=action, before=now, selected=selected)
        return action

    def _part_offered(self, run: SkillRun, now: Perceived) -> bool:
        """Whether the next step of `run`, where it starts a part of a composite skill, starts
        one offered on this screen (the steps within a part run wherever they lead)."""
        starts = self._part_starts.get(run.skill.id)
        if starts is None:  # parts never change (none known once one was pruned: it runs on)
            starts = self._part_starts[run.skill.id] = self.graph.part_starts(run.skill)
        part = starts.get(run.next_index) if run.next_index else None
        return part is None or any(k.id == part for k in self.graph.available(now.seen.state_id))

    def _fail_run(self, run: SkillRun, now: Perceived) -> None:
        """A skill whose next target is not on screen: a failed run where it started."""
        failed = Judgement(acted=False, consistent=False, progressive=False, reward=0.0)
        sig = self.memory.signature_of(run.start_state)
        self.evolver.record(run.skill, run.start_state, sig, failed, now.seen.state_id, 0.0)
        self.chains.reset()
        self._primer = None

    # --- observe ----------------------------------------------------------------------------
    def observe(self, step: Step) -> Step:
        pending = self._pending
        if pending is None:
            return step
        before, after = pending.before, self.perceiver.perceive(step.after)
        run = pending.run
        expected = None
        if run is not None and run.done:
            expected = expected_state(self.graph, run.skill.id, run.start_state)
        key, label = label_of(step.action, step.before)
        evidence = Evidence(
            step.before, step.after, step.action, step.acted, step.changed_fraction,
            before.seen.state_id, after.seen.state_id, after.seen.visits, expected,
            before.progress, after.progress, run.skill.name if run else "", after.frame_visits,
            self._progress_moves,
        )  # fmt: skip
        recipe = pending.choice.recipe
        judgement = self._role("judge", recipe.judge).judge(evidence, recipe)  # 5 judge
        # back to a screen of a step ago: so is what was selected
        back = [held for key, held in self._recent if key == after.key]
        undone = step.acted and bool(back)
        if undone:
            judgement = replace(judgement, consistent=False, progressive=False, reward=0.0)
            self.evolver.undo_last()
            self.recall.undo_last()
        self._recent.append((before.key, self._selected))
        setback = self._setback(before, after)
        if step.restarted:  # the game exited on this click (its close or quit) and was restarted
            self.recall.closers.add(key)
            judgement = replace(
                judgement, consistent=False, progressed=False, reason="closed the game"
            )
            setback = True
        if setback:
            judgement = replace(judgement, progressive=False, reward=0.0)
        target = getattr(step.action, "target", None)
        sid = before.seen.state_id
        self.affordances.note(sid, pending.selected, target, key, step.acted)
        ran = run.skill.id if run else ""  # the skill this click was a step of
        self.recall.clicked(key, target, step.acted, ran)
        # a click that changed its own target, and the screen but not the state (and was not
        # undone, nor on what was selected: that undoes it), selected it; one that did nothing
        # changed nothing, the selection included
        held = self._held(sid)
        selects = (
            step.acted
            and not undone
            and not (held and held.under(step.action))
            and after.seen.state_id == sid
            and target is not None
            and _changed_itself(step, target)
        )
        if undone:
            self._selected = back[-1]
        elif step.acted:
            self._selected = _Held(sid, target, _where(target, after)) if selects else None
        self.model_calls += judgement.model_calls
        summary = f"[step {step.index}] click {label} -> " + (
            judgement.reason if step.acted else "no change"
        )
        self.history.append(summary)
        reflection = ""
        failed = not judgement.acted or not judgement.consistent
        # 6 reflect. With a selection held only a model reflects: the offline reflector's
        # correction (something untried) would drop the selection it knows nothing of.
        selecting = pending.primer is not None
        if failed and recipe.reflect and (not selecting or recipe.reflect_with != "offline"):
            reflection = self._reflect(step, before, judgement, key, label, recipe, pending.primer)
            if step.acted:  # it did something, not what was expected: not again right after
                self.recall.skip_next = (key, ran, target)
        skill_id, cost = self._learn(step, pending, after, judgement, selects)  # 7, 8
        self.evolver.tick(judgement.progressive)
        if setback:
            self.evolver.setback()
            self.recall.setback()
        elif judgement.progressed:
            self.recall.progressed()
        return replace(
            step,
            summary=summary,
            state=before.seen.state_id,
            skill=skill_id,
            judgement=judgement.reason,
            reflection=reflection,
            model_calls=pending.model_calls + judgement.model_calls,
            progress=after.progress,
        )

    def _setback(self, before: Perceived, after: Perceived) -> bool:
        """Whether this step reached a setback state: one after which the progress signal fell
        (a lost game, say; not one reached by a rise: a won game restarts the counter too). The
        click that makes it fall is the way on, and not blamed."""
        if before.progress is not None and after.progress is not None:
            if after.progress > before.progress:
                self._progress_moves = True
                self._gains.add(after.seen.state_id)
            elif after.progress < before.progress and before.seen.state_id not in self._gains:
                log.info("setback state %s: progress fell", before.seen.state_id)
                self._setbacks.add(before.seen.state_id)
        return after.seen.state_id in self._setbacks

    def _reflect(self, step, before, judgement, key, label, recipe, primer) -> str:
        """Reflect on a failed step. With a selection held (`primer`), its corrected action is
        a hint for that selection only and no guideline is stored (a guideline holds for the
        screen, not for one selection on it)."""
        untried, chances = self.recall.untried(before)
        trial = Trial(
            step.before, before.seen.state_id, step.action, judgement, key, label,
            tuple(self.history), before.candidates, untried, chances=chances,
        )  # fmt: skip
        reflection = reflect_checked(self._role("reflect", recipe.reflect_with), trial, recipe)
        self.model_calls += reflection.model_calls
        sid = before.seen.state_id
        if primer is None:
            store_guidelines(self.graph, sid, reflection, self.settings.scope)
            self.recall.forget_guidelines(sid)
        if reflection.corrected is not None:
            self.hints[f"{sid}|{primer.key}" if primer else sid] = reflection.corrected
        return reflection.statement

    def _learn(self, step: Step, pending: _Pending, after: Perceived, j: Judgement, selects):
        """Abstract and evolve; returns (skill id or "", cost) and consolidates the strategy."""
        before, run, recipe = pending.before, pending.run, pending.choice.recipe
        cost = float(pending.model_calls + j.model_calls)
        if run is None:  # an exploration
            primer = pending.primer
            context = f"{before.seen.state_id}|{primer.key}" if primer else before.seen.state_id
            self.recall.note_explored(
                context, step.action, step.before, j.reward, j.acted, pending.selected
            )
            if not j.acted:  # nothing changed: what was selected still is
                self.chains.reset()
                self.book.consolidate(pending.choice, j, cost)
                return "", cost
            skill, calls = skill_from_exploration(
                self.graph, self._role("name", recipe.name_with), recipe,
                action=step.action, frame=step.before, after=step.after,
                proposals=before.candidates, offered=self.recall.offered_here,
                state_id=before.seen.state_id, next_state=after.seen.state_id,
                scope=self.settings.scope, agent_id=self.settings.agent_id, step=step.index,
                max_per_state=self.settings.max_skills_per_state,
                prefix=primer.step if primer else None,
            )  # fmt: skip
            self.model_calls += calls
            if skill is None:
                self.book.consolidate(pending.choice, j, cost)
                skill_step = step_from_action(step.action, step.before)
                self._prime(step, j, selects, skill_step, before.seen.state_id)
                return "", cost
            if skill.totals.runs == 0:
                self.skills_created += 1
            run = SkillRun(skill, before.seen.state_id, next_index=1)
        run.rewards.append(j.reward)
        run.acted.append(j.acted)
        if j.acted and not run.done:
            return run.skill.id, cost  # the skill goes on next step
        self._run = None
        if run.acted == [False]:  # its first click did nothing: it does not apply now (a card
            # without the energy to play it); the affordance memory counts that, not its stats
            self.recall.idle(run.skill.id)
            self.chains.reset()
            self.book.consolidate(pending.choice, j, cost)
            return "", cost
        whole = replace(j, acted=all(run.acted), reward=run.mean_reward)
        self._record_run(run, whole, after.seen.state_id, pending.choice, cost)
        self.chains_add(run, whole)
        # its last click selected what it clicked if the state stayed (End Turn, then a card)
        self._prime(step, whole, selects, run.skill.steps[-1], before.seen.state_id)
        return run.skill.id, cost

    def _record_run(self, run: SkillRun, whole: Judgement, next_state: str, choice, cost) -> None:
        """A finished (or cut short) run's outcome, to its skill's stats and its strategy's."""
        sig = self.memory.signature_of(run.start_state)
        self.evolver.record(run.skill, run.start_state, sig, whole, next_state, cost)
        self.recall.note_reward(run.skill.id, whole.reward)
        self.book.consolidate(choice, whole, cost)

    def _prime(self, step, j, selects: bool, skill_step, state_id: str) -> None:
        """After a click (a skill's last) that selected its target (see observe), the next
        click in the same state extends it."""
        if not j.acted:  # nothing changed: what was selected still is
            return
        if skill_step is None or not selects:
            self._primer = None
            return
        key, _ = label_of(step.action, step.before)
        self._primer = _Primer(state_id, skill_step, key)

    def chains_add(self, run: SkillRun, j: Judgement) -> None:
        link = Link(run.skill.id, len(run.skill.steps), run.start_state, j.acted, j.progressive)
        names = {k.id: k.name for k in self.recall.offered}
        names[run.skill.id] = run.skill.name
        composite = self.chains.add(self.graph, link, names)
        if composite is not None:
            self.skills_created += 1

    def stats(self) -> dict[str, int]:
        """Counters for progress bars: states, skills created/used, model calls."""
        return {
            "states": len(self.memory.states),
            "skills": self.skills_created,
            "uses": self.skill_uses,
            "model_calls": self.model_calls,
        }

    def close(self) -> None:
        """Write what is still queued and close the library."""
        self.evolver.flush()
        self.graph.close()


def _where(target: Target, after: Perceived) -> Rect:
    """Where a clicked target stands after the click (a selected card is lifted)."""
    found = reground(target, after.frame, proposals=after.candidates)
    return found.box if found is not None else target.box


def _changed_itself(step: Step, target: Target) -> bool:
    """Whether the click changed mostly its own target (see SELECTED_CHANGE)."""
    scale, b = step.before.scale, target.box
    box = Rect(round(b.x * scale), round(b.y * scale), round(b.w * scale), round(b.h * scale))
    # what changed around it counts too: a lifted card leaves its old place
    pad_w, pad_h = box.w // 2, box.h // 2
    around = Rect(box.x - pad_w, box.y - pad_h, box.w + 2 * pad_w, box.h + 2 * pad_h)
    own, share = changed_within(step.before.image, step.after.image, box, around)
    return own >= SELECTED_CHANGE and share >= SELECTED_SHARE


__all__ = ["Learner", "LearnerSettings", "value"]
