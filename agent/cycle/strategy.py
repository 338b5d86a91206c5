"""EGuR strategies: *how* a decision is made, as data cached per state cluster.

A Strategy record (skills.model.Strategy) carries a `recipe` dict; `Recipe.parse` validates it
(a frozen pydantic model) into a Recipe the cycle interprets -- never executed as code:

    tier per role     propose/judge/name/reflect: "offline" | "vlm" | any tier the learner holds
    prompts           prompt id per role (VLM tiers), e.g. propose_prompt="propose"
    temperature, samples (best-of-n), reflect (on failure), replay (run the best cached skill
    with no model call and no Explore arm), explore_bonus (UCB c), budget (model calls per step)

Per cluster: the Guide proposes candidate recipes when none is cached (the VLM ones when the
learner holds a "vlm" brain -- the model explores, and the VLM proposer's decision memo is the
model-free path, measured against the model per context -- else the offline ones); `choose`
tries each a few times, then picks the cheapest recipe whose success is within `epsilon` of the
best; the Consolidator records each trial's success and cost (model calls) on the strategy, and
a failure of a recipe chosen for being cheap hands the cluster's next decision to the best one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.brains.base import Judgement
from agent.errors import ConfigError
from skills.model import Strategy

log = logging.getLogger(__name__)

ROLES = ("propose", "judge", "name", "reflect")


class Recipe(BaseModel):
    """A strategy's recipe, validated (pydantic: recipes are stored data, checked when loaded).
    See the module docstring for each field's meaning."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    propose: str = "offline"
    judge: str = "offline"
    name_with: str = "offline"
    reflect_with: str = "offline"
    propose_prompt: str = "propose"
    judge_prompt: str = "judge"
    name_prompt: str = "name"
    reflect_prompt: str = "reflect"
    temperature: float = Field(0.0, ge=0, le=2)
    samples: int = Field(1, ge=1, le=8)
    reflect: bool = False
    replay: bool = False
    explore_bonus: float = Field(0.5, ge=0, le=10)
    budget: int = Field(0, ge=0)

    @classmethod
    def parse(cls, data: dict[str, str | int | float | bool]) -> Recipe:
        """A Recipe from a stored recipe dict; ConfigError names what is wrong."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ConfigError(f"bad strategy recipe ({where}): {err['msg']}") from None

    def to_data(self) -> dict[str, str | int | float | bool]:
        return self.model_dump()

    def tier_for(self, role: str) -> str:
        """Which brain tier answers `role` ("propose", "judge", "name" or "reflect")."""
        return {
            "propose": self.propose,
            "judge": self.judge,
            "name": self.name_with,
            "reflect": self.reflect_with,
        }[role]

    def prompt_for(self, role: str) -> str:
        return getattr(self, f"{role}_prompt")


OFFLINE_RECIPES = (
    Recipe(name="replay-best-skill", replay=True),
    Recipe(name="explore"),
    Recipe(name="explore+reflect", reflect=True),
)
VLM_RECIPES = (
    Recipe(name="vlm-propose", propose="vlm", budget=1),
    Recipe(name="vlm-propose+reflect", propose="vlm", reflect=True, reflect_with="vlm", budget=2),
)


@dataclass(frozen=True)
class Choice:
    """The strategy picked for a step: the stored record and its interpreted recipe."""

    strategy: Strategy
    recipe: Recipe


def guide(cluster: str, tiers: Iterable[str]) -> list[Strategy]:
    """Candidate strategies for a cluster with none cached: the VLM ones when a "vlm" brain is
    held (the model explores; its proposer's memo is the model-free path), else offline ones."""
    recipes = VLM_RECIPES if "vlm" in set(tiers) else OFFLINE_RECIPES
    return [Strategy.create(cluster, r.to_data()) for r in recipes]


def choose(
    strategies: list[Strategy],
    *,
    has_skills: bool,
    epsilon: float = 0.05,
    min_runs: int = 3,
    failed: str = "",
) -> Choice:
    """The cheapest strategy within `epsilon` of the best success; untried ones first.

    A replay recipe needs a cached skill, so it is skipped in a state that has none. `failed`:
    the id of the strategy whose last use here failed; if it was chosen for being cheap (a better
    one exists), this decision goes to the best one (the model is asked again).
    """
    usable = [
        Choice(s, Recipe.parse(s.recipe))
        for s in strategies
        if has_skills or not bool(s.recipe.get("replay", False))
    ]
    if not usable:
        raise ConfigError("no usable strategy for this state")
    fresh = [c for c in usable if c.strategy.totals.runs < min_runs]
    if fresh:
        return min(fresh, key=lambda c: c.strategy.totals.runs)
    top = max(usable, key=lambda c: (c.strategy.totals.success.mean, mean_cost(c.strategy)))
    if failed and failed != top.strategy.id:
        return top
    best = top.strategy.totals.success.mean
    good = [c for c in usable if c.strategy.totals.success.mean >= best - epsilon]
    return min(good, key=lambda c: (mean_cost(c.strategy), -c.strategy.totals.success.mean))


def mean_cost(strategy: Strategy) -> float:
    """Average cost per use (model calls and reflections) of a strategy."""
    totals = strategy.totals
    return totals.cost_total / totals.runs if totals.runs else 0.0


class StrategyBook:
    """Per-cluster strategy cache over the library: Guide on a miss, Consolidator on each outcome.

    Stats are read from the library at most every `refresh_every` uses of a cluster, so other
    processes' outcomes count without a read per step.
    """

    def __init__(self, graph, tiers: Iterable[str], refresh_every: int = 20) -> None:
        self._graph = graph
        self._tiers = tuple(tiers)
        self._cache: dict[str, tuple[int, list[Strategy]]] = {}
        self._failed: dict[str, str] = {}
        self._refresh_every = refresh_every

    def choose(self, cluster: str, has_skills: bool) -> Choice:
        uses, cached = self._cache.get(cluster, (0, []))
        if not cached or uses >= self._refresh_every:
            cached = self._graph.strategies(cluster)
            if not cached:
                cached = [self._graph.add_strategy(s) for s in guide(cluster, self._tiers)]
                log.debug("guide: %d strategies for %s", len(cached), cluster)
            uses = 0
        self._cache[cluster] = (uses + 1, cached)
        return choose(cached, has_skills=has_skills, failed=self._failed.pop(cluster, ""))

    def consolidate(self, choice: Choice, verdict: Judgement, cost: float) -> None:
        """Record one outcome (the judge's `verdict` on the step, see `succeeded`) in the library
        and in the local copy of the stats; a failure is remembered for the cluster's next
        choice."""
        success = succeeded(verdict)
        self._graph.record_strategy_outcome(choice.strategy.id, success, cost)
        if not success:
            self._failed[choice.strategy.cluster] = choice.strategy.id
        uses, cached = self._cache.get(choice.strategy.cluster, (0, []))
        self._cache[choice.strategy.cluster] = (
            uses,
            [_counted(s, success, cost) if s.id == choice.strategy.id else s for s in cached],
        )


def succeeded(verdict: Judgement) -> bool:
    """Whether a strategy's step succeeded: it made progress, or it did what it should (changed
    the screen, consistently with what was expected, and was not undone)."""
    return verdict.progressed or (verdict.acted and verdict.consistent)


def _counted(strategy: Strategy, success: bool, cost: float) -> Strategy:
    from skills.model import Beta, StrategyStats

    key = "local"
    old = strategy.stats.get(key, StrategyStats())
    beta = old.success
    beta = Beta(successes=beta.successes + success, failures=beta.failures + (not success))
    stats = StrategyStats(success=beta, cost_total=old.cost_total + cost, runs=old.runs + 1)
    return strategy.model_copy(update={"stats": {**strategy.stats, key: stats}})
