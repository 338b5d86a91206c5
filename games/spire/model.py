"""The rules of spire: a run (title -> map -> combat/rest -> reward -> ... -> boss) and its combats.

Everything here is deterministic given the seed and the sequence of player actions: one seeded
`random.Random` per run is drawn from in a fixed order. Each action returns the `Event`s it caused,
which the presentation turns into short animations; the rules never depend on time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from games.spire.cards import (
    BOSS_ENCOUNTER,
    EASY_ENCOUNTERS,
    ELITE_ENCOUNTERS,
    HARD_ENCOUNTERS,
    REWARD_POOL,
    STARTER_DECK,
    Card,
    EnemyKind,
    Intent,
)
from games.spire.mapgen import Node, Position, RunMap, generate_map

Screen = Literal["title", "map", "combat", "reward", "rest", "defeat", "victory"]


@dataclass(frozen=True)
class Rules:
    """Tunable numbers of a run (tests may raise start_hp to walk to the boss safely)."""

    start_hp: int = 60
    energy: int = 3
    hand_size: int = 5
    floors: int = 9
    rest_heal: float = 0.3


@dataclass(frozen=True)
class Event:
    """Something that happened, for the presentation to animate: who, what and how much."""

    kind: Literal["play", "damage", "block", "buff", "heal", "select", "screen", "upgrade"]
    target: str = ""  # "player", "enemy:1", "card:2", or a screen name
    amount: int = 0
    card: Card | None = None


@dataclass
class Enemy:
    """An enemy in combat."""

    kind: EnemyKind
    hp: int
    max_hp: int
    step: int = 0
    block: int = 0
    strength: int = 0
    vulnerable: int = 0
    weak: int = 0

    @property
    def alive(self) -> bool:
        return self.hp > 0

    @property
    def intent(self) -> Intent:
        return self.kind.pattern[self.step % len(self.kind.pattern)]


@dataclass
class Combat:
    """One fight: piles, energy, the hero's block and statuses, the enemies, the selected card."""

    enemies: list[Enemy]
    draw: list[Card]
    hand: list[Card] = field(default_factory=list)
    discard: list[Card] = field(default_factory=list)
    energy: int = 3
    block: int = 0
    strength: int = 0
    vulnerable: int = 0
    weak: int = 0
    selected: int | None = None
    turn: int = 1
    node_kind: str = "combat"


def attack_damage(base: int, strength: int, attacker_weak: int, defender_vulnerable: int) -> int:
    """Damage of one hit: base + strength, x0.75 when the attacker is weak, x1.5 on vulnerable."""
    dmg = max(0, base + strength)
    if attacker_weak:
        dmg = math.floor(dmg * 0.75)
    if defender_vulnerable:
        dmg = math.floor(dmg * 1.5)
    return dmg


