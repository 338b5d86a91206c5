"""Recall under a selection: what may extend it, and what is no longer worth a try."""

from __future__ import annotations

import numpy as np
import pytest

from agent.cycle.affordance import Affordances
from agent.cycle.evolve import value
from agent.cycle.memory import Seen, StateMemory
from agent.cycle.perceive import Perceived
from agent.cycle.recall import Recall
from agent.cycle.targets import target_key
from agent.cycle.trial import step_from_action
from agent.perception.descriptor import describe
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect
from skills.graph import SkillGraph
from skills.model import Skill, SkillStep

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


def _painted(second: tuple[int, int, int]):
    """A frame with BOXES painted red, `second`, blue and green, and its candidates."""
    image = np.zeros((H, W, 3), np.uint8)
    for box, colour in zip(
        BOXES, [(200, 40, 40), second, (40, 40, 200), (40, 200, 40)], strict=True
    ):
        image[box.y : box.y + box.h, box.x : box.x + box.w] = colour
    frame = Frame(image, 0, 0.0, Rect(0, 0, W, H))
    return frame, tuple(Candidate(b, describe(image, b), "", 0.5) for b in BOXES)


def _target(i: int):
    return NOW.candidates[i].target()


def _click(i: int) -> Click:
    return Click(BOXES[i].center.x, BOXES[i].center.y, target=NOW.candidates[i].target())


def test_a_selection_is_extended_by_what_did_nothing_alone_until_it_never_acts_after_one(
    tmp_path,
):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    affordances = Affordances()
    recall = Recall(graph, StateMemory(graph, 0.9), affordances)
    keys = [target_key(b, W, H) for b in BOXES]
    # Alone, the header text (2) and the target (3) do nothing; the two cards (0, 1) select.
    for i in (2, 3):
        recall.note_explored("st_s", _click(i), FRAME, 0.0, acted=False)
        affordances.note("st_s", None, _target(i), keys[i], False)
    first = recall.situation(NOW, (), {}, primer=keys[0], selected=_target(0))
    assert set(first.untried) == {2, 3}, "after a selection, try what did nothing alone"
    # After six selections the header never acted; the target acted after one of them.
    for n in range(6):
        selected = _target(n % 2)
        affordances.note("st_s", selected, _target(2), keys[2], False)
        affordances.note("st_s", selected, _target(3), keys[3], n == 0)
    later = recall.situation(NOW, (), {}, primer="cell-new-selection", selected=_target(0))
    assert later.untried == (3,), "what never acted after a selection is not tried again"


def test_what_just_did_nothing_is_not_clicked_again_until_the_screen_changes(tmp_path):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    keys = [target_key(b, W, H) for b in BOXES]
    assert recall.situation(NOW, (), {}).untried == (0, 1, 2, 3)
    recall.clicked(keys[1], _target(1), acted=False)
    recall.clicked(keys[2], _target(2), acted=False)
    assert recall.situation(NOW, (), {}).untried == (0, 3)
    recall.clicked(keys[0], _target(0), acted=True)  # the screen changed: worth a try again
    assert recall.situation(NOW, (), {}).untried == (0, 1, 2, 3)
    for i in range(4):  # everything did nothing: something may wake, so nothing is ruled out
        recall.clicked(keys[i], _target(i), acted=False)
    assert recall.situation(NOW, (), {}).untried == (0, 1, 2, 3)


def test_what_looks_like_a_click_that_just_did_nothing_is_not_clicked_either(tmp_path):
    frame, cands = _painted((200, 40, 40))  # two red cards
    now = Perceived(frame, cands, Seen("st_s", "s-x", 9, False), None)
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    recall.clicked(target_key(BOXES[0], W, H), cands[0].target(), acted=False)
    # the other red card of the same size is ruled out too; the blue bar and green box are not
    assert recall.situation(now, (), {}).untried == (2, 3)


