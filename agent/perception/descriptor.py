"""Appearance descriptors: a fixed-length vector per box that survives window scaling.

Layout (all floats, version first so stored descriptors can evolve):
  [0]      layout version (1.0)
  [1:5]    box centre x, y and width, height relative to the frame (0..1): where it was
  [5]      log aspect ratio (w / h)
  [6:33]   3 x 3 grid of mean CIELAB colour inside the box, each channel scaled to 0..1
  [33:177] 12 x 12 grey thumbnail, zero-mean and unit-norm (structure, independent of brightness)
Every part is computed from the box resampled to a fixed size, so the same element rendered at
0.75x or 1.5x gives nearly the same vector.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import cv2
import numpy as np

from agent.types import Rect

VERSION = 1.0
THUMB = 12
GRID = 3
_POS = slice(1, 5)
_ASPECT = 5
_COLOUR = slice(6, 6 + GRID * GRID * 3)
_SHAPE = slice(_COLOUR.stop, _COLOUR.stop + THUMB * THUMB)
LENGTH = _SHAPE.stop


def describe(image: np.ndarray, box: Rect, work_width: int = 640) -> tuple[float, ...]:
    """The descriptor of `box` (image pixels) in the RGB `image`; () for an empty box.

    Computed on the same downscaled work copy candidates use, so both give the same vector.
    """
    h, w = image.shape[:2]
    clipped = box.intersection(Rect(0, 0, w, h))
    if clipped is None:
        return ()
    factor = min(1.0, work_width / w)
    fw, fh = (max(1, round(w * factor)), max(1, round(h * factor))) if factor < 1 else (w, h)
    # Only the box's part of the work copy is read: describe that crop, then put the box's
    # place back in the whole frame's terms.
    wb = np.array(
        [[clipped.x * factor, clipped.y * factor, clipped.w * factor, clipped.h * factor]]
    )
    pixels = _pixel_boxes(wb, fw, fh)
    x0, y0, x1, y1 = (int(v[0]) for v in pixels)
    crop = _work_crop(image, factor, (fw, fh), (x0, y0, x1, y1))
    out = describe_many(crop, np.array([[0, 0, x1 - x0, y1 - y0]], np.float64))[0]
    out[_POS] = _place(*pixels, fw, fh)[0]
    return tuple(out.tolist())


def _work_crop(
    image: np.ndarray, factor: float, size: tuple[int, int], crop: tuple[int, int, int, int]
) -> np.ndarray:
    """Pixels x0:x1, y0:y1 of the work copy (`image` shrunk by `factor` to `size`).

    Shrinking by a whole number k averages k x k blocks, so the crop is shrunk alone (the same
    pixels, without shrinking the whole frame); other factors shrink the whole frame.
    """
    x0, y0, x1, y1 = crop
    if factor >= 1.0:
        return np.ascontiguousarray(image[y0:y1, x0:x1])
    k = round(1 / factor)
    h, w = image.shape[:2]
    if abs(k * factor - 1) < 1e-9 and size == (w // k, h // k) and w % k == 0 and h % k == 0:
        part = image[y0 * k : y1 * k, x0 * k : x1 * k]
        return cv2.resize(part, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    work = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(work[y0:y1, x0:x1])


def describe_many(
    work_rgb: np.ndarray,
    boxes: np.ndarray,
    lab_integral: np.ndarray | None = None,
    grey: np.ndarray | None = None,
) -> np.ndarray:
    """Descriptors (N x LENGTH float32) of boxes (N x 4: x, y, w, h, float work-copy pixels).

    `lab_integral` (cv2.integral of the CIELAB work copy) and `grey` may be passed when the
    caller already has them.
    """
    fh, fw = work_rgb.shape[:2]
    n = len(boxes)
    out = np.zeros((n, LENGTH), np.float32)
    if n == 0:
        return out
    bx, by, bx1, by1 = _pixel_boxes(boxes, fw, fh)
    bw, bh = bx1 - bx, by1 - by
    out[:, 0] = VERSION
    out[:, _POS] = _place(bx, by, bx1, by1, fw, fh)
    out[:, _ASPECT] = np.log(bw / bh)
    if lab_integral is None:
        lab = cv2.cvtColor(work_rgb, cv2.COLOR_RGB2LAB)
        lab_integral = cv2.integral(lab, sdepth=cv2.CV_64F)  # any size, no overflow
    integral = lab_integral  # int32 from candidates (a 640-wide copy cannot overflow it)
    # Colour and structure are read from the box inset by 10% per side: box edges land on
    # slightly different pixels at another window scale, and must not pull in the background.
    ix, iy = (bw + 5) // 10, (bh + 5) // 10
    bx, by, bx1, by1 = (
        bx + ix,
        by + iy,
        np.maximum(bx1 - ix, bx + ix + 1),
        np.maximum(by1 - iy, by + iy + 1),
    )
    bw, bh = bx1 - bx, by1 - by
    col = _COLOUR.start
    for gy in range(GRID):
        y0 = by + (bh * gy) // GRID
        y1 = np.maximum(by + (bh * (gy + 1)) // GRID, y0 + 1)
        for gx in range(GRID):
            x0 = bx + (bw * gx) // GRID
            x1 = np.maximum(bx + (bw * (gx + 1)) // GRID, x0 + 1)
            s = (
                integral[y1, x1].astype(np.float64)
                - integral[y0, x1]
                - integral[y1, x0]
                + integral[y0, x0]
            )
            out[:, col : col + 3] = s / ((x1 - x0) * (y1 - y0))[:, None] / 255.0
            col += 3
    if grey is None:
        grey = cv2.cvtColor(work_rgb, cv2.COLOR_RGB2GRAY)
    for i in range(n):
        patch = grey[by[i] : by1[i], bx[i] : bx1[i]]
        small = cv2.resize(patch, (THUMB, THUMB), interpolation=cv2.INTER_AREA)
        out[i, _SHAPE] = small.reshape(-1)
    shape = out[:, _SHAPE]
    shape -= shape.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(shape, axis=1, keepdims=True)
    out[:, _SHAPE] = np.where(norm > 8.0, shape / np.maximum(norm, 1e-6), 0.0)
    return out


def _pixel_boxes(
    boxes: np.ndarray, fw: int, fh: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Boxes (N x 4 float x, y, w, h) as whole pixels x0, y0, x1, y1 inside a fw x fh image."""
    bx = np.clip(np.floor(boxes[:, 0]).astype(np.int64), 0, fw - 1)
    by = np.clip(np.floor(boxes[:, 1]).astype(np.int64), 0, fh - 1)
    bx1 = np.clip(np.ceil(boxes[:, 0] + boxes[:, 2]).astype(np.int64), bx + 1, fw)
    by1 = np.clip(np.ceil(boxes[:, 1] + boxes[:, 3]).astype(np.int64), by + 1, fh)
    return bx, by, bx1, by1


