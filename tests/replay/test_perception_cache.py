"""The perception cache file: what a frame's pixels gave comes back exactly, only for the same
settings and code, and a damaged file or entry is a clear error or a miss, never a wrong answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import cv2
import pytest

from agent.cycle.memory import StateMemory
from agent.cycle.perceive import Perceived, Perceiver
from agent.cycle.progress import ProgressSignal
from agent.errors import ConfigError
from agent.perception.settings import PerceptionSettings
from agent.replay.perception_cache import PerceptionCache
from agent.replay.reader import RecordedFrame
from agent.types import Rect
from skills.graph import SkillGraph

FRAME = Path(__file__).parents[1] / "games" / "frames" / "mines_board_610x482.png"


def _frame(content: str = "abc") -> RecordedFrame:
    image = cv2.cvtColor(cv2.imread(str(FRAME)), cv2.COLOR_BGR2RGB)
    h, w = image.shape[:2]
    return RecordedFrame(image, 0, 0.0, Rect(0, 0, w, h), 1.0, content)


DEFAULT = PerceptionSettings()


def _perceive(tmp_path: Path, memo, settings=DEFAULT, progress=None) -> Perceived:
    """Perceive the frame with a fresh Perceiver (and library) over `memo`."""
    graph = SkillGraph.open(str(tmp_path / f"lib-{id(memo)}-{id(settings)}.sqlite"))
    memory = StateMemory(graph, settings.state_threshold)
    return Perceiver(memory, settings, progress, memo=memo).perceive(_frame())


def _same(a: Perceived, b: Perceived) -> bool:
    return (
        a.candidates == b.candidates
        and a.progress == b.progress
        and a.key == b.key
        and a.seen.signature == b.seen.signature
    )


def test_what_was_perceived_comes_back_exactly_from_the_file(tmp_path: Path) -> None:
    file = tmp_path / "cache.sqlite"
    progress = ProgressSignal("ocr", r"(\d+)\s*/\s*\d+", (0.68, 0.06, 0.32, 0.40))
    first = _perceive(tmp_path, PerceptionCache(file), progress=progress)
    assert first.candidates  # a real board: cells and buttons
    later = PerceptionCache(file)  # another process: nothing in memory
    again = _perceive(tmp_path, later, progress=progress)
    assert later.hits == 1 and later.misses == 0
    assert _same(again, first)


def test_other_settings_do_not_read_an_entry(tmp_path: Path) -> None:
    file = tmp_path / "cache.sqlite"
    _perceive(tmp_path, PerceptionCache(file))
    other = PerceptionCache(file)
    narrow = PerceptionSettings(work_width=320)
    pixels = _perceive(tmp_path, other, settings=narrow)
    assert other.misses == 1 and other.hits == 0
    assert pixels.candidates  # computed afresh with the other settings


def test_a_file_that_is_not_a_cache_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "cache.sqlite"
    file.write_bytes(b"not a database at all" * 100)
    with pytest.raises(ConfigError, match="perception cache"):
        PerceptionCache(file)


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    file = tmp_path / "cache.sqlite"
    first = _perceive(tmp_path, PerceptionCache(file))
    with sqlite3.connect(file) as db:
        db.execute("UPDATE pixels SET body = substr(body, 1, 40)")
    later = PerceptionCache(file)
    again = _perceive(tmp_path, later)
    assert later.misses == 1 and _same(again, first)