def test_a_skill_that_starts_with_what_is_selected_goes_on_from_its_second_step(tmp_path):
    frame, cands = _painted((40, 200, 200))
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    sid = graph.state("s-x", (0.0,)).id
    now = Perceived(frame, cands, Seen(sid, "s-x", 9, False), None)

    def step(i):
        c = cands[i]
        return step_from_action(Click(c.box.center.x, c.box.center.y, target=c.target()), frame)

    def add(name, *steps):
        skill = Skill.create(list(steps), scope="t", name=name)
        return graph.add_skill(skill, available_in=[sid]).id

    play = add("card then target", step(0), step(3))
    add("card", step(0))
    other = add("other card then target", step(1), step(3))
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    key = target_key(BOXES[0], W, H)
    seen = recall.situation(now, (), {}, primer=key, selected=cands[0].target())
    views = {v.id: v for v in seen.skills}
    assert views[play].start == 1, "the selection did its first step"
    assert views[other].start == 0
    assert "card" not in {v.name for v in seen.skills}, "clicking it again would only undo it"
    free = recall.situation(now, (), {})
    assert {v.name: v.start for v in free.skills} == {
        "card then target": 0,
        "card": 0,
        "other card then target": 0,
    }


def test_what_did_nothing_rules_out_only_what_looks_like_it_not_all_at_its_place(tmp_path):
    # A label that did nothing shares its coarse cell with a button (a text just above it):
    # the button, which looks different, may still be clicked.
    frame, cands = _painted((40, 200, 200))
    now = Perceived(frame, cands, Seen("st_s", "s-x", 9, False), None)
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    label = Rect(365, 228, 160, 44)  # the same cell and size bucket, another look and shape
    label_target = Candidate(label, describe(frame.image * 0 + 90, label), "", 0.5).target()
    assert target_key(label, W, H) == target_key(BOXES[3], W, H)
    recall.clicked(target_key(label, W, H), label_target, acted=False)
    assert 3 in recall.situation(now, (), {}).untried


def _one_click_skill(tmp_path, i: int):
    """A painted screen's state in a new library with a skill that clicks BOXES[i] there:
    (graph, the perceived screen, the skill)."""
    frame, cands = _painted((40, 200, 200))
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    sid = graph.state("s-x", (0.0,)).id
    now = Perceived(frame, cands, Seen(sid, "s-x", 9, False), None)
    c = cands[i]
    click = Click(c.box.center.x, c.box.center.y, target=c.target())
    skill = Skill.create([step_from_action(click, frame)], scope="t", name=f"click {i}")
    return graph, now, graph.add_skill(skill, available_in=[sid])


def test_a_skill_a_step_of_which_did_nothing_is_not_offered_until_the_screen_changes(tmp_path):
    graph, now, skill = _one_click_skill(tmp_path, 2)
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    assert [v.id for v in recall.situation(now, (), {}).skills] == [skill.id]
    # its click landed beside its old place (grounded elsewhere), and did nothing
    recall.clicked("cell elsewhere", None, acted=False, skill_id=skill.id)
    assert recall.situation(now, (), {}).skills == ()
    recall.clicked(target_key(BOXES[0], W, H), now.candidates[0].target(), acted=True)
    assert [v.id for v in recall.situation(now, (), {}).skills] == [skill.id]


def test_what_did_nothing_after_a_selection_is_not_tried_with_each_like_one(tmp_path):
    keys = [target_key(b, W, H) for b in BOXES]

    def untried_with_card_1(second):  # card 1 painted `second`; card 0 is red
        frame, cands = _painted(second)
        now = Perceived(frame, cands, Seen("st_s", "s-x", 9, False), None)
        graph = SkillGraph.open(tmp_path / f"lib{second}.sqlite")
        recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
        for i in (2, 3):  # alone, the header text (2) and the target (3) do nothing
            recall.note_explored("st_s", _click(i), frame, 0.0, acted=False)
        with_0 = f"st_s|{keys[0]}"  # with card 0 selected: the header did nothing, the target acted
        recall.note_explored(with_0, _click(2), frame, 0.0, False, cands[0].target())
        recall.note_explored(with_0, _click(3), frame, 1.0, True, cands[0].target())
        return recall.situation(now, (), {}, primer=keys[1], selected=cands[1].target()).untried

    assert untried_with_card_1((200, 40, 40)) == (3,), "a like card: not on the header again"
    assert untried_with_card_1((40, 200, 200)) == (2, 3), "another kind of card: try both"


