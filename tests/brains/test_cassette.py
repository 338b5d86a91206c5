"""Cassettes: a recorded run replays with the same decisions and no endpoint at all."""

from __future__ import annotations

import json
import random

import pytest

from agent.brains.cassette import (
    CassetteClient,
    CassetteMiss,
    RecordingTransport,
    read_cassette,
    recording_client,
)
from agent.brains.model import ModelClient, ModelGaveUp
from agent.brains.replies import ProposeReply, ReplyBounds
from agent.brains.transport import OpenAITransport
from agent.errors import ConfigError
from tests.brains.conftest import PROPOSE_VARS, settings_for
from tests.fakes.sim_vlm import SimulatedVLM

BOUNDS = ReplyBounds(marks=frozenset({1, 2, 3}), width=800, height=600)


def _variables(step: int) -> dict[str, str]:
    return {**PROPOSE_VARS, "history": f"{step}. previous step"}


def _run(client, steps: int, png: bytes) -> list[object]:
    decisions: list[object] = []
    for step in range(steps):
        try:
            result = client.ask("propose", _variables(step % 4), png, ProposeReply, bounds=BOUNDS)
            decisions.append(result.reply)
        except ModelGaveUp as exc:
            decisions.append(f"gave up after {len(exc.calls)}")
    return decisions


def _noisy_answer(seed: int):
    rng = random.Random(seed)

    def answer(request):
        return {"action": rng.choice(["click", "right_click"]), "mark": rng.randint(1, 4)}

    return answer


def test_replay_reproduces_the_recorded_decisions_exactly(tmp_path, png):
    path = tmp_path / "run.cassette.jsonl"
    with SimulatedVLM(answer=_noisy_answer(5), error_rate=0.3, seed=5, hang_s=3) as server:
        settings = settings_for(server, timeout_s=0.3)
        live_calls = []
        transport = RecordingTransport(OpenAITransport(settings), path)
        live = ModelClient(settings, transport=transport, on_call=live_calls.append)
        recorded = _run(live, 25, png)
        sent = len(server.requests)
    assert len(read_cassette(path)) == sent == len(live_calls)
    assert any(not c.ok for c in live_calls) and len({str(d) for d in recorded}) > 1

    replay_calls = []
    replay = CassetteClient(path, settings, on_call=replay_calls.append)  # the server is gone
    assert _run(replay, 25, png) == recorded
    assert replay.transport.remaining() == 0

    def key(c):
        return (c.request_hash, c.ok, c.error, c.tokens_in, c.tokens_out, c.raw_reply)

    assert [key(c) for c in replay_calls] == [key(c) for c in live_calls]


def test_a_request_the_recording_never_made_is_a_clear_miss(tmp_path, png):
    path = tmp_path / "c.jsonl"
    with SimulatedVLM() as server:
        settings = settings_for(server)
        recording_client(settings, path).ask("propose", PROPOSE_VARS, png, ProposeReply)
    replay = CassetteClient(path, settings)
    replay.ask("propose", PROPOSE_VARS, png, ProposeReply)
    with pytest.raises(CassetteMiss, match="no recorded reply for a 'propose' request"):
        replay.ask("propose", PROPOSE_VARS, png, ProposeReply)  # asked once only
    fresh = CassetteClient(path, settings)
    with pytest.raises(CassetteMiss):
        fresh.ask("propose", {**PROPOSE_VARS, "history": "something else"}, png, ProposeReply)


def test_recording_appends_to_an_existing_cassette(tmp_path, png):
    path = tmp_path / "c.jsonl"
    with SimulatedVLM() as server:
        settings = settings_for(server)
        recording_client(settings, path).ask("propose", PROPOSE_VARS, png, ProposeReply)
        recording_client(settings, path).ask("propose", PROPOSE_VARS, None, ProposeReply)
    assert len(read_cassette(path)) == 2
    assert json.loads(path.read_text().splitlines()[0])["schema_version"] == 1


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty"),
        ('{"kind": "something"}\n', "not a bottomup cassette"),
        ('{"kind": "bottomup-cassette", "schema_version": 99}\n', "schema_version 99"),
        ('{"kind": "bottomup-cassette", "schema_version": 1}\n{"prompt_id": 3}\n', "line 2"),
    ],
)
def test_bad_cassette_files_are_config_errors(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_cassette(path)
    if content:  # an empty file is simply started afresh
        with pytest.raises(ConfigError):
            RecordingTransport(OpenAITransport(settings_for_dummy()), path)


def settings_for_dummy():
    from agent.brains.model import ModelSettings

    return ModelSettings(base_url="http://127.0.0.1:9/v1", model="m")
