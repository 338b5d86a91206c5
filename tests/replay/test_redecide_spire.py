"""Re-deciding a learning-agent run on the built-in game reproduces every decision.

Spire has many steps that change nothing on screen (two grabs, identical pixels), which is where
a replay that handed out one frame object for both would diverge from the live run.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("agent.learner")
games = pytest.importorskip("games")

from agent.loop import run_episode  # noqa: E402
from agent.recording import Recorder  # noqa: E402
from agent.replay.policies import build_learner, policy_factory  # noqa: E402
from agent.replay.reader import Replay  # noqa: E402
from agent.replay.redecide import redecide  # noqa: E402

STEPS = 40


@pytest.mark.slow
def test_offline_learner_run_on_spire_is_reproduced(tmp_path: Path) -> None:
    agent = build_learner(game="spire", agent_id="t", seed=2, library=str(tmp_path / "l.sqlite"))
    game = games.make("spire", seed=2, size=(1280, 720))
    config = {"policy": agent.name, "brain": "offline"}
    with Recorder(tmp_path, game="spire", agent_id="t", seed=2, config=config) as rec:
        for step in run_episode(game, agent, max_steps=STEPS):
            rec.on_step(step)
    agent.close()
    replay = Replay(rec.path)
    unchanged = sum(s.before_sha == s.after_sha for s in replay.steps)
    copies = set(Path(tempfile.gettempdir()).glob("bottomup-redecide-*"))
    report = redecide(replay, policy_factory())
    assert report.steps == STEPS and report.rate == 1.0, (unchanged, report.comparisons)
    gc.collect()
    left = set(Path(tempfile.gettempdir()).glob("bottomup-redecide-*")) - copies
    assert not left, "the private library copy is removed after re-deciding"
