"""Agreement between a decided and a recorded action: kind, then the same point or target."""

from __future__ import annotations

import time

import numpy as np

from agent.replay.agreement import compare
from agent.types import Click, Drag, Frame, Rect, Scroll, Target, Wait

FRAME = Frame(np.zeros((100, 200, 3), np.uint8), 0, time.time(), Rect(0, 0, 200, 100))
BOXES = [Rect(10, 10, 40, 30), Rect(0, 0, 200, 100), Rect(100, 10, 40, 30)]


def boxes(_frame: Frame) -> list[Rect]:
    return BOXES


def test_same_point_and_same_kind_agree() -> None:
    assert compare(Click(5, 6), Click(5, 6)).agrees
    assert compare(Wait(0.5), Wait(0.1)).agrees


def test_different_kind_or_button_disagrees() -> None:
    verdict = compare(Click(5, 6), Drag(5, 6, 7, 8))
    assert not verdict.agrees and "kind" in verdict.reason
    assert not compare(Click(5, 6), Click(5, 6, "right")).agrees
    assert not compare(Scroll(5, 6, 3), Scroll(5, 6, -3)).agrees
    assert not compare(Click(5, 6), None).agrees


def test_a_point_inside_the_recorded_target_agrees() -> None:
    recorded = Click(20, 20, target=Target(Rect(10, 10, 40, 30)))
    assert compare(recorded, Click(45, 35)).reason == "inside the recorded target"
    assert not compare(recorded, Click(60, 35), FRAME, boxes).agrees


def test_points_in_the_same_candidate_agree_and_the_smallest_box_decides() -> None:
    assert compare(Click(20, 20), Click(45, 35), FRAME, boxes).reason == "same candidate"
    # Both points are inside the whole-screen box, but not inside the same smallest box.
    assert not compare(Click(20, 20), Click(110, 20), FRAME, boxes).agrees
    # Without a frame nothing but the same point agrees.
    assert not compare(Click(20, 20), Click(45, 35)).agrees


def test_drags_compare_both_ends() -> None:
    assert compare(Drag(20, 20, 110, 20), Drag(21, 21, 111, 21), FRAME, boxes).agrees
    assert not compare(Drag(20, 20, 110, 20), Drag(21, 21, 20, 25), FRAME, boxes).agrees
