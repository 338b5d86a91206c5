"""Plain frozen data shared by every part of the agent: geometry, frames, actions, steps.

Coordinates in actions are *window-relative logical pixels*: (0, 0) is the top-left pixel of the
game window's client area, and `Frame.scale` converts logical pixels to the pixels of
`Frame.image` (image pixel = logical pixel * scale). On an ordinary display scale is 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True)
class Point:
    """A point in window-relative logical pixels."""

    x: int
    y: int


@dataclass(frozen=True)
class Rect:
    """An axis-aligned rectangle: left, top, width, height (pixels)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def center(self) -> Point:
        return Point(self.x + self.w // 2, self.y + self.h // 2)

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def area(self) -> int:
        return max(0, self.w) * max(0, self.h)

    def contains(self, x: float, y: float) -> bool:
        """True when (x, y) lies inside, edges at left/top included, right/bottom excluded."""
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def intersection(self, other: Rect) -> Rect | None:
        x0, y0 = max(self.x, other.x), max(self.y, other.y)
        x1, y1 = min(self.right, other.right), min(self.bottom, other.bottom)
        if x1 <= x0 or y1 <= y0:
            return None
        return Rect(x0, y0, x1 - x0, y1 - y0)

    def iou(self, other: Rect) -> float:
        inter = self.intersection(other)
        if inter is None:
            return 0.0
        union = self.area + other.area - inter.area
        return inter.area / union if union else 0.0

    @classmethod
    def parse(cls, text: str) -> Rect:
        """Parse "x,y,w,h" (as given to --region); raises ValueError with a clear message."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 4:
            raise ValueError(f"region must be x,y,w,h (four integers), got {text!r}")
        try:
            x, y, w, h = (int(p) for p in parts)
        except ValueError:
            raise ValueError(f"region must be x,y,w,h (four integers), got {text!r}") from None
        if w <= 0 or h <= 0:
            raise ValueError(f"region width and height must be positive, got {text!r}")
        if x < 0 or y < 0:
            raise ValueError(f"region must start at non-negative coordinates, got {text!r}")
        return cls(x, y, w, h)


@dataclass(frozen=True, eq=False)
class Frame:
    """One screen grab of the game window.

    image: H x W x 3 uint8 RGB. index: grab counter within a run. timestamp: time.time() of the grab.
    region: the window rectangle on the screen (root coordinates) when it was grabbed.
    scale: image pixels per logical window pixel.
    """

    image: np.ndarray
    index: int
    timestamp: float
    region: Rect
    scale: float = 1.0

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


Button = Literal["left", "right", "middle"]


@dataclass(frozen=True)
class Target:
    """What an action aims at, so that a skill re-grounds on a new frame instead of replaying pixels.

    descriptor: an appearance descriptor from perception (opaque to everyone else).
    box: where the target was when the action was chosen (window-relative logical pixels).
    text: OCR text of the target, if any.
    """

    box: Rect
    descriptor: tuple[float, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Click:
    x: int
    y: int
    button: Button = "left"
    target: Target | None = None
    kind: Literal["click"] = "click"


@dataclass(frozen=True)
class DoubleClick:
    x: int
    y: int
    target: Target | None = None
    kind: Literal["double_click"] = "double_click"


@dataclass(frozen=True)
class RightClick:
    x: int
    y: int
    target: Target | None = None
    kind: Literal["right_click"] = "right_click"


@dataclass(frozen=True)
class Drag:
    x: int
    y: int
    to_x: int
    to_y: int
    duration: float = 0.2
    target: Target | None = None
    kind: Literal["drag"] = "drag"


@dataclass(frozen=True)
class Scroll:
    x: int
    y: int
    clicks: int
    target: Target | None = None
    kind: Literal["scroll"] = "scroll"


@dataclass(frozen=True)
class Move:
    x: int
    y: int
    target: Target | None = None
    kind: Literal["move"] = "move"


@dataclass(frozen=True)
class Wait:
    seconds: float
    kind: Literal["wait"] = "wait"


Action = Click | DoubleClick | RightClick | Drag | Scroll | Move | Wait
ACTION_TYPES: dict[str, type] = {
    "click": Click,
    "double_click": DoubleClick,
    "right_click": RightClick,
    "drag": Drag,
    "scroll": Scroll,
    "move": Move,
    "wait": Wait,
}


def action_points(action: Action) -> list[Point]:
    """Every window-relative point an action touches (used by the safety check)."""
    if isinstance(action, Wait):
        return []
    if isinstance(action, Drag):
        return [Point(action.x, action.y), Point(action.to_x, action.to_y)]
    return [Point(action.x, action.y)]


def describe_action(action: Action) -> str:
    """A short human-readable line, e.g. "click (120, 340) 'End Turn'"."""
    if isinstance(action, Wait):
        return f"wait {action.seconds:.2f}s"
    label = f" '{action.target.text}'" if action.target and action.target.text else ""
    if isinstance(action, Drag):
        return f"drag ({action.x}, {action.y}) -> ({action.to_x}, {action.to_y}){label}"
    if isinstance(action, Scroll):
        return f"scroll {action.clicks:+d} at ({action.x}, {action.y}){label}"
    name = action.kind.replace("_", "-")
    if isinstance(action, Click) and action.button != "left":
        name = f"{action.button}-click"
    return f"{name} ({action.x}, {action.y}){label}"


@dataclass(frozen=True)
class Outcome:
    """What a Game returns for one action: the settled frame after it and how settling went."""

    frame: Frame
    settle_s: float = 0.0
    settled: bool = True
    restarted: bool = False
    """The game exited on this action (its own close or quit) and was started again."""


@dataclass(frozen=True)
class Step:
    """One decision of the loop: the frame before, the action, what came of it."""

    index: int
    before: Frame
    action: Action
    after: Frame
    settle_s: float
    acted: bool
    changed_fraction: float = 0.0
    restarted: bool = False  # the game exited on this action and was started again
    summary: str = ""
    errors: tuple[str, ...] = field(default=())
    # Filled in by a learning policy (agent/learner.py); empty for policies that do not learn.
    state: str = ""
    skill: str = ""
    judgement: str = ""
    reflection: str = ""
    model_calls: int = 0
    progress: float | None = None


@runtime_checkable
class Game(Protocol):
    """The contract every game body fulfils: a live window, a built-in game in-process, a replay.

    reset() returns the first frame; step() performs one action and returns the settled frame;
    close() releases everything (idempotent).
    """

    def reset(self) -> Frame: ...

    def step(self, action: Action) -> Outcome: ...

    def close(self) -> None: ...
