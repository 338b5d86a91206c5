"""SqlStore: the library tables and every read and write, shared by the SQLite and PostgreSQL.

The store is the truth; graph views are caches rebuilt from it. Rules that keep many writers safe:
- every write is one short transaction that first bumps a one-row clock; the new clock value is
  stamped on each row it touches (`seq`), so readers refresh incrementally by watermark;
- counters are separate rows per (node, origin) updated in place (`SET n = n + 1`), never
  read-modify-written in Python, so concurrent writers lose nothing;
- deletions leave a tombstone so an incremental refresh sees them.
Subclasses supply the connection, the transaction primitives and a few dialect words.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass

from skills.errors import LibraryNotFound, SchemaError
from skills.model import (
    STATUS_ORDER,
    TRUSTED,
    Beta,
    Edge,
    Insight,
    Skill,
    SkillStats,
    State,
    Strategy,
    StrategyStats,
)
from skills.snapshot import Snapshot

log = logging.getLogger(__name__)

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


class SqlStore:
    """The library over SQL. Subclasses: SqliteStore (one file), PostgresStore (many machines)."""

    paramstyle = "qmark"
    greatest = "MAX"
    location = ""

    # --- provided by subclasses -------------------------------------------------------------
    def _write_tx(self) -> AbstractContextManager[Cursor]:
        raise NotImplementedError

    def _read_tx(self) -> AbstractContextManager[Cursor]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- setup ------------------------------------------------------------------------------
    def _init_meta(self, cur: Cursor, new_library_id: str) -> None:
        cur.run("INSERT INTO clock (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING")
        cur.run(
            "INSERT INTO meta (key, value) VALUES ('library_id', ?) ON CONFLICT (key) DO NOTHING",
            (new_library_id,),
        )
        cur.run(
            "INSERT INTO meta (key, value) VALUES ('schema_version', '1.0')"
            " ON CONFLICT (key) DO NOTHING"
        )

    def _load_meta(self) -> None:
        with self._read_tx() as cur:
            meta = dict(cur.run("SELECT key, value FROM meta").all())
        version = meta.get("schema_version", "")
        if not version.startswith("1."):
            raise SchemaError(f"{self.location}: library schema {version!r} is not 1.x")
        self.library_id: str = meta["library_id"]

    def _tick(self, cur: Cursor) -> int:
        row = cur.run("UPDATE clock SET seq = seq + 1 WHERE id = 1 RETURNING seq").one()
        return int(row[0])

    # --- states -----------------------------------------------------------------------------
    def touch_state(self, state: State, visit: bool = True) -> State:
        """Insert the state if new; count one visit by this library. Returns the stored state."""
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run(
                "INSERT INTO states (id, body, seq) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (state.id, _body(state, visits={}), seq),
            )
            if visit:
                cur.run(
                    "INSERT INTO state_visits (state_id, origin, visits) VALUES (?, ?, 1)"
                    " ON CONFLICT (state_id, origin) DO UPDATE"
                    " SET visits = state_visits.visits + 1",
                    (state.id, self.library_id),
                )
        return self.get_state(state.id)

    def get_state(self, state_id: str) -> State:
        with self._read_tx() as cur:
            row = cur.run("SELECT body FROM states WHERE id = ?", (state_id,)).one()
            if row is None:
                raise LibraryNotFound(f"no state {state_id} in {self.location}")
            visits = cur.run(
                "SELECT origin, visits FROM state_visits WHERE state_id = ?", (state_id,)
            ).all()
        return State.model_validate_json(row[0]).model_copy(update={"visits": dict(visits)})

    # --- skills -----------------------------------------------------------------------------
    def put_skill(self, skill: Skill, available_in: Iterable[str] = ()) -> None:
        """Insert or replace a skill's description (not its stats); link the states it works in."""
        with self._write_tx() as cur:
            seq = self._tick(cur)
            self._put_skill_rows(cur, [skill], seq)
            self._put_edge_rows(
                cur, [Edge(kind="available_in", src=skill.id, dst=s) for s in available_in], seq
            )

    def _put_skill_rows(self, cur: Cursor, skills: list[Skill], seq: int) -> None:
        cur.many(
            "INSERT INTO skills (id, body, status, search, seq) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET body = excluded.body, status = excluded.status,"
            " search = excluded.search, seq = excluded.seq",
            [
                (s.id, _body(s, stats={}, status="candidate"), s.status, _search_text(s), seq)
                for s in skills
            ],
        )

    def get_skill(self, skill_id: str) -> Skill:
        found = self.get_skills([skill_id])
        if not found:
            raise LibraryNotFound(f"no skill {skill_id} in {self.location}")
        return found[0]

    def get_skills(self, skill_ids: list[str]) -> list[Skill]:
        """The skills with these ids that exist, in the order given."""
        if not skill_ids:
            return []
        marks = ",".join("?" * len(skill_ids))
        with self._read_tx() as cur:
            rows = cur.run(
                f"SELECT id, body, status FROM skills WHERE id IN ({marks})", skill_ids
            ).all()
            stats = self._skill_stats(cur, skill_ids)
        by_id = {r[0]: _skill(r[1], r[2], stats.get(r[0], {})) for r in rows}
        return [by_id[i] for i in skill_ids if i in by_id]

    def _skill_stats(self, cur: Cursor, skill_ids: list[str]) -> dict[str, dict[str, SkillStats]]:
        marks = ",".join("?" * len(skill_ids))
        rows = cur.run(
            f"SELECT skill_id, origin, {', '.join(SKILL_STAT_COLUMNS)} FROM skill_stats"
            f" WHERE skill_id IN ({marks})",
            skill_ids,
        ).all()
        out: dict[str, dict[str, SkillStats]] = {}
        for row in rows:
            out.setdefault(row[0], {})[row[1]] = _skill_stats(row[2:])
        return out

    def available(self, state_id: str) -> list[Skill]:
        """Candidate and active skills linked available_in this state, sorted by id."""
        with self._read_tx() as cur:
            rows = cur.run(
                "SELECT s.id, s.body, s.status FROM edges e JOIN skills s ON s.id = e.src"
                " WHERE e.kind = 'available_in' AND e.dst = ?"
                " AND s.status IN ('candidate', 'active') ORDER BY s.id",
                (state_id,),
            ).all()
            stats = self._skill_stats(cur, [r[0] for r in rows]) if rows else {}
        return [_skill(r[1], r[2], stats.get(r[0], {})) for r in rows]

    def set_status(self, skill_id: str, status: str) -> None:
        if status not in STATUS_ORDER:
            raise SchemaError(f"unknown status {status!r}; one of {', '.join(STATUS_ORDER)}")
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run("UPDATE skills SET status = ?, seq = ? WHERE id = ?", (status, seq, skill_id))
            if cur.rowcount == 0:
                raise LibraryNotFound(f"no skill {skill_id} in {self.location}")

    def record_outcome(
        self,
        skill_id: str,
        state_id: str,
        acted: bool,
        consistent: bool,
        progressive: bool,
        cost: float,
        next_state_id: str | None,
    ) -> None:
        """Count one run in place (this library's origin row) and the state it led to."""
        flags = (acted, consistent, progressive)
        values = [v for flag in flags for v in (int(flag), int(not flag))] + [float(cost), 1]
        cols = ", ".join(SKILL_STAT_COLUMNS)
        sets = ", ".join(f"{c} = skill_stats.{c} + excluded.{c}" for c in SKILL_STAT_COLUMNS)
        # Lock order everywhere: clock, then edge rows, then counter rows (absorb does the
        # same), so concurrent writers queue but never deadlock. The clock is only bumped when
        # the structure changes (a transition seen for the first time).
        with self._write_tx() as cur:
            if next_state_id is not None:
                key = (state_id, next_state_id, skill_id, self.library_id)
                cur.run(
                    "UPDATE edges SET count = count + 1 WHERE kind = 'leads_to' AND src = ?"
                    " AND dst = ? AND key = ? AND origin = ?",
                    key,
                )
                if cur.rowcount == 0:
                    self._require_states(cur, [state_id, next_state_id])
                    cur.run(
                        "INSERT INTO edges (kind, src, dst, key, origin, count, seq)"
                        " VALUES ('leads_to', ?, ?, ?, ?, 1, ?)"
                        " ON CONFLICT (kind, src, dst, key, origin) DO UPDATE"
                        " SET count = edges.count + 1",
                        (*key, self._tick(cur)),
                    )
            cur.run(
                f"INSERT INTO skill_stats (skill_id, origin, {cols}) SELECT ?, ?{', ?' * 8}"
                " WHERE EXISTS (SELECT 1 FROM skills WHERE id = ?)"
                f" ON CONFLICT (skill_id, origin) DO UPDATE SET {sets}",
                (skill_id, self.library_id, *values, skill_id),
            )
            if cur.rowcount == 0:
                raise LibraryNotFound(f"no skill {skill_id} in {self.location}")

    def _require_states(self, cur: Cursor, state_ids: list[str]) -> None:
        for sid in state_ids:
            if cur.run("SELECT 1 FROM states WHERE id = ?", (sid,)).one() is None:
                raise LibraryNotFound(f"no state {sid} in {self.location}")

    def search(self, text: str, limit: int = 20) -> list[Skill]:
        """Skills whose name or description contains every word of `text` (case-insensitive)."""
        words = [w for w in text.lower().split() if w]
        where = " AND ".join("search LIKE ?" for _ in words) or "1 = 1"
        with self._read_tx() as cur:
            ids = cur.run(
                f"SELECT id FROM skills WHERE {where} ORDER BY id LIMIT ?",
                [f"%{w}%" for w in words] + [limit],
            ).all()
        return self.get_skills([r[0] for r in ids])

    # --- edges ------------------------------------------------------------------------------
    def put_edges(self, edges: Iterable[Edge]) -> None:
        with self._write_tx() as cur:
            self._put_edge_rows(cur, list(edges), self._tick(cur))

    def _put_edge_rows(self, cur: Cursor, edges: list[Edge], seq: int) -> None:
        rows = []
        for e in edges:
            counts = e.counts or {"": 0}
            rows += [(e.kind, e.src, e.dst, e.key, o, n, seq) for o, n in counts.items()]
        cur.many(
            "INSERT INTO edges (kind, src, dst, key, origin, count, seq)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, src, dst, key, origin) DO UPDATE"
            f" SET count = {self.greatest}(edges.count, excluded.count), seq = excluded.seq",
            rows,
        )

    def edges(self, node_id: str, kind: str | None = None) -> list[Edge]:
        """Edges touching a node (either end), optionally of one kind, counts per origin."""
        with self._read_tx() as cur:
            rows = cur.run(
                "SELECT kind, src, dst, key, origin, count FROM edges WHERE src = ?"
                " UNION ALL SELECT kind, src, dst, key, origin, count FROM edges"
                " WHERE dst = ? AND src <> ?",
                (node_id, node_id, node_id),
            ).all()
        return [e for e in _edges(rows) if kind is None or e.kind == kind]

    # --- insights and strategies ------------------------------------------------------------
    def put_insight(self, state_id: str, insight: Insight, limit: int) -> list[str]:
        """Attach an insight to a state, keeping at most `limit` per state; returns evicted ids."""
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run(
                "INSERT INTO insights (id, body, strength, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET strength = excluded.strength, seq = excluded.seq",
                (insight.id, _body(insight), insight.strength, seq),
            )
            self._put_edge_rows(cur, [Edge(kind="about", src=insight.id, dst=state_id)], seq)
            rows = cur.run(
                "SELECT i.id FROM edges e JOIN insights i ON i.id = e.src"
                " WHERE e.kind = 'about' AND e.dst = ? ORDER BY i.strength DESC, i.seq DESC, i.id",
                (state_id,),
            ).all()
            evicted = [r[0] for r in rows[limit:]]
            for old in evicted:
                cur.run(
                    "DELETE FROM edges WHERE kind = 'about' AND src = ? AND dst = ?",
                    (old, state_id),
                )
                left = cur.run("SELECT 1 FROM edges WHERE src = ? LIMIT 1", (old,)).one()
                if left is None:
                    self._delete_node_rows(cur, [old], seq)
        return evicted

    def insights(self, state_id: str) -> list[Insight]:
        with self._read_tx() as cur:
            rows = cur.run(
                "SELECT i.body FROM edges e JOIN insights i ON i.id = e.src"
                " WHERE e.kind = 'about' AND e.dst = ? ORDER BY i.strength DESC, i.id",
                (state_id,),
            ).all()
        return [Insight.model_validate_json(r[0]) for r in rows]

    def get_insight(self, insight_id: str) -> Insight:
        with self._read_tx() as cur:
            row = cur.run("SELECT body FROM insights WHERE id = ?", (insight_id,)).one()
        if row is None:
            raise LibraryNotFound(f"no insight {insight_id} in {self.location}")
        return Insight.model_validate_json(row[0])

    def get_strategy(self, strategy_id: str) -> Strategy:
        with self._read_tx() as cur:
            row = cur.run("SELECT body FROM strategies WHERE id = ?", (strategy_id,)).one()
            stats = self._strategy_stats(cur, strategy_id)
        if row is None:
            raise LibraryNotFound(f"no strategy {strategy_id} in {self.location}")
        return _strategy(row[0], stats.get(strategy_id, {}))

    def put_strategy(self, strategy: Strategy) -> None:
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run(
                "INSERT INTO strategies (id, cluster, body, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (strategy.id, strategy.cluster, _body(strategy, stats={}), seq),
            )

    def strategies(self, cluster: str) -> list[Strategy]:
        with self._read_tx() as cur:
            rows = cur.run(
                "SELECT id, body FROM strategies WHERE cluster = ? ORDER BY id", (cluster,)
            ).all()
            stats = self._strategy_stats(cur)
        return [_strategy(r[1], stats.get(r[0], {})) for r in rows]

    def _strategy_stats(
        self, cur: Cursor, only: str | None = None
    ) -> dict[str, dict[str, StrategyStats]]:
        out: dict[str, dict[str, StrategyStats]] = {}
        where = " WHERE strategy_id = ?" if only else ""
        for row in cur.run(
            f"SELECT strategy_id, origin, {', '.join(STRATEGY_STAT_COLUMNS)} FROM strategy_stats"
            + where,
            (only,) if only else (),
        ).all():
            s, f, cost, runs = row[2:]
            out.setdefault(row[0], {})[row[1]] = StrategyStats(
                success=Beta(successes=s, failures=f), cost_total=cost, runs=runs
            )
        return out

    def record_strategy_outcome(self, strategy_id: str, success: bool, cost: float) -> None:
        cols = ", ".join(STRATEGY_STAT_COLUMNS)
        sets = ", ".join(f"{c} = strategy_stats.{c} + excluded.{c}" for c in STRATEGY_STAT_COLUMNS)
        with self._write_tx() as cur:
            self._tick(cur)
            cur.run(
                f"INSERT INTO strategy_stats (strategy_id, origin, {cols})"
                " VALUES (?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (strategy_id, origin) DO UPDATE SET {sets}",
                (strategy_id, self.library_id, int(success), int(not success), float(cost), 1),
            )

    # --- evidence ---------------------------------------------------------------------------
    def put_evidence(self, png: bytes) -> str:
        """Store an evidence frame once; returns its sha256 (what Skill.evidence lists)."""
        sha = hashlib.sha256(png).hexdigest()
        with self._write_tx() as cur:
            cur.run(
                "INSERT INTO evidence (sha, png) VALUES (?, ?) ON CONFLICT (sha) DO NOTHING",
                (sha, png),
            )
        return sha

    def get_evidence(self, sha: str) -> bytes:
        with self._read_tx() as cur:
            row = cur.run("SELECT png FROM evidence WHERE sha = ?", (sha,)).one()
        if row is None:
            raise LibraryNotFound(f"no evidence frame {sha} in {self.location}")
        return bytes(row[0])

    # --- deletion, changes, whole-library operations ----------------------------------------
    def delete_nodes(self, node_ids: Iterable[str]) -> None:
        with self._write_tx() as cur:
            self._delete_node_rows(cur, list(node_ids), self._tick(cur))

    def _delete_node_rows(self, cur: Cursor, ids: list[str], seq: int) -> None:
        for table, col in (
            ("edges", "src"),
            ("edges", "dst"),
            ("states", "id"),
            ("state_visits", "state_id"),
            ("skills", "id"),
            ("skill_stats", "skill_id"),
            ("insights", "id"),
            ("strategies", "id"),
            ("strategy_stats", "strategy_id"),
        ):
            cur.many(f"DELETE FROM {table} WHERE {col} = ?", [(i,) for i in ids])
        cur.many(
            "INSERT INTO tombstones (id, seq) VALUES (?, ?)"
            " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq",
            [(i, seq) for i in ids],
        )

    def clock(self) -> int:
        with self._read_tx() as cur:
            return int(cur.run("SELECT seq FROM clock WHERE id = 1").one()[0])

    def changes(self, since: int) -> Changes:
        """Nodes and edges written after watermark `since` (read the clock first: never misses)."""
        with self._read_tx() as cur:
            now = int(cur.run("SELECT seq FROM clock WHERE id = 1").one()[0])
            nodes: list[str] = []
            for table in ("states", "skills", "insights", "strategies"):
                nodes += [
                    r[0] for r in cur.run(f"SELECT id FROM {table} WHERE seq > ?", (since,)).all()
                ]
            edges = cur.run(
                "SELECT DISTINCT kind, src, dst, key FROM edges WHERE seq > ?", (since,)
            ).all()
            deleted = cur.run("SELECT id FROM tombstones WHERE seq > ?", (since,)).all()
        return Changes(
            now, tuple(nodes), tuple(tuple(e) for e in edges), tuple(r[0] for r in deleted)
        )

    def snapshot(self) -> Snapshot:
        """The whole library as records, read in one consistent transaction."""
        with self._read_tx() as cur:
            visits: dict[str, dict[str, int]] = {}
            for sid, origin, n in cur.run(
                "SELECT state_id, origin, visits FROM state_visits"
            ).all():
                visits.setdefault(sid, {})[origin] = n
            states = [
                State.model_validate_json(b).model_copy(update={"visits": visits.get(i, {})})
                for i, b in cur.run("SELECT id, body FROM states").all()
            ]
            stats: dict[str, dict[str, SkillStats]] = {}
            for row in cur.run(
                f"SELECT skill_id, origin, {', '.join(SKILL_STAT_COLUMNS)} FROM skill_stats"
            ).all():
                stats.setdefault(row[0], {})[row[1]] = _skill_stats(row[2:])
            skills = [
                _skill(b, status, stats.get(i, {}))
                for i, b, status in cur.run("SELECT id, body, status FROM skills").all()
            ]
            insights = [
                Insight.model_validate_json(r[0])
                for r in cur.run("SELECT body FROM insights").all()
            ]
            sstats = self._strategy_stats(cur)
            strategies = [
                _strategy(b, sstats.get(i, {}))
                for i, b in cur.run("SELECT id, body FROM strategies").all()
            ]
            edges = _edges(cur.run("SELECT kind, src, dst, key, origin, count FROM edges").all())
            evidence = {s: bytes(p) for s, p in cur.run("SELECT sha, png FROM evidence").all()}
        return Snapshot.of(self.library_id, states, skills, insights, strategies, edges, evidence)

    def absorb(self, snap: Snapshot, remove: Iterable[str] = ()) -> None:
        """Write a (merged) snapshot in one transaction: union nodes, per-origin max counters.

        `remove` lists node ids to delete in the same transaction (skills that became siblings).
        """
        g = self.greatest
        with self._write_tx() as cur:
            seq = self._tick(cur)
            self._delete_node_rows(cur, list(remove), seq)
            self._put_edge_rows(cur, list(snap.edges), seq)
            cur.many(
                "INSERT INTO states (id, body, seq) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
                [(s.id, _body(s, visits={}), seq) for s in snap.states],
            )
            cur.many(
                "INSERT INTO state_visits (state_id, origin, visits) VALUES (?, ?, ?)"
                " ON CONFLICT (state_id, origin) DO UPDATE"
                f" SET visits = {g}(state_visits.visits, excluded.visits)",
                [(s.id, o, n) for s in snap.states for o, n in s.visits.items()],
            )
            self._put_skill_rows(cur, list(snap.skills), seq)
            sets = ", ".join(
                f"{c} = {g}(skill_stats.{c}, excluded.{c})" for c in SKILL_STAT_COLUMNS
            )
            cur.many(
                f"INSERT INTO skill_stats (skill_id, origin, {', '.join(SKILL_STAT_COLUMNS)})"
                f" VALUES (?, ?{', ?' * 8}) ON CONFLICT (skill_id, origin) DO UPDATE SET {sets}",
                [(s.id, o, *_stat_row(st)) for s in snap.skills for o, st in s.stats.items()],
            )
            cur.many(
                "INSERT INTO insights (id, body, strength, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                [(i.id, _body(i), i.strength, seq) for i in snap.insights],
            )
            cur.many(
                "INSERT INTO strategies (id, cluster, body, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                [(s.id, s.cluster, _body(s, stats={}), seq) for s in snap.strategies],
            )
            sets = ", ".join(
                f"{c} = {g}(strategy_stats.{c}, excluded.{c})" for c in STRATEGY_STAT_COLUMNS
            )
            cur.many(
                "INSERT INTO strategy_stats (strategy_id, origin,"
                f" {', '.join(STRATEGY_STAT_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?)"
                f" ON CONFLICT (strategy_id, origin) DO UPDATE SET {sets}",
                [
                    (s.id, o, st.success.successes, st.success.failures, st.cost_total, st.runs)
                    for s in snap.strategies
                    for o, st in s.stats.items()
                ],
            )
            cur.many(
                "INSERT INTO evidence (sha, png) VALUES (?, ?) ON CONFLICT (sha) DO NOTHING",
                list(snap.evidence.items()),
            )

    def counts(self) -> dict[str, int]:
        with self._read_tx() as cur:
            return {
                t: int(cur.run(f"SELECT COUNT(*) FROM {t}").one()[0])
                for t in ("states", "skills", "insights", "strategies", "edges", "evidence")
            }

    def check(self) -> list[str]:
        """Graph consistency problems (empty when healthy): dangling edges, negative counters."""
        problems: list[str] = []
        with self._read_tx() as cur:
            nodes = (
                "SELECT id FROM states UNION SELECT id FROM skills UNION SELECT id FROM"
                " insights UNION SELECT id FROM strategies"
            )
            for end in ("src", "dst"):
                for kind, a, b in cur.run(
                    f"SELECT kind, src, dst FROM edges WHERE {end} NOT IN ({nodes})"
                ).all():
                    problems.append(f"{kind} edge {a} -> {b}: {end} is not a node")
            for table, cols in (
                ("skill_stats", SKILL_STAT_COLUMNS),
                ("strategy_stats", STRATEGY_STAT_COLUMNS),
                ("state_visits", ("visits",)),
                ("edges", ("count",)),
            ):
                neg = " OR ".join(f"{c} < 0" for c in cols)
                n = cur.run(f"SELECT COUNT(*) FROM {table} WHERE {neg}").one()[0]
                if n:
                    problems.append(f"{table}: {n} rows with negative counters")
            for table, col, parent in (
                ("skill_stats", "skill_id", "skills"),
                ("state_visits", "state_id", "states"),
            ):
                n = cur.run(
                    f"SELECT COUNT(*) FROM {table} WHERE {col} NOT IN (SELECT id FROM {parent})"
                ).one()[0]
                if n:
                    problems.append(f"{table}: {n} rows for missing nodes")
        return problems

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _body(record, **blank) -> str:
    """The JSON stored for a node: the record minus the parts kept in counter rows."""
    return record.model_copy(update=blank).model_dump_json()


