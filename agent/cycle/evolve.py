"""Evolve: Beta statistics per skill, suspension of weak skills, refined preconditions.

value(skill)   posterior-mean reward: 0.25 acted + 0.25 consistent + 0.5 progressive
credit         a run is recorded `horizon` steps after it ended, and counts as progressive
               when progress (the signal rose, or a rare state was reached) came within
               them: the clicks that set up a win share its credit, not only the last one;
               a setback within them (see Learner) takes that credit back
suspend        a skill run more than `min_runs` times whose value is below `below` and that
               mostly did nothing (one that acts but not as expected stays on offer: its
               value ranks it)
refine         where a skill keeps failing, its state goes to not_when (it is no longer
               offered there); where it succeeded, to applies_when
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from dataclasses import dataclass, replace

from agent.brains.base import Judgement
from skills.model import Skill, SkillStats

log = logging.getLogger(__name__)

MAX_PRECONDITIONS = 12


def value(stats: SkillStats) -> float:
    """Posterior-mean reward of a skill in 0..1 (uniform Beta priors: an unrun skill is 0.5)."""
    return 0.25 * stats.acted.mean + 0.25 * stats.consistent.mean + 0.5 * stats.progressive.mean


def expected_state(graph, skill_id: str, state_id: str) -> str | None:
    """The state this skill most often led to from `state_id` (None when never run there)."""
    best = None
    for edge in graph.neighbours(state_id, "leads_to"):
        if (
            edge.src == state_id
            and edge.key == skill_id
            and (best is None or edge.total > best.total)
        ):
            best = edge
    return best.dst if best else None


@dataclass(frozen=True)
class _Done:
    at: int
    skill: Skill
    state_id: str
    signature: str
    judgement: Judgement
    next_state: str
    cost: float


class Evolver:
    """Records outcomes and keeps the library's skills honest (see the module docstring)."""

    def __init__(self, graph, min_runs: int = 4, below: float = 0.4, horizon: int = 8) -> None:
        self._graph = graph
        self._horizon = horizon
        self._clock = 0
        self._queue: deque[_Done] = deque()
        self._min_runs = min_runs
        self._below = below
        self._fails: Counter[tuple[str, str]] = Counter()
        self._wins: set[tuple[str, str]] = set()
        self.suspended: list[str] = []

    def record(
        self,
        skill: Skill,
        state_id: str,
        signature: str,
        judgement: Judgement,
        next_state: str,
        cost: float,
    ) -> None:
        """Queue one finished run; it is written once its credit horizon has passed."""
        done = _Done(self._clock, skill, state_id, signature, judgement, next_state, cost)
        self._queue.append(done)
        self._flush(self._clock - self._horizon)

    def tick(self, progressed: bool) -> None:
        """One step passed; `progressed`: progress came in it (credit the queued runs)."""
        self._clock += 1
        if progressed:
            self._queue = deque(
                replace(d, judgement=replace(d.judgement, progressive=True)) for d in self._queue
            )
        self._flush(self._clock - self._horizon)

    def setback(self) -> None:
        """A setback came (a state after which the progress signal fell was reached): the runs
        still queued led there, they are not progress."""
        self._queue = deque(
            replace(d, judgement=replace(d.judgement, progressive=False)) for d in self._queue
        )

    def undo_last(self) -> None:
        """The last queued run was undone by what came after (the screen went back to what it
        was before it): it was not the effect a skill is for, and no progress."""
        if self._queue:
            last = self._queue[-1]
            j = replace(last.judgement, consistent=False, progressive=False, reward=0.0)
            self._queue[-1] = replace(last, judgement=j)

    def flush(self) -> None:
        """Write every queued run now (end of a run)."""
        self._flush(self._clock + 1)

    def _flush(self, before: int) -> None:
        while self._queue and self._queue[0].at <= before:
            self._write(self._queue.popleft())

    def _write(self, done: _Done) -> None:
        skill, state_id, signature, j = done.skill, done.state_id, done.signature, done.judgement
        next_state, cost = done.next_state, done.cost
        self._graph.record_outcome(
            skill.id, state_id, j.acted, j.consistent, j.progressive, cost, next_state
        )
        after = skill.totals + SkillStats(
            acted=_beta(j.acted),
            consistent=_beta(j.consistent),
            progressive=_beta(j.progressive),
            runs=1,
        )
        if after.runs > self._min_runs and value(after) < self._below and after.acted.mean < 0.5:
            self._graph.suspend(skill.id)
            self.suspended.append(skill.id)
            log.info("suspended %s (%s): value %.2f", skill.id, skill.name, value(after))
            return
        self._refine(skill, signature, j)

    def _refine(self, skill: Skill, signature: str, j: Judgement) -> None:
        key = (skill.id, signature)
        if not j.acted:
            self._fails[key] += 1
            if self._fails[key] >= 2 and key not in self._wins and signature not in skill.not_when:
                not_when = (*skill.not_when, signature)[-MAX_PRECONDITIONS:]
                self._graph.update_skill(skill.model_copy(update={"not_when": not_when}))
                log.debug("refined %s: not when %s", skill.name, signature)
        elif key not in self._wins:
            self._wins.add(key)
            if signature not in skill.applies_when and len(skill.applies_when) < MAX_PRECONDITIONS:
                applies = (*skill.applies_when, signature)
                not_when = tuple(s for s in skill.not_when if s != signature)
                self._graph.update_skill(
                    skill.model_copy(update={"applies_when": applies, "not_when": not_when})
                )


def _beta(success: bool):
    from skills.model import Beta

    return Beta(successes=int(success), failures=int(not success))
