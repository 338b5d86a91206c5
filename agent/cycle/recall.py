"""Recall: what the library and recent experience say about the current screen.

Skills offered in this state (and, when it has few, in the most similar states) minus those whose
not_when names this screen; the guidelines stored here; the candidates never tried here (and, for
a reflection's correction, those that look new where something else was tried: a node that now
glows); the Explore arm's running mean; the reflection's corrected action if its target is still
on screen; from the affordance memory, the chance each candidate acts (a skill whose first click
is known to do nothing here is not offered, and a candidate that looks like things that never
acted here is not "untried"). After STUCK clicks in a row did nothing, skills are offered again
whatever the affordance memory says of them: they acted here once, and something may have woken
without changing its look.
"""

from __future__ import annotations

from collections import deque

from agent.brains.base import Guideline, Situation, SkillView
from agent.cycle.affordance import INERT, Affordances, alike_any, has_look, tried_before
from agent.cycle.evolve import value
from agent.cycle.memory import StateMemory
from agent.cycle.perceive import Perceived
from agent.cycle.reflect import label_of, recall_guidelines
from agent.cycle.targets import target_key
from agent.cycle.trial import target_of
from agent.types import Action, Frame, Target
from skills.model import Skill, state_id

GUIDELINE_REFRESH = 50
CREDIT_WINDOW = 16
"""A rise of the progress signal credits, and a setback takes back, the rewards of the last this
many skill runs: a lost fight's choices (turns ended with cards still playable), not only its last
few clicks (with 8, "End Turn" and card plays were credited alike)."""
TRUSTED_RUNS = 5
TRIED_LOOKS = 4
STUCK = 5
"""After this many clicks in a row did nothing, the affordance memory no longer keeps a skill
from being offered or run: what did nothing before may act now though it looks the same (a map's
last node, reachable only from the floor before it). Skills, not candidates: a skill acted here
once, and each one that does nothing again is set aside until the screen changes."""


