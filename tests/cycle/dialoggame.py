"""A tiny in-process game with a modal dialog, for the learner's selection tests.

A grey board: a row of tiles that light up while picked (one at a time, a click on the lit one
drops it), rows of dots that do nothing, and a "Scores" button at the lower right. The button
opens a small dialog in the middle of the board (a panel with a close box); while it is open only
the close box does anything. The dialog covers little of the window, so it is the same screen
state as the board: only what the clicks do tells a dialog from a selection.
"""

from __future__ import annotations

import cv2
import numpy as np

from agent.types import Action, Drag, Frame, Outcome, Rect, Wait

SIZE = (640, 360)
TILES = [Rect(40 + 70 * i, 40, 50, 50) for i in range(4)]
DOTS = [Rect(330 + 45 * c, 40 + 45 * r, 24, 24) for r in range(6) for c in range(6)]
SCORES = Rect(480, 300, 120, 40)
PANEL = Rect(200, 150, 150, 90)
CLOSE = Rect(322, 154, 22, 22)


class DialogGame:
    """The game (agent.types.Game); counts how many steps the dialog stayed open."""

    def __init__(self) -> None:
        self._index = 0
        self.picked: int | None = None
        self.dialog = False
        self.opened = 0
        self.closed = 0

    def reset(self) -> Frame:
        self.picked, self.dialog = None, False
        return self._frame()

    def step(self, action: Action) -> Outcome:
        if not isinstance(action, Wait | Drag):
            self._click(action.x, action.y)
        return Outcome(self._frame(), settle_s=0.0)

    def _click(self, x: int, y: int) -> None:
        if self.dialog:
            if CLOSE.contains(x, y):
                self.dialog = False
                self.closed += 1
            return
        if SCORES.contains(x, y):
            self.dialog = True
            self.opened += 1
            return
        for i, tile in enumerate(TILES):
            if tile.contains(x, y):
                self.picked = None if self.picked == i else i

    def _frame(self) -> Frame:
        w, h = SIZE
        img = np.full((h, w, 3), 70, np.uint8)
        for i, t in enumerate(TILES):
            colour = (250, 200, 40) if i == self.picked else (40, 90, 200)
            cv2.rectangle(img, (t.x, t.y), (t.right, t.bottom), colour, -1)
        for d in DOTS:
            cv2.circle(img, (d.x + 12, d.y + 12), 11, (150, 150, 150), -1)
        cv2.rectangle(img, (SCORES.x, SCORES.y), (SCORES.right, SCORES.bottom), (220, 220, 220), -1)
        font = cv2.FONT_HERSHEY_SIMPLEX
        cv2.putText(img, "Scores", (SCORES.x + 14, SCORES.y + 28), font, 0.8, (30, 30, 30), 2)
        if self.dialog:
            p, c = PANEL, CLOSE
            cv2.rectangle(img, (p.x, p.y), (p.right, p.bottom), (235, 235, 235), -1)
            cv2.rectangle(img, (c.x, c.y), (c.right, c.bottom), (200, 60, 60), -1)
            cv2.line(img, (c.x + 5, c.y + 5), (c.right - 5, c.bottom - 5), (255, 255, 255), 2)
            cv2.line(img, (c.x + 5, c.bottom - 5), (c.right - 5, c.y + 5), (255, 255, 255), 2)
        self._index += 1
        return Frame(img, self._index, 0.0, Rect(0, 0, w, h))

    def close(self) -> None:
        pass
