"""Abstract: what worked becomes skills.

* an explored click that acted becomes a candidate skill, named by the namer (offline: the OCR
  text of its target, "click 'End Turn'"); a click that re-grounds onto the target of a skill
  already offered here is that skill (similar skills are one cluster, one id);
* a repeatable chain of 2..L acting skills (seen `min_repeats` times, ending in progress or a
  new screen) becomes a composite skill (graph.compose), offered where its first part is;
* the number of skills per state is bounded.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from agent.brains.base import Namer, Naming
from agent.cycle.strategy import Recipe
from agent.cycle.trial import ground_step, step_from_action, target_of
from agent.perception.objects import Candidate
from agent.types import Action, Frame
from skills.model import Effect, Provenance, Skill, SkillStep

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Link:
    """One executed skill in the chain window: which, from which state, and how it went."""

    skill_id: str
    length: int
    state_id: str
    acted: bool
    progressive: bool


def same_target(skill: Skill, action: Action, frame: Frame, proposals: Sequence[Candidate]) -> bool:
    """Whether a one-step skill's target re-grounds onto the box this action aimed at."""
    target = getattr(action, "target", None)
    if target is None or len(skill.steps) != 1:
        return False
    click = ground_step(skill.steps[0], frame, proposals)
    return click is not None and click.target is not None and click.target.box.iou(target.box) > 0.6


def skill_from_exploration(
    graph,
    namer: Namer,
    recipe: Recipe,
    *,
    action: Action,
    frame: Frame,
    after: Frame,
    proposals: Sequence[Candidate],
    offered: Sequence[Skill],
    state_id: str,
    next_state: str,
    scope: str,
    agent_id: str,
    step: int,
    max_per_state: int,
    prefix: SkillStep | None = None,
) -> tuple[Skill | None, int]:
    """The skill an acting exploration becomes (existing or new) and the model calls spent.

    `prefix`: the step that selected something just before (the exploration extended it), so
    the new skill is the two-step sequence (Bottom-Up Agent: replay a prefix, extend it).
    """
    for skill in offered:  # an extension by something that works alone is just that thing
        if same_target(skill, action, frame, proposals):
            return skill, 0
    if len(offered) >= max_per_state:
        return None, 0
    skill_step = step_from_action(action, frame)
    if skill_step is None:
        return None, 0
    steps = [skill_step] if prefix is None else [prefix, skill_step]
    first = [] if prefix is None else [target_of(prefix, frame)]
    targets = (*first, getattr(action, "target", None))
    named = namer.name(Naming(frame, (action,) * len(targets), targets, after), recipe)
    evidence = graph.add_evidence(evidence_png(frame, action))
    skill = Skill.create(
        steps,
        scope=scope,
        name=named.name,
        description=named.description,
        effect=Effect(description=named.description, next_state=next_state),
        provenance=(Provenance(agent=agent_id, game=scope, step=step),),
        evidence=(evidence,),
    )
    return graph.add_skill(skill, available_in=[state_id]), named.model_calls


def evidence_png(frame: Frame, action: Action, width: int = 320) -> bytes:
    """A small picture of the frame a skill was found on, its click marked: what `skills graph
    --format html` shows a person next to the skill's name and stats."""
    image = cv2.cvtColor(np.ascontiguousarray(frame.image), cv2.COLOR_RGB2BGR)
    if hasattr(action, "x"):
        centre = (int(action.x * frame.scale), int(action.y * frame.scale))
        radius = max(6, frame.width // 60)
        cv2.circle(image, centre, radius, (0, 0, 255), max(2, frame.width // 400))
    factor = min(1.0, width / max(1, frame.width))
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    ok, png = cv2.imencode(".png", small)
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("could not encode the evidence frame")
    return png.tobytes()


class Chains:
    """Counts chains of consecutive acting skills; repeatable ones become composite skills."""

    def __init__(self, max_steps: int = 4, min_repeats: int = 2, max_per_state: int = 4) -> None:
        self._window: deque[Link] = deque(maxlen=max_steps)
        self._counts: Counter[tuple[str, ...]] = Counter()
        self._made: set[tuple[str, ...]] = set()
        self._per_state: Counter[str] = Counter()
        self.max_steps = max_steps
        self.min_repeats = min_repeats
        self.max_per_state = max_per_state

    def reset(self) -> None:
        self._window.clear()

    def add(self, graph, link: Link, names: dict[str, str]) -> Skill | None:
        """Note one executed skill; returns a composite made from a repeatable chain, if any."""
        if not link.acted:
            self._window.clear()
            return None
        self._window.append(link)
        links = list(self._window)
        for start in range(len(links) - 1):
            chain = links[start:]
            if sum(c.length for c in chain) > self.max_steps:
                continue
            ids = tuple(c.skill_id for c in chain)
            if len(set(ids)) < len(ids):
                continue
            self._counts[ids] += 1
            first = chain[0].state_id
            if (
                self._counts[ids] >= self.min_repeats
                and link.progressive
                and ids not in self._made
                and self._per_state[first] < self.max_per_state
            ):
                self._made.add(ids)
                self._per_state[first] += 1
                name = " then ".join(names.get(i, i) for i in ids)
                log.info("composite skill: %s", name)
                return graph.compose(list(ids), name=name)
        return None
