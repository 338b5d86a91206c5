"""ModelClient against a real HTTP server (the simulated VLM) with the real openai client."""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time

import pytest

from agent.brains.budget import Budget, BudgetExhausted, BudgetLimits
from agent.brains.model import ModelClient, ModelGaveUp, ModelSettings
from agent.brains.replies import JudgeReply, ProposeReply, ReplyBounds
from agent.errors import BottomupError, ConfigError, ModelOutputError
from tests.brains.conftest import PROPOSE_VARS, settings_for
from tests.fakes.sim_vlm import SimulatedVLM

EXPECTED_ERROR = {
    "http_500": "server: HTTP 500",
    "rate_limit": "rate_limit: HTTP 429",
    "hang": "timeout",
    "close_mid_response": "connection",
    "bad_body": "protocol",
    "malformed_json": "JSON",
    "wrong_types": "schema",
    "out_of_range": "schema|not on the screenshot|outside",
    "huge_strings": "too long",
    "empty": "empty reply",
}


def test_valid_reply_round_trip(sim, png, bounds):
    sim.answer = lambda req: {"action": "click", "mark": 2, "reason": "options look useful"}
    settings = settings_for(sim, price_in_per_1k=0.01, price_out_per_1k=0.03)
    seen = []
    client = ModelClient(settings, on_call=seen.append)
    result = client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=bounds)

    assert result.reply == ProposeReply(action="click", mark=2, reason="options look useful")
    [call] = result.calls
    assert seen == [call]
    assert call.ok and call.error == "" and call.attempt == 1
    assert call.prompt_id == "propose" and call.model == "sim-vlm"
    assert not call.tokens_estimated and call.tokens_in > 765 and call.tokens_out > 0
    assert call.cost == pytest.approx(call.tokens_in / 1000 * 0.01 + call.tokens_out / 1000 * 0.03)
    assert call.raw_reply == result.reply_text

    [request] = sim.requests
    assert request.prompt_id == "propose"
    assert request.authorization == "Bearer test-key"
    assert request.body["model"] == "sim-vlm" and request.json_mode
    assert request.body["messages"][0]["role"] == "system"
    [image] = request.images
    assert image.startswith("data:image/png;base64,")
    assert base64.b64decode(image.split(",", 1)[1]) == png
    assert "1: button 'Start'" in request.text and "pixels of the screenshot" in request.text


def test_0_1000_convention_is_told_to_the_model(sim, png):
    settings = settings_for(sim, coordinates="0-1000")
    client = ModelClient(settings)
    client.ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert "run from 0 to 1000" in sim.requests[0].text
    wrong = ReplyBounds(frozenset({1}), 800, 600, "pixels")
    with pytest.raises(ConfigError, match="bounds use 'pixels'"):
        client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=wrong)


@pytest.mark.parametrize("fault", sorted(EXPECTED_ERROR))
def test_one_fault_is_recorded_and_retried(fault, sim, png, bounds):
    client = ModelClient(settings_for(sim, timeout_s=0.4))
    sim.queue_faults(fault)
    result = client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=bounds)
    assert result.reply.mark == 1
    failed, ok = result.calls
    assert not failed.ok and ok.ok
    assert failed.error and re.search(EXPECTED_ERROR[fault], failed.error)
    assert len(failed.raw_reply.encode()) <= 4096
    assert len(sim.requests) == 2


@pytest.mark.parametrize("fault", sorted(EXPECTED_ERROR))
def test_persistent_fault_gives_up_after_bounded_retries(fault, sim, png, bounds):
    client = ModelClient(settings_for(sim, timeout_s=0.3, max_retries=2))
    sim.queue_faults(fault, fault, fault, fault)
    with pytest.raises(ModelGaveUp) as caught:
        client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=bounds)
    assert isinstance(caught.value, ModelOutputError)
    assert "3 attempt(s)" in str(caught.value)
    assert [c.ok for c in caught.value.calls] == [False, False, False]
    assert [c.attempt for c in caught.value.calls] == [1, 2, 3]
    assert len(sim.requests) == 3


def test_fenced_reply_is_accepted_first_time(sim, png, bounds):
    sim.queue_faults("fenced")
    result = ModelClient(settings_for(sim)).ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert len(result.calls) == 1 and result.reply.mark == 1


