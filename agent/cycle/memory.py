"""Screen-state memory shared through the library: perception's ScreenStates, kept in step with
the states other processes and earlier runs stored.

The ScreenStates id of a frame ("s-1a2b...") is the library State's signature, and its signature
vector is stored on the State; so a later run, or a second process on the same library, matches a
frame to the same State. On start the library's states are loaded; whenever this process is about
to create a new state it first pulls states written elsewhere since it last looked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from agent.perception.state import ScreenStates, signature
from agent.types import Frame

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Seen:
    """One frame's state: the library state id, its signature and how often it was visited."""

    state_id: str
    signature: str
    visits: int
    new: bool


class StateMemory:
    """Maps frames to library States (match or create), counting one visit per `see`."""

    def __init__(self, graph, threshold: float) -> None:
        self._graph = graph
        self.states = ScreenStates(threshold)
        self._watermark = 0
        self._known: set[str] = set()
        self._vectors: dict[str, np.ndarray] = {}
        self._signatures: dict[str, str] = {}
        self.pull()

    def pull(self) -> int:
        """Load states stored since the last pull (by anyone); returns how many were new here."""
        store = self._graph.store
        changes = store.changes(self._watermark)
        self._watermark = changes.watermark
        added = 0
        # In id order, not the order they were stored in: stored states close enough to be one
        # here are joined to whichever comes first, so a library of the same content (merged
        # in another order, or learnt from recordings) must give the same screen states.
        for node in sorted(n for n in changes.nodes if n.startswith("st_")):
            if node in self._known:
                continue
            state = store.get_state(node)
            self._known.add(node)
            self._signatures[node] = state.signature
            if state.vector and state.signature.startswith("s-"):
                vector = np.asarray(state.vector, np.float32)
                self.states.observe_vector(vector, state.signature[2:])
                self._vectors[state.signature] = vector
                added += 1
        return added

    def see(self, frame: Frame, signed: tuple[str, np.ndarray] | None = None) -> Seen:
        """The state of a frame, after counting a visit (in the library, shared by everyone).

        `signed`: the frame's (key, vector) signature when the caller already has it."""
        key, vector = signed if signed is not None else signature(frame)
        if self.states.lookup_vector(vector) is None:
            self.pull()
        sig = self.states.observe_vector(vector, key)
        new = sig not in self._vectors
        stored: tuple[float, ...] = ()  # a state seen or pulled before is in the library
        if new:
            self._vectors[sig] = vector
            stored = tuple(np.round(vector.astype(np.float64), 5).tolist())
        state = self._graph.state(sig, stored)
        self._known.add(state.id)
        self._signatures[state.id] = sig
        return Seen(state.id, sig, state.total_visits, new)

    def signature_of(self, state_id: str) -> str:
        """The signature of a state seen or pulled by this memory ("" when unknown)."""
        return self._signatures.get(state_id, "")

    def similar(self, sig: str, limit: int = 2, factor: float = 1.6) -> list[str]:
        """Signatures of other states within `factor` x threshold of this one, nearest first."""
        from agent.perception.state import distance

        mine = self._vectors.get(sig)
        if mine is None:
            return []
        near = sorted((distance(mine, v), s) for s, v in self._vectors.items() if s != sig)
        cut = self.states.threshold * factor
        return [s for d, s in near[:limit] if d < cut]
