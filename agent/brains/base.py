"""Brain roles: the four questions the learning cycle asks, as typed protocols.

The cycle (agent/learner.py) never knows *who* answers. It asks four roles:

    propose(situation, recipe) -> Proposal      what to do next (run a skill, or one action)
    judge(evidence, recipe)    -> Judgement     acted? consistent with the skill's effect? progress?
    name(naming, recipe)       -> SkillName     describe a new skill
    reflect(trial, recipe)     -> Reflection    HAR: what went wrong, citing the recent history

Inputs and outputs are frozen dataclasses (no dicts cross the seam). A `Brain` bundles one
implementation per role; the learner holds one Brain per *tier* ("offline", "vlm", ...), and the
per-step `Recipe` (see agent/cycle/strategy.py: a Strategy record interpreted as data) says which
tier answers each role, with which prompt ids, temperature and number of samples.

How a VLM implementation plugs in, without touching the cycle:
  1. write classes with the role methods below, e.g. `VlmProposer.propose(situation, recipe)`,
     that call `ModelClient.ask(recipe.prompt_for("propose"), ...)` with the frame as PNG and the
     candidates as set-of-marks; map `ProposeReply.mark` back to `situation.candidates[mark]`;
  2. report the calls made in the result's `model_calls` (the Consolidator charges them as cost);
  3. when the model gives up (ModelGaveUp), return the offline brain's answer with the error text
     in `errors` -- the step goes on;
  4. hand the learner `brains={"offline": offline_brain(...), "vlm": Brain(proposer=..., ...)}`;
     the Guide then offers "vlm-propose" and "vlm-propose+reflect" recipes for every state
     cluster, and the cheapest recipe within epsilon of the best success is chosen.
Roles a tier does not implement fall back to the offline tier (Brain fields may be None).
Reflections from every tier go through `check_reflection`, and are re-asked once when their
reasoning ignores the recent history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from agent.types import Action, Frame, Target

if TYPE_CHECKING:
    from agent.cycle.strategy import Recipe
    from agent.perception.objects import Candidate


@dataclass(frozen=True)
class SkillView:
    """A skill as the proposer sees it: its id, name, length, posterior value and run count.

    value: posterior-mean reward in 0..1 (see agent/cycle/evolve.py). runs: times it was run.
    avoided: a guideline on this state says not to use it here.
    start: steps already done: the selection held now is its first step, so it goes on from the
    second (a card selected by hand continues "card then enemy").
    """

    id: str
    name: str
    length: int
    value: float
    runs: int
    avoided: bool = False
    start: int = 0


@dataclass(frozen=True)
class Guideline:
    """A HAR guideline recalled on a state: its text, and the target it is about (if any).

    polarity "avoid" means: do not click `target_key` here; "do": prefer it.
    target_key: a coarse, coordinate-free key of a target (see agent/cycle/targets.py).
    """

    text: str
    polarity: Literal["do", "avoid"] = "avoid"
    target_key: str = ""


@dataclass(frozen=True)
class Situation:
    """Everything recalled for one decision (the "recall" phase of the cycle).

    candidates: this frame's clickable proposals (index = set-of-marks number).
    untried: indices of candidates never tried in this state (the Explore arm draws from them).
    visits: how often this state was seen (N of the softmax-UCB temperature).
    explore_value / explore_runs: the Explore arm's posterior mean and run count in this state.
    history: the last k one-line step summaries, oldest first (HAR "Act2Sum").
    hint: the corrected action a reflection gave for this state, if it still applies.
    chances: per candidate, the chance a click on it changes the screen here, learnt from
    clicks on alike-looking things (agent/cycle/affordance.py); empty when not known.
    selected: what an earlier click selected and is still selected, as the learner sees it
    (a click that changed its own target and the screen but not the state), or None.
    """

    frame: Frame
    state_id: str
    candidates: tuple[Candidate, ...]
    untried: tuple[int, ...]
    avoided: tuple[int, ...]
    skills: tuple[SkillView, ...]
    guidelines: tuple[Guideline, ...]
    history: tuple[str, ...]
    visits: int
    explore_value: float = 0.5
    explore_runs: int = 0
    hint: Action | None = None
    chances: tuple[float, ...] = ()
    selected: Target | None = None


@dataclass(frozen=True)
class Proposal:
    """What to do next: run `skill_id`, or take `action` (an exploration), with a reason."""

    skill_id: str | None = None
    action: Action | None = None
    reason: str = ""
    model_calls: int = 0
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the judge looks at after one trial step.

    expected_state: the state this skill usually leads to (None when unknown or exploring).
    reached_visits: how often the reached state has been seen, this visit included.
    progress_before / progress_after: the declared progress signal's readings (None if none).
    """

    before: Frame
    after: Frame
    action: Action
    acted: bool
    changed_fraction: float
    state_before: str
    state_after: str
    reached_visits: int
    expected_state: str | None = None
    progress_before: float | None = None
    progress_after: float | None = None
    skill_name: str = ""
    frame_visits: int = 1
    """How often this exact screen (pixel for pixel, at low resolution) was reached."""
    progress_moves: bool = False
    """The progress signal was seen to rise in this run: from now on it, not novelty, is progress."""


