"""Wait until the window stops changing after an action — by watching it, never by a fixed sleep.

After an action the window is grabbed repeatedly. Two consecutive grabs whose changed fraction
(agent.perception.change) is below `tolerance` are "quiet". The window has settled when

- it changed since the action and then stayed quiet for `quiet_grabs` grabs spanning at least
  `quiet_s` seconds (an animation ran and finished), or
- it never changed for `no_reaction_s` seconds (the game did not react; a game may need a frame or
  two to react, so this window is longer than one frame),

or the wait gives up at `timeout_s` (settled=False: something keeps moving, e.g. an idle animation).
The reported settle time is when the screen last changed, measured from the start of the wait: an
animation of 500 ms settles in about 0.5 s, a click that does nothing in about 0 s.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from agent.errors import ConfigError
from agent.perception.change import DEFAULT_PIXEL_THRESHOLD, changed_fraction
from agent.types import Frame


@dataclass(frozen=True)
class SettleSettings:
    """When does the window count as settled after an action."""

    tolerance: float = 0.001
    """Two grabs whose changed fraction is below this are "quiet" (the same picture)."""
    pixel_threshold: int = DEFAULT_PIXEL_THRESHOLD
    """A pixel counts as changed when its grey level moves by more than this."""
    quiet_grabs: int = 2
    """How many consecutive quiet grabs are needed after a change."""
    quiet_s: float = 0.1
    """... spanning at least this many seconds."""
    no_reaction_s: float = 0.2
    """With no change at all for this long after the action, the game did not react: settled."""
    timeout_s: float = 3.0
    """Give up waiting after this long (the result says settled=False)."""
    interval_s: float = 0.02
    """Minimum time between two grabs (keeps a fast grabber from busy-looping)."""

    def __post_init__(self) -> None:
        if not 0 <= self.tolerance < 1:
            raise ConfigError(f"settle tolerance must be in [0, 1), got {self.tolerance}")
        if self.quiet_grabs < 1:
            raise ConfigError(f"settle quiet_grabs must be >= 1, got {self.quiet_grabs}")
        if min(self.quiet_s, self.no_reaction_s, self.interval_s) < 0 or self.timeout_s <= 0:
            raise ConfigError("settle durations must be non-negative and timeout_s positive")


@dataclass(frozen=True)
class Settled:
    """The result of waiting: the last frame, when the screen last changed, whether it settled."""

    frame: Frame
    settle_s: float
    settled: bool
    changed: bool
    grabs: int
    reaction_s: float | None = None
    """When the first change was seen, after the action (None: no change at all)."""


def settle(
    grab: Callable[[], Frame],
    reference: Frame | None = None,
    settings: SettleSettings | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Settled:
    """Grab until the picture is stable; see the module docstring for the rule.

    grab: returns a fresh frame of the window (it may raise WindowLost; that propagates).
    reference: the frame from just before the action, so a change that already happened counts.
    """
    s = settings or SettleSettings()
    start = clock()
    previous = reference if reference is not None else grab()
    grabs = 0 if reference is not None else 1
    last_change = start  # when the most recent changed grab was taken
    quiet_since = start  # when the current run of quiet grabs started
    quiet = 0
    changed = False
    first_change: float | None = None
    while True:
        next_at = clock() + s.interval_s
        frame = grab()
        now = clock()
        grabs += 1
        if changed_fraction(previous.image, frame.image, s.pixel_threshold) >= s.tolerance:
            changed = True
            first_change = now if first_change is None else first_change
            last_change = now
            quiet_since = now
            quiet = 0
        else:
            quiet += 1
        previous = frame
        quiet_long = quiet >= s.quiet_grabs and now - quiet_since >= s.quiet_s
        if changed and quiet_long:
            return Settled(frame, last_change - start, True, True, grabs, first_change - start)
        if not changed and quiet >= s.quiet_grabs and now - start >= s.no_reaction_s:
            return Settled(frame, 0.0, True, False, grabs)
        if now - start >= s.timeout_s:
            reaction = None if first_change is None else first_change - start
            return Settled(frame, now - start, False, changed, grabs, reaction)
        delay = next_at - clock()
        if delay > 0:
            time.sleep(delay)
