"""The pictures of spire, drawn from simple shapes: cards, the hero, enemies, map icons, buttons,
intent icons. Each function draws one thing into a logical rectangle with a Pen."""

from __future__ import annotations

from functools import lru_cache

import pygame

from agent.types import Rect
from games.spire.cards import Card, EnemyKind, Intent
from games.spire.layout import Scaler
from games.spire.pen import RGB_MASKS, Colour, Pen

TEXT: Colour = (236, 236, 242)
DIM: Colour = (150, 152, 170)
GOLD: Colour = (242, 200, 80)
RED: Colour = (222, 72, 72)
GREEN: Colour = (96, 204, 112)
BLUE: Colour = (92, 156, 244)
DARK: Colour = (16, 17, 26)

NODE_COLOURS: dict[str, Colour] = {
    "combat": (168, 64, 60),
    "elite": (140, 62, 182),
    "rest": (48, 146, 84),
    "boss": (124, 22, 28),
}


def button(pen: Pen, r: Rect, label: str, colour: Colour = (64, 88, 156)) -> None:
    pen.rect((8, 9, 14), Rect(r.x + 4, r.y + 5, r.w, r.h), radius=12)
    pen.rect(colour, r, radius=12)
    pen.rect((200, 212, 255), r, width=2, radius=12)
    pen.text(label, (r.x + r.w / 2, r.y + r.h / 2 + 1), 34, TEXT)


def card(
    pen: Pen,
    c: Card,
    r: Rect,
    affordable: bool = True,
    selected: bool = False,
    backdrop: Colour | None = None,
) -> None:
    """A card: cost orb, name, art panel with a sword or shield, type line, rules text.

    Cards are drawn once per look and size into a cached sprite, then blitted (drawing them is
    most of a combat frame's cost). On a plain `backdrop` colour the sprite is opaque (a fast
    blit); otherwise its corners are transparent (a colour-key blit)."""
    sprite = _card_sprite(c, r.w, r.h, affordable, selected, pen.k, backdrop)
    pen.surface.blit(sprite, pen.k.point(r.x + pen.dx, r.y + pen.dy))


_KEY: Colour = (255, 0, 255)


@lru_cache(maxsize=512)
def _card_sprite(
    c: Card, w: int, h: int, affordable: bool, selected: bool, k: Scaler, backdrop: Colour | None
) -> pygame.Surface:
    box = k.rect(Rect(0, 0, w + 6, h + 7))
    surf = pygame.Surface((box.w, box.h), 0, 24, RGB_MASKS)
    surf.fill(backdrop or _KEY)
    _draw_card(Pen(surf, k), c, Rect(0, 0, w, h), affordable, selected)
    if backdrop is None:
        surf.set_colorkey(_KEY)
    return surf


