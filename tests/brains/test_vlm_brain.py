"""The VLM brain against the SIMULATED endpoint (tests/fakes/sim_vlm.py) answering from spire's
ground truth (tests/fakes/oracle.py): it plays, falls back, stays in budget, replays exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

import games
from agent.brains.base import Evidence, Judgement, Naming, Situation, Trial
from agent.brains.budget import Budget, BudgetLimits
from agent.brains.cassette import CassetteClient, RecordingTransport
from agent.brains.local import offline_brain
from agent.brains.model import ModelCall, ModelClient, ModelSettings
from agent.brains.transport import OpenAITransport
from agent.brains.vlm import build_vlm_brain, model_settings_from, tier_of
from agent.cycle.reflect import reflect_checked
from agent.cycle.strategy import Recipe
from agent.errors import ConfigError
from agent.perception.objects import candidates
from agent.types import Click, Frame
from tests.fakes.oracle import SpireOracle, choose
from tests.fakes.sim_vlm import SimulatedVLM

SIZE = (640, 360)
PROPOSE = Recipe(name="vlm-propose", propose="vlm", budget=1)


def situation(frame: Frame, history: tuple[str, ...] = (), state: str = "st") -> Situation:
    cands = tuple(candidates(frame))
    return Situation(frame, state, cands, (), (), (), (), history, visits=1)


def settings(sim: SimulatedVLM, **kw: object) -> ModelSettings:
    values: dict[str, object] = dict(
        base_url=sim.base_url, model="sim", timeout_s=3.0, max_retries=1, retry_backoff_s=0.0
    )
    values.update(kw)
    return ModelSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def spire() -> Iterator[object]:
    game = games.make("spire", seed=2, size=SIZE)
    yield game
    game.close()


def play(brain, game, steps: int) -> list[tuple[Click, str | None]]:
    """Let the brain's proposer drive the game; (action, name of the element the oracle wanted).

    The screen's name stands in for the screen state the learner would cluster."""
    frame = game.reset()
    out = []
    for _ in range(steps):
        truth = game.probe()
        wanted = choose(truth)
        proposal = brain.proposer.propose(situation(frame, state=truth.screen), PROPOSE)
        out.append((proposal, wanted.name if wanted else None))
        frame = game.step(proposal.action).frame
    return out


def test_plays_spire_by_the_models_marks(spire) -> None:
    calls: list[ModelCall] = []
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        brain = build_vlm_brain(
            settings(sim), Budget(), offline_brain(0), on_call=calls.append, cache=False
        )
        played = play(brain, spire, 30)
        requests = list(sim.requests)
    hits = 0
    truth = games.make("spire", seed=2, size=SIZE)  # replays the same clicks to check each one
    truth.reset()
    for proposal, wanted in played:
        element = next(
            (
                c
                for c in truth.probe().clickables
                if c.rect.contains(proposal.action.x, proposal.action.y)
            ),
            None,
        )
        hits += element is not None and element.name == wanted
        assert proposal.model_calls == 1 and not proposal.errors
        truth.step(proposal.action)
    assert hits >= 27, f"only {hits} of 30 clicks landed on the element the model named"
    assert truth.probe().floor >= 1, "30 sensible clicks get past the title and the map"
    assert len(calls) == len(requests) == 30
    assert all(
        r.prompt_id == "propose" and r.images[0].startswith("data:image/png;base64,")
        for r in requests
    )
    assert all(c.ok and c.prompt_id == "propose" and c.tokens_in > 0 for c in calls)


def test_learner_plays_with_the_vlm_tier(spire, tmp_path: Path) -> None:
    from agent.learner import Learner, LearnerSettings
    from agent.loop import run_episode
    from skills.graph import SkillGraph

    calls: list[ModelCall] = []
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        vlm = build_vlm_brain(settings(sim), Budget(), offline_brain(0), on_call=calls.append)
        learner = Learner(
            SkillGraph.open(tmp_path / "lib.sqlite"), LearnerSettings(scope="t"), {"vlm": vlm}
        )
        screens = set()
        for _step in run_episode(spire, learner, max_steps=40):
            screens.add(spire.probe().screen)
        learner.close()
        assert len(calls) == len(sim.requests) > 0
    assert {"map", "combat"} <= screens
    assert learner.stats()["model_calls"] >= sum(1 for c in calls if c.prompt_id == "propose") - 1


