"""Trial: a later step of a skill stands in for a target that is gone by what is at its place."""

from __future__ import annotations

import numpy as np

from agent.cycle.trial import ground_step, step_from_action
from agent.perception.descriptor import describe
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect

W, H = 640, 360


def _scene(*boxes: tuple[Rect, tuple[int, int, int]]):
    image = np.full((H, W, 3), 20, np.uint8)
    for box, colour in boxes:
        image[box.y : box.y + box.h, box.x : box.x + box.w] = colour
    frame = Frame(image, 0, 0.0, Rect(0, 0, W, H))
    return frame, tuple(Candidate(b, describe(image, b), "", 0.5) for b, _ in boxes)


def _step(c: Candidate, frame: Frame):
    """The skill step of a click on `c`'s centre."""
    return step_from_action(Click(c.box.center.x, c.box.center.y, target=c.target()), frame)


def test_a_later_step_clicks_what_now_stands_where_its_target_stood():
    enemy = Rect(420, 80, 90, 140)
    first, cands = _scene((enemy, (200, 40, 40)), (Rect(40, 260, 60, 80), (40, 40, 200)))
    step = _step(cands[0], first)
    # another enemy, drawn quite unlike the first, stands a little to the right
    other = Rect(450, 70, 70, 170)
    later, now = _scene((other, (230, 230, 60)), (Rect(40, 260, 60, 80), (40, 40, 200)))
    assert ground_step(step, later, now) is None, "nothing there looks like the first enemy"
    click = ground_step(step, later, now, by_place=True)
    assert click is not None and other.contains(click.x, click.y)


def test_a_stand_in_is_clicked_as_itself_so_what_is_known_of_its_look_applies():
    enemy = Rect(420, 80, 90, 140)
    first, cands = _scene((enemy, (200, 40, 40)))
    c = cands[0]
    step = _step(c, first)
    other = Rect(450, 70, 70, 170)
    later, now = _scene((other, (230, 230, 60)))
    click = ground_step(step, later, now, by_place=True)
    assert click is not None and click.target is not None
    assert click.target.box == other and click.target.descriptor == now[0].descriptor
    found = ground_step(step, first, cands)  # found by its look: the skill's own target
    assert found is not None and found.target.descriptor == c.descriptor


def test_a_target_found_again_is_clicked_with_the_look_it_has_now():
    """Re-grounding accepts a target whose look changed (a node that now glows, a button that
    dimmed) by its place and size; what the click does is remembered of the look it has now,
    not of the look the skill stored."""
    node = Rect(300, 40, 60, 60)
    first, cands = _scene((node, (200, 40, 40)), (Rect(40, 260, 60, 80), (40, 40, 200)))
    step = _step(cands[0], first)
    moved = Rect(310, 44, 60, 60)
    later, now = _scene((moved, (230, 150, 40)), (Rect(40, 260, 60, 80), (40, 40, 200)))
    click = ground_step(step, later, now)
    assert click is not None and click.target is not None and click.target.box == moved
    assert click.target.descriptor == now[0].descriptor != step.target
    # found where it stood (no candidate there): the look described there now
    later, _ = _scene((node, (230, 150, 40)), (Rect(40, 260, 60, 80), (40, 40, 200)))
    click = ground_step(step, later, ())
    assert click is not None and click.target is not None and click.target.box == node
    assert click.target.descriptor == describe(later.image, node) != step.target
