"""Strategies: recipes are validated data; the cheapest within epsilon of the best success wins."""

from __future__ import annotations

import pytest

from agent.cycle.strategy import OFFLINE_RECIPES, Recipe, StrategyBook, choose, guide
from agent.errors import ConfigError
from skills.graph import SkillGraph
from skills.model import Beta, Strategy, StrategyStats


def _strategy(name: str, wins: int, losses: int, cost: float, **recipe) -> Strategy:
    stats = StrategyStats(
        success=Beta(successes=wins, failures=losses), cost_total=cost, runs=wins + losses
    )
    return Strategy.create("cluster", {"name": name, **recipe}, stats={"lib": stats})


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
    both = {Recipe.parse(s.recipe).name for s in guide("c", ["offline", "vlm"])}
    assert offline == {r.name for r in OFFLINE_RECIPES}
    assert "vlm-propose" in both and "best-of-n" in both and offline < both


def test_the_book_caches_per_cluster_and_consolidates_into_the_library(tmp_path):
    graph = SkillGraph.open(tmp_path / "lib.sqlite")
    book = StrategyBook(graph, ["offline"])
    choice = book.choose("st_a", has_skills=False)
    assert len(graph.strategies("st_a")) == len(OFFLINE_RECIPES)
    book.consolidate(choice, success=True, cost=2.0)
    stored = {s.id: s for s in graph.strategies("st_a")}[choice.strategy.id]
    assert stored.totals.runs == 1 and stored.totals.success.successes == 1
    assert stored.totals.cost_total == 2.0
    graph.close()
