"""Helpers for tests and benchmarks that play spire through its ground truth (never for the agent).

- `click(game, name)`: click the centre of the clickable called `name`.
- `play_combat(game)`: a sensible greedy player for one combat (block when hit hard, otherwise
  attack the weakest enemy, prefer kills).
- `screens_tour(seed, size)`: a short scripted run that visits every screen type and returns
  (frame, ground truth) pairs, e.g. to evaluate perception on real frames of each screen.
"""

from __future__ import annotations

from collections.abc import Callable

from agent.types import Click, Frame, Outcome
from games.probe import Clickable, GroundTruth
from games.spire.game import SpireGame
from games.spire.mapgen import Node, Position
from games.spire.model import Rules, attack_damage


def clickable(truth: GroundTruth, name: str) -> Clickable:
    for c in truth.clickables:
        if c.name == name:
            return c
    names = ", ".join(c.name for c in truth.clickables)
    raise LookupError(f"no clickable {name!r} on the {truth.screen} screen (have: {names})")


def click(game: SpireGame, name: str) -> Outcome:
    """Click the centre of the named clickable of the current screen."""
    centre = clickable(game.probe(), name).rect.center
    return game.step(Click(centre.x, centre.y))


def _incoming(game: SpireGame) -> int:
    run = game.session.run
    c = run.combat
    assert c is not None
    total = 0
    for e in c.enemies:
        if e.alive and e.intent.kind == "attack":
            total += attack_damage(e.intent.value, e.strength, e.weak, c.vulnerable) * e.intent.hits
    return total


def _choose(game: SpireGame) -> tuple[int, str] | None:
    """The next (card index, target element) a sensible player would play, or None to end turn."""
    run = game.session.run
    c = run.combat
    assert c is not None
    alive = [i for i, e in enumerate(c.enemies) if e.alive]
    weakest = min(alive, key=lambda i: c.enemies[i].hp)
    options = [i for i, card in enumerate(c.hand) if card.cost <= c.energy]
    if not options:
        return None
    attacks = [i for i in options if c.hand[i].kind == "attack"]
    blocks = [i for i in options if c.hand[i].kind == "skill" and c.hand[i].block]
    others = [i for i in options if c.hand[i].kind == "skill" and not c.hand[i].block]
    enemy = c.enemies[weakest]

    def dealt(i: int) -> int:
        card = c.hand[i]
        return attack_damage(card.damage, c.strength, c.weak, enemy.vulnerable) * card.hits

    kills = [i for i in attacks if dealt(i) >= enemy.hp + enemy.block]
    if kills:
        return min(kills, key=lambda i: c.hand[i].cost), f"enemy:{weakest}"
    if others:
        return others[0], "player"
    if blocks and _incoming(game) > c.block:
        return max(blocks, key=lambda i: c.hand[i].block), "player"
    if attacks:
        bash = [i for i in attacks if c.hand[i].vulnerable]
        pick = bash[0] if bash else max(attacks, key=dealt)
        return pick, f"enemy:{weakest}"
    return (blocks[0], "player") if blocks else None


def play_combat(game: SpireGame, max_turns: int = 60) -> str:
    """Play the current combat greedily until it ends; returns the screen after it."""
    for _ in range(max_turns * 12):
        run = game.session.run
        if run.screen != "combat":
            return run.screen
        choice = _choose(game)
        if choice is None:
            click(game, "button:end_turn")
            continue
        card, target = choice
        click(game, f"card:{card}")
        click(game, target)
    return game.session.run.screen


def path_to(game: SpireGame, kind: str) -> list[Position]:
    """The shortest route from the current position to the nearest node of `kind` (or [])."""
    run = game.session.run
    frontier: list[tuple[Position | None, list[Position]]] = [(run.position, [])]
    while frontier:
        nxt: list[tuple[Position | None, list[Position]]] = []
        for pos, route in frontier:
            for node in run.map.next_nodes(pos):
                if node.kind == kind:
                    return [*route, node.pos]
                nxt.append((node.pos, [*route, node.pos]))
        frontier = nxt
    return []


def enter(game: SpireGame, node: Node | Position) -> Outcome:
    pos = node.pos if isinstance(node, Node) else node
    return click(game, f"node:{pos[0]}:{pos[1]}")


def screens_tour(
    seed: int = 0, size: tuple[int, int] = (1280, 720)
) -> list[tuple[Frame, GroundTruth]]:
    """Frames of every screen type with their ground truth: title, map, combat (also with a card
    selected), reward, rest, elite and boss combat, victory, and defeat.

    The run is played with the normal rules by the greedy player; should it lose on the way to
    the boss, the tour is replayed with a sturdier hero so that victory is always included."""
    shots = _tour(seed, size, None)
    if not any(truth.won for _, truth in shots):
        shots = _tour(seed, size, Rules(start_hp=400))
    return shots


def _tour(seed: int, size: tuple[int, int], rules: Rules | None) -> list[tuple[Frame, GroundTruth]]:
    shots: list[tuple[Frame, GroundTruth]] = []
    game = SpireGame(seed=seed, size=size, rules=rules)

    def keep(frame: Frame) -> None:
        shots.append((frame, game.probe()))

    keep(game.reset())
    keep(click(game, "button:start").frame)
    keep(enter(game, game.session.run.reachable()[0]).frame)
    choice = _choose(game)
    if choice is not None:
        keep(click(game, f"card:{choice[0]}").frame)
    if play_combat(game) == "reward":
        keep(game.render_frame())
        keep(click(game, "reward:0").frame)  # back on the map, one card richer
        _climb(game, keep)
    if game.session.run.screen == "victory":
        keep(game.render_frame())
    loser = SpireGame(seed=seed, size=size)
    loser.reset()
    click(loser, "button:start")
    enter(loser, loser.session.run.reachable()[0])
    while loser.session.run.screen == "combat":
        click(loser, "button:end_turn")
    shots.append((loser.render_frame(), loser.probe()))
    return shots


def _climb(game: SpireGame, keep: Callable[[Frame], None]) -> None:
    """Walk to an elite, a rest site and the boss, keeping the first frame of each."""
    seen = {"combat"}
    for kind in ("elite", "rest", "boss"):
        for pos in path_to(game, kind):
            outcome = enter(game, pos)
            run = game.session.run
            if run.screen == "rest":
                if "rest" not in seen:
                    seen.add("rest")
                    keep(outcome.frame)
                click(game, "button:rest")
                continue
            assert run.combat is not None
            if run.combat.node_kind not in seen:
                seen.add(run.combat.node_kind)
                keep(outcome.frame)
            after = play_combat(game)
            if after == "reward":
                click(game, "button:skip")
            elif after != "combat":
                return
