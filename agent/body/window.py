"""Find the game window and keep track of where it is: X11 via python-xlib, or a fixed region.

A `WindowHandle` answers "where is the target on the screen right now?" (`rect()`, in root
coordinates, client area only), brings it to the front (`activate()`), and raises WindowLost when
it is gone. Two kinds exist:

- `X11Window`: a real window found by title regex (`find_window`). Titles are read from
  `_NET_WM_NAME` (UTF-8) and then `WM_NAME`; only viewable windows count. The geometry is refreshed
  on every `rect()` call, because windows move. The game's own dialogs (viewable windows that
  are transient for it: a scores dialog, a shortcuts window) are part of the game: `parts()` lists
  the window and its dialogs, `rect()` is their bounding box (what is grabbed), and a click must
  land inside one of the parts. Otherwise a dialog reaching past the main window could never be
  closed by an agent confined to that window.
- `FixedRegion`: a fixed rectangle of the screen (`--region x,y,w,h`), for games whose window cannot
  be found by title. It never moves and is never lost.

On macOS/Windows the optional pywinctl backend is used when installed; otherwise a clear
MissingDependency names it. Xlib is imported lazily, only here and in the other body modules.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from dataclasses import dataclass
from typing import Any, Protocol

from agent.body.display import open_xlib
from agent.errors import ConfigError, MissingDependency, WindowLost, WindowNotFound
from agent.types import Rect

log = logging.getLogger(__name__)

DIALOG_REFRESH_S = 0.25
"""How often X11Window looks for new dialogs of its window (seconds)."""
RESTORE_TIMEOUT_S = 2.0
"""How long a minimised game window gets to come back before it counts as lost (seconds)."""


@dataclass(frozen=True)
class WindowInfo:
    """A window found on screen: its id, title and client rectangle in root coordinates."""

    id: int
    title: str
    rect: Rect


class WindowHandle(Protocol):
    """Where the target is on screen now; used by the screen grabber, the mouse and LiveWindow."""

    description: str

    def rect(self) -> Rect:
        """The current client rectangle in screen coordinates; WindowLost when gone."""
        ...

    def parts(self) -> list[Rect]:
        """The rectangles a click may land in (the window and its dialogs), screen coordinates."""
        ...

    def activate(self) -> None:
        """Bring the target to the front and give it focus (a no-op where that makes no sense)."""
        ...

    def close(self) -> None:
        """Release the connection (not the window)."""
        ...


class FixedRegion:
    """A fixed rectangle of the screen standing in for a window (`--region x,y,w,h`)."""

    def __init__(self, region: Rect, screen_size: tuple[int, int] | None = None) -> None:
        if region.w <= 0 or region.h <= 0 or region.x < 0 or region.y < 0:
            raise ConfigError(f"invalid region {_fmt(region)}: need x,y >= 0 and w,h > 0")
        if screen_size is not None:
            sw, sh = screen_size
            if region.right > sw or region.bottom > sh:
                raise ConfigError(f"region {_fmt(region)} extends beyond the {sw}x{sh} screen")
        self._region = region
        self.description = f"region {_fmt(region)}"

    @classmethod
    def parse(cls, text: str, screen_size: tuple[int, int] | None = None) -> FixedRegion:
        """Parse "x,y,w,h" (the --region flag); ConfigError with the reason on bad input."""
        try:
            region = Rect.parse(text)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        return cls(region, screen_size)

    def rect(self) -> Rect:
        return self._region

    def parts(self) -> list[Rect]:
        return [self._region]

    def activate(self) -> None:
        """A region has no window to raise."""

    def close(self) -> None:
        """Nothing to release."""


class X11Window:
    """A live X11 window, tracked by id over one Xlib connection (not thread-safe)."""

    def __init__(self, info: WindowInfo, display: str | None = None, conn: Any = None) -> None:
        self.info = info
        self.id = info.id
        self.description = f"window {info.title!r} (0x{info.id:x})"
        self._conn = conn if conn is not None else open_xlib(display)
        self._xwin = self._conn.create_resource_object("window", info.id)
        self._dialogs: list[int] = []
        self._dialogs_at = -DIALOG_REFRESH_S

    def rect(self) -> Rect:
        return bounding_box(self.parts())

    def parts(self) -> list[Rect]:
        from Xlib.error import ConnectionClosedError, XError

        try:
            main = self._client_rect(self._xwin)
        except WindowLost:
            if not self._restore():
                raise
            main = self._client_rect(self._xwin)
        if time.monotonic() - self._dialogs_at >= DIALOG_REFRESH_S:
            self._dialogs = self._find_dialogs()
            self._dialogs_at = time.monotonic()
        parts = [main]
        for wid in self._dialogs:
            try:
                parts.append(self._client_rect(self._conn.create_resource_object("window", wid)))
            except (WindowLost, XError, ConnectionClosedError):
                self._dialogs_at = -DIALOG_REFRESH_S  # closed: look again next time
        return parts

    def _restore(self) -> bool:
        """Map a window that still exists but was minimised (a click on the game's own minimise
        button): a person would bring it back from the taskbar. True once it is viewable."""
        from Xlib import X
        from Xlib.error import ConnectionClosedError, XError

        try:
            self._xwin.get_attributes()  # gone for good: XError
            log.warning("%s was minimised; bringing it back", self.description)
            self._send_active()
            self._xwin.map()
            self._conn.sync()
            deadline = time.monotonic() + RESTORE_TIMEOUT_S
            last = None
            while time.monotonic() < deadline:
                time.sleep(0.05)
                if self._xwin.get_attributes().map_state != X.IsViewable:
                    continue
                # the window manager may still be moving it back into place: wait for stillness
                now = self._client_rect(self._xwin)
                if now == last:
                    return True
                last = now
        except WindowLost:
            return False
        except (XError, ConnectionClosedError, ConnectionError, OSError):
            return False
        return False

    def _send_active(self) -> None:
        """Ask the window manager to raise, show and focus the window (_NET_ACTIVE_WINDOW)."""
        from Xlib import X
        from Xlib.protocol import event

        atom = self._conn.intern_atom("_NET_ACTIVE_WINDOW")
        message = event.ClientMessage(
            window=self._xwin,
            client_type=atom,
            data=(32, [2, X.CurrentTime, 0, 0, 0]),  # source 2: a pager/tool acting for a user
        )
        mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
        self._conn.screen().root.send_event(message, event_mask=mask)

    def _client_rect(self, xwin: Any) -> Rect:
        from Xlib import X
        from Xlib.error import ConnectionClosedError, XError

        try:
            if xwin.get_attributes().map_state != X.IsViewable:
                raise WindowLost(f"{self.description} is no longer visible")
            geometry = xwin.get_geometry()
            origin = self._conn.screen().root.translate_coords(xwin, 0, 0)
        except (ConnectionClosedError, ConnectionError, OSError):
            raise WindowLost(f"{self.description}: the X display went away") from None
        except XError as exc:
            raise WindowLost(f"{self.description} is gone ({type(exc).__name__})") from None
        return Rect(int(origin.x), int(origin.y), int(geometry.width), int(geometry.height))

    def _find_dialogs(self) -> list[int]:
        """Ids of viewable windows transient for this one (its dialogs), bottom to top."""
        from Xlib.error import XError

        found: list[int] = []
        for info in reversed(list_windows(conn=self._conn)):
            if info.id == self.id:
                continue
            try:
                parent = self._conn.create_resource_object("window", info.id).get_wm_transient_for()
            except XError:
                continue
            if parent is not None and int(parent.id) == self.id:
                found.append(info.id)
        return found

    def is_active(self) -> bool:
        """True when the window (or its frame) holds the input focus."""
        from Xlib.error import ConnectionClosedError, XError

        try:
            focus = self._conn.get_input_focus().focus
        except (XError, ConnectionClosedError, OSError):
            return False
        if isinstance(focus, int):
            return False
        # a dialog of the game holding the focus is the game holding it
        return any(_ancestor_or_self(self._conn, focus.id, w) for w in (self.id, *self._dialogs))

    def activate(self) -> None:
        """Raise and focus the window: _NET_ACTIVE_WINDOW for the window manager, plus X focus."""
        from Xlib import X
        from Xlib.error import ConnectionClosedError, XError

        if self.is_active():
            return
        try:
            self._send_active()
            self._xwin.configure(stack_mode=X.Above)
            self._xwin.set_input_focus(X.RevertToParent, X.CurrentTime)
            self._conn.sync()
        except (XError, ConnectionClosedError, OSError) as exc:
            raise WindowLost(f"{self.description} is gone ({type(exc).__name__})") from None
        # The window manager acts asynchronously: give it a moment, so a click lands after it.
        deadline = time.monotonic() + 0.5
        while not self.is_active() and time.monotonic() < deadline:
            time.sleep(0.01)

    def close(self) -> None:
        try:
            self._conn.close()
        except Exception:  # noqa: BLE001 - closing a dead connection must not mask the real error
            log.debug("closing the X connection failed", exc_info=True)


def list_windows(display: str | None = None, conn: Any = None) -> list[WindowInfo]:
    """Every viewable window with a title, top-most first (X11)."""
    own = conn is None
    conn = conn if conn is not None else open_xlib(display)
    try:
        root = conn.screen().root
        found: list[WindowInfo] = []
        _walk(conn, root, found)
        found.reverse()  # query_tree lists children bottom to top
        return found
    finally:
        if own:
            conn.close()


def find_window(
    title_regex: str, display: str | None = None, timeout: float = 10.0, poll: float = 0.1
) -> WindowInfo:
    """The top-most viewable window whose title matches `title_regex` (re.search).

    Waits up to `timeout` seconds for it to appear; WindowNotFound (listing the titles seen)
    otherwise. `display` is an X display name (e.g. ":3"); None means the Xlib default.
    """
    pattern = _compile(title_regex)
    if sys.platform != "linux":
        return _find_window_other(pattern, timeout, poll)
    conn = open_xlib(display)
    try:
        deadline = time.monotonic() + timeout
        while True:
            windows = list_windows(conn=conn)
            for info in windows:
                if pattern.search(info.title) and info.rect.area > 0:
                    log.info("found %r at %s", info.title, info.rect)
                    return info
            if time.monotonic() >= deadline:
                titles = ", ".join(repr(w.title) for w in windows[:10]) or "none"
                raise WindowNotFound(
                    f"no visible window title matches {title_regex!r} after {timeout:.1f}s "
                    f"(visible titles: {titles})"
                )
            time.sleep(poll)
    finally:
        conn.close()


def open_window(title_regex: str, display: str | None = None, timeout: float = 10.0) -> X11Window:
    """find_window() and a handle that tracks it."""
    info = find_window(title_regex, display=display, timeout=timeout)
    if sys.platform != "linux":  # pragma: no cover - exercised on macOS/Windows only
        return _PyWinCtlWindow(info)  # type: ignore[return-value]
    return X11Window(info, display=display)


def window_rect(window_id: int, display: str | None = None) -> Rect:
    """The current client rectangle of window `window_id`; WindowLost when it is gone."""
    handle = X11Window(WindowInfo(window_id, "", Rect(0, 0, 0, 0)), display=display)
    try:
        return handle.rect()
    finally:
        handle.close()


def screen_size(display: str | None = None) -> tuple[int, int]:
    """Width and height of the display's first screen."""
    conn = open_xlib(display)
    try:
        screen = conn.screen()
        return int(screen.width_in_pixels), int(screen.height_in_pixels)
    finally:
        conn.close()


