"""Decision memo: the VLM proposer's cache of what the model chose, per context, reused for free.

EGuR's cheapest strategy is "no model call at all". Exact screens rarely repeat in a game (a
number changes, a card moves), so the memo caches the model's *choices* per context instead:

    context   the screen state, plus the target the last action hit when that action changed the
              screen without leaving the state (a selection, a played card): "what comes next"
    choices   how often the model picked each target (a coarse, coordinate-free target key)

A context the model was asked about `trust_after` times is answered from the memo: the most
chosen target that is on screen and has not just failed on this very screen (a click that left
the screen unchanged is crossed out, so the next choice is tried). The model is still asked now
and then, with a probability that falls as the context gathers answers (1 / asks³, never below
`floor`), so a changed situation is noticed; everything is seeded, so runs repeat.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from agent.brains.vlm_view import screen_key
from agent.cycle.targets import target_key
from agent.types import Action, Frame, Rect

MAX_CONTEXTS = 4096


@dataclass
class _Entry:
    choices: Counter[str] = field(default_factory=Counter)
    asks: int = 0


@dataclass(frozen=True)
class _Last:
    state_id: str
    screen: str
    context: str
    target: str


class DecisionMemo:
    """Per-context counts of the model's choices; see the module docstring."""

    def __init__(self, trust_after: int = 2, floor: float = 0.005, seed: int = 0) -> None:
        self.trust_after = trust_after
        self.floor = floor
        self._rng = random.Random(seed)
        self._entries: dict[str, _Entry] = {}
        self._failed: tuple[str, set[str]] = ("", set())
        self._last: _Last | None = None
        self._screen = ""
        self.hits = 0
        """Decisions answered from the memo."""
        self.why: Counter[str] = Counter()
        """Why the model was asked: "new" context, "random" re-ask, choices "absent"."""

    def context(self, state_id: str, frame: Frame) -> str:
        """The context of this decision (and note whether the last action changed the screen)."""
        screen = self._screen = screen_key(frame)
        last = self._last
        if last is None or last.state_id != state_id:
            return state_id
        if last.screen == screen:  # the last action did nothing here: cross it out, same context
            if self._failed[0] != screen:
                self._failed = (screen, set())
            self._failed[1].add(last.target)
            return last.context
        return f"{state_id}|{last.target}" if last.target else state_id

    def recall(self, context: str, keys: list[str]) -> int | None:
        """The index (into `keys`, the candidates' target keys) to click, or None: ask the model."""
        entry = self._entries.get(context)
        if entry is None or entry.asks < self.trust_after:
            self.why["new"] += 1
            return None
        if self._rng.random() < max(self.floor, 1.0 / entry.asks**3):
            self.why["random"] += 1
            return None
        crossed = self._failed[1] if self._failed[0] == self._screen else set()
        for key, _count in entry.choices.most_common():
            if key in crossed:
                continue
            if key in keys:
                self.hits += 1
                return keys.index(key)
        self.why["absent"] += 1
        return None

    def learn(self, context: str, key: str) -> None:
        """The model chose `key` in `context`."""
        entry = self._entries.get(context)
        if entry is None:
            if len(self._entries) >= MAX_CONTEXTS:
                self._entries.pop(next(iter(self._entries)))
            entry = self._entries[context] = _Entry()
        entry.asks += 1
        if key:
            entry.choices[key] += 1

    def acted_on(self, state_id: str, frame: Frame, context: str, action: Action | None) -> None:
        """Remember the action taken from this frame, to judge it at the next decision."""
        self._last = _Last(state_id, screen_key(frame), context, key_of(action, frame))


def box_key(box: Rect, frame: Frame) -> str:
    """The coarse, coordinate-free key of a box on a frame (agent.cycle.targets)."""
    return target_key(box, frame.width / frame.scale, frame.height / frame.scale)


def key_of(action: Action | None, frame: Frame) -> str:
    """The coarse target key an action aimed at ("" when it had no target)."""
    target = getattr(action, "target", None)
    return "" if target is None else box_key(target.box, frame)
