"""`bottomup replay ...`: view, summarise, re-decide, re-run and learn from recordings.

Every command takes one or more recordings (folders, folders of recordings, or globs), shows a
progress bar on stderr, prints one clear error line per bad recording and goes on with the rest;
the exit code is 2 when any recording failed. --json prints machine-readable results on stdout.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from agent.errors import BottomupError, ConfigError
from agent.replay.reader import Replay
from agent.replay.sources import expand
from agent.terminal import cli_errors, console, err, parse_size

app = typer.Typer(
    help="Replay recorded sessions offline: view, summary, redecide, rerun, learn.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",  # a docstring's line breaks are not kept in --help
)
T = TypeVar("T")

Recordings = Annotated[
    list[str], typer.Argument(help="Recording folders, folders of recordings, or globs.")
]
AsJson = Annotated[bool, typer.Option("--json", help="JSON output on stdout.")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")]
CacheOption = Annotated[
    str | None,
    typer.Option(
        "--perception-cache",
        help="File that keeps what was perceived in recorded frames, so replaying them again is "
        "fast (default: bottomup/perception.sqlite under $XDG_CACHE_HOME or ~/.cache; "
        "'none' keeps it in memory only).",
    ),
]


def _perception_cache(option: str | None) -> None:
    from agent.replay.policies import use_perception_cache

    if option is not None and option.lower() == "none":
        use_perception_cache(None)
        return
    if option is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        option = str(Path(base) / "bottomup" / "perception.sqlite")
    use_perception_cache(Path(option))


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


def _each(
    recordings: list[str],
    work: Callable[[Replay, Callable[[], None]], T],
    *,
    label: str,
    max_steps: int | None = None,
) -> tuple[list[tuple[Replay, T]], int]:
    """Run `work(replay, advance)` for every recording under one progress bar.

    Returns the results and the number of recordings that failed (each reported as one line).
    """
    paths = expand(recordings)
    results: list[tuple[Replay, T]] = []
    failed = 0
    with _progress() as progress:
        overall = progress.add_task(f"{label} recordings", total=len(paths))
        for path in paths:
            try:
                replay = Replay(path)
            except BottomupError as exc:
                err.print(f"[bold red]error:[/] {exc}", soft_wrap=True)
                failed += 1
                progress.advance(overall)
                continue
            for note in replay.damage:
                err.print(f"[yellow]warning:[/] {replay.name}: {note}")
            total = len(replay.steps) if max_steps is None else min(max_steps, len(replay.steps))
            task = progress.add_task(replay.name[-40:], total=total)
            try:
                results.append((replay, work(replay, lambda t=task: progress.advance(t))))
            except BottomupError as exc:
                err.print(f"[bold red]error:[/] {replay.path}: {exc}", soft_wrap=True)
                failed += 1
            progress.remove_task(task)
            progress.advance(overall)
    return results, failed


def _finish(failed: int) -> None:
    if failed:
        raise typer.Exit(2)


def _dump(rows: list[Any]) -> None:
    console.print_json(json.dumps(rows, default=str))


def _setup(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)


@app.command()
def summary(recordings: Recordings, as_json: AsJson = False, verbose: Verbose = False) -> None:
    """Headline figures of each recording (steps, responsiveness, settle, skills, model cost)."""
    from agent.replay.summary import summarize

    _setup(verbose)
    with cli_errors():
        results, failed = _each(recordings, lambda r, _a: summarize(r), label="summary")
        if as_json:
            _dump([s.to_json() for _, s in results])
        elif len(results) == 1:
            for key, value in results[0][1].to_json().items():
                shown = ", ".join(map(str, value)) if isinstance(value, tuple) else value
                console.print(f"[bold]{key}[/]: {shown if shown not in ('', None) else '-'}")
        else:
            table = Table("recording", "game", "policy", "steps", "responsive", "settle",
                          "states", "skills +new", "calls", "cost", "ended")  # fmt: skip
            for replay, s in results:
                table.add_row(
                    replay.name, s.game, s.policy or "?", str(s.steps),
                    "-" if s.responsive_rate is None else f"{s.responsive_rate:.0%}",
                    "-" if s.settle_median_ms is None else f"{s.settle_median_ms:.0f} ms",
                    str(s.states), f"{len(s.skills_used)} +{len(s.skills_created)}",
                    str(s.model_calls), f"${s.cost:.4f}", s.ended,
                )  # fmt: skip
            console.print(table)
        _finish(failed)


@app.command()
def view(
    recordings: Recordings,
    out: Annotated[
        Path, typer.Option("-o", "--out", help="Folder for the reports (or a .html file).")
    ] = Path("replay-reports"),
    mp4: Annotated[bool, typer.Option("--mp4", help="Also export an MP4 with overlays.")] = False,
    fps: Annotated[float, typer.Option(help="Frames per second of the MP4.")] = 4.0,
    verbose: Verbose = False,
) -> None:
    """Write a self-contained HTML report (and an MP4 with --mp4) per recording."""
    from agent.replay.html import write_html
    from agent.replay.video import write_mp4

    _setup(verbose)

    def work(replay: Replay, advance: Callable[[], None]) -> list[Path]:
        page = out if out.suffix == ".html" else out / f"{replay.name}.html"
        written = [write_html(replay, page, on_step=lambda _i: advance())]
        if mp4:
            video = page.with_suffix(".mp4")
            write_mp4(replay, video, fps=fps)
            written.append(video)
        return written

    with cli_errors():
        if out.suffix == ".html" and len(expand(recordings)) > 1:
            raise ConfigError("-o FILE.html takes one recording; give a folder for several")
        results, failed = _each(recordings, work, label="view")
        for _, paths in results:
            for path in paths:
                console.print(f"wrote {path}")
        _finish(failed)


@app.command()
def redecide(
    recordings: Recordings,
    policy: Annotated[
        str | None,
        typer.Option(help="Policy to re-decide with (default: the one each recording names)."),
    ] = None,
    library: Annotated[
        str | None,
        typer.Option(
            help="Library state to start from (a SQLite file; it is copied, not changed)."
        ),
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Re-decide at most this many steps.")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Re-ask this OpenAI-compatible endpoint instead of the cassette."),
    ] = None,
    model: Annotated[str | None, typer.Option(help="Model to re-ask (with --base-url).")] = None,
    perception_cache: CacheOption = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Run a brain over the recorded frames (no window touched) and report agreement per step: a
    VLM run answers from the model replies stored in the recording (its cassette), or, with
    --base-url and --model, re-asks a live endpoint to compare models or prompts."""
    from agent.replay.policies import policy_factory
    from agent.replay.redecide import redecide as run

    _setup(verbose)
    with cli_errors():
        _perception_cache(perception_cache)
    endpoint = None
    if base_url or model:
        from agent.brains.model import ModelSettings

        if not (base_url and model):
            with cli_errors():
                raise ConfigError("re-asking a model needs both --base-url and --model")
        key = os.environ.get("OPENAI_API_KEY", "")
        with cli_errors():
            try:
                endpoint = ModelSettings(base_url=base_url, model=model, api_key=key)
            except ValueError as exc:
                raise ConfigError(f"bad model settings: {exc}") from None
    with cli_errors():
        factory = policy_factory(policy, library, endpoint)

    def work(replay: Replay, advance: Callable[[], None]):
        return run(replay, factory, max_steps=steps, on_step=lambda _c: advance())

    with cli_errors():
        results, failed = _each(recordings, work, label="re-decide", max_steps=steps)
        if as_json:
            _dump(
                [
                    {
                        **dataclasses.asdict(r),
                        "rate": r.rate,
                        "steps_per_second": r.steps_per_second,
                    }
                    for _, r in results
                ]
            )
        else:
            table = Table("recording", "policy", "steps", "agree", "rate", "steps/s", "first miss")
            for replay, r in results:
                table.add_row(
                    replay.name, r.policy, str(r.steps), str(r.agreed), f"{r.rate:.1%}",
                    f"{r.steps_per_second:.0f}",
                    "-" if r.first_disagreement is None else str(r.first_disagreement),
                )  # fmt: skip
            console.print(table)
            for replay, r in results:
                misses = [c for c in r.comparisons if not c.agrees][:10]
                for c in misses:
                    console.print(
                        f"  {replay.name} step {c.index}: recorded {c.recorded}, "
                        f"now {c.decided} ({c.reason})"
                    )
                for e in r.errors[:5]:
                    console.print(f"  [red]{e}[/]")
        _finish(failed)


