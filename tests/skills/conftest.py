"""Fixtures for the skill library tests: fresh libraries on SQLite and (when configured) PostgreSQL.

PostgreSQL tests need BOTTOMUP_TEST_PG_DSN (e.g. postgresql://postgres@127.0.0.1:5432/postgres);
each test gets its own schema, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from skills.graph import SkillGraph
from skills.model import Box, Effect, Skill, SkillStep

PG_DSN = os.environ.get("BOTTOMUP_TEST_PG_DSN", "")
needs_pg = pytest.mark.skipif(not PG_DSN, reason="BOTTOMUP_TEST_PG_DSN is not set (no PostgreSQL)")


def make_skill(text: str, scope: str = "game-x", effect: str = "", **fields) -> Skill:
    """A one-click skill on a target with this text."""
    step = SkillStep(
        kind="click", text=text, target=(0.25, 0.5, 0.75), box=Box(x=0.1, y=0.2, w=0.3, h=0.1)
    )
    return Skill.create(
        [step],
        scope=scope,
        name=fields.pop("name", f"click '{text}'"),
        effect=Effect(description=effect) if effect else None,
        **fields,
    )


@pytest.fixture
def library_path(tmp_path: Path) -> Path:
    return tmp_path / "library.sqlite"


@pytest.fixture
def graph(library_path: Path) -> Iterator[SkillGraph]:
    with SkillGraph.open(library_path) as g:
        yield g


@pytest.fixture
def pg_schema() -> Iterator[str]:
    """A fresh PostgreSQL schema name for one test (dropped afterwards)."""
    if not PG_DSN:
        pytest.skip("BOTTOMUP_TEST_PG_DSN is not set (no PostgreSQL)")
    from skills.store.postgres import PostgresStore

    name = "t_" + uuid.uuid4().hex[:12]
    yield name
    store = PostgresStore(PG_DSN, schema=name)
    store.drop()
    store.close()
