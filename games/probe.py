"""Ground truth that built-in games publish for tests and benchmarks only.

agent/ and skills/ never import this module (a test enforces it): the agent sees pixels only.
A game running as its own process writes its GroundTruth as JSON to the file given by `--probe`
(atomically, after each rendered change); in-process games return it from `probe()`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agent.types import Rect


@dataclass(frozen=True)
class Clickable:
    """One element a player can click: a stable name (e.g. "card:2", "button:end_turn"), a kind
    ("button", "card", "enemy", "node", "reward", ...), its rectangle in window pixels."""

    name: str
    kind: str
    rect: Rect
    enabled: bool = True


@dataclass(frozen=True)
class GroundTruth:
    """What the game knows about itself right now."""

    screen: str  # e.g. "title", "map", "combat", "reward", "rest", "defeat", "victory"
    floor: int = 0
    score: int = 0
    hp: int = 0
    max_hp: int = 0
    clickables: tuple[Clickable, ...] = field(default=())
    frame_counter: int = 0
    over: bool = False
    won: bool = False
    extra: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> GroundTruth:
        data = json.loads(text)
        data["clickables"] = tuple(
            Clickable(c["name"], c["kind"], Rect(**c["rect"]), c.get("enabled", True))
            for c in data.get("clickables", [])
        )
        return cls(**data)


def write_probe(path: str | Path, truth: GroundTruth) -> None:
    """Atomically replace `path` with `truth` as JSON (readers never see a half-written file)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".probe-")
    with os.fdopen(fd, "w") as fh:
        fh.write(truth.to_json())
    os.replace(tmp, path)


def read_probe(path: str | Path) -> GroundTruth:
    return GroundTruth.from_json(Path(path).read_text())
