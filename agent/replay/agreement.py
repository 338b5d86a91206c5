"""Does a decided action agree with the recorded one? Same kind, and the same target.

"Same target" means, in order: the very same point; the decided point inside the recorded
action's Target box; or both points inside the same candidate box of the frame the decision was
made on (the smallest candidate holding the recorded point), so two brains that click different
pixels of the same button agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.types import Action, Click, Drag, Frame, Rect, Scroll, Wait, describe_action

BoxesOf = Callable[[Frame], Sequence[Rect]]


@dataclass(frozen=True)
class Agreement:
    """The verdict for one step and why (a short phrase shown in reports)."""

    agrees: bool
    reason: str


def candidate_boxes(frame: Frame) -> list[Rect]:
    """The frame's candidate boxes (agent.perception), the default for the same-candidate rule."""
    from agent.perception.objects import candidates

    return [c.box for c in candidates(frame)]


def compare(
    recorded: Action,
    decided: Action | None,
    frame: Frame | None = None,
    boxes_of: BoxesOf = candidate_boxes,
) -> Agreement:
    """Compare a decided action with the recorded one on the frame both were chosen on."""
    if decided is None:
        return Agreement(False, "no decision")
    if recorded.kind != decided.kind:
        return Agreement(False, f"different kind ({decided.kind} vs {recorded.kind})")
    if isinstance(recorded, Wait):
        return Agreement(True, "both wait")
    if isinstance(recorded, Click) and isinstance(decided, Click):
        if recorded.button != decided.button:
            return Agreement(False, f"different button ({decided.button} vs {recorded.button})")
    if isinstance(recorded, Scroll) and isinstance(decided, Scroll):
        if recorded.clicks != decided.clicks:
            return Agreement(False, f"different scroll ({decided.clicks} vs {recorded.clicks})")
    pairs = [((recorded.x, recorded.y), (decided.x, decided.y))]  # type: ignore[union-attr]
    if isinstance(recorded, Drag) and isinstance(decided, Drag):
        pairs.append(((recorded.to_x, recorded.to_y), (decided.to_x, decided.to_y)))
    if all(r == d for r, d in pairs):
        return Agreement(True, "same point")
    target = getattr(recorded, "target", None)
    (rx, ry), (dx, dy) = pairs[0]
    if target is not None and target.box.contains(dx, dy) and len(pairs) == 1:
        return Agreement(True, "inside the recorded target")
    if frame is not None:
        boxes = list(boxes_of(frame))
        if all(_same_box(r, d, boxes) for r, d in pairs):
            return Agreement(True, "same candidate")
    return Agreement(False, f"different place ({describe_action(decided)})")


def _same_box(recorded: tuple[int, int], decided: tuple[int, int], boxes: Sequence[Rect]) -> bool:
    holding = [b for b in boxes if b.contains(*recorded)]
    if not holding:
        return False
    smallest = min(holding, key=lambda b: b.area)
    return smallest.contains(*decided)
