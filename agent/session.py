"""One run of `bottomup play`: choose the display and the game body, run the loop, record it.

The pieces (display, game body, policy, recorder, progress bar) are opened here and closed in
reverse order whatever happens, so an error or Ctrl-C leaves the recording readable and the game
process and virtual display stopped.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from agent.config import Settings
from agent.errors import BottomupError, ConfigError
from agent.loop import Policy, run_episode
from agent.recording import Recorder
from agent.types import Game, Rect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunSummary:
    """What a finished (or stopped) run reports."""

    steps: int
    acted: int
    recording: Path | None
    stopped_by: str | None = None


POLICY_NAMES = {
    "random": "random-baseline",
    "offline": "bottomup-learner",
    "vlm": "bottomup-learner",
}


def build_learner(
    *,
    game: str,
    agent_id: str,
    seed: int,
    library: str,
    vlm: Callable | None = None,
    reader=None,
    memo=None,
) -> Policy:
    """The learning agent as `bottomup play` builds it: the offline brain, the game's declared
    progress signal, the library at `library`; `vlm(offline_brain)` adds a VLM tier.
    Replay builds its learners here too, so a re-decided run is configured like the recorded one;
    it passes a shared OCR `reader` and perception `memo` (agent.cycle.perceive.PixelMemo)."""
    from agent.brains.local import offline_brain
    from agent.learner import Learner, LearnerSettings
    from skills.graph import SkillGraph

    settings = LearnerSettings(
        scope=game, agent_id=agent_id, seed=seed, progress=progress_signal(game)
    )
    offline = offline_brain(seed, reader=reader)
    brains = {"offline": offline}
    if vlm is not None:
        brains["vlm"] = vlm(offline)
    return Learner(SkillGraph.open(library), settings, brains, memo=memo)


def make_policy(
    settings: Settings,
    game: str = "",
    agent_id: str = "agent",
    *,
    on_call: Callable | None = None,
    cassette: Path | None = None,
) -> Policy:
    """The decision-maker for a run: the learning agent over the library (with a VLM tier for
    --brain vlm), or the random baseline. `on_call` receives every model call; with `cassette`
    every model reply is also written there, so the run can be re-decided exactly later."""
    if settings.brain == "random":
        from agent.brains.random import RandomClicker

        return RandomClicker(seed=settings.seed)
    vlm = None
    if settings.brain == "vlm":
        from agent.brains.budget import Budget
        from agent.brains.cassette import recording_client
        from agent.brains.vlm import build_vlm_brain, model_settings_from

        model, limits = model_settings_from(settings)
        budget = Budget(limits)

        def vlm(offline):
            client = recording_client(model, cassette, budget) if cassette else None
            return build_vlm_brain(model, budget, offline, on_call=on_call, client=client)

    return build_learner(
        game=game, agent_id=agent_id, seed=settings.seed, library=settings.library, vlm=vlm
    )


def _learning(policy: Policy, step) -> str:
    """The progress-bar text of a learning policy: states, skills, model calls, progress."""
    stats = getattr(policy, "stats", None)
    if stats is None:
        return ""
    s = stats()
    shown = "-" if step.progress is None else f"{step.progress:g}"
    return f"states {s['states']} skills {s['skills']} calls {s['model_calls']} progress {shown}"


def progress_signal(game: str):
    """The ProgressSignal a game's profile declares (None when it has no profile or none)."""
    import games
    from agent.cycle.progress import ProgressSignal

    if not game:
        return None
    try:
        spec = games.spec(game)
    except ConfigError:
        return None
    if not spec.profile:
        return None
    from games.desktop import load_profile

    declared = load_profile(spec.profile).progress
    if declared is None:
        return None
    region = getattr(declared, "region", None)
    return ProgressSignal(
        kind=declared.kind, regex=declared.regex, region=tuple(region) if region else None
    )


def parse_region(text: str) -> Rect:
    """--region x,y,w,h as a Rect; ConfigError with the reason otherwise."""
    try:
        return Rect.parse(text)
    except ValueError as exc:
        raise ConfigError(f"invalid --region: {exc}") from None


