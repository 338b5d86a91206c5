"""Re-running recordings on a live game: re-grounded or scaled actions, stop at divergence."""

from __future__ import annotations

from pathlib import Path

from agent.loop import run_episode
from agent.recording import Recorder
from agent.replay.reader import Replay
from agent.replay.rerun import rerun
from tests.replay.conftest import record_toy
from tests.replay.toygame import TargetClicker, ToyGame


def test_targetless_actions_are_scaled_to_a_bigger_window(toy_recording: Path) -> None:
    report = rerun(Replay(toy_recording), ToyGame(seed=3, size=(800, 450)))
    assert report.completed and report.matched == 25 and report.scale == (1.25, 1.25)
    assert {s.adapted for s in report.steps} == {"scaled"}
    assert report.steps[0].performed == "click (400, 234)"  # (320, 187) x 1.25


def test_targets_are_regrounded_even_when_the_button_moved(tmp_path: Path) -> None:
    with Recorder(tmp_path, game="toy", agent_id="t", seed=5, config={"policy": "x"}) as rec:
        for step in run_episode(ToyGame(5), TargetClicker(5), max_steps=20):
            rec.on_step(step)
    moved = ToyGame(seed=5, size=(800, 450), play_at=0.1)  # "Play" is elsewhere now
    report = rerun(Replay(rec.path), moved)
    assert report.completed and report.matched == 20
    assert all(s.adapted.startswith("re-grounded") for s in report.steps)


def test_stops_with_a_report_at_the_first_divergence(tmp_path: Path) -> None:
    path = record_toy(tmp_path, seed=3, steps=10)
    moved = ToyGame(seed=3, size=(800, 450), play_at=0.05)  # scaled clicks miss "Play"
    report = rerun(Replay(path), moved)
    assert not report.completed and report.diverged_at == 0 and len(report.steps) == 1
    assert "reached a different screen" in report.reason and "scaled" in report.reason


def test_a_game_starting_elsewhere_diverges_before_the_first_action(tmp_path: Path) -> None:
    path = record_toy(tmp_path, seed=3, steps=5)
    game = ToyGame(seed=3)
    game.reset()
    game.screen = "shop"
    game.reset = lambda: game._frame()  # type: ignore[method-assign]
    report = rerun(Replay(path), game)
    assert (
        report.diverged_at == 0 and report.steps == () and "starts on a different" in report.reason
    )
