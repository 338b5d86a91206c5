"""Conversions between stored rows and library records (the store's private vocabulary)."""

from __future__ import annotations

import functools
from collections.abc import Iterator

from skills.model import TRUSTED, Beta, Edge, Skill, SkillStats, Strategy, StrategyStats


def body_json(record, **blank) -> str:
    """The JSON stored for a node: the record minus the parts kept in counter rows."""
    return record.model_copy(update=blank).model_dump_json()


def search_text(skill: Skill) -> str:
    texts = [skill.name, skill.description] + [s.text or "" for s in skill.steps]
    return " ".join(texts).lower()


def skill_stats_of(row: tuple) -> SkillStats:
    a_s, a_f, c_s, c_f, p_s, p_f, cost, runs = row
    beta = Beta.model_construct  # trusted: the columns are CHECKed non-negative integers
    return SkillStats.model_construct(
        acted=beta(successes=a_s, failures=a_f),
        consistent=beta(successes=c_s, failures=c_f),
        progressive=beta(successes=p_s, failures=p_f),
        cost_total=float(cost),
        runs=runs,
    )


def stat_row(st: SkillStats) -> tuple:
    return (
        st.acted.successes,
        st.acted.failures,
        st.consistent.successes,
        st.consistent.failures,
        st.progressive.successes,
        st.progressive.failures,
        st.cost_total,
        st.runs,
    )


@functools.lru_cache(maxsize=1 << 18)
def parse_skill(body: str) -> Skill:
    """Parse a stored skill once; records are frozen, so a parsed body can be shared."""
    return Skill.model_validate_json(body, context=TRUSTED)


def skill_of(body: str, status: str, stats: dict[str, SkillStats]) -> Skill:
    return parse_skill(body).model_copy(update={"status": status, "stats": stats})


def strategy_of(body: str, stats: dict[str, StrategyStats]) -> Strategy:
    return Strategy.model_validate_json(body).model_copy(update={"stats": stats})


def edges_of(rows: Iterator[tuple] | list[tuple]) -> list[Edge]:
    """Fold per-origin edge rows into Edge records (structural edges have origin '')."""
    grouped: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for kind, src, dst, key, origin, count in rows:
        counts = grouped.setdefault((kind, src, dst, key), {})
        if origin:
            counts[origin] = int(count)
    make = Edge.model_construct  # trusted: rows were validated on the way in
    return [
        make(kind=k, src=s, dst=d, key=key, counts=c)
        for (k, s, d, key), c in sorted(grouped.items())
    ]
