"""The `bottomup` command as a user runs it: real processes, real windows under Xvfb.

Bad input must give one clear error line and a non-zero exit, and keep the recording made so far.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.recording import Recording, list_recordings

ROOT = Path(__file__).resolve().parents[1]
CLICKER = ROOT / "tests" / "fixtures" / "clicker_window.py"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(PYTHONPATH=str(ROOT), BOTTOMUP_WINDOW_TIMEOUT_S="5", **extra)
    return env


def bottomup(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("error:")]


def _one_clear_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    lines = _error_lines(result)
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def test_help_explains_every_command(tmp_path: Path) -> None:
    result = bottomup("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("play", "games", "recordings", "skills"):
        assert command in result.stdout
    play = bottomup("play", "--help", cwd=tmp_path)
    assert "--dry-run" in play.stdout and "--region" in play.stdout


def test_games_ls_lists_the_built_in_game(tmp_path: Path) -> None:
    result = bottomup("games", "ls", "--json", cwd=tmp_path)
    ids = {row["id"] for row in json.loads(result.stdout)}
    assert {"spire-v0", "gnome-mines-v0"} <= ids


def test_unknown_game(tmp_path: Path) -> None:
    _one_clear_error(bottomup("play", "tetris", cwd=tmp_path), "unknown game", "tetris")


@pytest.mark.parametrize("region", ["1,2,3", "a,b,c,d", "0,0,-5,10"])
def test_invalid_region(tmp_path: Path, region: str) -> None:
    _one_clear_error(bottomup("play", "--region", region, cwd=tmp_path), "region")


def test_invalid_size(tmp_path: Path) -> None:
    _one_clear_error(bottomup("play", "spire", "--size", "big", cwd=tmp_path), "--size")


def test_xvfb_missing(tmp_path: Path) -> None:
    # A PATH without Xvfb and no DISPLAY: the run cannot get a screen.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    result = bottomup("play", "spire", cwd=tmp_path, env=_env(PATH=str(bin_dir)))
    _one_clear_error(result, "Xvfb")


@pytest.mark.live
@pytest.mark.parametrize("command", ["play", "learn"])
def test_a_library_that_cannot_be_opened(tmp_path: Path, command: str) -> None:
    library = str(tmp_path / "no" / "such" / "folder.sqlite")
    if command == "play":
        args = ["play", "spire", "--steps", "1", "--display", "virtual", "--library", library]
    else:
        args = ["replay", "learn", str(tmp_path), "--library", library]
    _one_clear_error(bottomup(*args, cwd=tmp_path), "cannot open library", "folder.sqlite")


@pytest.mark.live
def test_no_window_matches(tmp_path: Path) -> None:
    result = bottomup("play", "--window", "^no such window$", "--display", "virtual", cwd=tmp_path)
    _one_clear_error(result, "no such window")


@pytest.mark.live
def test_game_process_that_crashes_at_start(tmp_path: Path) -> None:
    launch = f"{sys.executable} -c 'import sys; print(\"boom\"); sys.exit(3)'"
    result = bottomup(
        "play", "--window", "never", "--launch", launch, "--display", "virtual", cwd=tmp_path
    )
    _one_clear_error(result, "exited with code 3", "boom")


@pytest.mark.live
def test_window_closing_mid_run_keeps_the_recording(tmp_path: Path) -> None:
    # The game window lives for ~4 s, then its process is killed: the run must stop cleanly.
    script = (
        f"{sys.executable} {CLICKER} --events {tmp_path / 'ev.jsonl'} & pid=$!; "
        "sleep 4; kill -9 $pid; sleep 30"
    )
    result = bottomup(
        "play",
        "--window",
        "bottomup test window",
        "--launch",
        f"sh -c '{script}'",
        "--steps",
        "1000",
        "--display",
        "virtual",
        cwd=tmp_path,
    )
    _one_clear_error(result)
    assert "recording:" in result.stdout
    (path,) = list_recordings(tmp_path / "recordings")
    summary = Recording(path).summary()
    assert summary["steps"] >= 1
    assert "WindowLost" in summary["ended"]


@pytest.mark.live
def test_play_a_live_window_dry_run(tmp_path: Path) -> None:
    events = tmp_path / "ev.jsonl"
    result = bottomup(
        "play",
        "--window",
        "bottomup test window",
        "--launch",
        f"{sys.executable} {CLICKER} --events {events}",
        "--steps",
        "5",
        "--dry-run",
        "--display",
        "virtual",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    (path,) = list_recordings(tmp_path / "recordings")
    assert Recording(path).summary()["steps"] == 5
    received = [json.loads(line) for line in events.read_text().splitlines()]
    assert not [e for e in received if e["type"] == "down"], "dry run must not click"


@pytest.mark.live
@pytest.mark.slow
def test_sigkill_leaves_a_recording_that_loads(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent.cli",
            "play",
            "spire",
            "--steps",
            "100000",
            "--display",
            "virtual",
        ],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 90
    recording = None
    while time.monotonic() < deadline:
        found = list_recordings(tmp_path / "recordings")
        if found and len(Recording(found[0]).steps()) >= 5:
            recording = found[0]
            break
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert recording is not None, process.stderr.read().decode()[-2000:] if process.stderr else ""
    loaded = Recording(recording)
    summary = loaded.summary()
    assert summary["steps"] >= 5
    assert summary["ended"].startswith("unfinished")
    last = loaded.steps()[-1]
    assert loaded.frame_image(last["after"]) is not None


def test_recordings_show_and_ls(tmp_path: Path) -> None:
    result = bottomup("play", "spire", "--headless", "--steps", "5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (path,) = list_recordings(tmp_path / "recordings")
    shown = json.loads(bottomup("recordings", "show", str(path), "--json", cwd=tmp_path).stdout)
    assert shown["steps"] == 5 and shown["game"] == "spire"
    listed = json.loads(bottomup("recordings", "ls", "--json", cwd=tmp_path).stdout)
    assert [Path(r["path"]).name for r in listed] == [path.name]
