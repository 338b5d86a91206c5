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

import hashlib
import logging
from collections.abc import Iterable
from contextlib import AbstractContextManager

from skills.errors import LibraryNotFound, SchemaError
from skills.model import (
    STATUS_ORDER,
    Beta,
    Edge,
    Insight,
    Skill,
    SkillStats,
    State,
    Strategy,
    StrategyStats,
)
from skills.store.rows import (
    body_json,
    edges_of,
    search_text,
    skill_of,
    skill_stats_of,
    strategy_of,
)
from skills.store.schema import (
    SKILL_STAT_COLUMNS,
    STRATEGY_STAT_COLUMNS,
    Changes,
    Cursor,
    schema_sql,
)
from skills.store.whole import WholeLibrary

__all__ = ["Changes", "Cursor", "SqlStore", "schema_sql"]

log = logging.getLogger(__name__)


class SqlStore(WholeLibrary):
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
                (state.id, body_json(state, visits={}), seq),
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
                (s.id, body_json(s, stats={}, status="candidate"), s.status, search_text(s), seq)
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
        by_id = {r[0]: skill_of(r[1], r[2], stats.get(r[0], {})) for r in rows}
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
            out.setdefault(row[0], {})[row[1]] = skill_stats_of(row[2:])
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
        return [skill_of(r[1], r[2], stats.get(r[0], {})) for r in rows]

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
        return [e for e in edges_of(rows) if kind is None or e.kind == kind]

    # --- insights and strategies ------------------------------------------------------------
    def put_insight(self, state_id: str, insight: Insight, limit: int) -> list[str]:
        """Attach an insight to a state, keeping at most `limit` per state; returns evicted ids."""
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run(
                "INSERT INTO insights (id, body, strength, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET strength = excluded.strength, seq = excluded.seq",
                (insight.id, body_json(insight), insight.strength, seq),
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
        return strategy_of(row[0], stats.get(strategy_id, {}))

    def put_strategy(self, strategy: Strategy) -> None:
        with self._write_tx() as cur:
            seq = self._tick(cur)
            cur.run(
                "INSERT INTO strategies (id, cluster, body, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                (strategy.id, strategy.cluster, body_json(strategy, stats={}), seq),
            )

    def strategies(self, cluster: str) -> list[Strategy]:
        with self._read_tx() as cur:
            rows = cur.run(
                "SELECT id, body FROM strategies WHERE cluster = ? ORDER BY id", (cluster,)
            ).all()
            stats = self._strategy_stats(cur)
        return [strategy_of(r[1], stats.get(r[0], {})) for r in rows]

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

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
