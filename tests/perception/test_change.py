"""Change: the acted? fraction and changed regions between two frames."""

from __future__ import annotations

import numpy as np

from agent.perception.change import changed_fraction, changed_within, diff, wait_settled
from agent.types import Rect
from tests.perception.synthetic import board_screen


def test_identical_frames_did_not_act():
    image = board_screen().image
    change = diff(image, image.copy())
    assert change.fraction == 0.0 and not change.acted() and change.regions == ()


def test_a_changed_widget_gives_its_region():
    a = board_screen(variant=0).image
    b = a.copy()
    b[100:160, 900:1100] = 255 - b[100:160, 900:1100]
    change = diff(a, b)
    assert change.acted()
    assert len(change.regions) == 1
    r = change.regions[0]
    assert abs(r.x - 900) <= 3 and abs(r.y - 100) <= 3 and abs(r.w - 200) <= 6


def test_different_shapes_count_as_all_changed():
    assert changed_fraction(np.zeros((10, 10, 3), np.uint8), np.zeros((20, 10, 3), np.uint8)) == 1.0


def test_wait_settled_returns_once_an_animation_stops():
    base = board_screen().image
    frames = []
    for i in range(5):  # a box sliding for five grabs, then still
        f = base.copy()
        f[50:90, 100 + 40 * i : 140 + 40 * i] = 255
        frames.append(f)
    grabs = iter(frames + [frames[-1]] * 20)
    now = [0.0]
    settled = wait_settled(
        lambda: next(grabs),
        interval=0.05,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
    )
    assert settled.settled
    assert np.array_equal(settled.image, frames[-1])
    assert settled.grabs == 7 and abs(settled.seconds - 0.3) < 1e-6


def test_wait_settled_gives_up_on_endless_change():
    rng = np.random.default_rng(0)
    now = [0.0]
    settled = wait_settled(
        lambda: rng.integers(0, 256, (20, 20, 3), dtype=np.uint8),
        timeout=1.0,
        clock=lambda: now[0],
        sleep=lambda s: now.__setitem__(0, now[0] + s),
    )
    assert not settled.settled and settled.seconds >= 1.0


def test_changed_within_tells_a_change_of_the_box_itself_from_one_elsewhere():
    a = np.zeros((100, 200, 3), np.uint8)
    b = a.copy()
    b[10:30, 10:50] = 255  # the box lit up
    b[60:100, 100:200] = 255  # and a larger change elsewhere
    own, share = changed_within(a, b, Rect(10, 10, 40, 20))
    assert own == 1.0 and 0.15 < share < 0.2
    assert changed_within(a, b, Rect(150, 0, 40, 20)) == (0.0, 0.0)
    assert changed_within(a, a, Rect(10, 10, 40, 20)) == (0.0, 0.0)
