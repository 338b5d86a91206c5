"""One root for every error bottomup raises on purpose.

BottomupError: the root; the CLI prints its message as one line and exits non-zero.
ConfigError: bad settings, flags or files given by the user.
SafetyStop: the run must stop now (window lost, fail-safe, point outside the window); data is kept.
OutsideWindowError: an action aimed outside the target window; it was refused, never executed.
WindowNotFound: no window matches the title regex.
DisplayError: no usable display (no DISPLAY and no Xvfb, or Xvfb failed to start).
ModelOutputError: a model reply that could not be used; recorded, and the loop goes on.
MissingDependency: an optional dependency is not installed; the message names the extra.
"""

from __future__ import annotations


class BottomupError(Exception):
    """Root of bottomup's own errors."""


class ConfigError(BottomupError):
    """Bad settings, flags or input files."""


class SafetyStop(BottomupError):
    """Stop the run now, keeping the recording and the library."""


class OutsideWindowError(SafetyStop):
    """An action aimed at a point outside the target window; refused, never executed."""


class BetweenWindowsError(OutsideWindowError):
    """A point inside the bounding box of the game's windows but on none of them (the desktop
    between the game and its dialog); refused, never executed. LiveWindow turns it into a step
    that did nothing, since the agent could not know the gap from the pixels."""


class WindowNotFound(BottomupError):
    """No viewable window matches the requested title."""


class WindowLost(SafetyStop):
    """The target window closed or vanished mid-run."""


class DisplayError(BottomupError):
    """No usable display could be found or started."""


class ModelOutputError(BottomupError):
    """A model reply that could not be used (malformed, wrong types, out of range)."""


class MissingDependency(BottomupError):
    """An optional dependency is missing; the message names the pip extra or apt package."""
