"""Affordance memory: things that look like what never did anything here are known dead."""

from __future__ import annotations

import cv2
import numpy as np

from agent.brains.base import Situation, SkillView
from agent.brains.local import OfflineProposer
from agent.cycle.affordance import INERT, Affordances
from agent.cycle.strategy import Recipe
from agent.perception.descriptor import describe
from agent.perception.objects import Candidate
from agent.types import Frame, Rect, Target


def _image() -> np.ndarray:
    """Grey screen: red squares (buttons) on the left, blue discs (decoration) on the right."""
    img = np.full((360, 640, 3), 60, np.uint8)
    for y in (40, 140, 240):
        cv2.rectangle(img, (40, y), (120, y + 60), (220, 40, 40), -1)
        cv2.putText(img, "GO", (55, y + 42), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2)
        cv2.circle(img, (500, y + 30), 30, (40, 60, 220), -1)
    return img


IMAGE = _image()
SQUARES = [Rect(40, y, 81, 61) for y in (40, 140, 240)]
DISCS = [Rect(470, y, 61, 61) for y in (40, 140, 240)]


def _target(box: Rect) -> Target:
    return Target(box=box, descriptor=describe(IMAGE, box))


def _keyed(boxes) -> list[tuple[Target, str]]:
    return [(_target(b), f"cell {b.x},{b.y}") for b in boxes]


def test_a_look_that_never_acted_is_known_dead_wherever_it_is():
    memory = Affordances()
    for box in DISCS[:2]:  # two discs, clicked to no effect; the buttons worked
        for _ in range(2):
            memory.note("s", None, _target(box), f"cell {box.x},{box.y}", acted=False)
    memory.note("s", None, _target(SQUARES[0]), "cell a", acted=True)
    disc, square = memory.chances("s", None, _keyed([DISCS[2], SQUARES[2]]))
    assert disc < INERT, "the third disc, never clicked, looks like the dead ones"
    assert square > 0.5, "a button that looks like one that worked is likely to work"
    assert memory.chances("other", None, _keyed([DISCS[2]]))[0] < INERT, "known from elsewhere"
    memory.note("other", None, _target(DISCS[1]), "cell b", acted=True)
    assert memory.chances("other", None, _keyed([DISCS[2]]))[0] > 0.5, "this screen's own clicks"
    assert memory.chances("third", None, _keyed([DISCS[2]]))[0] < INERT, "four dead, one alive"


def test_what_does_nothing_alone_may_act_with_something_selected():
    memory = Affordances()
    selected = _target(SQUARES[0])
    for _ in range(3):
        memory.note("s", None, _target(DISCS[0]), "d", acted=False)
        memory.note("s", selected, _target(DISCS[0]), "d", acted=True)
    alone, after_selecting = (
        memory.chances("s", None, _keyed([DISCS[1]]))[0],
        memory.chances("s", _target(SQUARES[1]), _keyed([DISCS[1]]))[0],
    )
    assert alone < INERT and after_selecting > 0.7


def test_only_recent_clicks_count_so_a_dead_button_can_wake():
    memory = Affordances(limit=4)
    for _ in range(4):
        memory.note("s", None, _target(DISCS[0]), "d", acted=False)
    assert memory.chances("s", None, _keyed([DISCS[0]]))[0] < INERT
    for _ in range(4):
        memory.note("s", None, _target(DISCS[0]), "d", acted=True)
    assert memory.chances("s", None, _keyed([DISCS[0]]))[0] > 0.7


def test_exploring_rarely_clicks_what_looks_dead():
    frame = Frame(IMAGE, 0, 0.0, Rect(0, 0, 640, 360))
    cands = tuple(Candidate(b, describe(IMAGE, b), score=0.5) for b in (*SQUARES, *DISCS))
    chances = (0.6, 0.6, 0.6, 0.1, 0.1, 0.1)
    situation = Situation(
        frame, "s", cands, tuple(range(6)), (), (), (), (), visits=1, chances=chances
    )
    proposer, recipe = OfflineProposer(seed=1), Recipe(name="explore")
    picks = [proposer.propose(situation, recipe).action for _ in range(300)]
    on_discs = sum(any(b.contains(p.x, p.y) for b in DISCS) for p in picks)
    assert on_discs < 300 * 0.05, "six times less likely to act: rarely clicked"


def test_with_nothing_that_may_act_to_explore_a_skill_is_chosen_never_a_blind_click():
    frame = Frame(IMAGE, 0, 0.0, Rect(0, 0, 640, 360))
    cands = tuple(Candidate(b, describe(IMAGE, b), "", 0.5) for b in SQUARES)
    end_turn = SkillView("s1", "click 'End Turn'", 1, 0.1, 40)
    situation = Situation(
        frame, "s", cands, (), (), (end_turn,), (), (), visits=50, explore_value=0.9,
        chances=(0.0, 0.0, 0.0),
    )  # fmt: skip
    proposer, recipe = OfflineProposer(seed=1), Recipe(name="explore")
    picks = [proposer.propose(situation, recipe) for _ in range(50)]
    assert all(p.skill_id == "s1" for p in picks), "everything on screen just did nothing"


