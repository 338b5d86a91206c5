"""Learn from recordings: feed recorded transitions (before, action, after) to a learner.

A library can grow from recordings made by any agent instance on any machine, without a live
game. For every usable step of every recording, in order, the learner gets the recorded Step
(`TransitionLearner.learn`). A learner comes from a factory given the Replay (game, agent id,
seed, for provenance and seeding) and a library location; it is closed after its recording.

Each recording is one instance's experience, so it is learned the way its run lived it: into a
fresh library of its own (`learn_one`). The recordings' libraries are then merged (skills.merge:
counters are kept per library, so the recordings' counts add up like independent instances') and
written into the target library in one transaction (`absorb_all`), so the result does not depend
on the order the recordings come in, and equals what merging the runs' own libraries gives.
Learning recordings one after another into one library instead judges each against the ones
before: a screen the first recording reached is no longer new in the second, so the click that
reaches it is not progressive there, and the library learns less from every later recording.
Absorbing them one after another would also leave a trace of their order: the library keeps the
guidelines written last when a state holds too many.

Recorded clicks without a Target (pixel coordinates only, as the random baseline or another
agent records them) are given the Target of the smallest perception candidate under the point
(`attach_target`), so the learner can turn them into object-relative skills.

`policy_learner` adapts any Policy (decide/observe) to a TransitionLearner: it lets the policy
perceive the recorded frame (decide), then observe the recorded step, action included. For the
learning agent replaying its own recordings in order with the same library state, its decisions
are the recorded ones, so learning reproduces the run's own library. On any other library state
(a second recording, another agent's run) it would often decide otherwise, say replay a skill
where the recording explored; observing the recorded step would then credit that skill with what
the recorded click did, and the click would never become a skill of its own. So when the
learning agent's decision is not the recorded action, it is told the recorded action was its
exploration (`follow`) before it observes the step.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from agent.errors import BottomupError
from agent.loop import Policy
from agent.perception.objects import candidates
from agent.replay.agreement import compare
from agent.replay.game import ReplayGame, loop_step
from agent.replay.reader import Replay
from agent.types import Action, Click, DoubleClick, Frame, RightClick, Step
from skills.merge import merge
from skills.model import digest
from skills.share import absorb, load
from skills.snapshot import Snapshot
from skills.store import SqlStore, open_store
from skills.store.sqlite import SqliteStore

log = logging.getLogger(__name__)


class TransitionLearner(Protocol):
    """Anything that learns from transitions it did not necessarily choose."""

    def learn(self, step: Step) -> None: ...

    def close(self) -> None: ...


LearnerFactory = Callable[[Replay, str], TransitionLearner]


class PolicyLearner:
    """A Policy used as a TransitionLearner: decide on the recorded frame, observe the record."""

    def __init__(self, policy: Policy, on_close: Callable[[], None] | None = None) -> None:
        self.policy = policy
        self._on_close = on_close

    def learn(self, step: Step) -> None:
        decided = self.policy.decide(step.before)
        if not compare(step.action, decided, boxes_of=lambda _frame: []).agrees:
            follow(self.policy, step.action)
        self.policy.observe(step)

    def ahead(self, content: str, load: Callable[[], Frame]) -> None:
        """Frames to come, for a policy that perceives ahead."""
        ahead = getattr(self.policy, "ahead", None)
        if ahead is not None:
            ahead(content, load)

    def close(self) -> None:
        close = getattr(self.policy, "close", None)
        if callable(close):
            close()
        if self._on_close:
            self._on_close()


def follow(policy: Policy, action: Action) -> None:
    """Make `action` the learning agent's pending decision, as an exploration (no skill run), so
    observing the recorded step learns what that action did. Other policies are left alone."""
    pending = getattr(policy, "_pending", None)
    if pending is None or not hasattr(policy, "_run"):
        return
    policy._pending = replace(pending, action=action, run=None)  # type: ignore[attr-defined]
    policy._run = None  # type: ignore[attr-defined]


def policy_learner(build: Callable[[Replay, str], Policy]) -> LearnerFactory:
    """A LearnerFactory from a function building a Policy for (replay, library)."""

    def factory(replay: Replay, library: str) -> TransitionLearner:
        return PolicyLearner(build(replay, library))

    return factory


def attach_target(action: Action, frame: Frame) -> Action:
    """`action` aimed at the smallest candidate under its point (unchanged if it has a Target,
    is not a click, or nothing is under it)."""
    if not isinstance(action, Click | DoubleClick | RightClick) or action.target is not None:
        return action
    under = [c for c in candidates(frame) if c.box.contains(action.x, action.y)]
    if not under:
        return action
    return replace(action, target=min(under, key=lambda c: c.box.area).target())


def recorded_steps(replay: Replay, *, targets: bool = True, ahead=None) -> Iterator[Step]:
    """The Steps the recorded run lived through, rebuilt as the loop built them (frame objects
    chained the same way: each step starts on the previous step's "after" frame); `ahead` as
    for ReplayGame."""
    game = ReplayGame(replay, boxes_of=lambda _frame: [], ahead=ahead)
    if not game.steps:
        return
    frame: Frame | None = game.reset()
    for recorded in game.steps:
        if frame is None:
            return
        action = attach_target(recorded.action, frame) if targets else recorded.action
        outcome = game.step(recorded.action)
        yield loop_step(recorded.index, frame, action, outcome)
        frame = game.next_frame()


@dataclass(frozen=True)
class LearnReport:
    """What one `learn` pass fed to the library."""

    library: str
    recordings: int
    steps: int
    seconds: float
    failed: tuple[str, ...] = ()

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Learned:
    """One recording learnt into a library of its own: what that library holds (None when the
    learner saved nothing), the steps fed, and why it stopped early (None when it did not)."""

    snapshot: Snapshot | None
    steps: int
    failed: str | None = None


def learn_one(
    replay: Replay,
    learner_factory: LearnerFactory,
    *,
    on_step: Callable[[Replay, int], None] | None = None,
    attach_targets: bool = True,
) -> Learned:
    """Feed every usable step of one recording, in order, to a learner on a fresh library whose
    counters are kept under the recording's origin (`origin_of`).

    A learner that fails (a BottomupError) stops the recording; what it saved before the error is
    kept, and the failure is named in `failed`.
    """
    count = 0
    failed = None
    with tempfile.TemporaryDirectory(prefix="bottomup-learn-") as folder:
        own = Path(folder) / "recording.sqlite"
        SqliteStore(own, library_id=origin_of(replay)).close()
        learner = learner_factory(replay, str(own))
        try:
            ahead = getattr(learner, "ahead", None)
            for step in recorded_steps(replay, targets=attach_targets, ahead=ahead):
                learner.learn(step)
                count += 1
                if on_step:
                    on_step(replay, step.index)
        except BottomupError as exc:
            failed = f"{replay.path}: {type(exc).__name__}: {exc}"
            log.warning("learning from %s stopped: %s", replay.path, exc)
        finally:
            learner.close()
        return Learned(load(own) if own.is_file() else None, count, failed)


def origin_of(replay: Replay) -> str:
    """The origin a recording's counters are kept under: the same for the same run wherever its
    recording is, so learning a recording again counts nothing twice (counters merge by origin)."""
    m = replay.manifest
    return digest([m.game, m.agent_id, m.started_at, m.seed], "rec-")[:20]


def absorb_all(store: SqlStore, snapshots: Iterable[Snapshot | None]) -> None:
    """Merge the recordings' libraries and write them into `store` in one transaction."""
    merged = None
    for snap in snapshots:
        if snap is not None:
            merged = snap if merged is None else merge(merged, snap)[0]
    if merged is not None:
        absorb(store, merged)


def learn(
    recordings: Iterable[Replay],
    library: str,
    learner_factory: LearnerFactory,
    *,
    on_step: Callable[[Replay, int], None] | None = None,
    attach_targets: bool = True,
) -> LearnReport:
    """`learn_one` for every recording, then `absorb_all` of what they learnt into `library`.

    A recording whose learner fails is reported in `failed` and the others go on; what the failing
    learner saved before the error is merged into the library too. Interrupted, the recordings
    learnt so far are merged into the library.
    """
    started = time.perf_counter()
    results: list[Learned] = []
    with open_store(library) as store:  # a bad location fails now, not after the learning
        try:
            for replay in recordings:
                results.append(
                    learn_one(
                        replay, learner_factory, on_step=on_step, attach_targets=attach_targets
                    )
                )
        finally:  # interrupted (Ctrl-C): the recordings learnt so far are kept
            absorb_all(store, (r.snapshot for r in results))
    return LearnReport(
        library,
        sum(r.failed is None for r in results),
        sum(r.steps for r in results),
        time.perf_counter() - started,
        tuple(r.failed for r in results if r.failed),
    )
