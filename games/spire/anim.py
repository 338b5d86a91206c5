"""Short cosmetic animations (150-400 ms): a played card flying to its target, damage numbers
rising and fading, a hit target shaking, a selected card rising, a screen fading in.

They are pure functions of (animation, now) drawn over the state; once every animation has ended
the frame depends on the game state only, so settled pixels never depend on timing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from agent.types import Rect
from games.spire.cards import Card
from games.spire.model import Event

AnimKind = Literal["fly", "float", "shake", "raise", "fade"]

FLY_S, FLOAT_S, SHAKE_S, RAISE_S, FADE_S = 0.25, 0.4, 0.2, 0.15, 0.22


@dataclass(frozen=True)
class Animation:
    """One animation: what, when it started (seconds on the game's clock) and how long it lasts."""

    kind: AnimKind
    start: float
    duration: float
    target: str = ""
    text: str = ""
    colour: tuple[int, int, int] = (255, 255, 255)
    card: Card | None = None
    rect: Rect | None = None  # logical: where a flying card starts
    to: tuple[int, int] = (0, 0)  # logical: where a flying card or a floating number goes
    rising: bool = True  # for "raise": rising (selected) or sinking (deselected)

    @property
    def end(self) -> float:
        return self.start + self.duration

    def progress(self, now: float) -> float:
        return min(1.0, max(0.0, (now - self.start) / self.duration))

    def active(self, now: float) -> bool:
        return now < self.end


def offsets(anims: Iterable[Animation], now: float) -> dict[str, tuple[float, float]]:
    """Logical displacement per element name from active shake/raise animations."""
    out: dict[str, tuple[float, float]] = {}
    for a in anims:
        if not a.active(now):
            continue
        p = a.progress(now)
        if a.kind == "shake":
            dx = 10 * math.sin(p * math.pi * 6) * (1 - p)
            ox, oy = out.get(a.target, (0.0, 0.0))
            out[a.target] = (ox + dx, oy)
        elif a.kind == "raise":
            # the settled layout already includes the raise; undo the part not yet travelled
            remaining = 30 * (1 - p)
            out[a.target] = (0.0, remaining if a.rising else -remaining)
    return out


def from_events(
    events: list[Event],
    now: float,
    played_from: Rect | None,
    centres: dict[str, tuple[int, int]],
) -> list[Animation]:
    """Animations for what an action caused. `played_from` is the logical rect of the selected
    card *before* the action; `centres` are logical centres of "player", "enemy:i", "hud:hp"."""
    out: list[Animation] = []
    for ev in events:
        where = centres.get(ev.target, (640, 360))
        if ev.kind == "select":
            out.append(Animation("raise", now, RAISE_S, target=ev.target, rising=bool(ev.amount)))
        elif ev.kind == "play" and ev.card is not None:
            out.append(Animation("fly", now, FLY_S, card=ev.card, rect=played_from, to=where))
        elif ev.kind == "damage":
            out.append(
                Animation(
                    "float", now, FLOAT_S, text=f"-{ev.amount}", colour=(255, 90, 80), to=where
                )
            )
            if ev.amount > 0:
                out.append(Animation("shake", now, SHAKE_S, target=ev.target))
        elif ev.kind == "block":
            out.append(
                Animation(
                    "float",
                    now,
                    FLOAT_S,
                    text=f"+{ev.amount} Block",
                    colour=(110, 170, 255),
                    to=where,
                )
            )
        elif ev.kind == "buff":
            out.append(
                Animation(
                    "float", now, FLOAT_S, text=f"+{ev.amount} Str", colour=(250, 210, 90), to=where
                )
            )
        elif ev.kind == "heal":
            out.append(
                Animation(
                    "float",
                    now,
                    FLOAT_S,
                    text=f"+{ev.amount} HP",
                    colour=(110, 220, 120),
                    to=centres.get("hud:hp", where),
                )
            )
        elif ev.kind == "screen":
            out.append(Animation("fade", now, FADE_S))
    return out
