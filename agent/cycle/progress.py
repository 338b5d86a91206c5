"""The progress signal a game profile declares, read from pixels (or the window title).

    signal = ProgressSignal(kind="ocr", region=(0.0, 0.0, 0.2, 0.06), regex=r"Floor (\\d+)")
    reader = ProgressReader(signal)
    reader.read(frame)            # -> 3.0, or None when nothing matches

`region` is in window fractions (x, y, w, h) so it survives window scaling. OCR results are
cached by the region's pixels (agent.perception.text), so an unchanged counter costs a hash.
For kind "title", the caller passes the window title to `read_title`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from agent.errors import ConfigError
from agent.types import Frame, Rect

log = logging.getLogger(__name__)

_LOOK_ALIKES = str.maketrans("OoDQIl|SB", "000011158")
r"""Letters OCR reads for digits ("Floor 0" as "Flooro"): in the number a regex captured, they
are the digits they look like. A regex admits them where it expects a number, e.g.
r"Floor\s*([\dOo]+)"."""


@dataclass(frozen=True)
class ProgressSignal:
    """What a profile declares: kind "ocr" (region + regex) or "title" (regex on the title).

    regex: its first group (or whole match) must read as a number, e.g. r"Floor\\s*(\\d+)".
    """

    kind: Literal["ocr", "title"]
    regex: str
    region: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        try:
            re.compile(self.regex)
        except re.error as exc:
            raise ConfigError(f"progress regex {self.regex!r} is invalid: {exc}") from None
        if self.kind == "ocr":
            if self.region is None or len(self.region) != 4:
                raise ConfigError("an OCR progress signal needs a region (x, y, w, h fractions)")
            if not all(0.0 <= v <= 1.0 for v in self.region):
                raise ConfigError(f"progress region must be window fractions, got {self.region}")


class ProgressReader:
    """Reads a ProgressSignal; `reader` is an agent.perception.text.TextReader (made if None)."""

    def __init__(self, signal: ProgressSignal, reader=None) -> None:
        self.signal = signal
        self._pattern = re.compile(signal.regex, re.IGNORECASE)
        self._reader = reader

    def _parse(self, text: str) -> float | None:
        m = self._pattern.search(text)
        if not m:
            return None
        raw = m.group(1) if m.groups() else m.group(0)
        try:
            return float(raw.replace(",", "").translate(_LOOK_ALIKES))
        except ValueError:
            return None

    def read(self, frame: Frame) -> float | None:
        if self.signal.kind != "ocr" or self.signal.region is None:
            return None
        if self._reader is None:
            from agent.perception.text import TextReader

            self._reader = TextReader()
        fx, fy, fw, fh = self.signal.region
        rect = Rect(
            int(fx * frame.width),
            int(fy * frame.height),
            int(fw * frame.width),
            int(fh * frame.height),
        )
        return self._parse(self._reader.read(frame.image, rect))

    def read_title(self, title: str) -> float | None:
        return self._parse(title) if self.signal.kind == "title" else None
