"""The `skills` CLI: read commands with --json, sharing commands, one clear line on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skills.cli import app
from skills.graph import SkillGraph
from tests.skills.conftest import make_skill

runner = CliRunner()


def _invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture
def library(tmp_path: Path) -> Path:
    path = tmp_path / "lib.sqlite"
    with SkillGraph.open(path) as g:
        s, t = g.state("menu"), g.state("game")
        play = g.add_skill(make_skill("Play"), available_in=[s.id])
        g.add_skill(make_skill("Quit"), available_in=[s.id])
        for _ in range(3):
            g.record_outcome(play.id, s.id, True, True, True, 1.0, t.id)
    return path


def test_ls_and_stats_as_json(library: Path) -> None:
    result = _invoke("ls", "--library", library, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == ["click 'Play'", "click 'Quit'"]
    assert rows[0]["runs"] == 3
    stats = json.loads(_invoke("stats", "-l", library, "--json").stdout)
    assert stats["counts"]["skills"] == 2 and stats["runs"] == 3


def test_ls_table_and_show_by_id_prefix(library: Path) -> None:
    table = _invoke("ls", "--library", library)
    assert table.exit_code == 0 and "click 'Play'" in table.stdout
    play = make_skill("Play").id
    shown = _invoke("show", play[:10], "-l", library, "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.stdout)
    assert data["node"]["id"] == play
    assert {e["kind"] for e in data["edges"]} == {"available_in"}


def test_graph_formats_to_files(library: Path, tmp_path: Path) -> None:
    for fmt in ("json", "graphml", "gexf", "html"):
        out = tmp_path / f"g.{fmt}"
        result = _invoke("graph", "-l", library, "--format", fmt, "-o", out)
        assert result.exit_code == 0, result.output
        assert "Play" in out.read_text()


def test_export_import_merge_diff(library: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "lib.zip"
    assert _invoke("export", "-l", library, "-o", bundle).exit_code == 0
    other = tmp_path / "other.sqlite"
    imported = _invoke("import", bundle, "--library", other)
    assert imported.exit_code == 0, imported.output
    same = _invoke("diff", library, other, "--json")
    assert json.loads(same.stdout)["same"] is True
    with SkillGraph.open(other) as g:
        g.add_skill(make_skill("Draw"), available_in=[g.state("menu").id])
    merged = tmp_path / "merged.zip"
    result = _invoke("merge", library, other, "-o", merged)
    assert result.exit_code == 0, result.output
    assert "result:" in result.stdout and "skills 3" in result.stdout
    changed = json.loads(_invoke("diff", bundle, merged, "--json").stdout)
    assert changed["only_right"] == [make_skill("Draw").id]


def test_prune_and_check(library: Path) -> None:
    assert _invoke("check", "-l", library).exit_code == 0
    result = _invoke("prune", "-l", library, "--min-runs", "1", "--below", "0.9")
    assert result.exit_code == 0 and "suspend 1" in result.stdout
    rows = json.loads(_invoke("ls", "-l", library, "--json", "--status", "suspended").stdout)
    assert [r["name"] for r in rows] == ["click 'Play'"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ls", "--library", "{tmp}/nope.sqlite"), "no library or bundle"),
        (("show", "sk_nothing", "--library", "{lib}"), "no node matching"),
        (("graph", "--library", "{lib}", "--format", "pdf"), "unknown format"),
        (("import", "{tmp}/nope.zip", "--library", "{lib}"), "no bundle file"),
        (("import", "{lib}", "--library", "{tmp}/x.sqlite"), "not a valid zip"),
        (("check", "--library", "{tmp}/nope.sqlite"), "no library at"),
    ],
)
def test_bad_input_gives_one_clear_line(library: Path, tmp_path: Path, args, message) -> None:
    argv = [a.format(tmp=tmp_path, lib=library) for a in args]
    result = _invoke(*argv)
    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_refused_bundle_creates_no_library(tmp_path: Path) -> None:
    (tmp_path / "bad.zip").write_text("not a zip")
    result = _invoke("import", str(tmp_path / "bad.zip"), "--library", str(tmp_path / "new.sqlite"))
    assert result.exit_code == 1 and "not a valid zip" in result.stderr
    assert not (tmp_path / "new.sqlite").exists()


def test_python_dash_m_skills_runs(library: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "skills", "stats", "--library", str(library), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["counts"]["states"] == 2
