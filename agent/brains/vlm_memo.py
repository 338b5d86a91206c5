"""Decision memo: the VLM proposer's cache of what the model chose, per context, reused for free.

EGuR's cheapest strategy is "no model call at all". Exact screens rarely repeat in a game (a
number changes, a card moves), so the memo caches the model's *choices* per context instead:

    context   the screen state, plus what is selected in it as the learner sees it (a card
              clicked and not yet played), else the target the last action hit when it changed
              the screen without leaving the state (a played card): "what comes next"; a target
              counts by its look (a card is the same lesson in every slot), else its place
    choices   how often the model picked each target: where it was (a coarse, coordinate-free
              target key) and how it looked (one of the memo's looks, shared by all contexts:
              descriptors at least `alike` similar share one)
    ranking   an element on screen is as likely the model's pick as the model chose its look
              plus its place here: an element that is always the same (a button) does not
              outrank one the model chose in varied looks at one place (whichever foe stands
              there); an element of a look never chosen here counts by its place alone
    trust     per look, whether a memo pick of that look stands in for the model here: each time
              the model is asked in a known context, the memo's top pick (and the pick it would
              have answered with) is checked against the model's answer (the same look agrees:
              elements that look alike act alike; a pick of a look never chosen, the same
              place); a memo pick that did nothing or was undone counts against its look

A context the model was asked about `trust_after` times is answered from the memo with the
best-ranked element whose look is trusted (a Beta(1, 1) mean of its checks above `trust`; a look
never checked here is trusted only if the model chose nothing else here -- one answer of two is
no evidence that it stands for the other -- or as the next try after a pick that did nothing);
with none, the model is asked.
So a look the model does not pick here (a button that only ends a turn when nothing else can be
done) is passed over for the next one, and where the right element moves with the situation (a
map whose reachable nodes change every floor) the checks disagree and the model keeps being
asked. A memo pick that did nothing, or that brought back a screen of the last few steps (a
selection undone, a toggle), is crossed out on the screen it was picked on for as long as that
screen is recent, and a screen seen a moment ago is back in the context it had then. After a
pick that did nothing, the next trusted look is tried (a button once no card can be played);
when that does nothing too, or after an undone pick, the next decision goes to the model. The
model is also asked now and then, with a probability that falls as the context gathers answers
and the picked look gathers checks (1 / asks³ and 1 / (2 + checks)², never below `floor`), so a
look trusted on little evidence is soon checked and a changed situation is noticed. A look's
checks in every context of the state count while none here went against it (experience is
reused), and every `worked` (2) memo picks of it here that changed the screen and were not undone
count as one more (model calls fall as the memo's own picks keep working); everything is
seeded, so runs repeat.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from agent.brains.vlm_view import screen_key
from agent.cycle.targets import target_key
from agent.perception.descriptor import appearance_similarity
from agent.perception.objects import Candidate
from agent.types import Action, Frame, Rect, Target

MAX_CONTEXTS = 4096
RECENT = 4
"""A memo pick that brings back one of this many recent screens of the state undid something."""
MAX_LOOKS = 512
"""Distinct looks remembered (later ones count as one unknown look)."""


@dataclass
class _Entry:
    choices: Counter[str] = field(default_factory=Counter)
    asks: int = 0
    agreed: Counter[str] = field(default_factory=Counter)
    disagreed: Counter[str] = field(default_factory=Counter)
    """Per look ("None": an element picked for its place), checks for and against the memo."""
    worked: Counter[str] = field(default_factory=Counter)
    """Per look, memo picks that changed the screen and were not undone."""

    def trust(self, look: str, retry: bool = False) -> float:
        """How often a memo pick of `look` here matched the model (Beta(1, 1) mean of checks).
        A look never checked here counts only if the model chose nothing else here, or (`retry`)
        as the model's other choice once its usual one did nothing."""
        if not self.agreed[look] + self.disagreed[look] and not retry:
            return float(all(_look(c) == look for c in self.choices))
        return (self.agreed[look] + 1) / (self.agreed[look] + self.disagreed[look] + 2)


@dataclass(frozen=True)
class _Last:
    state_id: str
    screen: str
    context: str
    what: str
    """What the action clicked, as a context names it (`DecisionMemo._what`; "" for nothing)."""
    pick: str | None


