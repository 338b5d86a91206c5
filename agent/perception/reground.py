"""Re-grounding: find a stored target again in a new frame.

A skill stores the Target it clicked (box, appearance descriptor, text). On a new frame the
target may have moved, its neighbours may have changed, and the window may have been resized
(0.75x - 1.5x). Each candidate of the new frame is scored by
  * appearance similarity of descriptors (colour layout, structure, aspect; scale-free),
  * a position prior (distance between relative centres, as fractions of the frame),
  * a size prior (relative width and height, so a scaled window keeps the same prior),
  * text agreement when both sides have text.
The box predicted by the stored relative position is scored too, so a target that stayed put
is found even when no proposal isolated it. Below `reground_min_similarity` nothing is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.perception.descriptor import (
    LENGTH,
    describe,
    descriptor_array,
    look,
    relative_box,
    similarities,
)
from agent.perception.image import as_image, frame_scale
from agent.perception.objects import DEFAULT_SETTINGS, Candidate, candidates
from agent.perception.settings import PerceptionSettings
from agent.types import Frame, Rect, Target


@dataclass(frozen=True)
class Grounding:
    """Where a target was found: box (logical pixels), confidence 0..1, and the look of what
    is there now (its appearance descriptor)."""

    box: Rect
    confidence: float
    descriptor: tuple[float, ...] = ()


def reground(
    target: Target,
    frame_or_image: Frame | np.ndarray,
    settings: PerceptionSettings = DEFAULT_SETTINGS,
    proposals: Sequence[Candidate] | None = None,
) -> Grounding | None:
    """The best match for `target` in the frame, or None when nothing is similar enough.

    `proposals` are this frame's candidates when the caller already has them.
    """
    image = as_image(frame_or_image)
    scale = frame_scale(frame_or_image)
    width, height = image.shape[1] / scale, image.shape[0] / scale
    if proposals is None:
        proposals = candidates(frame_or_image, settings)
    rel = relative_box(target.descriptor) if target.descriptor else None
    if rel is None:
        return _by_position(target, proposals)
    best: Grounding | None = None
    scores = _scores(target, rel, proposals, width, height)
    if len(scores):
        i = int(np.argmax(scores))
        best = Grounding(proposals[i].box, float(scores[i]), proposals[i].descriptor)
    # The box where the target would be if it kept its relative place and size.
    cx, cy, rw, rh = rel
    expected = Rect(
        round((cx - rw / 2) * width),
        round((cy - rh / 2) * height),
        round(rw * width),
        round(rh * height),
    )
    if expected.w >= 2 and expected.h >= 2:
        image_box = Rect(
            round(expected.x * scale),
            round(expected.y * scale),
            round(expected.w * scale),
            round(expected.h * scale),
        )
        descriptor = describe(image, image_box, settings.work_width)
        if descriptor:
            # Staying put is the prior; demand a clearly better look than a moved candidate.
            score = _score(target, rel, expected, descriptor, "", width, height) - 0.05
            if best is None or score > best.confidence:
                best = Grounding(expected, score, descriptor)
    if best is None or best.confidence < settings.reground_min_similarity:
        return None
    return best


def _score(
    target: Target,
    rel: tuple[float, float, float, float],
    box: Rect,
    descriptor: tuple[float, ...],
    text: str,
    width: float,
    height: float,
) -> float:
    return float(_scores(target, rel, [Candidate(box, descriptor, text)], width, height)[0])


def _scores(
    target: Target,
    rel: tuple[float, float, float, float],
    proposals: Sequence[Candidate],
    width: float,
    height: float,
) -> np.ndarray:
    """The match score of each proposal, 0..1."""
    if not proposals:
        return np.zeros(0)
    appearance = np.zeros(len(proposals))
    mine = descriptor_array(target.descriptor)
    looks = [look(c.descriptor) if len(c.descriptor) == LENGTH else None for c in proposals]
    usable = [i for i, arr in enumerate(looks) if arr is not None]
    if mine is not None and usable:
        rows = np.stack([looks[i] for i in usable])
        appearance[usable] = similarities(mine[None], rows)[0]
    boxes = np.array([(c.box.x, c.box.y, c.box.w, c.box.h) for c in proposals], np.float64)
    cx, cy, rw, rh = rel
    dx = (boxes[:, 0] + boxes[:, 2] / 2) / width - cx
    dy = (boxes[:, 1] + boxes[:, 3] / 2) / height - cy
    position = np.exp(-np.hypot(dx, dy) / 0.2)
    size_gap = np.abs(np.log(np.maximum(boxes[:, 2] / width, 1e-6) / max(rw, 1e-6))) + np.abs(
        np.log(np.maximum(boxes[:, 3] / height, 1e-6) / max(rh, 1e-6))
    )
    size = np.exp(-size_gap / 0.4)
    # Looks decide whether it is the thing at all; place and size only rank look-alikes.
    score = appearance * (0.6 + 0.25 * position + 0.15 * size)
    if target.text:
        want = _norm(target.text)
        score += [(0.1 if _norm(c.text) == want else -0.1) if c.text else 0.0 for c in proposals]
    return np.clip(score, 0.0, 1.0)


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _by_position(target: Target, proposals: Sequence[Candidate]) -> Grounding | None:
    """Without a descriptor, the candidate overlapping the old box most (IoU >= 0.5)."""
    best = max(proposals, key=lambda c: c.box.iou(target.box), default=None)
    if best is None or best.box.iou(target.box) < 0.5:
        return None
    return Grounding(best.box, best.box.iou(target.box), best.descriptor)
