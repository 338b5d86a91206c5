"""The library schema: State, Skill, Insight, Strategy and Edge records (pydantic, frozen).

These records are both the in-memory values the graph hands out and the JSON files of a bundle,
so they carry `schema_version` ("MAJOR.MINOR"); a reader accepts any minor of a major it knows.

Counters are kept *per origin* (the id of the library that counted them), e.g.
`skill.stats == {"lib-a": SkillStats(...), "lib-b": SkillStats(...)}`. A library only ever
increments its own origin's counters, in place, so many writers lose nothing; merging two libraries
takes the maximum per origin and therefore sums what distinct libraries counted while staying
commutative, associative and idempotent (a grow-only counter). `skill.totals` gives the sums.

Ids are content hashes, so the same thing found by two agents gets the same id:
- Skill: "sk_" + sha256 of the canonical JSON of (scope, steps) with floats rounded to 4 places;
  a sibling kept because its expected effect conflicts: sha256 of (base id, effect).
- State: "st_" + sha256 of the signature. Insight: "in_" + sha256 of its text fields.
- Strategy: "sg_" + sha256 of (cluster, recipe).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from skills.errors import SchemaError

SCHEMA_VERSION = "1.0"
SCHEMA_MAJOR = 1

ActionKind = Literal["click", "double_click", "right_click", "drag", "scroll", "move", "wait"]
SkillStatus = Literal["candidate", "active", "suspended", "retired"]
EdgeKind = Literal[
    "available_in", "leads_to", "composed_of", "refines", "merged_into", "about", "derived_from"
]
EDGE_KINDS: tuple[str, ...] = EdgeKind.__args__  # type: ignore[attr-defined]
STATUS_ORDER: dict[str, int] = {"candidate": 0, "active": 1, "suspended": 2, "retired": 3}


TRUSTED = {"trusted": True}
"""Validation context for records read back from the library's own store (ids already checked)."""


def canonical_json(value: object) -> str:
    """JSON with sorted keys and no spaces: the one text a value hashes and exports as."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def digest(value: object, prefix: str) -> str:
    """A short content id: prefix + the first 32 hex digits of sha256(canonical JSON)."""
    return prefix + hashlib.sha256(canonical_json(value).encode()).hexdigest()[:32]


def _quantize(value: object) -> object:
    """Round floats so near-identical descriptors from two agents hash the same."""
    if isinstance(value, float):
        return round(value, 4) + 0.0
    if isinstance(value, list | tuple):
        return [_quantize(v) for v in value]
    if isinstance(value, dict):
        return {k: _quantize(v) for k, v in value.items()}
    return value


class Record(BaseModel):
    """Base of every stored record: frozen, strict about unknown fields, versioned."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    schema_version: str = SCHEMA_VERSION

    @field_validator("schema_version")
    @classmethod
    def _known_major(cls, value: str) -> str:
        major = value.split(".", 1)[0]
        if not major.isdigit() or int(major) != SCHEMA_MAJOR:
            raise ValueError(f"unknown schema major version {value!r} (this reader knows 1.x)")
        return value


class Beta(BaseModel):
    """Successes and failures of one yes/no judgement; the posterior is Beta(1 + s, 1 + f)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    successes: int = Field(default=0, ge=0)
    failures: int = Field(default=0, ge=0)

    @property
    def n(self) -> int:
        return self.successes + self.failures

    @property
    def mean(self) -> float:
        """Posterior mean under a uniform prior."""
        return (self.successes + 1) / (self.n + 2)

    def __add__(self, other: Beta) -> Beta:
        return Beta(
            successes=self.successes + other.successes, failures=self.failures + other.failures
        )

    def join(self, other: Beta) -> Beta:
        """Per-field maximum: the merge of two views of one origin's counter."""
        return Beta(
            successes=max(self.successes, other.successes),
            failures=max(self.failures, other.failures),
        )


