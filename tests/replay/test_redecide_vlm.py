"""Re-deciding a VLM run: exactly from the cassette in the recording (no endpoint running), or
re-asked from a live endpoint to compare models. The endpoint is the simulated VLM (tests only)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("agent.learner")
pytest.importorskip("agent.brains.vlm")

from agent.brains.budget import Budget, BudgetLimits  # noqa: E402
from agent.brains.cassette import recording_client  # noqa: E402
from agent.brains.local import offline_brain  # noqa: E402
from agent.brains.model import ModelSettings  # noqa: E402
from agent.brains.vlm import build_vlm_brain  # noqa: E402
from agent.learner import Learner, LearnerSettings  # noqa: E402
from agent.loop import run_episode  # noqa: E402
from agent.recording import Recorder  # noqa: E402
from agent.replay.policies import policy_factory  # noqa: E402
from agent.replay.reader import Replay  # noqa: E402
from agent.replay.redecide import redecide  # noqa: E402
from skills.graph import SkillGraph  # noqa: E402
from tests.fakes.sim_vlm import SimulatedVLM, default_answer  # noqa: E402
from tests.replay.toygame import ToyGame  # noqa: E402

STEPS = 10


@pytest.fixture(scope="module")
def vlm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A toy-game run of the learning agent with a VLM tier, its replies kept in a cassette."""
    root = tmp_path_factory.mktemp("vlm-run")
    with SimulatedVLM(seed=1) as sim:
        model = ModelSettings(base_url=sim.base_url, model="sim")
        config = {"policy": Learner.name, "brain": "vlm", "model": "sim", "base_url": sim.base_url}
        with Recorder(root, game="toy", agent_id="a", seed=2, config=config) as rec:
            client = recording_client(
                model,
                rec.path / "cassette.jsonl",
                Budget(BudgetLimits()),
                on_call=lambda call: rec.event("model_call", **call.to_json()),
            )
            vlm = build_vlm_brain(model, Budget(BudgetLimits()), offline_brain(2), client=client)
            settings = LearnerSettings(scope="toy", agent_id="a", seed=2)
            agent = Learner(SkillGraph.open(str(root / "lib.sqlite")), settings, {"vlm": vlm})
            for step in run_episode(ToyGame(2), agent, max_steps=STEPS):
                rec.on_step(step)
            agent.close()
        assert len(sim.requests) > 0  # the run really asked the model
    return rec.path


@pytest.mark.slow
def test_a_vlm_run_is_reproduced_from_its_cassette_with_no_endpoint(vlm_run: Path) -> None:
    replay = Replay(vlm_run)
    assert replay.cassette_path is not None
    report = redecide(replay, policy_factory())
    assert report.steps == STEPS and report.rate == 1.0, report.comparisons
    assert not report.errors


@pytest.mark.slow
def test_re_asking_a_different_model_shows_where_it_disagrees(vlm_run: Path) -> None:
    def other(request):
        if request.prompt_id == "propose":
            return {"action": "click", "mark": 3, "reason": "another model"}
        return default_answer(request)

    with SimulatedVLM(answer=other, seed=1) as sim:
        endpoint = ModelSettings(base_url=sim.base_url, model="sim")
        report = redecide(Replay(vlm_run), policy_factory(endpoint=endpoint))
        asked = len(sim.requests)
    assert asked > 0 and report.steps == STEPS and report.rate < 1.0