def test_a_skill_that_did_not_apply_loses_its_exploration_bonus_not_its_value(tmp_path):
    # a card without the energy to play it: held against its value, the button that always
    # acts (End Turn) would win every turn, cards still playable
    graph, now, skill = _one_click_skill(tmp_path, 3)
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    (before,) = recall.situation(now, (), {}).skills
    for _ in range(3):  # its first click did nothing, three times
        recall.idle(skill.id)
    (after,) = recall.situation(now, (), {}).skills
    assert after.runs == before.runs + 3 and after.value == before.value
    assert graph.get(skill.id).totals.runs == 0, "the library's stats do not count it"


def test_a_skill_set_aside_is_not_offered_until_the_screen_changes(tmp_path):
    graph, now, skill = _one_click_skill(tmp_path, 2)
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    recall.set_aside(skill.id)  # its target was not found on this screen
    assert recall.situation(now, (), {}).skills == ()
    recall.clicked(target_key(BOXES[0], W, H), now.candidates[0].target(), acted=True)
    assert [v.id for v in recall.situation(now, (), {}).skills] == [skill.id]


def test_what_failed_and_was_reflected_on_is_not_next_even_where_a_skill_finds_its_like(
    tmp_path,
):
    # the red card at BOXES[0] did not do what was expected; a skill found on the other red
    # card would find this one by its look: neither is the next decision, the rest are
    frame, cands = _painted((200, 40, 40))
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    sid = graph.state("s-x", (0.0,)).id
    now = Perceived(frame, cands, Seen(sid, "s-x", 9, False), None)
    c = cands[1]
    step = step_from_action(Click(c.box.center.x, c.box.center.y, target=c.target()), frame)
    graph.add_skill(Skill.create([step], scope="t", name="red card"), available_in=[sid])
    recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
    assert [v.name for v in recall.situation(now, (), {}).skills] == ["red card"]
    recall.skip_next = (target_key(BOXES[0], W, H), "", cands[0].target())
    seen = recall.situation(now, (), {})
    assert seen.skills == () and seen.untried == (2, 3)
    assert [v.name for v in recall.situation(now, (), {}).skills] == ["red card"], "once only"


def test_a_correction_may_click_what_looks_new_at_a_place_tried_before(tmp_path):
    # Every place on the screen was tried; then the green box gets a bright ring (a map node
    # that now glows, the way on). The Explore arm's untried places stay as they were; the
    # reflection's correction may click what looks new at a tried place.
    frame, cands = _painted((200, 40, 40))
    seen = Seen("st_s", "s-x", 9, False)
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    affordances = Affordances()
    recall = Recall(graph, StateMemory(graph, 0.9), affordances)
    for c in cands:
        key = target_key(c.box, W, H)
        recall.note_explored("st_s", Click(c.box.center.x, c.box.center.y, target=c.target()),
                             frame, 0.0, acted=True)  # fmt: skip
        affordances.note("st_s", None, c.target(), key, True)
    now = Perceived(frame, cands, seen, None)
    assert recall.situation(now, (), {}).untried == ()
    assert recall.untried(now)[0] == ()
    image = frame.image.copy()
    b = BOXES[3]
    image[b.y : b.y + b.h, b.x : b.x + b.w] = (250, 220, 60)
    image[b.y + 12 : b.y + b.h - 12, b.x + 12 : b.x + b.w - 12] = (40, 200, 40)
    glowing = Frame(image, 0, 0.0, Rect(0, 0, W, H))
    now = Perceived(glowing, tuple(Candidate(b, describe(image, b), "", 0.5) for b in BOXES),
                    seen, None)  # fmt: skip
    assert recall.situation(now, (), {}).untried == ()
    assert recall.untried(now)[0] == (3,)


def test_a_setback_takes_back_and_a_rise_credits_the_rewards_of_a_whole_fight(tmp_path):
    # A fight of 12 skill runs ("End Turn" among them) that was lost: a setback takes back the
    # reward of every run of it, not only of its last few; a won one: each run counts 1.
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    skill = Skill.create([SkillStep(kind="click", text="End Turn")], scope="t", name="end turn")
    prior = 0.5 * value(skill.totals)
    for rise in (False, True):
        recall = Recall(graph, StateMemory(graph, 0.9), Affordances())
        for _ in range(12):
            recall.note_reward(skill.id, 0.4)
        recall.progressed() if rise else recall.setback()
        total = 12 * 1.0 if rise else 0.0
        assert recall.mean(skill) == pytest.approx(prior + 0.5 * (total + 0.5) / 13)