class Run:
    """The whole game state: which screen, the hero, the deck, the map, the current combat."""

    def __init__(self, seed: int, rules: Rules | None = None) -> None:
        self.seed = seed
        self.rules = rules or Rules()
        self.runs = 0
        self.screen: Screen = "title"
        self._new_run()

    # -- run lifecycle -------------------------------------------------------------------------

    def _new_run(self) -> None:
        self.rng = random.Random(f"spire:{self.seed}:{self.runs}")
        self.map: RunMap = generate_map(self.rng, floors=self.rules.floors)
        self.hp = self.max_hp = self.rules.start_hp
        self.deck: list[Card] = list(STARTER_DECK)
        self.floor = 0
        self.score = 0
        self.kills = 0
        self.position: Position | None = None
        self.visited: list[Position] = []
        self.combat: Combat | None = None
        self.rewards: tuple[Card, ...] = ()
        self.message = ""

    def reachable(self) -> list[Node]:
        """Map nodes the hero can move to now."""
        return self.map.next_nodes(self.position)

    def start(self) -> list[Event]:
        """Title -> map of a fresh run."""
        self._new_run()
        self.screen = "map"
        return [Event("screen", "map")]

    def new_run(self) -> list[Event]:
        """Defeat/victory -> title; the next Start begins a different (but seeded) run."""
        self.runs += 1
        self._new_run()
        self.screen = "title"
        return [Event("screen", "title")]

    def choose_node(self, pos: Position) -> list[Event]:
        node = self.map.node(pos)
        self.position = pos
        self.visited.append(pos)
        self.floor = node.floor
        self.score += 10
        self.message = ""
        if node.kind == "rest":
            self.screen = "rest"
            return [Event("screen", "rest")]
        if node.kind == "boss":
            group = BOSS_ENCOUNTER
        elif node.kind == "elite":
            group = self.rng.choice(ELITE_ENCOUNTERS)
        elif node.floor <= 3:
            group = self.rng.choice(EASY_ENCOUNTERS)
        else:
            group = self.rng.choice(HARD_ENCOUNTERS)
        enemies = []
        for kind in group:
            hp = self.rng.randint(*kind.hp)
            start = 0 if kind.shape in ("brute", "king") else self.rng.randrange(len(kind.pattern))
            enemies.append(Enemy(kind, hp, hp, step=start))
        draw = list(self.deck)
        self.rng.shuffle(draw)
        self.combat = Combat(enemies, draw, energy=self.rules.energy, node_kind=node.kind)
        self._draw(self.rules.hand_size)
        self.screen = "combat"
        return [Event("screen", "combat")]

    # -- rest and rewards ----------------------------------------------------------------------

    def rest(self) -> list[Event]:
        heal = min(self.max_hp - self.hp, math.ceil(self.max_hp * self.rules.rest_heal))
        self.hp += heal
        self.screen = "map"
        return [Event("heal", "player", heal), Event("screen", "map")]

    def rest_heal_amount(self) -> int:
        return min(self.max_hp - self.hp, math.ceil(self.max_hp * self.rules.rest_heal))

    def upgrade(self) -> list[Event]:
        """Upgrade one card: the first not yet upgraded, in the order Bash, rewards, Strike, Defend."""
        order = sorted(
            (i for i, c in enumerate(self.deck) if not c.upgraded),
            key=lambda i: (
                self.deck[i].name not in ("Bash",),
                self.deck[i].name in ("Strike", "Defend"),
                i,
            ),
        )
        events: list[Event] = []
        if order:
            i = order[0]
            self.deck[i] = self.deck[i].upgrade()
            self.message = f"Upgraded {self.deck[i].name}"
            events.append(Event("upgrade", "player", card=self.deck[i]))
        self.screen = "map"
        return events + [Event("screen", "map")]

    def pick_reward(self, index: int) -> list[Event]:
        card = self.rewards[index]
        self.deck.append(card)
        self.rewards = ()
        self.message = f"Added {card.name}"
        self.screen = "map"
        return [Event("screen", "map")]

    def skip_reward(self) -> list[Event]:
        self.rewards = ()
        self.message = ""
        self.screen = "map"
        return [Event("screen", "map")]

    # -- combat --------------------------------------------------------------------------------

    def _draw(self, count: int) -> None:
        c = self.combat
        assert c is not None
        for _ in range(count):
            if len(c.hand) >= self.rules.hand_size:
                return
            if not c.draw:
                if not c.discard:
                    return
                c.draw, c.discard = c.discard, []
                self.rng.shuffle(c.draw)
            c.hand.append(c.draw.pop())

    def playable(self, index: int) -> bool:
        c = self.combat
        return c is not None and 0 <= index < len(c.hand) and c.hand[index].cost <= c.energy

    def select_card(self, index: int) -> list[Event]:
        c = self.combat
        assert c is not None
        if c.selected == index:
            c.selected = None
            self.message = ""
            return [Event("select", f"card:{index}", 0)]
        if not self.playable(index):
            self.message = "Not enough energy"
            return []
        c.selected = index
        card = c.hand[index]
        self.message = "Choose an enemy" if card.kind == "attack" else "Click your hero to play"
        return [Event("select", f"card:{index}", 1)]

    def play_on_enemy(self, target: int) -> list[Event]:
        return self._play(target)

    def play_on_self(self) -> list[Event]:
        return self._play(None)

    def _play(self, target: int | None) -> list[Event]:
        c = self.combat
        assert c is not None and c.selected is not None
        index = c.selected
        card = c.hand.pop(index)
        c.selected = None
        c.energy -= card.cost
        self.message = ""
        events = [Event("play", f"enemy:{target}" if target is not None else "player", card=card)]
        if card.damage:
            victims = (
                [i for i, e in enumerate(c.enemies) if e.alive] if card.all_enemies else [target]
            )
            for i in victims:
                assert i is not None
                enemy = c.enemies[i]
                for _ in range(card.hits):
                    dmg = attack_damage(card.damage, c.strength, c.weak, enemy.vulnerable)
                    events.append(Event("damage", f"enemy:{i}", self._hurt_enemy(enemy, dmg)))
        for i in [target] if target is not None else []:
            enemy = c.enemies[i]
            enemy.vulnerable += card.vulnerable if enemy.alive else 0
            enemy.weak += card.weak if enemy.alive else 0
        if card.block:
            c.block += card.block
            events.append(Event("block", "player", card.block))
        if card.strength:
            c.strength += card.strength
            events.append(Event("buff", "player", card.strength))
        c.energy += card.energy
        c.discard.append(card)
        self._draw(card.draw)
        if not any(e.alive for e in c.enemies):
            events += self._win()
        return events

    def _hurt_enemy(self, enemy: Enemy, dmg: int) -> int:
        if not enemy.alive:
            return 0
        absorbed = min(enemy.block, dmg)
        enemy.block -= absorbed
        lost = min(enemy.hp, dmg - absorbed)
        enemy.hp -= lost
        if not enemy.alive:
            self.kills += 1
            self.score += 5
        return lost

    def _win(self) -> list[Event]:
        c = self.combat
        assert c is not None
        self.score += 25 if c.node_kind == "elite" else 0
        self.combat = None
        if c.node_kind == "boss":
            self.score += 100 + self.hp
            self.screen = "victory"
            return [Event("screen", "victory")]
        pool = list(REWARD_POOL)
        self.rng.shuffle(pool)
        self.rewards = tuple(pool[:3])
        self.screen = "reward"
        return [Event("screen", "reward")]

    def end_turn(self) -> list[Event]:
        """Discard the hand, let every enemy act on its intent, start the next turn."""
        c = self.combat
        assert c is not None
        c.discard += c.hand
        c.hand = []
        c.selected = None
        self.message = ""
        events: list[Event] = []
        for i, enemy in enumerate(c.enemies):
            if not enemy.alive:
                continue
            enemy.block = 0
            intent = enemy.intent
            if intent.kind == "attack":
                for _ in range(intent.hits):
                    dmg = attack_damage(intent.value, enemy.strength, enemy.weak, c.vulnerable)
                    absorbed = min(c.block, dmg)
                    c.block -= absorbed
                    self.hp = max(0, self.hp - (dmg - absorbed))
                    events.append(Event("damage", "player", dmg - absorbed))
            elif intent.kind == "block":
                enemy.block += intent.value
                events.append(Event("block", f"enemy:{i}", intent.value))
            else:
                enemy.strength += intent.value
                events.append(Event("buff", f"enemy:{i}", intent.value))
            enemy.step += 1
            if self.hp <= 0:
                self.combat = None
                self.screen = "defeat"
                return events + [Event("screen", "defeat")]
        for enemy in c.enemies:
            enemy.vulnerable = max(0, enemy.vulnerable - 1)
            enemy.weak = max(0, enemy.weak - 1)
        c.vulnerable = max(0, c.vulnerable - 1)
        c.weak = max(0, c.weak - 1)
        c.block = 0
        c.energy = self.rules.energy
        c.turn += 1
        self._draw(self.rules.hand_size)
        return events

    def intent_label(self, enemy: Enemy) -> str:
        """What the enemy's intent shows, e.g. "Attack 7", "Attack 3x2", "Block 5", "Buff"."""
        intent = enemy.intent
        if intent.kind == "attack":
            vuln = self.combat.vulnerable if self.combat else 0
            dmg = attack_damage(intent.value, enemy.strength, enemy.weak, vuln)
            return f"Attack {dmg}" + (f"x{intent.hits}" if intent.hits > 1 else "")
        if intent.kind == "block":
            return f"Block {intent.value}"
        return "Buff"
