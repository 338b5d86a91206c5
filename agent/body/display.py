"""Which X display the body drives: the current one, or a private virtual one (Xvfb + openbox).

`VirtualDisplay` starts a private Xvfb on a free display number (Xvfb picks it itself and reports it
through `-displayfd`, so two processes starting displays at once never collide), starts openbox on
it when installed (windows then get real frames and focus), waits until it accepts connections, and
stops both at exit: on `__exit__`, on `stop()`, or at interpreter exit (atexit), even on errors;
if this process is killed outright, setpriv's parent-death signal (when available) ends them too.

The display name is passed explicitly to the other body parts (`find_window(display=...)`,
`Screen(display=...)`, `Mouse(display=...)`) and to child processes (`VirtualDisplay.child_env()`).
Nothing here sets DISPLAY in this process's environment; the one exception is
`bind_process_display()`, which pyautogui needs because it opens its X connection from DISPLAY
when imported: a process drives the pointer of one display at a time (see agent/body/mouse.py).
"""

from __future__ import annotations

import atexit
import logging
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Literal

from agent.errors import ConfigError, DisplayError, MissingDependency

log = logging.getLogger(__name__)

DisplayMode = Literal["virtual", "current", "auto"]


@dataclass(frozen=True)
class DisplaySettings:
    """How a virtual display is started."""

    width: int = 1920
    """Screen width in pixels."""
    height: int = 1080
    """Screen height in pixels."""
    depth: int = 24
    """Colour depth in bits (24 gives RGB frames)."""
    window_manager: bool = True
    """Start openbox on the display when installed (titles, focus, stacking like a desktop)."""
    start_timeout: float = 10.0
    """Seconds to wait for Xvfb (and the window manager) to come up."""
    search_path: str | None = None
    """PATH used to find Xvfb and openbox; None means the process PATH."""


