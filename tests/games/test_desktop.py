"""Desktop-game profiles: the shipped ones load and launch; bad files give one clear error."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agent.body.display import display_env
from agent.body.window import find_window
from agent.errors import ConfigError
from games import spec
from games.desktop import DesktopProfile, OcrProgress, load_profile, profiles
from games.spire import SpireGame
from games.spire.testing import click, enter, play_combat

GOOD = """
name = "demo"
launch = "{python} demo.py --seed {seed} --size {width}x{height}"
probe_args = ["--probe", "{probe}"]
title = "^Demo"
[progress]
kind = "title"
regex = "level (\\\\d+)"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "demo.toml"
    path.write_text(text)
    return path


def test_shipped_profiles_load_and_match_the_registry() -> None:
    assert {"spire", "gnome-mines"} <= set(profiles())
    for game_id in ("spire-v0", "gnome-mines-v0"):
        profile = load_profile(spec(game_id).profile)
        assert profile.name == spec(game_id).name and profile.schema_version == 1


def test_spire_profile_launches_the_built_in_game_with_optional_probe() -> None:
    profile = load_profile("spire")
    argv = profile.launch_command(python="/py", seed=7, width=960, height=540)
    assert argv == ["/py", "-m", "games.spire", "--seed", "7", "--size", "960x540"]
    with_probe = profile.launch_command(python="/py", seed=7, probe="/tmp/p.json")
    assert with_probe[-2:] == ["--probe", "/tmp/p.json"]
    assert profile.title_pattern().search("bottomup spire (seed 7)")
    assert isinstance(profile.progress, OcrProgress)
    assert profile.progress.parse("Floor 3") == 3 and profile.progress.parse("Floor4") == 4


def test_string_launch_is_split_like_a_shell_and_title_progress_parses(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, GOOD))
    assert profile.launch_command(python="/py", seed=2, width=800, height=600) == [
        "/py",
        "demo.py",
        "--seed",
        "2",
        "--size",
        "800x600",
    ]
    assert profile.progress is not None and profile.progress.kind == "title"
    assert profile.progress.parse("Demo - level 12") == 12.0
    assert profile.progress.parse("Demo - menu") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\nlaunch = [", "not valid TOML"),
        ("name = 'x'\ntitle = 'x'", "launch"),
        ("name = 'x'\nlaunch = 'run {level}'\ntitle = 'x'", "unknown placeholder {level}"),
        ("name = 'x'\nlaunch = 'run'\ntitle = '('", "invalid regex"),
        ("name = 'x'\nlaunch = ''\ntitle = 'x'", "launch command is empty"),
        ("name = 'x'\nlaunch = 'run'\ntitle = 'x'\ncolour = 1", "colour"),
        ("name = 'x'\nlaunch = 'run'\ntitle = 'x'\nschema_version = 9", "newer"),
        (
            "name = 'x'\nlaunch = 'run'\ntitle = 'x'\n[progress]\nkind = 'ocr'\n"
            "region = [0.9, 0, 0.5, 0.1]\nregex = '(\\d+)'",
            "inside the window",
        ),
        (
            "name = 'x'\nlaunch = 'run'\ntitle = 'x'\n[progress]\nkind = 'title'\nregex = 'Level'",
            "group",
        ),
        (
            "name = 'x'\nlaunch = 'run'\ntitle = 'x'\n[progress]\nkind = 'smell'\nregex = '(1)'",
            "kind",
        ),
    ],
)
def test_invalid_profiles_are_one_config_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_profile(path)
    assert str(path) in str(info.value)


def test_missing_profiles_name_what_exists(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="known: .*spire"):
        load_profile("no-such-game")
    with pytest.raises(ConfigError, match="not found"):
        load_profile(tmp_path / "absent.toml")


def test_ocr_region_scales_with_the_window() -> None:
    region = OcrProgress(region=(0.5, 0.25, 0.25, 0.1), regex=r"(\d+)")
    assert region.rect(1280, 720) == region.rect(640, 360).__class__(640, 180, 320, 72)
    assert DesktopProfile(name="x", launch=["x"], title="x").progress is None


@pytest.mark.slow
@pytest.mark.parametrize("size", [(960, 540), (1920, 1080)])
def test_spire_floor_is_read_by_ocr_from_the_profile_region(size: tuple[int, int]) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    from agent.perception.text import TextReader

    progress = load_profile("spire").progress
    assert isinstance(progress, OcrProgress)
    reader = TextReader()
    game = SpireGame(seed=3, size=size)
    game.reset()
    click(game, "button:start")
    seen = []
    for _ in range(2):
        frame = enter(game, game.session.run.reachable()[0]).frame
        text = reader.read(frame.image, progress.rect(frame.width, frame.height))
        seen.append((progress.parse(text), game.probe().floor))
        if play_combat(game) == "reward":
            click(game, "button:skip")
    assert seen == [(1.0, 1), (2.0, 2)]


@pytest.mark.live
@pytest.mark.slow
def test_gnome_mines_profile_finds_its_window_and_reads_the_flag_counter(xvfb: str) -> None:
    profile = load_profile("gnome-mines")
    argv = profile.launch_command(python=sys.executable)
    if shutil.which(argv[0]) is None or shutil.which("xdotool") is None:
        pytest.skip("needs gnome-mines and xdotool (apt-get install gnome-mines xdotool)")
    pytest.importorskip("rapidocr_onnxruntime")
    from agent.body.screen import Screen
    from agent.perception.text import TextReader

    proc = subprocess.Popen(argv, env=display_env(xvfb), stderr=subprocess.DEVNULL)
    try:
        info = find_window(profile.title, display=xvfb, timeout=30)
        assert (info.rect.w, info.rect.h) == profile.window_size
        # the "8 x 8" tile of the difficulty chooser, then the board with its flag counter
        subprocess.run(
            ["xdotool", "mousemove", "--window", str(info.id), "200", "160", "click", "1"],
            env=display_env(xvfb),
            check=True,
        )
        progress = profile.progress
        assert isinstance(progress, OcrProgress)
        reader, value = TextReader(), None
        with Screen(display=xvfb) as screen:
            deadline = time.monotonic() + 10
            while value is None and time.monotonic() < deadline:
                time.sleep(0.5)
                frame = screen.grab(info.rect)
                text = reader.read(frame.image, progress.rect(frame.width, frame.height))
                value = progress.parse(text)
        assert value == 0.0  # "0/10": no flag placed yet
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ("mines_board_610x482.png", 0.0),  # the default window: "0/10" under the flag
        ("mines_maximised_1920x1080.png", 0.0),  # maximised, relaid out: "0/40", a dialog open
    ],
)
def test_gnome_mines_flag_counter_is_read_at_both_window_layouts(frame: str, expected) -> None:
    """The agent may maximise the window (its title bar is part of the game window); the
    profile's progress region must still hold the flag counter, and not the clock."""
    pytest.importorskip("rapidocr_onnxruntime")
    import cv2

    from agent.perception.text import TextReader

    image = cv2.cvtColor(
        cv2.imread(str(Path(__file__).parent / "frames" / frame)), cv2.COLOR_BGR2RGB
    )
    progress = load_profile("gnome-mines").progress
    assert isinstance(progress, OcrProgress)
    text = TextReader().read(image, progress.rect(image.shape[1], image.shape[0]))
    assert progress.parse(text) == expected, text
