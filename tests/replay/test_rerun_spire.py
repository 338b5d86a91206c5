"""Re-run on the built-in game: a spire session recorded at 1280x720 is re-run at 1600x900
(1.25x), in-process and in a live window under Xvfb, and reaches the same screens.

The recording is made by a test-only policy that reads the game's ground truth (games.probe) to
click something meaningful and attaches the perception Target under the click, as a skill would,
so re-running exercises re-grounding. The re-run is checked by the agent's own screen signatures
(the report) and, independently, by the game's ground truth (screen, floor, hp) at every step.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from agent.loop import run_episode
from agent.perception.objects import candidates
from agent.recording import Recorder
from agent.replay.reader import Replay
from agent.replay.rerun import rerun
from agent.types import Action, Click, Frame, Outcome, Step, Wait

games = pytest.importorskip("games")
ROOT = Path(__file__).resolve().parents[2]
STEPS = 55


class ProbeClicker:
    """Clicks a random enabled clickable (ground truth), aiming at the candidate under it."""

    name = "probe-clicker"

    def __init__(self, game, seed: int) -> None:
        self.game = game
        self.rng = random.Random(seed)

    def decide(self, frame: Frame) -> Action:
        enabled = [c for c in self.game.probe().clickables if c.enabled]
        point = self.rng.choice(enabled).rect.center
        under = [k for k in candidates(frame) if k.box.contains(point.x, point.y)]
        target = min(under, key=lambda k: k.box.area).target() if under else None
        return Click(point.x, point.y, target=target)

    def observe(self, step: Step) -> None:
        """Learns nothing."""


class Probed:
    """A built-in game that notes its ground truth (screen, floor, hp) after every action."""

    def __init__(self, game) -> None:
        self.game = game
        self.truths: list[tuple[str, int, int]] = []

    def reset(self) -> Frame:
        return self.game.reset()

    def step(self, action: Action) -> Outcome:
        outcome = self.game.step(action)
        t = self.game.probe()
        if isinstance(action, Wait) and self.truths:
            self.truths[-1] = (t.screen, t.floor, t.hp)  # a second look at the same step
        else:
            self.truths.append((t.screen, t.floor, t.hp))
        return outcome

    def close(self) -> None:
        self.game.close()


@pytest.fixture(scope="module")
def spire_session(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    root = tmp_path_factory.mktemp("spire-recordings")
    game = Probed(games.make("spire", seed=5, size=(1280, 720)))
    policy = ProbeClicker(game.game, seed=5)
    with Recorder(root, game="spire", agent_id="t", seed=5, config={"policy": policy.name}) as rec:
        for step in run_episode(game, policy, max_steps=STEPS):
            rec.on_step(step)
    return rec.path, game.truths


@pytest.mark.slow
def test_spire_rerun_in_a_bigger_window_reaches_the_same_screens(spire_session) -> None:
    path, recorded_truths = spire_session
    assert len({t[0] for t in recorded_truths}) >= 2  # the session went somewhere
    game = Probed(games.make("spire", seed=5, size=(1600, 900)))
    report = rerun(Replay(path), game)
    assert report.scale == (1.25, 1.25)
    assert report.matched >= 50, report.reason
    assert game.truths[:50] == recorded_truths[:50]
    regrounded = sum(s.adapted.startswith("re-grounded") for s in report.steps)
    assert regrounded >= 0.8 * len(report.steps)


@pytest.mark.live
@pytest.mark.slow
def test_spire_rerun_in_a_live_window_via_the_cli(spire_session, tmp_path: Path) -> None:
    path, _ = spire_session
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DISPLAY", None)  # the CLI starts its own Xvfb
    result = subprocess.run(
        [sys.executable, "-m", "agent.cli", "replay", "rerun", str(path), "--size", "1600x900",
         "--display", "virtual", "--steps", "20", "--json"],
        capture_output=True, text=True, timeout=240, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)[0]
    assert report["completed"] and report["matched"] == 20 and report["scale"] == [1.25, 1.25]
