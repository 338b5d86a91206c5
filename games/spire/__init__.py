"""spire: the built-in mouse-only deck-building card battler (pygame), seeded and deterministic.

`SpireGame` runs it in-process and headless; `python -m games.spire --seed N` runs it in its own
window. Both draw with the same renderer, so settled frames are pixel-identical. pygame is
imported on first use of SpireGame, so the command line answers bad flags at once.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

# pygame prints a banner to stdout on import unless told not to; a library must stay quiet
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

if TYPE_CHECKING:
    from games.spire.game import SpireGame
    from games.spire.model import Rules

__all__ = ["Rules", "SpireGame"]


def __getattr__(name: str) -> Any:
    if name == "SpireGame":
        from games.spire.game import SpireGame

        return SpireGame
    if name == "Rules":
        from games.spire.model import Rules

        return Rules
    raise AttributeError(f"module 'games.spire' has no attribute {name!r}")
