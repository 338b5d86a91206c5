"""Screen states: map each frame to an abstract screen (combat, map, reward, ...) incrementally.

The signature is the colour layout of the frame at very low resolution after small things are
filtered out: the frame is shrunk, a median filter erases anything smaller than a few cells
(digits, words, icons, most card art), and what remains is a grid of CIELAB colours. Two frames
are compared by a *trimmed* mean of per-cell colour differences: the worst-matching cells are
ignored, so a moved piece, a different enemy or a new card picture does not split a screen,
while a different background or panel layout (a different screen) differs in most cells.

    states = ScreenStates(threshold=settings.state_threshold)
    sid = states.observe(frame)          # "s-1a2b3c4d5e" (existing or new)
    states.to_json() / ScreenStates.from_json(text)   # persist and share between processes
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from pydantic import BaseModel, ValidationError

from agent.errors import ConfigError
from agent.perception.image import as_image, work_copy
from agent.types import Frame

SCHEMA_VERSION = 1
GRID_W, GRID_H = 16, 9
# Fraction of cells ignored (the worst-matching ones) when comparing two signatures.
TRIM = 0.25
# Each state remembers up to this many diverse exemplars, so one screen's variants match it.
MAX_EXEMPLARS = 8


def signature(frame_or_image: Frame | np.ndarray) -> tuple[str, np.ndarray]:
    """(key, vector): a hex key of the coarsely quantised layout, and the float32 layout vector.

    The vector is GRID_H x GRID_W x 3 CIELAB values scaled to 0..1, flattened. Equal keys mean
    practically identical layouts; use `distance` (or ScreenStates) for everything else.
    """
    image = as_image(frame_or_image)
    small = work_copy(image, 128).rgb
    small = cv2.resize(small, (64, 36), interpolation=cv2.INTER_AREA)
    small = cv2.medianBlur(small, 5)
    grid = cv2.resize(small, (GRID_W, GRID_H), interpolation=cv2.INTER_AREA)
    vector = cv2.cvtColor(grid, cv2.COLOR_RGB2LAB).astype(np.float32).reshape(-1) / 255.0
    key = hashlib.blake2b((vector * 8).astype(np.uint8).tobytes(), digest_size=6).hexdigest()
    return key, vector


def distance(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Trimmed mean of per-cell Lab differences (0 = same layout; different screens ~0.1 and up)."""
    return float(distances(a, np.asarray(b, np.float32).reshape(1, -1))[0])


def distances(vector: Sequence[float] | np.ndarray, others: np.ndarray) -> np.ndarray:
    """`distance` from one vector to each row of `others` (inf where the sizes differ)."""
    va = np.asarray(vector, np.float32).reshape(-1, 3)
    if others.ndim != 2 or others.shape[1] != va.size:
        return np.full(len(others), np.inf)
    cells = np.sort(np.linalg.norm(others.reshape(len(others), -1, 3) - va, axis=2), axis=1)
    keep = max(1, int(round(cells.shape[1] * (1.0 - TRIM))))
    return cells[:, :keep].mean(axis=1)


@dataclass
class _State:
    id: str
    exemplars: list[np.ndarray]
    count: int


class _StateFile(BaseModel):
    schema_version: int
    threshold: float
    grid: tuple[int, int]
    states: list[tuple[str, int, list[list[float]]]]


