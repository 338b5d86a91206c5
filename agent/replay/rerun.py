"""Re-run: execute a recording's actions again on a live game, checking every screen on the way.

Each recorded action is adapted to the current frame before it is performed: an action with a
Target is re-grounded (agent.perception.reground) and aimed at the same relative spot of the
re-found box; an action without one has its coordinates scaled by the ratio of the current
window size to the recorded one. After each action the reached screen is compared with the
recorded next frame by screen-state signature (agent.perception.state, size-independent); the
first step whose screen differs ends the re-run with a report of where and how.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.perception.objects import DEFAULT_SETTINGS
from agent.perception.reground import reground
from agent.perception.settings import PerceptionSettings
from agent.perception.state import distance, signature
from agent.replay.reader import Replay
from agent.types import Action, Drag, Frame, Game, Rect, Target, Wait, describe_action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RerunStep:
    """One re-executed step: the recorded and the performed action, how it was adapted, the check."""

    index: int
    recorded: str
    performed: str
    adapted: str
    screen_distance: float
    same_screen: bool


@dataclass(frozen=True)
class RerunReport:
    """How far a re-run followed its recording, and where (and why) it stopped."""

    recording: str
    planned: int
    matched: int
    diverged_at: int | None
    reason: str
    scale: tuple[float, float]
    seconds: float
    steps: tuple[RerunStep, ...]

    @property
    def completed(self) -> bool:
        return self.diverged_at is None and self.matched == self.planned


def _logical_size(frame: Frame) -> tuple[float, float]:
    return frame.width / frame.scale, frame.height / frame.scale


def _clamp(x: float, y: float, size: tuple[float, float]) -> tuple[int, int]:
    return (
        int(min(max(round(x), 0), max(0, int(size[0]) - 1))),
        int(min(max(round(y), 0), max(0, int(size[1]) - 1))),
    )


def adapt(
    action: Action,
    frame: Frame,
    ratio: tuple[float, float],
    settings: PerceptionSettings = DEFAULT_SETTINGS,
) -> tuple[Action, str]:
    """The recorded action aimed on `frame`, and how: "re-grounded ...", "scaled", or both."""
    if isinstance(action, Wait):
        return action, "wait"
    size = _logical_size(frame)
    sx, sy = ratio
    target = getattr(action, "target", None)
    grounded = reground(target, frame, settings) if target is not None else None
    if target is not None and grounded is not None:
        old, new = target.box, grounded.box

        def move(x: int, y: int) -> tuple[int, int]:
            fx = (x - old.x) / old.w if old.w else 0.5
            fy = (y - old.y) / old.h if old.h else 0.5
            return _clamp(new.x + fx * new.w, new.y + fy * new.h, size)

        how = f"re-grounded ({grounded.confidence:.2f})"
        new_target = Target(new, target.descriptor, target.text)
    else:

        def move(x: int, y: int) -> tuple[int, int]:
            return _clamp(x * sx, y * sy, size)

        how = "target lost; scaled" if target is not None else "scaled"
        new_target = (
            Target(
                Rect(
                    round(target.box.x * sx),
                    round(target.box.y * sy),
                    round(target.box.w * sx),
                    round(target.box.h * sy),
                ),
                target.descriptor,
                target.text,
            )
            if target is not None
            else None
        )
    x, y = move(action.x, action.y)
    if isinstance(action, Drag):
        # The drop point is scaled with the window; it is a place, not an object we can re-find.
        to_x, to_y = _clamp(action.to_x * sx, action.to_y * sy, size)
        return replace(action, x=x, y=y, to_x=to_x, to_y=to_y, target=new_target), how
    return replace(action, x=x, y=y, target=new_target), how


def rerun(
    replay: Replay,
    game: Game,
    *,
    max_steps: int | None = None,
    settings: PerceptionSettings = DEFAULT_SETTINGS,
    threshold: float | None = None,
    patience: int = 2,
    wait_s: float = 0.5,
    on_step: Callable[[RerunStep], None] | None = None,
) -> RerunReport:
    """Re-execute up to `max_steps` recorded actions on `game` (already opened; not closed here).

    When a reached screen differs, the game is given `patience` more looks, `wait_s` apart
    (Wait actions), before the step counts as a divergence.
    """
    limit = settings.state_threshold if threshold is None else threshold
    steps = replay.steps[:max_steps] if max_steps is not None else replay.steps
    started = time.perf_counter()
    done: list[RerunStep] = []
    frame = game.reset()
    ratio = (1.0, 1.0)
    reason = "all steps reached the recorded screens"
    diverged: int | None = None
    if steps:
        first = replay.frame(steps[0].before_sha)
        rw, rh = _logical_size(first)
        cw, ch = _logical_size(frame)
        ratio = (cw / rw, ch / rh)
        gap = distance(signature(frame)[1], signature(first)[1])
        if gap > limit:
            diverged = steps[0].index
            reason = f"the game starts on a different screen (distance {gap:.3f} > {limit})"
            steps = ()
    for recorded in steps:
        action, how = adapt(recorded.action, frame, ratio, settings)
        outcome = game.step(action)
        expected = replay.frame(recorded.after_sha)
        want = signature(expected)[1]
        gap = distance(signature(outcome.frame)[1], want)
        for _ in range(patience if gap > limit else 0):
            # A live window may report "settled" mid-animation; look again before giving up.
            outcome = game.step(Wait(wait_s))
            gap = distance(signature(outcome.frame)[1], want)
            how += "; waited"
            if gap <= limit:
                break
        step = RerunStep(
            recorded.index,
            describe_action(recorded.action),
            describe_action(action),
            how,
            round(gap, 4),
            gap <= limit,
        )
        done.append(step)
        if on_step:
            on_step(step)
        if not step.same_screen:
            diverged = recorded.index
            reason = (
                f"step {recorded.index} ({step.recorded} performed as {step.performed}, {how}) "
                f"reached a different screen (distance {gap:.3f} > {limit})"
            )
            break
        frame = outcome.frame
    report = RerunReport(
        recording=str(replay.path),
        planned=len(replay.steps[:max_steps] if max_steps is not None else replay.steps),
        matched=sum(s.same_screen for s in done),
        diverged_at=diverged,
        reason=reason,
        scale=(round(ratio[0], 4), round(ratio[1], 4)),
        seconds=time.perf_counter() - started,
        steps=tuple(done),
    )
    log.info("re-ran %s: %d/%d steps matched", replay.name, report.matched, report.planned)
    return report
