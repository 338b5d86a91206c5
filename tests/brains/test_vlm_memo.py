"""The decision memo answers for the model only where it predicts the model, and hands a decision
back to the model as soon as its own pick fails (agent/brains/vlm_memo.py)."""

from __future__ import annotations

import random

import numpy as np

from agent.brains.vlm_memo import DecisionMemo
from agent.perception.descriptor import describe
from agent.perception.objects import Candidate
from agent.types import Click, Frame, Rect

SLOTS = [Rect(40 + 120 * i, 200, 80, 100) for i in range(5)]
RED, BLUE, GREY = (200, 40, 40), (40, 60, 200), (90, 90, 90)
GREEN, YELLOW = (40, 180, 60), (220, 200, 40)


def screen(colours: list[tuple[int, int, int]], tick: int) -> tuple[Frame, list[Candidate]]:
    """A frame with one coloured box per slot; `tick` changes a counter so each screen is new."""
    image = np.full((360, 640, 3), 30, np.uint8)
    image[10:40, 10:120] = 16 * (tick % 16)
    for box, colour in zip(SLOTS, colours, strict=False):
        image[box.y : box.y + box.h, box.x : box.x + box.w] = colour
    frame = Frame(image, tick, 0.0, Rect(0, 0, 640, 360))
    return frame, [Candidate(box, describe(image, box)) for box in SLOTS[: len(colours)]]


class Driver:
    """Decisions as the VLM proposer takes them: memo first, else the 'model' (a callback)."""

    def __init__(self, memo: DecisionMemo) -> None:
        self.memo = memo
        self.tick = 0

    def decide(
        self, state: str, colours, model_pick: int, acts: bool = True, selected=None
    ) -> tuple[bool, int]:
        """One decision (with `selected` selected); the screen changes afterwards unless `acts`
        is False."""
        self.tick += acts
        frame, marked = screen(colours, self.tick)
        context = self.memo.context(state, frame, selected)
        index = self.memo.recall(context, marked, frame)
        from_memo = index is not None
        if index is None:
            index = model_pick
        box = marked[index].box
        action = Click(box.center.x, box.center.y, target=marked[index].target())
        if not from_memo:
            self.memo.learn(context, action, frame)
        self.memo.acted_on(state, frame, context, action, from_memo)
        return from_memo, index


def test_a_context_where_the_model_is_consistent_is_answered_from_the_memo() -> None:
    drive = Driver(DecisionMemo(seed=1))
    hits = 0
    for i in range(40):  # two screens in turn; on "a" the model always picks the red box
        hit, index = drive.decide("a", [GREY, RED, BLUE], 1)
        hits += hit
        assert index == 1
        drive.decide("b", [BLUE, GREY], i % 2)
    assert hits >= 30, f"only {hits} of 40 decisions on a known screen came from the memo"


def test_the_memo_follows_the_look_the_model_chose_not_the_place() -> None:
    drive = Driver(DecisionMemo(seed=1))
    rows = [[RED, GREY, BLUE], [GREY, RED, BLUE], [BLUE, GREY, RED], [GREY, BLUE, RED]]
    picks = []
    for i in range(40):  # the red box moves between slots; the model always picks it
        colours = rows[i % 4]
        hit, index = drive.decide("a", colours, colours.index(RED))
        assert colours[index] == RED, "the memo clicked a box that does not look like the choice"
        picks.append(hit)
        drive.decide("b", [BLUE, GREY], 0)
    assert sum(picks[10:]) >= 20


def test_a_context_where_the_model_keeps_changing_its_mind_keeps_asking() -> None:
    memo = DecisionMemo(seed=1)
    drive = Driver(memo)
    hits = 0
    colours = [GREY, RED, BLUE, GREEN, YELLOW]
    late = 0
    for i in range(40):  # what the model picks here depends on things the context does not hold
        hit, _ = drive.decide("a", colours, (i * 3) % 5)
        hits += hit
        late += hit and i >= 20
        drive.decide("b", [BLUE, GREY], 0)
    assert hits <= 10, f"the memo answered {hits} times for a model it cannot predict"
    assert late == 0, "once each look it tried was contradicted, the memo keeps asking"
    assert memo.why["untrusted"] > 20


