"""Settle detection: wait as long as the window moves, not a fixed sleep and not the timeout."""

from __future__ import annotations

import time

import numpy as np
import pytest

from agent.body.mouse import Mouse
from agent.body.screen import Screen
from agent.body.settle import SettleSettings, settle
from agent.errors import ConfigError
from agent.types import Click, Frame, Rect


class Animation:
    """Frames of a 40x40 image where a square moves every grab until `duration` s have passed."""

    def __init__(self, duration: float, forever: bool = False) -> None:
        self.start = time.monotonic()
        self.duration = duration
        self.forever = forever
        self.grabs = 0

    def grab(self) -> Frame:
        self.grabs += 1
        image = np.zeros((40, 40, 3), np.uint8)
        elapsed = time.monotonic() - self.start
        step = self.grabs if (self.forever or elapsed < self.duration) else 10_000
        x = step % 30
        image[10:20, x : x + 10] = 255
        return Frame(image, self.grabs, time.time(), Rect(0, 0, 40, 40))


def test_settles_when_animation_ends() -> None:
    anim = Animation(0.3)
    reference = anim.grab()
    result = settle(anim.grab, reference, SettleSettings(timeout_s=3))
    assert result.settled and result.changed
    assert 0.25 <= result.settle_s <= 0.6


def test_no_reaction_returns_quickly() -> None:
    anim = Animation(0.0)
    reference = anim.grab()
    start = time.monotonic()
    result = settle(anim.grab, reference, SettleSettings(no_reaction_s=0.2, timeout_s=3))
    waited = time.monotonic() - start
    assert result.settled and not result.changed and result.settle_s == 0.0
    assert 0.2 <= waited < 1.0  # far below the 3 s timeout


def test_endless_animation_times_out_unsettled() -> None:
    anim = Animation(0.0, forever=True)
    start = time.monotonic()
    result = settle(anim.grab, anim.grab(), SettleSettings(timeout_s=0.4))
    assert not result.settled and result.changed
    assert 0.4 <= time.monotonic() - start < 1.2


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        SettleSettings(tolerance=1.5)
    with pytest.raises(ConfigError):
        SettleSettings(quiet_grabs=0)
    with pytest.raises(ConfigError):
        SettleSettings(timeout_s=0)


@pytest.mark.live
def test_settle_time_matches_a_real_window_animation(start_clicker) -> None:
    clicker = start_clicker("--animate-ms", "500", "--button", "40,40,120,60")
    rect = clicker.info.rect
    with Screen(clicker.display) as screen:
        grab = lambda: screen.grab(rect)  # noqa: E731
        reference = grab()
        Mouse(clicker.display).perform(Click(100, 70), rect)
        result = settle(grab, reference, SettleSettings(timeout_s=3))
        assert result.settled and result.changed
        assert 0.35 <= result.settle_s <= 0.9, result
        # clicking the background does nothing: settles in the no-reaction window
        reference = grab()
        start = time.monotonic()
        Mouse(clicker.display).perform(Click(300, 20), rect)
        quiet = settle(grab, reference, SettleSettings(timeout_s=3))
        assert quiet.settled and not quiet.changed
        assert time.monotonic() - start < 1.5  # not the 3 s timeout


class SlowGame:
    """A still picture that changes once, `delay` s after the action (a game on a busy machine)."""

    def __init__(self, delay: float) -> None:
        self.start = time.monotonic()
        self.delay = delay
        self.grabs = 0

    def grab(self) -> Frame:
        self.grabs += 1
        image = np.zeros((40, 40, 3), np.uint8)
        if time.monotonic() - self.start >= self.delay:
            image[5:35, 5:35] = 255
        return Frame(image, self.grabs, time.time(), Rect(0, 0, 40, 40))


def test_reaction_time_is_reported_and_a_slow_reaction_needs_a_longer_wait() -> None:
    late = SlowGame(0.35)
    result = settle(late.grab, late.grab(), SettleSettings(no_reaction_s=0.2, timeout_s=3))
    assert not result.changed, "with the default wait a 350 ms reaction is missed"
    late = SlowGame(0.35)
    result = settle(late.grab, late.grab(), SettleSettings(no_reaction_s=0.7, timeout_s=3))
    assert result.changed and 0.3 <= result.reaction_s <= 0.6
