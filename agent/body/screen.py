"""Screen capture of the target rectangle only, as agent.types.Frame (RGB uint8, H x W x 3).

mss is imported lazily, and one mss instance is created per thread (mss instances must not be
shared between threads). The display name is given explicitly; mss opens its own X connection to
it, so nothing depends on this process's DISPLAY.

Parts of the rectangle that lie outside the screen (a window dragged half off-screen) come back
black, so a frame always has the size of the window.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from typing import Any

import cv2
import numpy as np

from agent.errors import ConfigError, DisplayError, MissingDependency
from agent.types import Frame, Rect

log = logging.getLogger(__name__)


class Screen:
    """Grabs rectangles of one display's screen.

    display: X display name (e.g. ":3"); None lets mss use its platform default.
    scale: image pixels per logical pixel (1.0 on X11; >1 on HiDPI macOS/Windows screens).
    """

    def __init__(self, display: str | None = None, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ConfigError(f"screen scale must be positive, got {scale}")
        self.display = display
        self.scale = scale
        self._local = threading.local()
        self._counter = itertools.count()
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def _mss(self) -> Any:
        sct = getattr(self._local, "sct", None)
        if sct is None:
            try:
                import mss
            except ImportError as exc:  # pragma: no cover - depends on the installation
                raise MissingDependency("screen capture needs mss: pip install mss") from exc
            try:
                kwargs = {"display": self.display} if self.display else {}
                sct = mss.MSS(**kwargs) if hasattr(mss, "MSS") else mss.mss(**kwargs)
            except Exception as exc:  # mss raises its own ScreenShotError and ctypes errors
                raise DisplayError(f"cannot capture display {self.display!r}: {exc}") from exc
            self._local.sct = sct
            with self._lock:
                self._all.append(sct)
        return sct

    def screen_rect(self) -> Rect:
        """The whole screen (all monitors) in root coordinates."""
        mon = self._mss().monitors[0]
        return Rect(int(mon["left"]), int(mon["top"]), int(mon["width"]), int(mon["height"]))

    def grab(self, region: Rect) -> Frame:
        """Capture `region` (root coordinates) now."""
        if region.w <= 0 or region.h <= 0:
            raise ValueError(f"cannot grab an empty region {region}")
        try:
            return self._grab(region)
        except DisplayError:
            raise
        except Exception as exc:  # mss raises ScreenShotError; a dead X server, OSErrors
            raise DisplayError(f"screen capture on {self.display!r} failed: {exc}") from exc

    def _grab(self, region: Rect) -> Frame:
        sct = self._mss()
        screen = self.screen_rect()
        visible = region.intersection(screen)
        timestamp = time.time()
        out_h, out_w = round(region.h * self.scale), round(region.w * self.scale)
        if visible == region:
            image = _to_rgb(sct.grab(_monitor(region)))
        else:
            image = np.zeros((out_h, out_w, 3), dtype=np.uint8)
            if visible is not None:
                part = _to_rgb(sct.grab(_monitor(visible)))
                ox = round((visible.x - region.x) * self.scale)
                oy = round((visible.y - region.y) * self.scale)
                ph, pw = min(part.shape[0], out_h - oy), min(part.shape[1], out_w - ox)
                image[oy : oy + ph, ox : ox + pw] = part[:ph, :pw]
        return Frame(image, next(self._counter), timestamp, region, self.scale)

    def close(self) -> None:
        """Close every mss instance this Screen opened (in any thread)."""
        with self._lock:
            for sct in self._all:
                try:
                    sct.close()
                except Exception:  # noqa: BLE001 - closing must not mask the caller's error
                    log.debug("closing mss failed", exc_info=True)
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> Screen:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _monitor(rect: Rect) -> dict[str, int]:
    return {"left": rect.x, "top": rect.y, "width": rect.w, "height": rect.h}


def _to_rgb(shot: Any) -> np.ndarray:
    bgra = np.frombuffer(shot.bgra, dtype=np.uint8).reshape(shot.height, shot.width, 4)
    return cv2.cvtColor(bgra, cv2.COLOR_BGRA2RGB)
