"""The learning agent on the built-in game, headless: it grows skills, reuses them, beats random."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import games
from agent.brains.random import RandomClicker
from agent.cycle.recall import STUCK
from agent.cycle.reflect import label_of
from agent.cycle.trial import step_from_action
from agent.learner import Learner, LearnerSettings
from agent.loop import run_episode
from agent.perception.descriptor import describe, look
from agent.session import progress_signal
from agent.types import Click, Rect
from skills.graph import SkillGraph
from skills.model import Skill

SIZE = (640, 360)
# the first sequence becomes a skill by step 26-106 (seeds 1, 2, 4; on seed 3 only at step 286)
STEPS = 200


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    library = tmp_path_factory.mktemp("lib") / "library.sqlite"
    game = games.make("spire", seed=1, size=SIZE)
    learner = Learner(SkillGraph.open(library), LearnerSettings(scope="spire", seed=1))
    steps = list(run_episode(game, learner, max_steps=STEPS))
    stats = learner.stats()
    learner.close()
    game.close()
    baseline = games.make("spire", seed=1, size=SIZE)
    random_steps = list(run_episode(baseline, RandomClicker(1), max_steps=STEPS))
    baseline.close()
    return steps, stats, random_steps, library


@pytest.mark.slow
def test_the_agent_creates_named_skills_and_reuses_them(played):
    steps, stats, _, library = played
    with SkillGraph.open(library) as graph:
        skills = graph.store.snapshot().skills
    assert len(skills) >= 4
    assert all(s.name.startswith("click") for s in skills)
    assert any(len(s.steps) >= 2 for s in skills), "no sequence became a skill"
    used = [s.skill for s in steps if s.skill]
    assert stats["uses"] >= 30 and len(used) >= 60
    runs = {s.id: s.totals.runs for s in skills}
    assert max(runs.values()) >= 10, "no skill was run repeatedly"
    assert stats["states"] >= 3 and all(s.state for s in steps)


def test_each_skill_found_by_exploring_shows_its_frame(played):
    _, _, _, library = played
    with SkillGraph.open(library) as graph:
        snap = graph.store.snapshot()
    single = [s for s in snap.skills if len(s.steps) == 1]
    assert single and all(s.evidence for s in single)
    for sha in (sha for s in single for sha in s.evidence):
        assert snap.evidence[sha].startswith(b"\x89PNG"), "evidence is a stored PNG"


@pytest.mark.slow
def test_its_actions_change_the_screen_far_more_often_than_random_clicks(played):
    steps, _, random_steps, _ = played
    learner_rate = sum(s.acted for s in steps[50:]) / len(steps[50:])
    random_rate = sum(s.acted for s in random_steps[50:]) / len(random_steps[50:])
    # the learner still tries every new element once, so early on it is far from 100%
    assert learner_rate >= 0.35
    assert learner_rate > random_rate + 0.15


@pytest.mark.slow
def test_a_reflected_failure_is_not_repeated_right_after(played):
    steps, _, _, _ = played
    reflected = [i for i, s in enumerate(steps[:-1]) if s.reflection]
    assert reflected, "no failure was reflected on"
    for i in reflected:
        failed, after = steps[i], steps[i + 1]
        if after.state == failed.state:
            assert (
                label_of(after.action, after.before)[0] != label_of(failed.action, failed.before)[0]
            )


def _first_decision(tmp_path):
    """Spire seed 3 and a learner on a fresh library, and its first decision."""
    game = games.make("spire", seed=3, size=SIZE)
    graph = SkillGraph.open(tmp_path / "library.sqlite")
    learner = Learner(graph, LearnerSettings(scope="spire", seed=3))
    frame = game.reset()
    return game, graph, learner, frame, learner.decide(frame)


def _failed_runs(learner) -> list[str]:
    """The ids of the skills whose runs the learner records as failed from now on."""
    failed: list[str] = []
    fail_run = learner._fail_run
    learner._fail_run = lambda run, now: (failed.append(run.skill.id), fail_run(run, now))
    return failed


def test_a_click_that_closed_the_game_is_a_setback_to_avoid(tmp_path):
    # The body restarted the game after this click (its own close or quit button): however new
    # the screen it led to, the click is judged a failure, not rewarded.

    from agent.types import Step

    game, graph, learner, frame, action = _first_decision(tmp_path)
    outcome = game.step(action)
    step = Step(0, frame, action, outcome.frame, 0.1, acted=True, restarted=True)
    seen = learner.observe(step)
    assert seen.judgement == "closed the game"
    closer = label_of(action, frame)[0]
    for _ in range(20):  # it is never clicked again
        again = learner.decide(frame)
        assert label_of(again, frame)[0] != closer
    learner.close()
    with SkillGraph.open(tmp_path / "library.sqlite") as again:
        skills = again.store.snapshot().skills
    assert not [k for k in skills if k.totals.consistent.successes], "closing is not the way on"
    game.close()


@pytest.mark.slow
def test_in_combat_it_learns_to_play_cards_on_enemies_not_only_to_end_turns(tmp_path):
    # A card click lifts the card (a selection); a click on the enemy then plays it. Ending the
    # turn changes the screen too but selects nothing; the learner must find the play.
    from agent.types import action_points

    game = games.make("spire", seed=1, size=SIZE)
    # as in play: the game's profile declares its progress signal (the floor number on screen)
    settings = LearnerSettings(seed=1, progress=progress_signal("spire"))
    learner = Learner(SkillGraph.open(tmp_path / "lib.sqlite"), settings)
    truth, plays, full_ends = game.probe(), 0, 0
    for step in run_episode(game, learner, max_steps=400):
        if truth.screen == "combat" and step.acted:
            point = action_points(step.action)[0]
            hit = next((c for c in truth.clickables if c.rect.contains(point.x, point.y)), None)
            plays += hit is not None and hit.kind == "enemy"
            full = truth.extra["energy"] == 3
            full_ends += hit is not None and hit.name == "button:end_turn" and full
        truth = game.probe()
    learner.close()
    game.close()
    assert plays >= 15, f"only {plays} cards played on enemies"
    assert plays > full_ends, f"{full_ends} turns ended with all energy left, {plays} plays"


def test_a_skill_never_clicks_the_close_button_where_it_finds_its_target_by_look(tmp_path):
    # A skill learnt in another window size stores its first target elsewhere; found by look,
    # it lands on what closed the game: it is not run.
    from dataclasses import replace

    from agent.cycle.trial import step_from_action
    from agent.types import Rect
    from skills.model import Skill

    game, graph, learner, frame, action = _first_decision(tmp_path)
    closer = label_of(action, frame)[0]
    learner.recall.closers.add(closer)
    box = action.target.box
    elsewhere = replace(action.target, box=Rect(box.x, max(0, box.y - 3 * box.h), box.w, box.h))
    step = step_from_action(replace(action, target=elsewhere), frame)
    state = learner.perceiver.perceive(frame).seen.state_id
    graph.add_skill(Skill.create([step], scope="spire", name="close"), available_in=[state])
    clicked = [label_of(learner.decide(frame), frame)[0] for _ in range(30)]
    assert closer not in clicked
    learner.close()
    game.close()


def test_a_skill_whose_target_is_not_on_screen_is_set_aside_until_the_screen_changes(tmp_path):
    # its target is nowhere on this frame: tried once, then the bandit chooses among the rest
    # (before, its run count did not move until its record was written, and it was chosen,
    # failed and made way for a blind exploration step after step)
    game, graph, learner, frame, action = _first_decision(tmp_path)
    noise = np.random.default_rng(0).integers(0, 255, (60, 60, 3), dtype=np.uint8)
    box = Rect(0, 0, 60, 60)
    nowhere = replace(action.target, box=box, descriptor=describe(noise, box))
    step = step_from_action(replace(action, target=nowhere), frame)
    state = learner.perceiver.perceive(frame).seen.state_id
    lost = graph.add_skill(Skill.create([step], scope="spire", name="lost"), available_in=[state])
    failed = _failed_runs(learner)
    for _ in range(30):
        learner.decide(frame)
    assert failed == [lost.id]
    learner.close()
    game.close()


def test_a_second_click_on_a_selected_card_undoes_the_selection_and_the_learner_knows(tmp_path):
    # A click lifts a card (a selection), a click on the lifted card puts it back, a third lifts
    # it again: the screen went back each time, and what was selected with it. Before, the
    # third click was taken for an undo that selected nothing (and the second for a selection),
    # and skills went on to click the selected card, putting it back.
    from agent.types import Click, Step
    from games.spire.testing import click as press
    from games.spire.testing import clickable

    game = games.make("spire", seed=1, size=SIZE)
    learner = Learner(SkillGraph.open(tmp_path / "lib.sqlite"), LearnerSettings(seed=1))
    game.reset()
    press(game, "button:start")
    node = next(c.name for c in game.probe().clickables if c.kind == "node")
    frame = press(game, node).frame
    assert game.probe().screen == "combat"
    held = []
    for i in range(3):
        learner.decide(frame)  # the learner's own choice is replaced by a click on card 0
        point = clickable(game.probe(), "card:0").rect.center
        seen = learner.perceiver.perceive(frame).candidates
        target = max(
            (c for c in seen if c.box.contains(point.x, point.y)), key=lambda c: c.box.w
        ).target()
        action = Click(point.x, point.y, target=target)
        learner._pending = replace(learner._pending, action=action, run=None)
        after = game.step(action).frame
        learner.observe(Step(i, frame, action, after, 0.1, acted=True, changed_fraction=0.1))
        held.append(learner._selected)
        frame = after
        assert (game.probe().extra["selected"] is not None) == (i != 1)
    assert held[0] is not None and held[1] is None and held[2] == held[0]
    lifted = clickable(game.probe(), "card:0").rect
    assert held[2].box.iou(lifted) > 0.5, "where the lifted card stands"
    # a skill whose first click is that card is not started on it: that would put it back
    state = learner.perceiver.perceive(frame).seen.state_id
    step = step_from_action(action, frame)
    graph = learner.graph
    graph.add_skill(Skill.create([step], scope="", name="card"), available_in=[state])
    for _ in range(10):
        assert not held[2].under(learner.decide(frame))
    learner.close()
    game.close()


def test_a_skill_is_not_run_where_what_it_finds_now_is_known_to_do_nothing_until_stuck(tmp_path):
    # A skill learnt on a look that acted (a map node that glowed) finds, at its place, a thing
    # of another look that did nothing here twice (the node no longer glows): it does not apply
    # now. Before, its chance came from the look it was learnt on, so it was run on every visit
    # (its first click did nothing, which never counted against it).
    from agent.cycle.affordance import ALIKE, appearance
    from agent.cycle.targets import target_key
    from agent.cycle.trial import ground_step

    game, graph, learner, frame, _ = _first_decision(tmp_path)
    now = learner.perceiver.perceive(frame)
    w, h = now.size
    there, other = (c.target() for c in sorted(now.candidates, key=lambda c: -c.box.w)[:2])
    mine, theirs = np.array(there.descriptor), np.array(other.descriptor)
    for a in np.linspace(0.05, 0.95, 19):  # a look between the two, not alike the one there
        learnt = replace(there, descriptor=tuple((1 - a) * mine + a * theirs))
        if appearance([look(learnt.descriptor)], [look(there.descriptor)])[0, 0] < ALIKE:
            break
    step = step_from_action(Click(there.box.center.x, there.box.center.y, target=learnt), frame)
    found = ground_step(step, frame, now.candidates)
    assert found is not None and found.target.box == there.box, "found where it was learnt"
    sid = now.seen.state_id
    key = target_key(there.box, w, h)
    learner.affordances.note(sid, None, learnt, key, True)  # the look it was learnt on acted
    for _ in range(2):  # what stands there now did nothing
        learner.affordances.note(sid, None, there, key, False)
    skill = graph.add_skill(Skill.create([step], scope="", name="node"), available_in=[sid])
    failed = _failed_runs(learner)
    for _ in range(20):
        learner.decide(frame)
        run = learner._pending.run
        assert run is None or run.skill.id != skill.id
    assert skill.id not in failed, "not applying now is no failure"
    # After STUCK clicks in a row did nothing, it is run again: what did nothing before may act
    # now though it looks the same (a map's last node, reachable from the floor before it).
    # Before, everything untried was explored first, dead click after dead click.
    learner.recall.clicked("elsewhere", None, True)  # the screen changed: no longer set aside
    for i in range(STUCK):
        learner.recall.clicked(f"elsewhere {i}", None, False)
    for _ in range(20):
        learner.decide(frame)
        run = learner._pending.run
        if run is not None and run.skill.id == skill.id:
            break
    else:
        pytest.fail("not run after clicks in a row did nothing")
    learner.close()
    game.close()


@pytest.mark.parametrize("part", ["elsewhere", "here too", "pruned"])
def test_a_composite_stops_where_its_next_part_is_not_offered(tmp_path, part):
    # A composite learnt from a chain that crossed screens (End Turn, then "New Run" on the
    # lost game's screen) runs its next part only where that part is offered. Before, the next
    # part ran wherever the first led (the next turn: "New Run" by place clicked a card). A
    # part since deleted from the library (pruned) leaves nothing to check: it runs on.
    from agent.types import Step

    game, graph, learner, frame, _ = _first_decision(tmp_path)
    now = learner.perceiver.perceive(frame)
    first, second = (c.target() for c in sorted(now.candidates, key=lambda c: -c.box.w)[:2])
    steps = [step_from_action(Click(t.box.center.x, t.box.center.y, target=t), frame)
             for t in (first, second)]  # fmt: skip
    elsewhere = graph.state("another screen").id
    here = now.seen.state_id
    one = graph.add_skill(Skill.create([steps[0]], scope="", name="one"), available_in=[here])
    states = [elsewhere, here] if part == "here too" else [elsewhere]
    two = graph.add_skill(Skill.create([steps[1]], scope="", name="two"), available_in=states)
    parts = [one.id, two.id]
    if part == "pruned":  # a third part, and the first deleted: the parts known no longer add up
        three = Skill.create([steps[1]], scope="", name="three")
        parts.append(graph.add_skill(three, available_in=[elsewhere]).id)
    both = graph.compose(parts, name="one then two")
    if part == "pruned":
        graph.store.delete_nodes([one.id])
    for _ in range(100):  # until the bandit starts the composite
        action = learner.decide(frame)
        if learner._pending.run is not None and learner._pending.run.skill.id == both.id:
            break
        learner._run = None  # another choice: not carried out
    else:
        pytest.fail("the composite was never chosen")
    learner.observe(Step(0, frame, action, frame, 0.1, acted=True, changed_fraction=0.1))
    learner.decide(frame)  # still on this screen
    run = learner._pending.run
    went_on = run is not None and run.skill.id == both.id and run.next_index == 2
    assert went_on == (part != "elsewhere")
    learner.close()
    if part == "elsewhere":  # cut short: recorded as not what was expected
        reopened = SkillGraph.open(tmp_path / "library.sqlite")
        stats = reopened.get(both.id).totals
        reopened.close()
        assert stats.runs == 1 and stats.consistent.failures == 1
    game.close()
