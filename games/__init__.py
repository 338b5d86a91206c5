"""Games the agent can play: built-in games (in-process or in their own window) and desktop games
described by profiles. Ground truth (games.probe) is for tests and benchmarks only."""

from games.registry import GameSpec, make, register, registered, spec

register(
    id="spire-v0",
    entry_point="games.spire:SpireGame",
    profile="spire",
    description="built-in mouse-only deck-building card battler (pygame)",
)
register(
    id="gnome-mines-v0", profile="gnome-mines", description="Debian's GNOME Mines (live window)"
)

__all__ = ["GameSpec", "make", "register", "registered", "spec"]
