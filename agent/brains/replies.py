"""What a vision-language model may answer, and how an answer becomes trusted data.

Each brain role has one reply model (pydantic, at the edge): ProposeReply, JudgeReply, NameReply,
ReflectReply. `parse_reply` turns the raw text a model sent into a validated reply or raises
ModelOutputError with a reason short enough to show the model when re-asking. Checks that depend
on the frame (a mark that does not exist, a point outside the screenshot) live in
`check_bounds`, which takes the bounds of the frame that was sent.

Free prose (reasons, statements) longer than its limit is truncated, not rejected: a verbose model
still gives a usable answer. Names, lists and numbers out of bounds are rejected, so the caller
re-asks. A reply larger than MAX_REPLY_CHARS is rejected before any JSON parsing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    model_validator,
)

from agent.errors import ModelOutputError
from agent.types import Point

MAX_REPLY_CHARS = 65_536
"""Replies longer than this are rejected unread (a runaway generation, not an answer)."""

MAX_ERROR_CHARS = 600
"""Validation errors are cut to this length before they are shown to the model again."""

CoordinateConvention = Literal["pixels", "0-1000"]
ActionKind = Literal["click", "double_click", "right_click", "drag", "scroll", "move", "wait"]


def _truncate(limit: int):
    def cut(value: object) -> object:
        if isinstance(value, str) and len(value) > limit:
            return value[: limit - 1] + "…"
        return value

    return BeforeValidator(cut)


def _no_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("expected a whole number, not a boolean")
    return value


Prose = Annotated[str, _truncate(500), Field(max_length=500)]
Guideline = Annotated[str, _truncate(200), Field(min_length=1, max_length=200)]
Mark = Annotated[int, BeforeValidator(_no_bool), Field(ge=0, le=9_999)]
Coordinate = Annotated[int, BeforeValidator(_no_bool), Field(ge=-100_000, le=100_000)]


class Reply(BaseModel):
    """Base of every reply: unknown keys are ignored, booleans must be real booleans, numbers must
    be whole (3, 3.0 and "3" pass; 3.5, true and "three" do not), the object is immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)


class ProposeReply(Reply):
    """Which action to take next: aim at a set-of-marks number, or at a point in the declared
    coordinate convention. A drag also names where it ends; a scroll how many clicks."""

    action: ActionKind
    mark: Mark | None = None
    x: Coordinate | None = None
    y: Coordinate | None = None
    to_mark: Mark | None = None
    to_x: Coordinate | None = None
    to_y: Coordinate | None = None
    clicks: Annotated[int, BeforeValidator(_no_bool), Field(ge=-20, le=20)] | None = None
    reason: Prose = ""

    @model_validator(mode="after")
    def _aimed(self) -> ProposeReply:
        if self.action == "wait":
            return self
        if (self.x is None) != (self.y is None):
            raise ValueError("give both x and y, or neither")
        if self.mark is None and self.x is None:
            raise ValueError(f"action {self.action!r} needs a mark or both x and y")
        if self.action == "drag":
            if (self.to_x is None) != (self.to_y is None):
                raise ValueError("give both to_x and to_y, or neither")
            if self.to_mark is None and self.to_x is None:
                raise ValueError("a drag needs to_mark or both to_x and to_y")
        if self.action == "scroll" and not self.clicks:
            raise ValueError("a scroll needs a non-zero clicks value")
        return self


class JudgeReply(Reply):
    """Whether the last action did anything, did what was expected, and moved the game forward."""

    acted: StrictBool
    consistent: StrictBool
    progressive: StrictBool
    reason: Prose = ""


class NameReply(Reply):
    """A short name and a one-paragraph description for a new skill."""

    name: Annotated[str, Field(min_length=1, max_length=60)]
    description: Annotated[str, _truncate(300), Field(max_length=300)] = ""


class ReflectReply(Reply):
    """A history-aware reflection (HAR): what went wrong, why (citing the recent steps), what to do
    instead, and at most three guidelines that generalise beyond this one moment."""

    statement: Annotated[Prose, Field(min_length=1)]
    reasoning: Annotated[Prose, Field(min_length=1)]
    corrected_action: ActionKind | None = None
    corrected_mark: Mark | None = None
    corrected_x: Coordinate | None = None
    corrected_y: Coordinate | None = None
    guidelines: Annotated[list[Guideline], Field(max_length=3)] = []

    @model_validator(mode="after")
    def _paired(self) -> ReflectReply:
        if (self.corrected_x is None) != (self.corrected_y is None):
            raise ValueError("give both corrected_x and corrected_y, or neither")
        return self


R = TypeVar("R", bound=BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)