def test_a_memo_pick_that_did_nothing_hands_the_next_decision_to_the_model() -> None:
    memo = DecisionMemo(seed=1)
    drive = Driver(memo)
    for _ in range(12):
        drive.decide("a", [GREY, RED], 1)
        drive.decide("b", [BLUE], 0)
    while not drive.decide("a", [GREY, RED], 1, acts=False)[0]:
        pass  # until the memo answers, on a screen that then stays the same
    asked = memo.why["failed"]
    hit, index = drive.decide("a", [GREY, RED], 0, acts=False)
    assert not hit and index == 0, "after its pick did nothing, the memo must not answer again"
    assert memo.why["failed"] == asked + 1


def test_any_of_several_alike_elements_stands_for_the_models_choice() -> None:
    drive = Driver(DecisionMemo(seed=1))
    colours = [RED, GREY, RED, BLUE, RED]
    hits = 0
    for i in range(40):  # three equal red boxes; the model picks one of them, not always the same
        hit, index = drive.decide("a", colours, [0, 2, 4][i % 3])
        assert colours[index] == RED
        hits += hit
        drive.decide("b", [BLUE, GREY], 0)
    assert hits >= 30


def test_after_a_memo_pick_did_nothing_the_models_other_choice_is_tried_then_the_model() -> None:
    memo = DecisionMemo(trust_after=8, seed=1)
    drive = Driver(memo)
    for i in range(16):  # on "a" the model picks the red box, now and then the grey one
        drive.decide("a", [GREY, RED], 0 if i % 4 == 3 else 1)
        drive.decide("b", [BLUE], 0)
    while not drive.decide("a", [GREY, RED], 1, acts=False)[0]:
        pass  # until the memo answers (red), on a screen that then stays the same
    asked = sum(memo.why.values())
    hit, index = drive.decide("a", [GREY, RED], 1, acts=False)
    assert hit and index == 0, "red did nothing here: the model's other choice, grey, is next"
    assert sum(memo.why.values()) == asked
    hit, index = drive.decide("a", [GREY, RED], 1, acts=False)
    assert not hit and index == 1, "both of the memo's choices did nothing: ask the model"
    assert memo.why["failed"] == 1


def test_a_memo_pick_that_was_undone_is_not_picked_again_on_that_screen() -> None:
    memo = DecisionMemo(seed=1)
    drive = Driver(memo)
    for _ in range(12):  # red, then red again (red acts at once here, like a card played)
        drive.decide("b", [BLUE], 0)
        drive.decide("a", [GREY, RED], 1)
        drive.decide("a", [GREY, RED], 1)
    while True:  # until the memo picks red after red
        drive.decide("b", [BLUE], 0)
        drive.decide("a", [GREY, RED], 1)
        first = drive.tick
        if drive.decide("a", [GREY, RED], 1)[0]:
            break
    drive.tick = first - 1  # this time the second red undid the first: the first screen is back
    hit, index = drive.decide("a", [GREY, RED], 1)
    assert not hit and index == 1, "the memo's pick was undone: the model is asked (red)"
    hit, index = drive.decide("a", [GREY, RED], 1)  # the model's red: the second screen again
    assert drive.tick == first + 1
    assert not (hit and index == 1), "red was undone on this very screen: not red from the memo"


