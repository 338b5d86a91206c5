"""Child-process writers for the concurrency tests (importable by multiprocessing's spawn)."""

from __future__ import annotations

from skills.graph import SkillGraph
from skills.store import open_store


def open_graph(location: str, pg_schema: str) -> SkillGraph:
    return SkillGraph(open_store(location, pg_schema=pg_schema or "bottomup"))


def record_many(location: str, pg_schema: str, skill_id: str, states: list[str], n: int) -> None:
    """Record n outcomes of one skill, alternating judgements and transitions."""
    with open_graph(location, pg_schema) as graph:
        for i in range(n):
            graph.record_outcome(
                skill_id,
                states[0],
                acted=True,
                consistent=i % 2 == 0,
                progressive=i % 3 == 0,
                cost=1.0,
                next_state_id=states[1 + i % 2],
            )


def write_forever(location: str) -> None:
    """Add skills and record outcomes until killed."""
    from tests.skills.conftest import make_skill

    with open_graph(location, "") as graph:
        s = graph.state("busy")
        i = 0
        while True:
            skill = graph.add_skill(make_skill(f"button {i}"), available_in=[s.id])
            graph.record_outcome(skill.id, s.id, True, True, i % 2 == 0, 1.0, s.id)
            i += 1
