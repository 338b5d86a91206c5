"""Reply parsing and validation: what a model may answer and what is refused."""

from __future__ import annotations

import json

import pytest

from agent.brains.replies import (
    MAX_REPLY_CHARS,
    JudgeReply,
    NameReply,
    ProposeReply,
    ReflectReply,
    ReplyBounds,
    check_bounds,
    parse_reply,
    to_image_point,
)
from agent.errors import ModelOutputError
from agent.types import Point


def test_plain_fenced_and_prose_wrapped_json_all_parse():
    obj = {"action": "click", "mark": 2, "reason": "the button"}
    plain = json.dumps(obj)
    for text in (
        plain,
        f"```json\n{plain}\n```",
        f"```\n{plain}\n```",
        f"Sure, here it is:\n```json\n{plain}\n```\nHope that helps.",
        f"My answer: {plain} (done)",
    ):
        reply = parse_reply(text, ProposeReply)
        assert (reply.action, reply.mark, reply.reason) == ("click", 2, "the button")


@pytest.mark.parametrize(
    "text, reason",
    [
        (None, "empty"),
        ("   ", "empty"),
        ('{"action": "click", "mark": 3,', "not valid JSON"),
        ("[1, 2]", "JSON object"),
        ('"click"', "JSON object"),
        ('{"action": "jump", "mark": 1}', "action"),
        ('{"action": "click", "mark": "three"}', "mark"),
        ('{"action": "click", "mark": 2.5}', "mark"),
        ('{"action": "click"}', "needs a mark"),
        ('{"action": "click", "x": 5}', "both x and y"),
        ('{"action": "drag", "mark": 1}', "to_mark"),
        ('{"action": "scroll", "mark": 1}', "clicks"),
        ('{"action": "click", "mark": 100000}', "mark"),
        ('{"action": "click", "x": 5, "y": 10000000}', "y"),
    ],
)
def test_bad_propose_replies_raise_model_output_error_with_reason(text, reason):
    with pytest.raises(ModelOutputError, match=reason):
        parse_reply(text, ProposeReply)


def test_judge_needs_real_booleans():
    ok = parse_reply('{"acted": true, "consistent": false, "progressive": true}', JudgeReply)
    assert ok.acted and not ok.consistent and ok.progressive
    with pytest.raises(ModelOutputError, match="acted"):
        parse_reply('{"acted": "yes", "consistent": false, "progressive": true}', JudgeReply)
    with pytest.raises(ModelOutputError, match="progressive"):
        parse_reply('{"acted": true, "consistent": false}', JudgeReply)


def test_long_prose_is_truncated_but_long_names_are_refused():
    reply = parse_reply(json.dumps({"action": "wait", "reason": "x" * 5000}), ProposeReply)
    assert len(reply.reason) == 500 and reply.reason.endswith("…")
    named = parse_reply(json.dumps({"name": "open menu", "description": "d" * 999}), NameReply)
    assert len(named.description) == 300
    with pytest.raises(ModelOutputError, match="name"):
        parse_reply(json.dumps({"name": "n" * 61, "description": ""}), NameReply)
    with pytest.raises(ModelOutputError, match="name"):
        parse_reply(json.dumps({"name": "   ", "description": ""}), NameReply)


def test_huge_reply_is_refused_before_parsing():
    text = json.dumps({"action": "wait", "reason": "A" * (MAX_REPLY_CHARS + 10)})
    with pytest.raises(ModelOutputError, match="too long"):
        parse_reply(text, ProposeReply)


def test_deeply_nested_json_is_refused_not_crashing():
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ModelOutputError):
        parse_reply(text[:MAX_REPLY_CHARS], ProposeReply)
    with pytest.raises(ModelOutputError):
        parse_reply(
            '{"action": "wait", "reason": ' + "[" * 20_000 + "]" * 20_000 + "}", ProposeReply
        )


def test_reflect_reply_bounds_guidelines_and_pairs():
    good = {
        "statement": "clicked a disabled button",
        "reasoning": "steps 2 and 3 show no change after the same click",
        "corrected_action": "click",
        "corrected_mark": 3,
        "guidelines": ["grey buttons do nothing", "try marks not tried yet"],
    }
    reply = parse_reply(json.dumps(good), ReflectReply)
    assert reply.guidelines == ["grey buttons do nothing", "try marks not tried yet"]
    with pytest.raises(ModelOutputError, match="guidelines"):
        parse_reply(json.dumps({**good, "guidelines": ["a", "b", "c", "d"]}), ReflectReply)
    with pytest.raises(ModelOutputError, match="corrected_x"):
        parse_reply(json.dumps({**good, "corrected_x": 4}), ReflectReply)


def test_bounds_reject_unknown_marks_and_points_outside(bounds):
    check_bounds(parse_reply('{"action": "click", "mark": 3}', ProposeReply), bounds)
    check_bounds(parse_reply('{"action": "click", "x": 799, "y": 599}', ProposeReply), bounds)
    with pytest.raises(ModelOutputError, match="mark 4 is not on the screenshot"):
        check_bounds(parse_reply('{"action": "click", "mark": 4}', ProposeReply), bounds)
    with pytest.raises(ModelOutputError, match="outside the 800x600"):
        check_bounds(parse_reply('{"action": "click", "x": 800, "y": 10}', ProposeReply), bounds)
    with pytest.raises(ModelOutputError, match="outside"):
        check_bounds(parse_reply('{"action": "click", "x": -1, "y": 10}', ProposeReply), bounds)
    drag = '{"action": "drag", "mark": 1, "to_x": 10, "to_y": 900}'
    with pytest.raises(ModelOutputError, match="outside"):
        check_bounds(parse_reply(drag, ProposeReply), bounds)
    reflect = '{"statement": "s", "reasoning": "r", "corrected_mark": 9}'
    with pytest.raises(ModelOutputError, match="mark 9"):
        check_bounds(parse_reply(reflect, ReflectReply), bounds)


def test_0_1000_convention_maps_onto_image_pixels():
    b = ReplyBounds(marks=frozenset(), width=800, height=600, coordinates="0-1000")
    assert to_image_point(0, 0, b) == Point(0, 0)
    assert to_image_point(500, 500, b) == Point(400, 300)
    assert to_image_point(1000, 1000, b) == Point(799, 599)
    with pytest.raises(ModelOutputError, match="0-1000"):
        to_image_point(1001, 5, b)
    # a pixel point valid for 0-1000 but the model was told pixels
    pixels = ReplyBounds(marks=frozenset(), width=800, height=600)
    assert to_image_point(900, 10, b) == Point(720, 6)
    with pytest.raises(ModelOutputError):
        to_image_point(900, 10, pixels)


def test_numbered_bounds_cover_consecutive_marks():
    b = ReplyBounds.numbered(3, 640, 480)
    assert b.marks == {0, 1, 2}
    one_based = ReplyBounds.numbered(3, 640, 480, first=1)
    with pytest.raises(ModelOutputError, match="mark 0"):
        check_bounds(ProposeReply(action="click", mark=0), one_based)