@pytest.mark.parametrize(
    "fault",
    [
        "http_500",
        "hang",
        "close_mid_response",
        "malformed_json",
        "wrong_types",
        "out_of_range",
        "huge_strings",
        "empty",
        "bad_body",
    ],
)
def test_faults_hand_the_step_to_the_offline_brain(spire, fault: str) -> None:
    calls: list[ModelCall] = []
    with SimulatedVLM(answer=SpireOracle(spire), hang_s=5, huge_chars=200_000) as sim:
        sim.queue_faults(fault, fault)
        model = settings(sim, timeout_s=0.5, max_retries=1)
        brain = build_vlm_brain(model, Budget(), offline_brain(0), on_call=calls.append)
        frame = spire.reset()
        proposal = brain.proposer.propose(situation(frame), PROPOSE)
    assert proposal.action is not None and proposal.model_calls == 2
    assert proposal.errors and proposal.reason.startswith("offline")
    assert [c.ok for c in calls] == [False, False] and all(c.error for c in calls)
    assert tier_of(brain).failures[-1].role == "propose"


def test_budget_stops_model_calls_exactly_at_the_limit(spire) -> None:
    calls: list[ModelCall] = []
    budget = Budget(BudgetLimits(max_calls=5))
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        brain = build_vlm_brain(
            settings(sim), budget, offline_brain(0), on_call=calls.append, cache=False
        )
        played = play(brain, spire, 9)
        assert len(sim.requests) == 5
    assert len(calls) == 5 and budget.usage().calls == 5
    assert [p.model_calls for p, _ in played] == [1] * 5 + [0] * 4
    assert all("budget" in p.errors[0] for p, _ in played[5:])


def _trial(game) -> Trial:
    frame = game.reset()
    judgement = Judgement(acted=False, consistent=False, progressive=False, reward=0.0)
    history = (
        "[step 3] click 'Start' -> changed the screen",
        "[step 4] click the top -> no change",
    )
    cands = tuple(candidates(frame))
    return Trial(
        frame, "st", Click(5, 5), judgement, "cell 0,0 small", "the top", history, cands, ()
    )


def test_a_reflection_that_ignores_the_history_is_asked_again_once(spire) -> None:
    oracle = SpireOracle(spire, ignore_history=1)
    with SimulatedVLM(answer=oracle) as sim:
        brain = build_vlm_brain(settings(sim), Budget(), offline_brain(0))
        recipe = Recipe(name="r", reflect=True, reflect_with="vlm")
        reflection = reflect_checked(brain.reflector, _trial(spire), recipe)
        texts = [r.text for r in sim.requests]
    assert len(texts) == 2 and "not usable" in texts[1] and "not usable" not in texts[0]
    assert "[step 4]" in reflection.reasoning and reflection.model_calls == 2
    assert isinstance(reflection.corrected, Click) and len(reflection.guidelines) == 1
    start = choose(spire.probe())
    assert start is not None and start.rect.contains(reflection.corrected.x, reflection.corrected.y)


def test_a_reflection_that_keeps_ignoring_the_history_is_dropped(spire) -> None:
    with SimulatedVLM(answer=SpireOracle(spire, ignore_history=9)) as sim:
        brain = build_vlm_brain(settings(sim), Budget(), offline_brain(0))
        recipe = Recipe(name="r", reflect=True, reflect_with="vlm")
        reflection = reflect_checked(brain.reflector, _trial(spire), recipe)
        assert len(sim.requests) == 2
    assert reflection.corrected is None and reflection.guidelines == ()