class SkillStats(BaseModel):
    """How a skill fared: did it act, match its expected effect, make progress; and its cost."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    acted: Beta = Beta()
    consistent: Beta = Beta()
    progressive: Beta = Beta()
    cost_total: float = Field(default=0.0, ge=0)
    runs: int = Field(default=0, ge=0)

    @property
    def mean_cost(self) -> float:
        return self.cost_total / self.runs if self.runs else 0.0

    def __add__(self, other: SkillStats) -> SkillStats:
        return SkillStats(
            acted=self.acted + other.acted,
            consistent=self.consistent + other.consistent,
            progressive=self.progressive + other.progressive,
            cost_total=self.cost_total + other.cost_total,
            runs=self.runs + other.runs,
        )

    def join(self, other: SkillStats) -> SkillStats:
        return SkillStats(
            acted=self.acted.join(other.acted),
            consistent=self.consistent.join(other.consistent),
            progressive=self.progressive.join(other.progressive),
            cost_total=max(self.cost_total, other.cost_total),
            runs=max(self.runs, other.runs),
        )


class StrategyStats(BaseModel):
    """How a decision strategy fared: success as a Beta, and its cost."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    success: Beta = Beta()
    cost_total: float = Field(default=0.0, ge=0)
    runs: int = Field(default=0, ge=0)

    def __add__(self, other: StrategyStats) -> StrategyStats:
        return StrategyStats(
            success=self.success + other.success,
            cost_total=self.cost_total + other.cost_total,
            runs=self.runs + other.runs,
        )

    def join(self, other: StrategyStats) -> StrategyStats:
        return StrategyStats(
            success=self.success.join(other.success),
            cost_total=max(self.cost_total, other.cost_total),
            runs=max(self.runs, other.runs),
        )


class Provenance(BaseModel):
    """Where a record came from: which agent, game, recording and step, and when (ISO UTC)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    agent: str = ""
    game: str = ""
    recording: str = ""
    step: int | None = None
    time: str = ""
    note: str = ""


class Box(BaseModel):
    """A rectangle relative to the window, every field a fraction in 0..1."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    x: float = Field(ge=0, le=1)
    y: float = Field(ge=0, le=1)
    w: float = Field(ge=0, le=1)
    h: float = Field(ge=0, le=1)


class SkillStep(BaseModel):
    """One object-relative action: what to do, to which target, where within it.

    target: an opaque descriptor the agent owns (e.g. a colour/shape vector) used to re-ground.
    text: the target's text if any. box: where the target was, as window fractions.
    offset: the point within the box (fractions of the box). drag_to: drag end (window fractions).
    amount: scroll clicks or wait seconds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: ActionKind
    target: tuple[float, ...] = ()
    text: str | None = None
    box: Box | None = None
    offset: tuple[float, float] = (0.5, 0.5)
    drag_to: tuple[float, float] | None = None
    amount: float = 0.0

    @field_validator("target", "offset", "drag_to")
    @classmethod
    def _finite(cls, value: tuple[float, ...] | None) -> tuple[float, ...] | None:
        if value is not None and not all(math.isfinite(v) for v in value):
            raise ValueError("numbers must be finite")
        return value


class Effect(BaseModel):
    """What a skill is expected to do: a description, the region that changes, the state reached."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    description: str = ""
    region: Box | None = None
    next_state: str | None = None
    change: float = Field(default=0.0, ge=0)

    def key(self) -> str:
        return canonical_json(_quantize(self.model_dump(mode="json")))


def skill_content_id(scope: str, steps: tuple[SkillStep, ...] | list[SkillStep]) -> str:
    """The content-hash id of a skill: the same steps in the same scope always get the same id."""
    payload = {"scope": scope, "steps": [_quantize(s.model_dump(mode="json")) for s in steps]}
    return digest(payload, "sk_")


def sibling_id(base_id: str, effect: Effect | None) -> str:
    """The id of a sibling variant of skill `base_id` that expects a different effect."""
    return digest({"base": base_id, "effect": effect.key() if effect else None}, "sk_")


class Skill(Record):
    """A reusable, object-relative action sequence with preconditions, expected effect and stats.

    Build one with `Skill.create(...)`, which computes the content-hash id.
    """

    id: str
    name: str = ""
    description: str = ""
    scope: str = ""
    steps: tuple[SkillStep, ...] = Field(min_length=1)
    applies_when: tuple[str, ...] = ()
    not_when: tuple[str, ...] = ()
    effect: Effect | None = None
    stats: dict[str, SkillStats] = {}
    cost: float = Field(default=0.0, ge=0)
    status: SkillStatus = "candidate"
    version: int = Field(default=1, ge=1)
    parent: str | None = None
    variant_of: str | None = None
    provenance: tuple[Provenance, ...] = ()
    evidence: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _id_matches_content(self, info: ValidationInfo) -> Skill:
        if info.context and info.context.get("trusted"):
            return self  # read back from our own store, where it was checked on the way in
        base = skill_content_id(self.scope, self.steps)
        expected = base if self.variant_of is None else sibling_id(self.variant_of, self.effect)
        if self.variant_of is not None and self.variant_of != base:
            raise ValueError(f"skill {self.id}: variant_of does not match its steps")
        if self.id != expected:
            raise ValueError(f"skill id {self.id} does not match its content (expected {expected})")
        return self

    @classmethod
    def create(
        cls, steps: list[SkillStep] | tuple[SkillStep, ...], scope: str = "", **fields
    ) -> Skill:
        """A new skill whose id is the content hash of its steps and scope."""
        steps = tuple(steps)
        if not steps:
            raise SchemaError("a skill needs at least one step")
        return cls(id=skill_content_id(scope, steps), scope=scope, steps=steps, **fields)

    @property
    def base_id(self) -> str:
        return self.variant_of or self.id

    @property
    def totals(self) -> SkillStats:
        """Stats summed over every origin that counted them."""
        counted = list(self.stats.values())
        if len(counted) == 1:  # the common case: one origin, nothing to add (asked per decision)
            return counted[0]
        total = SkillStats()
        for stats in counted:
            total = total + stats
        return total


