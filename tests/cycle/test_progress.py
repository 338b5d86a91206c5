"""The progress signal a profile declares is read from pixels, and `play` wires it in."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from agent.config import Settings
from agent.cycle.progress import ProgressReader, ProgressSignal
from agent.errors import ConfigError
from agent.learner import Learner
from agent.session import make_policy, progress_signal
from agent.types import Frame, Rect


def _frame(text: str) -> Frame:
    image = np.full((360, 640, 3), 30, np.uint8)
    cv2.putText(image, text, (8, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (240, 240, 240), 2)
    return Frame(image, 0, 0.0, Rect(0, 0, 640, 360))


def test_an_ocr_signal_reads_the_number_in_its_region():
    reader = ProgressReader(ProgressSignal("ocr", r"Floor\s*(\d+)", (0.0, 0.0, 0.3, 0.12)))
    assert reader.read(_frame("Floor 7")) == 7.0
    assert reader.read(_frame("Paused")) is None


def test_letters_ocr_reads_for_digits_count_as_those_digits_in_the_number():
    # Spire's HUD says "Floor 0" at the start of every run; OCR reads it "Flooro". Without the
    # 0, a lost run (floor 3 -> 0) never reads as a fall, and the first node never as a rise.
    signal = progress_signal("spire")
    reader = ProgressReader(signal)
    assert [reader._parse(t) for t in ("Flooro", "Floor1", "Floor 1o", "Score")] == [
        0.0,
        1.0,
        10.0,
        None,
    ]


def test_a_bad_signal_is_one_clear_error():
    with pytest.raises(ConfigError, match="regex"):
        ProgressSignal("ocr", r"Floor (\d+", (0, 0, 0.1, 0.1))
    with pytest.raises(ConfigError, match="fractions"):
        ProgressSignal("ocr", r"(\d+)", (0, 0, 200, 40))
    with pytest.raises(ConfigError, match="region"):
        ProgressSignal("ocr", r"(\d+)")


def test_play_gives_the_learner_the_profiles_signal_and_refuses_unknown_brains(tmp_path):
    signal = progress_signal("spire")
    assert signal is not None and signal.kind == "ocr" and "Floor" in signal.regex
    assert progress_signal("no-such-game") is None
    policy = make_policy(Settings(library=str(tmp_path / "lib.sqlite")), game="spire")
    assert isinstance(policy, Learner) and policy.settings.progress == signal
    policy.close()
    with pytest.raises(ConfigError, match="vlm"):
        make_policy(Settings(brain="vlm", library=str(tmp_path / "lib.sqlite")), game="spire")