def extract_json_text(text: str) -> str:
    """The JSON object inside a reply: the reply itself, the inside of a ```json fence, or the
    outermost {...} when a model wrapped it in prose."""
    stripped = text.strip()
    if stripped.startswith("{"):
        return stripped
    fenced = _FENCE.search(stripped)
    if fenced:
        return fenced.group(1).strip()
    start, end = stripped.find("{"), stripped.rfind("}")
    if start != -1 and end > start:
        return stripped[start : end + 1]
    return stripped


def parse_reply(text: str | None, reply_model: type[R]) -> R:
    """Validate a raw reply against reply_model; raise ModelOutputError with a short reason."""
    if text is None or not text.strip():
        raise ModelOutputError("empty reply")
    if len(text) > MAX_REPLY_CHARS:
        raise ModelOutputError(f"reply too long ({len(text)} characters, limit {MAX_REPLY_CHARS})")
    body = extract_json_text(text)
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or a 5,000-digit number
        raise ModelOutputError(f"reply is not valid JSON: {_short(str(exc))}") from None
    if not isinstance(data, dict):
        raise ModelOutputError(f"reply must be a JSON object, got {type(data).__name__}")
    try:
        return reply_model.model_validate(data)
    except ValidationError as exc:
        raise ModelOutputError(f"reply does not match the schema: {_describe(exc)}") from None
    except (RecursionError, OverflowError) as exc:
        raise ModelOutputError(f"reply could not be validated: {type(exc).__name__}") from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False)[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "reply"
        parts.append(f"{where}: {err['msg']}")
    return _short("; ".join(parts))


def _short(text: str) -> str:
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


@dataclass(frozen=True)
class ReplyBounds:
    """What a reply about one frame may refer to.

    marks: the set-of-marks numbers drawn on the screenshot that was sent.
    width, height: size of that screenshot in image pixels.
    coordinates: the convention the model was asked to use ("pixels" of the image, or "0-1000"
    where 0 is the left/top edge and 1000 the right/bottom edge).
    """

    marks: frozenset[int]
    width: int
    height: int
    coordinates: CoordinateConvention = "pixels"

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"bounds need a positive size, got {self.width}x{self.height}")

    @classmethod
    def numbered(
        cls,
        count: int,
        width: int,
        height: int,
        coordinates: CoordinateConvention = "pixels",
        first: int = 0,
    ) -> ReplyBounds:
        """Bounds for `count` consecutive marks starting at `first` (0 when marks index a list)."""
        return cls(frozenset(range(first, first + count)), width, height, coordinates)


def to_image_point(x: int, y: int, bounds: ReplyBounds) -> Point:
    """A point the model gave, in image pixels; ModelOutputError when it lies outside the image."""
    if bounds.coordinates == "0-1000":
        if not (0 <= x <= 1000 and 0 <= y <= 1000):
            raise ModelOutputError(f"point ({x}, {y}) is outside the 0-1000 range")
        px = min(bounds.width - 1, round(x * bounds.width / 1000))
        py = min(bounds.height - 1, round(y * bounds.height / 1000))
        return Point(px, py)
    if not (0 <= x < bounds.width and 0 <= y < bounds.height):
        raise ModelOutputError(
            f"point ({x}, {y}) is outside the {bounds.width}x{bounds.height} screenshot"
        )
    return Point(x, y)


def check_bounds(reply: BaseModel, bounds: ReplyBounds) -> None:
    """Raise ModelOutputError when a reply names a mark or a point the frame does not have."""
    pairs: list[tuple[int | None, int | None]] = []
    marks: list[int | None] = []
    if isinstance(reply, ProposeReply):
        marks = [reply.mark, reply.to_mark]
        pairs = [(reply.x, reply.y), (reply.to_x, reply.to_y)]
    elif isinstance(reply, ReflectReply):
        marks = [reply.corrected_mark]
        pairs = [(reply.corrected_x, reply.corrected_y)]
    for mark in marks:
        if mark is not None and mark not in bounds.marks:
            raise ModelOutputError(
                f"mark {mark} is not on the screenshot (marks: {_list_marks(bounds.marks)})"
            )
    for x, y in pairs:
        if x is not None and y is not None:
            to_image_point(x, y, bounds)


def _list_marks(marks: frozenset[int]) -> str:
    shown = sorted(marks)
    if not shown:
        return "none"
    if shown[-1] - shown[0] + 1 == len(shown) and len(shown) > 2:
        return f"{shown[0]}..{shown[-1]}"
    listed = ", ".join(str(m) for m in shown[:20])
    return listed + (", …" if len(shown) > 20 else "")
