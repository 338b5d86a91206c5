"""VirtualDisplay: a private Xvfb that starts, accepts clients, and is gone after exit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.body.display import (
    CurrentDisplay,
    DisplaySettings,
    VirtualDisplay,
    ensure_display,
)
from agent.errors import ConfigError, DisplayError


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); treat it as gone.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.live
def test_virtual_display_starts_serves_and_stops() -> None:
    with VirtualDisplay(DisplaySettings(width=800, height=600)) as vd:
        pid, wm_pid = vd.pid, vd.wm_pid
        assert pid is not None and _alive(pid)
        info = subprocess.run(
            ["xdpyinfo"], env=vd.child_env(), capture_output=True, text=True, timeout=10
        )
        assert info.returncode == 0
        assert "dimensions:    800x600 pixels" in info.stdout
        assert f"name of display:    {vd.name}" in info.stdout
    assert not _alive(pid)
    if wm_pid is not None:
        assert not _alive(wm_pid)
    with pytest.raises(DisplayError):
        _ = vd.name


@pytest.mark.live
def test_virtual_display_stops_on_exception() -> None:
    vd = VirtualDisplay(DisplaySettings(width=320, height=240, window_manager=False))
    with pytest.raises(RuntimeError), vd:
        pid = vd.pid
        raise RuntimeError("boom")
    assert pid is not None and not _alive(pid)


@pytest.mark.live
def test_two_displays_get_different_numbers() -> None:
    settings = DisplaySettings(width=320, height=240, window_manager=False)
    with VirtualDisplay(settings) as a, VirtualDisplay(settings) as b:
        assert a.name != b.name


def test_missing_xvfb_is_a_clear_display_error(tmp_path) -> None:
    vd = VirtualDisplay(DisplaySettings(search_path=str(tmp_path)))
    with pytest.raises(DisplayError, match=r"apt-get install xvfb"):
        vd.start()
    assert vd.pid is None


def test_missing_xvfb_via_process_path(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DisplayError, match=r"Xvfb not found"):
        VirtualDisplay().start()


def test_invalid_screen_size_is_config_error() -> None:
    with pytest.raises(ConfigError, match="invalid virtual screen"):
        VirtualDisplay(DisplaySettings(width=0)).start()


def test_ensure_display_modes() -> None:
    assert isinstance(ensure_display("auto", current=":7"), CurrentDisplay)
    assert ensure_display("current", current=":7").name == ":7"
    assert isinstance(ensure_display("auto", current=None), VirtualDisplay)
    assert isinstance(ensure_display("virtual", current=":7"), VirtualDisplay)
    with pytest.raises(DisplayError, match="no DISPLAY"):
        ensure_display("current", current=None)
    with pytest.raises(ConfigError):
        ensure_display("bogus", current=None)  # type: ignore[arg-type]


@pytest.mark.live
def test_xvfb_fixture_gives_a_full_hd_display(xvfb: str) -> None:
    env = {**os.environ, "DISPLAY": xvfb}
    info = subprocess.run(["xdpyinfo"], env=env, capture_output=True, text=True, timeout=10)
    assert "dimensions:    1920x1080 pixels" in info.stdout
    assert "depth of root window:    24 planes" in info.stdout


@pytest.mark.live
def test_xvfb_is_stopped_at_interpreter_exit(tmp_path) -> None:
    script = (
        "from agent.body.display import VirtualDisplay, DisplaySettings\n"
        "vd = VirtualDisplay(DisplaySettings(width=320, height=240))\n"
        "vd.start()\n"
        "print(vd.pid, vd.wm_pid, flush=True)\n"
        # no stop(): the atexit hook must clean up
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    pids = [int(p) for p in done.stdout.split() if p != "None"]
    assert pids
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


@pytest.mark.live
def test_xvfb_dies_with_a_killed_parent() -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("util-linux setpriv is not installed")
    script = (
        "import os, signal\n"
        "from agent.body.display import VirtualDisplay, DisplaySettings\n"
        "vd = VirtualDisplay(DisplaySettings(width=320, height=240))\n"
        "vd.start()\n"
        "print(vd.pid, vd.wm_pid, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == -9, done.stderr
    pids = [int(p) for p in done.stdout.split() if p != "None"]
    assert pids
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)