def bounding_box(rects: list[Rect]) -> Rect:
    """The smallest rectangle holding all of `rects` (a window and its dialogs)."""
    x0, y0 = min(r.x for r in rects), min(r.y for r in rects)
    x1, y1 = max(r.right for r in rects), max(r.bottom for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)


# -- internals --------------------------------------------------------------------------------


def _fmt(r: Rect) -> str:
    return f"{r.x},{r.y},{r.w},{r.h}"


def _compile(title_regex: str) -> re.Pattern[str]:
    try:
        return re.compile(title_regex)
    except re.error as exc:
        raise ConfigError(f"invalid window title regex {title_regex!r}: {exc}") from None


def _title(conn: Any, window: Any) -> str:
    net_name = conn.intern_atom("_NET_WM_NAME")
    utf8 = conn.intern_atom("UTF8_STRING")
    prop = window.get_full_property(net_name, utf8)
    if prop is not None and prop.value:
        value = prop.value
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    name = window.get_wm_name()
    if isinstance(name, bytes):
        return name.decode("latin-1")
    return name or ""


def _walk(conn: Any, window: Any, found: list[WindowInfo]) -> None:
    from Xlib import X
    from Xlib.error import XError

    try:
        children = window.query_tree().children
    except XError:
        return  # vanished while we looked
    root = conn.screen().root
    for child in children:
        try:
            if child.get_attributes().map_state != X.IsViewable:
                continue
            title = _title(conn, child)
            if title:
                geometry = child.get_geometry()
                origin = root.translate_coords(child, 0, 0)
                rect = Rect(int(origin.x), int(origin.y), int(geometry.width), int(geometry.height))
                found.append(WindowInfo(int(child.id), title, rect))
        except XError:
            continue
        _walk(conn, child, found)


