"""The simulated endpoint itself: protocol, latency, error rate, labelled as a simulation."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.fakes.sim_vlm import FAULTS, SimulatedVLM


def _post(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_speaks_chat_completions_with_usage_and_openai_errors():
    with SimulatedVLM(answer=lambda req: {"echo": req.text}) as sim:
        status, reply = _post(
            sim.base_url + "/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        assert status == 200 and reply["object"] == "chat.completion"
        assert json.loads(reply["choices"][0]["message"]["content"]) == {"echo": "hi"}
        assert reply["usage"]["total_tokens"] > 0
        assert "SIMULATION" in reply["system_fingerprint"]
        status, reply = _post(sim.base_url + "/nope", {"messages": []})
        assert status == 404 and "no route" in reply["error"]["message"]
        sim.queue_faults("http_500")
        status, reply = _post(sim.base_url + "/chat/completions", {"messages": []})
        assert status == 500 and reply["error"]["type"] == "server_error"
        assert [r.fault for r in sim.requests] == [None, "http_500"]


def test_latency_and_error_rate_are_honoured():
    with SimulatedVLM(latency_s=0.05, error_rate=0.5, faults=("http_500",), seed=3) as sim:
        t0 = time.monotonic()
        statuses = [
            _post(sim.base_url + "/chat/completions", {"messages": []})[0] for _ in range(40)
        ]
        assert time.monotonic() - t0 >= 40 * 0.05
    assert 10 <= statuses.count(500) <= 30 and statuses.count(200) == 40 - statuses.count(500)


def test_unknown_fault_modes_are_refused():
    with pytest.raises(ValueError, match="unknown fault"):
        SimulatedVLM(faults=("explode",))
    with SimulatedVLM() as sim, pytest.raises(ValueError, match="unknown fault"):
        sim.queue_faults("explode")
    assert "hang" in FAULTS and "close_mid_response" in FAULTS
