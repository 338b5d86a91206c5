"""spire's rules without pixels: maps, damage, piles, statuses, rest and rewards."""

from __future__ import annotations

import random
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from games.spire.cards import BASH, DEFEND, STRIKE, Card
from games.spire.mapgen import generate_map
from games.spire.model import Rules, Run, attack_damage


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_every_map_is_a_connected_climb_to_the_boss(seed: int) -> None:
    m = generate_map(random.Random(seed))
    floors = {n.floor for n in m.nodes}
    assert floors == set(range(1, 10))
    assert all(n.kind == "combat" for n in m.nodes if n.floor == 1)
    assert all(n.kind == "rest" for n in m.nodes if n.floor == 8)
    assert [n.kind for n in m.nodes if n.floor == 9] == ["boss"]
    assert 2 <= len(m.next_nodes(None)) <= 4
    for a, b in m.edges:  # edges go one floor up, at most one column sideways, never cross
        assert b[0] == a[0] + 1
        assert b[0] == 9 or abs(b[1] - a[1]) <= 1
        assert b[0] == 9 or a[1] == b[1] or ((a[0], b[1]), (b[0], a[1])) not in m.edges
    for node in m.nodes:  # every node leads on to the boss
        if node.kind != "boss":
            assert m.next_nodes(node.pos)


def test_same_seed_same_run_and_new_runs_differ() -> None:
    a, b = Run(9), Run(9)
    assert a.map == b.map
    a.start(), b.start()
    a.new_run()
    a.start()
    assert a.map != b.map  # the second run of a seed is a new (seeded) map


def test_damage_formula() -> None:
    assert attack_damage(6, 0, 0, 0) == 6
    assert attack_damage(6, 2, 0, 0) == 8
    assert attack_damage(8, 0, 1, 0) == 6  # weak: x0.75
    assert attack_damage(6, 0, 0, 2) == 9  # vulnerable: x1.5
    assert attack_damage(2, -5, 0, 0) == 0


def test_card_text_and_upgrade() -> None:
    assert STRIKE.text() == "Deal 6 damage."
    assert BASH.text() == "Deal 8 damage. Apply 2 Vulnerable."
    assert DEFEND.upgrade() == Card("Defend+", 1, "skill", block=8, upgraded=True)
    assert STRIKE.upgrade().upgrade().name == "Strike+"


def fight(seed: int = 0, rules: Rules | None = None) -> Run:
    run = Run(seed, rules)
    run.start()
    run.choose_node(run.reachable()[0].pos)
    assert run.screen == "combat" and run.combat is not None
    return run


def test_combat_starts_with_a_full_hand_and_energy() -> None:
    run = fight()
    c = run.combat
    assert len(c.hand) == 5 and len(c.draw) == 5 and c.energy == 3 and c.turn == 1
    assert sorted(x.name for x in c.hand + c.draw) == sorted(x.name for x in run.deck)


def test_bash_makes_the_enemy_vulnerable_and_costs_two() -> None:
    run = fight()
    c = run.combat
    c.hand[0] = BASH
    enemy = c.enemies[0]
    enemy.block, hp = 0, enemy.hp
    run.select_card(0)
    run.play_on_enemy(0)
    assert c.energy == 1 and enemy.vulnerable == 2 and enemy.hp == max(0, hp - 8)


def test_block_absorbs_enemy_attacks_and_resets_next_turn() -> None:
    run = fight(rules=Rules(start_hp=60))
    c = run.combat
    for enemy in c.enemies:
        enemy.kind = replace(enemy.kind, pattern=(enemy.intent,))
    c.hand[0] = DEFEND
    run.select_card(0)
    run.play_on_self()
    assert c.block == 5
    incoming = sum(
        attack_damage(e.intent.value, e.strength, e.weak, 0) * e.intent.hits
        for e in c.enemies
        if e.intent.kind == "attack"
    )
    run.end_turn()
    assert run.hp == 60 - max(0, incoming - 5)
    assert c.block == 0 and c.energy == 3 and c.turn == 2 and len(c.hand) == 5


def test_unaffordable_card_cannot_be_selected() -> None:
    run = fight()
    c = run.combat
    c.energy = 0
    assert run.select_card(0) == [] and c.selected is None
    assert run.message == "Not enough energy"


def test_discard_is_reshuffled_into_the_draw_pile() -> None:
    run = fight(rules=Rules(start_hp=999))
    c = run.combat
    run.end_turn()  # hand 5 -> discard; the other 5 drawn
    assert len(c.draw) == 0 and len(c.discard) == 5
    run.end_turn()  # the draw pile is empty: the 10 discarded cards are shuffled back
    assert len(c.hand) == 5 and len(c.draw) == 5 and len(c.discard) == 0


def test_winning_a_combat_offers_three_rewards_and_picking_adds_one() -> None:
    run = fight()
    c = run.combat
    for enemy in c.enemies:
        enemy.hp = 1
        enemy.block = 0
    while run.screen == "combat":
        c.hand[0] = STRIKE
        c.energy = 3
        alive = next(i for i, e in enumerate(c.enemies) if e.alive)
        run.select_card(0)
        run.play_on_enemy(alive)
    assert run.screen == "reward" and len(run.rewards) == 3
    assert run.score == 10 + 5 * len(c.enemies)
    picked = run.rewards[1]
    run.pick_reward(1)
    assert run.screen == "map" and run.deck[-1] == picked and len(run.deck) == 11


def test_upgrade_prefers_bash() -> None:
    run = Run(0)
    run.start()
    run.upgrade()
    assert "Bash+" in [c.name for c in run.deck] and run.screen == "map"
