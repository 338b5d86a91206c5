"""The headline figures of one recording: steps, responsiveness, settle times, learning, cost."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass

from agent.replay.reader import Replay


@dataclass(frozen=True)
class ReplaySummary:
    """What `bottomup replay summary` shows for one recording (and --json prints as is)."""

    path: str
    game: str
    agent_id: str
    policy: str | None
    seed: int | None
    started_at: str
    steps: int
    recorded_steps: int
    acted: int
    responsive_rate: float | None
    settle_median_ms: float | None
    settle_max_ms: float | None
    states: int
    skills_used: tuple[str, ...]
    skills_created: tuple[str, ...]
    reflections: int
    guidelines: int
    model_calls: int
    tokens: int
    cost: float
    progress_first: float | None
    progress_last: float | None
    progress_max: float | None
    errors: int
    ended: str
    damage: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def summarize(replay: Replay) -> ReplaySummary:
    """Figures over the usable steps of a recording."""
    steps = replay.steps
    settles = [s.settle_s * 1000 for s in steps]
    progress = [s.progress for s in steps if s.progress is not None]
    acted = sum(s.acted for s in steps)
    return ReplaySummary(
        path=str(replay.path),
        game=replay.manifest.game,
        agent_id=replay.manifest.agent_id,
        policy=replay.policy_name,
        seed=replay.seed,
        started_at=replay.manifest.started_at,
        steps=len(steps),
        recorded_steps=len(replay.all_steps),
        acted=acted,
        responsive_rate=round(acted / len(steps), 4) if steps else None,
        settle_median_ms=round(statistics.median(settles), 1) if settles else None,
        settle_max_ms=round(max(settles), 1) if settles else None,
        states=len({s.state_id for s in steps if s.state_id}),
        skills_used=tuple(dict.fromkeys(s.skill_id for s in steps if s.skill_id)),
        skills_created=tuple(dict.fromkeys(k for s in steps for k in s.skills_created)),
        reflections=sum(1 for s in steps if s.reflection),
        guidelines=sum(len(s.guidelines) for s in steps),
        model_calls=sum(s.model_call_count for s in steps),
        tokens=sum(s.tokens for s in steps),
        cost=round(sum(s.cost for s in steps), 6),
        progress_first=progress[0] if progress else None,
        progress_last=progress[-1] if progress else None,
        progress_max=max(progress) if progress else None,
        errors=sum(len(s.errors) for s in steps),
        ended=replay.end_reason or "unfinished (still being written, or killed)",
        damage=replay.damage,
    )