class ScreenStates:
    """Incremental clustering of frames into screen states, with a configurable threshold.

    observe(frame) returns the id of the matching state, creating one when no state is within
    `threshold` (see `distance`). A frame that matches but is not a near-duplicate of any
    exemplar is kept as a new exemplar (up to MAX_EXEMPLARS), so a screen's variants are covered.
    """

    def __init__(self, threshold: float) -> None:
        if not 0 < threshold < 2:
            raise ConfigError(f"state threshold must be between 0 and 2, got {threshold}")
        self.threshold = float(threshold)
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()
        self._stacked: tuple[list[str], np.ndarray] | None = None
        self._stacked_size = 0

    def __len__(self) -> int:
        return len(self._states)

    @property
    def ids(self) -> list[str]:
        return list(self._states)

    def count(self, state_id: str) -> int:
        """How many frames were observed in a state (0 for unknown ids)."""
        state = self._states.get(state_id)
        return state.count if state else 0

    def lookup(self, frame_or_image: Frame | np.ndarray) -> str | None:
        """The matching state id without recording anything (None when the screen is new)."""
        return self.lookup_vector(signature(frame_or_image)[1])

    def lookup_vector(self, vector: np.ndarray) -> str | None:
        """lookup() for a signature vector computed elsewhere."""
        with self._lock:
            return self._match(vector)

    def observe(self, frame_or_image: Frame | np.ndarray) -> str:
        """The state id for this frame; a new state is created when none matches."""
        key, vector = signature(frame_or_image)
        return self.observe_vector(vector, key)

    def observe_vector(self, vector: np.ndarray, key: str | None = None) -> str:
        """observe() for a signature vector computed elsewhere."""
        vector = np.asarray(vector, np.float32)
        with self._lock:
            state_id = self._match(vector)
            if state_id is None:
                state_id = "s-" + (
                    key or hashlib.blake2b(vector.tobytes(), digest_size=6).hexdigest()
                )
                while state_id in self._states:
                    state_id += "x"
                self._states[state_id] = _State(state_id, [vector], 1)
                return state_id
            state = self._states[state_id]
            state.count += 1
            nearest = min(distance(vector, e) for e in state.exemplars)
            if nearest > self.threshold / 2 and len(state.exemplars) < MAX_EXEMPLARS:
                state.exemplars.append(vector)
            return state_id

    def _match(self, vector: np.ndarray) -> str | None:
        """The nearest state within the threshold over every state's exemplars (stacked once
        until they change), or None."""
        size = sum(len(s.exemplars) for s in self._states.values())
        if self._stacked is None or self._stacked_size != size:
            self._stacked_size = size
            cells = GRID_W * GRID_H * 3
            pairs = [(s.id, e) for s in self._states.values() for e in s.exemplars]
            ids = [i for i, e in pairs if e.size == cells]
            rows = [e for _, e in pairs if e.size == cells]
            self._stacked = (ids, np.stack(rows) if rows else np.zeros((0, cells), np.float32))
        ids, rows = self._stacked
        if not ids:
            return None
        gaps = distances(vector, rows)
        best = int(np.argmin(gaps))
        return ids[best] if gaps[best] < self.threshold else None

    def to_json(self) -> str:
        """Everything needed to go on matching elsewhere (schema_version'd JSON)."""
        with self._lock:
            data = _StateFile(
                schema_version=SCHEMA_VERSION,
                threshold=self.threshold,
                grid=(GRID_W, GRID_H),
                states=[
                    (s.id, s.count, [[round(float(v), 5) for v in e] for e in s.exemplars])
                    for s in self._states.values()
                ],
            )
        return data.model_dump_json()

    @classmethod
    def from_json(cls, text: str, threshold: float | None = None) -> ScreenStates:
        """Load what to_json wrote; `threshold` overrides the stored one (config wins)."""
        try:
            data = _StateFile.model_validate_json(text)
        except ValidationError as exc:
            raise ConfigError(f"not a screen-states file: {exc.errors()[0]['msg']}") from None
        if data.schema_version > SCHEMA_VERSION:
            raise ConfigError(f"screen-states schema_version {data.schema_version} is newer")
        if tuple(data.grid) != (GRID_W, GRID_H):
            raise ConfigError(f"screen-states grid {data.grid} does not match {GRID_W}x{GRID_H}")
        states = cls(threshold if threshold is not None else data.threshold)
        size = GRID_W * GRID_H * 3
        for state_id, count, exemplars in data.states:
            arrays = [np.asarray(e, np.float32) for e in exemplars]
            if not arrays or any(a.shape != (size,) for a in arrays):
                raise ConfigError(f"screen state {state_id!r} has a malformed signature")
            states._states[state_id] = _State(state_id, arrays, count)
        return states
