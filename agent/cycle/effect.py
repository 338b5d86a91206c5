"""Effect: where a click changed the screen, and what that says about the next click.

    changed_inside(step, target)   the click changed its own target (a picked card lifts or lights
                                   up): it selected it, the next click may extend it
    opened_region(step)            the click changed only a region elsewhere (a button opened a
                                   dialog, a menu): what it brought up is explored first
    DeadClicks                     per exact screen (frame key), the targets that did nothing
                                   there: on that same screen they will do nothing again
Nothing here knows a game: a person playing any mouse-driven game reads screens the same way.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

import cv2
import numpy as np

from agent.brains.base import Situation
from agent.cycle.perceive import Perceived
from agent.cycle.reflect import label_of
from agent.cycle.targets import target_key
from agent.cycle.trial import target_of
from agent.perception.change import changed_fraction, changed_mask
from agent.types import Rect, Step, Target
from skills.model import Skill

SELECTED_CHANGE = 0.05
"""A click selected its target when at least this fraction of the target's inner part changed."""
INNER = 0.2
"""The margin (a fraction of each side) left out of a target's inner part: a ring drawn around
a target, or taken away, does not change the target itself."""
OPENED_MAX = 0.5
"""A change elsewhere covering more of the window than this is a new screen, not something opened."""
DEAD_FRAMES = 512
"""How many exact screens the dead clicks are remembered for."""
DEAD_CHANCE = 0.01
"""The chance to act given to a target that did nothing on this very screen (it will not now)."""


def changed_inside(step: Step, target: Target) -> bool:
    """Whether the click changed the inner part of its own target (a picked card lifts or lights
    up), not only the rest of the screen (a dialog opened elsewhere, a panel, a new hand)."""
    s, b = step.before.scale, target.box
    x0, y0 = round((b.x + INNER * b.w) * s), round((b.y + INNER * b.h) * s)
    x1, y1 = round((b.x + (1 - INNER) * b.w) * s), round((b.y + (1 - INNER) * b.h) * s)
    before, after = step.before.image[y0:y1, x0:x1], step.after.image[y0:y1, x0:x1]
    if before.size == 0 or before.shape != after.shape:
        return True  # too small to tell, or the window changed size: as any change
    return changed_fraction(before, after) >= SELECTED_CHANGE


def opened_region(step: Step) -> Rect | None:
    """The region (logical pixels) of the largest connected change a click made, when it covers
    at most OPENED_MAX of the window: what the click opened (None: nothing, or a new screen)."""
    mask = changed_mask(step.before.image, step.after.image).astype(np.uint8)
    mask = cv2.dilate(mask, np.ones((9, 9), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    if count < 2:
        return None
    x, y, w, h, _ = stats[1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))]
    if w * h > OPENED_MAX * mask.size:
        return None
    s = step.before.scale
    return Rect(int(x / s), int(y / s), int(w / s), int(h / s))


def into_region(situation: Situation, now: Perceived, region: Rect) -> Situation | None:
    """The situation with only the untried elements inside `region` to explore (no skills, no
    hint), or None when none is left there."""
    centres = [c.box.center for c in now.candidates]
    inside = tuple(i for i in situation.untried if region.contains(centres[i].x, centres[i].y))
    if not inside:
        return None
    return replace(situation, untried=inside, skills=(), hint=None)


class DeadClicks:
    """Per exact screen (frame key), the target keys that did nothing there."""

    def __init__(self, limit: int = DEAD_FRAMES) -> None:
        self._limit = limit
        self._dead: OrderedDict[bytes, set[str]] = OrderedDict()

    def note(self, frame_key: bytes, target: str) -> None:
        self._dead.setdefault(frame_key, set()).add(target)
        self._dead.move_to_end(frame_key)
        if len(self._dead) > self._limit:
            self._dead.popitem(last=False)

    def prune(self, situation: Situation, now: Perceived, offered: list[Skill]) -> Situation:
        """On a screen seen pixel for pixel before, what did nothing there is neither explored
        nor the first click of a skill run (and is drawn only when nothing else is left)."""
        dead = self._dead.get(now.key)
        if not dead:
            return situation
        w, h = now.size
        keys = [target_key(c.box, w, h) for c in now.candidates]
        firsts = {k.id: target_key(target_of(k.steps[0], now.frame).box, w, h) for k in offered}
        hint = situation.hint
        if hint is not None and label_of(hint, now.frame)[0] in dead:
            hint = None
        return replace(
            situation,
            untried=tuple(i for i in situation.untried if keys[i] not in dead),
            skills=tuple(k for k in situation.skills if firsts.get(k.id) not in dead),
            chances=tuple(
                DEAD_CHANCE if k in dead else p
                for k, p in zip(keys, situation.chances, strict=False)
            ),
            hint=hint,
        )
