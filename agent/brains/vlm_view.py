"""What a VLM is shown, and how its answer becomes an Action: the seam between pixels and replies.

    view = MarkedView.of(frame, candidates)        # marks 1..n drawn on a copy of the frame
    view.png, view.marks_text(), view.bounds(...)  # the screenshot, the mark list, reply bounds
    view.action(reply)                             # ProposeReply -> Click/Drag/... with a Target

Marks are numbered from 1 in the order of the candidate list (agent.perception.marks), so a mark
maps back to exactly the candidate it was drawn on. Each mark is listed with its box in image
pixels ("3: [120,40 80x30] 'End Turn'"), which lets a model (and the test simulation) tell marks
apart even when they overlap. Points given as coordinates are converted from the declared
convention to window-logical pixels; a point on a candidate carries that candidate's Target.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from agent.brains.replies import ProposeReply, ReplyBounds, to_image_point
from agent.errors import ModelOutputError
from agent.perception.marks import candidate_for_mark, draw_marks
from agent.perception.objects import Candidate
from agent.types import (
    Action,
    Click,
    DoubleClick,
    Drag,
    Frame,
    Move,
    Rect,
    RightClick,
    Scroll,
    Target,
    Wait,
)

MAX_MARKS = 40
"""More marks than this clutter the screenshot; candidates come best first, so the tail goes."""

WAIT_S = 0.5
"""How long a "wait" reply waits."""


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes of an H x W x 3 RGB image."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV fails only on an empty image
        raise ModelOutputError("could not encode the screenshot as PNG")
    return data.tobytes()


def screen_key(frame: Frame) -> str:
    """A key of the frame's exact look at low resolution (equal keys: the same screen)."""
    h, w = frame.image.shape[:2]
    small = frame.image[:: max(1, h // 90), :: max(1, w // 160)]
    return hashlib.blake2b((small // 16).tobytes(), digest_size=10).hexdigest()


@dataclass(frozen=True, eq=False)
class MarkedView:
    """A frame with set-of-marks drawn on it, and the candidates the marks stand for."""

    frame: Frame
    marked: tuple[Candidate, ...]
    png: bytes

    @classmethod
    def of(cls, frame: Frame, candidates: Sequence[Candidate]) -> MarkedView:
        marked = tuple(candidates[:MAX_MARKS])
        return cls(frame, marked, encode_png(draw_marks(frame, marked)))

    def marks_text(self) -> str:
        """One line per mark: number, box in image pixels, OCR text if any."""
        if not self.marked:
            return "(no marks: nothing on this screen looked interactive; use x and y)"
        lines = []
        for number, cand in enumerate(self.marked, start=1):
            text = f" {cand.text!r}" if cand.text else ""
            lines.append(f"{number}: {box_text(cand.box, self.frame.scale)}{text}")
        return "\n".join(lines)

    def bounds(self, coordinates: str) -> ReplyBounds:
        return ReplyBounds.numbered(
            len(self.marked), self.frame.width, self.frame.height, coordinates, first=1
        )

    def candidate(self, mark: int) -> Candidate:
        cand = candidate_for_mark(self.marked, mark)
        if cand is None:
            raise ModelOutputError(f"mark {mark} is not on the screenshot")
        return cand

    def aim(
        self, mark: int | None, x: int | None, y: int | None, bounds: ReplyBounds
    ) -> tuple[int, int, Target | None]:
        """Window-logical point and target of a mark, or of a point in the model's convention."""
        if mark is not None:
            cand = self.candidate(mark)
            c = cand.box.center
            return c.x, c.y, cand.target()
        if x is None or y is None:
            raise ModelOutputError("the reply aims at neither a mark nor a point")
        p = to_image_point(x, y, bounds)
        lx, ly = round(p.x / self.frame.scale), round(p.y / self.frame.scale)
        hit = [c for c in self.marked if c.box.contains(lx, ly)]
        target = min(hit, key=lambda c: c.box.area).target() if hit else None
        return lx, ly, target

    def action(self, reply: ProposeReply, bounds: ReplyBounds) -> Action:
        """The Action a validated ProposeReply asks for, aimed on this view's frame."""
        if reply.action == "wait":
            return Wait(WAIT_S)
        x, y, target = self.aim(reply.mark, reply.x, reply.y, bounds)
        if reply.action == "click":
            return Click(x, y, target=target)
        if reply.action == "double_click":
            return DoubleClick(x, y, target=target)
        if reply.action == "right_click":
            return RightClick(x, y, target=target)
        if reply.action == "move":
            return Move(x, y, target=target)
        if reply.action == "scroll":
            return Scroll(x, y, int(reply.clicks or 1), target=target)
        to_x, to_y, _ = self.aim(reply.to_mark, reply.to_x, reply.to_y, bounds)
        return Drag(x, y, to_x, to_y, target=target)


def box_text(box: Rect, scale: float) -> str:
    """A box in image pixels as prompts list it: "[x,y wxh]"."""
    s = scale
    return f"[{round(box.x * s)},{round(box.y * s)} {round(box.w * s)}x{round(box.h * s)}]"


def describe(action: Action, view: MarkedView | None = None) -> str:
    """A short line for prompts: the action, and the mark it aimed at when there is one."""
    if isinstance(action, Wait):
        return f"wait {action.seconds:.1f} s"
    target = getattr(action, "target", None)
    where = f"({action.x}, {action.y})"
    if view is not None and target is not None:
        for number, cand in enumerate(view.marked, start=1):
            if cand.box == target.box:
                where = f"mark {number}"
                break
    text = f" on {target.text!r}" if target is not None and target.text else ""
    return f"{action.kind.replace('_', ' ')} at {where}{text}"


def side_by_side(before: Frame, after: Frame, width: int = 1280) -> bytes:
    """One PNG with the frame before (left) and after (right) an action, at most `width` wide."""
    a, b = before.image, after.image
    if a.shape != b.shape:
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA)
    gap = np.full((a.shape[0], 8, 3), 255, np.uint8)
    both = np.concatenate([a, gap, b], axis=1)
    if both.shape[1] > width:
        h = max(1, round(both.shape[0] * width / both.shape[1]))
        both = cv2.resize(both, (width, h), interpolation=cv2.INTER_AREA)
    return encode_png(both)
