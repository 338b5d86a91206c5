"""Game registry in the Gymnasium idiom: registration is data, `make` builds an in-process game.

games.register(id="spire-v0", entry_point="games.spire:SpireGame", profile="spire")
game = games.make("spire-v0", seed=3)      # "spire" resolves to the newest "spire-vN"
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

from agent.errors import ConfigError


@dataclass(frozen=True)
class GameSpec:
    """How to build a game: `entry_point` is "module:attr"; kwargs are defaults for make()."""

    id: str
    entry_point: str | None = None
    kwargs: dict[str, Any] = field(default_factory=dict)
    profile: str | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return _split_version(self.id)[0]


_REGISTRY: dict[str, GameSpec] = {}


def _split_version(game_id: str) -> tuple[str, int | None]:
    m = re.fullmatch(r"(.+)-v(\d+)", game_id)
    return (m.group(1), int(m.group(2))) if m else (game_id, None)


def register(
    id: str,
    entry_point: str | None = None,
    *,
    kwargs: dict[str, Any] | None = None,
    profile: str | None = None,
    description: str = "",
) -> GameSpec:
    spec = GameSpec(id, entry_point, dict(kwargs or {}), profile, description)
    _REGISTRY[id] = spec
    return spec


def registered() -> list[GameSpec]:
    return sorted(_REGISTRY.values(), key=lambda s: s.id)


def spec(game_id: str) -> GameSpec:
    """The spec for an id; an unversioned name resolves to its newest version."""
    if game_id in _REGISTRY:
        return _REGISTRY[game_id]
    versions = [
        (v, s) for s in _REGISTRY.values() for n, v in [_split_version(s.id)] if n == game_id
    ]
    if versions:
        return max(versions, key=lambda vs: vs[0] or 0)[1]
    known = ", ".join(s.id for s in registered()) or "none"
    raise ConfigError(f"unknown game {game_id!r} (registered: {known})")


def make(game_id: str, **kwargs: Any):
    """Build the in-process game for `game_id` (a built-in game; desktop games have no entry point)."""
    s = spec(game_id)
    if s.entry_point is None:
        raise ConfigError(
            f"game {s.id!r} runs only in a live window (use `bottomup play {s.name}`)"
        )
    module_name, _, attr = s.entry_point.partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    return factory(**{**s.kwargs, **kwargs})
