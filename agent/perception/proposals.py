"""Proposal sources of candidates: boxes of things that might be clickable, before scoring.

Each source yields rows of (x, y, w, h, source) in work-copy pixels (SOURCES names the codes):
  * edge: contours of colour edges (framed things: buttons, cards, cells, icons),
  * region: flat colour regions enclosed by edges (filled buttons, tiles, board cells),
  * text: text lines (glyphs and words joined into lines: labels, menu entries),
  * blob: foreground blobs on the dominant background colour (sprites, tokens, whole cards),
  * glyph: lone glyphs (a small, compact, high-contrast mark on a calm margin: a dialog's close
    "x", window buttons, "?" icons, arrows), padded to a box big enough to click.
"""

from __future__ import annotations

import cv2
import numpy as np

from agent.perception.image import box_sums
from agent.perception.settings import PerceptionSettings

SOURCES = ("edge", "region", "text", "blob", "glyph")
"""Names of the source codes in the last column of a proposal row."""
EDGE, REGION, TEXT, BLOB, GLYPH = range(len(SOURCES))


def colour_edges(rgb: np.ndarray, settings: PerceptionSettings) -> np.ndarray:
    """Union of Canny edges over the colour channels (catches equal-brightness colour borders)."""
    first, *others = cv2.split(cv2.GaussianBlur(rgb, (3, 3), 0))
    edges = cv2.Canny(first, settings.edge_low, settings.edge_high)
    for channel in others:
        edges |= cv2.Canny(channel, settings.edge_low, settings.edge_high)
    return edges


def _size_ok(
    w: np.ndarray, h: np.ndarray, text: np.ndarray, area_total: int, settings: PerceptionSettings
) -> np.ndarray:
    area = w * h
    aspect = np.maximum(w / np.maximum(h, 1), h / np.maximum(w, 1))
    # A line of text may be long and thin: it gets twice the usual aspect allowance.
    aspect = np.where(text, aspect / 2, aspect)
    return (
        (w >= settings.min_side_px)
        & (h >= settings.min_side_px)
        & (area >= settings.min_box_fraction * area_total)
        & (area <= settings.max_box_fraction * area_total)
        & (aspect <= settings.max_aspect)
    )


def proposals(
    rgb: np.ndarray, grey: np.ndarray, edges: np.ndarray, settings: PerceptionSettings
) -> np.ndarray:
    """Rows of (x, y, w, h, source) in work-copy pixels from the five sources (see SOURCES)."""
    total = rgb.shape[0] * rgb.shape[1]
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    rows: list[np.ndarray] = []

    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        rects = _bounding_rects(contours)
        rows.append(np.column_stack([rects, np.full(len(rects), EDGE, np.int32)]))

    # Flat regions at half resolution (they are large; an edge pixel marks its whole 2 x 2 cell).
    half = cv2.resize(
        closed, (closed.shape[1] // 2, closed.shape[0] // 2), interpolation=cv2.INTER_AREA
    )
    flat = (half == 0).astype(np.uint8)
    stats = _component_stats(flat, 4)
    if len(stats) > 1:
        st = stats[1:].astype(np.int64)
        fill = st[:, 4] / np.maximum(st[:, 2] * st[:, 3], 1)
        st = st[fill > 0.5]
        # Back to work pixels, grown by the border the edge band took from each region.
        grown = np.column_stack(
            [st[:, 0] * 2 - 2, st[:, 1] * 2 - 2, st[:, 2] * 2 + 4, st[:, 3] * 2 + 4]
        )
        rows.append(np.column_stack([grown, np.full(len(grown), REGION, np.int64)]))

    gradient = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, contrast = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    rows.append(_text_lines(contrast))
    rows.append(_blobs(rgb))
    rows.append(_glyphs(gradient, contrast))
    rows = [r for r in rows if len(r)]
    if not rows:
        return np.zeros((0, 5), np.int32)
    boxes = np.concatenate(rows, axis=0)
    boxes[:, 0] = np.clip(boxes[:, 0], 0, rgb.shape[1] - 1)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, rgb.shape[0] - 1)
    boxes[:, 2] = np.minimum(boxes[:, 2], rgb.shape[1] - boxes[:, 0])
    boxes[:, 3] = np.minimum(boxes[:, 3], rgb.shape[0] - boxes[:, 1])
    ok = _size_ok(
        boxes[:, 2].astype(float), boxes[:, 3].astype(float), boxes[:, 4] == TEXT, total, settings
    )
    return boxes[ok].astype(np.int32)


