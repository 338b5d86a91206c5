"""Screen capture of the window rectangle: real pixels, RGB order, window-sized frames."""

from __future__ import annotations

import numpy as np
import pytest

from agent.body.screen import Screen
from agent.types import Rect

BLUE = (40, 80, 220)
GREY = (90, 90, 90)


@pytest.mark.live
def test_grab_window_gives_rgb_frame_of_its_size(start_clicker) -> None:
    clicker = start_clicker("--size", "400x300", "--button", "40,40,120,60")
    with Screen(clicker.display) as screen:
        frame = screen.grab(clicker.info.rect)
        again = screen.grab(clicker.info.rect)
    assert frame.image.shape == (300, 400, 3) and frame.image.dtype == np.uint8
    assert frame.region == clicker.info.rect and frame.scale == 1.0
    assert again.index == frame.index + 1 and again.timestamp >= frame.timestamp
    assert tuple(frame.image[70, 100]) == BLUE  # inside the button, RGB not BGR
    assert tuple(frame.image[250, 300]) == GREY


@pytest.mark.live
def test_grab_partly_off_screen_pads_black(xvfb: str) -> None:
    with Screen(xvfb) as screen:
        assert screen.screen_rect() == Rect(0, 0, 1920, 1080)
        frame = screen.grab(Rect(1900, 1060, 40, 40))
    assert frame.image.shape == (40, 40, 3)
    assert not frame.image[20:, :].any() and not frame.image[:, 20:].any()


@pytest.mark.live
def test_grab_works_from_several_threads(xvfb: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Screen(xvfb) as screen, ThreadPoolExecutor(2) as pool:
        frames = list(pool.map(lambda _: screen.grab(Rect(0, 0, 64, 48)), range(6)))
    assert sorted(f.index for f in frames) == list(range(6))
    assert all(f.image.shape == (48, 64, 3) for f in frames)


def test_empty_region_is_refused() -> None:
    with pytest.raises(ValueError, match="empty region"):
        Screen(":9999").grab(Rect(0, 0, 0, 10))
