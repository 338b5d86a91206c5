"""LiveWindow: the Game protocol over a real window — capture with mss, act with the real pointer.

reset() grabs the first settled frame; step(action) refreshes the window rectangle (windows move),
refuses points outside it, raises the window if it lost focus, acts through the Mouse, waits for
the window to settle (re-reading the rectangle on every grab) and returns an Outcome; close()
releases everything. Frames are grabbed from the screen, so another window covering the game shows
up in them: one game per display.

It can own the game process (`launch=[...]`): started with DISPLAY set in the child's environment
only, waited for until its window appears (a clear error if it exits first), terminated on close.
If the process dies mid-run, the next step raises WindowLost with its exit code and last stderr
lines -- unless it exited cleanly (code 0: the agent clicked the game's own close or quit button)
and `relaunch` allows it: then the game is started again and that step's outcome is its first
frame, so a long unattended run survives an agent that has not yet learnt what "close" does.
"""

from __future__ import annotations

import logging
import statistics
import subprocess
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from agent.body.display import display_env
from agent.body.mouse import Mouse, MouseSettings, PerformedAction
from agent.body.screen import Screen
from agent.body.settle import SettleSettings, settle
from agent.body.window import (
    FixedRegion,
    WindowHandle,
    X11Window,
    bounding_box,
    find_window,
    list_windows,
)
from agent.errors import BetweenWindowsError, ConfigError, WindowLost, WindowNotFound
from agent.types import Action, Frame, Outcome, Rect

log = logging.getLogger(__name__)

# The adapted "did not react" wait never exceeds this (seconds).
MAX_NO_REACTION_S = 1.0


@dataclass(frozen=True)
class LiveSettings:
    """What to play and how: the window (title regex or region), the display, safety, settling."""

    title: str | None = None
    """Regex matched against window titles (re.search); exactly one of title/region is needed."""
    region: Rect | None = None
    """A fixed screen rectangle instead of a window (--region)."""
    display: str | None = None
    """X display name, e.g. ":3" (None: the Xlib/mss default)."""
    launch: tuple[str, ...] = ()
    """A command that starts the game; LiveWindow owns (and ends) that process."""
    launch_cwd: str | None = None
    """Working directory for the launched game."""
    launch_env: dict[str, str] | None = None
    """Base environment for the launched game (default: this process's); DISPLAY is added."""
    window_timeout_s: float = 20.0
    """How long to wait for the window to appear."""
    relaunch: int = 0
    """How many times a launched game that exits cleanly mid-run is started again (0: never)."""
    mouse: MouseSettings = field(default_factory=MouseSettings)
    settle: SettleSettings = field(default_factory=SettleSettings)


