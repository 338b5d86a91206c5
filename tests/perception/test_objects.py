"""Candidates: clickable proposals on synthetic screens, desktop-like frames and degenerate input."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from agent.errors import BottomupError
from agent.perception.image import ImageError
from agent.perception.objects import Candidate, candidates
from agent.perception.settings import PerceptionSettings
from agent.types import Frame, Rect
from bench.perception_eval import coverage, stands_for
from tests.perception.synthetic import board_screen, menu_screen

FRAMES = Path(__file__).parent / "frames"


@pytest.mark.parametrize("size", [(1280, 720), (960, 540)])
@pytest.mark.parametrize("make", [menu_screen, board_screen])
def test_candidates_cover_every_clickable(make, size):
    scene = make(size, variant=1)
    found = candidates(scene.image)
    cov = coverage([c.box for c in found], [r for _, r in scene.clickables])
    assert cov.recall == 1.0
    assert cov.precision >= 0.6


def test_candidates_carry_descriptor_and_score():
    found = candidates(menu_screen().image)
    assert found
    for cand in found:
        assert isinstance(cand, Candidate)
        assert len(cand.descriptor) > 100 and cand.descriptor[0] == 1.0
        assert 0.0 <= cand.score <= 1.0
        assert cand.target().box == cand.box


def test_near_duplicates_are_merged():
    found = candidates(board_screen(variant=2).image)
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            assert a.box.iou(b.box) < PerceptionSettings().merge_iou


def test_frame_scale_maps_boxes_to_logical_pixels():
    scene = menu_screen((1280, 720))
    frame = Frame(scene.image, 0, 0.0, Rect(0, 0, 640, 360), scale=2.0)
    logical = candidates(frame)
    physical = candidates(scene.image)
    assert len(logical) == len(physical)
    for a, b in zip(logical, physical, strict=True):
        assert abs(a.box.x * 2 - b.box.x) <= 2 and abs(a.box.w * 2 - b.box.w) <= 2


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((720, 1280, 3), np.uint8),
        np.full((720, 1280, 3), 255, np.uint8),
        np.zeros((1, 1, 3), np.uint8),
        np.zeros((5, 3000, 3), np.uint8),
    ],
    ids=["black", "white", "1x1", "sliver"],
)
def test_blank_and_tiny_frames_give_nothing(image):
    assert candidates(image) == []


def test_noise_is_bounded_in_count_and_time():
    noise = np.random.default_rng(0).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    start = time.perf_counter()
    found = candidates(noise)
    assert time.perf_counter() - start < 1.0
    assert len(found) <= PerceptionSettings().max_candidates


def test_a_field_of_dots_is_texture_not_a_crowd_of_glyph_buttons():
    stars = np.zeros((720, 1280, 3), np.uint8)
    for y in range(5, 715, 24):
        for x in range(5, 1275, 24):
            stars[y : y + 6, x : x + 6] = 255
    start = time.perf_counter()
    found = candidates(stars)
    assert time.perf_counter() - start < 1.0
    assert not [c for c in found if c.source == "glyph"]


def test_huge_frame_is_processed_in_bounded_time():
    huge = np.zeros((8000, 8000, 3), np.uint8)
    huge[2000:3000, 2000:4000] = (200, 40, 40)
    start = time.perf_counter()
    found = candidates(huge)
    assert time.perf_counter() - start < 3.0
    assert any(c.box.iou(Rect(2000, 2000, 2000, 1000)) > 0.8 for c in found)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 2), np.uint8), "image.png", None],
)
def test_bad_input_is_one_clear_error(bad):
    with pytest.raises(ImageError) as info:
        candidates(bad)
    assert isinstance(info.value, BottomupError)


def test_settings_are_validated():
    with pytest.raises(BottomupError):
        PerceptionSettings(edge_low=200, edge_high=100)
    with pytest.raises(BottomupError):
        PerceptionSettings(max_box_fraction=0.0)


def test_describe_matches_the_candidate_descriptor():
    from agent.perception.descriptor import appearance_similarity, describe, relative_box

    scene = board_screen()
    for cand in candidates(scene.image)[:10]:
        again = describe(scene.image, cand.box)
        assert appearance_similarity(again, cand.descriptor) > 0.9
        cx, cy, _, _ = relative_box(again)
        assert abs(cx * 1280 - cand.box.center.x) < 4 and abs(cy * 720 - cand.box.center.y) < 4
    assert describe(scene.image, Rect(5000, 5000, 10, 10)) == ()


def test_a_dialog_message_over_its_buttons_is_not_one_text_block() -> None:
    """gnome-mines' "Do you want to start a new game?" dialog (1920x1080, captured by the agent):
    its message lines, frame and button row once closed into one tall text "line" that absorbed
    both buttons, and the agent could never answer the dialog."""
    path = Path(__file__).parent / "frames" / "mines_new_game_dialog_1920.png"
    image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    boxes = [c.box for c in candidates(image)]
    keep_current, start_new = Rect(736, 583, 224, 30), Rect(963, 583, 222, 30)
    for button in (keep_current, start_new):
        assert any(stands_for(b, button) for b in boxes), button
    assert not any(b.h > 150 for b in boxes if b.contains(keep_current.center.x, 590))


def test_two_tokens_touching_through_a_neck_are_two_candidates():
    # A crop of a map (spire, 1280x720) put back on its background: the glowing reachable node
    # just above the visited one; the glow touches it. As one blob, the centre of the pair is
    # the line between them, which does nothing when clicked.
    crop = cv2.imread(str(FRAMES / "map_nodes_touching.png"))[:, :, ::-1]
    frame = np.empty((720, 1280, 3), np.uint8)
    frame[:] = crop[-1, 0]
    frame[440:, 420:820] = crop
    found = candidates(frame)
    for centre in ((620, 590), (620, 662)):  # the two nodes
        assert any(
            c.box.h < 100 and abs(c.box.center.y - centre[1]) < 12 and c.box.contains(*centre)
            for c in found
        ), centre
