"""Learning from recordings: every recorded transition reaches the learner, in order, and the
learning agent grows a real library from recordings alone; re-deciding with it reproduces a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import BottomupError
from agent.replay.learn import learn, policy_learner
from agent.replay.reader import Replay
from agent.types import Step
from tests.replay.conftest import folder_hash, record_toy


class _Collector:
    """A TransitionLearner that keeps what it was taught (and can be told to fail)."""

    def __init__(self, log: list, fail_at: int | None = None) -> None:
        self.log = log
        self.fail_at = fail_at

    def learn(self, step: Step) -> None:
        if step.index == self.fail_at:
            raise BottomupError("library is locked")
        self.log.append(step)

    def close(self) -> None:
        self.log.append("closed")


def test_every_recorded_transition_reaches_the_learner_in_order(tmp_path: Path) -> None:
    paths = [record_toy(tmp_path, seed=s, steps=8) for s in (1, 2)]
    replays = [Replay(p) for p in paths]
    log: list = []
    report = learn(replays, str(tmp_path / "lib.sqlite"), lambda _r, _lib: _Collector(log))
    assert report.recordings == 2 and report.steps == 16 and report.steps_per_second > 0
    steps = [s for s in log if isinstance(s, Step)]
    recorded = [r.action for p in replays for r in p.steps]
    assert [(s.action.x, s.action.y) for s in steps] == [(a.x, a.y) for a in recorded]
    # Pixel-only clicks get the Target of the candidate under them, so skills can form.
    assert all(a.target is None for a in recorded)
    assert all(s.action.target is not None for s in steps)
    assert all(s.action.target.box.contains(s.action.x, s.action.y) for s in steps)
    assert log[8] == "closed" and log[-1] == "closed"  # each recording's learner is closed
    assert (
        steps[0].after.image is steps[1].before.image
        or (steps[0].after.image == steps[1].before.image).all()
    )


def test_a_failing_learner_is_reported_and_the_others_go_on(tmp_path: Path) -> None:
    paths = [record_toy(tmp_path, seed=s, steps=6) for s in (1, 2)]
    log: list = []

    def factory(replay: Replay, _lib: str) -> _Collector:
        return _Collector(log, fail_at=3 if replay.path == paths[0] else None)

    report = learn([Replay(p) for p in paths], str(tmp_path / "lib.sqlite"), factory)
    assert report.recordings == 1 and report.steps == 3 + 6
    assert len(report.failed) == 1 and "library is locked" in report.failed[0]
    assert log.count("closed") == 2


@pytest.mark.slow
def test_the_learning_agent_grows_a_library_from_recordings(tmp_path: Path) -> None:
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from skills.graph import SkillGraph

    paths = [record_toy(tmp_path / "rec", seed=s, steps=12) for s in (1, 2)]
    before = [folder_hash(p) for p in paths]
    library = str(tmp_path / "learned.sqlite")
    report = learn([Replay(p) for p in paths], library, policy_learner(learner_policy))
    assert report.steps == 24 and not report.failed
    with SkillGraph.open(library, create=False) as graph:
        counts = graph.store.counts()
    assert counts["skills"] > 0 and counts["states"] >= 2
    assert [folder_hash(p) for p in paths] == before


@pytest.mark.slow
def test_redeciding_a_learning_agent_run_reproduces_it_without_touching_the_library(
    tmp_path: Path,
) -> None:
    pytest.importorskip("agent.learner")
    from agent.loop import run_episode
    from agent.recording import Recorder
    from agent.replay.policies import build_learner, policy_factory
    from agent.replay.redecide import redecide
    from tests.replay.toygame import ToyGame

    library = tmp_path / "own.sqlite"
    agent = build_learner(game="toy", agent_id="a", seed=4, library=str(library))
    with Recorder(tmp_path, game="toy", agent_id="a", seed=4, config={"policy": agent.name}) as rec:
        for step in run_episode(ToyGame(4), agent, max_steps=30):
            rec.on_step(step)
    agent.close()
    grown = library.read_bytes()
    # The run started from an empty library, so re-deciding starts from an empty one too.
    report = redecide(Replay(rec.path), policy_factory())
    assert report.steps == 30 and report.rate == 1.0, report.comparisons
    assert library.read_bytes() == grown


@pytest.mark.slow
def test_learning_independent_runs_gives_the_library_they_grew(tmp_path: Path) -> None:
    """Two runs, each on its own fresh library: learning their recordings gives what importing
    their libraries gives (the second recording is not judged against what the first one learnt)."""
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from skills.share import absorb, load
    from skills.store import open_store
    from tests.replay.test_perception_memo import _learned, _record_learner

    paths = [_record_learner(tmp_path / "rec", seed=s, steps=30) for s in (4, 5)]
    own = tmp_path / "own.sqlite"
    for seed in (4, 5):
        with open_store(str(own)) as store:
            absorb(store, load(tmp_path / f"own-{seed}.sqlite"))
    learned = tmp_path / "learned.sqlite"
    report = learn([Replay(p) for p in paths], str(learned), policy_learner(learner_policy))
    assert report.steps == 60 and not report.failed
    assert _learned(learned) == _learned(own) and len(_learned(own)) > 2


@pytest.mark.slow
def test_clicks_of_another_policy_become_skills_of_their_own(tmp_path: Path) -> None:
    """A random-baseline recording: where the learning agent would have replayed a skill, the
    recorded click is learnt as what it was, so every button the recording pressed is a skill
    (rather than a run of some other skill)."""
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from tests.replay.test_perception_memo import _learned

    path = record_toy(tmp_path / "rec", seed=3, steps=60)
    library = tmp_path / "learned.sqlite"
    learn([Replay(path)], str(library), policy_learner(learner_policy))
    names = {name for name, _runs, _progress in _learned(library)}
    assert {"click 'Play'", "click 'Menu'", "click 'Shop'", "click 'Back'"} <= names


@pytest.mark.slow
def test_the_order_of_the_recordings_does_not_change_what_the_library_does(
    tmp_path: Path,
) -> None:
    """Learning A then B gives the library B then A gives, down to which guideline a state drops
    when it gets one too many (the store drops the least recently written: the recordings'
    guidelines must not be written one recording after the other)."""
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from skills.graph import SkillGraph
    from skills.merge import diff
    from skills.model import Insight
    from tests.replay.test_perception_memo import _record_learner

    paths = [_record_learner(tmp_path / "rec", seed=s, steps=40) for s in (4, 5)]
    kept: list[dict[str, list[str]]] = []
    snaps = []
    for name, order in (("ab", paths), ("ba", paths[::-1])):
        library = str(tmp_path / f"{name}.sqlite")
        learn([Replay(p) for p in order], library, policy_learner(learner_policy))
        with SkillGraph.open(library, create=False) as graph:
            snaps.append(graph.store.snapshot())
            states = sorted({e.dst for e in snaps[-1].edges if e.kind == "about"})
            for state in states:
                graph.add_insight(state, Insight.create(f"one more for {state}"))
            kept.append({s: [i.id for i in graph.insights(s)] for s in states})
    assert diff(*snaps).same
    crowded = [s for s, ids in kept[0].items() if len(ids) == 3]
    assert crowded, "no state had a guideline to drop"
    assert kept[0] == kept[1]


@pytest.mark.slow
def test_an_interrupted_learn_keeps_the_recordings_learnt_so_far(tmp_path: Path) -> None:
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from tests.replay.test_perception_memo import _learned

    paths = [record_toy(tmp_path / "rec", seed=s, steps=12) for s in (1, 2)]
    real = policy_learner(learner_policy)

    class _Interrupted(_Collector):
        def learn(self, step: Step) -> None:
            raise KeyboardInterrupt

    def factory(replay: Replay, library: str):
        return real(replay, library) if replay.path == paths[0] else _Interrupted([])

    library = tmp_path / "lib.sqlite"
    with pytest.raises(KeyboardInterrupt):
        learn([Replay(p) for p in paths], str(library), factory)
    alone = tmp_path / "alone.sqlite"
    learn([Replay(paths[0])], str(alone), real)
    assert _learned(library) == _learned(alone) and _learned(alone)


@pytest.mark.slow
def test_learning_a_recording_again_counts_nothing_twice(tmp_path: Path) -> None:
    pytest.importorskip("agent.learner")
    from agent.replay.policies import learner_policy
    from skills.merge import diff
    from skills.share import load

    path = record_toy(tmp_path / "rec", seed=2, steps=20)
    library = tmp_path / "lib.sqlite"
    learn([Replay(path)], str(library), policy_learner(learner_policy))
    once = load(library)
    learn([Replay(path)], str(library), policy_learner(learner_policy))
    assert diff(once, load(library)).same
    assert any(s.totals.runs for s in once.skills)
