"""Snapshot: a whole library as records in memory, the unit of export, import, merge and views.

A snapshot is what a bundle holds and what `merge` combines; the store can produce one and absorb
one. It is a value: frozen, sorted by id, with every counter still split per origin.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skills.model import Edge, Insight, Skill, State, Strategy


@dataclass(frozen=True)
class Snapshot:
    """Every node, edge and evidence frame of a library, sorted by id."""

    library_id: str
    states: tuple[State, ...] = ()
    skills: tuple[Skill, ...] = ()
    insights: tuple[Insight, ...] = ()
    strategies: tuple[Strategy, ...] = ()
    edges: tuple[Edge, ...] = ()
    evidence: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        library_id: str,
        states=(),
        skills=(),
        insights=(),
        strategies=(),
        edges=(),
        evidence: dict[str, bytes] | None = None,
    ) -> Snapshot:
        """A snapshot with everything sorted, so equal contents compare (and export) equal."""
        return cls(
            library_id=library_id,
            states=tuple(sorted(states, key=lambda n: n.id)),
            skills=tuple(sorted(skills, key=lambda n: n.id)),
            insights=tuple(sorted(insights, key=lambda n: n.id)),
            strategies=tuple(sorted(strategies, key=lambda n: n.id)),
            edges=tuple(sorted(edges, key=lambda e: e.ident)),
            evidence=dict(sorted((evidence or {}).items())),
        )

    def counts(self) -> dict[str, int]:
        return {
            "states": len(self.states),
            "skills": len(self.skills),
            "insights": len(self.insights),
            "strategies": len(self.strategies),
            "edges": len(self.edges),
            "evidence": len(self.evidence),
        }

    def node_ids(self) -> set[str]:
        groups = (self.states, self.skills, self.insights, self.strategies)
        return {node.id for group in groups for node in group}

    def content(self) -> tuple:
        """Everything but the library id: what 'equal on content' compares."""
        return (self.states, self.skills, self.insights, self.strategies, self.edges, self.evidence)
