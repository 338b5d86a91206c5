"""Input checking and the downscaled work copy every perception function starts from.

Perception accepts a Frame or a bare H x W x 3 uint8 RGB array. Bad input (wrong dtype, wrong
number of channels, absurd size) gets one ImageError; degenerate but valid input (tiny, blank)
is accepted and simply yields empty results downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.errors import BottomupError
from agent.types import Frame, Rect

# Frames beyond this many pixels (e.g. 30000 x 30000) are refused rather than processed slowly.
MAX_PIXELS = 100_000_000


class ImageError(BottomupError):
    """An image given to perception is not an H x W x 3 (or H x W) uint8 array of sane size."""


def as_image(frame_or_image: Frame | np.ndarray) -> np.ndarray:
    """The RGB uint8 array of a Frame or array; raises ImageError on anything else."""
    image = frame_or_image.image if isinstance(frame_or_image, Frame) else frame_or_image
    if not isinstance(image, np.ndarray):
        raise ImageError(f"expected a Frame or a numpy image, got {type(image).__name__}")
    if image.dtype != np.uint8:
        raise ImageError(f"expected a uint8 image, got dtype {image.dtype}")
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ImageError(f"expected an H x W x 3 RGB image, got shape {image.shape}")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise ImageError(f"image of {image.shape[1]}x{image.shape[0]} pixels is too large")
    return np.ascontiguousarray(image[..., :3])


def frame_scale(frame_or_image: Frame | np.ndarray) -> float:
    """Image pixels per logical window pixel (1.0 for bare arrays)."""
    if isinstance(frame_or_image, Frame) and frame_or_image.scale > 0:
        return float(frame_or_image.scale)
    return 1.0


@dataclass(frozen=True)
class WorkCopy:
    """A downscaled copy of an image; image px = work px / `factor`."""

    rgb: np.ndarray
    factor: float

    @property
    def grey(self) -> np.ndarray:
        return cv2.cvtColor(self.rgb, cv2.COLOR_RGB2GRAY)

    def to_image_rect(self, x: float, y: float, w: float, h: float, shape: tuple[int, ...]) -> Rect:
        """A work-copy box mapped back to image pixels and clipped to the image."""
        f = self.factor
        x0, y0 = int(round(x / f)), int(round(y / f))
        x1, y1 = int(round((x + w) / f)), int(round((y + h) / f))
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(shape[1], x1), min(shape[0], y1)
        return Rect(x0, y0, max(0, x1 - x0), max(0, y1 - y0))


def work_copy(image: np.ndarray, max_width: int) -> WorkCopy:
    """`image` downscaled (area-averaged) so its width is at most `max_width`; never upscaled."""
    h, w = image.shape[:2]
    if w <= max_width:
        return WorkCopy(image, 1.0)
    factor = max_width / w
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    if factor < 0.25:
        # Two-stage shrink: INTER_AREA on huge images is slow; a nearest pre-shrink bounds the cost.
        pre = (size[0] * 2, size[1] * 2)
        image = cv2.resize(image, pre, interpolation=cv2.INTER_NEAREST)
    return WorkCopy(cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor)


def box_sums(integral: np.ndarray, x, y, w, h) -> np.ndarray:
    """Sums over boxes from an integral image (cv2.integral), for arrays of boxes at once."""
    x1, y1 = x + w, y + h
    return integral[y1, x1] - integral[y, x1] - integral[y1, x] + integral[y, x]
