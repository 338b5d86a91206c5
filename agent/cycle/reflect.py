"""Reflect (HAR): after a failed or stuck trial, a history-aware correction stored on the state.

The offline reflector reasons over the last k one-line summaries: it counts how often the same
target failed and how long the screen has stayed put, states what went wrong, cites the steps
("[step N]"), picks a corrected next action (the untried element likeliest to act by the
affordance memory, never one known to do nothing; one that looks new at a place tried before
counts as untried, and of those as likely, a look never clicked on this screen comes first) and
writes at most 3 guidelines. Every reflector's answer -- offline or VLM -- goes through
`check_reflection`; one that ignores the history is re-asked once with the reason.
Guidelines become Insights on the State (graph.add_insight keeps at most 3 per state) and are
recalled there next time (`recall_guidelines`), where decide() penalises the avoided targets.
"""

from __future__ import annotations

import logging
import re

from agent.brains.base import Guideline, Reflection, Reflector, Trial, check_reflection
from agent.cycle.affordance import INERT
from agent.cycle.strategy import Recipe
from agent.cycle.targets import target_key, target_label
from agent.types import Click, Frame
from skills.model import Insight

log = logging.getLogger(__name__)

_TARGET = re.compile(r"target: (cell \d+,\d+ \w+)")


class OfflineReflector:
    """HAR reflection without a model (see the module docstring)."""

    def reflect(self, trial: Trial, recipe: Recipe) -> Reflection:
        label = trial.target_label
        cited = [h for h in trial.history if label in h]
        failed = [h for h in cited if "no change" in h]
        steps = " ".join(h.split("]", 1)[0] + "]" for h in (failed or trial.history[-2:]))
        if not trial.judgement.acted:
            statement = f"clicking {label} on this screen did nothing"
            reasoning = (
                f"{steps}: {label} failed {len(failed)} of the last {len(trial.history)} steps, "
                "so repeating it wastes steps; an element not tried here yet is the better bet."
            )
        else:
            statement = f"clicking {label} did not lead where this skill usually leads"
            reasoning = (
                f"{steps}: the expected screen was not reached after {label}; "
                "the skill's precondition may not hold on this screen."
            )
        corrected = _corrected(trial)
        text = (
            f"On this screen avoid {label}: it did nothing in {max(1, len(failed))} of the "
            f"last {len(trial.history)} steps"
            if not trial.judgement.acted
            else f"On this screen {label} does not do what the skill expects"
        )
        guideline = Guideline(text=text, polarity="avoid", target_key=trial.target_key)
        return Reflection(statement, reasoning, corrected, (guideline,))


def _corrected(trial: Trial) -> Click | None:
    """The untried element likeliest to act (never one known to do nothing; in the order of
    `trial.untried` when as likely: Recall puts looks never clicked on this screen first). With
    everything tried there is none: the bandit, which knows what each skill here has been worth,
    chooses (the likeliest to act, always the same button that ends a turn, was a habit, not a
    correction)."""
    width = trial.frame.width / trial.frame.scale
    height = trial.frame.height / trial.frame.scale
    chances = trial.chances or (1.0,) * len(trial.candidates)
    pool = sorted(
        (i for i in trial.untried if chances[i] >= INERT), key=lambda i: -round(chances[i], 1)
    )
    failed = (getattr(trial.action, "x", -1_000), getattr(trial.action, "y", -1_000))
    for i in pool:
        cand = trial.candidates[i]
        c = cand.box.center
        same_point = abs(c.x - failed[0]) + abs(c.y - failed[1]) <= 8  # nested boxes, one centre
        if target_key(cand.box, width, height) != trial.target_key and not same_point:
            return Click(c.x, c.y, target=cand.target())
    return None


def reflect_checked(reflector: Reflector, trial: Trial, recipe: Recipe) -> Reflection:
    """Ask for a reflection; re-ask once when `check_reflection` rejects it."""
    reflection = reflector.reflect(trial, recipe)
    problem = check_reflection(reflection, trial.history)
    if problem:
        log.info("reflection re-asked: %s", problem)
        retry = Trial(**{**trial.__dict__, "retry_note": problem})
        again = reflector.reflect(retry, recipe)
        calls = reflection.model_calls + again.model_calls
        reflection = Reflection(
            again.statement, again.reasoning, again.corrected, again.guidelines[:3], calls
        )
        if check_reflection(reflection, trial.history):
            reflection = Reflection(reflection.statement, reflection.reasoning, None, (), calls)
    return reflection


def store_guidelines(graph, state_id: str, reflection: Reflection, scope: str) -> None:
    """Keep a reflection's guidelines as Insights on the state (at most 3 per state)."""
    for g in reflection.guidelines[:3]:
        content = f"{reflection.statement}. target: {g.target_key}" if g.target_key else ""
        graph.add_insight(
            state_id,
            Insight.create(
                g.text,
                when_to_use="on this screen",
                content=content,
                polarity=g.polarity,
                scope=scope,
            ),
        )


def recall_guidelines(graph, state_id: str) -> tuple[Guideline, ...]:
    """The guidelines stored on a state, strongest first."""
    out = []
    for insight in graph.insights(state_id)[:3]:
        m = _TARGET.search(insight.content)
        out.append(Guideline(insight.title, insight.polarity, m.group(1) if m else ""))
    return tuple(out)


def label_of(action, frame: Frame) -> tuple[str, str]:
    """(target key, human label) of an action's target on a frame."""
    width, height = frame.width / frame.scale, frame.height / frame.scale
    target = getattr(action, "target", None)
    if target is None:
        from agent.types import Rect

        x, y = getattr(action, "x", 0), getattr(action, "y", 0)
        box = Rect(x - 4, y - 4, 8, 8)
        return target_key(box, width, height), target_label(None, width, height)
    return target_key(target.box, width, height), target_label(target, width, height)