def _place(
    bx: np.ndarray, by: np.ndarray, bx1: np.ndarray, by1: np.ndarray, fw: int, fh: int
) -> np.ndarray:
    """The descriptor's place fields of pixel boxes: centre and size relative to fw x fh."""
    bw, bh = bx1 - bx, by1 - by
    return np.stack([(bx + bw / 2) / fw, (by + bh / 2) / fh, bw / fw, bh / fh], axis=1)


def descriptor_array(descriptor: tuple[float, ...] | np.ndarray) -> np.ndarray | None:
    """The descriptor as a float32 array, or None when it is not of the current layout."""
    arr = np.asarray(descriptor, dtype=np.float32)
    if arr.shape != (LENGTH,) or arr[0] != VERSION:
        return None
    return arr


_LOOKS = 4096
_by_id: OrderedDict[int, tuple[tuple[float, ...], np.ndarray | None]] = OrderedDict()
_by_content: OrderedDict[bytes, np.ndarray] = OrderedDict()
_looks_lock = threading.Lock()


def look(descriptor: tuple[float, ...]) -> np.ndarray | None:
    """`descriptor_array` of a descriptor tuple, read-only and shared: equal descriptors give the
    same array object while they are among the last 4096 looked at, so callers comparing many
    looks (a frame's candidates, step after step) convert each once and tell them by identity."""
    with _looks_lock:
        known = _by_id.get(id(descriptor))
        if known is not None and known[0] is descriptor:
            _by_id.move_to_end(id(descriptor))
            return known[1]
    arr = descriptor_array(descriptor)
    with _looks_lock:
        if arr is not None:
            arr = _by_content.setdefault(arr.tobytes(), arr)
            arr.flags.writeable = False
            _by_content.move_to_end(arr.tobytes())
            if len(_by_content) > _LOOKS:
                _by_content.popitem(last=False)
        _by_id[id(descriptor)] = (descriptor, arr)  # the tuple is kept, so its id stays its own
        if len(_by_id) > _LOOKS:
            _by_id.popitem(last=False)
    return arr


def appearance_similarity(
    a: tuple[float, ...] | np.ndarray, b: tuple[float, ...] | np.ndarray
) -> float:
    """How alike two boxes look, 0..1, ignoring where they are and how big they are.

    Blends colour layout (Lab distance), structure (thumbnail correlation; flat boxes compare as
    equal in structure) and aspect ratio. Returns 0.0 for descriptors of another layout version.
    """
    da, db = descriptor_array(a), descriptor_array(b)
    if da is None or db is None:
        return 0.0
    return float(similarities(da[None], db[None])[0, 0])


def similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """`appearance_similarity` of every row of `a` (n x LENGTH) with every row of `b`
    (m x LENGTH), both of the current layout version: an n x m matrix in 0..1."""
    colour = np.exp(-np.abs(a[:, None, _COLOUR] - b[None, :, _COLOUR]).mean(axis=2) / 0.06)
    sa, sb = a[:, _SHAPE], b[:, _SHAPE]
    flat = (~sa.any(axis=1))[:, None] & (~sb.any(axis=1))[None, :]
    shape = np.where(flat, 1.0, np.maximum(0.0, sa @ sb.T))
    aspect = np.exp(-np.abs(a[:, None, _ASPECT] - b[None, :, _ASPECT]) / 0.25)
    return 0.4 * colour + 0.4 * shape + 0.2 * aspect


def relative_box(
    descriptor: tuple[float, ...] | np.ndarray,
) -> tuple[float, float, float, float] | None:
    """(centre x, centre y, width, height) relative to the frame the descriptor was taken in."""
    arr = descriptor_array(descriptor)
    if arr is None:
        return None
    cx, cy, w, h = (float(v) for v in arr[_POS])
    return cx, cy, w, h
