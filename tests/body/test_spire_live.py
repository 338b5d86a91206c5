"""The body against the built-in game: launch spire on Xvfb, click Start through the real pointer."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

from agent.body.live import LiveSettings, LiveWindow
from agent.perception.change import changed_fraction
from agent.types import Click
from games.probe import GroundTruth, read_probe

ROOT = Path(__file__).resolve().parents[2]


def _probe(path: Path, timeout: float = 10.0) -> GroundTruth:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return read_probe(path)
        except (FileNotFoundError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _wait_for_screen(path: Path, screen: str, timeout: float = 5.0) -> GroundTruth:
    deadline = time.monotonic() + timeout
    truth = _probe(path)
    while truth.screen != screen and time.monotonic() < deadline:
        time.sleep(0.05)
        truth = _probe(path)
    return truth


@pytest.mark.live
def test_click_start_on_spire_through_the_real_pointer(xvfb: str, tmp_path: Path) -> None:
    probe = tmp_path / "probe.json"
    settings = LiveSettings(
        title=r"^bottomup spire \(seed 3\)$",
        display=xvfb,
        launch=(
            sys.executable,
            "-m",
            "games.spire",
            "--seed",
            "3",
            "--size",
            "1024x640",
            "--probe",
            str(probe),
        ),
        launch_cwd=str(ROOT),
        window_timeout_s=30,
    )
    with LiveWindow(settings) as game:
        first = game.reset()
        assert (first.width, first.height) == (1024, 640)
        truth = _wait_for_screen(probe, "title")
        assert truth.screen == "title"
        start = {c.name: c for c in truth.clickables}["button:start"]
        centre = start.rect.center
        outcome = game.step(Click(centre.x, centre.y))
        after = _wait_for_screen(probe, "map")
        assert after.screen == "map"
        assert outcome.settled
        assert changed_fraction(first.image, outcome.frame.image) > 0.05
        assert not np.array_equal(first.image, outcome.frame.image)
