"""Merge and diff of libraries, as pure functions on snapshots.

merge(a, b) unions nodes by content-hash id. Counters are per origin and merge by maximum, so what
two different libraries counted is summed while merging is commutative, associative and idempotent
(merging a library with itself, or the same bundle twice, changes nothing). Other fields resolve by
a fixed order (status: the most cautious; text: the highest version, then the larger JSON), never
by argument order. A skill whose copies expect different effects is kept as siblings: the variant
with the smallest effect key keeps the content id, each other variant gets a sibling id
(`variant_of` = the content id) and a derived_from edge to it; edges follow the renamed ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from skills.model import (
    STATUS_ORDER,
    Edge,
    Effect,
    Insight,
    Skill,
    SkillStats,
    State,
    Strategy,
    StrategyStats,
    canonical_json,
    sibling_id,
)
from skills.snapshot import Snapshot

T = TypeVar("T")


@dataclass(frozen=True)
class MergeReport:
    """What a merge did, for people: sizes in and out, overlap, siblings, counts summed."""

    left: dict[str, int]
    right: dict[str, int]
    result: dict[str, int]
    shared_skills: int
    siblings: tuple[str, ...] = ()
    renamed: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [
            f"left:   {_fmt(self.left)}",
            f"right:  {_fmt(self.right)}",
            f"result: {_fmt(self.result)}",
            f"skills in both (stats summed across origins): {self.shared_skills}",
            f"conflicting effects kept as siblings: {len(self.siblings)}",
        ]
        out += [f"  sibling {s}" for s in self.siblings[:20]]
        return out


def _fmt(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _body_key(record) -> str:
    """Canonical JSON of a record's descriptive fields (counters and status excluded)."""
    data = record.model_dump(mode="json", exclude={"stats", "visits", "status"})
    return canonical_json(data)


def _join_counts(a: dict[str, T], b: dict[str, T], join: Callable[[T, T], T]) -> dict[str, T]:
    out = dict(a)
    for origin, value in b.items():
        out[origin] = join(out[origin], value) if origin in out else value
    return dict(sorted(out.items()))


def _union(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted({x for g in groups for x in g}))


def _merge_states(a: State, b: State) -> State:
    keep = max(a, b, key=_body_key)
    return keep.model_copy(update={"visits": _join_counts(a.visits, b.visits, max)})


def _merge_skill_copies(a: Skill, b: Skill) -> Skill:
    """Two copies of one skill variant (same steps, same effect)."""
    keep = max(a, b, key=lambda s: (s.version, _body_key(s)))
    provenance = {canonical_json(p.model_dump(mode="json")): p for p in a.provenance + b.provenance}
    return keep.model_copy(
        update={
            "stats": _join_counts(a.stats, b.stats, SkillStats.join),
            "status": max(a.status, b.status, key=STATUS_ORDER.__getitem__),
            "applies_when": _union(a.applies_when, b.applies_when),
            "not_when": _union(a.not_when, b.not_when),
            "evidence": _union(a.evidence, b.evidence),
            "provenance": tuple(provenance[k] for k in sorted(provenance)),
        }
    )


def _merge_insights(a: Insight, b: Insight) -> Insight:
    return max(a, b, key=lambda i: (i.strength, _body_key(i)))


def _merge_strategies(a: Strategy, b: Strategy) -> Strategy:
    return a.model_copy(update={"stats": _join_counts(a.stats, b.stats, StrategyStats.join)})


def _merge_edges(a: Edge, b: Edge) -> Edge:
    return a.model_copy(update={"counts": _join_counts(a.counts, b.counts, max)})


def _fold(records: Iterable[T], key: Callable[[T], object], join: Callable[[T, T], T]) -> dict:
    out: dict = {}
    for r in records:
        k = key(r)
        out[k] = join(out[k], r) if k in out else r
    return out


def effect_key(effect: Effect | None) -> str:
    """What tells variants of one skill apart: their expected effect ("" for none)."""
    return effect.key() if effect is not None else ""


