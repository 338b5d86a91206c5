"""The HTML report, the MP4 export and the summary show what a user needs to see."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from agent.replay.html import render_html, write_html
from agent.replay.reader import Replay
from agent.replay.summary import summarize
from agent.replay.video import count_frames, write_mp4
from agent.types import describe_action
from tests.chromium import CHROMIUM, chromium


def test_html_is_self_contained_and_shows_every_step(toy_recording: Path) -> None:
    replay = Replay(toy_recording)
    page = render_html(replay)
    assert page.count('src="data:image/jpeg;base64,') == 25
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing fetched when opened
    assert describe_action(replay.steps[7].action) in page
    for text in ("tiles change colour when clicked", "click Play first", "k-play", "s-1"):
        assert text in page
    assert "propose 900+40 tok" in page and "<svg" in page and "progress signal" in page


def test_mp4_export_holds_every_frame(toy_recording: Path, tmp_path: Path) -> None:
    replay = Replay(toy_recording)
    out = tmp_path / "run.mp4"
    assert write_mp4(replay, out, width=320) == 26
    assert count_frames(out) == 26
    capture = cv2.VideoCapture(str(out))
    ok, first = capture.read()
    capture.release()
    assert ok and first.shape[1] == 320 and first.std() > 5  # a real picture, not blank


def test_summary_figures(toy_recording: Path) -> None:
    s = summarize(Replay(toy_recording))
    assert s.steps == 25 and 0 < s.acted <= 25 and s.responsive_rate == round(s.acted / 25, 4)
    assert s.model_calls == 5 and s.tokens == 5 * 940 and s.cost == pytest.approx(0.005)
    assert s.states == 3 and s.skills_used == ("k-play",) and s.skills_created == ("click 'Play'",)
    assert s.progress_last == 12.0 and s.ended == "completed" and s.damage == ()


@pytest.mark.chromium
@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_report_renders_in_headless_chromium(toy_recording: Path, tmp_path: Path) -> None:
    replay = Replay(toy_recording)
    page = write_html(replay, tmp_path / "report.html")
    shot = tmp_path / "shot.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,1400", page.as_uri(), timeout=60)
    dom = chromium("--dump-dom", page.as_uri(), timeout=60).stdout.decode()
    image = cv2.imread(str(shot))
    assert image is not None, "chromium wrote no screenshot"
    assert image.std() > 10 and len(np.unique(image.reshape(-1, 3), axis=0)) > 50
    assert describe_action(replay.steps[3].action) in dom
    assert "<svg" in dom and "tiles change colour when clicked" in dom


def test_a_damaged_recording_is_shown_up_to_the_damage(copy_recording, tmp_path: Path) -> None:
    path = copy_recording()
    replay = Replay(path)
    seen: set[str] = set()
    victim = None
    for step in replay.steps:  # the first step that brings a frame never seen before
        if step.index >= 5 and step.after_sha not in seen:
            victim = step
            break
        seen |= {step.before_sha, step.after_sha}
    assert victim is not None
    (path / "frames" / f"{victim.after_sha}.png").unlink()
    damaged = Replay(path)
    page = render_html(damaged)
    assert "Damage" in page and "replay stops before step" in page
    assert page.count('src="data:image/jpeg;base64,') == len(damaged.steps) == victim.index
    assert write_mp4(damaged, tmp_path / "d.mp4", width=320) == victim.index + 1
