"""The schema: content-hash ids, versions, Beta statistics."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from skills.model import Beta, Insight, Skill, SkillStep, State, Strategy
from tests.skills.conftest import make_skill


def test_same_steps_found_by_two_agents_get_the_same_id() -> None:
    a = Skill.create([SkillStep(kind="click", target=(0.123411, 0.5))], scope="g", name="a")
    b = Skill.create([SkillStep(kind="click", target=(0.123438, 0.5))], scope="g", name="b")
    assert a.id == b.id  # descriptors equal to 4 places hash the same; names do not matter
    assert a.id != Skill.create(list(a.steps), scope="other").id
    assert (
        a.id != Skill.create([SkillStep(kind="double_click", target=(0.1235, 0.5))], scope="g").id
    )


def test_a_tampered_id_is_rejected() -> None:
    skill = make_skill("Play")
    data = skill.model_dump(mode="json")
    data["steps"][0]["text"] = "Quit"
    with pytest.raises(ValidationError, match="does not match its content"):
        Skill.model_validate(data)


def test_unknown_major_schema_version_is_rejected_and_minor_accepted() -> None:
    data = make_skill("Play").model_dump(mode="json")
    assert Skill.model_validate({**data, "schema_version": "1.7"}).name == "click 'Play'"
    with pytest.raises(ValidationError, match="unknown schema major version"):
        Skill.model_validate({**data, "schema_version": "2.0"})


def test_unknown_action_kind_and_out_of_window_boxes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        SkillStep(kind="keypress")
    with pytest.raises(ValidationError):
        SkillStep.model_validate({"kind": "click", "box": {"x": 1.5, "y": 0, "w": 0.1, "h": 0.1}})


def test_beta_posterior_mean_and_totals_over_origins() -> None:
    assert Beta().mean == 0.5
    assert Beta(successes=3, failures=1).mean == pytest.approx(4 / 6)
    skill = make_skill("Play")
    assert skill.totals.runs == 0


def test_other_ids_are_content_hashes() -> None:
    assert State.create("sig").id == State.create("sig").id != State.create("sig2").id
    assert Insight.create("t", content="c").id != Insight.create("t", content="d").id
    s = Strategy.create("c1", {"propose": "offline"})
    assert s.id == Strategy.create("c1", {"propose": "offline"}).id
    with pytest.raises(ValidationError):
        Strategy.model_validate({**s.model_dump(mode="json"), "cluster": "c2"})
