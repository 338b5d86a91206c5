"""10,000 malformed replies through the client's validation path: no crash, each recorded, the
budget respected. Plus a few hundred through real HTTP, and property tests on arbitrary input."""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.brains.budget import Budget, BudgetExhausted, BudgetLimits
from agent.brains.model import ModelCall, ModelClient, ModelGaveUp
from agent.brains.replies import (
    MAX_REPLY_CHARS,
    JudgeReply,
    NameReply,
    ProposeReply,
    ReflectReply,
    ReplyBounds,
    parse_reply,
)
from agent.brains.transport import ChatReply, ChatRequest
from agent.errors import ModelOutputError
from tests.brains.conftest import PROPOSE_VARS, settings_for
from tests.fakes.sim_vlm import SimulatedVLM

BOUNDS = ReplyBounds(marks=frozenset(range(1, 13)), width=800, height=600)
VALID = {
    ProposeReply: {"action": "click", "mark": 5, "reason": "looks like a button"},
    JudgeReply: {"acted": True, "consistent": False, "progressive": True, "reason": "moved"},
    NameReply: {"name": "open the menu", "description": "clicks the menu button"},
    ReflectReply: {"statement": "s", "reasoning": "r", "corrected_mark": 2, "guidelines": ["g"]},
}
REQUIRED = {
    ProposeReply: "action",
    JudgeReply: "acted",
    NameReply: "name",
    ReflectReply: "statement",
}
MODELS = list(VALID)
CATEGORIES = (
    "valid", "garbage", "truncated", "wrong_type", "mark_out_of_range", "point_outside",
    "huge_string", "deep_nesting", "giant_number", "non_finite", "not_an_object", "too_many_items",
)  # fmt: skip


def fuzz_reply(rng: random.Random, category: str, model: type) -> str:
    """A raw reply text of the given category; every category but "valid" must be refused."""
    good = dict(VALID[model])
    if category == "valid":
        return rng.choice([json.dumps(good), f"```json\n{json.dumps(good)}\n```"])
    if category == "garbage":
        alphabet = string.ascii_letters + string.digits + " :,.\n\"'[]"
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 200)))
    if category == "truncated":
        text = json.dumps(good)
        return text[: rng.randint(1, len(text) - 1)]
    if category == "wrong_type":
        good[REQUIRED[model]] = rng.choice([None, [1, 2], {"a": 1}, 3.5, ""])
        if model is JudgeReply:
            good["acted"] = rng.choice(["yes", 1, None, [True]])
        return json.dumps(good)
    if category == "mark_out_of_range":
        mark = rng.choice([0, 13, 99, 9_999, 10_000, -1, 10**9])
        if model is ProposeReply:
            return json.dumps({"action": "click", "mark": mark})
        if model is ReflectReply:
            return json.dumps({**good, "corrected_mark": mark})
        return json.dumps({**good, REQUIRED[model]: mark})  # a number where text/bool is due
    if category == "point_outside":
        x, y = rng.choice([(800, 5), (5, 600), (-1, 5), (5, -3), (10**6, 10**6), (2000, 100)])
        if model is ReflectReply:
            return json.dumps({**good, "corrected_x": x, "corrected_y": y})
        if model is ProposeReply:
            return json.dumps({"action": rng.choice(["click", "move"]), "x": x, "y": y})
        return json.dumps({k: v for k, v in good.items() if k != REQUIRED[model]} | {"x": x})
    if category == "huge_string":
        return json.dumps({**good, "reason": "Z" * (MAX_REPLY_CHARS + rng.randint(1, 5000))})
    if category == "deep_nesting":
        depth = rng.randint(2_000, 30_000)
        return '{"' + REQUIRED[model] + '": ' + "[" * depth + "]" * depth + "}"
    if category == "giant_number":
        return '{"' + REQUIRED[model] + '": 1' + "0" * rng.randint(4_400, 9_000) + "}"
    if category == "non_finite":
        return '{"' + REQUIRED[model] + '": ' + rng.choice(["NaN", "Infinity", "-Infinity"]) + "}"
    if category == "not_an_object":
        return rng.choice(["[]", "null", "true", "42", '"click"', "[[1, 2], {}]"])
    if category == "too_many_items":
        if model is ReflectReply:
            return json.dumps({**good, "guidelines": ["a", "b", "c", "d"]})
        if model is NameReply:
            return json.dumps({**good, "name": "n" * rng.randint(61, 5000)})
        if model is JudgeReply:
            return json.dumps({k: v for k, v in good.items() if k != "progressive"})
        return json.dumps({"action": "scroll", "mark": 1, "clicks": rng.choice([21, -500])})
    raise AssertionError(category)


