"""Many processes on one library: nothing lost, and a killed writer leaves a sound library."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from pathlib import Path

import pytest

from skills.graph import SkillGraph
from skills.store import open_store
from tests.skills.conftest import PG_DSN, make_skill
from tests.skills.writers import record_many, write_forever

WRITERS = 8
EACH = 1000


def _run_writers(location: str, pg_schema: str = "") -> None:
    with SkillGraph(open_store(location, pg_schema=pg_schema or "bottomup")) as graph:
        states = [graph.state(f"s{i}").id for i in range(3)]
        skill = graph.add_skill(make_skill("Shared"), available_in=[states[0]])
    ctx = mp.get_context("spawn")
    procs = [
        ctx.Process(target=record_many, args=(location, pg_schema, skill.id, states, EACH))
        for _ in range(WRITERS)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    with SkillGraph(open_store(location, pg_schema=pg_schema or "bottomup")) as graph:
        t = graph.get(skill.id).totals
        total = WRITERS * EACH
        assert t.runs == total
        assert t.acted.successes == total and t.acted.failures == 0
        assert t.consistent.successes == WRITERS * (EACH // 2)
        assert t.progressive.successes == WRITERS * len(range(0, EACH, 3))
        assert t.cost_total == pytest.approx(total)
        leads = graph.neighbours(states[0], "leads_to")
        assert sum(e.total for e in leads if e.src == states[0]) == total
        assert graph.check() == []


@pytest.mark.slow
def test_eight_processes_on_sqlite_count_exactly(tmp_path: Path) -> None:
    _run_writers(str(tmp_path / "shared.sqlite"))


@pytest.mark.slow
@pytest.mark.postgres
def test_eight_processes_on_postgres_count_exactly(pg_schema: str) -> None:
    _run_writers(PG_DSN, pg_schema)


def test_a_writer_killed_mid_write_leaves_a_sound_library(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite"
    SkillGraph.open(path).close()
    proc = mp.get_context("spawn").Process(target=write_forever, args=(str(path),))
    proc.start()
    try:
        deadline = time.monotonic() + 30
        with open_store(path) as store:
            while store.counts()["skills"] < 50 and time.monotonic() < deadline:
                time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.join(timeout=10)
    assert proc.exitcode == -signal.SIGKILL
    with SkillGraph.open(path, create=False) as graph:
        assert graph.store.integrity() == "ok"
        assert graph.check() == []
        snap = graph.store.snapshot()
        assert len(snap.skills) >= 50
        for skill in snap.skills:  # every counter row was written whole or not at all
            t = skill.totals
            assert t.acted.n == t.runs == t.progressive.n
        s = graph.state("busy")
        graph.record_outcome(snap.skills[0].id, s.id, True, True, True, 1.0, s.id)
