"""The same library behind PostgreSQL: the graph API, sharing with SQLite, consistency checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.graph import SkillGraph
from skills.merge import diff
from skills.model import Insight
from skills.share import export_library, import_bundle
from skills.store.postgres import PostgresStore
from tests.skills.conftest import PG_DSN, make_skill

pytestmark = pytest.mark.postgres


def test_graph_api_on_postgres(pg_schema: str) -> None:
    with SkillGraph(PostgresStore(PG_DSN, schema=pg_schema)) as g:
        a, b = g.state("a"), g.state("b")
        assert g.state("a").total_visits == 2
        play = g.add_skill(make_skill("Play"), available_in=[a.id])
        g.record_outcome(play.id, a.id, True, True, True, 2.0, b.id)
        assert g.available(a.id)[0].totals.runs == 1
        g.add_insight(a.id, Insight.create("press Play"))
        assert [i.title for i in g.insights(a.id)] == ["press Play"]
        assert [h.skill for h in g.shortest_path(a.id, b.id)] == [play.id]
        assert [s.id for s in g.search("play")] == [play.id]
        g.suspend(play.id)
        assert g.available(a.id) == []
        assert g.check() == []
        with SkillGraph(PostgresStore(PG_DSN, schema=pg_schema)) as other:
            assert other.library_id == g.library_id  # one library, many connections
            assert play.id in other.nx


def test_postgres_and_sqlite_share_bundles(pg_schema: str, tmp_path: Path) -> None:
    with SkillGraph.open(tmp_path / "a.sqlite") as lite:
        s = lite.state("menu")
        skill = lite.add_skill(make_skill("Play"), available_in=[s.id])
        lite.record_outcome(skill.id, s.id, True, False, True, 1.0, s.id)
        export_library(lite.store, tmp_path / "a.zip")
        original = lite.store.snapshot()
    with PostgresStore(PG_DSN, schema=pg_schema) as pg:
        import_bundle(pg, tmp_path / "a.zip")
        import_bundle(pg, tmp_path / "a.zip")  # importing twice changes nothing
        assert diff(original, pg.snapshot()).same
