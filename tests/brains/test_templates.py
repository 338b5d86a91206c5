"""Prompt templates (agent/brains/prompts/*.md): loading by id, safe substitution, game-agnostic."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from agent.brains.templates import load_template, placeholders, render, render_prompt
from agent.errors import ConfigError

ROLES = ("propose", "judge", "name", "reflect")


def test_every_role_has_a_packaged_prompt_asking_for_json():
    for role in (*ROLES, "system"):
        text = load_template(role)
        assert "JSON" in text, role


def test_values_with_braces_are_not_expanded_again():
    out = render("a {x} b {y}", {"x": "{y}", "y": '{"k": 1} {x}'})
    assert out == 'a {y} b {"k": 1} {x}'


def test_json_examples_in_templates_are_left_alone():
    template = 'Answer {"mark": 3, "x": null} about {thing}'
    assert placeholders(template) == {"thing"}
    assert render(template, {"thing": "it"}) == 'Answer {"mark": 3, "x": null} about it'


def test_missing_unknown_and_non_string_variables_are_config_errors():
    with pytest.raises(ConfigError, match="needs variables: y"):
        render("{x} {y}", {"x": "1"}, "p")
    with pytest.raises(ConfigError, match="no placeholders for: z"):
        render("{x}", {"x": "1", "z": "2"}, "p")
    with pytest.raises(ConfigError, match="must be a string"):
        render("{x}", {"x": 3}, "p")  # type: ignore[dict-item]


def test_bad_or_unknown_prompt_ids_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="bad prompt id"):
        load_template("../../etc/passwd")
    with pytest.raises(ConfigError, match="no prompt 'nope'"):
        load_template("nope")
    (tmp_path / "mine.md").write_text("Hello {who}", encoding="utf-8")
    assert render_prompt("mine", {"who": "you"}, tmp_path) == "Hello you"


def test_prompts_are_game_agnostic():
    names = re.compile(
        r"spire|mines|minesweeper|solitaire|aisleriot|klondike|chess|poker|slay|mario|card battler",
        re.IGNORECASE,
    )
    folder = resources.files("agent.brains").joinpath("prompts")
    for entry in folder.iterdir():
        if entry.name.endswith(".md"):
            assert not names.search(entry.read_text(encoding="utf-8")), entry.name


def test_reflect_prompt_is_history_aware():
    needed = placeholders(load_template("reflect"))
    assert {"wrong_action", "history", "guidelines", "marks"} <= needed
    filled = render_prompt(
        "reflect",
        {
            "marks": "1: button",
            "wrong_action": "click mark 4 (nothing happened)",
            "outcome": "the screen did not change",
            "history": "\n".join(f"{i}. click mark {i}" for i in range(1, 5)),
            "guidelines": "- none yet",
            "coordinate_convention": "pixels",
        },
    )
    for word in ("statement", "reasoning", "corrected_action", "guidelines", "4. click mark 4"):
        assert word in filled
