"""LiveWindow: the Game protocol over a real window, with a launched game process."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time

import pytest

from agent.body.display import DisplaySettings, VirtualDisplay, display_env
from agent.body.live import LiveSettings, LiveWindow
from agent.body.mouse import MouseSettings
from agent.body.window import window_rect
from agent.errors import ConfigError, OutsideWindowError, WindowLost, WindowNotFound
from agent.types import Click, Game, Rect

from .conftest import TITLE, clicker_command

BLUE = (40, 80, 220)
ORANGE = (240, 140, 20)


def _settings(xvfb: str, events, *extra: str, **kw) -> LiveSettings:
    return LiveSettings(
        title=f"^{TITLE}$",
        display=xvfb,
        launch=tuple(clicker_command(events, *extra)),
        **kw,
    )


@pytest.mark.live
def test_launch_click_and_see_the_change(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    settings = _settings(xvfb, events, "--animate-ms", "400", "--button", "40,40,120,60")
    with LiveWindow(settings) as game:
        assert isinstance(game, Game)
        first = game.reset()
        assert first.image.shape == (300, 400, 3)
        assert tuple(first.image[70, 100]) == BLUE
        outcome = game.step(Click(100, 70))
        assert tuple(outcome.frame.image[70, 100]) == ORANGE
        assert outcome.settled and 0.25 <= outcome.settle_s <= 0.8
        assert outcome.frame.index > first.index
        process = game.process
        assert process is not None and process.poll() is None
    assert process.poll() is not None  # close() ended the game it launched


@pytest.mark.live
def test_outside_point_is_refused_and_nothing_happens(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    with LiveWindow(_settings(xvfb, events)) as game:
        game.reset()
        with pytest.raises(OutsideWindowError):
            game.step(Click(400, 10))
        with pytest.raises(OutsideWindowError):
            game.step(Click(10, -5))
        time.sleep(0.2)
        assert '"down"' not in events.read_text()
        assert game.performed == []


@pytest.mark.live
def test_dry_run_records_but_never_clicks(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    settings = _settings(xvfb, events, mouse=MouseSettings(dry_run=True))
    with LiveWindow(settings) as game:
        first = game.reset()
        outcome = game.step(Click(100, 70))
        assert tuple(outcome.frame.image[70, 100]) == tuple(first.image[70, 100]) == BLUE
        assert outcome.settle_s == 0.0
        assert [p.executed for p in game.performed] == [False]
    assert '"down"' not in events.read_text()


@pytest.mark.live
def test_window_closing_mid_run_raises_window_lost(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    with LiveWindow(_settings(xvfb, events)) as game:
        game.reset()
        assert game.process is not None
        game.process.send_signal(signal.SIGKILL)
        game.process.wait(timeout=10)  # dead before the step, however loaded the machine
        with pytest.raises(WindowLost, match=r"game process exited with code -9"):
            game.step(Click(10, 10))


@pytest.mark.live
def test_game_that_exits_before_its_window_appears(xvfb: str) -> None:
    crash = "import sys; sys.stderr.write('no level file\\n'); sys.exit(3)"
    settings = LiveSettings(title="never", display=xvfb, launch=(sys.executable, "-c", crash))
    game = LiveWindow(settings)
    with pytest.raises(WindowLost, match=r"game process exited with code 3: no level file"):
        game.reset()
    assert game.process is None  # cleaned up


@pytest.mark.live
def test_foreign_window_closing_raises_window_lost(start_clicker) -> None:
    clicker = start_clicker()
    settings = LiveSettings(title=f"^{TITLE}$", display=clicker.display)
    with LiveWindow(settings) as game:
        game.reset()
        clicker.process.terminate()
        clicker.process.wait(timeout=5)
        with pytest.raises(WindowLost):
            for _ in range(20):
                game.step(Click(10, 10))


@pytest.mark.live
def test_region_mode_clicks_inside_a_fixed_rectangle(start_clicker) -> None:
    clicker = start_clicker("--button", "40,40,120,60")
    r = clicker.info.rect
    region = Rect(r.x + 40, r.y + 40, 120, 60)  # just the button
    with LiveWindow(LiveSettings(region=region, display=clicker.display)) as game:
        assert game.reset().image.shape == (60, 120, 3)
        outcome = game.step(Click(10, 10))
        assert tuple(outcome.frame.image[5, 5]) == ORANGE
        with pytest.raises(OutsideWindowError):
            game.step(Click(130, 10))
    assert [(e["x"], e["y"]) for e in clicker.events("down")] == [(50, 50)]


def test_needs_exactly_one_of_title_or_region() -> None:
    with pytest.raises(ConfigError, match="exactly one"):
        LiveWindow(LiveSettings())
    with pytest.raises(ConfigError, match="exactly one"):
        LiveWindow(LiveSettings(title="x", region=Rect(0, 0, 10, 10)))


@pytest.mark.live
def test_display_dying_mid_run_is_window_lost(tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    vd = VirtualDisplay(DisplaySettings(width=800, height=600))
    with vd, LiveWindow(_settings(vd.name, events)) as game:
        game.reset()
        vd.stop()
        with pytest.raises(WindowLost):
            game.step(Click(10, 10))


@pytest.mark.live
def test_window_that_never_appears_is_window_not_found(xvfb: str) -> None:
    settings = LiveSettings(title="^no such game$", display=xvfb, window_timeout_s=0.5)
    with pytest.raises(WindowNotFound, match=r"'\^no such game\$' after 0.5s \(visible titles:"):
        LiveWindow(settings).reset()


@pytest.mark.live
def test_a_game_closed_by_its_own_button_is_relaunched_when_allowed(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    quit_at = ("--quit-button", "300,10,40,30")
    with LiveWindow(_settings(xvfb, events, *quit_at, relaunch=1)) as game:
        game.reset()
        first = game.process
        outcome = game.step(Click(320, 25))  # the game's own "close" button
        assert game.relaunches == 1 and game.process is not first and outcome.restarted
        assert first is not None and first.returncode == 0
        assert outcome.frame.image.shape == (300, 400, 3)
        played = game.step(Click(100, 70))
        assert tuple(played.frame.image[70, 100]) == ORANGE and not played.restarted  # plays on
        with pytest.raises(WindowLost, match="code 0"):  # the one relaunch is used up
            game.step(Click(320, 25))


@pytest.mark.live
def test_a_game_that_quits_is_window_lost_without_relaunch(xvfb: str, tmp_path) -> None:
    events = tmp_path / "events.jsonl"
    with LiveWindow(_settings(xvfb, events, "--quit-button", "300,10,40,30")) as game:
        game.reset()
        with pytest.raises(WindowLost, match="code 0"):
            game.step(Click(320, 25))


def _make_dialog(display: str, dialog: int, parent: int, x: int, y: int) -> None:
    """Mark window `dialog` transient for `parent` (what GTK does for a dialog) and place it."""
    from Xlib import display as xdisplay

    conn = xdisplay.Display(display)
    try:
        win = conn.create_resource_object("window", dialog)
        win.set_wm_transient_for(conn.create_resource_object("window", parent))
        conn.sync()
    finally:
        conn.close()
    env = display_env(display)
    subprocess.run(["xdotool", "windowmove", str(dialog), str(x), str(y)], env=env, check=True)


@pytest.mark.live
def test_a_dialog_of_the_game_is_part_of_the_game(start_clicker) -> None:
    """A dialog reaching past the game window is grabbed and can be clicked (closed); the desktop
    between the two windows cannot."""
    if shutil.which("xdotool") is None:
        pytest.skip("needs xdotool")
    main = start_clicker()
    dialog = start_clicker("--size", "200x100", "--button", "20,20,60,40", title="Best Times")
    with LiveWindow(LiveSettings(title=f"^{TITLE}$", display=main.display)) as game:
        game.reset()
        m = main.info.rect
        _make_dialog(main.display, dialog.info.id, main.info.id, m.right + 50, m.y + 150)
        deadline = time.monotonic() + 5
        while game.rect == m and time.monotonic() < deadline:
            time.sleep(0.3)
        box = game.rect
        d = window_rect(dialog.info.id, main.display)
        assert (box.x, box.y, box.right, box.bottom) == (m.x, m.y, d.right, max(m.bottom, d.bottom))
        frame = game.step(Click(d.x - box.x + 40, d.y - box.y + 30)).frame  # the dialog's button
        assert frame.image.shape[:2] == (box.h, box.w)
        assert [(e["x"], e["y"]) for e in dialog.wait_for("down", 1)] == [(40, 30)]
        gap = (m.w + 20, 10)  # the desktop between the two: blanked, and a click there does nothing
        assert not frame.image[gap[1], gap[0]].any()
        assert game.step(Click(*gap)).settle_s == 0.0
        assert main.events("down") == [] and len(dialog.events("down")) == 1
        assert [p.action for p in game.performed][-1] == Click(d.x - box.x + 40, d.y - box.y + 30)


@pytest.mark.live
def test_a_minimised_game_window_is_brought_back(start_clicker) -> None:
    """The agent may click the game's own minimise button; the run goes on with the window back."""
    if shutil.which("xdotool") is None:
        pytest.skip("needs xdotool")
    clicker = start_clicker()
    with LiveWindow(LiveSettings(title=f"^{TITLE}$", display=clicker.display)) as game:
        game.reset()
        env = display_env(clicker.display)
        subprocess.run(["xdotool", "windowminimize", str(clicker.info.id)], env=env, check=True)
        deadline = time.monotonic() + 5
        while _viewable(clicker.display, clicker.info.id) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _viewable(clicker.display, clicker.info.id)
        outcome = game.step(Click(100, 70))
        assert tuple(outcome.frame.image[70, 100]) == ORANGE
        assert _viewable(clicker.display, clicker.info.id)


def _viewable(display: str, window: int) -> bool:
    from Xlib import X
    from Xlib import display as xdisplay

    conn = xdisplay.Display(display)
    try:
        win = conn.create_resource_object("window", window)
        return win.get_attributes().map_state == X.IsViewable
    finally:
        conn.close()
