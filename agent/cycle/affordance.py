"""Affordance memory: what clicking things that look like this did on this screen.

A person soon learns which things on a screen do nothing. For each screen state the learner keeps
its recent clicks: the target's look (appearance descriptor), its coarse key, what was selected
just before (the target of a click that changed the screen without leaving the state) and whether
the screen changed. `chances` estimates, for targets on the current frame, the chance that a
click acts, from the clicks on alike-looking targets:

    p = (acted + 1) / (clicks + 2)     clicks on targets that look alike (appearance >= ALIKE),
                                       with the same selection (or none); under another
                                       selection a click counts OTHER_SELECTION; a look never
                                       clicked is 0.5
Targets without a descriptor, or whose look was never clicked, match by key where what was
clicked there resembles them (appearance >= PLACE: a counter whose digits changed). A look
never clicked on this screen at all
takes what alike looks did on the game's other screens (the last ELSEWHERE clicks): a label that
did nothing on one combat screen is not tried again on the next. Only the last LIMIT clicks of a
state count, so a dead button that wakes is found again.

A state is coarse: a card that can be played and one that cannot (the energy is spent) are on
one screen state. Each click keeps the exact marks on screen (every candidate's place and exact
look) and its moment (clicks that acted so far). A look that did nothing at NEVER_WITH moments,
and at half or more of those at which it did nothing, while a mark now on screen was there, and
acted at NEVER_WITH + 1 moments, none with that mark, has chance 0 while the mark is there: a
card while the game says it cannot be played (a counter that read the same at two of many such
moments is a coincidence, not a sign). This rule learns from a longer memory, the last MARKS x
LIMIT clicks of the state: once it works, the clicks that taught it are no longer made, and with
only the last LIMIT it would forget and teach itself again (one combat screen can hold most of a
run's clicks).

`tried_before` tells a target that looks new at a place tried before (a node that now glows) from
one tried there; `seen_here`, whether a look was clicked on this screen at all.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.perception.descriptor import LENGTH, look, similarities
from agent.types import Target

ALIKE = 0.85
PLACE = 0.6
OTHER_SELECTION = 1 / 3
LIMIT = 160
ELSEWHERE = 640
INERT = 0.3
"""Below this chance a target is known to do nothing here (two alike clicks, none acted)."""
NEVER_WITH = 2
"""Moments (and one more that acted) that make something on screen a sign of doing nothing."""
MARKS = 4
"""The marks rule (see the module docstring) learns from the last MARKS x LIMIT clicks."""


@dataclass(frozen=True)
class _Click:
    look: np.ndarray | None
    key: str
    under: bool
    selected: np.ndarray | None
    acted: bool
    marks: frozenset[int] = frozenset()
    moment: int = 0


def _marks(candidates: Sequence) -> frozenset[int]:
    """What exactly is on screen, to tell apart moments of one screen state: per candidate its
    place and its exact look (a message shown, a counter at one value)."""
    return frozenset(
        hash((c.box.x // 4, c.box.y // 4, c.box.w // 4, c.box.h // 4, c.descriptor))
        for c in candidates
    )


def _look(target: Target | None) -> np.ndarray | None:
    return look(tuple(target.descriptor)) if has_look(target) else None


def has_look(target: Target | None) -> bool:
    """Whether `target` has a look (an appearance descriptor) to compare."""
    return target is not None and len(target.descriptor) == LENGTH


def appearance(
    a: Sequence[np.ndarray | None] | Looks, b: Sequence[np.ndarray | None] | Looks
) -> np.ndarray:
    """The appearance similarity of each look of `a` with each look of `b`: n x m in 0..1, 0
    where either has no look.

    Looks compared are agent.perception.descriptor.look arrays: one array object per look, so
    each distinct object is compared once (a state's clicks repeat the same few targets)."""
    a, b = (x if isinstance(x, Looks) else Looks(x) for x in (a, b))
    out = np.zeros((a.n, b.n), np.float32)
    if a.have and b.have:
        sims = similarities(a.rows, b.rows)
        out[np.ix_(a.have, b.have)] = sims[np.ix_(a.index, b.index)]
    return out


class Looks:
    """A sequence of looks (or None) made ready for `appearance`: its distinct look objects
    stacked once, so a sequence compared again and again (a state's clicks) is sorted out once."""

    __slots__ = ("have", "index", "n", "rows")

    def __init__(self, looks: Sequence[np.ndarray | None]) -> None:
        self.n = len(looks)
        self.have = [i for i, x in enumerate(looks) if x is not None]
        rows, self.index = _distinct([looks[i] for i in self.have])
        self.rows = np.stack(rows) if rows else None


def alike(
    a: Sequence[np.ndarray | None] | Looks, b: Sequence[np.ndarray | None] | Looks
) -> np.ndarray:
    """Whether each look of `a` is alike (appearance >= ALIKE) each look of `b`: n x m
    booleans."""
    return appearance(a, b) >= ALIKE


SAME_SHAPE = 1.5
"""Boxes of one kind of thing: width and height each within this factor."""


def alike_any(targets: Sequence[Target | None], others: Sequence[Target | None]) -> list[bool]:
    """Whether each of `targets` is alike one of `others`: a look alike (appearance >= ALIKE)
    and a box of the same shape and size (targets without a look: never)."""
    out = [False] * len(targets)
    known = [t for t in others if has_look(t)]
    if not known:  # the common case (nothing just did nothing): no look is computed
        return out
    mine = [_look(t) for t in targets]
    have = [i for i, m in enumerate(mine) if m is not None]
    if not have:
        return out
    looks = alike([mine[i] for i in have], [_look(t) for t in known])
    for row, i in enumerate(have):
        box = targets[i].box
        out[i] = any(looks[row, j] and _same_shape(box, t.box) for j, t in enumerate(known))
    return out


def tried_before(
    targets: Sequence[Target | None], keys: Sequence[str], tried: dict[str, list[Target | None]]
) -> list[bool]:
    """Whether each of `targets` (at coarse `keys`) was tried: something clicked at its key
    resembled it (appearance >= PLACE: a counter whose digits changed is the same thing, a node
    that now glows is new). Where either has no look, the key alone says."""
    out = [k in tried for k in keys]
    rows = [i for i, k in enumerate(keys) if out[i] and has_look(targets[i])]
    if rows:
        past = [(k, t) for k in {keys[i] for i in rows} for t in tried[k]]
        at = np.array([k for k, _ in past], object)
        blind = np.array([not has_look(t) for _, t in past], bool)
        sims = appearance([_look(targets[i]) for i in rows], [_look(t) for _, t in past])
        for row, i in enumerate(rows):
            out[i] = bool(((sims[row] >= PLACE) | blind)[at == keys[i]].any())
    return out


def _same_shape(a, b) -> bool:
    def near(x: int, y: int) -> bool:
        return max(x, y) <= SAME_SHAPE * max(1, min(x, y))

    return near(a.w, b.w) and near(a.h, b.h)


def _distinct(looks: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[int]]:
    rows: list[np.ndarray] = []
    seen: dict[int, int] = {}
    index = []
    for row in looks:
        if id(row) not in seen:
            seen[id(row)] = len(rows)
            rows.append(row)
        index.append(seen[id(row)])
    return rows, index


class Affordances:
    """Per screen state, the recent clicks and whether they acted (see the module docstring)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._limit = limit
        self._clicks: dict[str, deque[_Click]] = {}
        """Per state, the last MARKS x `limit` clicks: the marks rule learns from them all,
        everything else from the last `limit`."""
        self._columns: dict[str, _Columns] = {}
        """Per state, its clicks as arrays (built when first asked after a new click)."""
        self._everywhere: deque[tuple[str, _Click]] = deque(maxlen=ELSEWHERE)
        self._marks: frozenset[int] = frozenset()
        self._moment = 0
        """Clicks that acted so far: clicks between two of them saw one moment."""

    def see(self, candidates: Sequence) -> None:
        """The candidates of the frame now (the next note's, and chances' until the next)."""
        self._marks = _marks(candidates)

    def note(
        self,
        state_id: str,
        selected: Target | None,
        target: Target | None,
        key: str,
        acted: bool,
    ) -> None:
        """One click on `target` (coarse `key`) in a state, with `selected` selected before."""
        click = _Click(
            _look(target),
            key,
            selected is not None,
            _look(selected),
            acted,
            self._marks,
            self._moment,
        )
        self._moment += acted
        self._clicks.setdefault(state_id, deque(maxlen=MARKS * self._limit)).append(click)
        self._columns.pop(state_id, None)
        self._everywhere.append((state_id, click))

    def chances(
        self,
        state_id: str,
        selected: Target | None,
        targets: Sequence[tuple[Target | None, str]],
    ) -> list[float]:
        """The chance that clicking each (target, key) acts now, in 0..1 (0.5 when unknown)."""
        if not targets:
            return []
        looks = [_look(t) for t, _ in targets]
        columns = self._columns_of(state_id)
        long = columns.clicks
        start = max(0, len(long) - self._limit)
        here = long[start:]
        # looks and selections are compared once, over the long memory; `here` is its tail
        long_weight = columns.weights(selected)
        long_sims = appearance(looks, columns.looks)
        weight, sims = long_weight[start:], long_sims[:, start:]
        w = (sims >= ALIKE) * weight
        acted = columns.acted[start:]
        no_look = columns.no_look[start:]
        keys = columns.keys[start:]
        known = w.sum(axis=1)
        for i, (_, key) in enumerate(targets):
            if known[i] == 0:  # no look, or a look never clicked here: what was at its place,
                # where that resembled it (a counter whose digits changed; a node that now
                # glows is new) or either has no look
                at_place = keys == key
                if looks[i] is None:
                    at_place &= no_look
                else:
                    at_place &= no_look | (sims[i] >= PLACE)
                w[i] = at_place * weight
        p = _estimate(w, acted)
        alike_long = (long_sims >= ALIKE) * long_weight
        for i in np.flatnonzero(p >= INERT):  # the marks rule (see the module docstring), on
            # the long memory; without a look, on what was clicked at its place recently
            if looks[i] is None:
                p[i] = 0.0 if _never_with(w[i], here, self._marks) else p[i]
            elif _never_with(alike_long[i], long, self._marks):
                p[i] = 0.0
        unknown = [i for i, row in enumerate(w) if looks[i] is not None and not row.any()]
        if unknown:  # nothing known on this screen: what alike looks did on the others
            there = _Columns([c for s, c in self._everywhere if s != state_id])
            far = alike([looks[i] for i in unknown], there.looks) * there.weights(selected)
            p[unknown] = _estimate(far, there.acted)
        return [float(x) for x in p]

    def seen_here(self, state_id: str, targets: Sequence[Target | None]) -> list[bool]:
        """Whether something looking like each of `targets` was clicked in this state (among
        its last LIMIT clicks); a target without a look: True."""
        columns = self._columns_of(state_id)
        looks = [_look(t) for t in targets]
        sims = appearance(looks, columns.looks)[:, max(0, len(columns.clicks) - self._limit) :]
        return [x is None or bool((row >= ALIKE).any()) for x, row in zip(looks, sims, strict=True)]

    def _columns_of(self, state_id: str) -> _Columns:
        columns = self._columns.get(state_id)
        if columns is None:
            columns = self._columns[state_id] = _Columns(list(self._clicks.get(state_id, ())))
        return columns


def _never_with(weights: np.ndarray, clicks: Sequence[_Click], now: frozenset[int]) -> bool:
    """Whether something on screen now (a mark) was there at counted clicks (`weights` > 0)
    that did nothing at NEVER_WITH or more moments (told apart by clicks that acted), at half
    or more of those, and at none that acted: a card clicked while the game says it cannot be
    played."""
    counted = [clicks[j] for j in np.flatnonzero(weights)]
    dead = {c.moment: c.marks & now for c in counted if not c.acted}  # one click a moment
    if len(dead) < NEVER_WITH or len({c.moment for c in counted if c.acted}) < NEVER_WITH + 1:
        return False  # too little known: anything on screen at two moments is a suspect
    seen = Counter(m for d in dead.values() for m in d)
    often = {m for m, n in seen.items() if n >= max(NEVER_WITH, len(dead) / 2)}
    for c in counted:
        if not often:
            break
        if c.acted:
            often -= c.marks
    return bool(often)


def _estimate(weights: np.ndarray, acted: np.ndarray) -> np.ndarray:
    """The chance to act of each row of `weights` (how much each click counts): Laplace's rule
    over the clicks, so 0.5 for a row with no clicks."""
    return (weights @ acted + 1.0) / (weights.sum(axis=1) + 2.0)


class _Columns:
    """Clicks as arrays, for `chances`, which asks about a state's clicks several times a step:
    built once per new click."""

    def __init__(self, clicks: list[_Click]) -> None:
        self.clicks = clicks
        self.looks = Looks([c.look for c in clicks])
        self.acted = np.array([c.acted for c in clicks], np.float32)
        self.no_look = np.array([c.look is None for c in clicks], bool)
        self.keys = np.array([c.key for c in clicks], object)
        self._under = np.array([c.under for c in clicks], bool)
        self._with_look = [j for j, c in enumerate(clicks) if c.under and c.selected is not None]
        self._selected = Looks([clicks[j].selected for j in self._with_look])

    def weights(self, selected: Target | None) -> np.ndarray:
        """How much each click counts under the current selection: 1 for the same selection
        (or none for none), OTHER_SELECTION for another one, 0 across selected / not
        selected."""
        if selected is None:
            return (~self._under).astype(np.float32)
        weight = self._under * np.float32(OTHER_SELECTION)
        now = _look(selected)
        if now is not None and self._with_look:
            same = alike([now], self._selected)[0]
            weight[self._with_look] = np.where(same, 1.0, OTHER_SELECTION)
        return weight.astype(np.float32)