def test_what_did_nothing_at_a_place_says_nothing_of_a_quite_unlike_look_there():
    # a plain node did nothing where a glowing one (quite another look) stands now; a counter
    # whose digits changed (a look much like the one clicked) is known dead at its place
    plain = Target(box=Rect(100, 100, 40, 40), descriptor=describe(IMAGE, DISCS[0]))
    memory = Affordances()
    for _ in range(3):
        memory.note("s", None, plain, "cell 1,1", acted=False)
    image = IMAGE.copy()
    cv2.putText(image, "7", (495, 175), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1)
    counter = Target(box=DISCS[1], descriptor=describe(image, DISCS[1]))
    glowing = Target(box=SQUARES[1], descriptor=describe(IMAGE, SQUARES[1]))
    like, unlike = memory.chances("s", None, [(counter, "cell 1,1"), (glowing, "cell 1,1")])
    assert like < INERT and unlike == 0.5


MESSAGE = Candidate(DISCS[0], describe(IMAGE, DISCS[0]), "", 0.5)
"""A message the game shows at some moments (a mark on screen)."""
COUNTER = [Candidate(SQUARES[2], describe(IMAGE, SQUARES[2]), "", 0.5)]
"""What is on screen at every moment."""


def _acted_three_times(memory: Affordances) -> Target:
    """A square (a card) that acted at three moments with no message shown; returns it."""
    square = _target(SQUARES[0])
    for _ in range(3):
        memory.see(COUNTER)
        memory.note("s", None, square, "k", acted=True)
    return square


def test_what_never_acted_while_something_was_on_screen_is_dead_while_it_is_there():
    """A card clicked while the game shows that it cannot be played: the message is a mark of
    those moments, so the card is not clicked while it is shown, and is when it is gone."""
    memory = Affordances()
    square = _acted_three_times(memory)
    memory.see([*COUNTER, MESSAGE])
    assert memory.chances("s", None, [(square, "k")])[0] > 0.5, "never did nothing yet"
    memory.note("s", None, square, "k", acted=False)
    memory.note("s", None, square, "k", acted=False)
    assert memory.chances("s", None, [(square, "k")])[0] >= INERT, "one moment: a coincidence"
    memory.see(COUNTER)
    memory.note("s", None, _target(SQUARES[1]), "end", acted=True)  # another moment
    memory.see([*COUNTER, MESSAGE])
    memory.note("s", None, square, "k", acted=False)
    assert memory.chances("s", None, [(square, "k")])[0] == 0.0, "the message is up again"
    memory.see(COUNTER)
    assert memory.chances("s", None, [(square, "k")])[0] >= INERT, "and gone"


def test_the_marks_rule_outlasts_the_clicks_that_taught_it():
    """Once the rule keeps a card from being clicked while the message is up, the clicks that
    taught it are no longer made; it must not forget it when they leave the recent clicks."""
    memory = Affordances(limit=8)
    square = _acted_three_times(memory)
    for _ in range(2):  # and did nothing at two moments with the message shown
        memory.see([*COUNTER, MESSAGE])
        memory.note("s", None, square, "k", acted=False)
        memory.see(COUNTER)
        memory.note("s", None, _target(SQUARES[1]), "end", acted=True)
    memory.see([*COUNTER, MESSAGE])
    assert memory.chances("s", None, [(square, "k")])[0] == 0.0
    memory.see(COUNTER)
    for _ in range(8):  # more than the last 8 clicks since: the other button, with no message
        memory.note("s", None, _target(SQUARES[1]), "end", acted=True)
    memory.see([*COUNTER, MESSAGE])
    assert memory.chances("s", None, [(square, "k")])[0] == 0.0, "still known"
    memory.see(COUNTER)
    assert memory.chances("s", None, [(square, "k")])[0] >= INERT, "and the message gone: it acts"


def test_something_shown_at_few_of_the_moments_it_did_nothing_is_no_sign():
    """Two of five moments at which a card did nothing had the message up: a coincidence (a
    counter that happened to read the same), not what makes it do nothing."""
    memory = Affordances()
    square = _acted_three_times(memory)
    for shown in (True, False, True, False, False):  # it did nothing at five moments
        memory.see([*COUNTER, MESSAGE] if shown else COUNTER)
        memory.note("s", None, square, "k", acted=False)
        memory.note("s", None, _target(DISCS[1]), "other", acted=True)  # the next moment
    memory.see([*COUNTER, MESSAGE])
    assert memory.chances("s", None, [(square, "k")])[0] >= INERT