def test_a_look_the_model_contradicted_here_is_passed_over_for_one_it_did_not() -> None:
    memo = DecisionMemo(trust_after=4, seed=3)
    drive = Driver(memo)
    for pick in (0, 0, 1, 1):  # the model picked grey here, then red twice while grey was there
        drive.decide("a", [GREY, RED], pick)
        drive.decide("b", [BLUE], 0)
    answers = []
    for _ in range(6):
        hit, index = drive.decide("a", [GREY, RED], 1)
        answers += [index] if hit else []
        drive.decide("b", [BLUE], 0)
    assert answers, "the memo knows a pick here the model has not contradicted: it answers"
    # red, never checked, is not trusted at once (the model chose grey here too): the model is
    # asked once, which checks red, and from then on the memo answers red
    assert memo.why["untrusted"] <= 1, "the context is not distrusted for grey's sake"
    assert set(answers) == {1}, "grey, the pick the model answered against twice, is passed over"


def test_an_element_of_a_new_look_counts_by_where_the_model_chose() -> None:
    memo = DecisionMemo(seed=1)
    drive = Driver(memo)
    for colour in (RED, BLUE, GREEN):  # what stands in the second slot looks different each time
        drive.decide("a", [GREY, colour], 1)
        drive.decide("b", [BLUE], 0)
    hit, index = drive.decide("a", [GREY, YELLOW], 0)
    assert hit and index == 1, "the model always chose the second slot, whatever stood there"


def test_a_look_the_model_chose_only_once_of_two_here_is_not_answered_before_it_is_checked() -> (
    None
):
    for seed in range(10):
        drive = Driver(DecisionMemo(seed=seed))
        drive.decide("a", [GREY, RED], 1)  # the model picked red here, once grey: mixed evidence
        drive.decide("b", [BLUE], 0)
        drive.decide("a", [GREY, RED], 0)
        drive.decide("b", [BLUE], 0)
        hit, index = drive.decide("a", [GREY, BLUE], 1)  # something new stands where red stood
        assert not hit, f"seed {seed}: grey answered from the memo on one answer of two"


def test_a_look_checked_in_one_context_of_a_state_is_not_rechecked_as_new_in_the_others() -> None:
    rows = [[RED, GREY, BLUE], [GREY, RED, BLUE], [BLUE, GREY, RED]]
    rechecks = 0
    for seed in range(10):
        memo = DecisionMemo(seed=seed)
        drive = Driver(memo)
        for i in range(150):  # red moves; where the last click landed makes contexts of "a"
            colours = rows[(i * 7 // 3) % 3]
            drive.decide("a", colours, colours.index(RED))
        rechecks += memo.why["random"]
    # each context learns where red is; its checks there count for the others (101 re-asks at
    # random when every context checked red on its own)
    assert rechecks <= 80, f"{rechecks} random re-asks of a look checked in the state already"


def selections() -> list:
    """Three targets of different looks, as the learner hands over what is selected."""
    _, marked = screen([GREEN, YELLOW, GREY], 0)
    return [c.target() for c in marked]


def test_what_the_model_chooses_next_is_learnt_per_selection() -> None:
    memo = DecisionMemo(seed=1)
    drive = Driver(memo)
    green, yellow, _ = selections()
    colours = [GREY, RED, BLUE]
    # with green selected the model clicks red, with yellow blue, with nothing selected grey;
    # in no order, so the last click does not tell what comes next
    plan = [(green, 1), (yellow, 2), (None, 0)]
    order = random.Random(0)
    answers = []
    for _ in range(60):
        selected, pick = order.choice(plan)
        hit, index = drive.decide("a", colours, pick, selected=selected)
        assert index == pick, "the memo answered with the choice of another selection"
        answers.append(hit)
    assert sum(answers[30:]) >= 25, "each selection's choice is answered from the memo"


def test_a_look_whose_memo_picks_keep_working_is_rechecked_less_often() -> None:
    asked = {}
    for worked in (2, float("inf")):  # two picks that worked count as a check, or none do
        asked[worked] = 0
        for seed in range(6):
            memo = DecisionMemo(worked=worked, seed=seed)
            drive = Driver(memo)
            for _ in range(200):  # on "a" the model always picks red; each pick acts
                drive.decide("a", [GREY, RED, BLUE], 1)
            asked[worked] += memo.why["random"]
    assert asked[2] < 0.75 * asked[float("inf")], f"re-asks {asked}: working picks did not count"