def _resolve_skills(skills: Iterable[Skill]) -> tuple[list[Skill], dict[tuple[str, str], str]]:
    """Fold skill copies into variants and name them; returns skills and (base, effect) -> id."""
    variants = _fold(skills, lambda s: (s.base_id, effect_key(s.effect)), _merge_skill_copies)
    groups: dict[str, list[tuple[str, Skill]]] = {}
    for (base, effect), skill in variants.items():
        groups.setdefault(base, []).append((effect, skill))
    out: list[Skill] = []
    names: dict[tuple[str, str], str] = {}
    for base, members in groups.items():
        members.sort(key=lambda m: m[0])
        for rank, (effect, skill) in enumerate(members):
            if rank == 0:
                new = skill.model_copy(update={"id": base, "variant_of": None})
            else:
                new = skill.model_copy(
                    update={"id": sibling_id(base, skill.effect), "variant_of": base}
                )
            names[(base, effect)] = new.id
            out.append(new)
    return out, names


def _rename_edge(edge: Edge, names: dict[str, str]) -> Edge:
    return edge.model_copy(
        update={
            "src": names.get(edge.src, edge.src),
            "dst": names.get(edge.dst, edge.dst),
            "key": names.get(edge.key, edge.key),
        }
    )


def merge(a: Snapshot, b: Snapshot, library_id: str | None = None) -> tuple[Snapshot, MergeReport]:
    """The union of two libraries (see the module docstring for how conflicts resolve)."""
    skills, names = _resolve_skills(a.skills + b.skills)
    renamed: dict[str, str] = {}
    edges: list[Edge] = []
    for side in (a, b):
        side_names = {s.id: names[(s.base_id, effect_key(s.effect))] for s in side.skills}
        renamed.update({old: new for old, new in side_names.items() if old != new})
        # derived_from marks siblings; it is rebuilt below from the final naming.
        edges += [_rename_edge(e, side_names) for e in side.edges if e.kind != "derived_from"]
    edges += [Edge(kind="derived_from", src=s.id, dst=s.variant_of) for s in skills if s.variant_of]
    result = Snapshot.of(
        library_id or a.library_id,
        states=_fold(a.states + b.states, lambda n: n.id, _merge_states).values(),
        skills=skills,
        insights=_fold(a.insights + b.insights, lambda n: n.id, _merge_insights).values(),
        strategies=_fold(a.strategies + b.strategies, lambda n: n.id, _merge_strategies).values(),
        edges=_fold(edges, lambda e: e.ident, _merge_edges).values(),
        evidence={**a.evidence, **b.evidence},
    )
    report = MergeReport(
        left=a.counts(),
        right=b.counts(),
        result=result.counts(),
        shared_skills=len({s.id for s in a.skills} & {s.id for s in b.skills}),
        siblings=tuple(s.id for s in skills if s.variant_of),
        renamed=dict(sorted(renamed.items())),
    )
    return result, report


@dataclass(frozen=True)
class Diff:
    """How library b differs from a: node ids only in one side, ids in both that differ."""

    only_left: tuple[str, ...]
    only_right: tuple[str, ...]
    changed: tuple[str, ...]
    edges_only_left: int
    edges_only_right: int
    edges_changed: int

    @property
    def same(self) -> bool:
        return not (
            self.only_left
            or self.only_right
            or self.changed
            or self.edges_only_left
            or self.edges_only_right
            or self.edges_changed
        )


def diff(a: Snapshot, b: Snapshot) -> Diff:
    """Compare two libraries node by node and edge by edge (library ids are ignored)."""

    def nodes(s: Snapshot) -> dict[str, object]:
        return {n.id: n for group in (s.states, s.skills, s.insights, s.strategies) for n in group}

    na, nb = nodes(a), nodes(b)
    ea, eb = {e.ident: e for e in a.edges}, {e.ident: e for e in b.edges}
    return Diff(
        only_left=tuple(sorted(na.keys() - nb.keys())),
        only_right=tuple(sorted(nb.keys() - na.keys())),
        changed=tuple(sorted(k for k in na.keys() & nb.keys() if na[k] != nb[k])),
        edges_only_left=len(ea.keys() - eb.keys()),
        edges_only_right=len(eb.keys() - ea.keys()),
        edges_changed=sum(1 for k in ea.keys() & eb.keys() if ea[k] != eb[k]),
    )
