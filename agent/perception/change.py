"""Did the screen change? Pixel-level change between two frames, with the changed regions.

"Acted?" in the Bottom-Up Agent sense: the fraction of pixels whose grey level moved by more than
`threshold` levels. Used by the judge (did an action do anything) and by settle detection (has the
window stopped changing; `wait_settled`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
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


_recent = threading.local()


def _grey(image: np.ndarray) -> np.ndarray:
    """Grey levels of an image; the last two images' are kept (per thread), since the frame after
    one action is the frame before the next."""
    if image.ndim == 2:
        return image
    known = getattr(_recent, "greys", [])
    for source, grey in known:
        if source is image:
            return grey
    grey = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    _recent.greys = [(image, grey), *known[:1]]
    return grey


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
    return np.count_nonzero(mask) / mask.size if mask.size else 0.0


def changed_within(
    a: np.ndarray,
    b: np.ndarray,
    box: Rect,
    around: Rect | None = None,
    threshold: int = DEFAULT_PIXEL_THRESHOLD,
) -> tuple[float, float]:
    """How much changed at `box` (image pixels): the fraction of its pixels that changed, and
    the share of all the changed pixels that lie in `around` (default: the box itself); 1.0, 1.0
    when the images differ in shape, 0.0, 0.0 for a box outside the image."""
    if a.shape != b.shape:
        return 1.0, 1.0
    mask = changed_mask(a, b, threshold)
    inside = _crop(mask, box)
    if not inside.size:
        return 0.0, 0.0
    near = inside if around is None else _crop(mask, around)
    return np.count_nonzero(inside) / inside.size, np.count_nonzero(near) / max(
        1, np.count_nonzero(mask)
    )


def _crop(image: np.ndarray, box: Rect) -> np.ndarray:
    h, w = image.shape[:2]
    return image[max(0, box.y) : min(h, box.y + box.h), max(0, box.x) : min(w, box.x + box.w)]


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
    fraction = np.count_nonzero(mask) / mask.size
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


@dataclass(frozen=True)
class Settled:
    """The outcome of waiting for the screen to stop changing."""

    image: np.ndarray
    seconds: float
    settled: bool
    grabs: int


def wait_settled(
    grab: Callable[[], np.ndarray],
    *,
    interval: float = 0.05,
    quiet_grabs: int = 2,
    timeout: float = 3.0,
    max_fraction: float = 0.0005,
    threshold: int = DEFAULT_PIXEL_THRESHOLD,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Settled:
    """Grab every `interval` s until `quiet_grabs` consecutive grabs differ from the previous one by
    at most `max_fraction` of pixels (animations over), or until `timeout` (settled=False).

    `grab` returns the current window image; the body supplies it, perception only judges.
    """
    start = clock()
    last = grab()
    grabs, quiet = 1, 0
    while clock() - start < timeout:
        sleep(interval)
        now = grab()
        grabs += 1
        quiet = quiet + 1 if changed_fraction(last, now, threshold) <= max_fraction else 0
        last = now
        if quiet >= quiet_grabs:
            return Settled(last, clock() - start, True, grabs)
    return Settled(last, clock() - start, False, grabs)
