"""The hand: executes agent.types.Action with the real pointer (pyautogui), safely.

Actions carry window-relative logical coordinates; `Mouse.perform(action, window)` maps them to
screen coordinates with the window rectangle *as it is now* (the caller passes a fresh one).

Safety, in order, before anything moves:
- every point the action touches must lie inside the window rectangle, else OutsideWindowError
  (the action is refused and never executed, the pointer does not move);
- a rate cap (`max_actions_per_second`) spaces actions out;
- pyautogui.FAILSAFE stays on: moving the pointer into a screen corner stops the run (SafetyStop).
  pyautogui.PAUSE is set to 0 because the rate cap and settle detection do the waiting.
- dry_run records what would have been done and never touches the pointer (pyautogui is not even
  imported).

pyautogui opens its X connection from DISPLAY when first imported; `Mouse` sets DISPLAY to its own
display just before that import, and re-points pyautogui's connection when a Mouse for another
display is used later. A process therefore drives the pointer of one display at a time.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.body.display import bind_process_display, open_xlib
from agent.errors import (
    BetweenWindowsError,
    ConfigError,
    MissingDependency,
    OutsideWindowError,
    SafetyStop,
    WindowLost,
)
from agent.types import (
    Action,
    Click,
    DoubleClick,
    Drag,
    Move,
    Point,
    Rect,
    RightClick,
    Scroll,
    Wait,
    action_points,
    describe_action,
)

log = logging.getLogger(__name__)

_PYAUTOGUI_LOCK = threading.Lock()


@dataclass(frozen=True)
class MouseSettings:
    """How the hand behaves."""

    dry_run: bool = False
    """Record actions without moving the pointer."""
    max_actions_per_second: float = 10.0
    """Rate cap: consecutive actions are at least 1/this seconds apart."""
    move_duration: float = 0.0
    """Seconds a click's pointer movement takes (0: jump, like most agents)."""


@dataclass(frozen=True)
class PerformedAction:
    """What the hand did (or, in dry-run, would have done): the action and its screen points."""

    action: Action
    screen_points: tuple[Point, ...]
    timestamp: float
    executed: bool


@dataclass
class Mouse:
    """Executes actions on one display, refusing anything outside the target window."""

    display: str | None = None
    settings: MouseSettings = field(default_factory=MouseSettings)
    performed: list[PerformedAction] = field(default_factory=list)
    _last_action: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.settings.max_actions_per_second <= 0:
            raise ConfigError("max_actions_per_second must be positive")

    def check(
        self,
        action: Action,
        window: Rect,
        screen: Rect | None = None,
        parts: Sequence[Rect] | None = None,
    ) -> tuple[Point, ...]:
        """Screen points of `action`; OutsideWindowError when any lies outside `window`
        (or, when `screen` is given, on a part of the window that is off the screen; or, when
        `parts` is given, outside every one of them: the window and its dialogs)."""
        local = Rect(0, 0, window.w, window.h)
        points = []
        for p in action_points(action):
            if not local.contains(p.x, p.y):
                raise OutsideWindowError(
                    f"refused {describe_action(action)}: ({p.x}, {p.y}) is outside the "
                    f"{window.w}x{window.h} window"
                )
            on_screen = Point(window.x + p.x, window.y + p.y)
            if screen is not None and not screen.contains(on_screen.x, on_screen.y):
                raise OutsideWindowError(
                    f"refused {describe_action(action)}: ({p.x}, {p.y}) is on a part of the "
                    "window that is off the screen"
                )
            if parts is not None and not any(r.contains(on_screen.x, on_screen.y) for r in parts):
                raise BetweenWindowsError(
                    f"refused {describe_action(action)}: ({p.x}, {p.y}) is between the game's "
                    "windows, on none of them"
                )
            points.append(on_screen)
        return tuple(points)

    def perform(
        self,
        action: Action,
        window: Rect,
        screen: Rect | None = None,
        parts: Sequence[Rect] | None = None,
    ) -> PerformedAction:
        """Check, rate-limit and execute `action` in `window` (its current screen rectangle);
        `screen`, when given, is the screen's rectangle (points off it are refused too), and
        `parts` the game's windows (points on none of them are refused)."""
        points = self.check(action, window, screen, parts)
        self._wait_for_rate_cap()
        executed = not self.settings.dry_run
        if executed:
            self._execute(action, points)
        elif isinstance(action, Wait):
            time.sleep(max(0.0, action.seconds))
        record = PerformedAction(action, points, time.time(), executed)
        self.performed.append(record)
        log.debug("%s %s at %s", "did" if executed else "dry-run", describe_action(action), points)
        return record

    def position(self) -> Point:
        """Where the pointer is on this display now (root coordinates)."""
        conn = open_xlib(self.display)
        try:
            data = conn.screen().root.query_pointer()
            return Point(int(data.root_x), int(data.root_y))
        finally:
            conn.close()

    # -- internals ----------------------------------------------------------------------------

    def _wait_for_rate_cap(self) -> None:
        gap = 1.0 / self.settings.max_actions_per_second
        delay = self._last_action + gap - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._last_action = time.monotonic()

    def _execute(self, action: Action, points: tuple[Point, ...]) -> None:
        with _PYAUTOGUI_LOCK:
            gui = _pyautogui_for(self.display)
            try:
                _dispatch(gui, action, points, self.settings.move_duration)
            except gui.FailSafeException as exc:
                raise SafetyStop(
                    "pyautogui fail-safe: the pointer is in a screen corner; stopping"
                ) from exc
            except (ConnectionError, OSError) as exc:
                raise WindowLost(f"lost the X display {self.display}: {exc}") from exc
            except Exception as exc:
                if type(exc).__name__ == "ConnectionClosedError":  # Xlib's, imported lazily
                    raise WindowLost(f"lost the X display {self.display}: {exc}") from exc
                raise


