"""Generated libraries for the property and bundle tests (hypothesis strategies and a fixed one)."""

from __future__ import annotations

import struct
import zlib

from hypothesis import strategies as st

from skills.model import (
    Beta,
    Edge,
    Effect,
    Insight,
    Provenance,
    Skill,
    SkillStats,
    SkillStep,
    State,
    Strategy,
    StrategyStats,
)
from skills.snapshot import Snapshot

ORIGINS = ("lib-a", "lib-b", "lib-c")
TEXTS = ("Play", "End Turn", "Draw", "Attack", "Menu")
EFFECTS = (None, "opens a panel", "closes a panel")
SIGNATURES = ("s0", "s1", "s2", "s3")


def tiny_png(seed: int = 0) -> bytes:
    """A real 2x2 PNG, different per seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes([seed % 256, 80, 160] * 2) for _ in range(2))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


small = st.integers(min_value=0, max_value=5)
betas = st.builds(Beta, successes=small, failures=small)
skill_stats = st.builds(
    SkillStats,
    acted=betas,
    consistent=betas,
    progressive=betas,
    runs=small,
    cost_total=st.sampled_from([0.0, 0.5, 2.0]),
)


@st.composite
def snapshots(draw) -> Snapshot:
    """A small library drawn from shared pools, so two draws overlap and conflict."""
    states = {}
    for sig in draw(st.sets(st.sampled_from(SIGNATURES), min_size=1)):
        visits = draw(st.dictionaries(st.sampled_from(ORIGINS), small))
        states[sig] = State.create(sig, visits=visits, label=draw(st.sampled_from(["", "menu"])))
    skills = {}
    for text in draw(st.sets(st.sampled_from(TEXTS))):
        effect = draw(st.sampled_from(EFFECTS))
        skill = Skill.create(
            [SkillStep(kind="click", text=text, target=(0.5,))],
            scope="g",
            name=f"click {text}",
            effect=Effect(description=effect) if effect else None,
            status=draw(st.sampled_from(["candidate", "active", "suspended"])),
            stats=draw(st.dictionaries(st.sampled_from(ORIGINS), skill_stats, max_size=2)),
            applies_when=tuple(sorted(draw(st.sets(st.sampled_from(["a", "b"]))))),
            provenance=(Provenance(agent=draw(st.sampled_from(["x", "y"]))),),
        )
        skills[skill.id] = skill
    state_ids = sorted(s.id for s in states.values())
    edges = []
    for skill_id in sorted(skills):
        dst = draw(st.sampled_from(state_ids))
        edges.append(Edge(kind="available_in", src=skill_id, dst=dst))
        if draw(st.booleans()):
            counts = draw(st.dictionaries(st.sampled_from(ORIGINS), small, min_size=1))
            nxt = draw(st.sampled_from(state_ids))
            edges.append(Edge(kind="leads_to", src=dst, dst=nxt, key=skill_id, counts=counts))
    insights = []
    if draw(st.booleans()):
        insight = Insight.create("prefer Play", content="it opens the game")
        insights.append(insight)
        edges.append(Edge(kind="about", src=insight.id, dst=state_ids[0]))
    strategies = []
    if draw(st.booleans()):
        stats = draw(
            st.dictionaries(
                st.sampled_from(ORIGINS), st.builds(StrategyStats, success=betas, runs=small)
            )
        )
        strategies.append(Strategy.create("menu", {"propose": "offline"}, stats=stats))
    return Snapshot.of(
        draw(st.sampled_from(ORIGINS)),
        states.values(),
        skills.values(),
        insights,
        strategies,
        edges,
    )


def sample_library() -> Snapshot:
    """A fixed library with every kind of node, a counted edge and an evidence frame."""
    png = tiny_png(3)
    import hashlib

    sha = hashlib.sha256(png).hexdigest()
    a, b = State.create("menu", visits={"lib-a": 3}), State.create("game", visits={"lib-a": 1})
    play = Skill.create(
        [SkillStep(kind="click", text="Play", target=(0.1, 0.2))],
        scope="g",
        name="click 'Play'",
        stats={"lib-a": SkillStats(acted=Beta(successes=4), runs=4, cost_total=4.0)},
        evidence=(sha,),
        status="active",
    )
    insight = Insight.create("Play first", content="the menu needs Play")
    strategy = Strategy.create("menu", {"propose": "offline", "reflect": True})
    edges = [
        Edge(kind="available_in", src=play.id, dst=a.id),
        Edge(kind="leads_to", src=a.id, dst=b.id, key=play.id, counts={"lib-a": 4}),
        Edge(kind="about", src=insight.id, dst=a.id),
    ]
    return Snapshot.of("lib-a", [a, b], [play], [insight], [strategy], edges, {sha: png})
