"""Fixtures for the body's live tests: the clicker test window on a private display."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from agent.body.display import display_env
from agent.body.window import WindowInfo, find_window

CLICKER = Path(__file__).resolve().parents[1] / "fixtures" / "clicker_window.py"
TITLE = "bottomup test window"


@dataclass
class Clicker:
    """A running clicker window: its process, window and the events it received."""

    process: subprocess.Popen[bytes]
    events_path: Path
    info: WindowInfo
    display: str

    def events(self, kind: str | None = None) -> list[dict]:
        lines = self.events_path.read_text().splitlines()
        events = [json.loads(line) for line in lines if line.strip()]
        return [e for e in events if kind is None or e["type"] == kind]

    def wait_for(self, kind: str, count: int, timeout: float = 3.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(kind)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        return self.events(kind)


def clicker_command(events: Path, *extra: str) -> list[str]:
    return [sys.executable, str(CLICKER), "--events", str(events), *extra]


@pytest.fixture
def start_clicker(xvfb: str, tmp_path: Path) -> Iterator[Callable[..., Clicker]]:
    """Start the clicker window on the test's display; returns a Clicker once it is drawn."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*extra: str, title: str = TITLE) -> Clicker:
        events = tmp_path / f"events-{len(started)}.jsonl"
        events.touch()
        proc = subprocess.Popen(
            clicker_command(events, "--title", title, *extra), env=display_env(xvfb)
        )
        started.append(proc)
        info = find_window(f"^{title}$", display=xvfb, timeout=20)
        clicker = Clicker(proc, events, info, xvfb)
        assert clicker.wait_for("ready", 1, timeout=10), "clicker window never drew"
        return clicker

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=5)
