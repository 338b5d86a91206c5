"""Two agent processes learning into one SQLite library at the same time share what they find."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from skills.graph import SkillGraph

ROOT = Path(__file__).resolve().parents[2]
PLAYER = """
import json, sys
import games
from agent.learner import Learner, LearnerSettings
from agent.loop import run_episode
from skills.graph import SkillGraph
library, agent, seed, steps = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
game = games.make("spire", seed=seed, size=(640, 360))
learner = Learner(SkillGraph.open(library), LearnerSettings(scope="spire", agent_id=agent, seed=seed))
used = [s.skill for s in run_episode(game, learner, max_steps=steps) if s.skill]
learner.close()
print(json.dumps(used))
"""


def _start(library: Path, agent: str, seed: int, steps: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PLAYER, str(library), agent, str(seed), str(steps)],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_two_processes_share_one_library_and_use_each_others_skills(tmp_path):
    library = tmp_path / "shared.sqlite"
    SkillGraph.open(library).close()
    first = _start(library, "agent-a", 1, 110)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # let the first agent find something before the second
        with SkillGraph.open(library) as graph:
            if len(graph.store.snapshot().skills) >= 2:
                break
        time.sleep(0.5)
    second = _start(library, "agent-b", 2, 110)
    outs = {}
    for name, proc in (("agent-a", first), ("agent-b", second)):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err[-2000:]
        outs[name] = json.loads(out.strip().splitlines()[-1])
    with SkillGraph.open(library) as graph:
        skills = graph.store.snapshot().skills
    author = {s.id: s.provenance[0].agent for s in skills if s.provenance}
    assert {"agent-a", "agent-b"} <= set(author.values()), "both agents add skills"
    borrowed = {sid for sid in outs["agent-b"] if author.get(sid) == "agent-a"}
    assert borrowed, "the second agent uses a skill the first one found"
