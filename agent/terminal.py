"""What the command-line tools share: the rich consoles and the rule that every error bottomup
raises on purpose becomes one clear line on stderr and a non-zero exit (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from agent.errors import BottomupError, ConfigError
from skills.errors import LibraryError

console = Console()
err = Console(stderr=True)


@contextmanager
def cli_errors() -> Iterator[None]:
    """One clear line and exit code 2 for a BottomupError or a library's LibraryError (a library
    that cannot be opened, say); exit code 130 for Ctrl-C."""
    try:
        yield
    except (BottomupError, LibraryError) as exc:
        err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        raise typer.Exit(130) from None


def parse_size(text: str | None) -> tuple[int, int] | None:
    """--size WIDTHxHEIGHT (each at least 64) as (width, height); None when not given."""
    if text is None:
        return None
    w, sep, h = text.lower().partition("x")
    if not sep or not w.isdigit() or not h.isdigit() or int(w) < 64 or int(h) < 64:
        raise ConfigError(
            f"--size must be WIDTHxHEIGHT, each at least 64 (e.g. 1280x720), got {text!r}"
        )
    return int(w), int(h)
