"""The run's map: floors of nodes joined by upward paths, generated from a seeded random source.

Floors 1 .. floors-1 have up to `columns` nodes; the last floor is the boss. Paths walk upwards
one column left, straight or right, never crossing each other, so the map reads like a tree of
branching routes. Floor 1 is always combat, the floor before the boss is always a rest site.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

NodeKind = Literal["combat", "elite", "rest", "boss"]
Position = tuple[int, int]  # (floor, column)


@dataclass(frozen=True)
class Node:
    """One map node: floor (1-based), column and what waits there."""

    floor: int
    col: int
    kind: NodeKind

    @property
    def pos(self) -> Position:
        return (self.floor, self.col)

    @property
    def name(self) -> str:
        return f"node:{self.floor}:{self.col}"


@dataclass(frozen=True)
class RunMap:
    """All nodes and the upward edges between them."""

    nodes: tuple[Node, ...]
    edges: frozenset[tuple[Position, Position]]
    floors: int
    columns: int

    def node(self, pos: Position) -> Node:
        for n in self.nodes:
            if n.pos == pos:
                return n
        raise KeyError(pos)

    def next_nodes(self, pos: Position | None) -> list[Node]:
        """Nodes reachable in one move from `pos` (from the start when None)."""
        if pos is None:
            return sorted((n for n in self.nodes if n.floor == 1), key=lambda n: n.col)
        targets = {b for a, b in self.edges if a == pos}
        return sorted((n for n in self.nodes if n.pos in targets), key=lambda n: n.col)


def generate_map(rng: random.Random, floors: int = 9, columns: int = 4, paths: int = 4) -> RunMap:
    """A seeded map: `paths` walkers from floor 1 to floors-1, then everything joins the boss."""
    starts = sorted(rng.sample(range(columns), min(3, columns)))
    starts += [rng.randrange(columns) for _ in range(paths - len(starts))]
    edges: set[tuple[Position, Position]] = set()
    positions: set[Position] = set()
    for col in starts:
        positions.add((1, col))
        for floor in range(1, floors - 1):
            options = [c for c in (col - 1, col, col + 1) if 0 <= c < columns]
            rng.shuffle(options)
            # a move a->b crosses an existing b->a on the same floor pair; avoid it
            nxt = next(
                c for c in options if ((floor, c), (floor + 1, col)) not in edges or c == col
            )
            edges.add(((floor, col), (floor + 1, nxt)))
            positions.add((floor + 1, nxt))
            col = nxt
    boss = (floors, 0)
    for floor, col in list(positions):
        if floor == floors - 1:
            edges.add(((floor, col), boss))
    nodes = [Node(f, c, _kind(rng, f, floors)) for f, c in sorted(positions)]
    nodes.append(Node(floors, 0, "boss"))
    return RunMap(tuple(nodes), frozenset(edges), floors, columns)


def _kind(rng: random.Random, floor: int, floors: int) -> NodeKind:
    if floor == 1:
        return "combat"
    if floor == floors - 1:
        return "rest"
    weights: list[tuple[NodeKind, int]] = [("combat", 6)]
    if floor >= 4:
        weights.append(("elite", 2))
    if floor >= 3:
        weights.append(("rest", 2))
    kinds, w = zip(*weights, strict=True)
    return rng.choices(kinds, weights=w)[0]
