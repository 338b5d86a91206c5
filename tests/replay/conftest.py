"""Fixtures: real recordings of the toy game made by the real loop and Recorder, and a folder hash."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from agent.brains.random import RandomClicker
from agent.loop import run_episode
from agent.recording import Recorder
from tests.replay.toygame import ToyGame


@pytest.fixture(autouse=True)
def _fresh_perception_memo() -> None:
    """Each test starts with an empty in-memory perception memo (replay shares one per process)."""
    from agent.replay.policies import use_perception_cache

    use_perception_cache(None)


def record_toy(
    root: Path, *, seed: int = 3, steps: int = 25, size: tuple[int, int] = (640, 360), **extra
) -> Path:
    """Play the toy game with the seeded random baseline and record it like `bottomup play`."""
    game = ToyGame(seed=seed, size=size)
    policy = RandomClicker(seed=seed)
    with Recorder(
        root, game="toy", agent_id="test", seed=seed, config={"policy": policy.name}
    ) as rec:
        for step in run_episode(game, policy, max_steps=steps):
            rec.on_step(step, **{k: v(step) for k, v in extra.items()})
    return rec.path


def folder_hash(path: Path) -> str:
    """A hash of every file's name, size, mtime and bytes under path."""
    h = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*")):
        stat = file.stat()
        h.update(f"{file.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}".encode())
        if file.is_file():
            h.update(file.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="session")
def toy_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 25-step recording of the toy game with learning-agent style optional fields."""
    root = tmp_path_factory.mktemp("recordings")
    return record_toy(
        root,
        state_id=lambda s: f"s-{s.index % 3}",
        judgement=lambda s: {"acted": s.acted, "progressive": s.index % 4 == 0},
        progress=lambda s: float(s.index) / 2,
        reflection=lambda s: "tiles change colour when clicked" if s.index == 5 else None,
        guidelines=lambda s: ["click Play first"] if s.index == 5 else [],
        skill_id=lambda s: "k-play" if s.index == 0 else None,
        skills_created=lambda s: ["click 'Play'"] if s.index == 3 else [],
        model_calls=lambda s: (
            [
                {
                    "prompt_id": "propose",
                    "model": "sim",
                    "tokens_in": 900,
                    "tokens_out": 40,
                    "cost": 0.001,
                    "latency_s": 0.2,
                    "ok": True,
                }
            ]
            if s.index % 5 == 0
            else []
        ),
    )


@pytest.fixture
def copy_recording(tmp_path: Path, toy_recording: Path) -> Callable[[], Path]:
    """A fresh writable copy of the toy recording, to damage."""
    import shutil

    def make() -> Path:
        dest = tmp_path / toy_recording.name
        shutil.copytree(toy_recording, dest)
        return dest

    return make
