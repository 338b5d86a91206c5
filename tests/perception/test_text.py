"""Text: OCR per region (real rapidocr models), the content cache, number parsing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from agent.perception.text import TextReader, parse_number, parse_numbers
from agent.types import Rect
from tests.perception.synthetic import board_screen


@pytest.fixture(scope="module")
def reader() -> TextReader:
    pytest.importorskip("rapidocr_onnxruntime")
    return TextReader()


def _label(text: str, size=(300, 60)) -> np.ndarray:
    img = np.full((size[1], size[0], 3), 245, np.uint8)
    cv2.putText(img, text, (10, 42), cv2.FONT_HERSHEY_SIMPLEX, 1.1, (20, 20, 20), 2, cv2.LINE_AA)
    return img


def test_reads_a_button_label_in_a_region(reader):
    scene = board_screen()
    end = dict(scene.clickables)["button:end_turn"]
    assert reader.read(scene.image, end).lower().replace(" ", "") == "endturn"


def test_reads_numbers_and_parses_them(reader):
    text = reader.read(_label("Gold 125"))
    assert parse_number(text) == 125


def test_same_pixels_hit_the_cache(reader):
    image = _label("Score 42")
    first = reader.read(image)
    misses = reader.misses
    assert reader.read(image.copy()) == first
    assert reader.misses == misses and reader.hits >= 1


def test_flat_and_tiny_regions_read_as_empty_without_the_model():
    fresh = TextReader()
    assert fresh.read(np.zeros((50, 200, 3), np.uint8)) == ""
    assert fresh.read(_label("x"), Rect(0, 0, 2, 2)) == ""
    assert fresh.read(_label("x"), Rect(5000, 5000, 10, 10)) == ""
    assert fresh.misses == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("HP 42/80", [42, 80]),
        ("1,250 gold", [1250]),
        ("-3 block", [-3]),
        ("x1.5", [1.5]),
        ("1O0", [100]),
        ("no numbers", []),
        ("", []),
    ],
)
def test_parse_numbers(text, expected):
    assert parse_numbers(text) == expected
    assert parse_number(text) == (expected[0] if expected else None)


def test_candidates_get_their_text(reader):
    from agent.perception.objects import candidates
    from agent.perception.text import with_text

    scene = board_screen()
    end = dict(scene.clickables)["button:end_turn"]
    found = sorted(candidates(scene.image), key=lambda c: -c.box.iou(end))[:2]
    read = with_text(scene.image, found, reader, max_regions=1)
    assert read[0].text.lower().replace(" ", "") == "endturn"
    assert read[1].text == ""  # beyond max_regions: not read
    assert read[0].box == found[0].box and read[0].descriptor == found[0].descriptor


def test_missing_ocr_is_one_clear_error_and_the_rest_works(monkeypatch):
    import sys

    from agent.errors import MissingDependency
    from agent.perception.objects import candidates

    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)  # import now fails
    with pytest.raises(MissingDependency, match="rapidocr"):
        TextReader().read(_label("Play"))
    assert candidates(board_screen().image)
