"""A click selects what it changed: a picked tile, not a button that opens a dialog elsewhere."""

from __future__ import annotations

from agent.cycle.effect import changed_inside
from agent.types import Click, Step, Target
from tests.cycle.dialoggame import SCORES, TILES, DialogGame


def _click(game: DialogGame, box, before) -> Step:
    action = Click(box.center.x, box.center.y, target=Target(box=box))
    after = game.step(action).frame
    return Step(0, before, action, after, 0.0, acted=True, changed_fraction=0.05)


def test_a_picked_tile_changed_itself_a_dialog_button_only_the_rest_of_the_screen():
    game = DialogGame()
    picked = _click(game, TILES[1], game.reset())
    assert changed_inside(picked, picked.action.target), "the tile lit up: it is selected"
    opened = _click(game, SCORES, picked.after)
    assert game.dialog
    assert not changed_inside(opened, opened.action.target), "the dialog opened elsewhere"
