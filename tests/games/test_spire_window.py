"""spire in its own window under a private Xvfb: title, probe, clean exit, identical pixels."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from agent.body.display import display_env
from agent.body.screen import Screen
from agent.body.window import window_rect
from agent.types import Click
from games.probe import GroundTruth, read_probe
from games.spire import SpireGame

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed"),
]
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Window:
    """A running spire window: process, X window id, probe file, display."""

    process: subprocess.Popen[bytes]
    wid: int
    probe: Path
    display: str

    def xdotool(self, *args: str) -> str:
        out = subprocess.run(
            ["xdotool", *args], env=display_env(self.display), capture_output=True, timeout=10
        )
        return out.stdout.decode().strip()

    def truth(self, timeout: float = 10.0, **want: object) -> GroundTruth:
        """The probe once it is settled and its extra fields match `want`."""
        deadline = time.monotonic() + timeout
        while True:
            truth = read_probe(self.probe) if self.probe.exists() else None
            if truth is not None and not truth.extra["animating"]:
                if all(truth.extra.get(k) == v for k, v in want.items()):
                    return truth
            if time.monotonic() > deadline:
                raise AssertionError(f"probe never matched {want}: {truth}")
            time.sleep(0.05)

    def click(self, x: int, y: int) -> None:
        self.xdotool("mousemove", "--window", str(self.wid), str(x), str(y), "click", "1")


@pytest.fixture
def start_spire(xvfb: str, tmp_path: Path) -> Iterator[Callable[..., Window]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(seed: int, size: str = "1280x720") -> Window:
        probe = tmp_path / f"probe-{seed}.json"
        cmd = [sys.executable, "-m", "games.spire", "--seed", str(seed), "--size", size]
        proc = subprocess.Popen(
            [*cmd, "--probe", str(probe)], env=display_env(xvfb), cwd=ROOT, stderr=subprocess.PIPE
        )
        started.append(proc)
        window = Window(proc, 0, probe, xvfb)
        deadline = time.monotonic() + 20
        while not window.wid:
            # xdotool reads WM_NAME: this also checks that tools other than ours find the title
            found = window.xdotool("search", "--name", rf"^bottomup spire \(seed {seed}\)$")
            window.wid = int(found.split()[0]) if found else 0
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "spire window never appeared"
            time.sleep(0.1)
        window.truth(clicks=0)
        return window

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=5)


def test_window_has_title_writes_probe_and_exits_cleanly_on_sigterm(start_spire) -> None:
    window = start_spire(seed=11, size="960x540")
    truth = window.truth()
    assert truth.screen == "title" and truth.frame_counter >= 1
    start = next(c for c in truth.clickables if c.name == "button:start")
    assert start.rect.right <= 960 and start.rect.bottom <= 540
    rect = window_rect(window.wid, display=window.display)
    assert (rect.w, rect.h) == (960, 540)
    window.click(start.rect.center.x, start.rect.center.y)
    truth = window.truth(clicks=1)
    assert truth.screen == "map" and truth.frame_counter > 1
    window.process.terminate()
    assert window.process.wait(timeout=10) == 0


def test_window_close_exits_with_zero(start_spire) -> None:
    window = start_spire(seed=12)
    window.xdotool("windowactivate", "--sync", str(window.wid))
    window.xdotool("key", "--clearmodifiers", "alt+F4")  # openbox asks the window to close
    try:
        assert window.process.wait(timeout=10) == 0
    except subprocess.TimeoutExpired:
        pytest.skip("the window manager did not deliver a close request")


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "size"), [(21, (1280, 720)), (22, (960, 540))])
def test_settled_window_pixels_equal_in_process_frames(
    start_spire, seed: int, size: tuple[int, int]
) -> None:
    window = start_spire(seed=seed, size=f"{size[0]}x{size[1]}")
    game = SpireGame(seed=seed, size=size)
    game.reset()
    screen = Screen(display=window.display)
    try:
        for n, pick in enumerate(["button:start", "node", "card", "target", "button:end_turn"], 1):
            truth = game.probe()
            live = window.truth(clicks=n - 1)
            assert live.clickables == truth.clickables
            element = next(
                c
                for c in truth.clickables
                if c.name == pick
                or (pick in ("node", "card") and c.kind == pick and c.enabled)
                or (pick == "target" and c.enabled and c.kind in ("enemy", "player"))
            )
            x, y = element.rect.center.x, element.rect.center.y
            window.click(x, y)
            expected = game.step(Click(x, y)).frame.image
            window.truth(clicks=n)
            time.sleep(0.1)  # the settled frame was flipped before the probe; let X catch up
            grabbed = screen.grab(window_rect(window.wid, display=window.display)).image
            differ = np.argwhere(np.any(grabbed != expected, axis=2))
            assert differ.size == 0, f"after {pick}: {len(differ)} pixels differ, e.g. {differ[:5]}"
    finally:
        screen.close()