def _search_text(skill: Skill) -> str:
    texts = [skill.name, skill.description] + [s.text or "" for s in skill.steps]
    return " ".join(texts).lower()


def _skill_stats(row: tuple) -> SkillStats:
    a_s, a_f, c_s, c_f, p_s, p_f, cost, runs = row
    beta = Beta.model_construct  # trusted: the columns are CHECKed non-negative integers
    return SkillStats.model_construct(
        acted=beta(successes=a_s, failures=a_f),
        consistent=beta(successes=c_s, failures=c_f),
        progressive=beta(successes=p_s, failures=p_f),
        cost_total=float(cost),
        runs=runs,
    )


def _stat_row(st: SkillStats) -> tuple:
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
def _skill_body(body: str) -> Skill:
    """Parse a stored skill once; records are frozen, so a parsed body can be shared."""
    return Skill.model_validate_json(body, context=TRUSTED)


def _skill(body: str, status: str, stats: dict[str, SkillStats]) -> Skill:
    return _skill_body(body).model_copy(update={"status": status, "stats": stats})


def _strategy(body: str, stats: dict[str, StrategyStats]) -> Strategy:
    return Strategy.model_validate_json(body).model_copy(update={"stats": stats})


def _edges(rows: Iterator[tuple] | list[tuple]) -> list[Edge]:
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
