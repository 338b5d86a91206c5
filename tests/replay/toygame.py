"""A tiny in-process game for replay tests: three screens drawn with OpenCV, laid out in fractions
of the window size (so a 1.25x window is the same game, bigger), deterministic for a seed.

title (dark blue, a "Play" button) -> board (dark green: six tiles that toggle colour, a "Shop"
button, a "Menu" button) -> shop (dark red: three items that toggle, a "Back" button).
`play_at` moves the "Play" button (another version of the game). It fulfils agent.types.Game, like the built-in games' in-process bodies.
"""

from __future__ import annotations

import random
import time

import cv2
import numpy as np

from agent.types import Action, Drag, Frame, Outcome, Rect, Wait

BACKGROUNDS = {"title": (20, 30, 90), "board": (20, 80, 30), "shop": (90, 25, 25)}
TILE_COLOURS = [(200, 60, 60), (60, 60, 200), (220, 200, 40), (200, 90, 200), (60, 200, 200)]


class ToyGame:
    """Three-screen toy game; `size` is (width, height) of the window in pixels."""

    def __init__(
        self, seed: int = 0, size: tuple[int, int] = (640, 360), play_at: float = 0.38
    ) -> None:
        self.size = size
        self.play_at = play_at
        self._rng = random.Random(seed)
        self._seed = seed
        self._index = 0
        self.clicks = 0

    def _rect(self, fx: float, fy: float, fw: float, fh: float) -> Rect:
        w, h = self.size
        return Rect(round(fx * w), round(fy * h), round(fw * w), round(fh * h))

    def _layout(self) -> dict[str, Rect]:
        if self.screen == "title":
            return {"Play": self._rect(self.play_at, 0.45, 0.24, 0.14)}
        if self.screen == "board":
            boxes = {f"t{i}": self._rect(0.08 + 0.15 * i, 0.3, 0.11, 0.22) for i in range(6)}
            boxes["Shop"] = self._rect(0.62, 0.75, 0.16, 0.12)
            boxes["Menu"] = self._rect(0.22, 0.75, 0.16, 0.12)
            return boxes
        boxes = {f"i{i}": self._rect(0.15 + 0.25 * i, 0.25, 0.18, 0.3) for i in range(3)}
        boxes["Back"] = self._rect(0.42, 0.75, 0.16, 0.12)
        return boxes

    def reset(self) -> Frame:
        rng = random.Random(self._seed)
        self.screen = "title"
        self.colours = {f"t{i}": rng.randrange(len(TILE_COLOURS)) for i in range(6)}
        self.colours.update({f"i{i}": rng.randrange(len(TILE_COLOURS)) for i in range(3)})
        self._index = 0
        return self._frame()

    def step(self, action: Action) -> Outcome:
        if not isinstance(action, Wait | Drag):
            self.clicks += 1
            for name, box in self._layout().items():
                if box.contains(action.x, action.y):
                    self._press(name)
                    break
        return Outcome(self._frame(), settle_s=0.01)

    def _press(self, name: str) -> None:
        moves = {"Play": "board", "Shop": "shop", "Menu": "title", "Back": "board"}
        if name in moves:
            self.screen = moves[name]
        else:
            self.colours[name] = (self.colours[name] + 1) % len(TILE_COLOURS)

    def _frame(self) -> Frame:
        w, h = self.size
        img = np.zeros((h, w, 3), np.uint8)
        img[:] = BACKGROUNDS[self.screen]
        for name, box in self._layout().items():
            colour = TILE_COLOURS[self.colours[name]] if name in self.colours else (230, 230, 230)
            cv2.rectangle(img, (box.x, box.y), (box.right, box.bottom), colour, -1)
            cv2.rectangle(img, (box.x, box.y), (box.right, box.bottom), (255, 255, 255), 2)
            if name not in self.colours:
                scale = box.h / 50
                cv2.putText(
                    img,
                    name,
                    (box.x + box.w // 8, box.y + int(box.h * 0.7)),
                    cv2.FONT_HERSHEY_SIMPLEX,
                    scale,
                    (0, 0, 0),
                    max(1, round(scale * 2)),
                )
        self._index += 1
        return Frame(img, self._index, time.time(), Rect(0, 0, w, h))

    def close(self) -> None:
        """Nothing to release."""


class TargetClicker:
    """A seeded policy that clicks candidates and says what it aimed at (a Target), like skills do."""

    name = "target-clicker"

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def decide(self, frame: Frame) -> Action:
        from agent.perception.objects import candidates
        from agent.types import Click

        found = candidates(frame)
        if not found:
            return Click(frame.width // 2, frame.height // 2)
        chosen = self._rng.choice(found)
        return Click(chosen.box.center.x, chosen.box.center.y, target=chosen.target())

    def observe(self, step) -> None:
        """Learns nothing."""
