"""Lone glyphs (a dialog's close "x", window buttons) are candidates, on real captured frames.

Both frames were grabbed from gnome-mines under Xvfb: `mines_best_times_1920.png` is the frame
the learning agent saw (window maximised to 1920x1080) when it had opened the modal "Best Times"
dialog and stayed behind it; `mines_scores.png` is the same dialog over the default 610x482
window, opened through the menu by scripts/capture_desktop_games.py. `mines_lost_best_times_1920.png`
is the same dialog over a lost board, where the agent stayed 700 steps: drawn a pixel
differently, the close x came within its own width of the dialog's edges.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from agent.perception.objects import candidates
from agent.perception.settings import PerceptionSettings
from agent.types import Rect
from bench.perception_eval import stands_for

FRAMES = Path(__file__).parent / "frames"


def _frame(name: str) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(FRAMES / name)), cv2.COLOR_BGR2RGB)


# The GTK header-bar buttons drawn around each glyph (28 x 28, measured on the frames).
DIALOG_CLOSE_1920 = Rect(1144, 303, 28, 28)
WINDOW_BUTTONS_1920 = [Rect(1804, 3, 28, 28), Rect(1844, 3, 28, 28), Rect(1884, 3, 28, 28)]
DIALOG_CLOSE_610 = Rect(489, 4, 28, 28)


def test_dialog_close_glyph_is_a_clickable_candidate_on_a_maximised_window():
    found = candidates(_frame("mines_best_times_1920.png"))
    close = [c for c in found if stands_for(c.box, DIALOG_CLOSE_1920)]
    assert close, "the Best Times dialog's close x is not proposed"
    # Big enough to click: the box is the button around the 8 px glyph, not the glyph alone.
    assert min(close[0].box.w, close[0].box.h) >= 16
    for button in WINDOW_BUTTONS_1920:
        assert any(stands_for(c.box, button) for c in found)


def test_dialog_close_glyph_near_the_dialog_edges_is_still_a_lone_glyph():
    found = candidates(_frame("mines_lost_best_times_1920.png"))
    close = [c for c in found if c.source == "glyph" and c.box.contains(1158, 317)]
    assert close, "the Best Times dialog's close x is not proposed over a lost board"


def test_dialog_close_glyph_is_a_candidate_on_the_default_window():
    found = candidates(_frame("mines_scores.png"))
    assert any(stands_for(c.box, DIALOG_CLOSE_610) for c in found)


def test_letters_of_text_are_not_glyphs():
    # The dialog's text lines ("No scores yet", "Play some games ...") have letters of glyph size
    # but neighbours within a letter's width: no glyph candidate lies on them.
    found = candidates(_frame("mines_best_times_1920.png"))
    text_area = Rect(880, 560, 320, 60)
    assert not [
        c
        for c in found
        if c.source == "glyph" and text_area.contains(c.box.center.x, c.box.center.y)
    ]


@pytest.mark.parametrize("name", ["mines_best_times_1920.png", "mines_scores.png"])
def test_glyph_boxes_stay_inside_the_frame(name):
    image = _frame(name)
    for cand in candidates(image, PerceptionSettings()):
        assert cand.box.x >= 0 and cand.box.y >= 0
        assert cand.box.x + cand.box.w <= image.shape[1]
        assert cand.box.y + cand.box.h <= image.shape[0]
