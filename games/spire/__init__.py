"""spire: the built-in mouse-only deck-building card battler (pygame), seeded and deterministic.

`SpireGame` runs it in-process and headless; `python -m games.spire --seed N` runs it in its own
window. Both draw with the same renderer, so settled frames are pixel-identical.
"""

import os

# pygame prints a banner to stdout on import unless told not to; a library must stay quiet
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from games.spire.game import SpireGame  # noqa: E402
from games.spire.model import Rules  # noqa: E402

__all__ = ["Rules", "SpireGame"]
