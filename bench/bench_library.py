"""Benchmark the skill library on a generated library (default: 100,000 skills over 5,000 states).

Prints: bulk build time, open time, available(state) latency (median/p90; target <= 5 ms median),
single-process record_outcome rate, export and import time, and merge of two libraries of half
the size each. Run:

    python bench/bench_library.py                       # the full size (several minutes)
    python bench/bench_library.py --skills 10000 --states 500
    python bench/bench_library.py --library postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console

from skills.graph import SkillGraph
from skills.merge import merge
from skills.model import Beta, Box, Edge, Skill, SkillStats, SkillStep, State
from skills.share import export_library, import_bundle, merge_locations
from skills.snapshot import Snapshot
from skills.store import open_store

console = Console()
KINDS = ("click", "double_click", "right_click", "drag", "scroll", "move", "wait")


def generate(n_skills: int, n_states: int, origin: str, start: int = 0, seed: int = 0) -> Snapshot:
    """A library of n_skills skills (ids start..start+n) spread over n_states states."""
    rng = random.Random(seed)
    states = [
        State.create(f"screen-{i}", visits={origin: rng.randint(1, 50)}) for i in range(n_states)
    ]
    skills, edges = [], []
    for i in range(start, start + n_skills):
        where = random.Random(i)  # skill i has the same steps in every generated library
        step = SkillStep(
            kind=KINDS[i % len(KINDS)],
            target=tuple(round(where.random(), 4) for _ in range(3)),
            text=f"target {i}",
            box=Box(x=where.random() * 0.9, y=where.random() * 0.9, w=0.05, h=0.05),
        )
        runs = rng.randint(0, 20)
        ok = rng.randint(0, runs)
        stats = SkillStats(
            acted=Beta(successes=ok, failures=runs - ok),
            consistent=Beta(successes=ok // 2, failures=runs - ok // 2),
            progressive=Beta(successes=ok // 3, failures=runs - ok // 3),
            cost_total=float(runs),
            runs=runs,
        )
        skill = Skill.create([step], scope="bench", name=f"use target {i}", stats={origin: stats})
        skills.append(skill)
        home = states[i % n_states].id
        edges.append(Edge(kind="available_in", src=skill.id, dst=home))
        nxt = states[rng.randrange(n_states)].id
        edges.append(Edge(kind="leads_to", src=home, dst=nxt, key=skill.id, counts={origin: runs}))
    return Snapshot.of(origin, states, skills, (), (), edges)


def timed(label: str, func):
    t0 = time.perf_counter()
    value = func()
    dt = time.perf_counter() - t0
    console.print(f"{label:<44} {dt:9.3f} s")
    return value, dt


def run(
    n_skills: int, n_states: int, location: str | None, workdir: Path, sharing: bool = True
) -> None:
    lib = location or str(workdir / "bench.sqlite")
    snap, _ = timed(
        f"generate {n_skills} skills / {n_states} states",
        lambda: generate(n_skills, n_states, "lib-bench"),
    )
    with open_store(lib) as store:
        timed("bulk insert (one transaction)", functools.partial(store.absorb, snap))
    states = [s.id for s in snap.states]
    skills = [s.id for s in snap.skills]
    del snap  # a full GC pass over 100k generated records would land inside a timed call
    gc.collect()
    graph, _ = timed("open library", lambda: SkillGraph.open(lib, create=False))
    rng = random.Random(1)
    lat = []
    for _ in range(1000):
        sid = rng.choice(states)
        t0 = time.perf_counter()
        found = graph.available(sid)
        lat.append((time.perf_counter() - t0) * 1000)
        assert found, "every generated state has skills"
    lat.sort()
    console.print(
        f"{'available(state): median / p90 / max':<44} {statistics.median(lat):6.2f} /"
        f" {lat[int(len(lat) * 0.9)]:.2f} / {lat[-1]:.2f} ms  ({n_skills // n_states} skills/state)"
    )
    n = 2000
    t0 = time.perf_counter()
    for i in range(n):
        k = rng.choice(skills)
        graph.record_outcome(
            k,
            states[i % len(states)],
            True,
            i % 2 == 0,
            i % 3 == 0,
            1.0,
            states[(i * 7) % len(states)],
        )
    rate = n / (time.perf_counter() - t0)
    console.print(f"{'record_outcome (one process)':<44} {rate:9.0f} /s")
    _, dt = timed("first graph build (networkx cache)", graph.refresh)
    if not sharing:
        graph.close()
        return
    bundle = workdir / "bench.zip"
    timed("export bundle", lambda: export_library(graph.store, bundle))
    console.print(f"{'bundle size':<44} {bundle.stat().st_size / 1e6:9.1f} MB")
    graph.close()
    with open_store(workdir / "imported.sqlite") as fresh:
        timed("import bundle (verify + write)", lambda: import_bundle(fresh, bundle))

    half = n_skills // 2
    gc.collect()
    left = generate(half, n_states, "lib-left", start=0, seed=2)
    right = generate(half, n_states, "lib-right", start=half // 2, seed=3)
    merged, _ = timed(
        f"merge two {half}-skill snapshots (in memory)", lambda: merge(left, right)[0]
    )
    console.print(f"{'merged skills (half overlap)':<44} {len(merged.skills):9d}")
    for name, part in (("left", left), ("right", right)):
        with open_store(workdir / f"{name}.sqlite") as store:
            store.absorb(part)
    timed(
        "merge A B -o C (two libraries -> new library)",
        lambda: merge_locations(
            workdir / "left.sqlite", workdir / "right.sqlite", workdir / "c.sqlite"
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skills", type=int, default=100_000)
    parser.add_argument("--states", type=int, default=5_000)
    parser.add_argument("--library", help="DSN or path for the main library (default: a temp file)")
    parser.add_argument(
        "--no-sharing", action="store_true", help="skip export/import/merge (the slow part)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-library-") as tmp:
        run(args.skills, args.states, args.library, Path(tmp), sharing=not args.no_sharing)


if __name__ == "__main__":
    main()
