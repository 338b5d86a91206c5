"""A recording opened for replay: its steps as typed records, its frames, and what is damaged.

`Replay(path)` reads a recording folder (agent.recording's format) and never writes into it.
Each "step" event, with its "action", "settle" and "frame" events and any "model_call" events
of that step, becomes one `RecordedStep`. Optional fields the learning agent adds to step events
(state_id, skill_id, judgement, reflection, guidelines, skills_created, progress, model_calls)
become typed fields; any other field is kept, as JSON text, in `extra`.

Damage is reported, not fatal where replay can go on: a truncated line is skipped, a step whose
frame file is missing ends the usable steps (replay proceeds up to the damage), a recording with
no "end" event is unfinished (still being written, or killed) and is replayed up to its last
complete step. An unknown schema_version or a missing manifest is a ReplayError.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from agent.errors import ConfigError
from agent.recording import Manifest, Recording, RecordingError, action_from_dict, read_frame
from agent.types import Action, Frame, Rect

log = logging.getLogger(__name__)

# Step-event fields the reader knows; everything else lands in RecordedStep.extra.
_CORE_FIELDS = {"type", "t", "step", "before", "after", "acted", "changed", "summary", "errors"}
_OPTIONAL_FIELDS = {
    "restarted",
    "state_id",
    "state",
    "skill_id",
    "skill",
    "judgement",
    "reflection",
    "guidelines",
    "skills_created",
    "progress",
    "model_calls",
}


class ReplayError(RecordingError):
    """A recording that cannot be replayed (not a recording, unknown schema, nothing usable)."""


@dataclass(frozen=True)
class ModelCallRecord:
    """One model call made during a step, as the recording stored it."""

    prompt_id: str
    model: str = ""
    ok: bool = True
    tokens_in: int = 0
    tokens_out: int = 0
    latency_s: float = 0.0
    cost: float = 0.0
    error: str = ""

    @classmethod
    def from_event(cls, data: Mapping[str, Any]) -> ModelCallRecord:
        def number(key: str, kind: type) -> Any:
            try:
                return kind(data.get(key) or 0)
            except (TypeError, ValueError):
                return kind(0)

        return cls(
            prompt_id=str(data.get("prompt_id", "?")),
            model=str(data.get("model", "")),
            ok=bool(data.get("ok", True)),
            tokens_in=number("tokens_in", int),
            tokens_out=number("tokens_out", int),
            latency_s=number("latency_s", float),
            cost=number("cost", float),
            error=str(data.get("error", "") or ""),
        )


@dataclass(frozen=True, eq=False)
class RecordedFrame(Frame):
    """A stored frame: `content_id` is its sha in the recording (equal ids, equal pixels), so
    perception of a screen seen again is not computed again (agent.cycle.perceive)."""

    content_id: str = ""


@dataclass(frozen=True)
class FrameInfo:
    """Where and when a stored frame was grabbed (from its "frame" event)."""

    index: int
    timestamp: float
    region: Rect
    scale: float


@dataclass(frozen=True)
class RecordedStep:
    """One recorded step: frames before/after (by content hash), the action, and how it went."""

    index: int
    before_sha: str
    after_sha: str
    action: Action
    settle_s: float
    acted: bool
    changed: float = 0.0
    summary: str = ""
    errors: tuple[str, ...] = ()
    restarted: bool = False
    state_id: str | None = None
    skill_id: str | None = None
    judgement: str | None = None
    reflection: str | None = None
    guidelines: tuple[str, ...] = ()
    skills_created: tuple[str, ...] = ()
    progress: float | None = None
    model_calls: tuple[ModelCallRecord, ...] = ()
    model_call_count: int = 0
    extra: tuple[tuple[str, str], ...] = field(default=())
    before_info: FrameInfo | None = None
    after_info: FrameInfo | None = None

    @property
    def tokens(self) -> int:
        return sum(c.tokens_in + c.tokens_out for c in self.model_calls)

    @property
    def cost(self) -> float:
        return sum(c.cost for c in self.model_calls)


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def _texts(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return tuple(t for t in (_text(v) for v in value) if t)
    return (_text(value) or "",)


def _progress(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("value", value.get("score"))
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


_decoder = ThreadPoolExecutor(1, thread_name_prefix="replay-decode")
"""The one background thread decoding frames ahead for every open Replay (idle until used)."""


class Replay:
    """A recording opened read-only for replay (see the module docstring for damage rules)."""

    def __init__(self, path: str | Path, *, frame_cache: int = 32) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise ReplayError(f"{self.path}: no such recording folder")
        try:
            self._recording = Recording(self.path)
        except RecordingError as exc:
            raise ReplayError(str(exc)) from None
        self.manifest: Manifest = self._recording.manifest
        self._frames: dict[str, FrameInfo] = {}
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = frame_cache
        self._pending: dict[str, Future[np.ndarray]] = {}
        self._lock = threading.Lock()
        self.end_reason: str | None = None
        self.all_steps: tuple[RecordedStep, ...] = self._read()
        self.steps: tuple[RecordedStep, ...] = self._usable(self.all_steps)
        self.damage: tuple[str, ...] = tuple(dict.fromkeys(self._recording.damage + self._notes))

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def finished(self) -> bool:
        """False when the run never wrote its "end" event (still running, or killed)."""
        return self.end_reason is not None

    @property
    def policy_name(self) -> str | None:
        """The recorded run's policy name (config "policy"), if it said."""
        value = self.manifest.config.get("policy")
        return str(value) if value else None

    @property
    def seed(self) -> int | None:
        return self.manifest.seed

    @property
    def cassette_path(self) -> Path | None:
        """The model-reply cassette stored with the recording, if the run kept one."""
        for name in ("cassette.jsonl", "model-cassette.jsonl"):
            if (self.path / name).is_file():
                return self.path / name
        return None

    def window_size(self) -> tuple[int, int] | None:
        """Logical (width, height) of the recorded window, from its first frame."""
        if not self.steps:
            return None
        frame = self.frame(self.steps[0].before_sha)
        return round(frame.width / frame.scale), round(frame.height / frame.scale)

    def _read(self) -> tuple[RecordedStep, ...]:
        self._notes: list[str] = []
        actions: dict[int, dict[str, Any]] = {}
        settles: dict[int, float] = {}
        calls: dict[int, list[ModelCallRecord]] = {}
        steps: list[RecordedStep] = []
        # Every grab in order: a step's "after" is the latest grab, its "before" the one the
        # previous step ended on (so each step gets its own frame's index and time).
        grabs: list[tuple[str, FrameInfo]] = []
        for event in self._recording.events():
            kind = event.get("type")
            if kind == "frame" and isinstance(event.get("sha"), str):
                info = self._frame_info(event)
                self._frames.setdefault(event["sha"], info)
                grabs.append((event["sha"], info))
            elif kind == "action" and isinstance(event.get("step"), int):
                actions[event["step"]] = event.get("action") or {}
            elif kind == "settle" and isinstance(event.get("step"), int):
                settles[event["step"]] = float(event.get("settle_s") or 0.0)
            elif kind == "model_call" and isinstance(event.get("step"), int):
                calls.setdefault(event["step"], []).append(ModelCallRecord.from_event(event))
            elif kind == "end":
                self.end_reason = str(event.get("reason", "completed"))
            elif kind == "step":
                step = self._step(event, actions, settles, calls)
                if step is not None:
                    steps.append(self._with_grabs(step, grabs, steps))
        if self.end_reason is None:
            self._notes.append(
                "unfinished: no end event (the run is still being written, or was killed); "
                f"replaying the {len(steps)} complete steps written so far"
            )
        return tuple(steps)

    @staticmethod
    def _with_grabs(
        step: RecordedStep, grabs: list[tuple[str, FrameInfo]], done: list[RecordedStep]
    ) -> RecordedStep:
        after = grabs[-1][1] if grabs and grabs[-1][0] == step.after_sha else None
        if done and done[-1].after_sha == step.before_sha:
            before = done[-1].after_info
        else:
            before = next((i for sha, i in reversed(grabs) if sha == step.before_sha), None)
        return replace(step, before_info=before, after_info=after)

    @staticmethod
    def _frame_info(event: Mapping[str, Any]) -> FrameInfo:
        region = event.get("region") or {}
        try:
            rect = Rect(int(region["x"]), int(region["y"]), int(region["w"]), int(region["h"]))
        except (KeyError, TypeError, ValueError):
            rect = Rect(0, 0, 0, 0)
        return FrameInfo(
            int(event.get("index") or 0),
            float(event.get("ts") or 0.0),
            rect,
            float(event.get("scale") or 1.0),
        )

    def _step(
        self,
        event: dict[str, Any],
        actions: dict[int, dict[str, Any]],
        settles: dict[int, float],
        calls: dict[int, list[ModelCallRecord]],
    ) -> RecordedStep | None:
        index = event.get("step")
        if not isinstance(index, int) or not isinstance(event.get("before"), str):
            self._notes.append(f"a step event without a step number or frame: {event!r:.80}")
            return None
        if index not in actions:
            self._notes.append(f"step {index} has no action event; skipped")
            return None
        try:
            action = action_from_dict(actions[index])
        except (ConfigError, KeyError, TypeError) as exc:
            self._notes.append(f"step {index} has an unreadable action ({exc}); skipped")
            return None
        step_calls = list(calls.get(index, []))
        listed = event.get("model_calls")
        if isinstance(listed, list):
            step_calls += [ModelCallRecord.from_event(c) for c in listed if isinstance(c, dict)]
        # The learning agent may store only a count of its calls on the step.
        count = listed if isinstance(listed, int) and not isinstance(listed, bool) else 0
        extra = tuple(
            (k, _text(v) or "")
            for k, v in sorted(event.items())
            if k not in _CORE_FIELDS and k not in _OPTIONAL_FIELDS
        )
        return RecordedStep(
            index=index,
            before_sha=event["before"],
            after_sha=str(event.get("after", "")),
            action=action,
            settle_s=settles.get(index, 0.0),
            acted=bool(event.get("acted")),
            changed=float(event.get("changed") or 0.0),
            summary=str(event.get("summary") or ""),
            errors=_texts(event.get("errors")),
            restarted=event.get("restarted") is True,
            state_id=_text(event.get("state_id") or event.get("state")),
            skill_id=_text(event.get("skill_id") or event.get("skill")),
            judgement=_text(event.get("judgement")),
            reflection=_text(event.get("reflection")),
            guidelines=_texts(event.get("guidelines")),
            skills_created=_texts(event.get("skills_created")),
            progress=_progress(event.get("progress")),
            model_calls=tuple(step_calls),
            model_call_count=max(count, len(step_calls)),
            extra=extra,
        )

    def _usable(self, steps: tuple[RecordedStep, ...]) -> tuple[RecordedStep, ...]:
        """The steps before the first one whose frame file is missing."""
        for position, step in enumerate(steps):
            for sha in (step.before_sha, step.after_sha):
                if not (self.path / "frames" / f"{sha}.png").is_file():
                    self._notes.append(
                        f"frame {sha} of step {step.index} is missing; "
                        f"replay stops before step {step.index} ({position} usable steps)"
                    )
                    return steps[:position]
        return steps

    def image(self, sha: str) -> np.ndarray:
        """RGB pixels of a stored frame (decoded once, kept in a small cache)."""
        with self._lock:
            cached = self._cache.get(sha)
            if cached is not None:
                self._cache.move_to_end(sha)
                return cached
            pending = self._pending.pop(sha, None)
        image = pending.result() if pending is not None else self._decode(sha)
        with self._lock:
            self._cache[sha] = image
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return image

    def prefetch(self, shas: Iterable[str]) -> None:
        """Start decoding these frames on a background thread (PNG decoding releases the GIL),
        so image() finds them ready; at most `frame_cache` / 2 are decoded ahead."""
        with self._lock:
            for sha in shas:
                if sha in self._cache or sha in self._pending:
                    continue
                if len(self._pending) >= max(1, self._cache_size // 2):
                    break
                self._pending[sha] = _decoder.submit(self._decode, sha)

    def _decode(self, sha: str) -> np.ndarray:
        image = read_frame(self.path / "frames" / f"{sha}.png")
        if image is None:
            raise ReplayError(f"{self.path}: frame {sha} is missing or unreadable")
        image.flags.writeable = False
        return image

    def frame(self, sha: str, info: FrameInfo | None = None) -> Frame:
        """A stored frame as the Frame the recorded run saw (index, time, region, scale).

        Each call returns a new Frame object over a new array object (sharing the cached
        pixels), as two grabs of the same screen are two objects in a live run.
        """
        image = self.image(sha).view()
        info = info or self._frames.get(sha)
        if info is None:
            info = FrameInfo(0, 0.0, Rect(0, 0, image.shape[1], image.shape[0]), 1.0)
        return RecordedFrame(image, info.index, info.timestamp, info.region, info.scale, sha)
