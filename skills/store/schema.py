"""The library's tables, and a cursor that speaks one placeholder style to SQLite and PostgreSQL.

Counters live in their own rows per (node, origin) so they can be updated in place; every table
that feeds the graph cache carries `seq`, the clock value of the transaction that last wrote it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SKILL_STAT_COLUMNS = (
    "acted_s",
    "acted_f",
    "consistent_s",
    "consistent_f",
    "progressive_s",
    "progressive_f",
    "cost_total",
    "runs",
)
STRATEGY_STAT_COLUMNS = ("success_s", "success_f", "cost_total", "runs")


def schema_sql(blob: str, real: str) -> list[str]:
    """The DDL, with the dialect's names for binary and floating-point columns."""
    return [
        "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS clock (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS states (id TEXT PRIMARY KEY, body TEXT NOT NULL,"
        " seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS state_visits (state_id TEXT NOT NULL, origin TEXT NOT NULL,"
        " visits BIGINT NOT NULL CHECK (visits >= 0), PRIMARY KEY (state_id, origin))",
        "CREATE TABLE IF NOT EXISTS skills (id TEXT PRIMARY KEY, body TEXT NOT NULL,"
        " status TEXT NOT NULL, search TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS skill_stats (skill_id TEXT NOT NULL, origin TEXT NOT NULL,"
        + "".join(
            f" {c} BIGINT NOT NULL DEFAULT 0 CHECK ({c} >= 0)," for c in SKILL_STAT_COLUMNS[:6]
        )
        + f" cost_total {real} NOT NULL DEFAULT 0, runs BIGINT NOT NULL DEFAULT 0,"
        " PRIMARY KEY (skill_id, origin))",
        "CREATE TABLE IF NOT EXISTS insights (id TEXT PRIMARY KEY, body TEXT NOT NULL,"
        f" strength {real} NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS strategies (id TEXT PRIMARY KEY, cluster TEXT NOT NULL,"
        " body TEXT NOT NULL, seq BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS strategy_stats (strategy_id TEXT NOT NULL,"
        " origin TEXT NOT NULL, success_s BIGINT NOT NULL DEFAULT 0,"
        f" success_f BIGINT NOT NULL DEFAULT 0, cost_total {real} NOT NULL DEFAULT 0,"
        " runs BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (strategy_id, origin))",
        "CREATE TABLE IF NOT EXISTS edges (kind TEXT NOT NULL, src TEXT NOT NULL,"
        " dst TEXT NOT NULL, key TEXT NOT NULL, origin TEXT NOT NULL,"
        " count BIGINT NOT NULL CHECK (count >= 0), seq BIGINT NOT NULL,"
        " PRIMARY KEY (kind, src, dst, key, origin))",
        f"CREATE TABLE IF NOT EXISTS evidence (sha TEXT PRIMARY KEY, png {blob} NOT NULL)",
        "CREATE TABLE IF NOT EXISTS tombstones (id TEXT PRIMARY KEY, seq BIGINT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS edges_to ON edges (dst, kind, src)",
        "CREATE INDEX IF NOT EXISTS edges_by_src ON edges (src)",
        "CREATE INDEX IF NOT EXISTS edges_by_seq ON edges (seq)",
        "CREATE INDEX IF NOT EXISTS skills_by_seq ON skills (seq)",
        "CREATE INDEX IF NOT EXISTS states_by_seq ON states (seq)",
        "CREATE INDEX IF NOT EXISTS insights_by_seq ON insights (seq)",
        "CREATE INDEX IF NOT EXISTS strategies_by_cluster ON strategies (cluster)",
    ]


@dataclass(frozen=True)
class Changes:
    """What changed since a watermark: node ids, edge identities, deleted ids, the new watermark."""

    watermark: int
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, str, str], ...]
    deleted: tuple[str, ...]


class Cursor:
    """A thin executor over a DB-API cursor that speaks `?` placeholders in both dialects."""

    def __init__(self, cursor, paramstyle: str) -> None:
        self._cursor = cursor
        self._pg = paramstyle == "pg"

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self._pg else sql

    def run(self, sql: str, params: tuple | list = ()) -> Cursor:
        self._cursor.execute(self._sql(sql), params)
        return self

    def many(self, sql: str, rows: Iterable[tuple]) -> None:
        rows = list(rows)
        if rows:
            self._cursor.executemany(self._sql(sql), rows)

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def all(self) -> list[tuple]:
        return list(self._cursor.fetchall())

    def one(self) -> tuple | None:
        return self._cursor.fetchone()
