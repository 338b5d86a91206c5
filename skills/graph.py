"""SkillGraph: the one API the agent uses to read and grow the skill library.

The store (SQLite file or PostgreSQL) is the truth; the networkx MultiDiGraph here is a cache of the
graph's structure, refreshed incrementally from the store's change clock. Point reads (available,
get, insights) go to the store, so they are always current; graph algorithms (neighbours over the
cache, shortest_path) refresh the cache first, which costs one query when nothing changed.

How the agent uses it, once per step:

    graph = SkillGraph.open("library.sqlite")            # or a postgresql:// DSN
    state = graph.state(signature)                       # match or create; counts a visit
    skills = graph.available(state.id)                   # candidate/active, not suspended
    ... run one, judge it ...
    graph.record_outcome(skill.id, state.id, acted=True, consistent=True, progressive=False,
                         cost=1.0, next_state_id=next_state.id)   # counters += 1 in place
    graph.add_skill(Skill.create(steps, scope=game, name=...), available_in=[state.id])
    graph.suspend(skill.id); graph.compose([a.id, b.id], name=...)
    graph.add_insight(state.id, Insight.create("...")); graph.insights(state.id)
    graph.strategies(cluster); graph.record_strategy_outcome(strategy.id, success=True, cost=2)
    graph.search("end turn"); graph.neighbours(state.id); graph.shortest_path(a.id, b.id)

Many processes may hold a SkillGraph on the same library at once; each sees the others' writes
(immediately for point reads, after `refresh()` for the cached structure).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

from skills.errors import LibraryNotFound, SchemaError
from skills.model import Edge, Insight, Skill, State, Strategy, node_kind
from skills.store import SqlStore, open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PruneReport:
    """What prune changed (or would change): skills suspended, nodes deleted."""

    suspended: tuple[str, ...]
    deleted: tuple[str, ...]


@dataclass(frozen=True)
class Hop:
    """One hop between states: in `src`, run `skill` to reach `dst` (seen `count` times)."""

    src: str
    skill: str
    dst: str
    count: int


class SkillGraph:
    """The skill library as a graph: states, skills, insights and strategies with typed edges.

    insight_limit: at most this many insights are kept per state; the weakest is evicted.
    """

    def __init__(self, store: SqlStore, insight_limit: int = 3) -> None:
        self.store = store
        self.insight_limit = insight_limit
        self._cache: nx.MultiDiGraph | None = None
        self._watermark = 0

    @classmethod
    def open(cls, location: str | Path, create: bool = True, insight_limit: int = 3) -> SkillGraph:
        """Open the library at a file path or postgresql:// DSN (created if missing)."""
        return cls(open_store(location, create=create), insight_limit=insight_limit)

    @property
    def library_id(self) -> str:
        return self.store.library_id

    # --- states and skills ------------------------------------------------------------------
    def state(self, signature: str, vector: tuple[float, ...] = (), label: str = "") -> State:
        """The state with this signature (created if new), after counting one visit."""
        return self.store.touch_state(State.create(signature, vector=tuple(vector), label=label))

    def add_skill(self, skill: Skill, available_in: list[str] | tuple[str, ...] = ()) -> Skill:
        """Add a skill (idempotent by content id; a known skill keeps its stats and status)."""
        for state_id in available_in:
            self.store.get_state(state_id)  # raises LibraryNotFound for an unknown state
        if skill.parent:
            self.store.get_skill(skill.parent)
        existing = self.store.get_skills([skill.id])
        if existing:
            skill = existing[0]
            self.store.put_edges(
                Edge(kind="available_in", src=skill.id, dst=s) for s in available_in
            )
        else:
            self.store.put_skill(skill, available_in)
        if skill.parent:
            self.store.put_edges([Edge(kind="refines", src=skill.id, dst=skill.parent)])
        return self.store.get_skill(skill.id)

    def update_skill(self, skill: Skill) -> Skill:
        """Replace a known skill's description, preconditions or status (stats are untouched)."""
        self.store.get_skill(skill.id)
        self.store.put_skill(skill)
        return self.store.get_skill(skill.id)

    def get(self, node_id: str) -> Skill | State | Insight | Strategy:
        """Any node by id."""
        kind = node_kind(node_id)
        if kind == "skill":
            return self.store.get_skill(node_id)
        if kind == "state":
            return self.store.get_state(node_id)
        if kind == "insight":
            return self.store.get_insight(node_id)
        return self.store.get_strategy(node_id)

    def available(self, state_id: str) -> list[Skill]:
        """Skills usable in a state: linked available_in it, status candidate or active."""
        return self.store.available(state_id)

    def record_outcome(
        self,
        skill_id: str,
        state_id: str,
        acted: bool,
        consistent: bool,
        progressive: bool,
        cost: float = 0.0,
        next_state_id: str | None = None,
    ) -> None:
        """Count one run of a skill (Beta counters += 1 in place) and where it led."""
        if cost < 0:
            raise SchemaError(f"cost must be >= 0, got {cost}")
        self.store.record_outcome(
            skill_id, state_id, acted, consistent, progressive, cost, next_state_id
        )

    def suspend(self, skill_id: str) -> None:
        """Stop offering a skill (it stays in the library and can be re-activated)."""
        self.store.set_status(skill_id, "suspended")

    def set_status(self, skill_id: str, status: str) -> None:
        self.store.set_status(skill_id, status)

    def compose(self, skill_ids: list[str], name: str = "", description: str = "") -> Skill:
        """A composite skill running the given skills in order (composed_of edges keep the order).

        The composite is available wherever its first part is.
        """
        if len(skill_ids) < 2:
            raise SchemaError("compose needs at least two skills")
        parts = self.store.get_skills(list(skill_ids))
        missing = set(skill_ids) - {p.id for p in parts}
        if missing:
            raise LibraryNotFound(f"cannot compose unknown skills: {', '.join(sorted(missing))}")
        scopes = {p.scope for p in parts}
        composite = Skill.create(
            [step for p in parts for step in p.steps],
            scope=scopes.pop() if len(scopes) == 1 else "",
            name=name or " then ".join(p.name or p.id for p in parts),
            description=description,
        )
        first_states = [e.dst for e in self.store.edges(parts[0].id, "available_in")]
        composite = self.add_skill(composite, available_in=first_states)
        self.store.put_edges(
            Edge(kind="composed_of", src=composite.id, dst=p, key=f"{i:04d}")
            for i, p in enumerate(skill_ids)
        )
        return composite

    def parts(self, skill_id: str) -> list[str]:
        """The ordered parts of a composite skill (empty for a primitive one)."""
        edges = [e for e in self.store.edges(skill_id, "composed_of") if e.src == skill_id]
        return [e.dst for e in sorted(edges, key=lambda e: e.key)]

    def part_starts(self, skill: Skill) -> dict[int, str]:
        """Where each part of a composite skill starts: its first step's index -> the part's id
        (empty for a primitive skill, and for a composite whose parts no longer add up to its
        steps: a part was deleted by prune)."""
        parts = self.store.get_skills(self.parts(skill.id))
        at = [sum(len(p.steps) for p in parts[:i]) for i in range(len(parts) + 1)]
        if at[-1] != len(skill.steps):
            return {}
        return {i: p.id for i, p in zip(at, parts, strict=False)}

    # --- insights and strategies ------------------------------------------------------------
    def add_insight(self, state_id: str, insight: Insight) -> list[str]:
        """Attach a guideline to a state; returns the ids evicted to stay within insight_limit."""
        self.store.get_state(state_id)
        return self.store.put_insight(state_id, insight, self.insight_limit)

    def insights(self, state_id: str) -> list[Insight]:
        """The guidelines about a state, strongest first."""
        return self.store.insights(state_id)

    def add_strategy(self, strategy: Strategy) -> Strategy:
        self.store.put_strategy(strategy)
        return strategy

    def strategies(self, cluster: str) -> list[Strategy]:
        """The decision strategies cached for a cluster of states, with their stats."""
        return self.store.strategies(cluster)

    def record_strategy_outcome(self, strategy_id: str, success: bool, cost: float = 0.0) -> None:
        self.store.record_strategy_outcome(strategy_id, success, cost)

    # --- search and structure ---------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[Skill]:
        """Skills whose name, description or target text contain every word of `text`."""
        return self.store.search(text, limit)

    def neighbours(self, node_id: str, kind: str | None = None) -> list[Edge]:
        """Edges in and out of a node, optionally of one kind, with per-origin counts."""
        return self.store.edges(node_id, kind)

    def add_evidence(self, png: bytes) -> str:
        """Keep an evidence frame (PNG bytes) once; returns the sha256 to list in Skill.evidence."""
        if not png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise SchemaError("evidence must be PNG bytes")
        return self.store.put_evidence(png)

    def refresh(self) -> int:
        """Bring the cached graph up to date with the store; returns how many changes applied."""
        if self._cache is None:
            self._cache = nx.MultiDiGraph()
        changes = self.store.changes(self._watermark)
        g = self._cache
        g.remove_nodes_from(changes.deleted)
        for node in changes.nodes:
            g.add_node(node, kind=node_kind(node))
        for kind, src, dst, key in changes.edges:
            g.add_edge(src, dst, key=f"{kind}|{key}", kind=kind)
        self._watermark = changes.watermark
        return len(changes.deleted) + len(changes.nodes) + len(changes.edges)

    @property
    def nx(self) -> nx.MultiDiGraph:
        """The graph structure (refreshed): node attr `kind`, edge attr `kind`, keys 'kind|key'."""
        self.refresh()
        assert self._cache is not None
        return self._cache

    def shortest_path(self, src_state: str, dst_state: str) -> list[Hop]:
        """The fewest skill runs seen to lead from one state to another (empty if same state).

        Each hop uses the skill seen most often on that transition.
        """
        g = self.nx
        for s in (src_state, dst_state):
            if s not in g:
                raise LibraryNotFound(f"no state {s} in {self.store.location}")
        leads = nx.subgraph_view(g, filter_edge=lambda a, b, k: k.startswith("leads_to|"))
        try:
            path = nx.shortest_path(leads, src_state, dst_state)
        except nx.NetworkXNoPath:
            raise LibraryNotFound(f"no known path from {src_state} to {dst_state}") from None
        hops = []
        for a, b in zip(path, path[1:], strict=False):
            best = max(
                (e for e in self.store.edges(a, "leads_to") if e.src == a and e.dst == b),
                key=lambda e: (e.total, e.key),
            )
            hops.append(Hop(src=a, skill=best.key, dst=b, count=best.total))
        return hops

    def prune(
        self,
        min_runs: int = 4,
        below: float = 0.4,
        delete_retired: bool = False,
        dry_run: bool = False,
    ) -> PruneReport:
        """Suspend skills run more than min_runs times whose progress mean is below `below`;
        optionally delete retired skills (with their edges)."""
        snap = self.store.snapshot()
        weak = tuple(
            s.id
            for s in snap.skills
            if s.status in ("candidate", "active")
            and s.totals.runs > min_runs
            and s.totals.progressive.mean < below
        )
        retired = (
            tuple(s.id for s in snap.skills if s.status == "retired") if delete_retired else ()
        )
        if not dry_run:
            for skill_id in weak:
                self.suspend(skill_id)
            if retired:
                self.store.delete_nodes(retired)
        return PruneReport(suspended=weak, deleted=retired)

    def check(self) -> list[str]:
        """Consistency problems in the store (empty when healthy)."""
        return self.store.check()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> SkillGraph:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
