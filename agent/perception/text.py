"""Text: OCR of one region at a time through rapidocr-onnxruntime, plus number parsing.

The OCR engine (ONNX models shipped inside the rapidocr wheel; fully offline) is imported and
loaded lazily on the first read, so the rest of perception works without it. Results are cached
by a hash of the region's pixels: the same label on the next frame costs a hash, not a model run.

    reader = TextReader()
    reader.read(frame.image, Rect(100, 50, 200, 40))   # -> "End Turn"
    parse_number("HP 42/80")                          # -> 42
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from agent.errors import MissingDependency
from agent.perception.image import as_image, frame_scale
from agent.perception.objects import Candidate
from agent.types import Frame, Rect

log = logging.getLogger(__name__)

# Recognition models expect text lines about this tall; smaller crops are upscaled first.
_MIN_TEXT_HEIGHT = 32
_NUMBER = re.compile(r"[-+]?\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True)
class TextResult:
    """What OCR read in one region: the text ("" when nothing legible) and its confidence 0..1."""

    text: str
    confidence: float


class TextReader:
    """OCR per region with a content-keyed LRU cache; safe to share between threads."""

    def __init__(self, cache_size: int = 2048, min_confidence: float = 0.5) -> None:
        self._engine = None
        self._cache: OrderedDict[bytes, TextResult] = OrderedDict()
        self._cache_size = cache_size
        self._min_confidence = min_confidence
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _load(self):
        if self._engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise MissingDependency(
                    "OCR needs rapidocr-onnxruntime: pip install 'bottomup[ocr]'"
                ) from exc
            # rapidocr configures its own logger verbosely; keep it quiet unless asked.
            logging.getLogger("RapidOCR").setLevel(logging.WARNING)
            # Regions are small crops: the detector's default (upscale to a 736 px short side)
            # triples the cost for nothing; 320 keeps card-sized text legible.
            self._engine = RapidOCR(det_limit_side_len=320)
            log.info("OCR engine loaded")
        return self._engine

    def read_result(
        self, frame_or_image: Frame | np.ndarray, rect: Rect | None = None
    ) -> TextResult:
        """Text and confidence of `rect` (image pixels; whole image when None)."""
        image = as_image(frame_or_image)
        h, w = image.shape[:2]
        region = Rect(0, 0, w, h) if rect is None else rect.intersection(Rect(0, 0, w, h))
        if region is None or region.w < 4 or region.h < 4:
            return TextResult("", 0.0)
        crop = np.ascontiguousarray(image[region.y : region.bottom, region.x : region.right])
        if int(crop.max()) - int(crop.min()) < 16:
            return TextResult("", 0.0)  # flat region: nothing to read, skip the model
        key = hashlib.blake2b(crop.tobytes(), digest_size=16, person=bytes(8)).digest()
        key += region.w.to_bytes(4, "little") + region.h.to_bytes(4, "little")
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.hits += 1
                return cached
        result = self._recognise(crop)
        with self._lock:
            self.misses += 1
            self._cache[key] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return result

    def read(self, frame_or_image: Frame | np.ndarray, rect: Rect | None = None) -> str:
        """Text of `rect` ("" when nothing legible)."""
        return self.read_result(frame_or_image, rect).text

    def _recognise(self, crop: np.ndarray) -> TextResult:
        engine = self._load()
        if crop.shape[0] < _MIN_TEXT_HEIGHT:
            f = _MIN_TEXT_HEIGHT / crop.shape[0]
            size = (max(1, round(crop.shape[1] * f)), _MIN_TEXT_HEIGHT)
            crop = cv2.resize(crop, size, interpolation=cv2.INTER_CUBIC)
        bgr = cv2.cvtColor(crop, cv2.COLOR_RGB2BGR)
        # A region that is one line of text is recognised directly (~30 ms); a taller block
        # needs the detector to split it into lines first.
        one_line = crop.shape[0] <= 3 * _MIN_TEXT_HEIGHT or crop.shape[1] >= 2 * crop.shape[0]
        with self._lock:
            if one_line:
                found, _ = engine(bgr, use_det=False, use_cls=False, use_rec=True)
            else:
                found, _ = engine(bgr, use_cls=False)  # screen text is upright
        if not found:
            return TextResult("", 0.0)
        if one_line:
            pieces = [(str(t), float(c)) for t, c in found]
        else:
            pieces = [(str(t), float(c)) for _, t, c in found]
        pieces = [(t.strip(), c) for t, c in pieces if c >= self._min_confidence and t.strip()]
        if not pieces:
            return TextResult("", 0.0)
        text = " ".join(t for t, _ in pieces)
        return TextResult(text, min(c for _, c in pieces))


def with_text(
    frame_or_image: Frame | np.ndarray,
    cands: Sequence[Candidate],
    reader: TextReader,
    max_regions: int = 40,
) -> list[Candidate]:
    """The candidates with `text` filled in by OCR (the first `max_regions`; boxes are logical
    pixels, mapped to image pixels with the Frame's scale). Unread ones keep text ""."""
    scale = frame_scale(frame_or_image)
    out = []
    for i, cand in enumerate(cands):
        if i >= max_regions or cand.text:
            out.append(cand)
            continue
        b = cand.box
        rect = Rect(round(b.x * scale), round(b.y * scale), round(b.w * scale), round(b.h * scale))
        out.append(replace(cand, text=reader.read(frame_or_image, rect)))
    return out


_DEFAULT_READER: TextReader | None = None


def read_text(frame_or_image: Frame | np.ndarray, rect: Rect | None = None) -> str:
    """Text of `rect` in the image, through one shared cached TextReader."""
    global _DEFAULT_READER
    if _DEFAULT_READER is None:
        _DEFAULT_READER = TextReader()
    return _DEFAULT_READER.read(frame_or_image, rect)


def parse_numbers(text: str) -> list[int | float]:
    """Every number in `text`, in order: "HP 42/80" -> [42, 80]; "1,250 gold" -> [1250]."""
    out: list[int | float] = []
    for match in _NUMBER.finditer(text.replace("O", "0") if _looks_numeric(text) else text):
        token = match.group().replace(",", "")
        out.append(float(token) if "." in token else int(token))
    return out


def parse_number(text: str) -> int | float | None:
    """The first number in `text`, or None: "Gold: 99" -> 99, "-3" -> -3, "x1.5" -> 1.5."""
    numbers = parse_numbers(text)
    return numbers[0] if numbers else None


def _looks_numeric(text: str) -> bool:
    """OCR reads 0 as O inside digit runs ("1O0"); only then is O treated as a zero."""
    return bool(re.fullmatch(r"[\dO,./+\- ]*\d[\dO,./+\- ]*", text.strip()))
