"""Candidates on real Debian games captured under Xvfb (gnome-mines with its Best Times dialog,
aisleriot Klondike)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import capture_desktop_games as desktop  # noqa: E402

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.fixture(scope="module")
def shots():
    needed = ["Xvfb", "openbox", "xdotool", "import", *desktop.PACKAGES.values()]
    missing = [tool for tool in needed if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)}")
    display = desktop.Display()
    try:
        return desktop.capture(display)
    finally:
        display.close()


def test_candidates_cover_buttons_and_board_cells(shots):
    results = {scene.name: (cov, lost) for scene, _, _, cov, lost in desktop.evaluate(shots)}
    assert set(results) == {"mines-chooser", "mines-board", "mines-scores", "klondike"}
    cov, lost = results["mines-board"]
    assert not [name for name in lost if name.startswith("cell:")]
    assert cov.recall >= 0.95 and cov.precision >= 0.6
    # Every size button and the header-bar glyph buttons (menu, minimise, maximise, close).
    assert results["mines-chooser"][0].recall == 1.0
    assert results["klondike"][0].recall >= 0.9
    # The modal Best Times dialog's close "x" glyph: without it the agent is stuck behind it.
    assert results["mines-scores"][0].recall == 1.0