class DecisionMemo:
    """Per-context counts of the model's choices; see the module docstring."""

    def __init__(
        self,
        trust_after: int = 2,
        trust: float = 0.4,
        alike: float = 0.8,
        floor: float = 0.005,
        worked: float = 2,
        seed: int = 0,
    ) -> None:
        self.trust_after = trust_after
        self.trust = trust
        self.alike = alike
        self.floor = floor
        self.worked = worked
        """Memo picks of a look that worked count as one check of it (for re-asking)."""
        self._rng = random.Random(seed)
        self._entries: dict[str, _Entry] = {}
        self._looks: list[tuple[float, ...]] = []
        self._checked: Counter[tuple[str, str]] = Counter()
        """Per (state, look): how often memo picks of that look were checked, in any context."""
        self._failed = False
        self._retry = False
        self._last: _Last | None = None
        self._screen = ""
        self._state = ""
        self._recent: dict[str, str] = {}
        """The last few screens of the state, oldest first, each with its context."""
        self._crossed: dict[str, set[str]] = {}
        """Per recent screen, the looks whose memo pick there did nothing or was undone."""
        self._pick: str | None = None
        """The choice the memo answers with (or would have, had the model not been asked)."""
        self._checks: list[str] = []
        """The picks the model's answer is checked against: the top-ranked, and `_pick` (or the
        best pick never checked here, when none is trusted)."""
        self.hits = 0
        """Decisions answered from the memo."""
        self.why: Counter[str] = Counter()
        """Why the model was asked: "new" context, "untrusted", "failed" memo pick, "random"
        re-ask, choices "absent"."""

    def context(self, state_id: str, frame: Frame, selected: Target | None = None) -> str:
        """The context of this decision (and note whether the last action changed the screen)."""
        screen = screen_key(frame)
        self._state = state_id
        last = self._last
        self._failed, self._retry, self._pick = False, False, None
        if last is None or last.state_id != state_id:
            self._recent.clear()
            self._crossed.clear()
            return self._enter(screen, state_id)
        undone = screen in self._recent  # nothing changed, or back to a screen of just before
        entry = self._entries.get(last.context)
        from_memo = last.pick is not None
        if from_memo and entry is not None:  # the memo's own pick did nothing, or something
            (entry.disagreed if undone else entry.worked)[_look(last.pick)] += 1
        self._failed = undone and from_memo
        if self._failed:  # crossed out on the screen it was picked on
            self._crossed.setdefault(last.screen, set()).add(_look(last.pick))
            self._retry = last.screen == screen and len(self._crossed[screen]) == 1
        if selected is not None:  # what comes next depends on what is selected
            return self._enter(screen, f"{state_id}|holds {self._what(selected, frame)}")
        if undone:  # the same situation as when this screen was last seen
            return self._enter(screen, self._recent[screen])
        return self._enter(screen, f"{state_id}|{last.what}" if last.what else state_id)

    def _what(self, target: Target, frame: Frame) -> str:
        """A target as a context names it: its look (a card is the same lesson in every slot),
        else its place."""
        look = self._look_of(target.descriptor)
        return f"look {look}" if look is not None else box_key(target.box, frame)

    def _enter(self, screen: str, context: str) -> str:
        """Note `screen` as the latest of the recent screens, in `context`; returns `context`."""
        self._screen = screen
        self._recent.pop(screen, None)
        self._recent[screen] = context
        while len(self._recent) > RECENT:
            oldest = next(iter(self._recent))
            del self._recent[oldest]
            self._crossed.pop(oldest, None)
        return context

    def recall(self, context: str, marked: Sequence[Candidate], frame: Frame) -> int | None:
        """The index into `marked` (the candidates on screen) to click, or None: ask the model."""
        entry = self._entries.get(context)
        index = None
        self._checks = []
        if entry is not None and entry.choices:
            ranked = self._ranked(entry, marked, frame, self._crossed.get(self._screen, set()))
            choices = [self._choice(marked[i], frame) for i in ranked]
            trusted = [c for c in choices if entry.trust(_look(c), self._retry) > self.trust]
            if trusted:
                index, self._pick = ranked[choices.index(trusted[0])], trusted[0]
            # with none trusted, the best pick never checked here is checked (so it can be)
            tried = trusted or [c for c in choices if entry.trust(_look(c), True) > self.trust]
            self._checks = list(dict.fromkeys(choices[:1] + tried[:1]))
        if entry is None or entry.asks < self.trust_after:
            return self._ask("new")
        if self._failed and (not self._retry or index is None):
            return self._ask("failed")  # nothing else the model chose here, or a second failure
        if index is None:
            return self._ask("untrusted" if self._checks else "absent")
        if self._rng.random() < self._recheck(entry, _look(self._pick)):
            return self._ask("random")
        self.hits += 1
        return index

    def _recheck(self, entry: _Entry, look: str) -> float:
        """The chance the model is asked anyway: falling as the context gathers answers and as
        the picked look gathers checks (1 / asks³ and 1 / (2 + checks)², never below `floor`),
        so a look trusted for want of checks is soon checked, and a changed situation noticed."""
        checks = entry.agreed[look] + entry.disagreed[look]
        if not entry.disagreed[look]:
            checks = max(checks, self._checked[(self._state, look)])
        checks += entry.worked[look] / self.worked
        return max(self.floor, 1.0 / entry.asks**3, 1.0 / (2 + checks) ** 2)

    def _ranked(
        self, entry: _Entry, marked: Sequence[Candidate], frame: Frame, crossed: set[str]
    ) -> list[int]:
        """Indices into `marked` of the elements the model chose the look or place of, most
        chosen first (look votes plus place votes). Looks in `crossed` (a memo pick of that look
        did nothing on this screen) are passed over."""
        by_look: Counter[str] = Counter()
        by_place: Counter[str] = Counter()
        for choice, n in entry.choices.items():
            by_look[_look(choice)] += n
            by_place[_place(choice)] += n
        by_look.pop("None", None)  # elements of no look count by their place only
        scored = []
        for i, cand in enumerate(marked):
            choice = self._choice(cand, frame)
            look = _look(choice)
            if look in crossed:
                continue
            votes = by_look[look] + by_place[_place(choice)]
            if votes:
                scored.append((votes, entry.choices[choice], -i))
        return [-k[2] for k in sorted(scored, reverse=True)]

    def _choice(self, cand: Candidate, frame: Frame, add: bool = False) -> str:
        return f"{box_key(cand.box, frame)}@{self._look_of(cand.descriptor, add)}"

    def _look_of(self, descriptor: tuple[float, ...], add: bool = False) -> int | None:
        """The index of the look `descriptor` shares (a new one when `add`), or None."""
        if not descriptor:
            return None
        for i, seen in enumerate(self._looks):
            if appearance_similarity(descriptor, seen) >= self.alike:
                return i
        if not add or len(self._looks) >= MAX_LOOKS:
            return None
        self._looks.append(descriptor)
        return len(self._looks) - 1

    def _ask(self, why: str) -> None:
        """Count why the model is asked; None (no memo answer)."""
        self.why[why] += 1
        return None

    def learn(self, context: str, action: Action, frame: Frame) -> None:
        """The model chose `action` in `context` (checked against the memo's pick of `recall`)."""
        entry = self._entries.get(context)
        if entry is None:
            if len(self._entries) >= MAX_CONTEXTS:
                self._entries.pop(next(iter(self._entries)))
            entry = self._entries[context] = _Entry()
        target = getattr(action, "target", None)
        choice = None
        if target is not None:
            cand = Candidate(target.box, target.descriptor, target.text)
            choice = self._choice(cand, frame, add=True)
            entry.choices[choice] += 1
        for pick in self._checks:
            counts = entry.agreed if _alike(pick, choice) else entry.disagreed
            counts[_look(pick)] += 1
            self._checked[(self._state, _look(pick))] += 1
        entry.asks += 1

    def acted_on(
        self, state_id: str, frame: Frame, context: str, action: Action | None, from_memo: bool
    ) -> None:
        """Remember the action taken from this frame, to judge it at the next decision."""
        pick = self._pick if from_memo else None
        target = getattr(action, "target", None)
        what = "" if target is None else self._what(target, frame)
        self._last = _Last(state_id, screen_key(frame), context, what, pick)


def _alike(pick: str, choice: str | None) -> bool:
    """Whether the memo's pick stands for the model's choice: the same look (elements that look
    alike act alike: any of three equal cards), or for a pick of a look never chosen here (an
    element picked for its place), the same place."""
    if choice is None:
        return False
    look = _look(pick)
    return _look(choice) == look if look != "None" else _place(pick) == _place(choice)


def _place(choice: str) -> str:
    """The grid cell of a choice key, whatever the element's size ("cell 3,6")."""
    return " ".join(choice.split(" ", 2)[:2])


def _look(choice: str) -> str:
    """The look part of a choice key ("None" for an element of no look)."""
    return choice.rsplit("@", 1)[1]


def box_key(box: Rect, frame: Frame) -> str:
    """The coarse, coordinate-free key of a box on a frame (agent.cycle.targets)."""
    return target_key(box, frame.width / frame.scale, frame.height / frame.scale)
