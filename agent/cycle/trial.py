"""Trial: turn a skill's object-relative steps into actions on the *current* frame.

A SkillStep stores its target's appearance descriptor, text and box as window fractions. Before
every step the target is re-grounded (agent.perception.reground) on the frame at hand, so a card
that moved or a resized window still gets clicked; when it cannot be found the run stops there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.perception.objects import Candidate
from agent.perception.reground import reground
from agent.types import Action, Click, Frame, Rect, Target
from skills.model import Box, Skill, SkillStep


@dataclass
class SkillRun:
    """A skill being executed: which step is next, where it started, the rewards so far."""

    skill: Skill
    start_state: str
    next_index: int = 0
    rewards: list[float] = field(default_factory=list)
    acted: list[bool] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.next_index >= len(self.skill.steps)

    @property
    def mean_reward(self) -> float:
        """The mean reward of the steps run so far (at least one)."""
        return sum(self.rewards) / len(self.rewards)


def _size(frame: Frame) -> tuple[float, float]:
    return frame.width / frame.scale, frame.height / frame.scale


def step_from_action(action: Action, frame: Frame) -> SkillStep | None:
    """The object-relative SkillStep for an action aimed at a target (None when it has none)."""
    target = getattr(action, "target", None)
    if not isinstance(action, Click) or target is None:
        return None
    width, height = _size(frame)
    b = target.box
    box = Box(
        x=min(1.0, max(0.0, b.x / width)),
        y=min(1.0, max(0.0, b.y / height)),
        w=min(1.0, max(0.0, b.w / width)),
        h=min(1.0, max(0.0, b.h / height)),
    )
    ox = (action.x - b.x) / b.w if b.w else 0.5
    oy = (action.y - b.y) / b.h if b.h else 0.5
    return SkillStep(
        kind="click",
        target=tuple(target.descriptor),
        text=target.text or None,
        box=box,
        offset=(min(1.0, max(0.0, ox)), min(1.0, max(0.0, oy))),
    )


def target_of(step: SkillStep, frame: Frame) -> Target:
    """The Target a stored step aims at, in this frame's logical pixels."""
    width, height = _size(frame)
    b = step.box or Box(x=0, y=0, w=0, h=0)
    rect = Rect(round(b.x * width), round(b.y * height), round(b.w * width), round(b.h * height))
    return Target(box=rect, descriptor=tuple(step.target), text=step.text or "")


def ground_step(
    step: SkillStep, frame: Frame, proposals: Sequence[Candidate], by_place: bool = False
) -> Click | None:
    """The click that performs `step` on this frame, or None when its target is not there.

    `by_place`: when nothing looks like the target, the candidate nearest its place will do (a
    later step of a skill: "then click the enemy" where another enemy now stands)."""
    if step.kind != "click":
        return None
    target = target_of(step, frame)
    found = reground(target, frame, proposals=proposals)
    if found is not None:
        # the look of what is there: what a click on it does is known by its own look
        grounded = Target(box=found.box, descriptor=found.descriptor, text=target.text)
    elif by_place and (here := _at_place(target.box, proposals, *_size(frame))) is not None:
        grounded = here.target()  # another thing: what is known about its own look applies
    else:
        return None
    box = grounded.box
    x = round(box.x + step.offset[0] * box.w)
    y = round(box.y + step.offset[1] * box.h)
    return Click(x, y, target=grounded)


NEAR = 0.15
"""A later step's stand-in must lie within this fraction of the window's diagonal."""


def _at_place(
    box: Rect, proposals: Sequence[Candidate], width: float, height: float
) -> Candidate | None:
    """The proposal whose centre is nearest `box`'s centre, within NEAR of the diagonal."""
    c = box.center
    best, best_d = None, NEAR * math.hypot(width, height)
    for p in proposals:
        d = math.hypot(p.box.center.x - c.x, p.box.center.y - c.y)
        if d <= best_d:
            best, best_d = p, d
    return best
