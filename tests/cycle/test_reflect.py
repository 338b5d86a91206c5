"""HAR reflection: cites the history, corrects the action, keeps at most 3 guidelines per state."""

from __future__ import annotations

import numpy as np

from agent.brains.base import Judgement, Reflection, Trial, check_reflection
from agent.cycle.reflect import (
    OfflineReflector,
    recall_guidelines,
    reflect_checked,
    store_guidelines,
)
from agent.cycle.strategy import Recipe
from agent.cycle.targets import target_key
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect, Target
from skills.graph import SkillGraph

RECIPE = Recipe(name="explore+reflect", reflect=True)
W, H = 640, 360


def _trial(history: tuple[str, ...], label: str = "'Deal'") -> Trial:
    frame = Frame(np.zeros((H, W, 3), np.uint8), 0, 0.0, Rect(0, 0, W, H))
    boxes = [Rect(20, 20, 80, 30), Rect(300, 200, 90, 40), Rect(500, 300, 60, 30)]
    cands = tuple(Candidate(b, (), "", 0.5) for b in boxes)
    failed = Click(60, 35, target=Target(boxes[0], (), "Deal"))
    judgement = Judgement(acted=False, consistent=False, progressive=False, reward=0.0)
    return Trial(
        frame, "st_x", failed, judgement, target_key(boxes[0], W, H), label, history, cands, (1, 2)
    )


HISTORY = (
    "[step 7] click 'Deal' -> no change",
    "[step 8] click the small element at the top right -> changed the screen",
    "[step 9] click 'Deal' -> no change",
)


def test_offline_reflection_cites_the_history_and_corrects_the_action():
    trial = _trial(HISTORY)
    reflection = OfflineReflector().reflect(trial, RECIPE)
    assert check_reflection(reflection, HISTORY) == ""
    assert "[step 7]" in reflection.reasoning and "[step 9]" in reflection.reasoning
    assert "'Deal'" in reflection.statement
    assert 1 <= len(reflection.guidelines) <= 3
    assert all("(" not in g.text or "," not in g.text for g in reflection.guidelines)
    corrected = reflection.corrected
    assert corrected is not None and corrected.target is not None
    assert target_key(corrected.target.box, W, H) != trial.target_key


class _Forgetful:
    """A reflector that ignores the history unless told it did."""

    def __init__(self, learns: bool) -> None:
        self.calls = 0
        self.learns = learns

    def reflect(self, trial: Trial, recipe: Recipe) -> Reflection:
        self.calls += 1
        reasoning = "try harder"
        if trial.retry_note and self.learns:
            reasoning = "as [step 9] shows, 'Deal' does nothing here"
        return Reflection("it failed", reasoning, None, (), model_calls=1)


def test_a_reflection_that_ignores_the_history_is_re_asked_once():
    forgetful = _Forgetful(learns=True)
    reflection = reflect_checked(forgetful, _trial(HISTORY), RECIPE)
    assert forgetful.calls == 2
    assert "[step 9]" in reflection.reasoning
    assert reflection.model_calls == 2
    stubborn = _Forgetful(learns=False)
    reflection = reflect_checked(stubborn, _trial(HISTORY), RECIPE)
    assert stubborn.calls == 2  # once more, not forever
    assert reflection.guidelines == () and reflection.corrected is None


def test_guidelines_naming_pixel_coordinates_are_rejected():
    from agent.brains.base import Guideline

    bad = Reflection("x", "[step 9] failed", None, (Guideline("avoid the button at (60, 35)"),))
    assert "coordinates" in check_reflection(bad, HISTORY)


def test_at_most_three_guidelines_are_kept_on_a_state_and_recalled_there(tmp_path):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    state = graph.state("s-abc")
    labels = ["'Deal'", "'Fold'", "'Raise'", "'Call'", "'Check'"]
    for label in labels:
        reflection = OfflineReflector().reflect(_trial(HISTORY, label), RECIPE)
        store_guidelines(graph, state.id, reflection, scope="toy")
    recalled = recall_guidelines(graph, state.id)
    assert 1 <= len(recalled) <= 3
    assert all(g.polarity == "avoid" and g.target_key.startswith("cell ") for g in recalled)
    assert recall_guidelines(graph, graph.state("s-other").id) == ()
    graph.close()


def test_the_correction_is_the_untried_element_likeliest_to_act_and_none_once_all_were_tried():
    # Never the first one listed when that is known to do nothing (it was repeated hundreds of
    # times); and once every element was tried, no correction: the likeliest to act was always
    # the button that ends a turn, a habit that lost fights, and the bandit knows better.
    base = _trial(HISTORY)
    dead_first = Trial(**{**base.__dict__, "untried": (0, 1, 2), "chances": (0.1, 0.2, 0.8)})
    corrected = OfflineReflector().reflect(dead_first, RECIPE).corrected
    assert corrected is not None and corrected.target is not None
    assert corrected.target.box == base.candidates[2].box
    all_tried = Trial(**{**base.__dict__, "untried": (), "chances": (0.1, 0.2, 0.8)})
    assert OfflineReflector().reflect(all_tried, RECIPE).corrected is None
    all_dead = Trial(**{**base.__dict__, "untried": (0, 1, 2), "chances": (0.1, 0.2, 0.25)})
    assert OfflineReflector().reflect(all_dead, RECIPE).corrected is None
