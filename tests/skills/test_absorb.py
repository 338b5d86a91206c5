"""Absorbing libraries one by one into a store (import, `replay learn`) gives what merging them
gives: no counter or edge of a variant is left behind when a merge renames it to a sibling."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from skills.merge import merge
from skills.model import Edge, Effect, SkillStats, State
from skills.share import absorb
from skills.snapshot import Snapshot
from skills.store import open_store
from tests.skills.conftest import make_skill
from tests.skills.libraries import snapshots


def _absorbed(*snaps: Snapshot) -> Snapshot:
    with tempfile.TemporaryDirectory() as folder:
        with open_store(str(Path(folder) / "lib.sqlite")) as store:
            for snap in snaps:
                absorb(store, snap)
            return store.snapshot()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots(), snapshots())
def test_absorbing_one_by_one_equals_merging(a: Snapshot, b: Snapshot) -> None:
    assert _absorbed(a, b).content() == merge(a, b)[0].content()


def test_a_variant_renamed_to_a_sibling_takes_its_counters_along() -> None:
    # the store holds one variant; the incoming one's effect sorts first, so it takes the base id
    opens = make_skill("Play", effect="opens the board").model_copy(
        update={"stats": {"lib-a": SkillStats(runs=22)}}
    )
    closes = make_skill("Play", effect="closes the menu").model_copy(
        update={"stats": {"lib-b": SkillStats(runs=3)}}
    )
    snap = _absorbed(Snapshot.of("lib-a", skills=[opens]), Snapshot.of("lib-b", skills=[closes]))
    by_effect = {s.effect: s for s in snap.skills}
    base = by_effect[Effect(description="closes the menu")]
    sibling = by_effect[Effect(description="opens the board")]
    assert base.id == opens.id and sibling.variant_of == base.id
    assert base.stats == {"lib-b": SkillStats(runs=3)}  # not lib-a's 22 runs as well
    assert sibling.stats == {"lib-a": SkillStats(runs=22)}


def test_what_a_renamed_variant_led_to_is_kept_for_both_variants() -> None:
    """Both libraries saw "End Turn" lead from one state to the same state, equally often; the
    variants differ by effect, so one takes a sibling id. The edge keyed by the base id is the
    same before and after, yet the store drops it with the old variant: it must be written
    again (found by the property above)."""
    here = State.create("s1")

    def library(effect: str) -> Snapshot:
        skill = make_skill("End Turn", effect=effect)
        edges = [
            Edge(kind="available_in", src=skill.id, dst=here.id),
            Edge(kind="leads_to", src=here.id, dst=here.id, key=skill.id, counts={"lib-a": 3}),
        ]
        return Snapshot.of("lib-a", [here], [skill], edges=edges)

    a, b = library("opens a panel"), library("")
    absorbed = _absorbed(a, b)
    assert absorbed.content() == merge(a, b)[0].content()
    led = [e for e in absorbed.edges if e.kind == "leads_to"]
    assert len(led) == 2 and {e.key for e in led} == {s.id for s in absorbed.skills}
