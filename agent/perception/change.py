"""Did the screen change? Pixel-level change between two frames, with the changed regions.

"Acted?" in the Bottom-Up Agent sense: the fraction of pixels whose grey level moved by more than
`threshold` levels. Used by the judge (did an action do anything) and by settle detection (has the
window stopped changing).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.types import Rect

# A pixel counts as changed when its grey level moves by more than this many levels (of 255).
DEFAULT_PIXEL_THRESHOLD = 30
# An action "acted" when more than this fraction of pixels changed.
DEFAULT_ACTED_FRACTION = 0.002


@dataclass(frozen=True)
class Change:
    """The difference between two images: changed fraction and bounding boxes of changed areas."""

    fraction: float
    regions: tuple[Rect, ...] = ()

    def acted(self, min_fraction: float = DEFAULT_ACTED_FRACTION) -> bool:
        return self.fraction > min_fraction


def _grey(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return image
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)


def changed_mask(
    a: np.ndarray, b: np.ndarray, threshold: int = DEFAULT_PIXEL_THRESHOLD
) -> np.ndarray:
    """Boolean mask of pixels whose grey level differs by more than `threshold`.

    Images of different shapes are treated as entirely changed.
    """
    if a.shape != b.shape:
        return np.ones(b.shape[:2], dtype=bool)
    return cv2.absdiff(_grey(a), _grey(b)) > threshold


def changed_fraction(
    a: np.ndarray, b: np.ndarray, threshold: int = DEFAULT_PIXEL_THRESHOLD
) -> float:
    """Fraction (0..1) of pixels that changed by more than `threshold` grey levels."""
    mask = changed_mask(a, b, threshold)
    return float(mask.mean()) if mask.size else 0.0


def diff(
    a: np.ndarray,
    b: np.ndarray,
    threshold: int = DEFAULT_PIXEL_THRESHOLD,
    min_region_area: int = 16,
) -> Change:
    """Changed fraction plus bounding boxes of the changed areas (in image pixels)."""
    mask = changed_mask(a, b, threshold)
    if not mask.size:
        return Change(0.0)
    fraction = float(mask.mean())
    if fraction == 0.0:
        return Change(0.0)
    # Close small gaps so one changed widget gives one region, not dozens of glyph fragments.
    closed = cv2.dilate(mask.astype(np.uint8), np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    regions = tuple(
        Rect(int(x), int(y), int(w), int(h))
        for x, y, w, h, area in stats[1:count]
        if area >= min_region_area
    )
    return Change(fraction, regions)
