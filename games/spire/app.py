"""spire in its own window: a pygame event loop around a Session, drawing with the same renderer
as the in-process game (so settled pixels are identical), writing the ground-truth probe after
each change has been displayed. Mouse-only; exits with code 0 on window close, SIGTERM or SIGINT.
"""

from __future__ import annotations

import locale
import logging
import signal
import time
from pathlib import Path

import pygame

from agent.errors import DisplayError
from games.probe import write_probe
from games.spire import render
from games.spire.model import Rules
from games.spire.session import Session

log = logging.getLogger(__name__)


def title_for(seed: int) -> str:
    return f"bottomup spire (seed {seed})"


def run_window(
    seed: int,
    size: tuple[int, int] = (1280, 720),
    probe: Path | None = None,
    fps: int = 30,
    rules: Rules | None = None,
    allow_headless: bool = False,
) -> int:
    """Open the window and play until it is closed; returns the exit code (0).

    DisplayError when no real display is available (unless `allow_headless`, for SDL's dummy
    driver)."""
    session = Session(seed, size, rules)
    stop: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: stop.append(signum))
    # SDL writes WM_NAME in the locale's encoding; under a UTF-8 locale its type is "UTF-8",
    # which tools like `xdotool search --name` cannot read. The title is ASCII: use plain STRING.
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        pygame.display.init()
    except pygame.error as exc:
        raise DisplayError(f"cannot open a window: {exc} (is DISPLAY set? try Xvfb)") from None
    if pygame.display.get_driver() in ("offscreen", "dummy") and not allow_headless:
        pygame.quit()
        raise DisplayError(
            "no display to open a window on (DISPLAY is not set); run under X or Xvfb, "
            "or use games.spire.SpireGame in-process"
        )
    pygame.font.init()
    try:
        window = pygame.display.set_mode(size)
        pygame.display.set_caption(title_for(seed))
        pygame.event.set_blocked(None)
        pygame.event.set_allowed([pygame.QUIT, pygame.MOUSEBUTTONDOWN, pygame.WINDOWEXPOSED])
        _loop(session, window, probe, fps, stop)
    finally:
        pygame.quit()
    log.info("spire window closed (%s)", f"signal {stop[0]}" if stop else "window closed")
    return 0


def _loop(
    session: Session, window: pygame.Surface, probe: Path | None, fps: int, stop: list[int]
) -> None:
    surface = render.new_surface(session.size)
    clock = pygame.time.Clock()
    t0 = time.monotonic()
    frames = 0
    dirty, was_animating = True, False
    written: tuple[int, int, bool] | None = None
    while not stop:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                return
            if session.handle(event, time.monotonic() - t0):
                dirty = True
            elif event.type == pygame.WINDOWEXPOSED:
                dirty = True
        now = time.monotonic() - t0
        animating = session.animating(now)
        if dirty or animating or was_animating:
            session.draw(surface, now)
            window.blit(surface, (0, 0))
            pygame.display.flip()
            frames += 1
            dirty, was_animating = False, animating
            key = (session.version, session.clicks, animating)
            if probe is not None and key != written:
                # written after the flip: a reader sees truth only for what is on screen
                write_probe(probe, session.truth(frames, now))
                written = key
        clock.tick(fps)
