"""Draw an action on a frame: a crosshair for clicks, an arrow for drags, a label with the text.

Used by the HTML report and the MP4 export. Coordinates are window-relative logical pixels,
converted to image pixels with the frame's scale.
"""

from __future__ import annotations

import cv2
import numpy as np

from agent.types import Action, Drag, Scroll, Wait, describe_action

_COLOUR = (255, 40, 200)  # RGB magenta: rare in game art, visible on dark and light screens
_BOX = (40, 220, 255)


def _fit(image: np.ndarray, width: int | None) -> tuple[np.ndarray, float]:
    if width is None or image.shape[1] <= width:
        return image.copy(), 1.0
    factor = width / image.shape[1]
    size = (width, max(1, round(image.shape[0] * factor)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def draw_action(
    image: np.ndarray,
    action: Action,
    *,
    scale: float = 1.0,
    width: int | None = None,
    label: str | None = None,
) -> np.ndarray:
    """A copy of `image` (RGB), shrunk to at most `width`, with `action` drawn on it."""
    out, factor = _fit(image, width)
    k = scale * factor
    thick = max(1, round(out.shape[1] / 400))
    text = label if label is not None else describe_action(action)
    if isinstance(action, Wait):
        _label(out, text, (8, 8 + 14 * thick), thick)
        return out
    x, y = round(action.x * k), round(action.y * k)
    target = getattr(action, "target", None)
    if target is not None:
        b = target.box
        p0 = (round(b.x * k), round(b.y * k))
        p1 = (round(b.right * k), round(b.bottom * k))
        cv2.rectangle(out, p0, p1, _BOX, thick)
    if isinstance(action, Drag):
        end = (round(action.to_x * k), round(action.to_y * k))
        cv2.arrowedLine(out, (x, y), end, _COLOUR, thick + 1, cv2.LINE_AA, tipLength=0.15)
    elif isinstance(action, Scroll):
        tip = (x, y - 30 * thick if action.clicks > 0 else y + 30 * thick)
        cv2.arrowedLine(out, (x, y), tip, _COLOUR, thick + 1, cv2.LINE_AA, tipLength=0.3)
    arm = 10 * thick
    cv2.circle(out, (x, y), arm, _COLOUR, thick, cv2.LINE_AA)
    cv2.line(out, (x - arm - 4, y), (x + arm + 4, y), _COLOUR, thick, cv2.LINE_AA)
    cv2.line(out, (x, y - arm - 4), (x, y + arm + 4), _COLOUR, thick, cv2.LINE_AA)
    _label(out, text, (x + arm + 6, y - arm), thick)
    return out


def _label(image: np.ndarray, text: str, origin: tuple[int, int], thick: int) -> None:
    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.45 * thick
    (tw, th), base = cv2.getTextSize(text, font, size, thick)
    x = min(max(0, origin[0]), max(0, image.shape[1] - tw - 4))
    y = min(max(th + 4, origin[1]), image.shape[0] - base - 2)
    cv2.rectangle(image, (x - 2, y - th - 4), (x + tw + 2, y + base + 2), (0, 0, 0), -1)
    cv2.putText(image, text, (x, y), font, size, (255, 255, 255), thick, cv2.LINE_AA)
