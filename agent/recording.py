"""Recordings of runs: a Recorder that writes them (a loop callback) and a Recording that reads them.

Layout of one recording, `recordings/<UTC time>-<game>-<agent id>/`:
- manifest.json: schema_version, game, window geometry, scale, seed, versions, config (written first).
- events.jsonl: one JSON object per line, appended and flushed every step, so a run killed at any
  moment leaves a readable recording (at worst a truncated last line, which the reader skips).
  Event types: "frame", "action", "settle", "step", "error", "model_call", "note", "end".
- frames/<sha>.png: each distinct frame once, named by a hash of its pixels; written to a temporary
  name and renamed, so a frame file is either complete or absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import ConfigError
from agent.types import ACTION_TYPES, Action, Frame, Rect, Step, Target

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SUPPORTED_SCHEMA_VERSIONS = {1}


class Manifest(BaseModel):
    """manifest.json of a recording."""

    model_config = ConfigDict(extra="allow")

    schema_version: int = SCHEMA_VERSION
    game: str
    agent_id: str
    started_at: str
    window: dict[str, int] | None = None
    scale: float = 1.0
    seed: int | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    config: dict[str, Any] = Field(default_factory=dict)


_PNG_PARAMS = [cv2.IMWRITE_PNG_COMPRESSION, 1, cv2.IMWRITE_PNG_STRATEGY, 0]
if hasattr(cv2, "IMWRITE_PNG_FILTER"):  # OpenCV 4.11+
    _PNG_PARAMS += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_NONE]
"""How frames are stored: zlib's fastest level, its default strategy and (where OpenCV lets us
choose) no PNG filter. On flat-coloured game frames this is smaller than OpenCV's default (RLE
with the Sub filter: 50 vs 84 KB at 1280 x 720), as fast to write, and two to four times as fast
to decode, which is what replaying a recording spends most on (see bench/bench_replay.py)."""


_IMREAD_RGB = getattr(cv2, "IMREAD_COLOR_RGB", 0)
"""Decode straight to RGB where OpenCV can (4.11+), without a conversion of the whole frame."""


def read_frame(path: str | Path) -> np.ndarray | None:
    """The RGB pixels of a stored frame file, or None when it is missing or unreadable."""
    image = cv2.imread(str(path), _IMREAD_RGB or cv2.IMREAD_COLOR)
    if image is None or _IMREAD_RGB:
        return image
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def frame_sha(image: np.ndarray) -> str:
    """Content hash of a frame's pixels (shape included), 20 hex digits."""
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()[:20]


def action_to_dict(action: Action) -> dict[str, Any]:
    return dataclasses.asdict(action)


def action_from_dict(data: dict[str, Any]) -> Action:
    """Rebuild an Action from its JSON form; raises ConfigError on unknown kinds or bad fields."""
    data = dict(data)
    kind = data.get("kind")
    cls = ACTION_TYPES.get(kind)  # type: ignore[arg-type]
    if cls is None:
        raise ConfigError(f"unknown action kind {kind!r}")
    target = data.get("target")
    if target is not None:
        data["target"] = Target(
            box=Rect(**target["box"]),
            descriptor=tuple(target.get("descriptor", ())),
            text=target.get("text", ""),
        )
    try:
        return cls(**data)
    except TypeError as exc:
        raise ConfigError(f"bad {kind} action {data}: {exc}") from None


def _versions() -> dict[str, str]:
    from importlib import metadata

    versions = {"python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("bottomup", "numpy", "opencv-python-headless", "pygame", "mss", "pyautogui"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")[:40] or "game"


