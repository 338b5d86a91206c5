"""One renderer for both the in-process game and the windowed process: draws a Run (plus any
active animations) onto a pygame Surface. With no active animation the pixels depend only on the
run's state and the surface size."""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from agent.types import Rect
from games.spire import layout as L
from games.spire import sprites as S
from games.spire.anim import Animation, offsets
from games.spire.model import Run
from games.spire.pen import RGB_MASKS, Pen

BACKGROUND = {
    "title": (20, 22, 40),
    "map": (30, 34, 30),
    "combat": (26, 24, 36),
    "reward": (28, 30, 44),
    "rest": (24, 20, 30),
    "defeat": (40, 14, 16),
    "victory": (26, 36, 24),
}


def new_surface(size: tuple[int, int]) -> pygame.Surface:
    """An off-screen 24-bit surface with bytes in R, G, B order: the same format in-process and
    in the window, and its buffer is already an RGB image (no per-pixel conversion)."""
    return pygame.Surface(size, 0, 24, RGB_MASKS)


def draw(
    surface: pygame.Surface, run: Run, anims: Sequence[Animation] = (), now: float = 0.0
) -> None:
    """Draw the whole screen for `run`, with the animations active at time `now` on top."""
    pen = Pen(surface, L.Scaler(*surface.get_size()))
    pen.fill(BACKGROUND[run.screen])
    live = [a for a in anims if a.active(now)]
    shift = offsets(live, now)
    {
        "title": _title,
        "map": _map,
        "combat": _combat,
        "reward": _reward,
        "rest": _rest,
        "defeat": _end,
        "victory": _end,
    }[run.screen](pen, run, shift)
    _hud(pen, run)
    _overlays(surface, pen, live, now)


def _hud(pen: Pen, run: Run) -> None:
    pen.rect((12, 13, 20), L.HUD)
    pen.line((70, 74, 100), (0, L.HUD.bottom), (1280, L.HUD.bottom), 2)
    pen.text(f"Floor {run.floor}", (16, 23), 32, S.TEXT, "midleft")
    pen.text(f"Score {run.score}", (170, 23), 32, S.GOLD, "midleft")
    pen.text(f"HP {run.hp}/{run.max_hp}", (340, 23), 32, (240, 110, 110), "midleft")
    pen.text(f"Deck {len(run.deck)}", (1264, 23), 30, S.DIM, "midright")
    if run.combat is not None:
        pen.text(f"Turn {run.combat.turn}", (1110, 23), 30, S.DIM, "midright")


def _title(pen: Pen, run: Run, shift) -> None:
    # a spire rising behind the bottom of the screen, clear of the text
    pen.polygon((44, 48, 80), [(560, 720), (600, 600), (640, 560), (680, 600), (720, 720)])
    pen.polygon((60, 66, 106), [(610, 720), (628, 640), (640, 610), (652, 640), (670, 720)])
    pen.text("SPIRE", (640, 180), 140, S.GOLD)
    pen.text("a mouse-only deck-building card battler", (640, 262), 32, S.TEXT)
    pen.text(f"Seed {run.seed}", (640, 320), 34, S.DIM)
    S.button(pen, L.START, "Start", (50, 130, 80))
    pen.text("Click Start to begin a run", (640, 520), 26, S.DIM)


def _map(pen: Pen, run: Run, shift) -> None:
    m = run.map
    reachable = {n.pos for n in run.reachable()}
    walked = set(zip([None, *run.visited], run.visited, strict=False))
    for a, b in sorted(m.edges):
        pa, pb = (L.node_center(m.node(p), m.floors) for p in (a, b))
        colour = S.GOLD if (a, b) in walked else (88, 94, 110)
        pen.line(colour, pa, pb, 4 if (a, b) in walked else 3)
    for node in m.nodes:
        centre = L.node_center(node, m.floors)
        radius = L.node_radius(node)
        if node.pos in reachable:
            pen.circle(S.GOLD, centre, radius + 7)
        S.node_icon(pen, node.kind, centre, radius, node.pos in run.visited)
        if node.pos == run.position:
            pen.circle((255, 255, 255), centre, radius + 5, width=3)
    panel = Rect(28, 70, 250, 330)
    pen.rect((20, 22, 20), panel, radius=10)
    pen.rect((90, 96, 90), panel, width=2, radius=10)
    pen.text("Map", (panel.x + 20, panel.y + 30), 40, S.TEXT, "midleft")
    for i, (kind, label) in enumerate(
        [("combat", "Combat"), ("elite", "Elite"), ("rest", "Rest"), ("boss", "Boss")]
    ):
        y = panel.y + 84 + i * 58
        S.node_icon(pen, kind, (panel.x + 42, y), 20, False)
        pen.text(label, (panel.x + 80, y), 30, S.TEXT, "midleft")
    pen.text("Click a glowing node", (panel.x + 20, panel.bottom + 30), 26, S.DIM, "midleft")
    pen.text(run.message, (panel.x + 20, panel.bottom + 64), 26, S.GREEN, "midleft")


