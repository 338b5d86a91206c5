"""Fixtures for the model layer: a screenshot PNG, a running simulated VLM, settings for it."""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np
import pytest

from agent.brains.model import ModelSettings
from agent.brains.replies import ReplyBounds
from tests.fakes.sim_vlm import SimulatedVLM

WIDTH, HEIGHT = 800, 600
PROPOSE_VARS = {
    "marks": "1: button 'Start'\n2: button 'Options'\n3: card",
    "history": "1. click mark 2 -> screen changed",
    "guidelines": "- buttons with text usually advance the game",
}


@pytest.fixture
def png() -> bytes:
    """An 800x600 screenshot with a few coloured boxes."""
    image = np.full((HEIGHT, WIDTH, 3), 40, np.uint8)
    cv2.rectangle(image, (100, 100), (220, 160), (200, 60, 60), -1)
    cv2.rectangle(image, (400, 300), (520, 360), (60, 200, 60), -1)
    ok, data = cv2.imencode(".png", image)
    assert ok
    return data.tobytes()


@pytest.fixture
def bounds() -> ReplyBounds:
    return ReplyBounds(marks=frozenset({1, 2, 3}), width=WIDTH, height=HEIGHT)


@pytest.fixture
def sim() -> Iterator[SimulatedVLM]:
    with SimulatedVLM(seed=1) as server:
        yield server


def settings_for(server: SimulatedVLM, **overrides: object) -> ModelSettings:
    """Settings pointing at a simulated server, tuned for fast tests."""
    values: dict[str, object] = {
        "base_url": server.base_url,
        "model": "sim-vlm",
        "api_key": "test-key",
        "timeout_s": 2.0,
        "max_retries": 2,
        "retry_backoff_s": 0.0,
    }
    values.update(overrides)
    return ModelSettings(**values)  # type: ignore[arg-type]
