"""PerceptionSettings: every tunable of the perception pipeline in one frozen dataclass.

Built once at the edge (agent.config) and passed down; perception never reads the environment.
Defaults are game-agnostic and were chosen on the built-in game plus two Debian games.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from agent.errors import ConfigError


@dataclass(frozen=True)
class PerceptionSettings:
    """Knobs for candidates, screen states, re-grounding and OCR."""

    work_width: int = 640
    """Frames are analysed on a copy downscaled to at most this width (boxes are mapped back)."""

    min_box_fraction: float = 0.00012
    """Smallest candidate, as a fraction of the frame area (smaller blobs are glyph fragments)."""

    max_box_fraction: float = 0.25
    """Largest candidate, as a fraction of the frame area (larger ones are panels, backgrounds)."""

    min_side_px: int = 6
    """Smallest candidate side, in pixels of the work copy."""

    max_aspect: float = 12.0
    """Widest allowed width/height (or height/width) ratio of a candidate."""

    edge_low: int = 40
    """Lower Canny hysteresis threshold on the work copy."""

    edge_high: int = 110
    """Upper Canny hysteresis threshold on the work copy."""

    merge_iou: float = 0.7
    """Candidates overlapping by at least this IoU are one thing (the better one is kept)."""

    part_max_parent_fraction: float = 0.06
    """A box at most this fraction of the frame that contains smaller boxes (not a container of
    similar items) is one thing: the boxes inside it (labels, pips, art) are dropped."""

    propose_text: bool = True
    """Propose unframed text lines as candidates (menu entries, links). Text inside a framed
    thing is absorbed by it either way; a game profile whose bare text is never clickable can
    turn this off to get fewer candidates."""

    max_candidates: int = 200
    """At most this many candidates are returned (best scores first)."""

    min_score: float = 0.3
    """Candidates scoring below this (contrast with their surroundings, compactness) are dropped."""

    state_threshold: float = 0.015
    """Screen-state matcher: a frame whose signature distance (agent.perception.state.distance)
    to a known state is below this is that state; farther from all known states is a new state."""

    reground_min_similarity: float = 0.55
    """Re-grounding gives up (returns None) when the best match scores below this (0..1)."""

    ocr_cache_size: int = 2048
    """How many OCR results are cached, keyed by the hash of the region's pixels."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"perception setting {f.name} must be a non-negative number")
        if self.work_width < 64:
            raise ConfigError("perception setting work_width must be at least 64")
        if not 0 < self.min_box_fraction < self.max_box_fraction <= 1:
            raise ConfigError(
                "perception settings need 0 < min_box_fraction < max_box_fraction <= 1"
            )
        if self.edge_low >= self.edge_high:
            raise ConfigError("perception setting edge_low must be below edge_high")
