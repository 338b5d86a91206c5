"""Replay perceives each stored frame once: a screen seen again (same sha) reuses what was read from
its pixels, and that changes no decision and nothing learned."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import agent.cycle.perceive as perceive
from agent.replay.learn import learn, policy_learner
from agent.replay.policies import (
    build_learner,
    learner_policy,
    policy_factory,
    use_perception_cache,
)
from agent.replay.reader import Replay
from agent.replay.redecide import redecide
from agent.types import Frame

pytestmark = pytest.mark.slow


def _record_learner(root: Path, seed: int, steps: int) -> Path:
    from agent.loop import run_episode
    from agent.recording import Recorder
    from tests.replay.toygame import ToyGame

    agent = build_learner(
        game="toy", agent_id=f"a{seed}", seed=seed, library=str(root.parent / f"own-{seed}.sqlite")
    )
    with Recorder(root, game="toy", agent_id=f"a{seed}", seed=seed,
                  config={"policy": agent.name}) as rec:  # fmt: skip
        for step in run_episode(ToyGame(seed), agent, max_steps=steps):
            rec.on_step(step)
    agent.close()
    return rec.path


def _counting(monkeypatch: pytest.MonkeyPatch, threads: list[str] | None = None) -> list[int]:
    calls = [0]
    original = perceive.candidates

    def counted(frame, settings=None):
        calls[0] += 1
        if threads is not None:
            threads.append(threading.current_thread().name)
        return original(frame, settings)

    monkeypatch.setattr(perceive, "candidates", counted)
    return calls


def _without_content_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replayed frames as plain Frames: nothing tells two grabs of one screen apart from two."""
    original = Replay.frame

    def plain(self, sha, info=None):
        f = original(self, sha, info)
        return Frame(f.image, f.index, f.timestamp, f.region, f.scale)

    monkeypatch.setattr(Replay, "frame", plain)


def _learned(library: Path) -> list[tuple]:
    from skills.graph import SkillGraph

    with SkillGraph.open(str(library), create=False) as graph:
        snap = graph.store.snapshot()
    return sorted((k.name, k.totals.runs, str(k.totals.progressive)) for k in snap.skills)


def test_memoised_perception_changes_no_decision_and_nothing_learned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_learner(tmp_path / "rec", seed=4, steps=40)
    replay = Replay(path)
    distinct = len({sha for s in replay.steps for sha in (s.before_sha, s.after_sha)})

    with monkeypatch.context() as m:
        calls = _counting(m)
        memo = redecide(replay, policy_factory())
        learn([replay], str(tmp_path / "memo.sqlite"), policy_learner(learner_policy))
        memo_calls = calls[0]
    with monkeypatch.context() as m:
        _without_content_ids(m)
        calls = _counting(m)
        plain = redecide(Replay(path), policy_factory())
        learn([Replay(path)], str(tmp_path / "plain.sqlite"), policy_learner(learner_policy))
        plain_calls = calls[0]

    assert memo.rate == 1.0 and plain.rate == 1.0
    assert [c.decided for c in memo.comparisons] == [c.decided for c in plain.comparisons]
    assert _learned(tmp_path / "memo.sqlite") == _learned(tmp_path / "plain.sqlite")
    assert _learned(tmp_path / "memo.sqlite")  # skills were learnt at all
    # each stored frame was perceived once for both passes (re-decide, learn), not once per grab
    assert memo_calls == distinct < plain_calls


def test_a_perception_cache_file_serves_a_later_replay_with_the_same_decisions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_learner(tmp_path / "rec", seed=5, steps=30)
    cache_file = tmp_path / "cache" / "perception.sqlite"
    with monkeypatch.context() as m:
        calls = _counting(m)
        use_perception_cache(cache_file)
        cold = redecide(Replay(path), policy_factory())
        cold_calls = calls[0]
    with monkeypatch.context() as m:
        calls = _counting(m)
        warm_cache = use_perception_cache(cache_file)  # a new process: nothing in memory
        warm = redecide(Replay(path), policy_factory())
        assert calls[0] == 0  # every frame came from the file
    assert cold_calls > 0 and warm_cache.hits == cold_calls and warm_cache.misses == 0
    assert [c.decided for c in warm.comparisons] == [c.decided for c in cold.comparisons]
    assert warm.rate == 1.0


def test_replay_reads_frames_to_come_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _record_learner(tmp_path / "rec", seed=6, steps=30)
    threads: list[str] = []
    _counting(monkeypatch, threads)
    report = redecide(Replay(path), policy_factory())
    assert report.rate == 1.0
    ahead = sum(name.startswith("perceive-ahead") for name in threads)
    # every frame after the first two is announced before it is needed
    assert ahead >= len(threads) - 2 and len(threads) > 5
