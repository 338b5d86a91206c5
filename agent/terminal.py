"""What the command-line tools share: the rich consoles and the rule that every error bottomup
raises on purpose becomes one clear line on stderr and a non-zero exit (no traceback)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console

from agent.errors import BottomupError
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
