"""Set-of-marks: numbered boxes are drawn on a copy, and numbers map back to candidates."""

from __future__ import annotations

import numpy as np

from agent.perception.marks import candidate_for_mark, draw_marks
from agent.perception.objects import candidates
from tests.perception.synthetic import menu_screen


def test_marks_are_drawn_on_a_copy_at_each_candidate():
    scene = menu_screen()
    found = candidates(scene.image)
    before = scene.image.copy()
    marked = draw_marks(scene.image, found)
    assert np.array_equal(scene.image, before)
    assert marked.shape == scene.image.shape
    for cand in found:
        x, y = cand.box.x, cand.box.y + cand.box.h // 2
        assert not np.array_equal(marked[y, x], before[y, x])


def test_mark_numbers_map_back_to_their_candidates():
    found = candidates(menu_screen().image)
    assert candidate_for_mark(found, 1) is found[0]
    assert candidate_for_mark(found, len(found)) is found[-1]
    for bad in (0, -1, len(found) + 1, True, "2"):
        assert candidate_for_mark(found, bad) is None


def test_no_candidates_leaves_the_image_unchanged():
    image = menu_screen().image
    assert np.array_equal(draw_marks(image, []), image)
