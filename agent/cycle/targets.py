"""Coordinate-free names for targets: coarse keys to match them again, labels for people.

A target key ("cell 3,7 med") places a target's centre in a 12 x 8 grid of the window and buckets
its size; it survives small moves and descriptor noise, so a guideline ("avoid X here") can be
matched against new candidates without naming pixel coordinates.
"""

from __future__ import annotations

from agent.types import Rect, Target

GRID_COLS, GRID_ROWS = 12, 8
_ROWS = ("top", "upper", "middle", "lower", "bottom")
_COLS = ("left", "centre-left", "centre", "centre-right", "right")


def target_key(box: Rect, width: float, height: float) -> str:
    """The coarse key of a box in a window of `width` x `height` logical pixels."""
    c = box.center
    col = min(GRID_COLS - 1, max(0, int(c.x / max(width, 1) * GRID_COLS)))
    row = min(GRID_ROWS - 1, max(0, int(c.y / max(height, 1) * GRID_ROWS)))
    frac = box.area / max(width * height, 1)
    size = "small" if frac < 0.005 else "med" if frac < 0.03 else "large"
    return f"cell {col},{row} {size}"


def target_label(target: Target | None, width: float, height: float) -> str:
    """'End Turn' when the target has text, else "the small element at the lower left"."""
    if target is None:
        return "the screen"
    if target.text:
        return f"'{target.text}'"
    c = target.box.center
    row = _ROWS[min(4, int(c.y / max(height, 1) * 5))]
    col = _COLS[min(4, int(c.x / max(width, 1) * 5))]
    frac = target.box.area / max(width * height, 1)
    size = "small" if frac < 0.005 else "medium" if frac < 0.03 else "large"
    return f"the {size} element at the {row} {col}"
