"""Candidates: proposals of clickable things found by classical vision, game-agnostic and CPU-fast.

Five proposal sources (agent.perception.proposals: edge outlines, flat regions, text lines,
foreground blobs, lone glyphs) run on a downscaled work copy of the frame (at most 640 px wide).
Boxes are filtered by size and shape and scored by how well they stand out (edge support on the
box border, colour contrast against a ring around it, a calm margin). Near-duplicates are merged
(non-maximum suppression), a box nested in one at most twice its size is the same thing, a text
line is one thing (a word, not its letters), parts of a small solid object (a card's art and
text, a button's label) are absorbed by it, and a container of lined-up items (a board, a hand,
a toolbar) or a loose outline around several things (a loop in a web of lines) gives way to its
items. Each survivor gets a scale-robust appearance descriptor (agent.perception.descriptor).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from agent.perception.descriptor import describe_many
from agent.perception.image import as_image, box_sums, frame_scale, work_copy
from agent.perception.proposals import (
    BLOB,
    EDGE,
    GLYPH,
    SOURCES,
    TEXT,
    colour_edges,
    proposals,
)
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
    boxes = proposals(work.rgb, grey, edges, settings)
    if len(boxes) == 0:
        return []
    lab_integral = cv2.integral(cv2.cvtColor(work.rgb, cv2.COLOR_RGB2LAB))
    scores, border, contrast = _scores(lab_integral, edges, boxes)
    keep = _merge(boxes, scores, settings)
    keep = _prune_parts(
        boxes, keep, border, contrast, work.rgb.shape[0] * work.rgb.shape[1], settings
    )
    if not settings.propose_text:
        keep = [k for k in keep if boxes[k, 4] != TEXT]
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
            Candidate(box, tuple(descriptor.tolist()), "", float(scores[i]), SOURCES[source])
        )
    return out


def _scaled(rect: Rect, factor: float) -> Rect:
    return Rect(
        round(rect.x * factor),
        round(rect.y * factor),
        round(rect.w * factor),
        round(rect.h * factor),
    )


def _scores(
    lab_integral: np.ndarray, edges: np.ndarray, boxes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(score, border, contrast) per box: score 0..1 blends edge support along the box border
    (`border`), contrast against a ring around it (`contrast`, 1 = a Lab distance of 60) and the
    calm of its margin."""
    height, width = edges.shape
    # Edge masks are 0 / 255: their integrals count edge pixels 255 times over.
    ib = cv2.integral(cv2.dilate(edges, np.ones((3, 3), np.uint8)))
    il = lab_integral
    x, y, w, h = (boxes[:, k].astype(np.int64) for k in range(4))
    r, b = x + w - 1, y + h - 1
    on_border = (
        box_sums(ib, x, y, w, 1)
        + box_sums(ib, x, b, w, 1)
        + box_sums(ib, x, y, 1, h)
        + box_sums(ib, r, y, 1, h)
    ) // 255
    border = on_border / (2 * (w + h))
    iw, ih = np.maximum(1, w // 2), np.maximum(1, h // 2)
    inner = box_sums(il, x + w // 4, y + h // 4, iw, ih) / (iw * ih)[:, None].astype(np.float64)
    m = np.maximum(2, np.minimum(w, h) // 4)
    ox0, oy0 = np.maximum(0, x - m), np.maximum(0, y - m)
    ox1, oy1 = np.minimum(width, x + w + m), np.minimum(height, y + h + m)
    ring = box_sums(il, ox0, oy0, ox1 - ox0, oy1 - oy0) - box_sums(il, x, y, w, h)
    ring_area = ((ox1 - ox0) * (oy1 - oy0) - w * h).astype(np.float64)
    outer = ring / np.maximum(ring_area, 1)[:, None]
    contrast = np.where(ring_area > 0, np.linalg.norm(inner - outer, axis=1) / 60.0, 0.0)
    # Isolation: UI things sit on a calm margin; fragments of art or texture are surrounded by
    # more edges. Edge density in a ring just outside the box (its own border excluded).
    ie = cv2.integral(edges)
    g = 2
    n = np.maximum(3, np.minimum(w, h) // 3)
    ax0, ay0 = np.maximum(0, x - g), np.maximum(0, y - g)
    ax1, ay1 = np.minimum(width, x + w + g), np.minimum(height, y + h + g)
    bx0, by0 = np.maximum(0, x - g - n), np.maximum(0, y - g - n)
    bx1, by1 = np.minimum(width, x + w + g + n), np.minimum(height, y + h + g + n)
    busy = box_sums(ie, bx0, by0, bx1 - bx0, by1 - by0) - box_sums(
        ie, ax0, ay0, ax1 - ax0, ay1 - ay0
    )
    margin = ((bx1 - bx0) * (by1 - by0) - (ax1 - ax0) * (ay1 - ay0)).astype(np.float64)
    density = np.where(margin > 0, busy // 255 / np.maximum(margin, 1), 0.0)
    isolation = 1.0 - np.minimum(1.0, density / 0.15)
    score = 0.45 * border + 0.3 * np.minimum(1.0, contrast) + 0.25 * isolation
    # A text line or a lone glyph has no frame of its own: judge it by how calm its margin is
    # instead, so a text line outranks (and then absorbs, see _prune_parts) the boxes inside it.
    # A glyph's calm margin was checked when it was found (its padded box may reach a
    # neighbouring edge, which says nothing about the glyph).
    text = (boxes[:, 4] == TEXT) | (boxes[:, 4] == GLYPH)
    isolation = np.where(boxes[:, 4] == GLYPH, 1.0, isolation)
    text_score = 0.6 * isolation + 0.4 * np.minimum(1.0, contrast * 2)
    score = np.where(text, np.maximum(score, text_score), score)
    return score.astype(np.float32), border, contrast


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


_LOOSE_MIN_CONTRAST = 0.6
"""A loose outline is a thing only when its inside differs from its surroundings by at least
this (in units of a Lab distance of 60)."""


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
    whole = _matches_source(boxes, keep, BLOB, 0.8)
    text = (source == TEXT) | _matches_source(boxes, keep, TEXT, settings.merge_iou)
    solid = (border >= 0.5) | (source != EDGE) | whole
    loose = ~solid
    big = area > settings.part_max_parent_fraction * frame_area
    # Loose, or too big to be one object and not framed all round: around several things, such
    # an outline is a group of them (a loop of lines through several nodes), not a thing.
    grouping = loose | ((source == EDGE) & ~whole & (border < 0.9) & big)
    thing = np.minimum(b[:, 2], b[:, 3]) >= 8
    glyph = source == GLYPH
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
    order = np.argsort(-area)
    for j in order[inside[:, order].any(axis=0)]:  # the boxes with others inside, biggest first
        if drop[j]:
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
