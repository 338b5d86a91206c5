"""`bottomup skills ...`: inspect, export, import, merge, diff and prune skill libraries.

A LIBRARY is a SQLite path or a postgresql:// DSN (--library, or $BOTTOMUP_LIBRARY). Read commands
(ls, show, graph, stats, diff) also accept a bundle .zip. Read commands take --json for machine
output; otherwise they print rich tables. Bad input gives one error line and exit code 1.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from skills.bundle import read_bundle
from skills.errors import LibraryError
from skills.graph import SkillGraph
from skills.merge import diff
from skills.model import Skill, canonical_json
from skills.share import absorb, export_library, is_bundle, load, merge_locations
from skills.store import open_store
from skills.view import FORMATS, label_of, render

app = typer.Typer(
    help="Inspect, share and merge skill libraries.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",  # a docstring's line breaks are not kept in --help
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

Library = Annotated[
    str,
    typer.Option(
        "--library", "-l", envvar="BOTTOMUP_LIBRARY", help="SQLite path or postgresql:// DSN"
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def clear_errors(func):
    """Turn the library's own errors into one line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LibraryError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
            raise typer.Exit(1) from None

    return wrapper


def _emit_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True) + "\n")


def _skill_row(s: Skill) -> dict:
    t = s.totals
    return {
        "id": s.id,
        "name": s.name,
        "status": s.status,
        "runs": t.runs,
        "acted": round(t.acted.mean, 4),
        "consistent": round(t.consistent.mean, 4),
        "progressive": round(t.progressive.mean, 4),
        "mean_cost": round(t.mean_cost, 4),
    }


