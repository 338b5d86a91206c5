"""Finding windows by title on a real X display, tracking them, losing them; fixed regions."""

from __future__ import annotations

import subprocess
import time

import pytest

from agent.body.display import display_env
from agent.body.window import FixedRegion, X11Window, find_window, list_windows, window_rect
from agent.errors import ConfigError, WindowLost, WindowNotFound
from agent.types import Rect


@pytest.mark.live
def test_find_window_by_title_gives_client_rect(start_clicker) -> None:
    clicker = start_clicker("--size", "400x300")
    info = find_window(r"bottomup test w.ndow", display=clicker.display, timeout=2)
    assert info.title == "bottomup test window"
    assert (info.rect.w, info.rect.h) == (400, 300)  # client area, without the WM frame
    assert 0 <= info.rect.x and info.rect.right <= 1920
    assert info.id == clicker.info.id
    assert "bottomup test window" in [w.title for w in list_windows(clicker.display)]


@pytest.mark.live
def test_unicode_title_is_read_from_net_wm_name(start_clicker) -> None:
    clicker = start_clicker(title="bottomup тест ✓ window")
    info = find_window("тест ✓", display=clicker.display, timeout=2)
    assert info.title == "bottomup тест ✓ window"


@pytest.mark.live
def test_missing_window_names_the_titles_seen(start_clicker) -> None:
    clicker = start_clicker()
    with pytest.raises(WindowNotFound, match=r"no visible window.*'bottomup test window'"):
        find_window("no such game", display=clicker.display, timeout=0.3)


@pytest.mark.live
def test_window_rect_follows_a_moved_window_and_raises_when_gone(start_clicker) -> None:
    clicker = start_clicker()
    handle = X11Window(clicker.info, display=clicker.display)
    try:
        before = handle.rect()
        subprocess.run(
            ["xdotool", "windowmove", str(clicker.info.id), "100", "120"],
            env=display_env(clicker.display),
            check=True,
        )
        deadline = time.monotonic() + 3
        while handle.rect() == before and time.monotonic() < deadline:
            time.sleep(0.05)
        moved = handle.rect()
        assert moved != before and (moved.w, moved.h) == (before.w, before.h)
        assert abs(moved.x - 100) <= 10 and abs(moved.y - 120) <= 40  # WM frame offsets
        clicker.process.terminate()
        clicker.process.wait(timeout=5)
        with pytest.raises(WindowLost):
            for _ in range(50):
                handle.rect()
                time.sleep(0.05)
        with pytest.raises(WindowLost):
            window_rect(clicker.info.id, display=clicker.display)
    finally:
        handle.close()


@pytest.mark.live
def test_activate_gives_focus(start_clicker) -> None:
    first = start_clicker(title="bottomup first")
    second = start_clicker(title="bottomup second")
    a = X11Window(first.info, display=first.display)
    b = X11Window(second.info, display=second.display)

    def settled_focus(expected: X11Window, other: X11Window) -> bool:
        # the window manager handles activation asynchronously; wait for it to agree
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            if expected.is_active() and not other.is_active():
                return True
            time.sleep(0.05)
        return False

    try:
        a.activate()
        assert settled_focus(a, b)
        b.activate()
        assert settled_focus(b, a)
    finally:
        a.close()
        b.close()


def test_region_parse_and_validation() -> None:
    region = FixedRegion.parse("10,20,300,200", screen_size=(1920, 1080))
    assert region.rect() == Rect(10, 20, 300, 200)
    region.activate()  # nothing to raise, must not fail
    with pytest.raises(ConfigError, match="x,y,w,h"):
        FixedRegion.parse("10,20,300")
    with pytest.raises(ConfigError, match="x,y,w,h"):
        FixedRegion.parse("a,b,c,d")
    with pytest.raises(ConfigError, match="positive"):
        FixedRegion.parse("0,0,0,10")
    with pytest.raises(ConfigError, match="beyond the 1920x1080 screen"):
        FixedRegion.parse("1800,0,300,200", screen_size=(1920, 1080))


def test_bad_title_regex_is_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid window title regex"):
        find_window("([", display=":9999", timeout=0)
