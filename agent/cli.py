"""The `bottomup` command line: play games, list games, inspect recordings, manage skill libraries.

This is the edge: it reads settings (flags > env > bottomup.toml > defaults) once, prints with rich,
and turns every BottomupError into one clear line and a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from agent.config import Settings, load_settings
from agent.recording import Recording, list_recordings
from agent.replay.cli import app as replay_app
from agent.terminal import cli_errors, console, parse_size

app = typer.Typer(
    help="bottomup: an agent that learns to play games from pixels and mouse clicks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # a docstring's line breaks are not kept in --help
)
games_app = typer.Typer(
    help="The games bottomup knows (built-in games and desktop profiles).",
    rich_markup_mode="markdown",
)
recordings_app = typer.Typer(
    help="Recorded runs: list them and show one.", rich_markup_mode="markdown"
)
app.add_typer(games_app, name="games")
app.add_typer(recordings_app, name="recordings")
app.add_typer(replay_app, name="replay")

log = logging.getLogger("bottomup")


def _mount_skills() -> None:
    try:
        from skills.cli import app as skills_app
    except ImportError:  # pragma: no cover - skills/ always ships with agent/
        return
    app.add_typer(
        skills_app, name="skills", help="Skill libraries: inspect, export, import, merge."
    )


_mount_skills()


def _agent_id(settings: Settings) -> str:
    return settings.agent_id or f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


@app.command()
def play(
    game: Annotated[
        str | None, typer.Argument(help="Game id or name (see `bottomup games ls`).")
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="Title regex of an already running window to play.")
    ] = None,
    region: Annotated[
        str | None, typer.Option(help="Play a fixed screen rectangle x,y,w,h instead of a window.")
    ] = None,
    launch: Annotated[
        str | None, typer.Option(help="Command that starts the game (overrides the profile's).")
    ] = None,
    steps: Annotated[int | None, typer.Option(help="Number of actions to take.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the game and the agent.")] = None,
    size: Annotated[str | None, typer.Option(help="Window size of built-in games, WxH.")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Record actions without moving the pointer.")
    ] = False,
    record: Annotated[
        bool | None, typer.Option("--record/--no-record", help="Write a recording of the run.")
    ] = None,
    display: Annotated[
        str | None,
        typer.Option(help="auto (default): current display or a private Xvfb; virtual; current."),
    ] = None,
    headless: Annotated[
        bool,
        typer.Option(
            "--headless", help="Run a built-in game in-process: no window, no pointer, fast."
        ),
    ] = False,
    brain: Annotated[
        str | None,
        typer.Option(
            help="Who decides: offline (default; the learning agent, no model), vlm (the "
            "learning agent asking an OpenAI-compatible model), random (baseline for comparison)."
        ),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model name for --brain vlm.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint (default $OPENAI_BASE_URL).")
    ] = None,
    max_model_calls: Annotated[
        int | None, typer.Option(help="Budget: at most this many model calls.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(help="Budget: at most this many tokens.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option(help="Budget: at most this much money (USD).")
    ] = None,
    library: Annotated[str | None, typer.Option(help="Skill library path or DSN.")] = None,
    recordings: Annotated[Path | None, typer.Option(help="Folder for recordings.")] = None,
    config: Annotated[
        Path | None, typer.Option(help="Settings file (default ./bottomup.toml).")
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
) -> None:
    """Play a game: the built-in `spire` by default, in a live window (a private virtual display
    when there is no screen), or any desktop window by --window / --region."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
    with cli_errors():
        flags: dict[str, Any] = {
            "steps": steps,
            "seed": seed,
            "size": parse_size(size),
            "dry_run": dry_run or None,
            "record": record,
            "display": display,
            "brain": brain,
            "model": model,
            "base_url": base_url,
            "max_model_calls": max_model_calls,
            "max_tokens": max_tokens,
            "max_cost": max_cost,
            "library": library,
            "recordings": recordings,
        }
        settings = load_settings(flags, env=os.environ, config_file=config)
        from agent.session import run_session

        run_session(
            settings,
            game=game,
            window=window,
            region=region,
            launch=shlex.split(launch) if launch else None,
            headless=headless,
            agent_id=_agent_id(settings),
            console=console,
            current_display=os.environ.get("DISPLAY"),
        )


@games_app.command("ls")
def games_ls(as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False) -> None:
    """List registered games."""
    import games

    specs = games.registered()
    if as_json:
        rows = [
            {
                "id": s.id,
                "built_in": s.entry_point is not None,
                "profile": s.profile,
                "description": s.description,
            }
            for s in specs
        ]
        console.print_json(json.dumps(rows))
        return
    table = Table("id", "kind", "profile", "description")
    for s in specs:
        table.add_row(
            s.id, "built-in" if s.entry_point else "desktop", s.profile or "-", s.description
        )
    console.print(table)


@recordings_app.command("ls")
def recordings_ls(
    root: Annotated[Path, typer.Option("--root", help="Recordings folder.")] = Path("recordings"),
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """List recordings, oldest first."""
    with cli_errors():
        summaries = [Recording(p).summary() for p in list_recordings(root)]
        if as_json:
            console.print_json(json.dumps(summaries))
            return
        table = Table("recording", "game", "steps", "responsive", "ended")
        for s in summaries:
            rate = "-" if s["responsive_rate"] is None else f"{s['responsive_rate']:.0%}"
            table.add_row(Path(s["path"]).name, s["game"], str(s["steps"]), rate, s["ended"])
        console.print(table)


@recordings_app.command("show")
def recordings_show(
    path: Annotated[Path, typer.Argument(help="A recording folder.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Summarise one recording."""
    with cli_errors():
        summary = Recording(path).summary()
        if as_json:
            console.print_json(json.dumps(summary))
            return
        for key, value in summary.items():
            console.print(f"[bold]{key}[/]: {value}")


def main() -> None:  # pragma: no cover - console-script shim
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
