"""Reading recordings for replay: typed steps, the ReplayGame contract, damage, read-only access."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agent.recording import Recorder
from agent.replay.game import ReplayExhausted, ReplayGame
from agent.replay.reader import Replay, ReplayError
from agent.types import Click, Frame, Game, Rect, Step, Wait
from tests.replay.conftest import folder_hash


def test_steps_are_typed_with_the_optional_fields(toy_recording: Path) -> None:
    replay = Replay(toy_recording)
    assert len(replay.steps) == 25 and replay.finished and not replay.damage
    assert replay.policy_name == "random-baseline" and replay.seed == 3
    first, fifth = replay.steps[0], replay.steps[5]
    assert isinstance(first.action, Click)
    assert first.skill_id == "k-play" and first.state_id == "s-0"
    assert json.loads(first.judgement or "")["progressive"] is True
    assert fifth.reflection == "tiles change colour when clicked"
    assert fifth.guidelines == ("click Play first",)
    assert replay.steps[3].skills_created == ("click 'Play'",)
    assert replay.steps[4].progress == 2.0
    assert first.model_calls[0].prompt_id == "propose" and first.tokens == 940
    assert replay.window_size() == (640, 360)


def test_replay_game_plays_back_the_recorded_frames(toy_recording: Path) -> None:
    replay = Replay(toy_recording)
    game = ReplayGame(replay, boxes_of=lambda _f: [])
    assert isinstance(game, Game)
    first = game.reset()
    assert np.array_equal(first.image, replay.image(replay.steps[0].before_sha))
    recorded = replay.steps[0].action
    outcome = game.step(recorded)
    assert np.array_equal(outcome.frame.image, replay.image(replay.steps[0].after_sha))
    # Whatever the action, the recorded next frame comes back; the mismatch is noted.
    outcome = game.step(Wait(1.0))
    assert np.array_equal(outcome.frame.image, replay.image(replay.steps[1].after_sha))
    assert [a.agrees for a in game.agreements] == [True, False]
    for _ in range(len(replay.steps) - 2):
        game.step(Wait(0.0))
    with pytest.raises(ReplayExhausted, match="no recorded step 25"):
        game.step(Wait(0.0))


def _lines(path: Path) -> list[str]:
    return (path / "events.jsonl").read_text().splitlines(keepends=True)


def test_truncated_last_line_is_damage_not_an_error(copy_recording) -> None:
    path = copy_recording()
    lines = _lines(path)
    (path / "events.jsonl").write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    replay = Replay(path)
    assert len(replay.steps) == 25
    assert any("truncated" in d for d in replay.damage)
    assert not replay.finished  # the cut line was the end event


def test_missing_frame_stops_replay_before_that_step(copy_recording) -> None:
    path = copy_recording()
    victim = Replay(path).steps[10].after_sha
    earlier = {s.before_sha for s in Replay(path).steps[:10]} | {
        s.after_sha for s in Replay(path).steps[:10]
    }
    if victim in earlier:  # the same screen was seen before; pick a step whose frame is new
        victim = next(s.after_sha for s in Replay(path).steps[10:] if s.after_sha not in earlier)
    (path / "frames" / f"{victim}.png").unlink()
    replay = Replay(path)
    stop = next(i for i, s in enumerate(replay.all_steps) if victim in (s.before_sha, s.after_sha))
    assert len(replay.steps) == stop and stop >= 10
    assert any(victim in d and "replay stops before step" in d for d in replay.damage)


def test_unknown_schema_version_is_one_clear_error(copy_recording) -> None:
    path = copy_recording()
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ReplayError, match="unknown schema_version 99"):
        Replay(path)


def test_not_a_recording(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="not a recording"):
        Replay(tmp_path)
    with pytest.raises(ReplayError, match="no such recording"):
        Replay(tmp_path / "missing")


def test_recording_still_being_written(tmp_path: Path) -> None:
    """A live run's recording: no end event, a half-written line; replay what is complete."""
    from agent.brains.random import RandomClicker
    from agent.loop import run_episode
    from agent.recording import Recorder
    from tests.replay.toygame import ToyGame

    rec = Recorder(tmp_path, game="toy", agent_id="live", seed=1, config={"policy": "random"})
    for step in run_episode(ToyGame(1), RandomClicker(1), max_steps=6):
        rec.on_step(step)
    rec._events.write('{"type": "action", "step": 6, "act')  # the writer is mid-line
    rec._events.flush()
    try:
        replay = Replay(rec.path)
        assert len(replay.steps) == 6 and not replay.finished
        assert any("unfinished" in d for d in replay.damage)
        assert any("truncated" in d for d in replay.damage)
    finally:
        rec.close()


def test_replay_never_writes_into_the_recording(toy_recording: Path, tmp_path: Path) -> None:
    from agent.replay.html import write_html
    from agent.replay.policies import policy_factory
    from agent.replay.redecide import redecide
    from agent.replay.summary import summarize
    from agent.replay.video import write_mp4

    before = folder_hash(toy_recording)
    replay = Replay(toy_recording)
    summarize(replay)
    redecide(replay, policy_factory(), max_steps=5)
    write_html(replay, tmp_path / "r.html")
    write_mp4(replay, tmp_path / "r.mp4")
    with pytest.raises(ReplayError, match="inside the recording"):
        write_html(replay, toy_recording / "report.html")
    assert folder_hash(toy_recording) == before


def test_replay_frames_behave_like_live_grabs(toy_recording: Path) -> None:
    """Live, every grab is a new object and the next decision starts on the previous "after"
    object; policies that cache perception by identity must see the same thing in replay."""
    replay = Replay(toy_recording)
    game = ReplayGame(replay, boxes_of=lambda _f: [])
    before = game.reset()
    outcome = game.step(replay.steps[0].action)
    assert outcome.frame is not before and outcome.frame.image is not before.image
    assert game.next_frame() is outcome.frame
    infos = [s.after_info for s in replay.steps]
    assert all(i is not None for i in infos)
    assert [i.index for i in infos] == sorted(i.index for i in infos)  # each grab its own index
    assert outcome.frame.index == infos[0].index


def test_frames_come_back_pixel_for_pixel_in_rgb(tmp_path: Path) -> None:
    """Frames are stored losslessly and decoded in RGB order, whatever the PNG settings."""
    rng = np.random.default_rng(5)
    noisy = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
    flat = np.zeros((48, 64, 3), np.uint8)
    flat[..., 0] = 200  # pure red: a swapped channel order would read it as blue
    frames = [Frame(image, i, 0.0, Rect(0, 0, 64, 48)) for i, image in enumerate((noisy, flat))]
    with Recorder(tmp_path, game="toy", agent_id="a") as rec:
        rec.on_step(Step(0, frames[0], Wait(0.1), frames[1], 0.0, True))
    replay = Replay(rec.path)
    step = replay.steps[0]
    assert np.array_equal(replay.image(step.before_sha), noisy)
    assert np.array_equal(replay.image(step.after_sha), flat)