def _dispatch(gui: Any, action: Action, points: tuple[Point, ...], duration: float) -> None:
    if isinstance(action, Wait):
        time.sleep(max(0.0, action.seconds))
        return
    p = points[0]
    if isinstance(action, Click):
        gui.click(p.x, p.y, button=action.button, duration=duration)
    elif isinstance(action, DoubleClick):
        gui.doubleClick(p.x, p.y, duration=duration)
    elif isinstance(action, RightClick):
        gui.rightClick(p.x, p.y, duration=duration)
    elif isinstance(action, Move):
        gui.moveTo(p.x, p.y, duration=duration)
    elif isinstance(action, Scroll):
        gui.moveTo(p.x, p.y)
        gui.scroll(action.clicks, x=p.x, y=p.y)
    elif isinstance(action, Drag):
        end = points[1]
        gui.moveTo(p.x, p.y)
        gui.dragTo(end.x, end.y, duration=max(0.0, action.duration), button="left")
    else:  # pragma: no cover - Action is a closed union
        raise ConfigError(f"unknown action {action!r}")


def _pyautogui_for(display: str | None) -> Any:
    """pyautogui, bound to `display` (imported on first use with DISPLAY pointing at it)."""
    if "pyautogui" not in sys.modules and display:
        bind_process_display(display)
    try:
        import pyautogui
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise MissingDependency("the mouse needs pyautogui: pip install pyautogui") from exc
    except KeyError as exc:  # pyautogui's X11 backend reads DISPLAY at import
        raise ConfigError("no display to drive: give the display name explicitly") from exc
    pyautogui.FAILSAFE = True  # never disabled
    pyautogui.PAUSE = 0.0  # our rate cap and settle detection do the waiting
    if sys.platform == "linux" and display:
        _rebind_x11(pyautogui, display)
    return pyautogui


def _rebind_x11(pyautogui: Any, display: str) -> None:
    """Point pyautogui's X11 connection at `display` if it is connected elsewhere or dead."""
    backend = sys.modules.get("pyautogui._pyautogui_x11")
    if backend is None:
        return
    current = backend._display
    if current.get_display_name() == display and _alive(current):
        return
    log.info("pyautogui: (re)connecting from display %s to %s", current.get_display_name(), display)
    backend._display = open_xlib(display)
    try:
        current.close()
    except Exception:  # noqa: BLE001 - the old display may already be gone
        log.debug("closing pyautogui's old X connection failed", exc_info=True)
    # The fail-safe corners depend on the screen size.
    w, h = pyautogui.size()
    pyautogui.FAILSAFE_POINTS[:] = [(0, 0), (0, h - 1), (w - 1, 0), (w - 1, h - 1)]


def _alive(conn: Any) -> bool:
    """True when an X connection still reaches its server (a display number may be reused)."""
    try:
        conn.get_input_focus()
        return True
    except Exception:  # noqa: BLE001 - Xlib raises several kinds of errors for a dead server
        return False
