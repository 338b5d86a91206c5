"""A click that opens something elsewhere (a dialog) is not a selection: what it opened is explored."""

from __future__ import annotations

import pytest

from agent.cycle.effect import changed_inside, opened_region
from agent.cycle.reflect import label_of
from agent.learner import Learner, LearnerSettings
from agent.loop import run_episode
from agent.types import Click, Step, Target
from skills.graph import SkillGraph
from tests.cycle.dialoggame import PANEL, SCORES, TILES, DialogGame


def _click(game: DialogGame, box, before) -> Step:
    action = Click(box.center.x, box.center.y, target=Target(box=box))
    after = game.step(action).frame
    return Step(0, before, action, after, 0.0, acted=True, changed_fraction=0.05)


def test_a_picked_tile_changed_itself_a_dialog_button_only_the_rest_of_the_screen():
    game = DialogGame()
    board = game.reset()
    picked = _click(game, TILES[1], board)
    assert changed_inside(picked, picked.action.target)
    opened = _click(game, SCORES, picked.after)
    assert not changed_inside(opened, opened.action.target)
    region = opened_region(opened)
    assert region is not None
    assert region.contains(PANEL.center.x, PANEL.center.y)
    assert region.w * region.h < 2 * PANEL.w * PANEL.h


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_after_opening_a_dialog_the_next_click_goes_into_it(tmp_path, seed):
    game = DialogGame()
    board = game.reset()
    learner = Learner(SkillGraph.open(tmp_path / "lib.sqlite"), LearnerSettings(seed=seed))
    learner.decide(board)  # whatever it chose, it is told it clicked the button
    step = _click(game, SCORES, board)
    learner.observe(step)
    action = learner.decide(step.after)
    assert PANEL.contains(action.x, action.y), "it explores what the click opened"
    learner.close()


def test_on_a_screen_where_nothing_acts_no_dead_click_is_repeated(tmp_path):
    game = DialogGame()
    learner = Learner(SkillGraph.open(tmp_path / "lib.sqlite"), LearnerSettings(seed=0))
    steps = run_episode(game, learner, max_steps=50)
    for _ in range(30):  # tiles picked and dropped: skills that act, worth running again
        next(steps)
    game.frozen = True  # the game is over: nothing acts any more, the screen stays as it is
    clicked = [label_of(s.action, s.before)[0] for s in (next(steps) for _ in range(15))]
    learner.close()
    assert len(set(clicked)) == len(clicked), f"a dead click was repeated: {clicked}"
