"""Perceive: one frame -> candidates, library state and progress reading (computed once per frame).

The frame after an action is the frame the next decision starts from, so its perception is
cached by identity and reused. A frame that names its content (`content_id`: equal ids mean equal
pixels, as a replayed frame's sha in its recording) has its pixel-only perception (candidates,
progress reading, frame key, state signature) computed once per content and reused (`PixelMemo`),
and may be read ahead on a background thread; the screen state is looked up every time, since
seeing a frame counts a visit in the library.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from agent.cycle.memory import Seen, StateMemory
from agent.cycle.progress import ProgressReader, ProgressSignal
from agent.perception.objects import Candidate, candidates
from agent.perception.settings import PerceptionSettings
from agent.perception.state import signature
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


@dataclass(frozen=True)
class Pixels:
    """What perception reads from pixels alone (the same for equal pixels)."""

    candidates: tuple[Candidate, ...]
    progress: float | None
    key: bytes
    signed: tuple[str, np.ndarray]


class PixelMemo:
    """What was read from the pixels of the last `size` frame contents, by (content id, context):
    the context names the settings and progress signal it was read with. Thread-safe; one memo
    may serve several Perceivers (replay shares one between passes over the same recordings)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._known: OrderedDict[tuple[str, str], Pixels] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, content: str, context: str) -> Pixels | None:
        with self._lock:
            known = self._known.get((content, context))
            if known is not None:
                self._known.move_to_end((content, context))
            return known

    def put(self, content: str, context: str, pixels: Pixels) -> None:
        with self._lock:
            self._known[(content, context)] = pixels
            while len(self._known) > self._size:
                self._known.popitem(last=False)


class Perceiver:
    """Perceives frames; remembers the last one so the after-frame is not perceived twice, and
    (in `memo`) what it read from the pixels of frames that name their content."""

    def __init__(
        self,
        memory: StateMemory,
        settings: PerceptionSettings,
        progress: ProgressSignal | None = None,
        reader=None,
        memo: PixelMemo | None = None,
    ) -> None:
        self._memory = memory
        self._settings = settings
        self._progress = ProgressReader(progress, reader) if progress else None
        self._last: Perceived | None = None
        self._frames: Counter[bytes] = Counter()
        self._memo = memo if memo is not None else PixelMemo()
        self._ahead: dict[str, Future[Pixels]] = {}
        self._context = hashlib.blake2b(
            repr((settings, progress)).encode(), digest_size=8
        ).hexdigest()

    def perceive(self, frame: Frame) -> Perceived:
        if self._last is not None and self._last.frame.image is frame.image:
            return self._last
        pixels = self._pixels(frame)
        seen = self._memory.see(frame, pixels.signed)
        key = pixels.key
        self._frames[key] += 1
        self._last = Perceived(
            frame, pixels.candidates, seen, pixels.progress, self._frames[key], key
        )
        return self._last

    def ahead(self, content: str, load: Callable[[], Frame]) -> None:
        """Read the pixels of a frame to come (named `content`; `load()` gives it) on a
        background thread, so perceiving it later finds them ready. Replay knows its frames
        to come; at most AHEAD are pending at once."""
        if content in self._ahead or len(self._ahead) >= AHEAD:
            return
        self._ahead[content] = _worker.submit(self._read, content, load)

    def _pixels(self, frame: Frame) -> Pixels:
        content = getattr(frame, "content_id", None)
        if not content:
            return self._compute(frame)
        pending = self._ahead.pop(content, None)
        if pending is not None:
            return pending.result()
        return self._read(content, lambda: frame)

    def _read(self, content: str, load: Callable[[], Frame]) -> Pixels:
        known = self._memo.get(content, self._context)
        if known is None:
            known = self._compute(load())
            self._memo.put(content, self._context, known)
        return known

    def _compute(self, frame: Frame) -> Pixels:
        found = tuple(candidates(frame, self._settings))
        progress = self._progress.read(frame) if self._progress else None
        return Pixels(found, progress, frame_key(frame), signature(frame))


AHEAD = 8
_worker = ThreadPoolExecutor(1, thread_name_prefix="perceive-ahead")
"""The one background thread that reads frames ahead (OpenCV releases the GIL; idle until used)."""


def frame_key(frame: Frame) -> bytes:
    """A key of the frame's exact look at low resolution: equal keys mean the same screen.

    Screen *states* are coarse (a combat is one state); this key tells a screen we have seen
    pixel for pixel (an undone selection) from one that is new (an enemy with less health).
    """
    h, w = frame.image.shape[:2]
    small = frame.image[:: max(1, h // 90), :: max(1, w // 160)]
    return hashlib.blake2b((small // 16).tobytes(), digest_size=12).digest()
