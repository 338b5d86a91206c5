"""Drawing in logical coordinates: `Pen` scales shapes and text from the 1280x720 design to a
pygame Surface of any size, caching fonts and rendered text (rendering text is the slow part).

Only pygame's bundled default font is used, so the pixels never depend on the system's fonts.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from functools import lru_cache

import pygame

from agent.types import Rect
from games.spire.layout import Scaler

Colour = tuple[int, int, int]
RGB_MASKS = (0xFF, 0xFF00, 0xFF0000, 0)  # 24-bit surfaces whose bytes are R, G, B


@lru_cache(maxsize=64)
def font(px: int) -> pygame.font.Font:
    if not pygame.font.get_init():
        pygame.font.init()
    return pygame.font.Font(None, px)


@lru_cache(maxsize=4096)
def text_surface(text: str, px: int, colour: Colour) -> pygame.Surface:
    return font(px).render(text, True, colour)


@lru_cache(maxsize=1024)
def wrap(text: str, px: int, width: int) -> tuple[str, ...]:
    """Greedy word wrap of `text` into lines at most `width` pixels wide."""
    f = font(px)
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and f.size(candidate)[0] > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return tuple(lines)


class Pen:
    """Draws logical-coordinate shapes and text on a Surface; `offset()` shifts what follows."""

    def __init__(self, surface: pygame.Surface, scaler: Scaler) -> None:
        self.surface = surface
        self.k = scaler
        self.dx = 0.0
        self.dy = 0.0

    @contextmanager
    def offset(self, dx: float, dy: float):
        self.dx, self.dy = self.dx + dx, self.dy + dy
        try:
            yield self
        finally:
            self.dx, self.dy = self.dx - dx, self.dy - dy

    def _r(self, r: Rect) -> pygame.Rect:
        s = self.k.rect(Rect(round(r.x + self.dx), round(r.y + self.dy), r.w, r.h))
        return pygame.Rect(s.x, s.y, s.w, s.h)

    def _p(self, x: float, y: float) -> tuple[int, int]:
        return self.k.point(x + self.dx, y + self.dy)

    def fill(self, colour: Colour) -> None:
        self.surface.fill(colour)

    def rect(self, colour: Colour, r: Rect, width: int = 0, radius: int = 0) -> None:
        w = self.k.length(width) if width else 0
        pygame.draw.rect(
            self.surface, colour, self._r(r), w, self.k.length(radius) if radius else 0
        )

    def ellipse(self, colour: Colour, r: Rect, width: int = 0) -> None:
        pygame.draw.ellipse(self.surface, colour, self._r(r), self.k.length(width) if width else 0)

    def circle(self, colour: Colour, centre: tuple[float, float], radius: float, width: int = 0):
        w = self.k.length(width) if width else 0
        pygame.draw.circle(self.surface, colour, self._p(*centre), self.k.length(radius), w)

    def line(self, colour: Colour, a: tuple[float, float], b: tuple[float, float], width: int = 1):
        pygame.draw.line(self.surface, colour, self._p(*a), self._p(*b), self.k.length(width))

    def polygon(self, colour: Colour, points: Sequence[tuple[float, float]], width: int = 0):
        w = self.k.length(width) if width else 0
        pygame.draw.polygon(self.surface, colour, [self._p(x, y) for x, y in points], w)

    def text(
        self,
        text: str,
        pos: tuple[float, float],
        size: int,
        colour: Colour,
        anchor: str = "center",
    ) -> None:
        """Draw one line of text; `anchor` is a pygame.Rect attribute ("center", "midleft", ...)."""
        if not text:
            return
        surf = text_surface(text, self.k.font(size), colour)
        box = surf.get_rect(**{anchor: self._p(*pos)})
        self.surface.blit(surf, box)

    def paragraph(self, text: str, box: Rect, size: int, colour: Colour) -> None:
        """Word-wrapped lines, centred horizontally in `box`, from its top."""
        px = self.k.font(size)
        lines = wrap(text, px, max(1, self.k.length(box.w)))
        line_h = font(px).get_linesize() / self.k.s
        for i, line in enumerate(lines):
            self.text(line, (box.x + box.w / 2, box.y + line_h * (i + 0.5)), size, colour)
