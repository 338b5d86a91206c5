"""Synthetic game-like screens drawn with OpenCV, proportional to the window size.

Used until (and besides) the built-in game's frames: a "menu" screen (buttons with labels) and a
"board" screen (a grid of cells, a hand of cards, an end-turn button, numbers that change).
Everything scales with the requested size, like a real game window being resized.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.types import Rect


@dataclass(frozen=True)
class Scene:
    image: np.ndarray
    screen: str
    clickables: tuple[tuple[str, Rect], ...]


def _rect(size: tuple[int, int], fx: float, fy: float, fw: float, fh: float) -> Rect:
    w, h = size
    return Rect(round(fx * w), round(fy * h), round(fw * w), round(fh * h))


def _text(img: np.ndarray, text: str, rect: Rect, colour=(255, 255, 255)) -> None:
    scale = rect.h / 60
    thickness = max(1, round(scale * 2))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    org = (rect.x + (rect.w - tw) // 2, rect.y + (rect.h + th) // 2)
    cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def menu_screen(size: tuple[int, int] = (1280, 720), variant: int = 0) -> Scene:
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (30, 34, 60)
    cv2.rectangle(img, (0, 0), (w, round(0.12 * h)), (50, 56, 90), -1)
    _text(img, f"BOTTOMUP {variant}", _rect(size, 0.3, 0.02, 0.4, 0.08), (230, 230, 230))
    clicks = []
    for i, label in enumerate(["Play", "Options", "Quit"]):
        r = _rect(size, 0.4, 0.3 + 0.15 * i, 0.2, 0.1)
        cv2.rectangle(img, (r.x, r.y), (r.right - 1, r.bottom - 1), (70, 110, 200), -1)
        cv2.rectangle(img, (r.x, r.y), (r.right - 1, r.bottom - 1), (200, 210, 240), 2)
        _text(img, label, r)
        clicks.append((f"button:{label.lower()}", r))
    return Scene(img, "menu", tuple(clicks))


def board_screen(size: tuple[int, int] = (1280, 720), variant: int = 0) -> Scene:
    """A board: 5 x 4 cells, a hand of `4 + variant % 2` cards, an end-turn button, numbers."""
    rng = np.random.default_rng(variant)
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = (24, 80, 40)
    clicks = []
    for row in range(4):
        for col in range(5):
            r = _rect(size, 0.05 + col * 0.08, 0.08 + row * 0.13, 0.07, 0.11)
            shade = (150, 150, 140) if rng.random() > 0.2 else (200, 190, 120)
            cv2.rectangle(img, (r.x, r.y), (r.right - 1, r.bottom - 1), shade, -1)
            clicks.append((f"cell:{row},{col}", r))
    cards = 4 + variant % 2
    for i in range(cards):
        r = _rect(size, 0.5 + i * 0.095, 0.62, 0.085, 0.3)
        cv2.rectangle(img, (r.x, r.y), (r.right - 1, r.bottom - 1), (235, 225, 200), -1)
        cv2.rectangle(img, (r.x, r.y), (r.right - 1, r.bottom - 1), (40, 30, 20), 2)
        art = Rect(r.x + r.w // 8, r.y + r.h // 4, r.w * 3 // 4, r.h // 3)
        colour = tuple(int(v) for v in rng.integers(40, 220, 3))
        cv2.rectangle(img, (art.x, art.y), (art.right, art.bottom), colour, -1)
        _text(img, str(int(rng.integers(0, 4))), Rect(r.x, r.y, r.w // 3, r.h // 6), (20, 20, 20))
        clicks.append((f"card:{i}", r))
    end = _rect(size, 0.82, 0.45, 0.14, 0.08)
    cv2.rectangle(img, (end.x, end.y), (end.right - 1, end.bottom - 1), (180, 60, 40), -1)
    _text(img, "End Turn", end)
    clicks.append(("button:end_turn", end))
    _text(img, f"HP {int(rng.integers(1, 80))}/80", _rect(size, 0.55, 0.05, 0.15, 0.06))
    return Scene(img, "board", tuple(clicks))
