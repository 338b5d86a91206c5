"""How perception is scored against ground truth (shared by bench/, tests/ and scripts/).

Matching criterion between a candidate box C and a true clickable element E ("C stands for E"):
  * IoU(C, E) >= 0.5, or
  * C's centre lies inside E and C is not much bigger than E (area(C) <= 1.5 x area(E)):
    clicking C's centre clicks E, and C does not also cover E's neighbours.
Recall: the fraction of true elements some candidate stands for. Strict recall uses IoU >= 0.5
only (the box outlines the element). Precision: the fraction of candidates that stand for some
true element. Screen-state purity: for each predicted state, the share of its frames whose true
screen is the state's majority screen, weighted by state size; states per screen: the number of
predicted states per distinct true screen.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agent.types import Rect

MAX_AREA_RATIO = 1.5


def stands_for(candidate: Rect, element: Rect) -> bool:
    """True when `candidate` matches `element` under the criterion in the module docstring."""
    if candidate.iou(element) >= 0.5:
        return True
    c = candidate.center
    return element.contains(c.x, c.y) and candidate.area <= MAX_AREA_RATIO * element.area


@dataclass(frozen=True)
class Coverage:
    """Candidate figures on one or more frames."""

    elements: int
    recalled: int
    recalled_strict: int
    candidates: int
    true_positives: int

    @property
    def recall(self) -> float:
        return self.recalled / self.elements if self.elements else 1.0

    @property
    def strict_recall(self) -> float:
        return self.recalled_strict / self.elements if self.elements else 1.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.candidates if self.candidates else 1.0

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.elements + other.elements,
            self.recalled + other.recalled,
            self.recalled_strict + other.recalled_strict,
            self.candidates + other.candidates,
            self.true_positives + other.true_positives,
        )


EMPTY = Coverage(0, 0, 0, 0, 0)


def coverage(boxes: Sequence[Rect], elements: Sequence[Rect]) -> Coverage:
    """Recall and precision of candidate `boxes` against true `elements` on one frame."""
    recalled = sum(any(stands_for(b, e) for b in boxes) for e in elements)
    strict = sum(any(b.iou(e) >= 0.5 for b in boxes) for e in elements)
    tp = sum(any(stands_for(b, e) for e in elements) for b in boxes)
    return Coverage(len(elements), recalled, strict, len(boxes), tp)


def missed(boxes: Sequence[Rect], elements: Sequence[Rect]) -> list[int]:
    """Indices of elements no box stands for (for diagnostics)."""
    return [i for i, e in enumerate(elements) if not any(stands_for(b, e) for b in boxes)]


@dataclass(frozen=True)
class StateFigures:
    """Screen-state clustering figures."""

    frames: int
    screens: int
    states: int
    purity: float
    states_per_screen: float


def state_figures(predicted: Sequence[str], truth: Sequence[str]) -> StateFigures:
    """Purity and states per true screen of a predicted state id per frame."""
    members: dict[str, Counter] = defaultdict(Counter)
    for p, t in zip(predicted, truth, strict=True):
        members[p][t] += 1
    majority = sum(c.most_common(1)[0][1] for c in members.values())
    screens = len(set(truth))
    per_screen = Counter()
    for counts in members.values():
        per_screen[counts.most_common(1)[0][0]] += 1
    return StateFigures(
        frames=len(truth),
        screens=screens,
        states=len(members),
        purity=majority / len(truth) if truth else 1.0,
        states_per_screen=len(members) / screens if screens else 0.0,
    )