class State(Record):
    """A screen situation, identified by the signature the agent computes for it."""

    id: str
    signature: str = Field(min_length=1)
    vector: tuple[float, ...] = ()
    label: str = ""
    visits: dict[str, int] = {}

    @model_validator(mode="after")
    def _id_matches_signature(self) -> State:
        if self.id != state_id(self.signature):
            raise ValueError(f"state id {self.id} does not match its signature")
        return self

    @classmethod
    def create(cls, signature: str, **fields) -> State:
        return cls(id=state_id(signature), signature=signature, **fields)

    @property
    def total_visits(self) -> int:
        return sum(self.visits.values())


def state_id(signature: str) -> str:
    return digest(signature, "st_")


class Insight(Record):
    """A HAR-style guideline or lesson attached to states: when it applies and what it says."""

    id: str
    title: str = Field(min_length=1)
    when_to_use: str = ""
    content: str = ""
    polarity: Literal["do", "avoid"] = "do"
    scope: str = ""
    strength: float = 1.0
    provenance: tuple[Provenance, ...] = ()

    @model_validator(mode="after")
    def _id_matches_content(self) -> Insight:
        if self.id != insight_id(self):
            raise ValueError(f"insight id {self.id} does not match its content")
        return self

    @classmethod
    def create(cls, title: str, **fields) -> Insight:
        probe = cls.model_construct(title=title, **fields)
        return cls(id=insight_id(probe), title=title, **fields)


def insight_id(insight: Insight) -> str:
    fields = ("title", "when_to_use", "content", "polarity", "scope")
    return digest({f: getattr(insight, f) for f in fields}, "in_")


RecipeValue = str | int | float | bool


class Strategy(Record):
    """An EGuR-style decision recipe for a cluster of states (data, never code), with stats."""

    id: str
    cluster: str = ""
    recipe: dict[str, RecipeValue] = {}
    stats: dict[str, StrategyStats] = {}

    @model_validator(mode="after")
    def _id_matches_recipe(self) -> Strategy:
        if self.id != strategy_id(self.cluster, self.recipe):
            raise ValueError(f"strategy id {self.id} does not match its recipe")
        return self

    @classmethod
    def create(cls, cluster: str, recipe: dict[str, RecipeValue], **fields) -> Strategy:
        return cls(id=strategy_id(cluster, recipe), cluster=cluster, recipe=recipe, **fields)

    @property
    def totals(self) -> StrategyStats:
        total = StrategyStats()
        for stats in self.stats.values():
            total = total + stats
        return total


def strategy_id(cluster: str, recipe: dict[str, RecipeValue]) -> str:
    return digest({"cluster": cluster, "recipe": recipe}, "sg_")


class Edge(Record):
    """A typed edge. `key` tells parallel edges apart (composed_of: position; leads_to: skill id).

    counts: per-origin counts for counted edges (leads_to); empty for structural edges.
    """

    kind: EdgeKind
    src: str = Field(min_length=1)
    dst: str = Field(min_length=1)
    key: str = ""
    counts: dict[str, int] = {}

    @property
    def ident(self) -> tuple[str, str, str, str]:
        return (self.kind, self.src, self.dst, self.key)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


NODE_PREFIXES = {"st_": State, "sk_": Skill, "in_": Insight, "sg_": Strategy}


def node_kind(node_id: str) -> str:
    """'state', 'skill', 'insight' or 'strategy' from an id's prefix."""
    kinds = {"st_": "state", "sk_": "skill", "in_": "insight", "sg_": "strategy"}
    try:
        return kinds[node_id[:3]]
    except KeyError:
        raise SchemaError(f"not a node id: {node_id!r}") from None
