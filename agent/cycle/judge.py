"""Judge (offline): did the action act, was it consistent with the skill's effect, was it progress?

    acted        the screen changed (pixel change, agent.perception.change)
    consistent   the skill reached the state it usually reaches (an exploration: it acted)
    novelty      count-based, 1/sqrt(visits): of the reached screen state (0 when it stayed), and
                 of the exact screen reached (an undone selection brings back a screen seen before)
    progressive  the declared progress signal rose, or (until it has been seen to rise) a rarely
                 seen state was reached
The reward (0..1) blends them; a rise of the progress signal is worth the whole reward, and once
the signal has been seen to rise the rest counts half.
"""

from __future__ import annotations

import math

from agent.brains.base import Evidence, Judgement
from agent.cycle.strategy import Recipe

RARE_VISITS = 2


class OfflineJudge:
    """The embedded judge: intrinsic reward from pixels and state counts plus the progress signal."""

    def judge(self, evidence: Evidence, recipe: Recipe) -> Judgement:
        e = evidence
        moved = e.state_after != e.state_before
        consistent = e.acted if e.expected_state is None else e.state_after == e.expected_state
        state_novelty = 1.0 / math.sqrt(max(1, e.reached_visits)) if moved else 0.0
        frame_novelty = 1.0 / math.sqrt(max(1, e.frame_visits)) if e.acted else 0.0
        progressed = (
            e.progress_before is not None
            and e.progress_after is not None
            and e.progress_after > e.progress_before
        )
        rare = moved and e.reached_visits <= RARE_VISITS and not e.progress_moves
        progressive = progressed or rare
        if progressed:
            reward = 1.0
        else:
            reward = 0.3 * e.acted + 0.1 * consistent + 0.3 * frame_novelty + 0.3 * state_novelty
            if e.progress_moves:  # progress is known to move: it, not novelty, is what counts
                reward *= 0.5
        reason = ["changed the screen" if e.acted else "did nothing"]
        if e.acted and e.frame_visits == 1 and not moved:
            reason.append("a screen never seen before")
        if moved:
            reason.append(f"reached {'a new' if rare else 'a known'} state")
        if progressed:
            reason.append(f"progress {e.progress_before:g} -> {e.progress_after:g}")
        return Judgement(
            acted=e.acted,
            consistent=consistent,
            progressive=progressive,
            reward=min(1.0, reward),
            novelty=max(state_novelty, frame_novelty),
            progressed=progressed,
            reason=", ".join(reason),
        )
