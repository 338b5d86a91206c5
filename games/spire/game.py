"""`SpireGame`: spire in-process and headless, implementing agent.types.Game.

Each action is applied as a pygame-level click at window pixels; the simulation then runs
forward on a simulated clock until every animation has finished, and the settled frame is
returned (settle_s is the simulated settle time). Nothing touches the pygame display, so it works
with no DISPLAY at all and many instances can live in one process.
"""

from __future__ import annotations

import time

import numpy as np
import pygame

from agent.errors import BottomupError
from agent.types import (
    Action,
    Click,
    DoubleClick,
    Drag,
    Frame,
    Move,
    Outcome,
    Rect,
    RightClick,
    Scroll,
    Wait,
)
from games.probe import GroundTruth
from games.spire import render
from games.spire.model import Rules
from games.spire.pen import RGB_MASKS
from games.spire.session import Session


def surface_to_rgb(surface: pygame.Surface) -> np.ndarray:
    """H x W x 3 uint8 RGB copy of a surface made by render.new_surface (24-bit, RGB order)."""
    w, h = surface.get_size()
    if surface.get_bitsize() != 24 or surface.get_masks()[:3] != RGB_MASKS[:3]:
        data = bytearray(pygame.image.tobytes(surface, "RGB"))
        return np.frombuffer(data, dtype=np.uint8).reshape(h, w, 3)
    rows = np.frombuffer(surface.get_buffer(), dtype=np.uint8).reshape(h, surface.get_pitch())
    return rows[:, : w * 3].reshape(h, w, 3).copy()


_BUTTONS = {"left": 1, "middle": 2, "right": 3}


def events_of(action: Action) -> list[pygame.event.Event]:
    """The pygame mouse events a real pointer would deliver for `action`, in order."""

    def press(x: int, y: int, button: int) -> list[pygame.event.Event]:
        return [
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(x, y), button=button),
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(x, y), button=button),
        ]

    if isinstance(action, Click):
        return press(action.x, action.y, _BUTTONS[action.button])
    if isinstance(action, DoubleClick):
        return press(action.x, action.y, 1) * 2
    if isinstance(action, RightClick):
        return press(action.x, action.y, 3)
    if isinstance(action, Drag):
        down = pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(action.x, action.y), button=1)
        up = pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(action.to_x, action.to_y), button=1)
        return [down, up]
    if isinstance(action, Scroll):
        button = 4 if action.clicks > 0 else 5
        return press(action.x, action.y, button)[:1] * abs(action.clicks)
    if isinstance(action, Move):
        return [pygame.event.Event(pygame.MOUSEMOTION, pos=(action.x, action.y), buttons=(0, 0, 0))]
    return []


class SpireGame:
    """Spire headless in this process: reset() -> Frame, step(action) -> Outcome, probe()."""

    def __init__(
        self,
        seed: int = 0,
        size: tuple[int, int] = (1280, 720),
        rules: Rules | None = None,
    ) -> None:
        self.seed = seed
        self.size = (int(size[0]), int(size[1]))
        self.rules = rules
        try:
            self._session = Session(seed, self.size, rules)
        except ValueError as exc:
            raise BottomupError(str(exc)) from None
        self._surface = render.new_surface(self.size)
        self._clock = 0.0
        self._frames = 0
        self._closed = False

    @property
    def session(self) -> Session:
        return self._session

    def reset(self) -> Frame:
        """Back to the title screen of a fresh game with the same seed; the first frame."""
        self._check_open()
        self._session = Session(self.seed, self.size, self.rules)
        self._clock = 0.0
        return self._frame()

    def step(self, action: Action) -> Outcome:
        """Apply one mouse action as pygame events (the window's code path), run the simulated
        clock until the animations end, and return the settled frame."""
        self._check_open()
        start = self._clock
        for event in events_of(action):
            self._session.handle(event, self._clock)
            self._clock = self._session.settle_time(self._clock)
        if isinstance(action, Wait):
            self._clock += max(0.0, action.seconds)
        return Outcome(self._frame(), settle_s=self._clock - start, settled=True)

    def probe(self) -> GroundTruth:
        """Ground truth of the current state (tests and benchmarks only)."""
        return self._session.truth(self._frames, self._clock)

    def render(self) -> np.ndarray:
        """The current settled screen as H x W x 3 RGB, without counting a frame."""
        self._session.draw(self._surface, self._clock)
        return surface_to_rgb(self._surface)

    def render_frame(self) -> Frame:
        """The current screen as the next Frame, without acting (e.g. to keep a screenshot)."""
        self._check_open()
        return self._frame()

    def close(self) -> None:
        self._closed = True

    def _frame(self) -> Frame:
        image = self.render()
        self._frames += 1
        w, h = self.size
        return Frame(image, self._frames - 1, time.time(), Rect(0, 0, w, h), 1.0)

    def _check_open(self) -> None:
        if self._closed:
            raise BottomupError("this SpireGame is closed; make a new one")
