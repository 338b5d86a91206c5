"""Set-of-marks: numbered boxes drawn on a copy of the frame so a VLM can answer with a number.

    marked = draw_marks(frame.image, cands)      # a new image; the frame is untouched
    cand = candidate_for_mark(cands, 7)          # mark 7 -> the candidate it labels (or None)
Marks are numbered from 1 in the order of the candidate list given, so the same list maps back.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from agent.perception.image import as_image
from agent.perception.objects import Candidate
from agent.types import Frame

# Distinct, saturated colours that read on light and dark backgrounds (RGB).
_PALETTE = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
)


def draw_marks(
    frame_or_image: Frame | np.ndarray,
    marked: Sequence[Candidate],
    scale: float | None = None,
) -> np.ndarray:
    """A copy of the image with each candidate's box outlined and numbered (1-based).

    Boxes are in logical pixels; `scale` (image px per logical px) defaults to the Frame's scale.
    """
    image = as_image(frame_or_image).copy()
    if scale is None:
        scale = frame_or_image.scale if isinstance(frame_or_image, Frame) else 1.0
    h, w = image.shape[:2]
    font_scale = max(0.35, min(1.0, w / 1800))
    thickness = 1 if w < 1000 else 2
    for number, cand in enumerate(marked, start=1):
        colour = _PALETTE[(number - 1) % len(_PALETTE)]
        x0, y0 = int(cand.box.x * scale), int(cand.box.y * scale)
        x1, y1 = int(cand.box.right * scale) - 1, int(cand.box.bottom * scale) - 1
        cv2.rectangle(image, (x0, y0), (x1, y1), colour, thickness)
        label = str(number)
        (tw, th), base = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thickness)
        lx, ly = max(0, min(x0, w - tw - 4)), max(0, y0 - th - base - 2)
        if ly == 0 and y0 < th + base + 2:
            ly = min(max(0, h - th - base - 2), y0 + 1)
        cv2.rectangle(image, (lx, ly), (lx + tw + 4, ly + th + base + 2), colour, -1)
        cv2.putText(
            image,
            label,
            (lx + 2, ly + th + 1),
            cv2.FONT_HERSHEY_SIMPLEX,
            font_scale,
            (255, 255, 255),
            thickness,
            cv2.LINE_AA,
        )
    return image


def candidate_for_mark(marked: Sequence[Candidate], number: int) -> Candidate | None:
    """The candidate labelled `number` by draw_marks on the same list, or None if out of range."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(marked):
        return None
    return marked[number - 1]