@contextmanager
def open_body(
    settings: Settings,
    *,
    game: str | None,
    window: str | None,
    region: str | None,
    launch: list[str] | None,
    headless: bool,
    current_display: str | None,
) -> Iterator[tuple[Game, str]]:
    """Yield (game body, game name). Live bodies get a display (private Xvfb when needed)."""
    import games

    if window and region:
        raise ConfigError("give either --window or --region, not both")
    rect = parse_region(region) if region else None  # fail before starting anything
    spec = games.spec(game) if game else (None if (window or region) else games.spec("spire"))
    name = spec.name if spec else "desktop"
    if headless:
        if spec is None or spec.entry_point is None:
            raise ConfigError("--headless runs built-in games only (e.g. `bottomup play spire`)")
        body = games.make(spec.id, seed=settings.seed, size=settings.size)
        try:
            yield body, name
        finally:
            body.close()
        return

    from agent.body.display import bind_process_display, ensure_display
    from agent.body.live import LiveSettings, LiveWindow
    from agent.body.mouse import MouseSettings
    from agent.body.settle import SettleSettings

    title, command = window, launch
    if spec is not None and spec.profile and not region:
        from games.desktop import load_profile

        profile = load_profile(spec.profile)
        title = title or profile.title
        if command is None and not window:
            width, height = settings.size
            command = profile.launch_command(
                python=sys.executable, seed=settings.seed, width=width, height=height
            )
    if rect is None and not title:
        raise ConfigError("nothing to play: give a game, --window REGEX or --region x,y,w,h")
    with ensure_display(settings.display, current_display) as display:
        name_of_display = display.start()
        bind_process_display(name_of_display)
        live = LiveWindow(
            LiveSettings(
                title=None if rect else title,
                region=rect,
                display=name_of_display,
                launch=tuple(command or ()),
                window_timeout_s=settings.window_timeout_s,
                relaunch=settings.relaunch if command else 0,
                mouse=MouseSettings(
                    dry_run=settings.dry_run, max_actions_per_second=settings.actions_per_second
                ),
                settle=SettleSettings(timeout_s=settings.settle_timeout_s),
            )
        )
        try:
            yield live, name
        finally:
            live.close()


def run_session(
    settings: Settings,
    *,
    game: str | None,
    window: str | None = None,
    region: str | None = None,
    launch: list[str] | None = None,
    headless: bool = False,
    agent_id: str,
    console: Console,
    current_display: str | None = None,
) -> RunSummary:
    """Play `settings.steps` actions with a progress bar; always say where the recording is."""
    steps = acted = 0
    recorder: Recorder | None = None
    stopped_by: str | None = None
    with ExitStack() as stack:
        body, name = stack.enter_context(
            open_body(
                settings,
                game=game,
                window=window,
                region=region,
                launch=launch,
                headless=headless,
                current_display=current_display,
            )
        )
        policy_name = POLICY_NAMES[settings.brain]
        if settings.record:
            config = {k: str(v) for k, v in settings.model_dump().items() if k != "api_key"}
            recorder = Recorder(
                settings.recordings,
                game=name,
                agent_id=agent_id,
                seed=settings.seed,
                config={**config, "policy": policy_name},
            )
        policy = make_policy(
            settings,
            game=name,
            agent_id=agent_id,
            on_call=recorder.model_call if recorder else None,
            cassette=recorder.path / "cassette.jsonl" if recorder else None,
        )
        if hasattr(policy, "close"):
            stack.callback(policy.close)
        console.print(
            f"playing [bold]{name}[/] for {settings.steps} steps "
            f"(policy: {policy_name}"
            f"{', dry run' if settings.dry_run else ''}{', headless' if headless else ''})"
        )
        progress = Progress(
            MofNCompleteColumn(),
            TextColumn(
                "acted {task.fields[rate]} settle {task.fields[settle]} {task.fields[learn]}"
            ),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        try:
            with progress:
                task = progress.add_task(
                    "steps", total=settings.steps, rate="-", settle="-", learn=""
                )
                for step in run_episode(body, policy, max_steps=settings.steps):
                    steps += 1
                    acted += step.acted
                    if recorder:
                        recorder.on_step(step)
                    progress.update(
                        task,
                        advance=1,
                        rate=f"{acted / steps:.0%}",
                        settle=f"{step.settle_s * 1000:.0f} ms",
                        learn=_learning(policy, step),
                    )
        except (BottomupError, KeyboardInterrupt) as exc:
            stopped_by = f"{type(exc).__name__}: {exc}"
            if recorder:
                recorder.error(stopped_by)
                recorder.close(stopped_by)
            raise
        finally:
            if recorder:
                recorder.close()
                console.print(f"recording: {recorder.path}")
    console.print(f"done: {steps} steps, {acted} changed the screen")
    return RunSummary(steps, acted, recorder.path if recorder else None, stopped_by)