def _bounding_rects(contours) -> np.ndarray:
    """cv2.boundingRect of each contour (x, y, w, h rows), in a few array operations instead of
    a call per contour."""
    points = np.concatenate(contours).reshape(-1, 2)
    starts = np.cumsum([0] + [len(c) for c in contours[:-1]])
    low = np.minimum.reduceat(points, starts)
    high = np.maximum.reduceat(points, starts)
    return np.column_stack([low, high - low + 1]).astype(np.int32)


def _blobs(rgb: np.ndarray) -> np.ndarray:
    """Boxes of solid things standing on the dominant background colour (sprites, tokens, tiles).

    Pixels far from the most common colour are foreground; an opening erases thin strokes
    (connecting lines, text), so each remaining connected blob is one solid thing, whole even
    when it is drawn from many differently coloured parts. Runs at half the work resolution.
    """
    half = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
    r, g, b = ((c >> 4).astype(np.uint16) for c in cv2.split(half))
    codes = (r << 8) | (g << 4) | b
    mode = int(np.bincount(codes.reshape(-1), minlength=4096).argmax())
    background = [float(((mode >> shift) & 15) * 16 + 8) for shift in (8, 4, 0)]
    diff = cv2.absdiff(half, (*background, 0.0))  # against a scalar: no frame-sized fill
    distance = cv2.max(cv2.max(diff[..., 0], diff[..., 1]), diff[..., 2])
    foreground = (distance > 28).astype(np.uint8)
    if foreground.mean() > 0.6:  # no dominant background: this source has nothing to say
        return np.zeros((0, 5), np.int32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    core = cv2.erode(foreground, kernel)
    solid = cv2.dilate(core, kernel)  # an opening, its erosion kept for _split_necks
    stats = _component_stats(solid, 8)
    if len(stats) <= 1:
        return np.zeros((0, 5), np.int32)
    st = _split_necks(stats[1:].astype(np.int64), core)
    # Solid (not a ring or a web of lines) and clearly bigger than the opening kernel (crossings
    # of thin gutters survive an opening as small squares).
    st = st[(st[:, 4] >= 0.3 * st[:, 2] * st[:, 3]) & (np.minimum(st[:, 2], st[:, 3]) >= 5)]
    return np.column_stack([st[:, :4] * 2, np.full(len(st), BLOB)]).astype(np.int32)


def _split_necks(st: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Two things that touch through a neck (a node's glow against the next node, two tokens
    joined by the stub of a line) are two blobs: an elongated blob whose eroded core falls
    into exactly two big parts of similar size is replaced by those parts (grown back by the
    erosion's pixel). A sprite's head on its body or a thin limb is not split: the smaller
    part must hold at least 35% of the core."""
    long = np.flatnonzero(np.maximum(st[:, 2], st[:, 3]) >= 1.6 * np.minimum(st[:, 2], st[:, 3]))
    if not len(long):
        return st
    out, drop = [], []
    for i in long:
        x, y, w, h = (int(v) for v in st[i, :4])
        parts = _component_stats(core[y : y + h, x : x + w], 8)[1:]
        if len(parts) != 2 or parts[:, 4].min() < 0.35 * parts[:, 4].sum():
            continue
        out.append(parts.astype(np.int64) + np.array([x - 1, y - 1, 2, 2, 0]))
        drop.append(i)
    if not drop:
        return st
    return np.concatenate([np.delete(st, drop, axis=0), *out])


def _component_stats(mask: np.ndarray, connectivity: int) -> np.ndarray:
    """cv2.connectedComponentsWithStats' stats (row 0 is the background). 16-bit labels when
    the mask cannot hold more than 65535 components: several times faster here than 32-bit."""
    h, w = mask.shape
    most = ((h + 1) // 2) * ((w + 1) // 2) if connectivity == 8 else (h * w + 1) // 2
    ltype = cv2.CV_16U if most < 65535 else cv2.CV_32S
    return cv2.connectedComponentsWithStats(mask, connectivity=connectivity, ltype=ltype)[2]


def _glyphs(gradient: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """Boxes of lone glyphs: a compact patch (at most 3:1) of strong local contrast, 3 to 16
    work pixels across, with no other contrast within a margin two thirds as wide as itself (a
    letter has neighbours, a close "x" or an arrow in a header bar does not; the header bar's
    own edges may be a little further off). The box is the glyph padded
    to 2.5 times its size: clicking a glyph means clicking the button drawn around it."""
    stats = _component_stats(contrast, 8)
    st = stats[1:].astype(np.int64)
    long, short = np.maximum(st[:, 2], st[:, 3]), np.minimum(st[:, 2], st[:, 3])
    st = st[(long >= 3) & (long <= 16) & (long <= 3 * short)]
    if len(st) == 0:
        return np.zeros((0, 5), np.int32)
    x, y, w, h = st[:, 0], st[:, 1], st[:, 2], st[:, 3]
    height, width = contrast.shape
    m = np.maximum(4, (2 * np.maximum(w, h) + 2) // 3)
    x0, y0 = np.maximum(0, x - m), np.maximum(0, y - m)
    x1, y1 = np.minimum(width, x + w + m), np.minimum(height, y + h + m)
    integral = cv2.integral((contrast > 0).astype(np.uint8))
    ring = box_sums(integral, x0, y0, x1 - x0, y1 - y0) - box_sums(integral, x, y, w, h)
    st = st[ring == 0]
    if len(st) > _MAX_GLYPHS:  # a texture of dots (stars, a grid of pips), not controls
        return np.zeros((0, 5), np.int32)
    peak = np.array([gradient[b : b + d, a : a + c].max() for a, b, c, d in st[:, :4]], int)
    st = st[peak >= _GLYPH_MIN_GRADIENT]
    side = (np.maximum(st[:, 2], st[:, 3]) * 5 + 1) // 2
    cx, cy = st[:, 0] + st[:, 2] // 2, st[:, 1] + st[:, 3] // 2
    return np.column_stack([cx - side // 2, cy - side // 2, side, side, np.full(len(st), GLYPH)])


_MAX_GLYPHS = 64
"""Lone glyphs are rare; a frame with more has a dotted texture and the source says nothing."""

_GLYPH_MIN_GRADIENT = 90
"""A lone glyph is drawn to be seen: its strongest 3 x 3 grey-level step is at least this."""


# Taller than this (work pixels) and a "line" is a title in big letters or a block of lines.
BLOCK_MIN_H = 40


def _split_blocks(mask: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Split a "line" that is really a block of lines (a dialog's message over its buttons,
    joined by the closing and a frame) at the rows where the unclosed mask is nearly empty, so
    the block does not stand for (and absorb) the buttons inside it. Rows of (x, y, w, h)."""
    out = []
    for x, y, w, h, *_ in lines:
        if h <= BLOCK_MIN_H:  # a line, or lines close enough to read as one label
            out.append((x, y, w, h))
            continue
        crop = mask[y : y + h, x : x + w] > 0
        density = crop.mean(axis=1)
        empty = density < 0.1 * density.max()
        inked = np.flatnonzero(~empty)
        # runs of inked rows separated by empty ones; one run is one line
        cuts = np.flatnonzero(np.diff(inked) > 1)
        if len(cuts) == 0:
            out.append((x, y, w, h))
            continue
        for run in np.split(inked, cuts + 1):
            top, bottom = int(run[0]), int(run[-1]) + 1
            height = bottom - top
            if height < 3:  # a rule or a frame edge, not text
                continue
            # a row of buttons is several lines side by side: split at gaps wider than a word gap
            cols = np.flatnonzero(crop[top:bottom].any(axis=0))
            gaps = np.flatnonzero(np.diff(cols) > 1.5 * height)
            for part in np.split(cols, gaps + 1):
                left, right = int(part[0]), int(part[-1]) + 1
                if right - left >= height:  # a separator or a frame edge is no line
                    out.append((x + left, y + top, right - left, height))
    return np.array(out, np.int64).reshape(-1, 4)


def _text_lines(mask: np.ndarray) -> np.ndarray:
    """Boxes of text lines in the local-contrast mask: glyphs and words joined into lines by a
    closing wider than a word gap and taller than the gap between accents and letters."""
    rows = []
    for kw, kh in ((11, 3),):
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (kw, kh))
        closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
        stats = _component_stats(closed, 8)
        st = stats[1:]
        w, h = st[:, 2], st[:, 3]
        fill = st[:, 4] / np.maximum(w * h, 1)
        lines = st[(h >= 5) & (h <= 64) & (w >= h * 1.5) & (fill > 0.3)]
        rows.append(_split_blocks(mask, lines))
    st = np.concatenate(rows, axis=0)
    pad = np.maximum(2, st[:, 3] // 4)
    return np.column_stack(
        [
            st[:, 0] - pad,
            st[:, 1] - pad,
            st[:, 2] + 2 * pad,
            st[:, 3] + 2 * pad,
            np.full(len(st), TEXT),
        ]
    ).astype(np.int32)
