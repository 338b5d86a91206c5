"""What spire is made of: card and enemy definitions, the starter deck, the reward pool and the
encounters per act section. Plain frozen data; the rules that use them live in model.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

CardKind = Literal["attack", "skill"]
IntentKind = Literal["attack", "block", "buff"]


@dataclass(frozen=True)
class Card:
    """A card. Attacks are played on an enemy (click the card, then the enemy); skills are played
    on the hero (click the card, then the hero)."""

    name: str
    cost: int
    kind: CardKind
    damage: int = 0
    hits: int = 1
    all_enemies: bool = False
    block: int = 0
    vulnerable: int = 0
    weak: int = 0
    strength: int = 0
    draw: int = 0
    energy: int = 0
    upgraded: bool = False

    def text(self) -> str:
        """The rules text printed on the card."""
        parts: list[str] = []
        if self.damage:
            times = f" {self.hits} times" if self.hits > 1 else ""
            where = " to ALL enemies" if self.all_enemies else ""
            parts.append(f"Deal {self.damage} damage{times}{where}.")
        if self.block:
            parts.append(f"Gain {self.block} Block.")
        if self.vulnerable:
            parts.append(f"Apply {self.vulnerable} Vulnerable.")
        if self.weak:
            parts.append(f"Apply {self.weak} Weak.")
        if self.strength:
            parts.append(f"Gain {self.strength} Strength.")
        if self.energy:
            parts.append(f"Gain {self.energy} Energy.")
        if self.draw:
            parts.append(f"Draw {self.draw} card{'s' if self.draw > 1 else ''}.")
        return " ".join(parts)

    def upgrade(self) -> Card:
        """The upgraded version ("Strike+": +3 damage, +3 block, +1 strength or draw)."""
        if self.upgraded:
            return self
        return replace(
            self,
            name=self.name + "+",
            upgraded=True,
            damage=self.damage + 3 if self.damage else 0,
            block=self.block + 3 if self.block else 0,
            strength=self.strength + 1 if self.strength else 0,
            draw=self.draw + 1 if self.draw and not self.damage and not self.block else self.draw,
        )


STRIKE = Card("Strike", 1, "attack", damage=6)
DEFEND = Card("Defend", 1, "skill", block=5)
BASH = Card("Bash", 2, "attack", damage=8, vulnerable=2)

STARTER_DECK: tuple[Card, ...] = (STRIKE,) * 5 + (DEFEND,) * 4 + (BASH,)

REWARD_POOL: tuple[Card, ...] = (
    Card("Cleave", 1, "attack", damage=8, all_enemies=True),
    Card("Iron Wave", 1, "attack", damage=5, block=5),
    Card("Pommel", 1, "attack", damage=9, draw=1),
    Card("Twin Strike", 1, "attack", damage=5, hits=2),
    Card("Heavy Blade", 2, "attack", damage=16),
    Card("Quick Jab", 0, "attack", damage=4),
    Card("Clothesline", 2, "attack", damage=12, weak=2),
    Card("Uppercut", 2, "attack", damage=13, weak=1, vulnerable=1),
    Card("Shrug Off", 1, "skill", block=8, draw=1),
    Card("Shield Wall", 2, "skill", block=14),
    Card("Inflame", 1, "skill", strength=2),
    Card("Adrenaline", 0, "skill", energy=1, draw=2),
)


@dataclass(frozen=True)
class Intent:
    """What an enemy will do on its turn: attack for `value` (`hits` times), block, or buff."""

    kind: IntentKind
    value: int
    hits: int = 1


@dataclass(frozen=True)
class EnemyKind:
    """An enemy type: name, starting HP range, a repeating intent pattern and how it looks."""

    name: str
    hp: tuple[int, int]
    pattern: tuple[Intent, ...]
    colour: tuple[int, int, int]
    shape: Literal["blob", "bug", "humanoid", "wisp", "brute", "king"]
    size: tuple[int, int]  # logical body width, height


def _a(value: int, hits: int = 1) -> Intent:
    return Intent("attack", value, hits)


def _b(value: int) -> Intent:
    return Intent("block", value)


def _s(value: int) -> Intent:
    return Intent("buff", value)


SLIME = EnemyKind("Slime", (13, 16), (_a(6), _a(4), _b(5)), (90, 190, 80), "blob", (120, 100))
LOUSE = EnemyKind("Louse", (9, 12), (_a(5), _a(6), _s(2)), (215, 110, 150), "bug", (100, 90))
BANDIT = EnemyKind(
    "Bandit", (18, 22), (_a(7), _b(6), _a(3, 2)), (170, 120, 70), "humanoid", (110, 160)
)
BEETLE = EnemyKind("Beetle", (20, 24), (_b(8), _a(9), _a(6)), (70, 100, 200), "bug", (140, 110))
WISP = EnemyKind("Wisp", (14, 17), (_a(3, 2), _s(2), _a(5)), (90, 210, 220), "wisp", (100, 130))
BRUTE = EnemyKind("Brute", (44, 48), (_s(3), _a(11), _a(6, 2)), (150, 80, 200), "brute", (170, 190))
HOLLOW_KING = EnemyKind(
    "Hollow King",
    (110, 110),
    (_a(10), _b(12), _a(4, 3), _s(2), _a(15)),
    (200, 60, 60),
    "king",
    (220, 230),
)

EASY_ENCOUNTERS: tuple[tuple[EnemyKind, ...], ...] = ((SLIME,), (LOUSE, LOUSE), (BANDIT,))
HARD_ENCOUNTERS: tuple[tuple[EnemyKind, ...], ...] = (
    (SLIME, LOUSE),
    (BEETLE,),
    (BANDIT, WISP),
    (LOUSE, LOUSE, LOUSE),
    (WISP, SLIME),
)
ELITE_ENCOUNTERS: tuple[tuple[EnemyKind, ...], ...] = ((BRUTE,), (BRUTE, LOUSE))
BOSS_ENCOUNTER: tuple[EnemyKind, ...] = (HOLLOW_KING,)