@dataclass(frozen=True)
class Judgement:
    """The judge's verdict on one trial step; `reward` in 0..1 is what the bandit learns from."""

    acted: bool
    consistent: bool
    progressive: bool
    reward: float
    novelty: float = 0.0
    progressed: bool = False
    reason: str = ""
    model_calls: int = 0


@dataclass(frozen=True)
class Naming:
    """What the namer sees: the frame the action was taken on, the action and its target."""

    frame: Frame
    actions: tuple[Action, ...]
    targets: tuple[Target | None, ...]
    after: Frame | None = None


@dataclass(frozen=True)
class SkillName:
    """A skill's short name ("click 'End Turn'") and a one-line description."""

    name: str
    description: str = ""
    model_calls: int = 0


@dataclass(frozen=True)
class Trial:
    """A failed or non-progressive trial, with what the reflector needs to reason about it.

    history: the last k one-line summaries *including* this trial's, oldest first; each starts
    with "[step N]" so reasoning can cite them.
    """

    frame: Frame
    state_id: str
    action: Action
    judgement: Judgement
    target_key: str
    target_label: str
    history: tuple[str, ...]
    candidates: tuple[Candidate, ...]
    untried: tuple[int, ...]
    """Candidates a correction may click: never tried here, or looking new where something
    else was tried; looks never clicked on this screen first."""
    retry_note: str = ""
    chances: tuple[float, ...] = ()
    """Per candidate, the affordance memory's chance that a click acts here (empty: unknown)."""


@dataclass(frozen=True)
class Reflection:
    """A HAR reflection: what went wrong, reasoning over the history, the corrected next action,
    and at most three guidelines to store on the state."""

    statement: str
    reasoning: str
    corrected: Action | None = None
    guidelines: tuple[Guideline, ...] = ()
    model_calls: int = 0


class Proposer(Protocol):
    def propose(self, situation: Situation, recipe: Recipe) -> Proposal: ...


class Judge(Protocol):
    def judge(self, evidence: Evidence, recipe: Recipe) -> Judgement: ...


class Namer(Protocol):
    def name(self, naming: Naming, recipe: Recipe) -> SkillName: ...


class Reflector(Protocol):
    def reflect(self, trial: Trial, recipe: Recipe) -> Reflection: ...


@dataclass(frozen=True)
class Brain:
    """One implementation per role; a None role falls back to the offline tier."""

    proposer: Proposer | None = None
    judge: Judge | None = None
    namer: Namer | None = None
    reflector: Reflector | None = None
    tier: str = "offline"
    extra: tuple[str, ...] = field(default=())


_STEP_REF = re.compile(r"\[step (\d+)\]")
_PIXELS = re.compile(r"\(\s*\d+\s*,\s*\d+\s*\)|\b\d+\s*px\b")


def check_reflection(reflection: Reflection, history: tuple[str, ...]) -> str:
    """ "" when a reflection is usable; else what is wrong (so it can be re-asked once).

    Usable: its reasoning cites at least one step of the history ("[step N]" of a step that is
    in it, or a summary's text), it has at most 3 guidelines, and no guideline names pixel
    coordinates.
    """
    if len(reflection.guidelines) > 3:
        return "give at most 3 guidelines"
    for g in reflection.guidelines:
        if _PIXELS.search(g.text):
            return "guidelines must not name pixel coordinates; describe the element instead"
    if history:
        known = {m for h in history for m in _STEP_REF.findall(h)}
        cited = set(_STEP_REF.findall(reflection.reasoning)) & known
        quoted = any(_STEP_REF.sub("", h).strip() in reflection.reasoning for h in history)
        if not cited and not quoted:
            return "the reasoning ignores the recent history; cite the steps, e.g. [step N]"
    return ""
