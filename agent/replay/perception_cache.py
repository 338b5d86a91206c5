"""A perception cache on disk: what was read from a recorded frame's pixels, kept between replays.

Replaying a recording again (re-deciding with another library or brain, learning from it after
viewing it) perceives the same frames again. Perception of a frame depends only on its pixels,
the perception settings, the progress signal and the perception code, so `PerceptionCache`
keeps it in a SQLite file keyed by the frame's content id (its sha in the recording) and a
digest of the rest; the code's digest covers the source of agent/perception and of the cycle's
perceive and progress modules, so changed code never reads a stale entry.

    cache = PerceptionCache(Path("~/.cache/bottomup/perception.sqlite").expanduser())
    build_learner(..., memo=cache)          # a PixelMemo that falls back to the file

Several processes may share one file (SQLite locking; a write that cannot get the lock within
its timeout is skipped, since the entry can always be computed again). A damaged or foreign file
is a ConfigError naming it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
from functools import cache
from pathlib import Path

import numpy as np

import agent.cycle.perceive as perceive_module
import agent.cycle.progress as progress_module
import agent.perception as perception_package
from agent.cycle.perceive import PixelMemo, Pixels
from agent.errors import ConfigError
from agent.perception.objects import Candidate
from agent.types import Rect

log = logging.getLogger(__name__)

FORMAT = 1


@cache
def code_digest() -> str:
    """A digest of the source that turns pixels into Pixels."""
    files = sorted(Path(perception_package.__file__).parent.glob("*.py"))
    files += [Path(perceive_module.__file__), Path(progress_module.__file__)]
    digest = hashlib.blake2b(digest_size=8)
    for path in files:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


class PerceptionCache(PixelMemo):
    """A PixelMemo backed by a SQLite file (see the module docstring)."""

    def __init__(self, path: Path, size: int = 256, timeout_s: float = 5.0) -> None:
        super().__init__(size)
        self.path = Path(path)
        self.hits = self.misses = 0
        self._code = code_digest()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=timeout_s, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS pixels (key TEXT PRIMARY KEY, body BLOB NOT NULL)"
            )
        except (OSError, sqlite3.DatabaseError) as exc:
            raise ConfigError(f"perception cache {self.path} cannot be used: {exc}") from None
        self._db_lock = threading.Lock()

    def get(self, content: str, context: str) -> Pixels | None:
        known = super().get(content, context)
        if known is not None:
            return known
        with self._db_lock:
            row = self._db.execute(
                "SELECT body FROM pixels WHERE key = ?", (self._key(content, context),)
            ).fetchone()
        pixels = _decode(row[0]) if row else None
        if pixels is None:
            self.misses += 1
            return None
        self.hits += 1
        super().put(content, context, pixels)
        return pixels

    def put(self, content: str, context: str, pixels: Pixels) -> None:
        super().put(content, context, pixels)
        try:
            with self._db_lock, self._db:
                self._db.execute(
                    "INSERT OR REPLACE INTO pixels (key, body) VALUES (?, ?)",
                    (self._key(content, context), _encode(pixels)),
                )
        except sqlite3.OperationalError as exc:  # busy: another process holds the lock
            log.info("perception cache: entry not stored (%s)", exc)

    def close(self) -> None:
        with self._db_lock:
            self._db.close()

    def _key(self, content: str, context: str) -> str:
        return f"{content}|{context}|{self._code}"


def _encode(pixels: Pixels) -> bytes:
    cands = pixels.candidates
    header = {
        "format": FORMAT,
        "boxes": [[c.box.x, c.box.y, c.box.w, c.box.h] for c in cands],
        "lengths": [len(c.descriptor) for c in cands],
        "texts": [c.text for c in cands],
        "scores": [c.score for c in cands],
        "sources": [c.source for c in cands],
        "progress": pixels.progress,
        "key": pixels.key.hex(),
        "signature": pixels.signed[0],
    }
    descriptors = np.asarray([v for c in cands for v in c.descriptor], np.float32)
    vector = np.asarray(pixels.signed[1], np.float32)
    text = json.dumps(header, separators=(",", ":")).encode()
    return len(text).to_bytes(4, "little") + text + vector.tobytes() + descriptors.tobytes()


def _decode(body: bytes) -> Pixels | None:
    """The Pixels of a stored body, or None for a body of another format or a damaged one."""
    try:
        size = int.from_bytes(body[:4], "little")
        header = json.loads(body[4 : 4 + size])
        if header.get("format") != FORMAT:
            return None
        floats = np.frombuffer(body[4 + size :], np.float32)
        vector_size = len(floats) - sum(header["lengths"])
        vector, descriptors = floats[:vector_size].copy(), floats[vector_size:].tolist()
        cands, at = [], 0
        for box, n, text, score, source in zip(
            header["boxes"],
            header["lengths"],
            header["texts"],
            header["scores"],
            header["sources"],
            strict=True,
        ):
            descriptor = tuple(descriptors[at : at + n])
            at += n
            cands.append(Candidate(Rect(*box), descriptor, text, score, source))
        return Pixels(
            tuple(cands), header["progress"], bytes.fromhex(header["key"]),
            (header["signature"], vector),
        )  # fmt: skip
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("perception cache: a damaged entry is ignored (%s)", exc)
        return None