class LiveWindow:
    """A live game window as an agent.types.Game."""

    def __init__(self, settings: LiveSettings) -> None:
        if (settings.title is None) == (settings.region is None):
            raise ConfigError("give exactly one of a window title regex or a --region")
        self.settings = settings
        self.mouse = Mouse(settings.display, settings.mouse)
        self.screen = Screen(settings.display)
        self._process: subprocess.Popen[bytes] | None = None
        self._log: tempfile._TemporaryFileWrapper[bytes] | None = None
        self._window: WindowHandle | None = None
        self._reactions: deque[float] = deque(maxlen=20)  # recent action -> first change times
        self.relaunches = 0

    # -- Game protocol --------------------------------------------------------------------------

    def reset(self) -> Frame:
        """Launch (if asked) and find the window; return its first settled frame."""
        if self._window is None:
            try:
                self._window = self._open()
            except BaseException:
                self.close()
                raise
        result = settle(self._grab, None, self.settings.settle)
        return result.frame

    def step(self, action: Action) -> Outcome:
        """Do `action` (window-relative) and return the settled frame after it."""
        if self._window is None:
            raise ConfigError("call reset() before step()")
        parts = self._current_parts()
        rect = bounding_box(parts)
        screen = self.screen.screen_rect()
        try:
            self.mouse.check(action, rect, screen, parts)  # refuse before touching anything
        except BetweenWindowsError as exc:
            log.info("%s; the step does nothing", exc)
            return Outcome(self._grab(parts), 0.0, True)
        # A fresh grab, not the last settled frame: the game may have moved on while the agent
        # was thinking, and that must not count as this action's effect.
        reference = self._grab(parts)
        if not self.mouse.settings.dry_run:
            self._window.activate()
        self.mouse.perform(action, rect, screen, parts)
        try:
            result = settle(self._grab, reference, self._settle_settings())
        except WindowLost:
            code = self._exit_code()
            if code != 0 or self.relaunches >= self.settings.relaunch:
                self._check_process()  # an exit is named with its code
                raise
            start = time.monotonic()
            self._relaunch()
            result = settle(self._grab, None, self.settings.settle)
            return Outcome(result.frame, time.monotonic() - start, result.settled, restarted=True)
        if result.reaction_s is not None:
            self._reactions.append(result.reaction_s)
        return Outcome(result.frame, result.settle_s, result.settled)

    def _settle_settings(self) -> SettleSettings:
        """The settle rule for the next action, its no-reaction wait adapted to this game.

        A game on a busy machine may take longer than `no_reaction_s` to show anything; judging
        its clicks "did nothing" then would teach the agent wrong. So the wait for a first change
        is at least twice the typical (median) reaction seen lately, at most MAX_NO_REACTION_S: a
        game with a ticking clock also "reacts" to clicks that did nothing, a second later."""
        s = self.settings.settle
        if not self._reactions:
            return s
        typical = statistics.median(self._reactions)
        wait = min(s.timeout_s, MAX_NO_REACTION_S, max(s.no_reaction_s, 2.0 * typical))
        return replace(s, no_reaction_s=wait) if wait != s.no_reaction_s else s

    def close(self) -> None:
        """Release the window connection and capture; end the game process if we started it."""
        if self._window is not None:
            self._window.close()
            self._window = None
        self.screen.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> LiveWindow:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- extras ---------------------------------------------------------------------------------

    @property
    def rect(self) -> Rect:
        """The window's current screen rectangle (WindowLost when gone)."""
        return self._current_rect()

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The launched game process, if LiveWindow started one."""
        return self._process

    @property
    def performed(self) -> list[PerformedAction]:
        """Every action the hand did (or would have done, in dry-run)."""
        return self.mouse.performed

    # -- internals ------------------------------------------------------------------------------

    def _open(self) -> WindowHandle:
        s = self.settings
        if s.launch:
            self._start_process()
        if s.region is not None:
            whole = self.screen.screen_rect()
            return FixedRegion(s.region, (whole.right, whole.bottom))
        assert s.title is not None
        deadline = time.monotonic() + s.window_timeout_s
        while True:
            self._check_process()
            try:
                info = find_window(s.title, display=s.display, timeout=0.0)
                return X11Window(info, display=s.display)
            except WindowNotFound:
                if time.monotonic() >= deadline:
                    titles = ", ".join(repr(w.title) for w in list_windows(s.display)[:10])
                    raise WindowNotFound(
                        f"no visible window title matches {s.title!r} after "
                        f"{s.window_timeout_s:g}s (visible titles: {titles or 'none'})"
                    ) from None
            time.sleep(0.1)

    def _exit_code(self, timeout_s: float = 2.0) -> int | None:
        """Our game's exit code if it ends within `timeout_s` (the window goes a moment before
        the exit), else None."""
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def _relaunch(self) -> None:
        self.relaunches += 1
        log.warning(
            "the game exited cleanly after an action; starting it again (%d of %d)",
            self.relaunches,
            self.settings.relaunch,
        )
        if self._window is not None:
            self._window.close()
        if self._log is not None:
            self._log.close()
        self._window = None
        self._window = self._open()

    def _start_process(self) -> None:
        s = self.settings
        self._log = tempfile.NamedTemporaryFile(prefix="bottomup-game-", suffix=".log")
        env = display_env(s.display, s.launch_env) if s.display else s.launch_env
        try:
            self._process = subprocess.Popen(
                list(s.launch),
                cwd=s.launch_cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            raise ConfigError(f"cannot start the game {s.launch[0]!r}: {exc}") from None
        log.info("launched %s (pid %d)", " ".join(s.launch), self._process.pid)

    def _check_process(self) -> None:
        if self._process is None:
            return
        code = self._process.poll()
        if code is not None:
            raise WindowLost(f"game process exited with code {code}: {self._output_tail()}")

    def _output_tail(self, lines: int = 5) -> str:
        if self._log is None:
            return ""
        self._log.flush()
        text = Path(self._log.name).read_bytes().decode("utf-8", "replace")
        return " | ".join(text.strip().splitlines()[-lines:]) or "(no output)"

    def _current_rect(self) -> Rect:
        return bounding_box(self._current_parts())

    def _current_parts(self) -> list[Rect]:
        """The game's window and its dialogs (screen rectangles); WindowLost when gone."""
        assert self._window is not None
        self._check_process()
        try:
            return self._window.parts()
        except WindowLost:
            # The window may vanish a moment before the process is reaped: prefer the exit code.
            if self._process is not None:
                try:
                    self._process.wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    pass
                self._check_process()
            raise

    def _grab(self, parts: list[Rect] | None = None) -> Frame:
        """The game's windows (`parts`, looked up when not given) as one frame; the desktop
        between them (when a dialog reaches past the main window) is blanked, so nothing there
        looks clickable."""
        parts = parts or self._current_parts()
        frame = self.screen.grab(bounding_box(parts))
        if len(parts) == 1:
            return frame
        box, s = frame.region, frame.scale
        keep = np.zeros(frame.image.shape[:2], bool)
        for r in parts:
            keep[
                round((r.y - box.y) * s) : round((r.bottom - box.y) * s),
                round((r.x - box.x) * s) : round((r.right - box.x) * s),
            ] = True
        return replace(frame, image=np.where(keep[..., None], frame.image, 0).astype(np.uint8))