class Recall:
    """Builds the Situation for a decision; keeps per-state exploration memory of this process."""

    def __init__(
        self, graph, memory: StateMemory, affordances: Affordances, history: int = 4
    ) -> None:
        self._graph = graph
        self._memory = memory
        self._affordances = affordances
        self.offered: list[Skill] = []
        self.offered_here: list[Skill] = []
        self._tried: dict[str, dict[str, list[Target | None]]] = {}
        """Per context, the keys explored and what was clicked there (the last TRIED_LOOKS)."""
        self._explore: dict[str, tuple[float, int, int]] = {}
        """Per context, explorations: total reward, runs, and those that did nothing since the
        last one that acted."""
        self._guidelines: dict[str, tuple[int, tuple[Guideline, ...]]] = {}
        self._uses = 0
        self._rewards: dict[str, tuple[float, int]] = {}
        self._idle: dict[str, int] = {}
        self._streak = 0
        """Clicks in a row that did nothing."""
        self._inert: dict[str, set[str]] = {}
        self._under: dict[str, dict[str, list[Target | None] | None]] = {}
        """Per state, keys clicked with something selected: None once such a click acted, else
        the selections they did nothing with."""
        self.closers: set[str] = set()
        """Keys of targets whose click closed the game (it had to be started again)."""
        self._dead_now: dict[str, Target | None] = {}
        """What did nothing since the screen last changed (key -> target)."""
        self.skip_next: tuple[str, str, Target | None] = ("", "", None)
        """What failed and was reflected on (key, skill id, target): not the next decision's."""
        self._dead_skills: set[str] = set()
        """Skills a step of which did nothing since the screen last changed."""
        self._rewarded: deque[tuple[str, float]] = deque(maxlen=CREDIT_WINDOW)
        self._untried: tuple[Perceived | None, tuple[int, ...], tuple[float, ...]] = (None, (), ())

    def _skills(self, now: Perceived) -> None:
        sig = now.seen.signature
        here = [k for k in self._graph.available(now.seen.state_id) if sig not in k.not_when]
        offered = list(here)
        if len(here) < 2:
            ids = {k.id for k in here}
            for other in self._memory.similar(sig):
                for k in self._graph.available(state_id(other)):
                    if k.id not in ids and sig not in k.not_when:
                        offered.append(k)
                        ids.add(k.id)
        self.offered_here, self.offered = here, offered

    def guidelines(self, sid: str) -> tuple[Guideline, ...]:
        self._uses += 1
        at, cached = self._guidelines.get(sid, (-GUIDELINE_REFRESH, ()))
        if self._uses - at >= GUIDELINE_REFRESH:
            cached = recall_guidelines(self._graph, sid)
            self._guidelines[sid] = (self._uses, cached)
        return cached

    def forget_guidelines(self, sid: str) -> None:
        self._guidelines.pop(sid, None)

    def extendable(self, now: Perceived, selected: Target) -> bool:
        """Whether, with `selected` selected, something that did nothing alone may act now."""
        inert = self._inert.get(now.seen.state_id, set())
        w, h = now.size
        pool = [(c.target(), k) for c in now.candidates if (k := target_key(c.box, w, h)) in inert]
        chances = self._affordances.chances(now.seen.state_id, selected, pool)
        return any(p >= INERT for p in chances)

    def situation(
        self,
        now: Perceived,
        history: tuple[str, ...],
        hints: dict[str, Action],
        primer: str = "",
        selected: Target | None = None,
    ) -> Situation:
        """The Situation; `primer`: key of the target the last click selected (a context);
        `selected`: that target (what the affordance memory's chances are conditioned on)."""
        sid = now.seen.state_id
        context = f"{sid}|{primer}" if primer else sid
        self._skills(now)
        guidelines = self.guidelines(sid)
        avoid = {g.target_key for g in guidelines if g.polarity == "avoid" and g.target_key}
        w, h = now.size
        keys = [target_key(c.box, w, h) for c in now.candidates]
        firsts = {k.id: target_of(k.steps[0], now.frame) for k in self.offered}
        first = {i: target_key(t.box, w, h) for i, t in firsts.items()}
        aimed = [(c.target(), k) for c, k in zip(now.candidates, keys, strict=True)]
        aimed += [(t, first[i]) for i, t in firsts.items()]
        chances = self._affordances.chances(sid, selected, aimed)
        if self.stuck:
            chances[len(keys) :] = [max(p, INERT) for p in chances[len(keys) :]]
        chances = self._ruled_out(aimed, chances, list(firsts))
        n = len(keys)
        alive = {i for i, p in zip(firsts, chances[n:], strict=True) if p >= INERT}
        self.offered = [k for k in self.offered if k.id in alive]
        held = target_key(selected.box, w, h) if selected is not None else None
        # under a selection, a skill whose first click selected the like of it goes on from there
        goes_on_from = [False] * len(self.offered)
        if primer and selected is not None:
            like = alike_any([firsts[k.id] for k in self.offered], [selected])
            goes_on_from = [
                a and len(k.steps) > 1 and first[k.id] in (held, primer)
                for a, k in zip(like, self.offered, strict=True)
            ]
        # what a skill of this very state already clicks needs no exploring here
        tried = {k: list(ts) for k, ts in self._tried.get(context, {}).items()}
        for k in self.offered_here:
            tried.setdefault(first[k.id], []).append(firsts[k.id])
        untried = tuple(i for i, k in enumerate(keys) if k not in tried and chances[i] >= INERT)
        if primer:  # a selection waits: extend it by what did nothing alone (card -> enemy;
            # the affordance memory's chance, above, says what did nothing after selections)
            # and not what never acted after a selection here and did nothing after one like
            # this (a label is not tried with every card; an enemy is, with every kind of card)
            inert, under = self._inert.get(sid, set()), self._under.get(sid, {})
            untried = tuple(
                i
                for i in untried
                if keys[i] in inert
                and ((dead := under.get(keys[i])) is None or not alike_any([selected], dead)[0])
            )
            correctable = untried
        else:  # a reflection's correction may also click what looks new at a tried
            # place (a node that now glows), looks never clicked on this screen first
            targets = [t for t, _ in aimed[:n]]
            was = tried_before(targets, keys, tried)
            seen = self._affordances.seen_here(sid, targets)
            correctable = tuple(
                sorted(
                    (i for i in range(n) if not was[i] and chances[i] >= INERT),
                    key=seen.__getitem__,
                )
            )
        self._untried = (now, correctable, tuple(chances[:n]))
        hint = hints.get(context)  # a hint reflected under a selection holds for it only
        if hint is not None:
            hint_key = label_of(hint, now.frame)[0]
            aim = (getattr(hint, "target", None), hint_key)
            ruled_out = hint_key in self.closers or self._dead([aim])[0]
            hint = hint if hint_key in keys and not ruled_out else None
        total, runs, dry = self._explore.get(context, (0.0, 0, 0))
        if primer:
            avoid = set()  # guidelines were learnt with nothing selected
        return Situation(
            frame=now.frame,
            state_id=sid,
            candidates=now.candidates,
            untried=untried,
            avoided=tuple(i for i, k in enumerate(keys) if k in avoid),
            skills=tuple(
                self._view(k, first[k.id] in avoid, goes_on)
                for k, goes_on in zip(self.offered, goes_on_from, strict=True)
                # one click on what is selected would only undo it
                if goes_on or first[k.id] not in (held, primer)
            ),
            guidelines=guidelines,
            history=history,
            visits=now.seen.visits,
            # optimistic in a context opened by a selection: extending it is how sequences are found
            explore_value=(total + (1.0 if primer else 0.5)) / (runs + 1),
            # each untried element is an arm never pulled: UCB tries every one once, unless a
            # skill here is already trusted (a prior library: use what is known from step 0)
            explore_runs=runs if not untried or (not primer and self._trusted()) else dry,
            hint=hint,
            chances=self._untried[2],
            selected=selected,
        )

    def _view(self, skill: Skill, avoided: bool, goes_on: bool) -> SkillView:
        """How the proposer sees `skill`; `goes_on`: from its second step (its first click is
        what is selected now)."""
        n, start = len(skill.steps), int(goes_on)
        runs = skill.totals.runs + self._idle.get(skill.id, 0)
        avoided = avoided and not start
        return SkillView(skill.id, skill.name, n, self.mean(skill), runs, avoided, start)

    def _trusted(self) -> bool:
        """Whether a skill offered here has proved itself (TRUSTED_RUNS runs, value >= 0.5)."""
        return any(
            k.totals.runs >= TRUSTED_RUNS and value(k.totals) >= 0.5 for k in self.offered_here
        )

    def mean(self, skill: Skill) -> float:
        """The bandit's mean for a skill: the library's posterior value blended with this run's
        mean reward (which also counts how new the reached screens were)."""
        total, runs = self._rewards.get(skill.id, (0.0, 0))
        return 0.5 * value(skill.totals) + 0.5 * (total + 0.5) / (runs + 1)

    def note_reward(self, skill_id: str, reward: float) -> None:
        total, runs = self._rewards.get(skill_id, (0.0, 0))
        self._rewards[skill_id] = (total + reward, runs + 1)
        self._rewarded.append((skill_id, reward))

    def idle(self, skill_id: str) -> None:
        """A run of the skill whose first click did nothing: not held against it (it did not
        apply then: a card without the energy to play it), neither in the library nor in this
        process's mean (held against it, a card lost to the button that always acts, and turns
        were ended with cards still playable); only its run count grows, so its exploration
        bonus falls."""
        self._idle[skill_id] = self._idle.get(skill_id, 0) + 1

    def undo_last(self) -> None:
        """Take back the reward of the last skill run: what came after undid it."""
        if self._rewarded:
            self._take_back(*self._rewarded.pop())

    def setback(self) -> None:
        """Take back the rewards of the last CREDIT_WINDOW skill runs: they led to a setback."""
        while self._rewarded:
            self._take_back(*self._rewarded.pop())

    def progressed(self) -> None:
        """The progress signal rose: the last CREDIT_WINDOW skill runs led there, each is worth
        the whole reward (progress, not novelty, is what the bandit should learn)."""
        while self._rewarded:
            skill_id, reward = self._rewarded.pop()
            total, runs = self._rewards[skill_id]
            self._rewards[skill_id] = (total - reward + 1.0, runs)

    def _take_back(self, skill_id: str, reward: float) -> None:
        total, runs = self._rewards[skill_id]
        self._rewards[skill_id] = (total - reward, runs)

    def _ruled_out(
        self, aimed: list[tuple[Target | None, str]], chances: list[float], skill_ids: list[str]
    ) -> list[float]:
        """`chances` of the `aimed` (target, key) pairs, the last ones the first clicks of
        `skill_ids`, with what may not be clicked now set to 0: what closed the game (never, on
        any screen), and what just did nothing, looks like it, or starts a skill that just did
        (not until a click changes the screen), and for this decision only, what just failed and
        was reflected on. When nothing else may act, nothing is ruled out for doing nothing:
        something may have woken since."""
        n = len(aimed) - len(skill_ids)
        while True:
            dead = self._dead(aimed)
            dead[n:] = [
                d or i in self._dead_skills for d, i in zip(dead[n:], skill_ids, strict=True)
            ]
            out = [
                0.0 if d or k in self.closers else p
                for p, (_, k), d in zip(chances, aimed, dead, strict=True)
            ]
            if any(p >= INERT for p in out) or not (self._dead_now or self._dead_skills):
                break
            self._dead_now.clear()
            self._dead_skills.clear()
        # what just failed and was reflected on is not clicked right after, if anything else is
        key, skill, target = self.skip_next
        self.skip_next = ("", "", None)
        like = alike_any([t for t, _ in aimed], [target])  # a skill may find it elsewhere by look
        skipped = [
            0.0 if k == key or a else p for p, (_, k), a in zip(out, aimed, like, strict=True)
        ]
        skipped[n:] = [
            0.0 if i == skill else p for p, i in zip(skipped[n:], skill_ids, strict=True)
        ]
        return skipped if any(p >= INERT for p in skipped) else out

    def _dead(self, aimed: list[tuple[Target | None, str]]) -> list[bool]:
        """Whether each (target, key) just did nothing: alike in look and shape to a click that
        did (agent.cycle.affordance.alike_any), or, where either has no look, at its key."""
        alike = alike_any([t for t, _ in aimed], list(self._dead_now.values()))
        return [
            a or (k in self._dead_now and not (has_look(t) and has_look(self._dead_now[k])))
            for a, (t, k) in zip(alike, aimed, strict=True)
        ]

    def closes(self, action: Action, frame: Frame) -> bool:
        """Whether `action` clicks where a click once closed the game (never again)."""
        return label_of(action, frame)[0] in self.closers

    def may_act(self, now: Perceived, selected: Target | None, action: Action) -> bool:
        """Whether a click may act now: its target did not just do nothing here (nor anything
        like it), nor just failed and was reflected on, and things that look like it did act
        here with this selection (or were never clicked), or the last STUCK clicks did nothing."""
        key = label_of(action, now.frame)[0]
        target = getattr(action, "target", None)
        if self.closes(action, now.frame) or self._dead([(target, key)])[0]:
            return False
        if key == self.skip_next[0]:  # a skill's next click on what it just undid
            return False
        if self.stuck:
            return True
        chance = self._affordances.chances(now.seen.state_id, selected, [(target, key)])[0]
        return chance >= INERT

    def clicked(self, key: str, target: Target | None, acted: bool, skill_id: str = "") -> None:
        """A click on `target` (key `key`; a step of skill `skill_id`) acted or did nothing:
        what did nothing on this screen, what looks like it and the skill it was a step of are
        not clicked again until a click changes the screen."""
        self._streak = 0 if acted else self._streak + 1
        if acted:
            self._dead_now.clear()
            self._dead_skills.clear()
        else:
            self._dead_now[key] = target
            if skill_id:
                self._dead_skills.add(skill_id)

    @property
    def stuck(self) -> bool:
        """Whether the last STUCK clicks all did nothing (see STUCK)."""
        return self._streak >= STUCK

    def set_aside(self, skill_id: str) -> None:
        """A skill whose next target is not on screen: not offered until the screen changes."""
        self._dead_skills.add(skill_id)

    def untried(self, now: Perceived) -> tuple[tuple[int, ...], tuple[float, ...]]:
        """What a reflection's correction may click on `now` and every candidate's chance to
        act (empty if `now` was not recalled): the untried candidates and those that look new
        at a tried place, looks never clicked on this screen first; under a selection, the
        untried ones."""
        return self._untried[1:] if self._untried[0] is now else ((), ())

    def note_explored(
        self,
        sid: str,
        action: Action,
        frame: Frame,
        reward: float,
        acted: bool = True,
        selected: Target | None = None,
    ) -> None:
        """Remember an explored target as tried in a context (a state, or state|primer), and,
        with nothing selected, whether it did nothing on its own (inert); with `selected`
        selected, whether it ever acted after a selection here, else what it did nothing with."""
        key = label_of(action, frame)[0]
        looks = self._tried.setdefault(sid, {}).setdefault(key, [])
        looks[:] = [*looks[-TRIED_LOOKS + 1 :], getattr(action, "target", None)]
        if "|" in sid:
            under = self._under.setdefault(sid.split("|")[0], {})
            dead = under.get(key, [])
            if acted or dead is None:
                under[key] = None
            else:
                under[key] = [*dead[-7:], selected]
        else:
            inert = self._inert.setdefault(sid, set())
            if acted:
                inert.discard(key)
            else:
                inert.add(key)
        total, runs, dry = self._explore.get(sid, (0.0, 0, 0))
        self._explore[sid] = (total + reward, runs + 1, 0 if acted else dry + 1)