class Recorder:
    """Writes one recording. Use as a context manager; call `on_step` for every Step of the loop."""

    def __init__(
        self,
        root: str | Path,
        *,
        game: str,
        agent_id: str,
        seed: int | None = None,
        config: dict[str, Any] | None = None,
        window: Rect | None = None,
        scale: float = 1.0,
    ) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        self.path = Path(root) / f"{stamp}-{_slug(game)}-{_slug(agent_id)}"
        (self.path / "frames").mkdir(parents=True, exist_ok=False)
        self.manifest = Manifest(
            game=game,
            agent_id=agent_id,
            started_at=datetime.now(UTC).isoformat(),
            window=dataclasses.asdict(window) if window else None,
            scale=scale,
            seed=seed,
            versions=_versions(),
            config=config or {},
        )
        (self.path / "manifest.json").write_text(self.manifest.model_dump_json(indent=2))
        self._events = open(self.path / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115
        self._known_frames: set[str] = set()
        self.steps = 0

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        reason = "completed" if exc is None else f"{type(exc).__name__}: {exc}"
        self.close(reason)

    def event(self, type_: str, **fields: Any) -> None:
        """Append one event line and flush it to the OS (survives SIGKILL of this process)."""
        if self._events.closed:
            return
        line = json.dumps({"type": type_, "t": round(time.time(), 4), **fields}, default=str)
        self._events.write(line + "\n")
        self._events.flush()

    def frame(self, frame: Frame) -> str:
        """Store a frame's pixels once (content-hashed PNG) and log a frame event; returns the sha."""
        sha = frame_sha(frame.image)
        if sha not in self._known_frames:
            target = self.path / "frames" / f"{sha}.png"
            if not target.exists():
                bgr = cv2.cvtColor(frame.image, cv2.COLOR_RGB2BGR)
                ok, png = cv2.imencode(".png", bgr, _PNG_PARAMS)
                if not ok:
                    raise OSError(f"could not encode frame {frame.index} as PNG")
                tmp = target.with_suffix(".tmp")
                tmp.write_bytes(png.tobytes())
                os.replace(tmp, target)
            self._known_frames.add(sha)
        self.event(
            "frame",
            index=frame.index,
            sha=sha,
            ts=frame.timestamp,
            region=dataclasses.asdict(frame.region),
            scale=frame.scale,
        )
        return sha

    def on_step(self, step: Step, **extra: Any) -> None:
        """Record one loop step: the frame before (once), the action, the settle, the frame after."""
        if step.index == 0 or self.steps == 0:
            self.frame(step.before)
        self.event("action", step=step.index, action=action_to_dict(step.action))
        after = self.frame(step.after)
        self.event("settle", step=step.index, settle_s=round(step.settle_s, 4))
        self.event(
            "step",
            step=step.index,
            before=frame_sha(step.before.image),
            after=after,
            acted=step.acted,
            changed=round(step.changed_fraction, 5),
            summary=step.summary,
            errors=list(step.errors),
            **({"restarted": True} if step.restarted else {}),
            **_learning_fields(step),
            **extra,
        )
        self.steps += 1

    def model_call(self, call: Any) -> None:
        """Record one model call (an agent.brains.model.ModelCall: prompt id, tokens, latency...)."""
        self.event("model_call", **call.to_json())

    def error(self, message: str, **fields: Any) -> None:
        self.event("error", message=message, **fields)

    def close(self, reason: str = "completed") -> None:
        if not self._events.closed:
            self.event("end", reason=reason, steps=self.steps)
            self._events.close()


def _learning_fields(step: Step) -> dict[str, Any]:
    """What a learning policy added to the step (omitted when empty, so old readers see the same)."""
    fields = {
        "state": step.state,
        "skill": step.skill,
        "judgement": step.judgement,
        "reflection": step.reflection,
        "model_calls": step.model_calls,
    }
    fields = {k: v for k, v in fields.items() if v not in ("", 0, None)}
    if step.progress is not None:  # a reading of 0 ("Floor 0", "0/10") is a reading
        fields["progress"] = step.progress
    return fields


class RecordingError(ConfigError):
    """A recording that cannot be read (missing manifest, unknown schema version, ...)."""


class Recording:
    """Reads a recording folder. Tolerates a truncated last line and missing frame files."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        manifest_path = self.path / "manifest.json"
        if not manifest_path.is_file():
            raise RecordingError(f"{self.path}: not a recording (no manifest.json)")
        try:
            raw = json.loads(manifest_path.read_text())
        except json.JSONDecodeError as exc:
            raise RecordingError(f"{manifest_path}: invalid JSON ({exc})") from None
        version = raw.get("schema_version") if isinstance(raw, dict) else None
        if version not in SUPPORTED_SCHEMA_VERSIONS:
            raise RecordingError(
                f"{manifest_path}: unknown schema_version {version!r} "
                f"(this bottomup reads {sorted(SUPPORTED_SCHEMA_VERSIONS)})"
            )
        try:
            self.manifest = Manifest.model_validate(raw)
        except ValidationError as exc:
            raise RecordingError(f"{manifest_path}: invalid manifest: {exc}") from None
        self.damage: list[str] = []

    def events(self) -> Iterator[dict[str, Any]]:
        """Every readable event in order; a damaged line is noted in `damage` and skipped."""
        path = self.path / "events.jsonl"
        if not path.exists():
            self.damage.append("events.jsonl is missing")
            return
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    self.damage.append(f"events.jsonl line {number} is truncated or not JSON")
                    continue
                if isinstance(event, dict) and "type" in event:
                    yield event

    def steps(self) -> list[dict[str, Any]]:
        return [e for e in self.events() if e["type"] == "step"]

    def actions(self) -> list[Action]:
        return [action_from_dict(e["action"]) for e in self.events() if e["type"] == "action"]

    @property
    def ended(self) -> dict[str, Any] | None:
        ends = [e for e in self.events() if e["type"] == "end"]
        return ends[-1] if ends else None

    def frame_image(self, sha: str) -> np.ndarray | None:
        """The RGB pixels of a stored frame, or None when the file is missing or unreadable."""
        image = read_frame(self.path / "frames" / f"{sha}.png")
        if image is None:
            self.damage.append(f"frame {sha} is missing or unreadable")
        return image

    def summary(self) -> dict[str, Any]:
        steps = self.steps()
        end = self.ended
        acted = sum(1 for s in steps if s.get("acted"))
        return {
            "path": str(self.path),
            "game": self.manifest.game,
            "agent_id": self.manifest.agent_id,
            "started_at": self.manifest.started_at,
            "seed": self.manifest.seed,
            "steps": len(steps),
            "acted": acted,
            "responsive_rate": round(acted / len(steps), 4) if steps else None,
            "frames": len(list((self.path / "frames").glob("*.png"))),
            "errors": sum(1 for e in self.events() if e["type"] == "error"),
            "ended": end["reason"] if end else "unfinished (killed, or still running)",
            "damage": sorted(set(self.damage)),
        }


def list_recordings(root: str | Path) -> list[Path]:
    """Recording folders under root, oldest first."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "manifest.json").is_file())
