"""A playing session: the run, the window size, the clock and the animations in flight.

`Session.click(x, y, now)` hit-tests a left click in window pixels against the current
interactive elements, applies the matching rule and starts the animations it causes. The
in-process game drives it with simulated time, the windowed app with wall time; both draw with
`render.draw`, so their settled pixels are identical.
"""

from __future__ import annotations

import logging

import pygame

from agent.types import Rect
from games.probe import Clickable, GroundTruth
from games.spire import layout as L
from games.spire import render
from games.spire.anim import Animation, from_events
from games.spire.model import Event, Rules, Run

log = logging.getLogger(__name__)


class Session:
    """One game of spire at one window size; clicks in, state and pixels out."""

    def __init__(
        self, seed: int = 0, size: tuple[int, int] = (1280, 720), rules: Rules | None = None
    ):
        w, h = size
        if not (L.MIN_SIZE[0] <= w <= L.MAX_SIZE[0] and L.MIN_SIZE[1] <= h <= L.MAX_SIZE[1]):
            raise ValueError(f"window size must be within 320x180 .. 3840x2160, got {w}x{h}")
        self.seed = seed
        self.size = (w, h)
        self.scaler = L.Scaler(w, h)
        self.run = Run(seed, rules)
        self.anims: list[Animation] = []
        self.clicks = 0
        self.version = 0

    def elements(self) -> list[L.Element]:
        """Interactive elements with rects in window pixels."""
        return [
            L.Element(e.name, e.kind, self.scaler.rect(e.rect), e.enabled)
            for e in L.elements(self.run)
        ]

    def hit(self, x: float, y: float) -> L.Element | None:
        for e in self.elements():
            if e.rect.contains(x, y):
                return e
        return None

    def handle(self, event: pygame.event.Event, now: float) -> bool:
        """Feed one pygame event (the window's, or one the in-process game made); True when it
        was a left-button press, the only input spire reacts to."""
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.click(event.pos[0], event.pos[1], now)
            return True
        return False

    def click(self, x: float, y: float, now: float) -> float:
        """A left click at window pixel (x, y) at time `now`; returns when its animations end."""
        self.clicks += 1
        element = self.hit(x, y)
        # a disabled card still answers (with "Not enough energy"); other disabled parts do not
        if element is None or (not element.enabled and element.kind != "card"):
            return now
        played_from = self._selected_rect()
        centres = self._centres()  # enemies keep their slots; take them before a kill ends combat
        events = self._dispatch(element.name)
        centres.update(self._centres())
        self.version += 1
        log.debug("click %s -> %s", element.name, [e.kind for e in events])
        self.anims = [a for a in self.anims if a.active(now)]
        self.anims += from_events(events, now, played_from, centres)
        return self.settle_time(now)

    def settle_time(self, now: float) -> float:
        """When the last running animation ends (or `now`)."""
        return max([now, *(a.end for a in self.anims)])

    def _dispatch(self, name: str) -> list[Event]:
        run = self.run
        kind, _, arg = name.partition(":")
        if name == "button:start":
            return run.start()
        if name == "button:new_run":
            return run.new_run()
        if name == "button:end_turn":
            return run.end_turn()
        if name == "button:rest":
            return run.rest()
        if name == "button:upgrade":
            return run.upgrade()
        if name == "button:skip":
            return run.skip_reward()
        if kind == "reward":
            return run.pick_reward(int(arg))
        if kind == "node":
            f, _, c = arg.partition(":")
            return run.choose_node((int(f), int(c)))
        if kind == "card":
            return run.select_card(int(arg))
        if kind == "enemy":
            return run.play_on_enemy(int(arg))
        if name == "player":
            return run.play_on_self()
        raise AssertionError(f"no rule for element {name!r}")

    def _selected_rect(self) -> Rect | None:
        c = self.run.combat
        if c is None or c.selected is None:
            return None
        return L.hand_rect(c.selected, len(c.hand), raised=True)

    def _centres(self) -> dict[str, tuple[int, int]]:
        out = {"player": (L.PLAYER.center.x, L.PLAYER.center.y), "hud:hp": (420, 70)}
        c = self.run.combat
        if c is not None:
            sizes = [e.kind.size for e in c.enemies]
            for i in range(len(c.enemies)):
                centre = L.enemy_rect(i, sizes).center
                out[f"enemy:{i}"] = (centre.x, centre.y)
        return out

    def draw(self, surface: pygame.Surface, now: float) -> None:
        render.draw(surface, self.run, self.anims, now)

    def animating(self, now: float) -> bool:
        return any(a.active(now) for a in self.anims)

    def truth(self, frame_counter: int, now: float) -> GroundTruth:
        """Ground truth for tests: screen, floor, score, hero HP and every clickable element."""
        run = self.run
        clickables = tuple(Clickable(e.name, e.kind, e.rect, e.enabled) for e in self.elements())
        extra: dict = {
            "seed": self.seed,
            "size": list(self.size),
            "clicks": self.clicks,
            "version": self.version,
            "animating": self.animating(now),
            "deck": [c.name for c in run.deck],
        }
        if run.combat is not None:
            c = run.combat
            extra.update(
                energy=c.energy,
                block=c.block,
                hand=[card.name for card in c.hand],
                selected=c.selected,
                enemies=[
                    {"name": e.kind.name, "hp": e.hp, "intent": run.intent_label(e)}
                    for e in c.enemies
                ],
                node_kind=c.node_kind,
            )
        if run.screen == "map":
            extra["nodes"] = {n.name: n.kind for n in run.map.nodes}
        return GroundTruth(
            screen=run.screen,
            floor=run.floor,
            score=run.score,
            hp=run.hp,
            max_hp=run.max_hp,
            clickables=clickables,
            frame_counter=frame_counter,
            over=run.screen in ("defeat", "victory"),
            won=run.screen == "victory",
            extra=extra,
        )
