"""The hand: real clicks land where told; unsafe or dry-run actions never move the pointer."""

from __future__ import annotations

import subprocess
import time

import pytest

from agent.body.display import DisplaySettings, VirtualDisplay, display_env
from agent.body.mouse import Mouse, MouseSettings
from agent.body.screen import Screen
from agent.errors import ConfigError, OutsideWindowError, SafetyStop
from agent.types import Click, DoubleClick, Drag, Move, Point, Rect, RightClick, Scroll, Wait

BLUE = (40, 80, 220)
ORANGE = (240, 140, 20)


@pytest.mark.live
def test_click_lands_at_the_window_relative_point(start_clicker) -> None:
    clicker = start_clicker("--button", "40,40,120,60")
    rect = clicker.info.rect
    mouse = Mouse(clicker.display)
    with Screen(clicker.display) as screen:
        assert tuple(screen.grab(rect).image[70, 100]) == BLUE
        mouse.perform(Click(100, 70), rect)
        downs = clicker.wait_for("down", 1)
        assert [(e["x"], e["y"], e["button"]) for e in downs] == [(100, 70, 1)]
        assert clicker.wait_for("up", 1)
        deadline = time.monotonic() + 2
        while tuple(screen.grab(rect).image[70, 100]) != ORANGE and time.monotonic() < deadline:
            time.sleep(0.02)
        assert tuple(screen.grab(rect).image[70, 100]) == ORANGE
    assert mouse.position() == Point(rect.x + 100, rect.y + 70)
    assert mouse.performed[-1].executed


@pytest.mark.live
def test_other_actions_reach_the_window(start_clicker) -> None:
    clicker = start_clicker()
    rect = clicker.info.rect
    mouse = Mouse(clicker.display, MouseSettings(max_actions_per_second=50))
    mouse.perform(RightClick(10, 20), rect)
    mouse.perform(DoubleClick(200, 150), rect)
    mouse.perform(Scroll(300, 100, clicks=-2), rect)
    mouse.perform(Drag(50, 200, 250, 210, duration=0.1), rect)
    mouse.perform(Move(5, 6), rect)
    downs = clicker.wait_for("down", 4)
    ups = clicker.wait_for("up", 4)
    assert (downs[0]["x"], downs[0]["y"], downs[0]["button"]) == (10, 20, 3)
    assert [(e["x"], e["y"]) for e in downs[1:3]] == [(200, 150)] * 2
    assert (downs[3]["x"], downs[3]["y"], downs[3]["button"]) == (50, 200, 1)
    assert (ups[3]["x"], ups[3]["y"]) == (250, 210)
    wheel = clicker.wait_for("wheel", 2)
    assert all(e["dy"] < 0 for e in wheel) and len(wheel) == 2
    assert mouse.position() == Point(rect.x + 5, rect.y + 6)


@pytest.mark.live
def test_point_outside_window_is_refused_and_pointer_stays(start_clicker) -> None:
    clicker = start_clicker()
    rect = clicker.info.rect
    mouse = Mouse(clicker.display)
    mouse.perform(Move(10, 10), rect)
    before = mouse.position()
    for action in (
        Click(rect.w, 10),  # right edge is outside
        Click(-1, 10),
        RightClick(10, rect.h + 50),
        Drag(10, 10, 10, rect.h),  # the drag's end is outside
    ):
        with pytest.raises(OutsideWindowError, match="outside the 400x300 window"):
            mouse.perform(action, rect)
    time.sleep(0.2)
    assert mouse.position() == before
    assert clicker.events("down") == []
    assert len(mouse.performed) == 1


@pytest.mark.live
def test_dry_run_never_moves_the_pointer(start_clicker) -> None:
    clicker = start_clicker()
    rect = clicker.info.rect
    Mouse(clicker.display).perform(Move(1, 1), rect)
    mouse = Mouse(clicker.display, MouseSettings(dry_run=True, max_actions_per_second=100))
    before = mouse.position()
    for action in (Click(100, 70), DoubleClick(20, 20), Drag(1, 1, 300, 200), Scroll(5, 5, 3)):
        mouse.perform(action, rect)
    time.sleep(0.2)
    assert mouse.position() == before
    assert clicker.events("down") == [] and clicker.events("wheel") == []
    assert [p.executed for p in mouse.performed] == [False] * 4
    assert mouse.performed[0].screen_points == (Point(rect.x + 100, rect.y + 70),)


def test_rate_cap_spaces_actions() -> None:
    mouse = Mouse(None, MouseSettings(dry_run=True, max_actions_per_second=20))
    start = time.monotonic()
    for _ in range(6):
        mouse.perform(Click(1, 1), Rect(0, 0, 10, 10))
    assert time.monotonic() - start >= 5 / 20 - 0.01


def test_wait_action_waits_and_touches_no_point() -> None:
    mouse = Mouse(None, MouseSettings(dry_run=True))
    start = time.monotonic()
    mouse.perform(Wait(0.15), Rect(0, 0, 10, 10))
    assert time.monotonic() - start >= 0.15
    assert mouse.performed[0].screen_points == ()


def test_bad_rate_cap_is_config_error() -> None:
    with pytest.raises(ConfigError):
        Mouse(None, MouseSettings(max_actions_per_second=0))


@pytest.mark.live
def test_mouse_follows_its_own_display(start_clicker) -> None:
    clicker = start_clicker()
    settings = DisplaySettings(width=800, height=600, window_manager=False)
    with VirtualDisplay(settings) as other:
        elsewhere = Mouse(other.name)
        elsewhere.perform(Move(400, 300), Rect(0, 0, 800, 600))
        assert elsewhere.position() == Point(400, 300)
    mouse = Mouse(clicker.display)
    mouse.perform(Click(30, 30), clicker.info.rect)
    assert [(e["x"], e["y"]) for e in clicker.wait_for("down", 1)] == [(30, 30)]


@pytest.mark.live
def test_fail_safe_corner_stops_and_does_not_click(start_clicker) -> None:
    clicker = start_clicker()
    subprocess.run(["xdotool", "mousemove", "0", "0"], env=display_env(clicker.display), check=True)
    mouse = Mouse(clicker.display)
    with pytest.raises(SafetyStop, match="fail-safe"):
        mouse.perform(Click(30, 30), clicker.info.rect)
    time.sleep(0.2)
    assert clicker.events("down") == []
    assert mouse.position() == Point(0, 0)


def test_part_of_window_off_screen_is_refused() -> None:
    mouse = Mouse(None, MouseSettings(dry_run=True))
    window, screen = Rect(1800, 1000, 400, 300), Rect(0, 0, 1920, 1080)
    assert mouse.perform(Click(10, 10), window, screen).screen_points == (Point(1810, 1010),)
    with pytest.raises(OutsideWindowError, match="off the screen"):
        mouse.perform(Click(200, 10), window, screen)
    assert len(mouse.performed) == 1