def _combat(pen: Pen, run: Run, shift) -> None:
    c = run.combat
    assert c is not None
    selected = c.hand[c.selected] if c.selected is not None else None
    pen.rect((36, 34, 48), Rect(0, 430, 1280, 4))
    with pen.offset(*shift.get("player", (0, 0))):
        if selected is not None and selected.kind == "skill":
            pen.rect(
                S.GOLD,
                Rect(L.PLAYER.x - 8, L.PLAYER.y - 8, L.PLAYER.w + 16, L.PLAYER.h + 16),
                3,
                10,
            )
        S.hero(pen, L.PLAYER)
    S.hp_bar(pen, Rect(150, 446, 170, 22), run.hp, run.max_hp, c.block)
    pen.text(_statuses(c.strength, c.vulnerable, c.weak), (235, 488), 20, S.GOLD)
    sizes = [e.kind.size for e in c.enemies]
    for i, enemy in enumerate(c.enemies):
        if not enemy.alive:
            continue
        r = L.enemy_rect(i, sizes)
        cx = r.x + r.w / 2
        with pen.offset(*shift.get(f"enemy:{i}", (0, 0))):
            if selected is not None and selected.kind == "attack":
                pen.rect(S.GOLD, Rect(r.x - 8, r.y - 8, r.w + 16, r.h + 16), 3, 10)
            S.enemy(pen, enemy.kind, r)
        label = run.intent_label(enemy)
        S.intent_icon(pen, enemy.intent, (cx - 62, r.y - 50))
        pen.text(label, (cx - 44, r.y - 49), 28, S.TEXT, "midleft")
        S.hp_bar(pen, Rect(int(cx - 70), 446, 140, 22), enemy.hp, enemy.max_hp, enemy.block)
        pen.text(enemy.kind.name, (cx, 484), 24, S.TEXT)
        pen.text(_statuses(enemy.strength, enemy.vulnerable, enemy.weak), (cx, 508), 20, S.GOLD)
    ex, ey = L.ENERGY_CENTER
    pen.circle((120, 60, 10), (ex, ey), 46)
    pen.circle((236, 146, 40), (ex, ey), 40)
    pen.text(f"{c.energy}/{run.rules.energy}", (ex, ey + 2), 40, S.DARK)
    for box, label, count in (
        (L.DRAW_PILE, "Draw", len(c.draw)),
        (L.DISCARD_PILE, "Discard", len(c.discard)),
    ):
        pen.rect((44, 46, 70), box, radius=8)
        pen.rect((130, 134, 170), box, width=2, radius=8)
        pen.text(label, (box.x + box.w / 2, box.y + 24), 26, S.DIM)
        pen.text(str(count), (box.x + box.w / 2, box.y + 60), 38, S.TEXT)
    S.button(pen, L.END_TURN, "End Turn", (150, 96, 40))
    for i, card in enumerate(c.hand):
        r = L.hand_rect(i, len(c.hand), raised=i == c.selected)
        with pen.offset(*shift.get(f"card:{i}", (0, 0))):
            S.card(pen, card, r, card.cost <= c.energy, i == c.selected, BACKGROUND["combat"])
    pen.text(run.message, (640, 80), 30, S.GOLD)


def _statuses(strength: int, vulnerable: int, weak: int) -> str:
    parts = []
    if strength:
        parts.append(f"Str {strength}")
    if vulnerable:
        parts.append(f"Vuln {vulnerable}")
    if weak:
        parts.append(f"Weak {weak}")
    return "  ".join(parts)


def _reward(pen: Pen, run: Run, shift) -> None:
    pen.text("Victory! Choose a card", (640, 104), 48, S.GOLD)
    for i, card in enumerate(run.rewards):
        S.card(pen, card, L.reward_rect(i), backdrop=BACKGROUND["reward"])
    S.button(pen, L.SKIP, "Skip")
    pen.text("Pick one card to add to your deck, or skip", (640, 600), 26, S.DIM)


def _rest(pen: Pen, run: Run, shift) -> None:
    pen.text("Rest Site", (640, 100), 56, S.TEXT)
    S.campfire(pen, 640, 270)
    S.button(pen, L.REST, "Rest", (48, 130, 76))
    S.button(pen, L.UPGRADE, "Upgrade", (96, 76, 150))
    pen.text(f"Heal {run.rest_heal_amount()} HP", (L.REST.x + L.REST.w / 2, 530), 28, S.DIM)
    pen.text("Upgrade a card", (L.UPGRADE.x + L.UPGRADE.w / 2, 530), 28, S.DIM)


def _end(pen: Pen, run: Run, shift) -> None:
    if run.screen == "victory":
        pen.text("Victory!", (640, 190), 120, S.GOLD)
        pen.text("The Hollow King has fallen", (640, 290), 36, S.TEXT)
    else:
        pen.text("Defeat", (640, 190), 120, S.RED)
        pen.text(f"You fell on floor {run.floor}", (640, 290), 36, S.TEXT)
    pen.text(f"Final score {run.score}", (640, 345), 36, S.GOLD)
    S.button(pen, L.NEW_RUN, "New Run", (64, 88, 156))


def _overlays(surface: pygame.Surface, pen: Pen, live: list[Animation], now: float) -> None:
    for a in live:
        p = a.progress(now)
        if a.kind == "fly" and a.card is not None and a.rect is not None:
            sx, sy = a.rect.x + a.rect.w / 2, a.rect.y + a.rect.h / 2
            x, y = sx + (a.to[0] - sx) * p, sy + (a.to[1] - sy) * p
            w, h = int(a.rect.w * (1 - 0.6 * p)), int(a.rect.h * (1 - 0.6 * p))
            S.card(pen, a.card, Rect(int(x - w / 2), int(y - h / 2), w, h))
        elif a.kind == "float":
            colour = tuple(int(v * (1 - p) + 20 * p) for v in a.colour)
            pen.text(a.text, (a.to[0], a.to[1] - 40 - 50 * p), 40, colour)
    fades = [a for a in live if a.kind == "fade"]
    if fades:
        veil = pygame.Surface(surface.get_size())
        veil.fill((0, 0, 0))
        veil.set_alpha(int(255 * (1 - max(a.progress(now) for a in fades)) * 0.8))
        surface.blit(veil, (0, 0))
