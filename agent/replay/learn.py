"""Learn from recordings: feed recorded transitions (before, action, after) to a learner.

A library can grow from recordings made by any agent instance on any machine, without a live
game. For every usable step of every recording, in order, the learner gets the recorded Step
(`TransitionLearner.learn`). A learner comes from a factory given the Replay (game, agent id,
seed, for provenance and seeding) and a library location; it is closed after its recording.

Each recording is one instance's experience, so it is learned the way its run lived it: into a
fresh library of its own, which is then merged into the target library (skills.share.absorb:
counters are kept per library, so the recordings' counts add up like independent instances').
Learning recordings one after another into one library instead judges each against the ones
before: a screen the first recording reached is no longer new in the second, so the click that
reaches it is not progressive there, and the library learns less from every later recording.

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
from skills.share import absorb, load
from skills.store import open_store

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


def learn(
    recordings: Iterable[Replay],
    library: str,
    learner_factory: LearnerFactory,
    *,
    on_step: Callable[[Replay, int], None] | None = None,
    attach_targets: bool = True,
) -> LearnReport:
    """Feed every usable step of every recording, in order, to a learner on a fresh library of
    the recording's own, then merge that into `library`.

    A recording whose learner fails (a BottomupError) is reported in `failed` and the others go
    on; what the failing learner saved before the error is merged into the library too.
    """
    count = done = 0
    failed: list[str] = []
    started = time.perf_counter()
    for replay in recordings:
        with tempfile.TemporaryDirectory(prefix="bottomup-learn-") as folder:
            own = Path(folder) / "recording.sqlite"
            learner = learner_factory(replay, str(own))
            try:
                ahead = getattr(learner, "ahead", None)
                for step in recorded_steps(replay, targets=attach_targets, ahead=ahead):
                    learner.learn(step)
                    count += 1
                    if on_step:
                        on_step(replay, step.index)
                done += 1
            except BottomupError as exc:
                failed.append(f"{replay.path}: {type(exc).__name__}: {exc}")
                log.warning("learning from %s stopped: %s", replay.path, exc)
            finally:
                learner.close()
                if own.is_file():
                    with open_store(library) as store:
                        absorb(store, load(own))
    return LearnReport(library, done, count, time.perf_counter() - started, tuple(failed))
