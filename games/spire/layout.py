"""Where everything is: a fixed logical 1280x720 design, scaled to the actual window size.

All geometry is written in logical pixels; `Scaler` maps it to window pixels (fonts too), and
`elements()` lists every interactive element of the current state with its window rectangle. The
same list drives hit-testing and the ground-truth probe, so what a test clicks is what the game
reacts to.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from agent.types import Rect
from games.spire.mapgen import Node
from games.spire.model import Run

DESIGN_W, DESIGN_H = 1280, 720
MIN_SIZE, MAX_SIZE = (320, 180), (3840, 2160)

HUD = Rect(0, 0, 1280, 44)
FLOOR_TEXT = Rect(12, 0, 140, 44)
START = Rect(540, 400, 200, 70)
NEW_RUN = Rect(540, 430, 200, 64)
SKIP = Rect(560, 500, 160, 56)
REST = Rect(410, 430, 200, 64)
UPGRADE = Rect(670, 430, 200, 64)
END_TURN = Rect(1090, 500, 160, 56)
PLAYER = Rect(170, 230, 130, 190)
ENERGY_CENTER = (90, 520)
DRAW_PILE = Rect(24, 610, 120, 90)
DISCARD_PILE = Rect(1136, 610, 120, 90)
CARD_W, CARD_H, CARD_GAP, CARD_TOP, CARD_RAISE = 130, 180, 20, 530, 30
REWARD_W, REWARD_H, REWARD_TOP = 180, 250, 170
ENEMY_BASELINE = 420


@dataclass(frozen=True)
class Scaler:
    """Maps logical 1280x720 geometry to a window of `width` x `height` pixels."""

    width: int
    height: int

    @cached_property
    def sx(self) -> float:
        return self.width / DESIGN_W

    @cached_property
    def sy(self) -> float:
        return self.height / DESIGN_H

    @cached_property
    def s(self) -> float:
        return min(self.sx, self.sy)

    def rect(self, r: Rect) -> Rect:
        x0, y0 = round(r.x * self.sx), round(r.y * self.sy)
        x1, y1 = round(r.right * self.sx), round(r.bottom * self.sy)
        return Rect(x0, y0, max(1, x1 - x0), max(1, y1 - y0))

    def point(self, x: float, y: float) -> tuple[int, int]:
        return round(x * self.sx), round(y * self.sy)

    def length(self, v: float) -> int:
        return max(1, round(v * self.s))

    def font(self, size: float) -> int:
        return max(6, round(size * self.s))


@dataclass(frozen=True)
class Element:
    """An interactive element: stable name, kind, logical rectangle, whether a click acts now."""

    name: str
    kind: str
    rect: Rect
    enabled: bool = True


def node_center(node: Node, floors: int) -> tuple[int, int]:
    if node.kind == "boss":
        return 690, 94
    return 480 + node.col * 140, 662 - (node.floor - 1) * 71


def node_radius(node: Node) -> int:
    return 38 if node.kind == "boss" else 24


def node_rect(node: Node, floors: int) -> Rect:
    cx, cy = node_center(node, floors)
    r = node_radius(node) + 2
    return Rect(cx - r, cy - r, 2 * r, 2 * r)


def hand_rect(index: int, count: int, raised: bool = False) -> Rect:
    left = 640 - (count * (CARD_W + CARD_GAP) - CARD_GAP) // 2
    top = CARD_TOP - (CARD_RAISE if raised else 0)
    return Rect(left + index * (CARD_W + CARD_GAP), top, CARD_W, CARD_H)


def reward_rect(index: int) -> Rect:
    cx = 420 + index * 220
    return Rect(cx - REWARD_W // 2, REWARD_TOP, REWARD_W, REWARD_H)


def enemy_rect(index: int, sizes: list[tuple[int, int]]) -> Rect:
    centres = {1: [900], 2: [770, 1030], 3: [660, 870, 1080]}[len(sizes)]
    w, h = sizes[index]
    return Rect(centres[index] - w // 2, ENEMY_BASELINE - h, w, h)


def elements(run: Run) -> list[Element]:
    """Every interactive element of the current screen, in logical pixels."""
    screen = run.screen
    if screen == "title":
        return [Element("button:start", "button", START)]
    if screen in ("defeat", "victory"):
        return [Element("button:new_run", "button", NEW_RUN)]
    if screen == "rest":
        return [
            Element("button:rest", "button", REST),
            Element("button:upgrade", "button", UPGRADE),
        ]
    if screen == "reward":
        cards = [Element(f"reward:{i}", "reward", reward_rect(i)) for i in range(len(run.rewards))]
        return cards + [Element("button:skip", "button", SKIP)]
    if screen == "map":
        return [Element(n.name, "node", node_rect(n, run.map.floors)) for n in run.reachable()]
    combat = run.combat
    assert combat is not None
    selected = combat.hand[combat.selected] if combat.selected is not None else None
    out: list[Element] = []
    for i in range(len(combat.hand)):
        rect = hand_rect(i, len(combat.hand), raised=i == combat.selected)
        out.append(Element(f"card:{i}", "card", rect, run.playable(i) or i == combat.selected))
    sizes = [e.kind.size for e in combat.enemies]
    attack_ready = selected is not None and selected.kind == "attack"
    for i, enemy in enumerate(combat.enemies):
        if enemy.alive:
            out.append(Element(f"enemy:{i}", "enemy", enemy_rect(i, sizes), attack_ready))
    skill_ready = selected is not None and selected.kind == "skill"
    out.append(Element("player", "player", PLAYER, skill_ready))
    out.append(Element("button:end_turn", "button", END_TURN))
    return out
