"""Effect: where a click changed the screen, and what that says about the next click.

A click that changed its own target (a picked card lifts or lights up) without leaving the screen
state selected it: the next click may extend it (card -> enemy). A click that changed only the
rest of the screen (a button that opened a dialog elsewhere, an "End Turn" that dealt a new hand)
selected nothing. Nothing here knows a game.
"""

from __future__ import annotations

from agent.perception.change import changed_fraction
from agent.types import Step, Target

SELECTED_CHANGE = 0.05
"""A click selected its target when at least this fraction of the target's inner part changed."""
INNER = 0.2
"""The margin (a fraction of each side) left out of a target's inner part: a ring drawn around
a target, or taken away, does not change the target itself."""


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
