"""Screen states read from a library depend on what it holds, not on the order it was stored in."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from agent.cycle.memory import StateMemory
from agent.perception.state import GRID_H, GRID_W
from agent.types import Frame, Rect
from skills.graph import SkillGraph

FRAME = Frame(np.zeros((9, 16, 3), np.uint8), 0, 0.0, Rect(0, 0, 16, 9))


def _flat(level: float) -> tuple[float, ...]:
    """The signature vector of a flat screen at one lightness (a Lab value per grid cell)."""
    return (level, 0.5, 0.5) * (GRID_W * GRID_H)


def test_the_same_states_read_in_either_order_give_the_same_screen_state(tmp_path):
    # Two stored states closer than the threshold (two runs each made one of the same screen):
    # loading them makes them one screen state here, and which one it is must not depend on
    # the order the library lists them in (the order they were stored in: a library merged
    # in another order, or learnt from recordings, lists the same states in another order).
    seen = []
    with SkillGraph.open(tmp_path / "lib.sqlite") as graph:
        graph.state("s-aaa", _flat(0.100))
        graph.state("s-bbb", _flat(0.108))
        listed = graph.store.changes
        for order in (1, -1):
            graph.store.changes = lambda since, o=order: replace(
                listed(since), nodes=listed(since).nodes[::o]
            )
            memory = StateMemory(graph, 0.015)
            seen.append(memory.see(FRAME, ("k", np.asarray(_flat(0.104), np.float32))).state_id)
    assert seen[0] == seen[1]