@app.command("ls")
@clear_errors
def ls(
    library: Library = "library.sqlite",
    as_json: AsJson = False,
    status: Annotated[str | None, typer.Option(help="Only skills with this status.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
) -> None:
    """List skills, most-run first."""
    snap = load(library)
    skills = [s for s in snap.skills if status is None or s.status == status]
    skills.sort(key=lambda s: (-s.totals.runs, s.id))
    rows = [_skill_row(s) for s in skills[:limit]]
    if as_json:
        _emit_json(rows)
        return
    table = Table(title=f"{len(skills)} skills", caption="ids shortened; `show` takes a prefix")
    cols = ("id", "name", "status", "runs", "acted", "consistent", "progressive")
    for col, header in zip(
        cols, ("id", "name", "status", "runs", "act", "cons", "prog"), strict=True
    ):
        table.add_column(
            header, no_wrap=col != "name", justify="left" if col in cols[:3] else "right"
        )
    for r in rows:
        table.add_row(r["id"][:12], *(str(r[c]) for c in cols[1:]))
    out.print(table)


@app.command("show")
@clear_errors
def show(node_id: str, library: Library = "library.sqlite", as_json: AsJson = False) -> None:
    """Show one node (skill, state, insight or strategy) and its edges."""
    snap = load(library)
    nodes = {n.id: n for g in (snap.states, snap.skills, snap.insights, snap.strategies) for n in g}
    matches = [i for i in nodes if i.startswith(node_id)] if node_id not in nodes else [node_id]
    if len(matches) != 1:
        what = "no node" if not matches else f"{len(matches)} nodes"
        raise LibraryError(f"{what} matching {node_id!r} in {library}")
    node = nodes[matches[0]]
    edges = [e for e in snap.edges if node.id in (e.src, e.dst)]
    if as_json:
        _emit_json(
            {
                "node": node.model_dump(mode="json"),
                "edges": [e.model_dump(mode="json", exclude={"schema_version"}) for e in edges],
            }
        )
        return
    out.print(f"[bold]{label_of(node)}[/bold]  {node.id}")
    if isinstance(node, Skill):
        for k, v in _skill_row(node).items():
            out.print(f"  {k}: {v}")
        for i, step in enumerate(node.steps):
            out.print(f"  step {i}: {step.kind} {step.text or ''} box={step.box}")
    else:
        out.print_json(node.model_dump_json())
    for e in edges:
        out.print(f"  {e.kind}: {e.src} -> {e.dst} {e.key} {e.total or ''}")


@app.command("graph")
@clear_errors
def graph(
    library: Library = "library.sqlite",
    fmt: Annotated[str, typer.Option("--format", "-f", help="|".join(FORMATS))] = "json",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
    max_nodes: Annotated[int, typer.Option(help="HTML: at most this many nodes.")] = 400,
) -> None:
    """Write the graph as node-link JSON, GraphML, GEXF or a self-contained HTML page."""
    text = render(load(library), fmt, max_nodes)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


@app.command("stats")
@clear_errors
def stats(library: Library = "library.sqlite", as_json: AsJson = False) -> None:
    """Counts, status histogram and total runs."""
    snap = load(library)
    statuses: dict[str, int] = {}
    for s in snap.skills:
        statuses[s.status] = statuses.get(s.status, 0) + 1
    data = {
        "library_id": snap.library_id,
        "counts": snap.counts(),
        "statuses": dict(sorted(statuses.items())),
        "runs": sum(s.totals.runs for s in snap.skills),
        "origins": sorted({o for s in snap.skills for o in s.stats}),
    }
    if as_json:
        _emit_json(data)
        return
    for k, v in data.items():
        out.print(f"{k}: {v}")


@app.command("check")
@clear_errors
def check(library: Library = "library.sqlite", as_json: AsJson = False) -> None:
    """Verify the store (SQLite integrity_check) and the graph (edges, counters)."""
    with open_store(library, create=False) as store:
        problems = store.check()
        integrity = store.integrity() if hasattr(store, "integrity") else "ok"
    if integrity != "ok":
        problems.insert(0, f"integrity_check: {integrity}")
    if as_json:
        _emit_json({"ok": not problems, "problems": problems})
    else:
        for p in problems:
            out.print(f"[red]{p}[/red]")
        out.print("ok" if not problems else f"{len(problems)} problems")
    if problems:
        raise typer.Exit(1)


@app.command("prune")
@clear_errors
def prune(
    library: Library = "library.sqlite",
    min_runs: Annotated[int, typer.Option(help="Judge skills run more than this often.")] = 4,
    below: Annotated[float, typer.Option(help="Suspend when progress mean is below.")] = 0.4,
    delete_retired: Annotated[bool, typer.Option(help="Delete retired skills.")] = False,
    dry_run: Annotated[bool, typer.Option(help="Only say what would change.")] = False,
) -> None:
    """Suspend weak skills (runs > MIN_RUNS and progress mean < BELOW); delete retired ones."""
    with SkillGraph(open_store(library, create=False)) as g:
        report = g.prune(
            min_runs=min_runs, below=below, delete_retired=delete_retired, dry_run=dry_run
        )
    verb = "would" if dry_run else "did"
    out.print(f"{verb} suspend {len(report.suspended)}, {verb} delete {len(report.deleted)}")


@app.command("export")
@clear_errors
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Bundle .zip to write.")],
    library: Library = "library.sqlite",
) -> None:
    """Write the library to a bundle (.zip)."""
    with open_store(library, create=False) as store:
        snap = export_library(store, output)
    out.print(f"exported {library} to {output}: {snap.counts()}")


@app.command("import")
@clear_errors
def import_(bundle: Path, library: Library = "library.sqlite") -> None:
    """Verify a bundle, then merge it into the library (created if missing)."""
    incoming = read_bundle(bundle)  # verified before the library is opened (or created)
    with open_store(library) as store:
        report = absorb(store, incoming)
    for line in report.lines():
        out.print(line)


@app.command("merge")
@clear_errors
def merge(
    left: str,
    right: str,
    output: Annotated[str, typer.Option("-o", "--output", help="New library or bundle .zip.")],
    as_json: AsJson = False,
) -> None:
    """Merge two libraries or bundles into a new one, and print a merge report."""
    report = merge_locations(left, right, output)
    if as_json:
        _emit_json({**report.__dict__, "siblings": list(report.siblings)})
        return
    for line in report.lines():
        out.print(line)
    out.print(f"wrote {output}{' (bundle)' if is_bundle(output) else ''}")


@app.command("diff")
@clear_errors
def diff_(left: str, right: str, as_json: AsJson = False) -> None:
    """Show how library (or bundle) RIGHT differs from LEFT."""
    d = diff(load(left), load(right))
    data = {
        "same": d.same,
        "only_left": list(d.only_left),
        "only_right": list(d.only_right),
        "changed": list(d.changed),
        "edges_only_left": d.edges_only_left,
        "edges_only_right": d.edges_only_right,
        "edges_changed": d.edges_changed,
    }
    if as_json:
        sys.stdout.write(canonical_json(data) + "\n")
        return
    if d.same:
        out.print("no differences")
        return
    for key in ("only_left", "only_right", "changed"):
        out.print(f"{key}: {len(data[key])}")
        for node in data[key][:20]:
            out.print(f"  {node}")
    out.print(
        f"edges: {d.edges_only_left} only left, {d.edges_only_right} only right,"
        f" {d.edges_changed} changed"
    )


@app.callback()
def main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    """Skill libraries: the graph of what agents learned."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING)
