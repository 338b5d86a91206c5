"""`bottomup replay ...` from the command line: several recordings at once, one line per bad one."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from tests.replay.conftest import record_toy


@pytest.fixture
def folder(tmp_path: Path, toy_recording: Path) -> Path:
    """A folder with two good recordings and one of an unknown schema version."""
    root = tmp_path / "recordings"
    shutil.copytree(toy_recording, root / toy_recording.name)
    record_toy(root, seed=9, steps=5)
    bad = root / "zz-future"
    bad.mkdir()
    (bad / "manifest.json").write_text(json.dumps({"schema_version": 7, "game": "toy"}))
    return root


def _run(*args: str):
    return CliRunner().invoke(app, ["replay", *args])


def test_summary_json_for_a_folder_reports_each_bad_recording_in_one_line(folder: Path) -> None:
    result = _run("summary", str(folder), "--json")
    assert result.exit_code == 2
    rows = json.loads(result.stdout)
    assert sorted(r["steps"] for r in rows) == [5, 25]
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and "unknown schema_version 7" in errors[0]
    assert "Traceback" not in result.output


def test_redecide_a_glob(folder: Path) -> None:
    result = _run("redecide", str(folder / "*toy*"), "--json", "--steps", "5")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 2 and all(r["rate"] == 1.0 and r["steps"] == 5 for r in rows)


def test_view_writes_a_report_outside_the_recording(toy_recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    result = _run("view", str(toy_recording), "-o", str(out), "--mp4")
    assert result.exit_code == 0, result.output
    assert (out / f"{toy_recording.name}.html").stat().st_size > 10_000
    assert (out / f"{toy_recording.name}.mp4").stat().st_size > 1_000


def test_bad_input_is_one_clear_line(tmp_path: Path, toy_recording: Path) -> None:
    result = _run("summary", str(tmp_path / "nothing-here"))
    assert result.exit_code == 2 and "no such recording" in result.stderr
    result = _run("redecide", str(toy_recording), "--policy", "telepathy")
    assert result.exit_code == 2 and "no re-decidable policy named 'telepathy'" in result.stderr
    result = _run("rerun", str(toy_recording), "--size", "big")
    assert result.exit_code == 2 and "--size must be WIDTHxHEIGHT" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--policy", "telepathy"), "no re-decidable policy named 'telepathy'"),
        (("--library", "{tmp}/missing.sqlite"), "missing.sqlite does not exist"),
        (("--library", "postgresql://host/db"), "would change it"),
    ],
)
def test_a_bad_redecide_option_is_one_line_before_any_recording(
    tmp_path: Path, toy_recording: Path, monkeypatch: pytest.MonkeyPatch, option, message
) -> None:
    """Refused before the recordings are read: one error line (not one per recording under an
    empty table), and no throw-away library folder left behind."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    args = [a.format(tmp=tmp_path) for a in option]
    result = _run("redecide", str(toy_recording), str(toy_recording), *args)
    assert result.exit_code == 2
    assert result.stderr.count("error:") == 1 and message in result.stderr
    assert result.stdout.strip() == ""
    assert list((tmp_path / "tmp").iterdir()) == []


def test_redecide_keeps_perception_in_a_cache_file(toy_recording: Path, tmp_path: Path) -> None:
    import sqlite3

    cache = tmp_path / "cache" / "perception.sqlite"
    args = ("redecide", str(toy_recording), "--policy", "bottomup-learner", "--json")
    for _ in range(2):
        result = _run(*args, "--steps", "8", "--perception-cache", str(cache))
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["steps"] == 8
    with sqlite3.connect(cache) as db:
        assert db.execute("SELECT count(*) FROM pixels").fetchone()[0] >= 2
    (tmp_path / "junk.sqlite").write_bytes(b"junk" * 500)
    result = _run(*args, "--perception-cache", str(tmp_path / "junk.sqlite"))
    assert result.exit_code == 2 and "perception cache" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (("--display", "nowhere"), "display"),
        (("--config", "{tmp}/bad.toml"), "invalid TOML"),
        (("--size", "10x10"), "each at least 64"),
    ],
)
def test_a_bad_rerun_option_is_one_line_before_any_recording(
    tmp_path: Path, toy_recording: Path, option, message
) -> None:
    (tmp_path / "bad.toml").write_text("steps = [\n")
    args = [a.format(tmp=tmp_path) for a in option]
    result = _run("rerun", str(toy_recording), str(toy_recording), "--headless", *args)
    assert result.exit_code == 2
    assert result.stderr.count("error:") == 1 and message in result.stderr
    assert str(toy_recording) not in result.stderr