class VirtualDisplay:
    """A private Xvfb (plus openbox if installed) for the lifetime of a `with` block.

    >>> with VirtualDisplay() as vd:
    ...     subprocess.Popen(["xterm"], env=vd.child_env())
    """

    def __init__(self, settings: DisplaySettings | None = None) -> None:
        self.settings = settings or DisplaySettings()
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._wm: subprocess.Popen[bytes] | None = None
        self._stderr: tempfile._TemporaryFileWrapper[bytes] | None = None
        self._name: str | None = None

    # -- public -------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The display name, e.g. ":3". Raises DisplayError when not started."""
        if self._name is None:
            raise DisplayError("virtual display is not running (use it as a context manager)")
        return self._name

    @property
    def pid(self) -> int | None:
        """Process id of the Xvfb server (None when not running)."""
        return self._xvfb.pid if self._xvfb is not None else None

    @property
    def wm_pid(self) -> int | None:
        """Process id of the window manager (None when none runs)."""
        return self._wm.pid if self._wm is not None else None

    @property
    def running(self) -> bool:
        return self._xvfb is not None and self._xvfb.poll() is None

    def child_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a child process that should open its windows on this display."""
        return display_env(self.name, base)

    def start(self) -> str:
        """Start Xvfb (and openbox); return the display name. Idempotent."""
        if self.running:
            return self.name
        s = self.settings
        if s.width <= 0 or s.height <= 0 or s.depth not in (8, 16, 24, 32):
            raise ConfigError(f"invalid virtual screen {s.width}x{s.height}x{s.depth}")
        xvfb = shutil.which("Xvfb", path=s.search_path)
        if xvfb is None:
            raise DisplayError(
                "Xvfb not found on PATH; install it (apt-get install xvfb) "
                "or run with the current display (--display current)"
            )
        atexit.register(self.stop)
        try:
            self._name = self._start_xvfb(xvfb)
            _wait_for_connection(self._name, s.start_timeout)
            if s.window_manager:
                self._start_wm()
        except BaseException:
            self.stop()
            raise
        log.info("virtual display %s started (%dx%dx%d)", self._name, s.width, s.height, s.depth)
        return self._name

    def stop(self) -> None:
        """Stop the window manager and Xvfb; wait until both are gone. Idempotent."""
        for proc in (self._wm, self._xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        if self._xvfb is not None:
            log.info("virtual display %s stopped", self._name)
        self._wm = self._xvfb = None
        self._name = None
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None
        atexit.unregister(self.stop)

    def __enter__(self) -> VirtualDisplay:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- internals ----------------------------------------------------------------------------

    def _start_xvfb(self, xvfb: str) -> str:
        s = self.settings
        self._stderr = tempfile.NamedTemporaryFile(prefix="bottomup-xvfb-", suffix=".log")
        read_fd, write_fd = os.pipe()
        cmd = [
            *_die_with_us(self.settings.search_path),
            xvfb,
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{s.width}x{s.height}x{s.depth}",
            "-nolisten",
            "tcp",
            "-noreset",
        ]
        try:
            self._xvfb = subprocess.Popen(
                cmd,
                pass_fds=(write_fd,),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=self._stderr,
                start_new_session=True,  # Ctrl-C reaches us, and we stop it cleanly
            )
        finally:
            os.close(write_fd)
        try:
            number = self._read_display_number(read_fd, s.start_timeout)
        finally:
            os.close(read_fd)
        return f":{number}"

    def _read_display_number(self, fd: int, timeout: float) -> int:
        assert self._xvfb is not None
        deadline = time.monotonic() + timeout
        data = b""
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DisplayError(f"Xvfb did not report a display within {timeout:.0f}s")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 64)
            if not chunk:  # pipe closed: Xvfb exited
                code = self._xvfb.wait(timeout=5)
                raise DisplayError(f"Xvfb exited with code {code}: {self._stderr_tail()}")
            data += chunk
        return int(data.strip())

    def _stderr_tail(self, lines: int = 5) -> str:
        if self._stderr is None:
            return ""
        self._stderr.flush()
        with open(self._stderr.name, "rb") as fh:
            text = fh.read().decode("utf-8", "replace")
        return " | ".join(text.strip().splitlines()[-lines:])

    def _start_wm(self) -> None:
        openbox = shutil.which("openbox", path=self.settings.search_path)
        if openbox is None:
            log.info("openbox not installed; running %s without a window manager", self._name)
            return
        self._wm = subprocess.Popen(
            [*_die_with_us(self.settings.search_path), openbox, "--sm-disable"],
            env=self.child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        if not _wait_for_wm(self.name, self.settings.start_timeout):
            log.warning("openbox did not become ready on %s; continuing without it", self._name)


class CurrentDisplay:
    """The display the user already has (DISPLAY): nothing to start or stop."""

    def __init__(self, name: str) -> None:
        self.name = name

    def child_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        return display_env(self.name, base)

    def start(self) -> str:
        return self.name

    def stop(self) -> None:
        """Nothing to stop: the display belongs to the user."""

    def __enter__(self) -> CurrentDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def ensure_display(
    mode: DisplayMode = "auto",
    current: str | None = None,
    settings: DisplaySettings | None = None,
) -> VirtualDisplay | CurrentDisplay:
    """Choose the display to drive; use the result as a context manager.

    mode "current" uses `current` (the caller's DISPLAY, read at the CLI edge); "virtual" always
    starts a private Xvfb; "auto" uses `current` when given, else a private Xvfb.
    """
    if mode not in ("virtual", "current", "auto"):
        raise ConfigError(f"display mode must be virtual, current or auto, got {mode!r}")
    if mode == "current" or (mode == "auto" and current):
        if not current:
            raise DisplayError("no DISPLAY is set; use --display virtual to start a private Xvfb")
        return CurrentDisplay(current)
    return VirtualDisplay(settings)


def display_env(name: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of `base` (default: this process's environment) with DISPLAY set to `name`."""
    env = dict(os.environ if base is None else base)
    env["DISPLAY"] = name
    env.pop("WAYLAND_DISPLAY", None)  # children must use X, not a Wayland session of the user
    return env


def bind_process_display(name: str) -> None:
    """Point this process's DISPLAY at `name` (needed before pyautogui is first imported).

    pyautogui (and mouseinfo) open their X connection from DISPLAY when imported, so a process
    drives the pointer of one display at a time; agent/body/mouse.py rebinds that connection when
    a Mouse for another display is used. Only body code and the CLI entry call this.
    """
    os.environ["DISPLAY"] = name


def open_xlib(name: str | None):  # noqa: ANN201 - Xlib is imported lazily, so no annotation
    """Open an Xlib connection to `name` (None: Xlib's default); DisplayError if unreachable."""
    try:
        from Xlib import display as xdisplay
        from Xlib.error import DisplayError as XDisplayError
        from Xlib.error import DisplayNameError
    except ImportError as exc:  # pragma: no cover - depends on the installation
        msg = "python-xlib is required on Linux: pip install python-xlib"
        raise MissingDependency(msg) from exc
    try:
        return xdisplay.Display(name)
    except (XDisplayError, DisplayNameError, ConnectionError, OSError) as exc:
        raise DisplayError(f"cannot connect to X display {name!r}: {exc}") from exc


def _die_with_us(search_path: str | None) -> list[str]:
    """A command prefix that ends the child when this process dies, even by SIGKILL.

    util-linux `setpriv --pdeathsig` sets the parent-death signal; Linux sends it when the *thread*
    that started the child ends, so it is used only from the main thread.
    """
    setpriv = shutil.which("setpriv", path=search_path)
    if setpriv is None or threading.current_thread() is not threading.main_thread():
        return []
    return [setpriv, "--pdeathsig", "TERM"]


def _wait_for_connection(name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            open_xlib(name).close()
            return
        except DisplayError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _wait_for_wm(name: str, timeout: float) -> bool:
    """True once a window manager has claimed the screen (_NET_SUPPORTING_WM_CHECK is set)."""
    conn = open_xlib(name)
    try:
        atom = conn.intern_atom("_NET_SUPPORTING_WM_CHECK")
        root = conn.screen().root
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if root.get_full_property(atom, 0) is not None:
                return True
            time.sleep(0.05)
        return False
    finally:
        conn.close()
