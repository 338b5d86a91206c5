"""SkillGraph: the agent's API over one library."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills.errors import LibraryNotFound, SchemaError
from skills.graph import SkillGraph
from skills.model import Insight, Strategy
from tests.skills.conftest import make_skill


def test_state_is_matched_by_signature_and_counts_visits(graph: SkillGraph) -> None:
    a = graph.state("screen-1")
    again = graph.state("screen-1")
    assert again.id == a.id
    assert again.total_visits == 2
    assert graph.state("screen-2").id != a.id


def test_available_lists_linked_skills_and_hides_suspended(graph: SkillGraph) -> None:
    here, there = graph.state("here"), graph.state("there")
    play = graph.add_skill(make_skill("Play"), available_in=[here.id])
    quit_ = graph.add_skill(make_skill("Quit"), available_in=[here.id, there.id])
    assert {s.id for s in graph.available(here.id)} == {play.id, quit_.id}
    assert [s.id for s in graph.available(there.id)] == [quit_.id]
    graph.suspend(quit_.id)
    assert [s.id for s in graph.available(here.id)] == [play.id]
    assert graph.get(quit_.id).status == "suspended"


def test_add_skill_is_idempotent_and_keeps_stats(graph: SkillGraph) -> None:
    s = graph.state("s")
    skill = graph.add_skill(make_skill("Play"), available_in=[s.id])
    graph.record_outcome(skill.id, s.id, acted=True, consistent=True, progressive=False, cost=2)
    again = graph.add_skill(make_skill("Play", name="another name"), available_in=[s.id])
    assert again.id == skill.id
    assert again.totals.runs == 1
    assert len(graph.available(s.id)) == 1


def test_record_outcome_counts_every_judgement_and_the_transition(graph: SkillGraph) -> None:
    a, b = graph.state("a"), graph.state("b")
    skill = graph.add_skill(make_skill("Next"), available_in=[a.id])
    graph.record_outcome(skill.id, a.id, True, True, True, 1.5, next_state_id=b.id)
    graph.record_outcome(skill.id, a.id, True, False, False, 0.5, next_state_id=b.id)
    graph.record_outcome(skill.id, a.id, False, False, False, 0.0, next_state_id=None)
    t = graph.get(skill.id).totals
    assert (t.acted.successes, t.acted.failures) == (2, 1)
    assert (t.consistent.successes, t.progressive.successes) == (1, 1)
    assert t.runs == 3 and t.mean_cost == pytest.approx(2 / 3)
    leads = graph.neighbours(a.id, "leads_to")
    assert [(e.dst, e.key, e.total) for e in leads] == [(b.id, skill.id, 2)]
    with pytest.raises(SchemaError):
        graph.record_outcome(skill.id, a.id, True, True, True, cost=-1)


def test_compose_keeps_order_and_is_available_where_its_first_part_is(graph: SkillGraph) -> None:
    s = graph.state("s")
    first = graph.add_skill(make_skill("Select"), available_in=[s.id])
    second = graph.add_skill(make_skill("Confirm"))
    combo = graph.compose([first.id, second.id], name="select then confirm")
    assert graph.parts(combo.id) == [first.id, second.id]
    assert len(combo.steps) == 2 and combo.steps[0].text == "Select"
    assert combo.id in {k.id for k in graph.available(s.id)}
    with pytest.raises(LibraryNotFound):
        graph.compose([first.id, "sk_" + "0" * 32])


def test_insights_keep_the_strongest_per_state(library_path: Path) -> None:
    with SkillGraph.open(library_path, insight_limit=2) as graph:
        s = graph.state("s")
        weak = Insight.create("weak hint", strength=0.1)
        graph.add_insight(s.id, weak)
        graph.add_insight(s.id, Insight.create("strong hint", strength=0.9))
        evicted = graph.add_insight(s.id, Insight.create("medium hint", strength=0.5))
        assert evicted == [weak.id]
        assert [i.title for i in graph.insights(s.id)] == ["strong hint", "medium hint"]
        with pytest.raises(LibraryNotFound):
            graph.add_insight("st_" + "1" * 32, weak)


def test_strategies_per_cluster_with_stats(graph: SkillGraph) -> None:
    cheap = graph.add_strategy(Strategy.create("menu", {"propose": "offline", "reflect": False}))
    graph.add_strategy(Strategy.create("battle", {"propose": "vlm", "temperature": 0.3}))
    graph.record_strategy_outcome(cheap.id, success=True, cost=1)
    graph.record_strategy_outcome(cheap.id, success=False, cost=3)
    (only,) = graph.strategies("menu")
    assert only.totals.success.successes == 1 and only.totals.runs == 2
    assert only.totals.cost_total == 4


def test_search_matches_names_and_target_text(graph: SkillGraph) -> None:
    graph.add_skill(make_skill("End Turn"))
    graph.add_skill(make_skill("Play Card", name="use a card"))
    assert [s.steps[0].text for s in graph.search("end TURN")] == ["End Turn"]
    assert [s.name for s in graph.search("card")] == ["use a card"]
    assert graph.search("nothing like this") == []


def test_shortest_path_follows_the_most_seen_skill(graph: SkillGraph) -> None:
    a, b, c = graph.state("a"), graph.state("b"), graph.state("c")
    go = graph.add_skill(make_skill("Go"), available_in=[a.id])
    run = graph.add_skill(make_skill("Run"), available_in=[a.id])
    on = graph.add_skill(make_skill("On"), available_in=[b.id])
    graph.record_outcome(go.id, a.id, True, True, True, 1, b.id)
    for _ in range(3):
        graph.record_outcome(run.id, a.id, True, True, True, 1, b.id)
    graph.record_outcome(on.id, b.id, True, True, True, 1, c.id)
    hops = graph.shortest_path(a.id, c.id)
    assert [(h.src, h.skill, h.dst) for h in hops] == [(a.id, run.id, b.id), (b.id, on.id, c.id)]
    assert hops[0].count == 3
    with pytest.raises(LibraryNotFound, match="no known path"):
        graph.shortest_path(c.id, a.id)


def test_two_graphs_on_one_file_see_each_others_writes(library_path: Path) -> None:
    with SkillGraph.open(library_path) as one, SkillGraph.open(library_path) as two:
        s = one.state("shared")
        assert two.refresh() >= 1
        skill = two.add_skill(make_skill("Play"), available_in=[s.id])
        assert [k.id for k in one.available(s.id)] == [skill.id]  # point reads are always fresh
        assert skill.id not in (one._cache or {})
        assert one.refresh() >= 1 and skill.id in one.nx  # the cached structure after refresh
        assert one.refresh() == 0
        two.store.delete_nodes([skill.id])
        one.refresh()
        assert skill.id not in one.nx


def test_prune_suspends_weak_skills_and_deletes_retired(graph: SkillGraph) -> None:
    s = graph.state("s")
    weak = graph.add_skill(make_skill("Weak"), available_in=[s.id])
    good = graph.add_skill(make_skill("Good"), available_in=[s.id])
    old = graph.add_skill(make_skill("Old"), available_in=[s.id])
    for _ in range(6):
        graph.record_outcome(weak.id, s.id, True, False, False, 1)
        graph.record_outcome(good.id, s.id, True, True, True, 1)
    graph.set_status(old.id, "retired")
    dry = graph.prune(delete_retired=True, dry_run=True)
    assert dry.suspended == (weak.id,) and dry.deleted == (old.id,)
    assert graph.get(weak.id).status == "candidate"
    graph.prune(delete_retired=True)
    assert graph.get(weak.id).status == "suspended"
    with pytest.raises(LibraryNotFound):
        graph.get(old.id)
    assert graph.check() == []


def test_evidence_is_png_only(graph: SkillGraph) -> None:
    with pytest.raises(SchemaError):
        graph.add_evidence(b"GIF89a")


def test_unknown_ids_are_refused_and_leave_no_dangling_edges(graph: SkillGraph) -> None:
    s = graph.state("s")
    skill = graph.add_skill(make_skill("Play"), available_in=[s.id])
    ghost_state, ghost_skill = "st_" + "2" * 32, "sk_" + "3" * 32
    with pytest.raises(LibraryNotFound, match="no state"):
        graph.record_outcome(skill.id, s.id, True, True, True, 1.0, next_state_id=ghost_state)
    with pytest.raises(LibraryNotFound, match="no skill"):
        graph.record_outcome(ghost_skill, s.id, True, True, True, 1.0, next_state_id=s.id)
    with pytest.raises(LibraryNotFound, match="no state"):
        graph.add_skill(make_skill("Quit"), available_in=[ghost_state])
    assert graph.get(skill.id).totals.runs == 0
    assert graph.neighbours(s.id, "leads_to") == []
    assert graph.check() == []


def test_a_new_version_refines_its_parent(graph: SkillGraph) -> None:
    old = graph.add_skill(make_skill("Play"))
    new = graph.add_skill(make_skill("Play now", version=2, parent=old.id))
    assert [(e.kind, e.dst) for e in graph.neighbours(new.id) if e.src == new.id] == [
        ("refines", old.id)
    ]
    with pytest.raises(LibraryNotFound):
        graph.add_skill(make_skill("Orphan", version=2, parent="sk_" + "4" * 32))
