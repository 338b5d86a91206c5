"""merge and diff: a grow-only union that is commutative, associative and idempotent on content."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from skills.merge import diff, merge
from skills.model import Effect, SkillStats
from skills.snapshot import Snapshot
from tests.skills.conftest import make_skill
from tests.skills.libraries import snapshots

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def content(snap: Snapshot) -> tuple:
    return snap.content()


@FAST
@given(snapshots(), snapshots())
def test_merge_is_commutative(a: Snapshot, b: Snapshot) -> None:
    assert content(merge(a, b)[0]) == content(merge(b, a)[0])


@FAST
@given(snapshots(), snapshots())
def test_merge_is_idempotent(a: Snapshot, b: Snapshot) -> None:
    assert content(merge(a, a)[0]) == content(a)
    ab = merge(a, b)[0]
    assert content(merge(ab, ab)[0]) == content(ab)
    assert content(merge(ab, b)[0]) == content(ab)  # the same bundle imported twice


@FAST
@given(snapshots(), snapshots(), snapshots())
def test_merge_is_associative(a: Snapshot, b: Snapshot, c: Snapshot) -> None:
    left = merge(merge(a, b)[0], c)[0]
    right = merge(a, merge(b, c)[0])[0]
    assert content(left) == content(right)


def test_stats_of_different_libraries_are_summed() -> None:
    one = make_skill("Play").model_copy(update={"stats": {"lib-a": SkillStats(runs=3)}})
    two = make_skill("Play").model_copy(update={"stats": {"lib-b": SkillStats(runs=4)}})
    merged, report = merge(Snapshot.of("lib-a", skills=[one]), Snapshot.of("lib-b", skills=[two]))
    (skill,) = merged.skills
    assert skill.totals.runs == 7
    assert report.shared_skills == 1


def test_conflicting_effects_are_kept_as_siblings() -> None:
    opens = make_skill("Play", effect="opens the board")
    closes = make_skill("Play", effect="closes the menu")
    assert opens.id == closes.id
    merged, report = merge(Snapshot.of("a", skills=[opens]), Snapshot.of("b", skills=[closes]))
    assert len(merged.skills) == 2
    base = next(s for s in merged.skills if s.variant_of is None)
    sibling = next(s for s in merged.skills if s.variant_of is not None)
    assert base.id == opens.id and sibling.variant_of == base.id
    assert {base.effect, sibling.effect} == {
        Effect(description="opens the board"),
        Effect(description="closes the menu"),
    }
    assert [e.kind for e in merged.edges] == ["derived_from"]
    assert report.siblings == (sibling.id,)
    assert any("siblings: 1" in line for line in report.lines())


def test_diff_names_what_differs() -> None:
    a = Snapshot.of("a", skills=[make_skill("Play"), make_skill("Quit")])
    changed = make_skill("Quit").model_copy(update={"status": "suspended"})
    b = Snapshot.of("b", skills=[make_skill("Draw"), changed])
    d = diff(a, b)
    assert d.only_left == (make_skill("Play").id,)
    assert d.only_right == (make_skill("Draw").id,)
    assert d.changed == (changed.id,)
    assert not d.same and diff(a, a).same
