"""spire in-process: determinism, every screen reachable by clicking, scaling, probe, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from agent.errors import BottomupError
from agent.types import Click, DoubleClick, Drag, Frame, Game, Move, RightClick, Scroll, Wait
from games import make
from games.probe import GroundTruth, read_probe, write_probe
from games.spire import Rules, SpireGame
from games.spire.game import surface_to_rgb
from games.spire.render import new_surface
from games.spire.testing import click, clickable, enter, play_combat, screens_tour

SCRIPT = ["button:start", "node", "card:0", "target", "card:1", "target", "button:end_turn"]


def play_script(game: SpireGame) -> list[Frame]:
    """A fixed little sequence through ground truth: start, first node, two cards, end turn."""
    frames = [game.reset()]
    for step in SCRIPT:
        truth = game.probe()
        if step == "node":
            name = next(c.name for c in truth.clickables if c.kind == "node")
        elif step == "target":
            name = next(
                c.name for c in truth.clickables if c.enabled and c.kind in ("enemy", "player")
            )
        else:
            name = step
        frames.append(click(game, name).frame)
    return frames


def test_spire_is_a_game_and_is_registered() -> None:
    game = make("spire-v0", seed=3)
    assert isinstance(game, SpireGame) and isinstance(game, Game)
    frame = game.reset()
    assert frame.image.shape == (720, 1280, 3) and frame.image.dtype == np.uint8
    assert frame.region.w == 1280 and frame.scale == 1.0
    assert game.probe().screen == "title"


def test_same_seed_and_clicks_give_identical_frames() -> None:
    a = play_script(SpireGame(seed=5))
    b = play_script(SpireGame(seed=5))
    assert len(a) == len(b) == len(SCRIPT) + 1
    for fa, fb in zip(a, b, strict=True):
        assert np.array_equal(fa.image, fb.image)
    # every scripted click visibly changed the screen
    assert sum(not np.array_equal(x.image, y.image) for x, y in zip(a, a[1:], strict=False)) >= 6


def test_different_seeds_differ() -> None:
    a = play_script(SpireGame(seed=1))
    b = play_script(SpireGame(seed=2))
    assert not np.array_equal(a[0].image, b[0].image)  # "Seed N" on the title
    assert not np.array_equal(a[1].image, b[1].image)  # a different map


def test_several_instances_in_one_process_do_not_interfere() -> None:
    a, b = SpireGame(seed=4), SpireGame(seed=4)
    a.reset(), b.reset()
    click(a, "button:start")
    assert b.probe().screen == "title" and a.probe().screen == "map"
    click(b, "button:start")
    assert np.array_equal(a.render(), b.render())


def test_clicking_the_title_start_button_opens_the_map_with_reachable_nodes() -> None:
    game = SpireGame(seed=0)
    game.reset()
    outcome = click(game, "button:start")
    truth = game.probe()
    assert truth.screen == "map" and outcome.settle_s > 0.1  # the screen fades in
    nodes = [c for c in truth.clickables if c.kind == "node"]
    assert nodes and all(c.name.startswith("node:1:") for c in nodes)


def test_clicking_nothing_changes_nothing_and_settles_instantly() -> None:
    game = SpireGame(seed=0)
    first = game.reset()
    for action in (Click(5, 700), Move(640, 435), RightClick(640, 435), Wait(0.1)):
        outcome = game.step(action)
        assert np.array_equal(outcome.frame.image, first.image)
        assert game.probe().screen == "title"
    assert game.step(Click(5, 700)).settle_s == 0.0


def test_card_select_raises_and_reclick_deselects() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    before = game.probe()
    rest = clickable(before, "card:0").rect
    raised = click(game, "card:0")
    after = game.probe()
    assert after.extra["selected"] == 0 and clickable(after, "card:0").rect.y < rest.y
    assert 0.1 <= raised.settle_s <= 0.5
    click(game, "card:0")
    assert game.probe().extra["selected"] is None
    assert clickable(game.probe(), "card:0").rect == rest


def test_attack_needs_an_enemy_and_skill_needs_the_hero() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    hand = game.probe().extra["hand"]
    attack, skill = hand.index("Strike") if "Strike" in hand else None, None
    skill = hand.index("Defend") if "Defend" in hand else None
    if attack is not None:
        click(game, f"card:{attack}")
        truth = game.probe()
        assert clickable(truth, "enemy:0").enabled and not clickable(truth, "player").enabled
        hp = truth.extra["enemies"][0]["hp"]
        click(game, "player")  # the wrong target does nothing
        assert game.probe().extra["enemies"][0]["hp"] == hp
        click(game, "enemy:0")
        truth = game.probe()
        assert truth.extra["enemies"][0]["hp"] < hp and truth.extra["energy"] == 2
    if skill is not None:
        skill = game.probe().extra["hand"].index("Defend")
        click(game, f"card:{skill}")
        assert clickable(game.probe(), "player").enabled
        click(game, "player")
        assert game.probe().extra["block"] == 5


def test_double_click_on_a_card_selects_and_deselects() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    c = clickable(game.probe(), "card:0").rect.center
    game.step(DoubleClick(c.x, c.y))
    assert game.probe().extra["selected"] is None


def test_every_screen_type_is_reached_by_the_tour() -> None:
    shots = screens_tour(seed=2, size=(960, 540))
    screens = {t.screen for _, t in shots}
    assert screens == {"title", "map", "combat", "reward", "rest", "victory", "defeat"}
    kinds = {t.extra.get("node_kind") for _, t in shots if t.screen == "combat"}
    assert {"combat", "boss"} <= kinds
    for frame, truth in shots:
        assert frame.image.shape == (540, 960, 3)
        assert truth.clickables and all(c.rect.right <= 960 for c in truth.clickables)
    assert shots[-1][1].over and not shots[-1][1].won
    assert any(t.won for _, t in shots)


def test_a_sensible_player_wins_the_first_combat() -> None:
    for seed in range(3):
        game = SpireGame(seed=seed)
        game.reset()
        click(game, "button:start")
        enter(game, game.session.run.reachable()[0])
        assert play_combat(game) == "reward"
        assert game.probe().score >= 15  # floor 1 plus at least one kill


def test_ending_every_turn_loses_and_new_run_returns_to_title() -> None:
    game = SpireGame(seed=1)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    while game.probe().screen == "combat":
        click(game, "button:end_turn")
    truth = game.probe()
    assert truth.screen == "defeat" and truth.over and truth.hp == 0
    click(game, "button:new_run")
    assert game.probe().screen == "title"
    click(game, "button:start")
    assert game.probe().floor == 0 and game.probe().score == 0


def test_rest_heals_thirty_percent() -> None:
    game = SpireGame(seed=3, rules=Rules(start_hp=60))
    game.reset()
    click(game, "button:start")
    run = game.session.run
    run.hp = 20  # wounded: the rest site heals 30% of 60
    run.screen, run.floor = "rest", 8
    click(game, "button:rest")
    assert game.probe().hp == 38 and game.probe().screen == "map"


@pytest.mark.parametrize("size", [(960, 540), (1920, 1080)])
def test_clickables_scale_with_the_window(size: tuple[int, int]) -> None:
    base, scaled = SpireGame(seed=6), SpireGame(seed=6, size=size)
    for game in (base, scaled):
        game.reset()
        click(game, "button:start")
        enter(game, game.session.run.reachable()[0])
        click(game, "card:0")
    k = size[0] / 1280
    a, b = base.probe(), scaled.probe()
    assert [c.name for c in a.clickables] == [c.name for c in b.clickables]
    for ca, cb in zip(a.clickables, b.clickables, strict=True):
        assert abs(cb.rect.x - ca.rect.x * k) <= 1 and abs(cb.rect.w - ca.rect.w * k) <= 1
    assert scaled.render().shape == (size[1], size[0], 3)


def test_bad_window_size_is_one_clear_error() -> None:
    with pytest.raises(BottomupError, match="window size"):
        SpireGame(size=(100, 50))


def test_probe_json_round_trip(tmp_path) -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    truth = game.probe()
    write_probe(tmp_path / "probe.json", truth)
    back = read_probe(tmp_path / "probe.json")
    assert back == GroundTruth.from_json(truth.to_json())
    assert back.clickables == truth.clickables and back.screen == "map"
    assert back.frame_counter == truth.frame_counter >= 2


def test_animations_run_between_settled_frames() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    click(game, "card:0")
    session = game.session
    target = next(c for c in game.probe().clickables if c.enabled and c.kind in ("enemy", "player"))
    now = 100.0
    end = session.click(target.rect.center.x, target.rect.center.y, now)
    assert 0.15 <= end - now <= 0.45
    surface = new_surface((1280, 720))
    session.draw(surface, now + 0.05)
    mid = surface_to_rgb(surface)
    session.draw(surface, end)
    settled = surface_to_rgb(surface)
    assert not np.array_equal(mid, settled)
    session.draw(surface, end + 5)
    assert np.array_equal(settled, surface_to_rgb(surface))


def test_closed_game_refuses_to_step() -> None:
    game = SpireGame()
    game.reset()
    game.close()
    game.close()
    with pytest.raises(BottomupError, match="closed"):
        game.step(Click(1, 1))


def test_steps_are_fast() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    c = clickable(game.probe(), "card:0").rect.center
    start = time.perf_counter()
    for _ in range(60):
        game.step(Click(c.x, c.y))
    rate = 60 / (time.perf_counter() - start)
    assert rate > 60, f"only {rate:.0f} steps/s"  # ~350/s measured; loose for a busy machine


def test_drag_presses_where_it_starts_and_scroll_does_nothing() -> None:
    game = SpireGame(seed=0)
    game.reset()
    click(game, "button:start")
    enter(game, game.session.run.reachable()[0])
    card = clickable(game.probe(), "card:1").rect.center
    before = game.render()
    game.step(Scroll(card.x, card.y, clicks=-3))
    assert np.array_equal(game.render(), before) and game.probe().extra["selected"] is None
    game.step(Drag(card.x, card.y, 640, 300))
    assert game.probe().extra["selected"] == 1
