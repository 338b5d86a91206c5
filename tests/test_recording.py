"""Recordings: the format round-trips, and damaged recordings are read up to the damage."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

from agent.recording import Recorder, Recording, RecordingError, action_from_dict, action_to_dict
from agent.types import Click, Drag, Frame, Rect, Scroll, Step, Target, Wait


def _frame(index: int, value: int) -> Frame:
    image = np.full((60, 80, 3), value, dtype=np.uint8)
    image[10:20, 10:30] = (255, 0, 0)
    return Frame(image, index, time.time(), Rect(5, 6, 80, 60))


def _steps(n: int) -> list[Step]:
    frames = [_frame(i, (i * 40) % 256) for i in range(n + 1)]
    actions = [
        Click(10 + i, 20, target=Target(Rect(1, 2, 3, 4), (0.5, 0.25), "OK")) for i in range(n)
    ]
    return [
        Step(i, frames[i], actions[i], frames[i + 1], 0.05, True, 0.3, f"step {i}")
        for i in range(n)
    ]


def test_round_trip(tmp_path) -> None:
    steps = _steps(4)
    with Recorder(tmp_path, game="toy", agent_id="a1", seed=7, window=Rect(5, 6, 80, 60)) as rec:
        for step in steps:
            rec.on_step(step)
    recording = Recording(rec.path)
    assert recording.manifest.game == "toy" and recording.manifest.seed == 7
    assert recording.manifest.window == {"x": 5, "y": 6, "w": 80, "h": 60}
    assert recording.actions() == [s.action for s in steps]
    summary = recording.summary()
    assert summary["steps"] == 4 and summary["ended"] == "completed" and not summary["damage"]
    first = recording.steps()[0]
    assert np.array_equal(recording.frame_image(first["before"]), steps[0].before.image)
    assert np.array_equal(recording.frame_image(first["after"]), steps[0].after.image)


def test_each_distinct_frame_is_stored_once(tmp_path) -> None:
    same = _frame(0, 10)
    with Recorder(tmp_path, game="toy", agent_id="a") as rec:
        for i in range(5):
            rec.on_step(Step(i, same, Wait(0.1), same, 0.0, False))
    assert len(list((rec.path / "frames").glob("*.png"))) == 1


@pytest.mark.parametrize(
    "action",
    [Click(1, 2, "right"), Drag(1, 2, 3, 4, 0.5), Scroll(5, 6, -3), Wait(0.25)],
)
def test_actions_round_trip_through_json(action) -> None:
    assert action_from_dict(json.loads(json.dumps(action_to_dict(action)))) == action


def test_truncated_last_line_and_missing_frame_are_reported(tmp_path) -> None:
    with Recorder(tmp_path, game="toy", agent_id="a") as rec:
        for step in _steps(3):
            rec.on_step(step)
    events = rec.path / "events.jsonl"
    events.write_text(events.read_text() + '{"type": "step", "ste')
    recording = Recording(rec.path)
    assert len(recording.steps()) == 3
    last = recording.steps()[-1]
    (rec.path / "frames" / f"{last['after']}.png").unlink()
    assert recording.frame_image(last["after"]) is None
    damage = Recording(rec.path).summary()["damage"]
    assert any("truncated" in d for d in damage)


def test_unknown_schema_version_is_refused(tmp_path) -> None:
    with Recorder(tmp_path, game="toy", agent_id="a") as rec:
        pass
    manifest = json.loads((rec.path / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (rec.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RecordingError, match="schema_version 99"):
        Recording(rec.path)


def test_not_a_recording(tmp_path) -> None:
    with pytest.raises(RecordingError, match="no manifest.json"):
        Recording(tmp_path)


def test_a_progress_reading_of_zero_is_recorded(tmp_path) -> None:
    """'Floor 0' or '0/10' is a reading; only a missing one is left out."""
    from dataclasses import replace

    first, second = _steps(2)
    with Recorder(tmp_path, game="toy", agent_id="a") as rec:
        rec.on_step(replace(first, progress=0.0))
        rec.on_step(second)
    steps = Recording(rec.path).steps()
    assert steps[0]["progress"] == 0.0
    assert "progress" not in steps[1]
