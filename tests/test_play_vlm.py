"""`bottomup play --brain vlm` end to end against a simulated OpenAI-compatible endpoint.

The run records every model call and a cassette of the replies in its recording, respects the call
budget, and `bottomup replay redecide` reproduces its decisions from that cassette exactly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from agent.recording import Recording, list_recordings
from tests.fakes.sim_vlm import SimulatedVLM

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "agent.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_vlm_run_is_recorded_budgeted_and_redecided_exactly(tmp_path: Path) -> None:
    with SimulatedVLM() as sim:
        result = _run(
            "play",
            "spire",
            "--headless",
            "--brain",
            "vlm",
            "--base-url",
            sim.base_url,
            "--model",
            "sim",
            "--steps",
            "25",
            "--max-model-calls",
            "12",
            "--library",
            str(tmp_path / "lib.sqlite"),
            cwd=tmp_path,
        )
        asked = len(sim.requests)
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = list_recordings(tmp_path / "recordings")
    events = list(Recording(path).events())
    calls = [e for e in events if e["type"] == "model_call"]
    assert 0 < len(calls) <= 12, "the budget caps model calls"
    assert asked == len(calls), "every request the endpoint saw is recorded"
    assert (path / "cassette.jsonl").is_file()

    # The endpoint is gone: re-deciding (from the same, empty, starting library) must answer
    # from the cassette alone.
    replay = _run("replay", "redecide", str(path), "--json", cwd=tmp_path)
    assert replay.returncode == 0, replay.stderr[-3000:]
    report = json.loads(replay.stdout)
    rows = report if isinstance(report, list) else [report]
    assert rows[0]["rate"] == 1.0, rows


def test_vlm_without_an_endpoint_is_one_clear_error(tmp_path: Path) -> None:
    result = _run("play", "spire", "--headless", "--brain", "vlm", "--steps", "3", cwd=tmp_path)
    assert result.returncode != 0
    assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [
        "error: --brain vlm needs a model endpoint: pass --base-url or set OPENAI_BASE_URL"
    ]