def _ancestor_or_self(conn: Any, candidate: int, target: int) -> bool:
    """True when `candidate` is `target`, or a frame/ancestor window that contains it."""
    from Xlib.error import XError

    if candidate == target:
        return True
    # The WM may focus the frame that contains our window: walk up from the target.
    window = conn.create_resource_object("window", target)
    root_id = conn.screen().root.id
    try:
        while True:
            parent = window.query_tree().parent
            if parent is None or int(parent.id) in (0, root_id):
                return False
            if int(parent.id) == candidate:
                return True
            window = parent
    except XError:
        return False


def _find_window_other(
    pattern: re.Pattern[str], timeout: float, poll: float
) -> WindowInfo:  # pragma: no cover - exercised on macOS/Windows only
    try:
        import pywinctl  # type: ignore[import-not-found]
    except ImportError:
        raise MissingDependency(
            f"finding windows on {sys.platform} needs pywinctl (pip install pywinctl), "
            "or pass --region x,y,w,h"
        ) from None
    deadline = time.monotonic() + timeout
    while True:
        for w in pywinctl.getAllWindows():
            if w.isVisible and pattern.search(w.title or ""):
                box = w.getClientFrame()
                rect = Rect(box.left, box.top, box.right - box.left, box.bottom - box.top)
                return WindowInfo(int(w.getHandle()), w.title, rect)
        if time.monotonic() >= deadline:
            raise WindowNotFound(f"no visible window title matches {pattern.pattern!r}")
        time.sleep(poll)


class _PyWinCtlWindow:  # pragma: no cover - exercised on macOS/Windows only
    """A window tracked through pywinctl (macOS/Windows)."""

    def __init__(self, info: WindowInfo) -> None:
        import pywinctl  # type: ignore[import-not-found]

        matches = [w for w in pywinctl.getAllWindows() if int(w.getHandle()) == info.id]
        if not matches:
            raise WindowLost(f"window {info.title!r} is gone")
        self._w = matches[0]
        self.id = info.id
        self.description = f"window {info.title!r}"

    def rect(self) -> Rect:
        if not self._w.isAlive or not self._w.isVisible:
            raise WindowLost(f"{self.description} is gone")
        box = self._w.getClientFrame()
        return Rect(box.left, box.top, box.right - box.left, box.bottom - box.top)

    def parts(self) -> list[Rect]:
        return [self.rect()]

    def activate(self) -> None:
        self._w.activate()

    def close(self) -> None:
        """Nothing to release."""