@app.command()
def rerun(
    recordings: Recordings,
    size: Annotated[
        str | None, typer.Option(help="Window size WxH (default: the recorded size).")
    ] = None,
    steps: Annotated[
        int | None, typer.Option(min=1, help="Re-run at most this many steps.")
    ] = None,
    headless: Annotated[
        bool, typer.Option("--headless", help="Built-in games in-process (no window).")
    ] = False,
    display: Annotated[
        str | None, typer.Option(help="auto (default), virtual or current, as for play.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Do not move the pointer.")] = False,
    config: Annotated[Path | None, typer.Option(help="Settings file (bottomup.toml).")] = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Re-execute recorded actions on a live game (same seed), re-grounding each target on the
    current frame; stop at the first step whose screen differs from the recording."""
    from agent.config import load_settings
    from agent.replay.rerun import rerun as run
    from agent.session import open_body

    _setup(verbose)
    with cli_errors():  # bad options are refused once, before any recording is read
        chosen = parse_size(size)
        load_settings({"display": display}, env=os.environ, config_file=config)

    def work(replay: Replay, advance: Callable[[], None]):
        wanted = chosen or replay.window_size()
        flags = {
            "seed": replay.seed,
            "size": wanted,
            "display": display,
            "dry_run": dry_run or None,
        }
        settings = load_settings(flags, env=os.environ, config_file=config)
        with open_body(
            settings, game=replay.manifest.game, window=None, region=None, launch=None,
            headless=headless, current_display=os.environ.get("DISPLAY"),
        ) as (body, _name):  # fmt: skip
            return run(replay, body, max_steps=steps, on_step=lambda _s: advance())

    with cli_errors():
        results, failed = _each(recordings, work, label="re-run", max_steps=steps)
        if as_json:
            _dump([{**dataclasses.asdict(r), "completed": r.completed} for _, r in results])
        else:
            for replay, r in results:
                colour = "green" if r.completed else "yellow"
                console.print(
                    f"[{colour}]{replay.name}[/]: {r.matched}/{r.planned} steps reached the "
                    f"recorded screens (window {r.scale[0]:g}x the recorded size); {r.reason}"
                )
        _finish(failed + sum(1 for _, r in results if not r.completed))


@app.command()
def learn(
    recordings: Recordings,
    library: Annotated[str, typer.Option(help="Library to grow: a SQLite path or a DSN.")],
    policy: Annotated[
        str, typer.Option(help="Learner to feed the transitions to.")
    ] = "bottomup-learner",
    perception_cache: CacheOption = None,
    as_json: AsJson = False,
    verbose: Verbose = False,
) -> None:
    """Feed recorded transitions through judge, reflect and abstract into a skill library: each
    recording is learnt into a library of its own, as its run lived it, and their merge is written
    into --library at the end, in one transaction (the order of the recordings does not matter)."""
    import time

    from agent.replay.learn import Learned, absorb_all, learn_one, policy_learner
    from agent.replay.policies import LEARNER_NAMES, learner_policy
    from skills.store import open_store

    _setup(verbose)
    with cli_errors():
        _perception_cache(perception_cache)
    if policy not in LEARNER_NAMES:
        with cli_errors():
            raise ConfigError(f"--policy must be one of {', '.join(LEARNER_NAMES)}")
    factory = policy_learner(learner_policy)

    done: list[Learned] = []

    def work(replay: Replay, advance: Callable[[], None]) -> None:
        done.append(learn_one(replay, factory, on_step=lambda _r, _i: advance()))

    with cli_errors(), open_store(library) as store:  # a bad location fails before the learning
        started = time.perf_counter()
        try:
            _, failed = _each(recordings, work, label="learn")
        finally:  # interrupted (Ctrl-C): the recordings learnt so far are kept
            absorb_all(store, (r.snapshot for r in done))
        steps = sum(r.steps for r in done)
        seconds = time.perf_counter() - started
        problems = [r.failed for r in done if r.failed]
        for problem in problems:
            err.print(f"[bold red]error:[/] {problem}", soft_wrap=True)
        row = {
            "library": library,
            "recordings": len(done) - len(problems),
            "steps": steps,
            "seconds": round(seconds, 3),
            "steps_per_second": round(steps / seconds, 1) if seconds else None,
        }
        if as_json:
            _dump([row])
        else:
            console.print(
                f"learned from {row['recordings']} recording(s), {steps} steps into {library} "
                f"({row['steps_per_second'] or '-'} steps/s)"
            )
        _finish(failed + len(problems))