def test_malformed_reply_is_reasked_with_the_error(sim, png, bounds):
    replies = iter(['{"action": "click", "mark": 7}', '{"action": "click", "mark": 3}'])
    sim.answer = lambda req: next(replies)
    result = ModelClient(settings_for(sim)).ask(
        "propose", PROPOSE_VARS, png, ProposeReply, bounds=bounds
    )
    assert result.reply.mark == 3
    assert "mark 7 is not on the screenshot" in result.calls[0].error
    second = sim.requests[1].body["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"action": "click", "mark": 7}'}
    assert "mark 7 is not on the screenshot" in second[-1]["content"]
    assert len(sim.requests[1].images) == 1  # the screenshot is still there


def test_rejected_request_is_not_retried(png):
    with SimulatedVLM(api_key="right-key") as server:
        client = ModelClient(settings_for(server, api_key="wrong-key"))
        with pytest.raises(ModelGaveUp, match="HTTP 401") as caught:
            client.ask("propose", PROPOSE_VARS, png, ProposeReply)
        assert len(caught.value.calls) == 1 and len(server.requests) == 1


def test_endpoint_without_json_mode_is_asked_again_without_it(png):
    with SimulatedVLM(json_mode_supported=False) as server:
        client = ModelClient(settings_for(server, max_retries=0))
        result = client.ask("judge", _judge_vars(), png, JudgeReply)
        assert result.reply.acted
        assert [r.json_mode for r in server.requests] == [True, False]
        client.ask("judge", _judge_vars(), png, JudgeReply)
        assert server.requests[-1].json_mode is False


def test_missing_usage_is_estimated(png):
    with SimulatedVLM(usage=False) as server:
        result = ModelClient(settings_for(server)).ask("propose", PROPOSE_VARS, png, ProposeReply)
    [call] = result.calls
    assert call.tokens_estimated and call.tokens_in > 255 and call.tokens_out > 0


def test_unreachable_endpoint_gives_up_cleanly(png):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ModelSettings(base_url=f"http://127.0.0.1:{port}/v1", model="m", retry_backoff_s=0)
    with pytest.raises(ModelGaveUp, match="connection") as caught:
        ModelClient(settings).ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert len(caught.value.calls) == 3


def test_call_budget_stops_retries_before_the_limit(sim, png):
    budget = Budget(BudgetLimits(max_calls=2))
    client = ModelClient(settings_for(sim, max_retries=5), budget)
    sim.queue_faults(*["http_500"] * 6)
    seen = []
    client.add_listener(seen.append)
    with pytest.raises(BudgetExhausted):
        client.ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert len(sim.requests) == 2 and len(seen) == 2
    assert budget.usage().calls == 2


def test_token_and_money_budgets_stop_calls_before_they_overshoot(sim, png):
    settings = settings_for(sim, price_in_per_1k=1.0, price_out_per_1k=2.0, max_reply_tokens=100)
    budget = Budget(BudgetLimits(max_cost=5.0))
    client = ModelClient(settings, budget)
    answered = 0
    with pytest.raises(BudgetExhausted, match="money"):
        for _ in range(100):
            client.ask("propose", PROPOSE_VARS, png, ProposeReply)
            answered += 1
    assert answered >= 2 and budget.usage().cost <= 5.0
    assert len(sim.requests) == answered

    tokens = Budget(BudgetLimits(max_tokens=4000))
    client = ModelClient(settings, tokens)
    with pytest.raises(BudgetExhausted, match="token"):
        for _ in range(100):
            client.ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert tokens.usage().tokens <= 4000


def test_bad_settings_and_inputs_are_clear_errors(sim):
    with pytest.raises(ConfigError, match="base_url"):
        ModelSettings(base_url="localhost:8000", model="m")
    with pytest.raises(ConfigError, match="max_retries"):
        ModelSettings(base_url="http://x/v1", model="m", max_retries=-1)
    with pytest.raises(ConfigError, match="coordinates"):
        ModelSettings(base_url="http://x/v1", model="m", coordinates="percent")  # type: ignore[arg-type]
    client = ModelClient(settings_for(sim))
    with pytest.raises(ConfigError, match="not a PNG"):
        client.ask("propose", PROPOSE_VARS, b"GIF89a....", ProposeReply)
    with pytest.raises(ConfigError, match="needs variables"):
        client.ask("propose", {}, None, ProposeReply)
    assert sim.requests == []
    assert issubclass(ModelGaveUp, BottomupError)


def _judge_vars() -> dict[str, str]:
    return {
        "image_note": "The screenshot shows the screen after the action.",
        "action": "click mark 2",
        "expectation": "a menu opens",
        "change": "12% of pixels changed",
    }


def test_time_budget_cuts_a_hanging_call_short(png):
    with SimulatedVLM(hang_s=10) as server:
        settings = settings_for(server, timeout_s=30, max_retries=3)
        ModelClient(settings)  # the first client pays for importing openai
        budget = Budget(BudgetLimits(max_wall_s=0.5))
        client = ModelClient(settings, budget)
        server.queue_faults("hang", "hang", "hang", "hang")
        t0 = time.monotonic()
        with pytest.raises(BudgetExhausted, match="time budget"):
            client.ask("propose", PROPOSE_VARS, png, ProposeReply)
        assert time.monotonic() - t0 < 2.0
        assert len(server.requests) == 1


def test_temperature_can_be_set_per_call(sim, png):
    client = ModelClient(settings_for(sim, temperature=0.0))
    client.ask("propose", PROPOSE_VARS, png, ProposeReply)
    client.ask("propose", PROPOSE_VARS, png, ProposeReply, temperature=0.9)
    assert [r.body["temperature"] for r in sim.requests] == [0.0, 0.9]
    with pytest.raises(ConfigError, match="temperature"):
        client.ask("propose", PROPOSE_VARS, png, ProposeReply, temperature=3.0)


def test_threads_share_one_budget_without_overshooting(sim, png):
    budget = Budget(BudgetLimits(max_calls=25))
    client = ModelClient(settings_for(sim), budget)
    calls = []
    refused = []

    def worker() -> None:
        for _ in range(10):
            try:
                calls.extend(client.ask("propose", PROPOSE_VARS, png, ProposeReply).calls)
            except BudgetExhausted:
                refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sim.requests) == len(calls) == 25 and len(refused) == 15
    assert json.loads(json.dumps(calls[0].to_json()))["prompt_id"] == "propose"
