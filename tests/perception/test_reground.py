"""Re-grounding: a stored target is found again after moving, neighbour changes and rescaling."""

from __future__ import annotations

import numpy as np
import pytest

from agent.perception.objects import candidates
from agent.perception.reground import reground
from agent.types import Rect, Target
from bench.perception_eval import stands_for
from tests.perception.synthetic import board_screen, menu_screen


def _target_for(image: np.ndarray, rect: Rect) -> Target:
    found = candidates(image)
    best = max(found, key=lambda c: c.box.iou(rect))
    assert best.box.iou(rect) > 0.5
    return best.target()


@pytest.mark.parametrize("scale", [0.75, 1.25, 1.5])
def test_targets_are_found_at_other_window_scales(scale):
    base = board_screen((1280, 720), variant=3)
    scaled = board_screen((round(1280 * scale), round(720 * scale)), variant=3)
    base_found, scaled_found = candidates(base.image), candidates(scaled.image)
    hits = 0
    for (_, rect), (_, true_rect) in zip(base.clickables, scaled.clickables, strict=True):
        target = max(base_found, key=lambda c: c.box.iou(rect)).target()
        got = reground(target, scaled.image, proposals=scaled_found)
        if got is not None and true_rect.contains(got.box.center.x, got.box.center.y):
            hits += 1
    assert hits / len(base.clickables) >= 0.95


def test_moved_target_is_found_where_it_went():
    scene = menu_screen()
    play = dict(scene.clickables)["button:play"]
    target = _target_for(scene.image, play)
    moved = np.zeros_like(scene.image)
    moved[:] = scene.image[0, 0]
    dy = 150
    moved[play.y + dy : play.bottom + dy, play.x - 200 : play.right - 200] = scene.image[
        play.y : play.bottom, play.x : play.right
    ]
    got = reground(target, moved)
    assert got is not None
    assert got.box.center.y > play.center.y + 100
    assert got.box.center.x < play.center.x - 150


def test_target_survives_changed_neighbours():
    a, b = board_screen(variant=0), board_screen(variant=5)
    end_a = dict(a.clickables)["button:end_turn"]
    got = reground(_target_for(a.image, end_a), b.image)
    assert got is not None and stands_for(got.box, dict(b.clickables)["button:end_turn"])


def test_absent_target_gives_none():
    scene = board_screen()
    target = _target_for(scene.image, dict(scene.clickables)["button:end_turn"])
    blank = np.full_like(scene.image, 40)
    assert reground(target, blank) is None


def test_target_without_descriptor_falls_back_to_its_box():
    scene = menu_screen()
    play = dict(scene.clickables)["button:play"]
    got = reground(Target(box=play), scene.image)
    assert got is not None and got.box.iou(play) > 0.5
    assert reground(Target(box=Rect(0, 0, 5, 5)), scene.image) is None


@pytest.mark.parametrize("shape", [(1, 1, 3), (720, 1280, 3)])
def test_degenerate_frames_give_none(shape):
    scene = menu_screen()
    target = _target_for(scene.image, dict(scene.clickables)["button:play"])
    assert reground(target, np.zeros(shape, np.uint8)) is None


def test_noise_frame_is_fast_and_unconvincing():
    import time

    scene = menu_screen()
    target = _target_for(scene.image, dict(scene.clickables)["button:play"])
    noise = np.random.default_rng(3).integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    start = time.perf_counter()
    got = reground(target, noise)
    assert time.perf_counter() - start < 2.0
    assert got is None or got.confidence < 0.8
