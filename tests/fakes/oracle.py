"""SIMULATION: a stand-in for a vision-language model, answering from spire's ground truth.

For tests and benchmarks only -- never the agent's brain. `SpireOracle(game)` is an `answer`
callback for tests/fakes/sim_vlm.SimulatedVLM: it reads the in-process game's probe (which the
agent never sees) and answers the four prompts the VLM brain sends:

    propose  a sensible element (combat: a playable card, then an enemy or the hero, End Turn when
             nothing is playable; map: a reachable node; reward: a card; rest: rest; title,
             defeat, victory: the button), given as the mark whose box holds the element's
             centre (marks are parsed from the prompt's "N: [x,y wxh]" lines), else as x, y
    judge    acted / consistent / progressive from how the probe changed since the last request
    name     from the name of the element under the named action's box
    reflect  a statement, reasoning citing the last "[step N]" of the history it was given, the
             corrected mark and one guideline (optionally ignoring the history at first, to test
             the re-ask)

Every reply says it is simulated ("[simulated]" in its free text).
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from games.probe import Clickable, GroundTruth
from games.spire.cards import REWARD_POOL, STARTER_DECK
from tests.fakes.sim_vlm import SimRequest

LABEL = "[simulated]"
_MARK = re.compile(r"^(\d+): \[(\d+),(\d+) (\d+)x(\d+)\]", re.MULTILINE)
_BOX = re.compile(r"\[(\d+),(\d+) (\d+)x(\d+)\]")
_STEP = re.compile(r"\[step (\d+)\]")
_COST = {c.name: c.cost for c in STARTER_DECK + REWARD_POOL} | {
    c.upgrade().name: c.upgrade().cost for c in STARTER_DECK + REWARD_POOL
}
_KIND = {c.name: c.kind for c in STARTER_DECK + REWARD_POOL} | {
    c.upgrade().name: c.kind for c in STARTER_DECK + REWARD_POOL
}
_FORWARD = {("title", "map"), ("map", "combat"), ("combat", "reward"), ("reward", "map")}
_FORWARD |= {("map", "rest"), ("rest", "map"), ("defeat", "title"), ("victory", "title")}


@dataclass(frozen=True)
class Mark:
    """A mark as listed in the prompt: its number and its box in image pixels."""

    number: int
    x: int
    y: int
    w: int
    h: int

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h


def parse_marks(text: str) -> list[Mark]:
    return [Mark(*(int(g) for g in m.groups())) for m in _MARK.finditer(text)]


def choose(truth: GroundTruth) -> Clickable | None:
    """The element a sensible player clicks next on this screen (None: nothing to click)."""
    live = [c for c in truth.clickables if c.enabled]
    by_name = {c.name: c for c in truth.clickables}
    if truth.screen == "combat":
        extra = truth.extra
        selected = extra.get("selected")
        hand = list(extra.get("hand", []))
        if selected is not None and 0 <= selected < len(hand):
            if _KIND.get(hand[selected], "attack") == "skill":
                return by_name.get("player")
            alive = [i for i, e in enumerate(extra.get("enemies", [])) if e["hp"] > 0]
            enemies = [by_name[f"enemy:{i}"] for i in alive if f"enemy:{i}" in by_name]
            if enemies:
                return min(enemies, key=lambda c: extra["enemies"][int(c.name[6:])]["hp"])
        energy = int(extra.get("energy", 0))
        playable = [i for i, n in enumerate(hand) if _COST.get(n, 9) <= energy]
        attacks = [i for i in playable if _KIND.get(hand[i]) == "attack"]
        pick = (attacks or playable or [None])[0]
        if pick is not None and f"card:{pick}" in by_name:
            return by_name[f"card:{pick}"]
        return by_name.get("button:end_turn")
    if truth.screen == "rest":
        return by_name.get("button:rest") or (live[0] if live else None)
    if truth.screen == "reward":
        cards = [c for c in live if c.kind == "reward"]
        return cards[0] if cards else by_name.get("button:skip")
    if truth.screen == "map":
        nodes = [c for c in live if c.kind == "node"]
        return nodes[0] if nodes else None
    buttons = [c for c in live if c.kind == "button"]
    return buttons[0] if buttons else (live[0] if live else None)


@dataclass
class SpireOracle:
    """An answer callback for SimulatedVLM that plays spire from its probe (a simulation).

    scale: image pixels per game pixel of the screenshots the brain sends (1.0 in-process).
    ignore_history: how many reflect answers (from the first) ignore the history they were given.
    mistake_rate: share of screens on which propose picks a wrong mark -- the same one every time
    that screen and mark list come back, as a model that misreads a screen keeps misreading it.
    """

    game: Any
    scale: float = 1.0
    ignore_history: int = 0
    mistake_rate: float = 0.0
    answered: dict[str, int] = field(default_factory=dict)
    _before: GroundTruth | None = None
    _seen: deque[GroundTruth] = field(default_factory=lambda: deque(maxlen=4))

    def __call__(self, request: SimRequest) -> dict[str, Any]:
        now = self.game.probe()
        before = self._before or now
        self._before = now
        self._seen.append(now)
        self.answered[request.prompt_id] = self.answered.get(request.prompt_id, 0) + 1
        if request.prompt_id == "judge":
            return self.judge(before, now)
        if request.prompt_id == "name":
            return self.name(request.text, tuple(reversed(self._seen)))
        if request.prompt_id == "reflect":
            return self.reflect(request.text, now)
        return self.propose(request.text, now)

    def _aim(self, text: str, truth: GroundTruth) -> dict[str, Any]:
        target = choose(truth)
        if target is None:
            return {"action": "wait", "reason": f"{LABEL} nothing to click"}
        cx, cy = target.rect.center.x * self.scale, target.rect.center.y * self.scale
        r, k = target.rect, self.scale
        holding = [  # a mark whose click (its centre) lands on the element
            m
            for m in parse_marks(text)
            if m.contains(cx, cy) and r.contains((m.x + m.w / 2) / k, (m.y + m.h / 2) / k)
        ]
        reason = f"{LABEL} click {target.name} on the {truth.screen} screen"
        if holding:
            mark = min(holding, key=lambda m: m.w * m.h)
            return {"action": "click", "mark": mark.number, "reason": reason}
        return {"action": "click", "x": int(cx), "y": int(cy), "reason": reason}

    def propose(self, text: str, truth: GroundTruth) -> dict[str, Any]:
        marks = parse_marks(text)
        if self.mistake_rate > 0 and marks:
            seed = hashlib.blake2b(str(marks).encode(), digest_size=8).digest()
            rng = random.Random(seed)
            if rng.random() < self.mistake_rate:
                wrong = rng.choice(marks).number
                return {"action": "click", "mark": wrong, "reason": f"{LABEL} a misreading"}
        return self._aim(text, truth)

    def judge(self, before: GroundTruth, now: GroundTruth) -> dict[str, Any]:
        acted = before.extra.get("version") != now.extra.get("version")
        progressive = (
            now.floor > before.floor
            or (before.screen, now.screen) in _FORWARD
            or _enemy_hp(now) < _enemy_hp(before)
            or now.extra.get("selected") is not None
        ) and now.screen != "defeat"
        return {
            "acted": acted,
            "consistent": acted,
            "progressive": bool(acted and progressive),
            "reason": f"{LABEL} {before.screen} -> {now.screen}, floor {now.floor}",
        }

    def name(self, text: str, recent: tuple[GroundTruth, ...]) -> dict[str, Any]:
        found = _BOX.search(text)
        hit = None
        if found:
            x, y, w, h = (int(g) for g in found.groups())
            cx, cy = (x + w / 2) / self.scale, (y + h / 2) / self.scale
            for truth in recent:  # newest first: the screen the action was taken on
                hit = next((c for c in truth.clickables if c.rect.contains(cx, cy)), None)
                if hit:
                    break
        what = hit.name.replace(":", " ").replace("_", " ") if hit else "an element"
        return {"name": f"sim: click {what}"[:60], "description": f"{LABEL} clicks {what}"}

    def reflect(self, text: str, truth: GroundTruth) -> dict[str, Any]:
        steps = _STEP.findall(text)
        ignore = self.answered.get("reflect", 0) <= self.ignore_history
        cite = "" if ignore or not steps else f"[step {steps[-1]}] "
        aim = self._aim(text, truth)
        reply: dict[str, Any] = {
            "statement": f"{LABEL} the last action did not move the game on",
            "reasoning": f"{LABEL} {cite}the element clicked did not respond on this screen; "
            f"{aim['reason']} instead",
            "corrected_action": aim["action"] if aim["action"] != "wait" else None,
            "guidelines": [f"{LABEL} avoid elements that did nothing on this screen"],
        }
        if "mark" in aim:
            reply["corrected_mark"] = aim["mark"]
        elif "x" in aim:
            reply["corrected_x"], reply["corrected_y"] = aim["x"], aim["y"]
        return reply


def _enemy_hp(truth: GroundTruth) -> int:
    return sum(int(e.get("hp", 0)) for e in truth.extra.get("enemies", []))
