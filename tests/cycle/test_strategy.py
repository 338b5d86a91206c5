"""Strategies: recipes are validated data; the cheapest within epsilon of the best success wins."""

from __future__ import annotations

import pytest

from agent.brains.base import Judgement
from agent.cycle.strategy import (
    OFFLINE_RECIPES,
    VLM_RECIPES,
    Recipe,
    StrategyBook,
    choose,
    guide,
)
from agent.errors import ConfigError
from skills.graph import SkillGraph
from skills.model import Beta, Strategy, StrategyStats


def _strategy(name: str, wins: int, losses: int, cost: float, **recipe) -> Strategy:
    stats = StrategyStats(
        success=Beta(successes=wins, failures=losses), cost_total=cost, runs=wins + losses
    )
    return Strategy.create("cluster", {"name": name, **recipe}, stats={"lib": stats})


def _verdict(acted: bool, consistent: bool = True, progressed: bool = False) -> Judgement:
    return Judgement(
        acted=acted, consistent=consistent, progressive=progressed, reward=0.1,
        progressed=progressed,
    )  # fmt: skip


def test_cheapest_within_epsilon_of_the_best_success_is_chosen():
    cheap_good = _strategy("cheap", 45, 5, cost=0.0)
    dear_best = _strategy("dear", 47, 3, cost=50.0, propose="vlm")
    cheap_bad = _strategy("bad", 10, 40, cost=0.0, reflect=True)
    assert choose([dear_best, cheap_good, cheap_bad], has_skills=True).recipe.name == "cheap"
    assert choose([dear_best, cheap_good], has_skills=True, epsilon=0.0).recipe.name == "dear"


def test_untried_strategies_are_tried_first_and_replay_needs_a_skill():
    tried = _strategy("tried", 40, 2, cost=0.0)
    new = _strategy("new", 0, 0, cost=0.0)
    assert choose([tried, new], has_skills=True).recipe.name == "new"
    replay = _strategy("replay", 0, 0, cost=0.0, replay=True)
    assert choose([tried, replay], has_skills=False).recipe.name == "tried"


def test_a_bad_recipe_is_one_clear_error():
    with pytest.raises(ConfigError, match="samples"):
        Recipe.parse({"name": "x", "samples": 0})
    with pytest.raises(ConfigError, match="bogus"):
        Recipe.parse({"name": "x", "bogus": 1})


def test_guide_offers_vlm_recipes_only_when_a_vlm_brain_is_held():
    offline = {Recipe.parse(s.recipe).name for s in guide("c", ["offline"])}
    with_model = {Recipe.parse(s.recipe).name for s in guide("c", ["offline", "vlm"])}
    assert offline == {r.name for r in OFFLINE_RECIPES}
    assert with_model == {r.name for r in VLM_RECIPES} and "vlm-propose" in with_model


def test_a_cheap_strategy_that_fails_hands_the_next_decision_to_the_best_one():
    cheap = _strategy("cheap", 44, 6, cost=0.0)
    model = _strategy("model", 46, 4, cost=50.0, propose="vlm")
    assert choose([model, cheap], has_skills=True).recipe.name == "cheap"
    after = choose([model, cheap], has_skills=True, failed=cheap.id)
    assert after.recipe.name == "model", "the cheap strategy failed: the model is asked again"
    assert choose([model, cheap], has_skills=True, failed=model.id).recipe.name == "cheap"
    worse = _strategy("worse", 30, 20, cost=0.0)
    assert choose([model, worse], has_skills=True).recipe.name == "model"


def test_the_book_hands_a_cluster_back_to_the_best_strategy_after_a_cheap_one_fails(tmp_path):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    cheap = _strategy("cheap", 45, 5, cost=0.0)
    model = _strategy("model", 46, 4, cost=50.0, propose="vlm")
    for s in (cheap, model):
        graph.add_strategy(s)
        for _ in range(s.totals.success.successes):
            graph.record_strategy_outcome(s.id, True, s.totals.cost_total / s.totals.runs)
        for _ in range(s.totals.success.failures):
            graph.record_strategy_outcome(s.id, False, s.totals.cost_total / s.totals.runs)
    book = StrategyBook(graph, ["offline", "vlm"])
    picks = []
    for outcome in (True, False, True, True):
        choice = book.choose("cluster", has_skills=True)
        picks.append(choice.recipe.name)
        book.consolidate(choice, _verdict(acted=outcome), cost=0.0)
    picks.append(book.choose("cluster", has_skills=True).recipe.name)
    assert picks == ["cheap", "cheap", "model", "cheap", "cheap"]
    graph.close()


def test_a_strategy_succeeds_by_the_judges_verdict_not_by_the_size_of_its_reward(tmp_path):
    """A step that acted as expected succeeds even with a small reward (once progress is known
    to move, novelty alone pays little); one that did nothing, or was undone, fails."""
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    book = StrategyBook(graph, ["offline"])
    verdicts = [
        _verdict(acted=True),
        _verdict(acted=True),
        _verdict(acted=False),
        _verdict(acted=True, consistent=False),  # undone
        _verdict(acted=True, progressed=True),
    ]
    for verdict in verdicts:
        choice = book.choose("cluster", has_skills=False)
        book.consolidate(choice, verdict, cost=0.0)
    stats = [s.totals for s in graph.strategies("cluster") if s.totals.runs]
    assert sum(t.success.successes for t in stats) == 3
    assert sum(t.success.failures for t in stats) == 2
    graph.close()