def test_judge_and_namer_answer_from_the_model(spire) -> None:
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        brain = build_vlm_brain(settings(sim), Budget(), offline_brain(0))
        before = spire.reset()
        cands = candidates(before)
        start = choose(spire.probe())
        proposal = brain.proposer.propose(situation(before), PROPOSE)  # the oracle sees "title"
        after = spire.step(proposal.action).frame
        ev = Evidence(before, after, proposal.action, True, 0.5, "a", "b", 1)
        judgement = brain.judge.judge(ev, Recipe(name="j", judge="vlm"))
        naming = Naming(before, (proposal.action,), (proposal.action.target,), after)
        name = brain.namer.name(naming, Recipe(name="n", name_with="vlm"))
    assert start is not None and start.name == "button:start" and cands
    assert judgement.acted and judgement.progressive and judgement.model_calls == 1
    assert judgement.reward >= 0.5 and "[simulated]" in judgement.reason
    assert name.name == "sim: click button start" and name.model_calls == 1


def test_cassette_replay_reproduces_the_decisions(tmp_path: Path) -> None:
    cassette = tmp_path / "run.cassette.jsonl"
    game = games.make("spire", seed=4, size=SIZE)
    with SimulatedVLM(answer=SpireOracle(game)) as sim:
        model = settings(sim)
        client = ModelClient(
            model, Budget(), transport=RecordingTransport(OpenAITransport(model), cassette)
        )
        brain = build_vlm_brain(model, Budget(), offline_brain(0), client=client)
        recorded = [p.action for p, _ in play(brain, game, 20)]
    replay_game = games.make("spire", seed=4, size=SIZE)
    replayed_client = CassetteClient(cassette, model)
    brain = build_vlm_brain(model, Budget(), offline_brain(0), client=replayed_client)
    replayed = [p.action for p, _ in play(brain, replay_game, 20)]
    assert replayed == recorded
    assert replayed_client.transport.remaining() == 0
    assert replay_game.probe() == game.probe() or replay_game.probe().screen == game.probe().screen


def test_run_settings_become_model_settings_and_limits() -> None:
    run = SimpleNamespace(
        base_url="http://127.0.0.1:9/v1",
        model="m",
        api_key=None,
        max_model_calls=7,
        max_tokens=1000,
        max_cost=0.5,
    )
    model, limits = model_settings_from(run)
    assert model.base_url == run.base_url and model.api_key == ""
    assert (limits.max_calls, limits.max_tokens, limits.max_cost) == (7, 1000, 0.5)
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        model_settings_from(SimpleNamespace(**{**run.__dict__, "base_url": None}))
    with pytest.raises(ConfigError, match="model name"):
        model_settings_from(SimpleNamespace(**{**run.__dict__, "model": ""}))


def test_the_memo_answers_known_situations_without_a_call(spire) -> None:
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        brain = build_vlm_brain(settings(sim), Budget(), offline_brain(0), cache=True)
        played = play(brain, spire, 60)
        asked = len(sim.requests)
    memo = brain.proposer.memo
    assert memo.hits > 0 and asked + memo.hits == 60
    assert asked <= 45, f"the memo saved only {60 - asked} of 60 calls"
    assert sum(p.model_calls for p, _ in played) == asked
    assert spire.probe().floor >= 1 or spire.probe().screen == "combat"


def test_a_failed_memo_choice_is_reflected_on_without_a_call(spire) -> None:
    with SimulatedVLM(answer=SpireOracle(spire)) as sim:
        brain = build_vlm_brain(settings(sim), Budget(), offline_brain(0), cache=True)
        trial = _trial(spire)
        tier_of(brain).memo_action = trial.action
        recipe = Recipe(name="r", reflect=True, reflect_with="vlm")
        reflection = reflect_checked(brain.reflector, trial, recipe)
        assert len(sim.requests) == 0
    assert reflection.model_calls == 0 and "[step 4]" in reflection.reasoning
    assert reflection.corrected is None and reflection.guidelines == ()
