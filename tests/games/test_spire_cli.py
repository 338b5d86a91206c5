"""`python -m games.spire` refuses bad input with one clear line, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "games.spire", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "12x3"], "size must be within"),
        (["--size", "big"], "size must look like 1280x720"),
        (["--fps", "0"], "fps must be within"),
        (["--seed", "x"], "invalid int value"),
        (["--probe", "/no/such/dir/probe.json"], "--probe directory does not exist"),
    ],
)
def test_bad_arguments_are_one_clear_error(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_no_display_is_one_clear_error() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = run("--seed", "1", env=env)
    assert result.returncode == 1
    assert "no display" in result.stderr and "Traceback" not in result.stderr
