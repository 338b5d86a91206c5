"""ReplayGame: a Game over a recording's frames, so any loop or brain runs on them offline.

reset() returns the first recorded frame; step(action) returns the recorded next frame whatever
the action was, and notes whether the action agreed with the recorded one (agent.replay.agreement).
No window, pointer or network is touched, and the recording is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agent.errors import BottomupError
from agent.perception.change import Change, changed_fraction
from agent.replay.agreement import Agreement, BoxesOf, candidate_boxes, compare
from agent.replay.reader import RecordedStep, Replay
from agent.types import Action, Frame, Outcome, Step

PREFETCH = 4
"""Steps ahead whose frames are decoded in the background while the policy works."""


class ReplayExhausted(BottomupError):
    """step() was called after the last recorded step."""


class ReplayGame:
    """agent.types.Game over recorded frames; `agreements` holds one verdict per step() call."""

    def __init__(
        self,
        replay: Replay,
        steps: Sequence[RecordedStep] | None = None,
        *,
        boxes_of: BoxesOf = candidate_boxes,
        ahead: Callable[[str, Callable[[], Frame]], None] | None = None,
    ) -> None:
        """`ahead(sha, load)`, if given, hears of each frame to come (a policy that perceives
        ahead, as the learning agent does), `load()` giving the frame."""
        self.replay = replay
        self._ahead = ahead
        self.steps: tuple[RecordedStep, ...] = tuple(replay.steps if steps is None else steps)
        self.agreements: list[Agreement] = []
        self._boxes_of = boxes_of
        self._cursor = 0
        self._frame: Frame | None = None

    @property
    def position(self) -> int:
        """Index (into `steps`) of the step the next step() call replays."""
        return self._cursor

    @property
    def current(self) -> RecordedStep | None:
        """The recorded step the next step() call replays (None at the end)."""
        return self.steps[self._cursor] if self._cursor < len(self.steps) else None

    def reset(self) -> Frame:
        if not self.steps:
            raise ReplayExhausted(f"{self.replay.path}: the recording has no usable steps")
        self._cursor = 0
        self.agreements.clear()
        first = self.steps[0]
        self._frame = self.replay.frame(first.before_sha, first.before_info)
        return self._frame

    def step(self, action: Action) -> Outcome:
        recorded = self.current
        if recorded is None or self._frame is None:
            raise ReplayExhausted(
                f"{self.replay.path}: no recorded step {self._cursor} (call reset() first, "
                f"or stop after {len(self.steps)} steps)"
            )
        self.agreements.append(compare(recorded.action, action, self._frame, self._boxes_of))
        self._cursor += 1
        coming = self.steps[self._cursor : self._cursor + PREFETCH]
        self.replay.prefetch(s for step in coming for s in (step.before_sha, step.after_sha))
        if self._ahead is not None:
            for step in coming:
                sha, info = step.after_sha, step.after_info
                self._ahead(sha, lambda sha=sha, info=info: self.replay.frame(sha, info))
        # A new Frame object even when the pixels did not change, as a live grab would be.
        after = self.replay.frame(recorded.after_sha, recorded.after_info)
        following = self.current
        # The loop decides next on the frame it was given; the recording normally says the next
        # step started from exactly that grab (else, a skipped frame: use the recorded one).
        if following is None or following.before_sha == recorded.after_sha:
            self._frame = after
        else:
            self._frame = self.replay.frame(following.before_sha, following.before_info)
        return Outcome(after, recorded.settle_s, True, recorded.restarted)

    def next_frame(self) -> Frame | None:
        """The frame the next decision is made on (None before reset)."""
        return self._frame

    def close(self) -> None:
        """Nothing to release; the recording is never written."""


def loop_step(index: int, before: Frame, action: Action, outcome: Outcome) -> Step:
    """The Step exactly as agent.loop.run_episode builds it (change measured on the pixels), so
    a policy observes during replay what it observed live (the recording rounds `changed`)."""
    # The loop keeps only the fraction and acted() of perception.change.diff; its changed
    # regions (connected components, the slow part) are not needed here.
    after = outcome.frame
    same = before.image.base is not None and before.image.base is after.image.base
    change = Change(0.0 if same else changed_fraction(before.image, after.image))
    return Step(
        index=index,
        before=before,
        action=action,
        after=after,
        settle_s=outcome.settle_s,
        acted=change.acted(),
        changed_fraction=change.fraction,
        restarted=outcome.restarted,
    )
