"""Whole-library operations of the SQL store: snapshot, absorb, changes, deletion, checks.

A mixin of SqlStore (it uses the store's transactions and row writers); kept apart because these
read or write everything at once, while sql.py holds the short per-step operations.
"""

from __future__ import annotations

from collections.abc import Iterable

from skills.model import Insight, SkillStats, State
from skills.snapshot import Snapshot
from skills.store.rows import body_json, edges_of, skill_of, skill_stats_of, stat_row, strategy_of
from skills.store.schema import SKILL_STAT_COLUMNS, STRATEGY_STAT_COLUMNS, Changes, Cursor


class WholeLibrary:
    """Operations over the whole library; mixed into SqlStore."""

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
                stats.setdefault(row[0], {})[row[1]] = skill_stats_of(row[2:])
            skills = [
                skill_of(b, status, stats.get(i, {}))
                for i, b, status in cur.run("SELECT id, body, status FROM skills").all()
            ]
            insights = [
                Insight.model_validate_json(r[0])
                for r in cur.run("SELECT body FROM insights").all()
            ]
            sstats = self._strategy_stats(cur)
            strategies = [
                strategy_of(b, sstats.get(i, {}))
                for i, b in cur.run("SELECT id, body FROM strategies").all()
            ]
            edges = edges_of(cur.run("SELECT kind, src, dst, key, origin, count FROM edges").all())
            evidence = {s: bytes(p) for s, p in cur.run("SELECT sha, png FROM evidence").all()}
        return Snapshot.of(self.library_id, states, skills, insights, strategies, edges, evidence)

    def absorb(
        self, snap: Snapshot, remove: Iterable[str] = (), replace: Iterable[str] = ()
    ) -> None:
        """Write a (merged) snapshot in one transaction: union nodes, per-origin max counters.

        `remove` lists node ids to delete in the same transaction (skills that became siblings).
        `replace` lists skill ids that now name another variant (a merge gave the base id to an
        incoming variant): their stored counters and edges are dropped first, so `snap` (which
        must hold all of theirs) is written exactly instead of merged with the old variant's.
        """
        g = self.greatest
        with self._write_tx() as cur:
            seq = self._tick(cur)
            self._delete_node_rows(cur, list(remove), seq)
            again = [(i,) for i in replace]
            cur.many("DELETE FROM skill_stats WHERE skill_id = ?", again)
            cur.many("DELETE FROM edges WHERE src = ?", again)
            cur.many("DELETE FROM edges WHERE dst = ?", again)
            cur.many("DELETE FROM edges WHERE key = ?", again)
            self._put_edge_rows(cur, list(snap.edges), seq)
            cur.many(
                "INSERT INTO states (id, body, seq) VALUES (?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET body = excluded.body, seq = excluded.seq",
                [(s.id, body_json(s, visits={}), seq) for s in snap.states],
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
                [(s.id, o, *stat_row(st)) for s in snap.skills for o, st in s.stats.items()],
            )
            cur.many(
                "INSERT INTO insights (id, body, strength, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET body = excluded.body,"
                " strength = excluded.strength, seq = excluded.seq",
                [(i.id, body_json(i), i.strength, seq) for i in snap.insights],
            )
            cur.many(
                "INSERT INTO strategies (id, cluster, body, seq) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (id) DO NOTHING",
                [(s.id, s.cluster, body_json(s, stats={}), seq) for s in snap.strategies],
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
