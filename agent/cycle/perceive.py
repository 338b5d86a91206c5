"""Perceive: one frame -> candidates, library state and progress reading (computed once per frame).

The frame after an action is the frame the next decision starts from, so its perception is
cached by identity and reused.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from agent.cycle.memory import Seen, StateMemory
from agent.cycle.progress import ProgressReader, ProgressSignal
from agent.perception.objects import Candidate, candidates
from agent.perception.settings import PerceptionSettings
from agent.types import Frame


@dataclass(frozen=True, eq=False)
class Perceived:
    """What the agent sees in one frame."""

    frame: Frame
    candidates: tuple[Candidate, ...]
    seen: Seen
    progress: float | None
    frame_visits: int = 1
    key: bytes = b""

    @property
    def size(self) -> tuple[float, float]:
        return self.frame.width / self.frame.scale, self.frame.height / self.frame.scale


class Perceiver:
    """Perceives frames; remembers the last one so the after-frame is not perceived twice."""

    def __init__(
        self,
        memory: StateMemory,
        settings: PerceptionSettings,
        progress: ProgressSignal | None = None,
        reader=None,
    ) -> None:
        self._memory = memory
        self._settings = settings
        self._progress = ProgressReader(progress, reader) if progress else None
        self._last: Perceived | None = None
        self._frames: Counter[bytes] = Counter()

    def perceive(self, frame: Frame) -> Perceived:
        if self._last is not None and self._last.frame.image is frame.image:
            return self._last
        found = tuple(candidates(frame, self._settings))
        seen = self._memory.see(frame)
        progress = self._progress.read(frame) if self._progress else None
        key = frame_key(frame)
        self._frames[key] += 1
        self._last = Perceived(frame, found, seen, progress, self._frames[key], key)
        return self._last


def frame_key(frame: Frame) -> bytes:
    """A key of the frame's exact look at low resolution: equal keys mean the same screen.

    Screen *states* are coarse (a combat is one state); this key tells a screen we have seen
    pixel for pixel (an undone selection) from one that is new (an enemy with less health).
    """
    h, w = frame.image.shape[:2]
    small = frame.image[:: max(1, h // 90), :: max(1, w // 160)]
    return hashlib.blake2b((small // 16).tobytes(), digest_size=12).digest()
