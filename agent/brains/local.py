"""The offline brain: the embedded default, game-agnostic, no model at all.

propose   softmax-UCB over the skills offered in this state plus an Explore arm
          (agent/cycle/decide.py); exploring clicks an untried candidate, best-scored and
          likeliest to act first (chance cubed: things that look dead are rarely clicked),
          or the reflection's corrected action when there is one (whether to explore at
          all stays the bandit's: taken first, it chained dead clicks); avoided targets
          are penalised
judge     intrinsic reward from screen change, novelty and the declared progress signal
          (agent/cycle/judge.py)
name      the OCR text of the target ("click 'End Turn'"), else where it is on the screen
reflect   HAR without a model (agent/cycle/reflect.py)
"""

from __future__ import annotations

import random

from agent.brains.base import Brain, Naming, Proposal, Situation, SkillName
from agent.cycle.decide import Arm, softmax_ucb
from agent.cycle.judge import OfflineJudge
from agent.cycle.reflect import OfflineReflector
from agent.cycle.strategy import Recipe
from agent.cycle.targets import target_label
from agent.types import Click, Rect

EXPLORE = "explore"
AVOID_PENALTY = 0.4
AVOIDED_WEIGHT = 0.3


class OfflineProposer:
    """Chooses a skill or an exploration by softmax-UCB; seeded, so runs repeat."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def propose(self, situation: Situation, recipe: Recipe) -> Proposal:
        s = situation
        arms = [
            Arm(k.id, k.value - (AVOID_PENALTY if k.avoided else 0.0), k.runs) for k in s.skills
        ]
        pool, weights, tried_all = self._pool(s)
        if any(weights) and not (recipe.replay and arms):
            bonus = 0.1 if s.untried else -0.2
            arms.append(Arm(EXPLORE, s.explore_value + bonus, s.explore_runs))
        if not arms:
            reason = "nothing here may act" if s.candidates else "nothing to click was seen"
            return Proposal(action=self._anywhere(s), reason=reason)
        arm = softmax_ucb(arms, s.visits, recipe.explore_bonus, self._rng)
        if arm.label != EXPLORE:
            return Proposal(
                skill_id=arm.label, reason=f"softmax-UCB chose a skill ({arm.mean:.2f})"
            )
        if s.hint is not None:
            return Proposal(action=s.hint, reason="explore the reflection's corrected action")
        cand = s.candidates[self._rng.choices(pool, weights=weights, k=1)[0]]
        b = cand.box
        x, y = b.center.x, b.center.y
        if tried_all:  # its centre was tried: a box may hold more than one thing, aim elsewhere
            x = b.x + round(b.w * self._rng.uniform(0.2, 0.8))
            y = b.y + round(b.h * self._rng.uniform(0.2, 0.8))
        return Proposal(action=Click(x, y, target=cand.target()), reason="explore an element")

    def _pool(self, s: Situation) -> tuple[list[int], list[float], bool]:
        """The candidates to explore, their weights, and whether all were tried already. A
        weight 0 is something that may not be clicked now (it just did nothing, or closed the
        game): with every weight 0 there is nothing to explore."""
        avoided = set(s.avoided)
        pool = [i for i in s.untried if i not in avoided]
        tried_all = not pool
        if tried_all:  # anything again, what a guideline avoids rarely (a dead button may wake)
            pool = list(range(len(s.candidates)))
        weights = [
            (0.2 + s.candidates[i].score)
            * (AVOIDED_WEIGHT if i in avoided else 1.0)
            * (s.chances[i] ** 3 if s.chances else 1.0)
            for i in pool
        ]
        return pool, weights, tried_all

    def _anywhere(self, s: Situation) -> Click:
        w, h = int(s.frame.width / s.frame.scale), int(s.frame.height / s.frame.scale)
        return Click(self._rng.randrange(w), self._rng.randrange(h))


class OfflineNamer:
    """Names a skill from the OCR text of its targets (read only now, cached by content)."""

    def __init__(self, reader=None) -> None:
        self._reader = reader

    def _text(self, naming: Naming, box: Rect) -> str:
        if self._reader is None:
            from agent.perception.text import TextReader

            self._reader = TextReader()
        f = naming.frame
        image_box = Rect(
            round(box.x * f.scale),
            round(box.y * f.scale),
            round(box.w * f.scale),
            round(box.h * f.scale),
        )
        try:
            text = self._reader.read(f.image, image_box)
        except Exception:  # OCR is a nicety here: a missing engine must not stop learning
            return ""
        return " ".join(text.split())[:40]

    def name(self, naming: Naming, recipe: Recipe) -> SkillName:
        f = naming.frame
        width, height = f.width / f.scale, f.height / f.scale
        parts = []
        for target in naming.targets:
            if target is not None and not target.text:
                text = self._text(naming, target.box)
                if text:
                    target = type(target)(box=target.box, descriptor=target.descriptor, text=text)
            parts.append(f"click {target_label(target, width, height)}")
        name = " then ".join(parts)[:60] or "click"
        return SkillName(name=name, description=f"{name}; the screen changes")


def offline_brain(seed: int = 0, reader=None) -> Brain:
    """The embedded default brain (every role offline)."""
    return Brain(
        proposer=OfflineProposer(seed),
        judge=OfflineJudge(),
        namer=OfflineNamer(reader),
        reflector=OfflineReflector(),
        tier="offline",
    )
