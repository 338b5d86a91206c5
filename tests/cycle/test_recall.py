"""Recall under a selection: what may extend it, and what is no longer worth a try."""

from __future__ import annotations

import numpy as np

from agent.cycle.affordance import Affordances
from agent.cycle.memory import Seen, StateMemory
from agent.cycle.perceive import Perceived
from agent.cycle.recall import SELECTIONS_TRIED, Recall
from agent.cycle.targets import target_key
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect
from skills.graph import SkillGraph

W, H = 640, 360
BOXES = [
    Rect(40, 40, 80, 60),
    Rect(40, 200, 80, 60),
    Rect(400, 20, 120, 30),
    Rect(400, 200, 90, 90),
]
FRAME = Frame(np.zeros((H, W, 3), np.uint8), 0, 0.0, Rect(0, 0, W, H))
NOW = Perceived(
    FRAME, tuple(Candidate(b, (), "", 0.5) for b in BOXES), Seen("st_s", "s-x", 9, False), None
)


def _click(i: int) -> Click:
    return Click(BOXES[i].center.x, BOXES[i].center.y, target=NOW.candidates[i].target())


def test_a_selection_is_extended_only_by_what_has_not_failed_after_other_selections(tmp_path):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    # Alone, the header text (2) and the target (3) do nothing; the two cards (0, 1) select.
    for i in (2, 3):
        recall.note_explored("st_s", _click(i), FRAME, 0.0, acted=False)
    keys = [target_key(b, W, H) for b in BOXES]
    first = recall.situation(NOW, (), {}, primer=keys[0])
    assert set(first.untried) == {2, 3}, "after a selection, try what did nothing alone"
    # After each of SELECTIONS_TRIED selections the header did nothing; the target acted once.
    for n in range(SELECTIONS_TRIED):
        context = f"st_s|{keys[n % 2]}"
        recall.note_explored(context, _click(2), FRAME, 0.0, acted=False)
        recall.note_explored(context, _click(3), FRAME, 1.0, acted=n == 0)
    later = recall.situation(NOW, (), {}, primer="cell-new-selection")
    assert later.untried == (3,), "what failed after every selection is not tried again"