def _draw_card(pen: Pen, c: Card, r: Rect, affordable: bool, selected: bool) -> None:
    big = r.w >= 160
    fill = (140, 48, 48) if c.kind == "attack" else (44, 94, 150)
    pen.rect((6, 6, 10), Rect(r.x + 4, r.y + 5, r.w, r.h), radius=10)
    pen.rect(fill, r, radius=10)
    pen.rect(GOLD if selected else (220, 220, 232), r, width=4 if selected else 2, radius=10)
    name_colour = GREEN if c.upgraded else TEXT
    pen.text(c.name, (r.x + r.w / 2 + 8, r.y + 22), 26 if big else 21, name_colour)
    pen.circle((34, 34, 56), (r.x + 15, r.y + 15), 15)
    pen.circle(GOLD, (r.x + 15, r.y + 15), 15, width=2)
    pen.text(str(c.cost), (r.x + 15, r.y + 16), 26, TEXT if affordable else RED)
    art = Rect(r.x + 12, r.y + 38, r.w - 24, int(r.h * 0.3))
    pen.rect((fill[0] // 2, fill[1] // 2, fill[2] // 2), art, radius=6)
    cx, cy = art.x + art.w / 2, art.y + art.h / 2
    if c.kind == "attack":
        pen.line((220, 220, 230), (cx - 18, cy + 16), (cx + 16, cy - 18), 5)
        pen.line((200, 160, 60), (cx - 14, cy + 4), (cx - 4, cy + 14), 5)
    else:
        pen.polygon(
            (200, 210, 230),
            [
                (cx - 16, cy - 16),
                (cx + 16, cy - 16),
                (cx + 14, cy + 4),
                (cx, cy + 18),
                (cx - 14, cy + 4),
            ],
        )
    pen.text("Attack" if c.kind == "attack" else "Skill", (cx, art.bottom + 12), 17, DIM)
    body = Rect(r.x + 8, art.bottom + 24, r.w - 16, r.bottom - art.bottom - 28)
    pen.paragraph(c.text(), body, 22 if big else 18, TEXT)


def hero(pen: Pen, r: Rect) -> None:
    cx = r.x + r.w / 2
    pen.ellipse((10, 10, 16), Rect(r.x + 5, r.bottom - 14, r.w - 10, 22))
    pen.rect((52, 60, 96), Rect(int(cx - 30), r.y + 120, 22, 66), radius=4)
    pen.rect((52, 60, 96), Rect(int(cx + 8), r.y + 120, 22, 66), radius=4)
    pen.rect((60, 112, 204), Rect(int(cx - 38), r.y + 58, 76, 74), radius=12)
    pen.circle((232, 200, 162), (cx, r.y + 34), 26)
    pen.rect((140, 60, 50), Rect(int(cx - 28), r.y + 6, 56, 16), radius=6)
    pen.line((220, 220, 230), (cx + 40, r.y + 130), (cx + 64, r.y + 40), 6)
    pen.line((200, 160, 60), (cx + 30, r.y + 112), (cx + 52, r.y + 118), 6)


def enemy(pen: Pen, kind: EnemyKind, r: Rect) -> None:
    """An enemy body in its colour, shaped by its kind."""
    c = kind.colour
    shade = (c[0] // 2, c[1] // 2, c[2] // 2)
    cx = r.x + r.w / 2
    pen.ellipse((10, 10, 16), Rect(r.x, r.bottom - 12, r.w, 22))
    if kind.shape == "blob":
        pen.ellipse(c, Rect(r.x, r.y + r.h // 4, r.w, r.h * 3 // 4))
        pen.ellipse(shade, Rect(r.x + 10, r.y + r.h // 2, r.w - 20, r.h // 2 - 4))
    elif kind.shape == "bug":
        for i in range(3):
            x = r.x + 18 + i * (r.w - 36) / 2
            pen.line(shade, (x, r.bottom - 30), (x - 10, r.bottom), 4)
        pen.ellipse(c, Rect(r.x, r.y + 10, r.w, r.h - 20))
        pen.line(shade, (cx, r.y + 14), (cx, r.bottom - 12), 3)
    elif kind.shape == "humanoid":
        pen.rect(shade, Rect(int(cx - 26), r.y + r.h // 2, 52, r.h // 2), radius=6)
        pen.rect(c, Rect(int(cx - 36), r.y + 40, 72, r.h // 2), radius=10)
        pen.circle(c, (cx, r.y + 24), 24)
        pen.rect(DARK, Rect(int(cx - 18), r.y + 16, 36, 10))
    elif kind.shape == "wisp":
        pen.polygon(
            c, [(cx, r.y), (cx + r.w / 2, r.y + r.h * 0.7), (cx - r.w / 2, r.y + r.h * 0.7)]
        )
        pen.circle(c, (cx, r.y + r.h * 0.65), r.w / 2)
        pen.circle((240, 255, 255), (cx, r.y + r.h * 0.65), r.w / 5)
    else:  # brute, king: a big body with horns or a crown
        pen.rect(shade, Rect(r.x + 20, r.y + r.h // 2, r.w - 40, r.h // 2), radius=10)
        pen.rect(c, Rect(r.x, r.y + 50, r.w, r.h // 2), radius=18)
        pen.circle(c, (cx, r.y + 44), 38)
        if kind.shape == "brute":
            pen.polygon(
                (230, 220, 200), [(cx - 30, r.y + 24), (cx - 56, r.y - 6), (cx - 20, r.y + 10)]
            )
            pen.polygon(
                (230, 220, 200), [(cx + 30, r.y + 24), (cx + 56, r.y - 6), (cx + 20, r.y + 10)]
            )
        else:
            pen.polygon(
                GOLD,
                [
                    (cx - 34, r.y + 14),
                    (cx - 34, r.y - 18),
                    (cx - 14, r.y),
                    (cx, r.y - 24),
                    (cx + 14, r.y),
                    (cx + 34, r.y - 18),
                    (cx + 34, r.y + 14),
                ],
            )
    eye_y = r.y + (r.h * 0.5 if kind.shape in ("blob", "bug") else 40)
    pen.circle((255, 240, 120), (cx - 12, eye_y), 5)
    pen.circle((255, 240, 120), (cx + 12, eye_y), 5)


def intent_icon(pen: Pen, intent: Intent, centre: tuple[float, float]) -> None:
    x, y = centre
    if intent.kind == "attack":
        pen.polygon(RED, [(x - 12, y + 12), (x + 10, y - 14), (x + 14, y - 10), (x - 8, y + 14)])
    elif intent.kind == "block":
        pen.polygon(
            BLUE,
            [(x - 12, y - 12), (x + 12, y - 12), (x + 10, y + 4), (x, y + 14), (x - 10, y + 4)],
        )
    else:
        pen.polygon(
            GOLD,
            [
                (x, y - 14),
                (x + 13, y + 2),
                (x + 5, y + 2),
                (x + 5, y + 14),
                (x - 5, y + 14),
                (x - 5, y + 2),
                (x - 13, y + 2),
            ],
        )


def hp_bar(pen: Pen, r: Rect, hp: int, max_hp: int, block: int) -> None:
    pen.rect((70, 20, 24), r, radius=5)
    fill_w = int(r.w * hp / max_hp) if max_hp else 0
    if fill_w > 0:
        pen.rect(
            (204, 50, 50) if not block else (70, 120, 210), Rect(r.x, r.y, fill_w, r.h), radius=5
        )
    pen.rect((230, 230, 240), r, width=1, radius=5)
    pen.text(f"{hp}/{max_hp}", (r.x + r.w / 2, r.y + r.h / 2 + 1), 20, TEXT)
    if block:
        x, y = r.x - 18, r.y + r.h / 2
        pen.polygon(
            BLUE,
            [(x - 15, y - 15), (x + 15, y - 15), (x + 13, y + 5), (x, y + 17), (x - 13, y + 5)],
        )
        pen.text(str(block), (x, y), 22, TEXT)


def node_icon(pen: Pen, kind: str, centre: tuple[float, float], radius: int, visited: bool) -> None:
    x, y = centre
    fill = (84, 84, 96) if visited else NODE_COLOURS[kind]
    pen.circle(fill, centre, radius)
    pen.circle((226, 226, 236), centre, radius, width=2)
    ink = (236, 236, 242)
    if kind == "combat":
        pen.line(ink, (x - 11, y + 11), (x + 11, y - 11), 4)
        pen.line(ink, (x - 11, y - 11), (x + 11, y + 11), 4)
    elif kind == "elite":
        pen.polygon(ink, [(x, y - 13), (x + 12, y), (x, y + 13), (x - 12, y)])
        pen.polygon(ink, [(x - 8, y - 6), (x - 16, y - 18), (x - 2, y - 10)])
        pen.polygon(ink, [(x + 8, y - 6), (x + 16, y - 18), (x + 2, y - 10)])
    elif kind == "rest":
        pen.polygon((250, 160, 50), [(x - 10, y + 8), (x, y - 14), (x + 10, y + 8)])
        pen.rect((120, 80, 40), Rect(int(x - 13), int(y + 8), 26, 6))
    else:  # a crown sized to the circle (the legend draws the boss small)
        f = radius / 38
        crown = [(-22, 12), (-22, -12), (-11, 0), (0, -18), (11, 0), (22, -12), (22, 12)]
        pen.polygon(GOLD, [(x + dx * f, y + dy * f) for dx, dy in crown])


def campfire(pen: Pen, x: float, y: float) -> None:
    pen.ellipse((40, 30, 24), Rect(int(x - 110), int(y + 40), 220, 40))
    pen.line((120, 76, 40), (x - 70, y + 60), (x + 70, y + 30), 16)
    pen.line((120, 76, 40), (x - 70, y + 30), (x + 70, y + 60), 16)
    pen.polygon(
        (236, 96, 40),
        [(x - 50, y + 40), (x - 10, y - 90), (x + 10, y - 30), (x + 30, y - 70), (x + 50, y + 40)],
    )
    pen.polygon((250, 200, 70), [(x - 26, y + 40), (x - 4, y - 40), (x + 24, y + 40)])
