"""Candidates: proposals of clickable things found by classical vision, game-agnostic and CPU-fast.

Five proposal sources run on a downscaled work copy of the frame (at most 640 px wide):
  * contours of colour edges (framed things: buttons, cards, cells, icons),
  * flat colour regions enclosed by edges (filled buttons, tiles, board cells),
  * text lines (glyphs and words joined into lines: labels, menu entries),
  * foreground blobs on the dominant background colour (sprites, tokens, whole cards),
  * lone glyphs (a small, compact, high-contrast mark on a calm margin: a dialog's close "x",
    window buttons, "?" icons, arrows), padded to a box big enough to click.
Boxes are filtered by size and shape and scored by how well they stand out (edge support on the
box border, colour contrast against a ring around it, a calm margin). Near-duplicates are merged
(non-maximum suppression), a box nested in one at most twice its size is the same thing, a text
line is one thing (a word, not its letters), parts of a small solid object (a card's art and
text, a button's label) are absorbed by it, and a container of lined-up items (a board, a hand,
a toolbar) or a loose outline around several things (a loop in a web of lines) gives way to its
items. Each survivor
gets a scale-robust appearance descriptor (agent.perception.descriptor).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.perception.descriptor import describe_many
from agent.perception.image import as_image, frame_scale, work_copy
from agent.perception.settings import PerceptionSettings
from agent.types import Frame, Rect, Target

DEFAULT_SETTINGS = PerceptionSettings()


@dataclass(frozen=True)
class Candidate:
    """One proposed clickable thing.

    box: where it is, in window-relative logical pixels (image pixels / Frame.scale).
    descriptor: scale-robust appearance vector (see agent.perception.descriptor).
    text: OCR text, filled in only when text reading was asked for ("" otherwise).
    score: 0..1, how strongly it stands out (edge support on its border, contrast around it).
    source: which proposal source found it ("edge", "region", "text", "blob" or "glyph").
    """

    box: Rect
    descriptor: tuple[float, ...] = ()
    text: str = ""
    score: float = 0.0
    source: str = "edge"

    def target(self) -> Target:
        """The Target an action aimed at this candidate carries, so a skill can re-ground it."""
        return Target(box=self.box, descriptor=self.descriptor, text=self.text)


def candidates(
    frame_or_image: Frame | np.ndarray,
    settings: PerceptionSettings = DEFAULT_SETTINGS,
) -> list[Candidate]:
    """Clickable-thing proposals for a frame, best first; [] for blank or tiny frames."""
    image = as_image(frame_or_image)
    scale = frame_scale(frame_or_image)
    if min(image.shape[:2]) < 8:
        return []
    work = work_copy(image, settings.work_width)
    edges = colour_edges(work.rgb, settings)
    grey = cv2.cvtColor(work.rgb, cv2.COLOR_RGB2GRAY)
    boxes = _proposals(work.rgb, grey, edges, settings)
    if len(boxes) == 0:
        return []
    lab_integral = cv2.integral(cv2.cvtColor(work.rgb, cv2.COLOR_RGB2LAB))
    scores, border, contrast = _scores(lab_integral, edges, boxes)
    keep = _merge(boxes, scores, settings)
    keep = _prune_parts(
        boxes, keep, border, contrast, work.rgb.shape[0] * work.rgb.shape[1], settings
    )
    if not settings.propose_text:
        keep = [k for k in keep if boxes[k, 4] != 2]
    if not keep:
        return []
    kept = boxes[keep]
    descriptors = describe_many(work.rgb, kept[:, :4].astype(np.float64), lab_integral, grey)
    out: list[Candidate] = []
    for row, descriptor, i in zip(kept, descriptors, keep, strict=True):
        x, y, w, h, source = (int(v) for v in row)
        rect = work.to_image_rect(x, y, w, h, image.shape)
        if rect.w < 2 or rect.h < 2:
            continue
        box = rect if scale == 1.0 else _scaled(rect, 1.0 / scale)
        out.append(
            Candidate(box, tuple(descriptor.tolist()), "", float(scores[i]), _SOURCES[source])
        )
    return out


_SOURCES = ("edge", "region", "text", "blob", "glyph")


def _scaled(rect: Rect, factor: float) -> Rect:
    return Rect(
        round(rect.x * factor),
        round(rect.y * factor),
        round(rect.w * factor),
        round(rect.h * factor),
    )


def colour_edges(rgb: np.ndarray, settings: PerceptionSettings) -> np.ndarray:
    """Union of Canny edges over the colour channels (catches equal-brightness colour borders)."""
    blurred = cv2.GaussianBlur(rgb, (3, 3), 0)
    edges = cv2.Canny(blurred[..., 0], settings.edge_low, settings.edge_high)
    for c in (1, 2):
        edges |= cv2.Canny(blurred[..., c], settings.edge_low, settings.edge_high)
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


def _proposals(
    rgb: np.ndarray, grey: np.ndarray, edges: np.ndarray, settings: PerceptionSettings
) -> np.ndarray:
    """Rows of (x, y, w, h, source) in work-copy pixels from the three sources."""
    total = rgb.shape[0] * rgb.shape[1]
    closed = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    rows: list[np.ndarray] = []

    contours, _ = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    if contours:
        rects = np.array([cv2.boundingRect(c) for c in contours], dtype=np.int32).reshape(-1, 4)
        rows.append(np.column_stack([rects, np.zeros(len(rects), np.int32)]))

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
        rows.append(np.column_stack([grown, np.ones(len(grown), np.int64)]))

    gradient = cv2.morphologyEx(grey, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, contrast = cv2.threshold(gradient, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    rows.append(_text_lines(contrast))
    rows.append(_blobs(rgb))
    rows.append(_glyphs(gradient, contrast))
    boxes = np.concatenate([r for r in rows if len(r)], axis=0) if rows else np.zeros((0, 5))
    if len(boxes) == 0:
        return np.zeros((0, 5), np.int32)
    boxes[:, 0] = np.clip(boxes[:, 0], 0, rgb.shape[1] - 1)
    boxes[:, 1] = np.clip(boxes[:, 1], 0, rgb.shape[0] - 1)
    boxes[:, 2] = np.minimum(boxes[:, 2], rgb.shape[1] - boxes[:, 0])
    boxes[:, 3] = np.minimum(boxes[:, 3], rgb.shape[0] - boxes[:, 1])
    ok = _size_ok(
        boxes[:, 2].astype(float), boxes[:, 3].astype(float), boxes[:, 4] == 2, total, settings
    )
    return boxes[ok].astype(np.int32)


def _blobs(rgb: np.ndarray) -> np.ndarray:
    """Boxes of solid things standing on the dominant background colour (sprites, tokens, tiles).

    Pixels far from the most common colour are foreground; an opening erases thin strokes
    (connecting lines, text), so each remaining connected blob is one solid thing, whole even
    when it is drawn from many differently coloured parts. Runs at half the work resolution.
    """
    half = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
    quant = (half >> 4).astype(np.int32)
    codes = (quant[..., 0] << 8) | (quant[..., 1] << 4) | quant[..., 2]
    mode = int(np.bincount(codes.reshape(-1), minlength=4096).argmax())
    background = np.array([(mode >> 8) & 15, (mode >> 4) & 15, mode & 15], np.uint8) * 16 + 8
    diff = cv2.absdiff(half, np.full_like(half, background))
    distance = cv2.max(cv2.max(diff[..., 0], diff[..., 1]), diff[..., 2])
    foreground = (distance > 28).astype(np.uint8)
    if foreground.mean() > 0.6:  # no dominant background: this source has nothing to say
        return np.zeros((0, 5), np.int32)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    solid = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, kernel)
    stats = _component_stats(solid, 8)
    if len(stats) <= 1:
        return np.zeros((0, 5), np.int32)
    st = stats[1:].astype(np.int64)
    # Solid (not a ring or a web of lines) and clearly bigger than the opening kernel (crossings
    # of thin gutters survive an opening as small squares).
    st = st[(st[:, 4] >= 0.3 * st[:, 2] * st[:, 3]) & (np.minimum(st[:, 2], st[:, 3]) >= 5)]
    return np.column_stack([st[:, :4] * 2, np.full(len(st), 3)]).astype(np.int32)


def _component_stats(mask: np.ndarray, connectivity: int) -> np.ndarray:
    """cv2.connectedComponentsWithStats' stats (row 0 is the background). 16-bit labels when
    the mask cannot hold more than 65535 components: several times faster here than 32-bit."""
    h, w = mask.shape
    most = ((h + 1) // 2) * ((w + 1) // 2) if connectivity == 8 else (h * w + 1) // 2
    ltype = cv2.CV_16U if most < 65535 else cv2.CV_32S
    return cv2.connectedComponentsWithStats(mask, connectivity=connectivity, ltype=ltype)[2]


def _glyphs(gradient: np.ndarray, contrast: np.ndarray) -> np.ndarray:
    """Boxes of lone glyphs: a compact patch (at most 3:1) of strong local contrast, 3 to 16
    work pixels across, with no other contrast within a margin as wide as itself (a letter has
    neighbours, a close "x" or an arrow in a header bar does not). The box is the glyph padded
    to 2.5 times its size: clicking a glyph means clicking the button drawn around it."""
    stats = _component_stats(contrast, 8)
    st = stats[1:].astype(np.int64)
    long, short = np.maximum(st[:, 2], st[:, 3]), np.minimum(st[:, 2], st[:, 3])
    st = st[(long >= 3) & (long <= 16) & (long <= 3 * short)]
    if len(st) == 0:
        return np.zeros((0, 5), np.int32)
    x, y, w, h = st[:, 0], st[:, 1], st[:, 2], st[:, 3]
    height, width = contrast.shape
    m = np.maximum(4, np.maximum(w, h))
    x0, y0 = np.maximum(0, x - m), np.maximum(0, y - m)
    x1, y1 = np.minimum(width, x + w + m), np.minimum(height, y + h + m)
    integral = cv2.integral((contrast > 0).astype(np.uint8))
    ring = _sums(integral, x0, y0, x1 - x0, y1 - y0) - _sums(integral, x, y, w, h)
    st = st[ring == 0]
    if len(st) > _MAX_GLYPHS:  # a texture of dots (stars, a grid of pips), not controls
        return np.zeros((0, 5), np.int32)
    peak = np.array([gradient[b : b + d, a : a + c].max() for a, b, c, d in st[:, :4]], int)
    st = st[peak >= _GLYPH_MIN_GRADIENT]
    side = (np.maximum(st[:, 2], st[:, 3]) * 5 + 1) // 2
    cx, cy = st[:, 0] + st[:, 2] // 2, st[:, 1] + st[:, 3] // 2
    return np.column_stack([cx - side // 2, cy - side // 2, side, side, np.full(len(st), 4)])


_LOOSE_MIN_CONTRAST = 0.6
"""A loose outline is a thing only when its inside differs from its surroundings by at least
this (in units of a Lab distance of 60)."""

_MAX_GLYPHS = 64
"""Lone glyphs are rare; a frame with more has a dotted texture and the source says nothing."""

_GLYPH_MIN_GRADIENT = 90
"""A lone glyph is drawn to be seen: its strongest 3 x 3 grey-level step is at least this."""


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
        rows.append(st[(h >= 5) & (h <= 64) & (w >= h * 1.5) & (fill > 0.3)])
    st = np.concatenate(rows, axis=0)
    pad = np.maximum(2, st[:, 3] // 4)
    return np.column_stack(
        [
            st[:, 0] - pad,
            st[:, 1] - pad,
            st[:, 2] + 2 * pad,
            st[:, 3] + 2 * pad,
            np.full(len(st), 2),
        ]
    ).astype(np.int32)


def _scores(
    lab_integral: np.ndarray, edges: np.ndarray, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, border, contrast) per box: score 0..1 blends edge support along the box border
    (`border`), contrast against a ring around it (`contrast`, 1 = a Lab distance of 60) and the
    calm of its margin."""
    height, width = edges.shape
    band = cv2.dilate(edges, np.ones((3, 3), np.uint8)) > 0
    ib = cv2.integral(band.astype(np.uint8))
    il = lab_integral
    x, y, w, h = (boxes[:, k].astype(np.int64) for k in range(4))
    r, b = x + w - 1, y + h - 1
    border = (
        _sums(ib, x, y, w, 1)
        + _sums(ib, x, b, w, 1)
        + _sums(ib, x, y, 1, h)
        + _sums(ib, r, y, 1, h)
    ) / (2 * (w + h))
    iw, ih = np.maximum(1, w // 2), np.maximum(1, h // 2)
    inner = _sums(il, x + w // 4, y + h // 4, iw, ih) / (iw * ih)[:, None].astype(np.float64)
    m = np.maximum(2, np.minimum(w, h) // 4)
    ox0, oy0 = np.maximum(0, x - m), np.maximum(0, y - m)
    ox1, oy1 = np.minimum(width, x + w + m), np.minimum(height, y + h + m)
    ring = _sums(il, ox0, oy0, ox1 - ox0, oy1 - oy0) - _sums(il, x, y, w, h)
    ring_area = ((ox1 - ox0) * (oy1 - oy0) - w * h).astype(np.float64)
    outer = ring / np.maximum(ring_area, 1)[:, None]
    contrast = np.where(ring_area > 0, np.linalg.norm(inner - outer, axis=1) / 60.0, 0.0)
    # Isolation: UI things sit on a calm margin; fragments of art or texture are surrounded by
    # more edges. Edge density in a ring just outside the box (its own border excluded).
    ie = cv2.integral((edges > 0).astype(np.uint8))
    g = 2
    n = np.maximum(3, np.minimum(w, h) // 3)
    ax0, ay0 = np.maximum(0, x - g), np.maximum(0, y - g)
    ax1, ay1 = np.minimum(width, x + w + g), np.minimum(height, y + h + g)
    bx0, by0 = np.maximum(0, x - g - n), np.maximum(0, y - g - n)
    bx1, by1 = np.minimum(width, x + w + g + n), np.minimum(height, y + h + g + n)
    busy = _sums(ie, bx0, by0, bx1 - bx0, by1 - by0) - _sums(ie, ax0, ay0, ax1 - ax0, ay1 - ay0)
    margin = ((bx1 - bx0) * (by1 - by0) - (ax1 - ax0) * (ay1 - ay0)).astype(np.float64)
    density = np.where(margin > 0, busy / np.maximum(margin, 1), 0.0)
    isolation = 1.0 - np.minimum(1.0, density / 0.15)
    score = 0.45 * border + 0.3 * np.minimum(1.0, contrast) + 0.25 * isolation
    # A text line or a lone glyph has no frame of its own: judge it by how calm its margin is
    # instead, so a text line outranks (and then absorbs, see _prune_parts) the boxes inside it.
    # A glyph's calm margin was checked when it was found (its padded box may reach a
    # neighbouring edge, which says nothing about the glyph).
    text = (boxes[:, 4] == 2) | (boxes[:, 4] == 4)
    isolation = np.where(boxes[:, 4] == 4, 1.0, isolation)
    text_score = 0.6 * isolation + 0.4 * np.minimum(1.0, contrast * 2)
    score = np.where(text, np.maximum(score, text_score), score)
    return score.astype(np.float32), border, contrast


def _sums(integral: np.ndarray, x, y, w, h) -> np.ndarray:
    """Box sums from an integral image for arrays of boxes (vectorised)."""
    x1, y1 = x + w, y + h
    return integral[y1, x1] - integral[y, x1] - integral[y1, x] + integral[y, x]


def _merge(boxes: np.ndarray, scores: np.ndarray, settings: PerceptionSettings) -> list[int]:
    """Non-maximum suppression by IoU (OpenCV's, in C++); indices of kept boxes, best first."""
    kept = cv2.dnn.NMSBoxes(
        boxes[:, :4].tolist(), scores.tolist(), settings.min_score, settings.merge_iou
    )
    order = np.asarray(kept, dtype=np.int64).reshape(-1)
    return [int(i) for i in order[np.argsort(-scores[order], kind="stable")]]


def _matches_source(boxes: np.ndarray, keep: list[int], source: int, iou: float) -> np.ndarray:
    """Per kept box: is it (IoU >= `iou`) the box of a proposal from `source`?"""
    others = boxes[boxes[:, 4] == source, :4].astype(np.float64)
    kept = boxes[keep, :4].astype(np.float64)
    if len(others) == 0 or len(kept) == 0:
        return np.zeros(len(keep), bool)
    ix = np.clip(
        np.minimum(kept[:, None, 0] + kept[:, None, 2], others[None, :, 0] + others[None, :, 2])
        - np.maximum(kept[:, None, 0], others[None, :, 0]),
        0,
        None,
    )
    iy = np.clip(
        np.minimum(kept[:, None, 1] + kept[:, None, 3], others[None, :, 1] + others[None, :, 3])
        - np.maximum(kept[:, None, 1], others[None, :, 1]),
        0,
        None,
    )
    inter = ix * iy
    union = (kept[:, 2] * kept[:, 3])[:, None] + (others[:, 2] * others[:, 3])[None, :] - inter
    return (inter / np.maximum(union, 1e-6) >= iou).any(axis=1)


def _prune_parts(
    boxes: np.ndarray,
    keep: list[int],
    border: np.ndarray,
    contrast: np.ndarray,
    frame_area: int,
    settings: PerceptionSettings,
) -> list[int]:
    """Drop outlines of nothing, parts of things and panels of things, then cap the count.

    A *loose* box is an edge outline with little edge support on its own border and no
    foreground blob of its shape (a loop in a web of connecting lines, the outline of a bare
    word): it is dropped when its inside looks like its outside, and it never swallows what it
    encloses.

    A kept box that contains others is either a *text line* (a word or a label: one thing, its
    letters and their outlines are dropped), a *container* (see _is_container: a board of cells,
    a row of cards, a toolbar) or a *group* (a loose outline, or one too big to be an object and
    not framed all round, around two or more things: a loop of lines through several nodes) --
    containers and groups are dropped and their children stay -- or an *object* (a card with
    pips and art, a button with its label): when it is solid (framed by edges, or one foreground
    blob) and small enough to be one clickable thing (at most `part_max_parent_fraction` of the
    frame), everything inside it is dropped, lone glyphs excepted.
    """
    if len(keep) < 2:
        return keep[: settings.max_candidates]
    b = boxes[keep, :4].astype(np.float64)
    x0, y0, x1, y1 = b[:, 0], b[:, 1], b[:, 0] + b[:, 2], b[:, 1] + b[:, 3]
    area = b[:, 2] * b[:, 3]
    iw = np.clip(np.minimum(x1[:, None], x1[None]) - np.maximum(x0[:, None], x0[None]), 0, None)
    ih = np.clip(np.minimum(y1[:, None], y1[None]) - np.maximum(y0[:, None], y0[None]), 0, None)
    # inside[i, j]: box i lies (90%) within the clearly larger box j.
    inside = (iw * ih >= 0.9 * area[:, None]) & (area[None, :] > 1.3 * area[:, None])
    source, border = boxes[keep, 4], border[keep]
    whole = _matches_source(boxes, keep, 3, 0.8)
    text = (source == 2) | _matches_source(boxes, keep, 2, settings.merge_iou)
    solid = (border >= 0.5) | (source >= 1) | whole
    loose = ~solid
    big = area > settings.part_max_parent_fraction * frame_area
    # Loose, or too big to be one object and not framed all round: around several things, such
    # an outline is a group of them (a loop of lines through several nodes), not a thing.
    grouping = loose | ((source == 0) & ~whole & (border < 0.9) & big)
    thing = np.minimum(b[:, 2], b[:, 3]) >= 8
    glyph = source == 4
    drop = loose & (contrast[keep] < _LOOSE_MIN_CONTRAST)
    # A box nested in another of at most twice its area is the same thing outlined twice (a
    # sprite and its body, a token and its ring): keep the one that ranks first (keep is ordered
    # best first) -- but a word's outline gives way to its text line and a part to the
    # foreground blob of the whole thing (the outer box holds all of it).
    same = inside & (area[None, :] <= 2.0 * area[:, None])
    outer_wins = (text[None, :] & ~text[:, None]) | (whole[None, :] & ~whole[:, None])
    for i, j in zip(*np.nonzero(same), strict=True):
        if not drop[i] and not drop[j]:
            drop[i if outer_wins[i, j] else max(i, j)] = True
    for j in np.argsort(-area):
        if drop[j] or not inside[:, j].any():
            continue
        kids = np.flatnonzero(inside[:, j])
        direct = kids[~inside[np.ix_(kids, kids)].any(axis=1)]
        if text[j]:
            # A text line is one thing (a word or a label), never a row of its letters.
            drop[kids] = True
        elif (grouping[j] and thing[direct].sum() >= 2) or (
            not whole[j] and _is_container(b, direct, area[j])
        ):
            drop[j] = True
        elif solid[j] and not big[j]:
            # A lone glyph is the icon of a thing at most 4 times its box, else a control of
            # its own (a close "x" in a header bar).
            drop[kids[~glyph[kids] | (area[j] <= 4 * area[kids])]] = True
    return [k for k, d in zip(keep, drop, strict=True) if not d][: settings.max_candidates]


def _is_container(b: np.ndarray, direct: np.ndarray, parent_area: float) -> bool:
    """Do the direct children form a layout: three or more items of similar size lined up in a
    row or a column, together covering at least 40% of the parent? Art fragments and glyphs
    inside one object rarely line up like cells, cards or buttons do."""
    # Items of a container are things in their own right, not slivers cut by a stroke.
    items = b[direct[np.minimum(b[direct, 2], b[direct, 3]) >= 8]]
    if len(items) < 3:
        return False
    area = items[:, 2] * items[:, 3]
    median = float(np.median(area))
    items = items[(area > 0.5 * median) & (area < 2.0 * median)]
    if len(items) < 3 or float((items[:, 2] * items[:, 3]).sum()) < 0.4 * parent_area:
        return False
    x, y, w, h = items[:, 0], items[:, 1], items[:, 2], items[:, 3]
    mw, mh = float(np.median(w)), float(np.median(h))
    same_row = (np.abs(y[:, None] - y[None]) <= 0.2 * mh) & (
        np.abs(h[:, None] - h[None]) <= 0.3 * mh
    )
    same_col = (np.abs(x[:, None] - x[None]) <= 0.2 * mw) & (
        np.abs(w[:, None] - w[None]) <= 0.3 * mw
    )
    return int(max(same_row.sum(axis=1).max(), same_col.sum(axis=1).max())) >= 3
