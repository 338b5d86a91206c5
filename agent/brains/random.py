"""The random-click baseline: clicks a random candidate region, for comparison only.

It is what the learning agent must beat. It looks at the frame only to find candidate regions
(agent.perception), never at any game internals, and learns nothing.
"""

from __future__ import annotations

import random

from agent.perception.objects import candidates
from agent.types import Click, Frame, Step


class RandomClicker:
    """Clicks the centre of a uniformly chosen candidate; a uniform random point if there is none."""

    name = "random-baseline"

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def decide(self, frame: Frame) -> Click:
        found = candidates(frame)
        if found:
            box = self._rng.choice(found).box
            return Click(box.center.x, box.center.y)
        width, height = int(frame.width / frame.scale), int(frame.height / frame.scale)
        return Click(self._rng.randrange(width), self._rng.randrange(height))

    def observe(self, step: Step) -> None:
        """The baseline does not learn."""