@dataclass
class FuzzTransport:
    """Feeds prepared reply texts to ModelClient in order, without HTTP (fast path)."""

    texts: list[str]
    sent: int = 0

    def send(self, request: ChatRequest, timeout_s: float) -> ChatReply:
        text = self.texts[self.sent]
        self.sent += 1
        return ChatReply(text=text, tokens_in=100, tokens_out=len(text) // 4)


def test_ten_thousand_malformed_replies_are_recorded_without_crashing(png):
    rng = random.Random(20261126)
    cases = [(rng.choice(CATEGORIES[1:]), rng.choice(MODELS)) for _ in range(10_000)]
    cases[::10] = [("valid", rng.choice(MODELS)) for _ in cases[::10]]
    transport = FuzzTransport([fuzz_reply(rng, c, m) for c, m in cases])
    budget = Budget(BudgetLimits(max_calls=len(cases)))
    calls: list[ModelCall] = []
    settings = settings_for_offline()
    client = ModelClient(settings, budget, transport=transport, on_call=calls.append)
    outcomes = []
    for _category, model in cases:
        try:
            client.ask(_prompt_of(model), _vars_of(model), png, model, bounds=_bounds_of(model))
            outcomes.append(True)
        except ModelGaveUp:
            outcomes.append(False)
    assert len(calls) == len(cases) == transport.sent
    for (category, model), ok, call in zip(cases, outcomes, calls, strict=True):
        assert ok == (category == "valid"), (category, model.__name__, call.error)
        assert call.ok == ok and bool(call.error) != ok
        assert len(call.raw_reply.encode()) <= 4096
    assert {c for c, _ in cases} == set(CATEGORIES)
    # the budget is spent exactly, and the next call is refused before it is sent
    usage = budget.usage()
    assert usage.calls == len(cases)
    assert usage.tokens == sum(c.tokens_in + c.tokens_out for c in calls)
    with pytest.raises(BudgetExhausted):
        client.ask("propose", PROPOSE_VARS, png, ProposeReply)
    assert transport.sent == len(cases)


def test_hundreds_of_malformed_replies_over_http(png):
    rng = random.Random(7)
    cases = [(rng.choice(CATEGORIES), ProposeReply) for _ in range(300)]
    texts = iter([fuzz_reply(rng, c, m) for c, m in cases])
    with SimulatedVLM(answer=lambda req: next(texts), seed=7) as server:
        budget = Budget(BudgetLimits(max_calls=300))
        calls: list[ModelCall] = []
        client = ModelClient(settings_for(server, max_retries=0), budget, on_call=calls.append)
        results = []
        for _ in cases:
            try:
                client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=BOUNDS)
                results.append(True)
            except ModelGaveUp:
                results.append(False)
        with pytest.raises(BudgetExhausted):
            client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=BOUNDS)
        assert len(server.requests) == len(calls) == 300
    assert results == [c == "valid" for c, _ in cases]


def test_mixed_faults_over_http_never_crash(png):
    with SimulatedVLM(error_rate=0.5, seed=11, hang_s=5) as server:
        client = ModelClient(settings_for(server, timeout_s=0.3, max_retries=1))
        ok = gave_up = 0
        for _ in range(60):
            try:
                client.ask("propose", PROPOSE_VARS, png, ProposeReply, bounds=BOUNDS)
                ok += 1
            except ModelGaveUp as exc:
                assert 1 <= len(exc.calls) <= 2
                gave_up += 1
        assert ok > 20 and gave_up > 0
        assert len(server.requests) <= 120


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_a_reply_or_a_model_output_error(text):
    for model in MODELS:
        try:
            parse_reply(text, model)
        except ModelOutputError:
            pass


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=10,
)
KEYS = sorted({k for v in VALID.values() for k in v} | {"x", "y", "to_x", "to_mark", "clicks"})


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(KEYS), JSON, max_size=8))
def test_any_json_object_is_a_reply_or_a_model_output_error(obj):
    text = json.dumps(obj)
    for model in MODELS:
        try:
            parse_reply(text, model)
        except ModelOutputError:
            pass


def settings_for_offline():
    from agent.brains.model import ModelSettings

    return ModelSettings(base_url="http://127.0.0.1:9/v1", model="fuzz", max_retries=0)


def _prompt_of(model: type) -> str:
    return {ProposeReply: "propose", JudgeReply: "judge", NameReply: "name"}.get(model, "reflect")


def _bounds_of(model: type) -> ReplyBounds | None:
    return BOUNDS if model in (ProposeReply, ReflectReply) else None


def _vars_of(model: type) -> dict[str, str]:
    if model is ProposeReply:
        return PROPOSE_VARS
    if model is JudgeReply:
        return {"image_note": "after", "action": "click", "expectation": "e", "change": "5%"}
    if model is NameReply:
        return {"actions": "click mark 1", "effect": "menu opens", "target_text": "Menu"}
    return {
        "marks": "1: button",
        "wrong_action": "click mark 3",
        "outcome": "nothing changed",
        "history": "1. click mark 3",
        "guidelines": "-",
    }
